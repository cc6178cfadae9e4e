"""berth-emulator: a strict, model-driven local AWS emulator for berth's tests.

What a service file (services/*.py) needs is importable from here:

    from awsemu import op, service_options, AwsError

See README.md for how to add a service or an operation."""

from .errors import AwsError
from .registry import op, service_options

__all__ = ['AwsError', 'op', 'service_options']
