"""Helpers shared by the emulator's own tests: one emulator per test class,
botocore clients pointed at it, and raw signed requests for what botocore's
clients refuse to send (misspelled parameters, wrong types)."""

import datetime
import http.client
import os
import sys
import unittest
import urllib.parse

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from fixture import ACCESS_KEY, REGION, SECRET_KEY, Emulator  # noqa: E402

_session = botocore.session.get_session()


class EmulatorTestCase(unittest.TestCase):
    """Starts one emulator for the class (options in `emulator_options`) and
    clears its state before each test."""

    emulator_options = {}

    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(**cls.emulator_options).start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def setUp(self):
        self._clients = []
        self.addCleanup(self._close_clients)
        self.emu.reset(state=True)
        self.emu.set_faults(latency_ms=0, jitter_ms=0, throttle_rate=0, error_rate=0,
                            drop_rate=0, throttle_next=0, error_next=0, drop_next=0,
                            operations=None)

    def client(self, service, access_key=ACCESS_KEY, secret_key=SECRET_KEY, token=None,
               region=REGION, **config):
        # No retries unless asked: tests look at each error the emulator sends.
        config.setdefault('retries', {'max_attempts': 1, 'mode': 'standard'})
        client = _session.create_client(
            service, region_name=region, endpoint_url=self.emu.url,
            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            aws_session_token=token, config=Config(**config))
        self._clients.append(client)
        return client

    def _close_clients(self):
        for client in self._clients:
            client.close()  # their pooled keep-alive sockets

    def assertAwsError(self, code, call, *args, **kwargs):
        """Run a botocore call, expect ClientError `code`; return the error's
        response dict."""
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as caught:
            call(*args, **kwargs)
        error = caught.exception.response['Error']
        self.assertEqual(error['Code'], code, caught.exception.response)
        return caught.exception.response


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    @property
    def text(self):
        return self.body.decode('utf-8')


def sign(method, url, service, body=b'', headers=None, access_key=ACCESS_KEY,
         secret_key=SECRET_KEY, token=None, region=REGION, when=None):
    """Headers for a SigV4-signed request, made with botocore's signer; `when`
    (a datetime) signs as of another time."""
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    signer = SigV4Auth(Credentials(access_key, secret_key, token), service, region)
    if when is None:
        signer.add_auth(request)
    else:
        # add_auth always signs "now"; do its steps for another time.
        stamp = when.strftime('%Y%m%dT%H%M%SZ')
        request.context['timestamp'] = stamp
        request.headers['X-Amz-Date'] = stamp
        if token:
            request.headers['X-Amz-Security-Token'] = token
        canonical = signer.canonical_request(request)
        signature = signer.signature(signer.string_to_sign(request, canonical), request)
        signed = signer.signed_headers(signer.headers_to_sign(request))
        request.headers['Authorization'] = (
            f'AWS4-HMAC-SHA256 Credential={access_key}/{stamp[:8]}/{region}/{service}/'
            f'aws4_request, SignedHeaders={signed}, Signature={signature}')
    return dict(request.headers.items())


def send(emu, method, path, body=b'', headers=None, connection=None):
    """One HTTP request to the emulator; returns RawResponse."""
    conn = connection or http.client.HTTPConnection('127.0.0.1', emu.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return RawResponse(response.status, response.getheaders(), response.read())
    finally:
        if connection is None:
            conn.close()


def query_request(emu, service, params, signed=True, **sign_options):
    """A form-encoded query/EC2 request with exactly `params` (a list of
    pairs or a dict, Action and Version included)."""
    body = urllib.parse.urlencode(params).encode()
    headers = {'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'}
    if signed:
        headers = sign('POST', emu.url + '/', service, body, headers, **sign_options)
    return send(emu, 'POST', '/', body, headers)


def json_request(emu, service, target, document, signed=True, version='1.1', **sign_options):
    """A JSON-protocol request with exactly `document` as its body (a dict,
    or bytes sent as they are)."""
    import json
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    headers = {'Content-Type': f'application/x-amz-json-{version}', 'X-Amz-Target': target}
    if signed:
        headers = sign('POST', emu.url + '/', service, body, headers, **sign_options)
    return send(emu, 'POST', '/', body, headers)


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


__all__ = ['EmulatorTestCase', 'Emulator', 'RawResponse', 'sign', 'send', 'query_request',
           'json_request', 'utcnow', 'ACCESS_KEY', 'SECRET_KEY', 'REGION']
