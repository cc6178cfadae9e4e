"""Small stand-ins for the credential endpoints berth's client talks to:
STS (GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity) checking every
SigV4 signature with botocore's own signer, the ECS container credentials
endpoint and EC2 IMDSv2. Each counts its calls and can inject faults.

They exist so the client's tests do not depend on the emulator's progress;
tests that can use the emulator (tests/emulator/fixture.py) should.
"""
import datetime
import json
import random
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCOUNT = "111122223333"


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


class _StsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _reply(self, status, body, ctype="text/xml"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status, code, message):
        self._reply(status, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                    "<Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
                    "<RequestId>%s</RequestId></ErrorResponse>" % (code, message, uuid.uuid4()))

    def do_POST(self):
        fake = self.fake
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
        action = form.get("Action")
        with fake.lock:
            fake.calls.append(action)
            fault = fake._fault()
        if fault == "throttle":
            return self._error(400, "Throttling", "Rate exceeded")
        if fault == "error":
            return self._error(500, "InternalFailure", "injected server error")
        if form.get("Version") != "2011-06-15":
            return self._error(400, "InvalidAction", "bad Version")
        if action == "AssumeRoleWithWebIdentity":
            return self._web_identity(form)
        ident, err = fake._check_signature(self, body)
        if err:
            return self._error(403, err[0], err[1])
        if action == "GetCallerIdentity":
            return self._reply(200, (
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                "<GetCallerIdentityResult><Arn>%s</Arn><UserId>%s</UserId><Account>%s</Account>"
                "</GetCallerIdentityResult><ResponseMetadata><RequestId>%s</RequestId>"
                "</ResponseMetadata></GetCallerIdentityResponse>")
                % (ident["arn"], ident["user_id"], ACCOUNT, uuid.uuid4()))
        if action == "AssumeRole":
            for k in ("RoleArn", "RoleSessionName"):
                if k not in form:
                    return self._error(400, "MissingParameter", k)
            return self._issue(form)
        return self._error(400, "InvalidAction", "unknown action %s" % action)

    def _web_identity(self, form):
        if form.get("WebIdentityToken") != self.fake.web_identity_token:
            return self._error(400, "InvalidIdentityToken", "token not valid")
        return self._issue(form, "AssumeRoleWithWebIdentity")

    def _issue(self, form, action="AssumeRole"):
        fake = self.fake
        role = form["RoleArn"].split("/")[-1]
        session = form["RoleSessionName"]
        akid = "ASIA" + uuid.uuid4().hex[:16].upper()
        secret = uuid.uuid4().hex + "tmpsecret"
        token = "FwoG" + uuid.uuid4().hex + "sessiontoken"
        with fake.lock:
            fake.keys[akid] = {"secret": secret, "token": token,
                               "arn": "arn:aws:sts::%s:assumed-role/%s/%s" % (ACCOUNT, role, session),
                               "user_id": "AROA%s:%s" % (role.upper(), session)}
            fake.issued.append((akid, secret, token))
            fake.assumed.append((action, form["RoleArn"], session))
        exp = _iso(datetime.datetime.utcnow() + datetime.timedelta(hours=1))
        self._reply(200, (
            "<{a}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{a}Result>"
            "<Credentials><AccessKeyId>{k}</AccessKeyId><SecretAccessKey>{s}</SecretAccessKey>"
            "<SessionToken>{t}</SessionToken><Expiration>{e}</Expiration></Credentials>"
            "<AssumedRoleUser><Arn>x</Arn><AssumedRoleId>y</AssumedRoleId></AssumedRoleUser>"
            "</{a}Result><ResponseMetadata><RequestId>{r}</RequestId></ResponseMetadata>"
            "</{a}Response>").format(a=action, k=akid, s=secret, t=token, e=exp, r=uuid.uuid4()))


class FakeSts(_Server):
    """STS that knows some access keys and verifies signatures with botocore."""

    def __init__(self, region="us-west-2"):
        self.region = region
        self.calls = []
        self.issued = []
        self.assumed = []
        self.keys = {}
        self.web_identity_token = "eyJ-web-identity-token-" + uuid.uuid4().hex
        self.throttle_rate = self.error_rate = 0.0
        self.rng = random.Random(0)
        super().__init__(_StsHandler)

    def add_user(self, akid, secret, name):
        self.keys[akid] = {"secret": secret, "token": None,
                           "arn": "arn:aws:iam::%s:user/%s" % (ACCOUNT, name),
                           "user_id": "AIDA" + name.upper()}

    def add_session(self, akid, secret, token, role, session="i-0123"):
        """Temporary credentials issued elsewhere (container, instance)."""
        self.keys[akid] = {"secret": secret, "token": token,
                           "arn": "arn:aws:sts::%s:assumed-role/%s/%s" % (ACCOUNT, role, session),
                           "user_id": "AROA%s:%s" % (role.upper(), session)}

    def set_faults(self, throttle_rate=0.0, error_rate=0.0, seed=0):
        with self.lock:
            self.throttle_rate, self.error_rate = throttle_rate, error_rate
            self.rng = random.Random(seed)

    def _fault(self):
        r = self.rng.random()
        if r < self.throttle_rate:
            return "throttle"
        if r < self.throttle_rate + self.error_rate:
            return "error"
        return None

    def _check_signature(self, h, body):
        auth = h.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return None, ("MissingAuthenticationToken", "Request is missing Authentication Token")
        parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
        akid, date, region, service, _ = parts["Credential"].split("/")
        with self.lock:
            ident = self.keys.get(akid)
        if not ident:
            return None, ("InvalidClientTokenId", "The security token included in the request is invalid.")
        if region != self.region or service != "sts":
            return None, ("SignatureDoesNotMatch", "Credential should be scoped to a valid region")
        if ident["token"] and h.headers.get("X-Amz-Security-Token") != ident["token"]:
            return None, ("InvalidClientTokenId", "The security token included in the request is invalid.")
        signed = parts["SignedHeaders"].split(";")
        headers = {name: h.headers.get(name, "") for name in signed}
        req = AWSRequest(method=h.command, url="http://%s%s" % (h.headers["Host"], h.path),
                         data=body, headers=headers)
        amz_date = h.headers.get("X-Amz-Date", "")
        req.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(akid, ident["secret"], ident["token"]), "sts", region)
        canonical = signer.canonical_request(req)
        string_to_sign = signer.string_to_sign(req, canonical)
        expected = signer.signature(string_to_sign, req)
        if expected != parts["Signature"]:
            return None, ("SignatureDoesNotMatch",
                          "The request signature we calculated does not match the signature you provided.")
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
        if abs((datetime.datetime.utcnow() - when).total_seconds()) > 900:
            return None, ("SignatureDoesNotMatch", "Signature expired")
        return ident, None


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
