"""The HTTP request and response as the emulator's pipeline sees them,
independent of http.server, so protocols and the SigV4 check can be tested
on plain data."""

import urllib.parse


class Request:
    """One HTTP request.

    raw_path: the path exactly as sent on the wire (still percent-encoded);
              SigV4 canonicalises this form, so it must not be decoded.
    query:    the raw query string (without '?').
    headers:  list of (name, value) in arrival order; names keep their case.
    """

    def __init__(self, method, raw_path, query, headers, body):
        self.method = method
        self.raw_path = raw_path
        self.query = query
        self.headers = list(headers)
        self.body = body

    @classmethod
    def from_target(cls, method, target, headers, body):
        path, _, query = target.partition('?')
        return cls(method, path, query, headers, body)

    def header(self, name):
        """The first value of a header (case-insensitive), or None."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def query_pairs(self):
        return urllib.parse.parse_qsl(self.query, keep_blank_values=True)

    def content_type(self):
        return (self.header('Content-Type') or '').split(';')[0].strip().lower()

    def is_form(self):
        return self.content_type() == 'application/x-www-form-urlencoded'

    def form_pairs(self):
        """The parameters of a query-protocol request: the form body of a POST,
        or the URL query of a GET (AWS accepts both)."""
        if self.method == 'POST' and self.is_form():
            text = self.body.decode('utf-8')
            return urllib.parse.parse_qsl(text, keep_blank_values=True,
                                          strict_parsing=False)
        return self.query_pairs()


class Response:
    def __init__(self, status, headers=None, body=b''):
        self.status = status
        self.headers = list(headers or [])
        self.body = body if isinstance(body, bytes) else body.encode('utf-8')

    def header(self, name):
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None
