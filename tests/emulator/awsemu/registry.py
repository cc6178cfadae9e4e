"""The handler registry: `@op(service, operation)` and per-service options.

A service is one file in services/ (see README.md). Importing it registers
its handlers; the names are checked against the botocore model at import
time, so a misspelled operation fails when the emulator starts rather than
silently never matching."""

import importlib.util
import os
import sys

from . import models

# (service, operation) -> handler(ctx, params) -> dict | None
HANDLERS = {}

# service -> ServiceOptions
OPTIONS = {}


class ServiceOptions:
    """What differs between services beyond their models.

    validation_error: the code AWS returns when a request breaks the model
        (missing, unknown or ill-typed parameter, constraint). None means the
        protocol's default: ValidationError (query), ValidationException
        (json, rest-json); EC2 has its own codes (see validation.py).
    throttle_error: (code, status) when throttled, for operations whose model
        lists no throttling error of their own. None: the protocol default.
    """

    def __init__(self, validation_error=None, throttle_error=None):
        self.validation_error = validation_error
        self.throttle_error = throttle_error


def service_options(service, **options):
    """Declare a service's ServiceOptions; call once at the top of its file."""
    models.service_model(service)  # fail early on a misspelled service
    OPTIONS[service] = ServiceOptions(**options)


def options_for(service):
    return OPTIONS.get(service) or ServiceOptions()


def op(service, operation):
    """Register `fn(ctx, params) -> dict` as the handler of one operation.

    `params` is the request, parsed from whichever protocol it came in and
    validated against the input shape, in boto3's form (member names as in the
    model, lists, dicts, datetime for timestamps, bytes for blobs). The handler
    returns a dict matching the output shape (or None for an empty output) and
    raises AwsError for AWS errors."""
    model = models.service_model(service)
    if operation not in model.operation_names:
        raise ValueError(f'{service} has no operation {operation!r} in its model')

    def register(fn):
        key = (service, operation)
        previous = HANDLERS.get(key)
        if previous is not None and previous is not fn:
            # Extra service files loaded after services/ (tests) may replace a
            # handler on purpose; say so, since it is surprising otherwise.
            print(f'berth-emulator: {service}:{operation} handler replaced by '
                  f'{fn.__module__}.{fn.__name__}', file=sys.stderr)
        HANDLERS[key] = fn
        return fn

    return register


def handler_for(service, operation):
    return HANDLERS.get((service, operation))


def services():
    """Every service with at least one handler."""
    return sorted({service for service, _ in HANDLERS})


def load_directory(path):
    """Import every `*.py` in `path` (not starting with `_`) as a service file.
    Files are loaded by path, so a directory need not be a package."""
    for name in sorted(os.listdir(path)):
        if not name.endswith('.py') or name.startswith('_'):
            continue
        module_name = f'awsemu_services_{os.path.basename(path)}_{name[:-3]}'
        spec = importlib.util.spec_from_file_location(
            module_name, os.path.join(path, name))
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
