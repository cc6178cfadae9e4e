"""Stand-ins for the two local credential endpoints berth's client reads and
the AWS emulator does not serve: the ECS container credentials endpoint and
EC2 instance metadata (IMDSv2). Each records the requests it got.
"""
import datetime
import os
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCOUNT = "123456789012"


def _iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Server:
    """A threaded HTTP server on 127.0.0.1 with a port chosen by the OS."""

    def __init__(self, handler_cls):
        owner = self

        class Handler(handler_cls):
            fake = owner

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class _ContainerHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        fake = self.fake
        with fake.lock:
            fake.requests.append((self.path, self.headers.get("Authorization")))
        if self.path != fake.path or self.headers.get("Authorization") != fake.auth_token:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        akid, secret, token = fake.creds
        body = json.dumps({"AccessKeyId": akid, "SecretAccessKey": secret, "Token": token,
                           "Expiration": _iso(datetime.datetime.utcnow() + datetime.timedelta(hours=1)),
                           "RoleArn": "arn:aws:iam::%s:role/task" % ACCOUNT}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FakeContainer(_Server):
    """The ECS container credentials endpoint: answers `creds` at `path` when
    the Authorization header carries `auth_token`."""

    def __init__(self, creds, auth_token, path="/v2/credentials/task"):
        self.creds, self.auth_token, self.path = creds, auth_token, path
        self.requests = []
        super().__init__(_ContainerHandler)


class _ImdsHandler(BaseHTTPRequestHandler):
    def _send(self, status, body=b"", ctype="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        fake = self.fake
        with fake.lock:
            fake.requests.append(("PUT", self.path))
        if self.path != "/latest/api/token" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self._send(400)
        self._send(200, fake.session_token.encode())

    def do_GET(self):
        fake = self.fake
        with fake.lock:
            fake.requests.append(("GET", self.path))
        if self.headers.get("X-aws-ec2-metadata-token") != fake.session_token:
            return self._send(401)
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == base:
            return self._send(200, fake.role.encode())
        if self.path == base + fake.role:
            akid, secret, token = fake.creds
            body = json.dumps({"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": akid,
                               "SecretAccessKey": secret, "Token": token,
                               "Expiration": _iso(datetime.datetime.utcnow() + datetime.timedelta(hours=6)),
                               "LastUpdated": _iso(datetime.datetime.utcnow())}).encode()
            return self._send(200, body, "application/json")
        self._send(404)


class FakeImds(_Server):
    """EC2 instance metadata, IMDSv2 only: GETs need the session token."""

    def __init__(self, creds, role="berth-instance-role"):
        self.creds, self.role = creds, role
        self.session_token = "imds-session-" + uuid.uuid4().hex
        self.requests = []
        super().__init__(_ImdsHandler)


class TlsProxy:
    """Terminates TLS with a fresh self-signed certificate for 127.0.0.1 and
    relays the bytes to `target_port`, so the client's TLS verification can be
    tested against the emulator. `cert_path` is the PEM a CA bundle needs."""

    def __init__(self, target_port, workdir):
        import socket
        import ssl
        import subprocess
        self.cert_path = os.path.join(workdir, "cert.pem")
        key_path = os.path.join(workdir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key_path, "-out", self.cert_path],
                       check=True, capture_output=True)
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(self.cert_path, key_path)
        self.target_port = target_port
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = "https://127.0.0.1:%d" % self.port
        self.handshakes_failed = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import socket
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            try:
                conn = self.ctx.wrap_socket(raw, server_side=True)
            except OSError:
                self.handshakes_failed += 1
                raw.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(conn, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, conn), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.close()
            except OSError:
                pass

    def close(self):
        self.sock.close()
