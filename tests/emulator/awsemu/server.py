"""The HTTP server and the command line of `tests/emulator/start`.

One ThreadingHTTPServer on one port serves every service and the control
API. HTTP/1.1 with an exact Content-Length on every response, so clients
(berth included) keep their connections alive."""

import argparse
import os
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import control, registry, timing
from .app import App
from .credentials import DEFAULT_ACCESS_KEY, DEFAULT_ACCOUNT, DEFAULT_SECRET_KEY
from .errors import DropConnection
from .faults import Faults
from .wire import Request, Response

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVICES_DIR = os.path.join(HERE, 'services')


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def version_string(self):
        return 'berth-emulator'

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _read_body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass  # trailers
                    return b''.join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length else b''

    def _serve(self):
        app = self.server.app
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        request = Request.from_target(self.command, self.path, self.headers.items(), body)
        if request.raw_path.startswith('/_emulator/') or request.raw_path == '/_emulator':
            try:
                response = control.handle(app, request)
            except Exception as err:  # never let the control API kill a thread silently
                response = Response(500, [('Content-Type', 'application/json')],
                                    '{"error": %r}' % str(err))
        else:
            try:
                response = app.handle(request)
            except DropConnection:
                # Close without a byte of response, as a dropped connection
                # looks to a client.
                self.close_connection = True
                return
        self._send(response)

    def setup(self):
        super().setup()
        # Answers go out in one write (below); without NODELAY a keep-alive
        # client's delayed ACK still costs ~40 ms a request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send(self, response):
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(response.body)))
        # Headers and body in a single write, so that Nagle's algorithm never
        # holds the body back waiting for the client's ACK of the headers.
        self._headers_buffer.append(b'\r\n')
        if self.command != 'HEAD':
            self._headers_buffer.append(response.body)
        self.flush_headers()

    def log_message(self, format, *args):
        pass  # the app logs AWS requests itself, one line each


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, app, backlog=128):
        # socketserver listens with a backlog of 5 by default: when a client
        # opens more connections at once (berth's --parallelism 10), the
        # kernel drops the extra SYNs and those calls stall for the 1 s
        # retransmit timeout, which AWS's endpoints never do.
        self.request_queue_size = backlog
        super().__init__(address, _Handler)
        self.app = app


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='start', description='berth-emulator: a local, strict, model-driven AWS emulator')
    parser.add_argument('--port', type=int, required=True, help='port to listen on; 0 picks a free one')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--account', default=DEFAULT_ACCOUNT, help='account of the accepted keys')
    parser.add_argument('--credentials', action='append', default=[], metavar='AKID:SECRET[:TOKEN]',
                        help='another accepted key (repeatable); with TOKEN, only with that session token')
    parser.add_argument('--latency-ms', type=int, default=0)
    parser.add_argument('--jitter-ms', type=int, default=0)
    parser.add_argument('--throttle-rate', type=float, default=0.0)
    parser.add_argument('--error-rate', type=float, default=0.0)
    parser.add_argument('--drop-rate', type=float, default=0.0)
    parser.add_argument('--seed', type=int, default=None)
    parser.add_argument('--visibility-delay-ms', type=int, default=0,
                        help='reads see a new resource only this long after its creation')
    parser.add_argument('--aws-timing', type=float, default=None, metavar='SCALE',
                        help="AWS's behaviour in time (eventual consistency, IAM propagation, "
                             'lingering ENIs, long creations and deletions), every duration '
                             'multiplied by SCALE (1 = real time); random draws follow --seed')
    parser.add_argument('--aws-timing-row', action='append', default=[],
                        metavar='KIND=LOW:HIGH',
                        help="replace one row of the AWS timing table (real seconds, still "
                             'times SCALE; repeatable)')
    parser.add_argument('--page-size', type=int, default=5,
                        help='default page size of list operations (AWS default when smaller)')
    parser.add_argument('--services-dir', action='append', default=[], metavar='DIR',
                        help='also load service files from DIR (after services/)')
    parser.add_argument('--quiet', action='store_true', help='do not log each request to stderr')
    parser.add_argument('--backlog', type=int, default=128,
                        help="the listen backlog (default 128; Python's own default is 5)")
    args = parser.parse_args(argv)
    if args.page_size < 1:
        parser.error('--page-size must be at least 1')
    if args.aws_timing is not None and not args.aws_timing > 0:
        parser.error('--aws-timing SCALE must be greater than 0')
    rows = []
    for row in args.aws_timing_row:
        kind, _, span = row.partition('=')
        low, _, high = span.partition(':')
        try:
            rows.append((kind, float(low), float(high or low)))
        except ValueError:
            parser.error(f'--aws-timing-row {row}: expected KIND=LOW:HIGH (seconds)')
    args.aws_timing_row = rows
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    timing.configure(args.aws_timing, args.seed)
    for kind, low, high in args.aws_timing_row:
        try:
            timing.override(kind, low, high)
        except ValueError as err:
            sys.exit(f'--aws-timing-row: {err}')
    registry.load_directory(SERVICES_DIR)
    for directory in args.services_dir:
        registry.load_directory(directory)
    faults = Faults(args.latency_ms, args.jitter_ms, args.throttle_rate, args.error_rate,
                    args.drop_rate, args.seed, args.visibility_delay_ms)
    credentials = [f'{DEFAULT_ACCESS_KEY}:{DEFAULT_SECRET_KEY}'] + args.credentials
    app = App(args.account, credentials, faults, args.page_size, log=not args.quiet)
    server = Server((args.host, args.port), app, backlog=args.backlog)

    def stop(signum, frame):
        # shutdown() waits for serve_forever to return, so it must run on
        # another thread than the one serving.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    print(f'berth-emulator listening on http://{host}:{port}', flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
    return 0
