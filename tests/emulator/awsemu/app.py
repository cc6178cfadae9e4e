"""The request pipeline for AWS requests, in the order AWS's own front ends
work:

  fault latency -> route (service, operation, protocol) -> authenticate
  (SigV4) -> parse by protocol -> validate against the input shape ->
  injected fault (drop / throttle / 5xx) -> handler -> check the output
  against the output shape -> serialise by protocol

Any step may end the request with an AwsError, which is written in the
protocol's error envelope. Every request is counted."""

import datetime
import sys
import threading
import time
import traceback
import uuid

from . import models, registry, sigv4, validation
from .context import Context
from .control import Calls
from .credentials import CredentialStore
from .errors import AwsError, DropConnection, EmulatorBug, front_end_error
from .faults import Faults
from .protocols.common import check_output
from .routing import KNOWN_SERVICES, PROTOCOLS, Route, RouteError, Router
from .state import Store


class App:
    def __init__(self, account, credentials=(), faults=None, page_size=5, log=True):
        self.account = account
        self.page_size = page_size
        self.log = log
        # One request a line even when handler threads finish together:
        # print() writes the text and its newline separately, so two lines
        # could run into one and a test reading the log would miss a call.
        self._log_lock = threading.Lock()
        self.store = Store()
        self.store.clock = self.now
        self.credentials = CredentialStore(account)
        for spec in credentials:
            self.credentials.add_static(spec)
        self.faults = faults or Faults()
        self.calls = Calls()
        self.router = Router(set(KNOWN_SERVICES) | set(registry.services()))
        self._error_status_cache = {}
        # Seconds added to the emulator's idea of "now" (POST
        # /_emulator/clock), so tests can let temporary credentials expire
        # without waiting. The SigV4 clock-skew check keeps using real time,
        # as AWS's does, so clients' signatures stay valid.
        self.clock_offset = 0.0

    def now(self):
        return datetime.datetime.now(datetime.timezone.utc) + \
            datetime.timedelta(seconds=self.clock_offset)

    def reset_state(self):
        with self.store.lock:
            self.store.clear()
            self.credentials.clear_temporary()
            self.clock_offset = 0.0

    def arn_service(self, service):
        """The service part of ARNs, which is the signing name
        (elbv2 -> elasticloadbalancing)."""
        return models.signing_name(models.service_model(service))

    # ---- the pipeline ---------------------------------------------------

    def handle(self, request):
        """Answer one AWS request: a wire.Response, or DropConnection."""
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        latency, decide_fault = self.faults.draw()
        if latency:
            time.sleep(latency)
        route = Route(self.router.guess_protocol(request))
        try:
            signed = None
            try:
                signed = sigv4.parse_authorization(request)
                route = self.router.identify(request, signed)
                ctx = self._authenticate(request, route, signed, request_id)
            except sigv4.AuthFailure as failure:
                raise front_end_error(route.protocol, failure.situation, failure.message)
            except RouteError as err:
                route = err.route
                raise err.error
            response = self._call(request, route, ctx, request_id, decide_fault)
            error_code = None
        except DropConnection:
            self._record(route, '(dropped)', started, 'dropped')
            raise
        except AwsError as err:
            response = self._error_response(err, route, request_id)
            error_code = err.code
        except Exception as err:  # a bug in the emulator: say so loudly
            traceback.print_exc(file=sys.stderr)
            bug = AwsError(front_end_error(route.protocol, 'internal').code,
                           f'berth-emulator bug: {type(err).__name__}: {err}', 500)
            response = self._error_response(bug, route, request_id)
            error_code = bug.code
        response.headers.append(('x-amzn-RequestId', request_id))
        self._record(route, error_code, started, response.status)
        return response

    def _record(self, route, error_code, started, status):
        key = f'{route.service or "?"}:{route.operation or "?"}'
        self.calls.record(key, error_code)
        if self.log:
            elapsed = (time.monotonic() - started) * 1000
            outcome = f'{status} {error_code}' if error_code else f'{status}'
            line = f'berth-emulator: {key} {outcome} {elapsed:.0f}ms\n'
            with self._log_lock:
                sys.stderr.write(line)
                sys.stderr.flush()

    def _authenticate(self, request, route, signed, request_id):
        """The Context for a routed request, once its signature checks out."""
        now = datetime.datetime.now(datetime.timezone.utc)
        if models.needs_no_auth(route.operation_model):
            # Unsigned by design (AssumeRoleWithWebIdentity): the handler
            # decides the account from its parameters.
            return Context(self, route.service, route.operation, self.account,
                           'us-east-1', None, None, request_id)
        if signed is None:
            raise sigv4.AuthFailure('missing_auth')
        credential = self.credentials.lookup(signed.scope.access_key)
        if credential is None:
            raise sigv4.AuthFailure('unknown_key')
        token = request.header('X-Amz-Security-Token')
        if token != credential.session_token:
            # Temporary keys need their own token; long-term keys take none.
            raise sigv4.AuthFailure('unknown_key')
        expected_service = models.signing_name(route.service_model)
        if signed.scope.service != expected_service:
            raise sigv4.AuthFailure('bad_signature', (
                f"Credential should be scoped to correct service: '{expected_service}'. "))
        sigv4.verify(request, signed, credential.secret_key, now)
        if credential.expires is not None and self.now() >= credential.expires:
            raise sigv4.AuthFailure('expired_token')
        return Context(self, route.service, route.operation, credential.identity.account,
                       signed.scope.region, credential.identity, credential.access_key,
                       request_id)

    def _call(self, request, route, ctx, request_id, decide_fault):
        protocol = PROTOCOLS[route.protocol]
        operation_model = route.operation_model
        if route.protocol in ('rest-json', 'rest-xml'):
            params, problems = protocol.parse_request(request, operation_model, route.labels)
        else:
            params, problems = protocol.parse_request(request, operation_model)
        if operation_model.input_shape is not None and \
                not any(p.kind in ('type', 'malformed') for p in problems):
            problems += validation.check(params, operation_model.input_shape)
        if problems:
            raise validation.to_error(problems, route.protocol, route.service, operation_model)

        fault = decide_fault(f'{route.service}:{route.operation}', request.body)
        if fault == 'drop':
            raise DropConnection()
        if fault is not None and fault != 'lose_answer':
            raise self._fault_error(route, fault)

        handler = registry.handler_for(route.service, route.operation)
        if handler is None:
            raise AwsError('NotImplemented', f'berth-emulator does not implement '
                           f'{route.service}:{route.operation} yet (the request was valid)', 501)
        with self.store.lock:
            output = handler(ctx, params)
        if fault == 'lose_answer':
            raise DropConnection()  # done, but the client never hears of it
        shape = operation_model.output_shape
        if shape is not None:
            try:
                output = check_output(output or {}, shape)
            except EmulatorBug as bug:
                raise AwsError(front_end_error(route.protocol, 'internal').code,
                               f'berth-emulator bug in {route.service}:{route.operation}: {bug}',
                               500)
        elif output:
            raise AwsError('InternalFailure', f'berth-emulator bug: {route.operation} has no '
                           f'output shape but its handler returned {output!r}', 500)
        return protocol.serialize_response(operation_model, output, request_id)

    def _fault_error(self, route, fault):
        """The error an injected fault answers with: the operation's own
        modeled throttling/server error when its model lists one (SNS Publish:
        Throttled, 429), else the service's declared one, else the protocol's
        (Throttling, ThrottlingException, RequestLimitExceeded...)."""
        operation_model = route.operation_model
        wanted = {'throttle': ('Throttl', 'TooManyRequests', 'RequestLimitExceeded'),
                  'internal': ('InternalError', 'InternalFailure', 'InternalServer',
                               'InternalService'),
                  'unavailable': ('ServiceUnavailable',)}[fault]
        for shape in operation_model.error_shapes:
            code = models.error_code(shape)
            if any(code.startswith(w) or shape.name.startswith(w) for w in wanted) \
                    and not code.startswith('KMS'):
                status = models.error_status(shape, 503 if fault == 'unavailable' else
                                             500 if fault == 'internal' else 400)
                return AwsError(code, _FAULT_MESSAGES[fault], status)
        situation = {'throttle': 'throttling', 'internal': 'internal',
                     'unavailable': 'unavailable'}[fault]
        if fault == 'throttle':
            declared = registry.options_for(route.service).throttle_error
            if declared:
                return AwsError(declared[0], _FAULT_MESSAGES[fault], declared[1])
        return front_end_error(route.protocol, situation, _FAULT_MESSAGES[fault])

    def _error_response(self, error, route, request_id):
        if error.status is None:
            error.status = self._modeled_status(route, error.code)
        protocol = PROTOCOLS[route.protocol]
        return protocol.serialize_error(error, request_id, route.service_model)

    def _modeled_status(self, route, code):
        """HTTP status for an error a handler raised without one: the model's
        httpStatusCode for that code, else 400."""
        key = (route.service, code)
        if key not in self._error_status_cache:
            shape = models.find_error(route.service_model, code) if route.service else None
            self._error_status_cache[key] = models.error_status(shape) if shape else 400
        return self._error_status_cache[key]


_FAULT_MESSAGES = {
    'throttle': 'Rate exceeded',
    'internal': 'We encountered an internal error. Please try again.',
    'unavailable': 'Service is unavailable. Please try again later.',
}
