"""AwsError, the one exception a handler raises, and the tables of the errors
AWS's front ends return themselves (authentication, routing, throttling,
server faults), which differ by protocol.

A handler raises `AwsError("NotFound", "Topic does not exist")`; when it gives
no status the framework takes it from the model's error shape
(SNS NotFoundException says httpStatusCode 404), else 400."""


class AwsError(Exception):
    """An error response in the wire format of the request's protocol.

    code:    the wire code ("ResourceNotFoundException", "NotFound").
    status:  HTTP status; None means "ask the model, else 400".
    sender:  True for client faults (`<Type>Sender</Type>` in query errors).
    fields:  extra members for the JSON error body (rest-json errors such as
             AMP's ValidationException carry `fieldList`, `reason`).
    """

    def __init__(self, code, message, status=None, sender=None, fields=None):
        super().__init__(f'{code}: {message}')
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender
        self.fields = fields or {}

    def resolved_sender(self):
        if self.sender is not None:
            return self.sender
        return (self.status or 400) < 500


class DropConnection(Exception):
    """Raised by fault injection: close the socket without any response."""


class EmulatorBug(Exception):
    """A handler returned something its output shape does not allow. Answered
    with a 500 so the test that hit it fails loudly."""


# Errors the AWS front ends produce before a request reaches the service, by
# protocol: (code, status). Keys are the emulator's names for the situations.
# Sources: the AWS "Common Errors" pages of each API reference and the codes
# botocore's own retry and clock-skew logic recognise.
FRONT_END_ERRORS = {
    'query': {
        'missing_auth': ('MissingAuthenticationToken', 403),
        'unknown_key': ('InvalidClientTokenId', 403),
        'bad_signature': ('SignatureDoesNotMatch', 403),
        'incomplete_signature': ('IncompleteSignature', 400),
        'expired_token': ('ExpiredToken', 403),
        'request_expired': ('SignatureDoesNotMatch', 403),
        'unknown_operation': ('InvalidAction', 400),
        'missing_action': ('MissingAction', 400),
        'malformed': ('MalformedQueryString', 400),
        'throttling': ('Throttling', 400),
        'internal': ('InternalFailure', 500),
        'unavailable': ('ServiceUnavailable', 503),
    },
    'ec2': {
        'missing_auth': ('MissingAuthenticationToken', 401),
        'unknown_key': ('AuthFailure', 401),
        'bad_signature': ('SignatureDoesNotMatch', 403),
        'incomplete_signature': ('IncompleteSignature', 400),
        'expired_token': ('RequestExpired', 400),
        'request_expired': ('RequestExpired', 400),
        'unknown_operation': ('InvalidAction', 400),
        'missing_action': ('MissingAction', 400),
        'malformed': ('MalformedQueryString', 400),
        'throttling': ('RequestLimitExceeded', 503),
        'internal': ('InternalError', 500),
        'unavailable': ('Unavailable', 503),
    },
    'json': {
        'missing_auth': ('MissingAuthenticationTokenException', 400),
        'unknown_key': ('UnrecognizedClientException', 400),
        'bad_signature': ('InvalidSignatureException', 400),
        'incomplete_signature': ('IncompleteSignatureException', 400),
        'expired_token': ('ExpiredTokenException', 400),
        'request_expired': ('InvalidSignatureException', 400),
        'unknown_operation': ('UnknownOperationException', 400),
        'missing_action': ('UnknownOperationException', 400),
        'malformed': ('SerializationException', 400),
        'throttling': ('ThrottlingException', 400),
        'internal': ('InternalFailure', 500),
        'unavailable': ('ServiceUnavailable', 503),
    },
    'rest-json': {
        'missing_auth': ('MissingAuthenticationTokenException', 403),
        'unknown_key': ('UnrecognizedClientException', 403),
        'bad_signature': ('InvalidSignatureException', 403),
        'incomplete_signature': ('IncompleteSignatureException', 403),
        'expired_token': ('ExpiredTokenException', 403),
        'request_expired': ('InvalidSignatureException', 403),
        'unknown_operation': ('UnknownOperationException', 404),
        'missing_action': ('UnknownOperationException', 404),
        'malformed': ('SerializationException', 400),
        'throttling': ('ThrottlingException', 429),
        'internal': ('InternalServerException', 500),
        'unavailable': ('ServiceUnavailableException', 503),
    },
    # S3's own codes (AccessDenied-style front end, 403 for signing).
    'rest-xml': {
        'missing_auth': ('AccessDenied', 403),
        'unknown_key': ('InvalidAccessKeyId', 403),
        'bad_signature': ('SignatureDoesNotMatch', 403),
        'incomplete_signature': ('AuthorizationHeaderMalformed', 400),
        'expired_token': ('ExpiredToken', 400),
        'request_expired': ('RequestTimeTooSkewed', 403),
        'unknown_operation': ('MethodNotAllowed', 405),
        'missing_action': ('MethodNotAllowed', 405),
        'malformed': ('MalformedXML', 400),
        'throttling': ('SlowDown', 503),
        'internal': ('InternalError', 500),
        'unavailable': ('ServiceUnavailable', 503),
    },
}

MESSAGES = {
    'missing_auth': 'Request is missing Authentication Token',
    'unknown_key': 'The security token included in the request is invalid.',
    'bad_signature': ('The request signature we calculated does not match the '
                      'signature you provided. Check your AWS Secret Access Key '
                      'and signing method. Consult the service documentation '
                      'for details.'),
    'expired_token': 'The security token included in the request is expired',
    'throttling': 'Rate exceeded',
    'internal': 'We encountered an internal error. Please try again.',
    'unavailable': 'Service is unavailable. Please try again later.',
}


def front_end_error(protocol, situation, message=None):
    """An AwsError for one of the situations above, in `protocol`'s codes."""
    code, status = FRONT_END_ERRORS[protocol][situation]
    return AwsError(code, message or MESSAGES.get(situation, code), status=status)
