"""SigV4 verification with botocore's own signer.

The incoming request is rebuilt as a botocore AWSRequest holding exactly the
headers the client listed in SignedHeaders, and botocore's SigV4Auth computes
the signature for the request's own X-Amz-Date (`request.context
['timestamp']`, which `add_auth` would otherwise set to "now") and the
credential scope's region and service. The emulator never has its own idea
of canonicalisation: if berth's signer and botocore's disagree, berth is
wrong.

`verify()` works on plain data (see wire.Request) so the AWS test vectors in
tests/data/sigv4-suite can drive it directly."""

import datetime
import hashlib
import hmac
import re

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

MAX_SKEW = datetime.timedelta(minutes=15)
_AUTH_RE = re.compile(
    r'^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+)\s*,\s*'
    r'SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<signature>[0-9a-f]+)\s*$')


class AuthFailure(Exception):
    """`situation` names an entry of errors.FRONT_END_ERRORS."""

    def __init__(self, situation, message=None):
        super().__init__(message or situation)
        self.situation = situation
        self.message = message


class Scope:
    """The parsed `Credential=AKID/DATE/REGION/SERVICE/aws4_request`."""

    def __init__(self, access_key, date, region, service):
        self.access_key = access_key
        self.date = date
        self.region = region
        self.service = service


class SignedRequest:
    """What the Authorization header says."""

    def __init__(self, scope, signed_headers, signature):
        self.scope = scope
        self.signed_headers = signed_headers
        self.signature = signature


def parse_authorization(request):
    """The SignedRequest of a request, None when it carries no SigV4
    Authorization header at all, AuthFailure when it carries a broken one."""
    header = request.header('Authorization')
    if header is None:
        if any(k == 'X-Amz-Signature' for k, _ in request.query_pairs()):
            raise AuthFailure('incomplete_signature',
                              'Presigned (query-string) requests are not supported by the emulator')
        return None
    match = _AUTH_RE.match(header.strip())
    if not match:
        if not header.startswith('AWS4-HMAC-SHA256'):
            raise AuthFailure('incomplete_signature',
                              f"Unsupported Authorization type: {header.split(' ')[0]}")
        raise AuthFailure('incomplete_signature',
                          'Authorization header requires Credential, SignedHeaders '
                          'and Signature, comma-separated.')
    parts = match.group('credential').split('/')
    if len(parts) != 5 or parts[4] != 'aws4_request':
        raise AuthFailure('incomplete_signature',
                          f"Credential should be scoped to a valid region, not "
                          f"'{match.group('credential')}'")
    scope = Scope(parts[0], parts[1], parts[2], parts[3])
    signed = match.group('signed').split(';')
    return SignedRequest(scope, signed, match.group('signature'))


def request_time(request):
    """The request's timestamp: X-Amz-Date (basic ISO 8601), else Date."""
    text = request.header('X-Amz-Date')
    if text is not None:
        try:
            return text, datetime.datetime.strptime(text, '%Y%m%dT%H%M%SZ').replace(
                tzinfo=datetime.timezone.utc)
        except ValueError:
            raise AuthFailure('incomplete_signature', f"Invalid X-Amz-Date: '{text}'")
    raise AuthFailure('incomplete_signature',
                      'Authorization header requires existence of either a '
                      "'X-Amz-Date' or a 'Date' header.")


class _ClientChosenHeaders:
    """botocore's signer, told which headers the client signed instead of
    choosing them itself (its blacklist would drop e.g. a signed
    User-Agent, which AWS accepts)."""

    def __init__(self, credentials, service, region, signed_headers):
        super().__init__(credentials, service, region)
        self._signed = signed_headers

    def headers_to_sign(self, request):
        chosen = HTTPHeaders()
        for name in self._signed:
            for value in request.headers.get_all(name) or []:
                chosen[name] = value
        return chosen


class _Verifier(_ClientChosenHeaders, SigV4Auth):
    """Every service but S3."""


class _S3Verifier(_ClientChosenHeaders, S3SigV4Auth):
    """S3's rules (the path signed as sent, the payload hash from
    x-amz-content-sha256), with the client's own choice of signed headers."""


def expected_signature(request, signed, secret_key, timestamp_text):
    """The signature botocore computes for `request` under `signed`'s scope."""
    host = request.header('Host') or ''
    url = f'http://{host}{request.raw_path}'
    aws_request = AWSRequest(method=request.method, url=url, data=request.body)
    for name, value in request.headers:
        if name.lower() in signed.signed_headers:
            aws_request.headers[name.lower()] = value
    # Decoded pairs: botocore re-encodes them canonically, exactly as it does
    # for its own client's params.
    aws_request.params = request.query_pairs()
    aws_request.context['timestamp'] = timestamp_text
    verifier = _S3Verifier if signed.scope.service == 's3' else _Verifier
    signer = verifier(Credentials(signed.scope.access_key, secret_key),
                       signed.scope.service, signed.scope.region, signed.signed_headers)
    canonical = signer.canonical_request(aws_request)
    string_to_sign = signer.string_to_sign(aws_request, canonical)
    return signer.signature(string_to_sign, aws_request), canonical


def verify(request, signed, secret_key, now):
    """Check the signature, the scope's date and the clock skew. Raises
    AuthFailure; returns the canonical request on success (for debugging)."""
    if 'host' not in signed.signed_headers:
        raise AuthFailure('bad_signature', "'Host' must be a signed header")
    timestamp_text, when = request_time(request)
    if request.header('X-Amz-Date') is not None and 'x-amz-date' not in signed.signed_headers:
        raise AuthFailure('bad_signature', "'X-Amz-Date' must be a signed header")
    if signed.scope.date != timestamp_text[:8]:
        raise AuthFailure('bad_signature',
                          f"Credential should be scoped to a valid date: '{signed.scope.date}' "
                          f"does not match the request date '{timestamp_text[:8]}'")
    if when < now - MAX_SKEW:
        raise AuthFailure('request_expired', (
            f'Signature expired: {timestamp_text} is now earlier than '
            f'{(now - MAX_SKEW).strftime("%Y%m%dT%H%M%SZ")} '
            f'({now.strftime("%Y%m%dT%H%M%SZ")} - 15 min.)'))
    if when > now + MAX_SKEW:
        raise AuthFailure('request_expired', (
            f'Signature not yet current: {timestamp_text} is still later than '
            f'{(now + MAX_SKEW).strftime("%Y%m%dT%H%M%SZ")} '
            f'({now.strftime("%Y%m%dT%H%M%SZ")} + 15 min.)'))
    content_sha = request.header('X-Amz-Content-SHA256')
    if content_sha is not None and content_sha != 'UNSIGNED-PAYLOAD' and \
            content_sha != hashlib.sha256(request.body).hexdigest():
        raise AuthFailure('bad_signature',
                          "The provided 'x-amz-content-sha256' header does not match "
                          'what was computed.')
    expected, canonical = expected_signature(request, signed, secret_key, timestamp_text)
    if not hmac.compare_digest(expected, signed.signature):
        raise AuthFailure('bad_signature')
    return canonical
