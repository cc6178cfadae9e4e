"""Hostile answers from "AWS": a local HTTP server posing as an AWS endpoint
(AWS_ENDPOINT_URL) sends truncated bodies, a captive portal's page, a 10 MB
and a 70 MB body, a next-page token that never changes and one that never
ends, a slow-loris trickle, a redirect. berth (built with sanitizers) must
end each time with a bounded, clear error: exit 1, no sanitizer report, a
short stderr naming what went wrong, and well within the test's timeout.
And the reverse: real answers (the emulator's, through a relabelling proxy)
whose Content-Type says text/html, text/plain or nothing must still be read
as the service's protocol says, as botocore reads them."""
import http.client
import os
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from berthtest import BERTH, clean_env, main, run_berth  # noqa: F401
from enginetest import EngineCase

# Each berth run must end well before this (ctest allows 600 s for the file).
RUN_TIMEOUT = 150

STS_OK = (b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
          b'<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/x</Arn>'
          b'<UserId>AIDAX</UserId><Account>123456789012</Account></GetCallerIdentityResult>'
          b'<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>'
          b'</GetCallerIdentityResponse>')


class Hostile:
    """A threaded server; `behaviour(handler)` answers every request."""

    def __init__(self, behaviour):
        owner = self
        self.requests = 0
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.body = self.rfile.read(n)
                with owner.lock:
                    owner.requests += 1
                try:
                    behaviour(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST

            def send(self, status, body, ctype, length=None, extra=()):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
                for k, v in extra:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def truncated(h):
    h.send(200, STS_OK[:60], "text/xml", length=len(STS_OK))
    h.close_connection = True
    h.connection.shutdown(socket.SHUT_RDWR)


def html(h):
    h.send(200, b"<html><body><h1>Welcome to the captive portal</h1></body></html>",
           "text/html")


def proxy_denied(h):
    h.send(403, b"<html><body>Access denied by the proxy</body></html>", "text/html")


def html_as_json(h):
    # A proxy's page wearing AWS's JSON label.
    h.send(200, b'<!DOCTYPE html>\n<html><title>"Proxy" \xc3\xa9rror</title></html>',
           "application/x-amz-json-1.1")


def relabel(target, ctype):
    """Forwards each request unchanged (Host included, so the signature still
    verifies) to target and relabels the answer's Content-Type (None: no
    Content-Type at all)."""
    host, port = target.split("//", 1)[1].split(":")

    def answer(h):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            conn.putrequest(h.command, h.path, skip_host=True, skip_accept_encoding=True)
            for k, v in h.headers.items():
                conn.putheader(k, v)
            conn.endheaders(h.body)
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        h.send_response(resp.status)
        if ctype is not None:
            h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k in ("x-amzn-RequestId", "x-amzn-ErrorType"):
            if resp.getheader(k):
                h.send_header(k, resp.getheader(k))
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()
    return answer


def big(size):
    def answer(h):
        h.send(200, b"<x>" + b"A" * size + b"</x>", "text/xml")
    return answer


def slow_loris(h):
    h.send_response(200)
    h.send_header("Content-Type", "text/xml")
    h.send_header("Content-Length", str(len(STS_OK)))
    h.end_headers()
    h.wfile.flush()
    for b in STS_OK:
        h.wfile.write(bytes([b]))
        h.wfile.flush()
        time.sleep(2)


def bad_encoding(h):
    # libxml2 reports a failed character-set conversion through its generic
    # error handler, outside the parser's NOERROR option.
    h.send(200, b'<?xml version="1.0" encoding="SHIFT_JIS"?><a>\xff\xfe\x80\x00\x00</a>',
           "text/xml")


def redirect(h):
    h.send(307, b"", "text/plain", extra=[("Location", "http://127.0.0.1:9/")])


def json_garbage(h):
    h.send(200, b'{"logGroups": [{"logGroupName": ', "application/x-amz-json-1.1")


def same_token(h):
    h.send(200, b'{"logGroups": [], "nextToken": "again"}', "application/x-amz-json-1.1")


def new_token(h):
    h.send(200, ('{"logGroups": [], "nextToken": "%s"}' % uuid.uuid4()).encode(),
           "application/x-amz-json-1.1")


SPEC = """\
    berth: 1
    stack: demo
    resources:
      logs:
        type: AWS::Logs::LogGroup
        properties: { LogGroupName: /demo/hostile }
    """


class HostileTest(EngineCase):
    def logs(self):
        import botocore.session
        from fixture import ACCESS_KEY, REGION, SECRET_KEY
        return botocore.session.get_session().create_client(
            "logs", region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def existing_log_group(self):
        """A log group of the stack in the emulator, so plan's refresh goes on
        from the tagging API (the emulator) to logs (the hostile server)."""
        self.logs().create_log_group(logGroupName="/demo/hostile",
                              tags={"berth:stack": "demo", "berth:id": "logs"})
        self.write_spec(SPEC)

    def run_against(self, behaviour, args, only_logs=False, expect=()):
        server = Hostile(behaviour)
        try:
            env = dict(self.env, AWS_MAX_ATTEMPTS="2")
            if only_logs:
                env["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"] = server.url
            else:
                env["AWS_ENDPOINT_URL"] = server.url
            start = time.monotonic()
            r = run_berth(args, env=env, cwd=self.dir, timeout=RUN_TIMEOUT)
            took = time.monotonic() - start
        finally:
            server.close()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr[-3000:])
        self.assertNotIn("Sanitizer", r.stderr)
        self.assertNotIn("runtime error", r.stderr)
        # The error is short: a hostile body is never dumped whole.
        self.assertLess(len(r.stderr), 8000, r.stderr[:3000])
        for e in expect:
            self.assertIn(e, r.stderr)
        return r, took, server.requests

    def whoami(self, behaviour, *expect):
        return self.run_against(behaviour, ["whoami"], expect=expect)

    def test_truncated_body(self):
        self.whoami(truncated, "GetCallerIdentity")

    def test_captive_portal_page(self):
        self.whoami(html, "GetCallerIdentity", "not an AWS answer",
                    'it begins: "<html><body><h1>Welcome to the captive portal</h1>')

    def test_proxy_error_page(self):
        # An error status with a page where AWS's error envelope belongs.
        self.whoami(proxy_denied, "GetCallerIdentity failed: HTTP 403: not an AWS answer",
                    'it begins: "<html><body>Access denied by the proxy</body></html>"')

    def test_page_labelled_as_aws_json(self):
        self.existing_log_group()
        self.run_against(html_as_json, ["plan"], only_logs=True,
                         expect=["DescribeLogGroups", "not an AWS answer",
                                 'it begins: "<!DOCTYPE html>\\n<html><title>\\"Proxy\\" '
                                 '\\xc3\\xa9rror</title></html>"'])

    def test_answers_read_by_protocol_whatever_their_content_type(self):
        # DescribeLogGroups with a full body, CreateLogGroup with an empty
        # one, each labelled text/html, text/plain or nothing: apply and the
        # plan after it work as against AWS.
        self.existing_log_group()
        for n, ctype in enumerate(["text/html", "text/plain; charset=utf-8", None]):
            self.write_spec(SPEC.rstrip(" ") + """\
      extra:
        type: AWS::Logs::LogGroup
        properties: { LogGroupName: /demo/relabelled-%d, RetentionInDays: 7 }
    """ % n)
            server = Hostile(relabel(self.emu.url, ctype))
            try:
                env = dict(self.env, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=server.url)
                self.berth("apply", "--auto-approve", env=env)
                r = self.berth("plan", "--detailed-exitcode", env=env)
            finally:
                server.close()
            self.assertIn("No changes", r.stdout + r.stderr)
            self.assertGreater(server.requests, 2)
            names = [g["logGroupName"] for g in self.logs().describe_log_groups()["logGroups"]]
            self.assertIn("/demo/relabelled-%d" % n, names)

    def test_10mb_body(self):
        self.whoami(big(10 << 20), "GetCallerIdentity")

    def test_body_over_the_cap(self):
        r, _, _ = self.whoami(big(70 << 20), "GetCallerIdentity")
        self.assertIn("larger than 64 MiB", r.stderr)

    def test_slow_loris(self):
        r, took, _ = self.whoami(slow_loris, "GetCallerIdentity")
        self.assertLess(took, RUN_TIMEOUT - 20)

    def test_undecodable_xml_prints_nothing_of_libxml2(self):
        r, _, _ = self.whoami(bad_encoding, "GetCallerIdentity", "malformed XML answer")
        # Only berth's own diagnostic: the library never writes to stderr.
        self.assertTrue(r.stderr.startswith("berth: error: "), r.stderr)
        self.assertNotIn("encoding error", r.stderr)
        self.assertNotIn("I/O error", r.stderr)

    def test_redirect_is_not_followed(self):
        r, _, n = self.whoami(redirect, "GetCallerIdentity", "HTTP 307",
                              "redirect to http://127.0.0.1:9/", "does not follow redirects")
        self.assertEqual(n, 1)

    def test_json_garbage(self):
        self.existing_log_group()
        self.run_against(json_garbage, ["plan"], only_logs=True, expect=["DescribeLogGroups"])

    def test_pagination_token_that_never_changes(self):
        self.existing_log_group()
        r, _, n = self.run_against(same_token, ["plan"], only_logs=True,
                                   expect=["DescribeLogGroups", "did not change"])
        self.assertLessEqual(n, 3)

    def test_pagination_that_never_ends(self):
        self.existing_log_group()
        r, _, n = self.run_against(new_token, ["plan"], only_logs=True,
                                   expect=["DescribeLogGroups", "pages"])
        self.assertLessEqual(n, 1001)


if __name__ == "__main__":
    main()
