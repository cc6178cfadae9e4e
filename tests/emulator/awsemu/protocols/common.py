"""What every protocol shares: scalar conversions (timestamps, blobs,
numbers), the Problem record parsers report, and the output check that every
response goes through before a protocol writes it."""

import base64
import binascii
import datetime
import email.utils
import re
import sys

from ..errors import EmulatorBug

UTC = datetime.timezone.utc


class Problem:
    """One way a request breaks its input shape.

    kind: 'unknown' (a parameter the shape has no member for), 'missing'
          (a required member absent), 'type' (a value of the wrong type),
          'constraint' (min/max/pattern/enum).
    path: the Coral-style location AWS puts in validation messages
          ('tags.1.member.key'), built from member names.
    wire: the parameter as it was written on the wire ('Tags.member.1.Key'),
          which EC2's messages quote.
    """

    def __init__(self, kind, path, message, wire=None):
        self.kind = kind
        self.path = path
        self.message = message
        self.wire = wire or path

    def __repr__(self):
        return f'Problem({self.kind}, {self.path!r}, {self.message!r})'


def coral_path(parent, member_name):
    """AWS's validation messages name members in lowerCamel: SNS `Name` is
    reported as 'name', `Tags.1.Key` as 'tags.1.member.key'."""
    name = member_name[:1].lower() + member_name[1:]
    return f'{parent}.{name}' if parent else name


# ---- timestamps ---------------------------------------------------------

_ISO_RE = re.compile(
    r'^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?'
    r'(Z|[+-]\d{2}:?\d{2})?$')


def parse_timestamp(text):
    """A timestamp as clients send them: ISO 8601, epoch seconds, or RFC 822
    (HTTP dates in headers). Raises ValueError for anything else."""
    text = text.strip()
    if re.fullmatch(r'-?\d+(\.\d+)?', text):
        return datetime.datetime.fromtimestamp(float(text), UTC)
    match = _ISO_RE.match(text)
    if match:
        year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
        fraction = match.group(7)
        micro = int(round(float(fraction) * 1e6)) if fraction else 0
        zone = match.group(8)
        tz = UTC
        if zone and zone != 'Z':
            sign = 1 if zone[0] == '+' else -1
            digits = zone[1:].replace(':', '')
            tz = datetime.timezone(sign * datetime.timedelta(
                hours=int(digits[:2]), minutes=int(digits[2:])))
        return datetime.datetime(year, month, day, hour, minute, second,
                                 min(micro, 999999), tz).astimezone(UTC)
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        raise ValueError(f'not a timestamp: {text!r}')
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def to_datetime(value):
    """A handler's timestamp (datetime, epoch seconds, or ISO text) as an
    aware UTC datetime."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        return parse_timestamp(value)
    raise TypeError(f'not a timestamp: {value!r}')


def format_timestamp(value, fmt):
    """`fmt` is the model's timestampFormat: 'iso8601' (query, EC2),
    'unixTimestamp' (JSON protocols), 'rfc822' (REST headers)."""
    dt = to_datetime(value)
    if fmt == 'unixTimestamp':
        seconds = dt.timestamp()
        return int(seconds) if seconds == int(seconds) else round(seconds, 3)
    if fmt == 'rfc822':
        return email.utils.format_datetime(dt, usegmt=True)
    return dt.strftime('%Y-%m-%dT%H:%M:%S.') + f'{dt.microsecond // 1000:03d}Z'


# ---- blobs and scalars from text ----------------------------------------

def decode_base64(text):
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError('not valid base64')


def encode_base64(value):
    if isinstance(value, str):
        value = value.encode('utf-8')
    return base64.b64encode(value).decode('ascii')


_INT_RE = re.compile(r'-?\d+')
_FLOAT_RE = re.compile(r'-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|-?Infinity|NaN')


def scalar_from_text(text, shape):
    """A scalar parameter that arrived as text (query bodies, URI labels,
    query strings, headers), converted to its Python type. Raises ValueError
    with AWS-like wording when it cannot be."""
    kind = shape.type_name
    if kind in ('string', 'character'):
        return text
    if kind in ('integer', 'long', 'short', 'byte'):
        if not _INT_RE.fullmatch(text):
            raise ValueError(f"'{text}' is not a valid {kind}")
        return int(text)
    if kind in ('float', 'double'):
        if not _FLOAT_RE.fullmatch(text):
            raise ValueError(f"'{text}' is not a valid {kind}")
        return float(text)
    if kind == 'boolean':
        if text == 'true':
            return True
        if text == 'false':
            return False
        raise ValueError(f"'{text}' is not a valid boolean (true or false)")
    if kind == 'timestamp':
        return parse_timestamp(text)
    if kind == 'blob':
        return decode_base64(text)
    raise ValueError(f'a {kind} cannot be given as text')


# ---- checking what handlers return ---------------------------------------

_warned = set()


def _warn_once(key, message):
    if key not in _warned:
        _warned.add(key)
        print(f'berth-emulator: warning: {message}', file=sys.stderr, flush=True)


def check_output(value, shape, path='output'):
    """Check a handler's result against its output shape and return it
    cleaned: None members dropped, timestamps as datetimes, blobs as bytes.

    A wrong type or a missing required member is a bug in the handler and
    raises EmulatorBug. A member the model does not know is dropped with a
    one-time warning: handlers are written for the newest botocore, and older
    models (Debian's) lack some members."""
    kind = shape.type_name
    if kind == 'structure':
        if not isinstance(value, dict):
            raise EmulatorBug(f'{path}: expected a dict for {shape.name}, got {value!r}')
        cleaned = {}
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                _warn_once((shape.name, key),
                           f'{path}.{key} is not in the model of {shape.name}; dropped')
                continue
            if item is None:
                continue
            cleaned[key] = check_output(item, member, f'{path}.{key}')
        for required in shape.required_members:
            if required not in cleaned:
                raise EmulatorBug(f'{path}: required member {required} missing')
        return cleaned
    if kind == 'list':
        if not isinstance(value, (list, tuple)):
            raise EmulatorBug(f'{path}: expected a list, got {value!r}')
        return [check_output(item, shape.member, f'{path}[{i}]')
                for i, item in enumerate(value) if item is not None]
    if kind == 'map':
        if not isinstance(value, dict):
            raise EmulatorBug(f'{path}: expected a dict (map), got {value!r}')
        return {check_output(k, shape.key, f'{path} key'):
                check_output(v, shape.value, f'{path}[{k!r}]')
                for k, v in value.items() if v is not None}
    if kind in ('string', 'character'):
        if not isinstance(value, str):
            raise EmulatorBug(f'{path}: expected a string, got {value!r}')
        enum = shape.metadata.get('enum')
        if enum and value not in enum:
            raise EmulatorBug(f'{path}: {value!r} is not one of {enum}')
        return value
    if kind in ('integer', 'long', 'short', 'byte'):
        if isinstance(value, bool) or not isinstance(value, int):
            raise EmulatorBug(f'{path}: expected an integer, got {value!r}')
        return value
    if kind in ('float', 'double'):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise EmulatorBug(f'{path}: expected a number, got {value!r}')
        return value
    if kind == 'boolean':
        if not isinstance(value, bool):
            raise EmulatorBug(f'{path}: expected a bool, got {value!r}')
        return value
    if kind == 'timestamp':
        try:
            return to_datetime(value)
        except (TypeError, ValueError):
            raise EmulatorBug(f'{path}: expected a timestamp, got {value!r}')
    if kind == 'blob':
        if isinstance(value, str):
            return value.encode('utf-8')
        if not isinstance(value, (bytes, bytearray)):
            raise EmulatorBug(f'{path}: expected bytes, got {value!r}')
        return bytes(value)
    # 'document' and anything newer: passed through as JSON-able data.
    return value
