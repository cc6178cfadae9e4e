"""The AWS query protocol (STS, SNS, IAM, ELBv2, CloudFormation,
CloudWatch): form-encoded `Action=...&Version=...&Name.member.1=...`
requests, XML responses. EC2's variant lives in ec2.py and reuses this file
with its own naming rules.

Parsing is the inverse of botocore's QuerySerializer: walk the input shape,
consume the flat keys each member accounts for, and report whatever is left
over as unknown parameters. That leftover check is what makes a misspelled
parameter an error instead of being silently ignored."""

from xml.sax.saxutils import escape

from ..wire import Response
from .common import Problem, coral_path, encode_base64, format_timestamp, scalar_from_text

NAME = 'query'

# Keys that are part of the envelope or of SigV4 query signing, not parameters.
ENVELOPE_KEYS = {'Action', 'Version'}
PRESIGN_PREFIX = 'X-Amz-'


class QueryDialect:
    """How one flavour of the query protocol names things on input."""

    ec2 = False

    def member_wire_name(self, member_shape, member_name):
        return member_shape.serialization.get('name', member_name)

    def list_items_prefix(self, shape, key):
        """Where the items of a list at `key` live: `key.member` normally,
        `key` itself when flattened (or the member's own locationName in place
        of the last segment, as botocore does)."""
        if shape.serialization.get('flattened'):
            name = shape.member.serialization.get('name')
            if name:
                return '.'.join(key.split('.')[:-1] + [name])
            return key
        return f"{key}.{shape.member.serialization.get('name', 'member')}"

    def empty_list_allowed(self):
        # botocore's query serializer sends `Name=` for an empty list.
        return True

    def map_entry_names(self, shape):
        return (shape.key.serialization.get('name', 'key'),
                shape.value.serialization.get('name', 'value'))


class _Parser:
    def __init__(self, pairs, dialect):
        self.dialect = dialect
        self.values = {}
        self.problems = []
        for key, value in pairs:
            if key in ENVELOPE_KEYS or key.startswith(PRESIGN_PREFIX):
                continue
            if key in self.values:
                self.problems.append(Problem(
                    'type', key, f"Parameter '{key}' was specified more than once", key))
            self.values[key] = value
        self.consumed = set()
        self.keys = sorted(self.values)

    def present(self, key):
        if key in self.values:
            return True
        prefix = key + '.'
        return any(k.startswith(prefix) for k in self.keys)

    def indices(self, prefix):
        """The item numbers used under `prefix.` ({1, 2, ...}). Keys whose next
        segment is not a positive number are left unconsumed, so they end up
        reported as unknown."""
        found = set()
        start = prefix + '.'
        for key in self.keys:
            if key.startswith(start):
                head = key[len(start):].split('.', 1)[0]
                if head.isdigit() and int(head) >= 1:
                    found.add(int(head))
        return sorted(found)

    def structure(self, shape, prefix, path):
        result = {}
        for name, member in shape.members.items():
            wire = self.dialect.member_wire_name(member, name)
            key = f'{prefix}.{wire}' if prefix else wire
            if self.present(key):
                value = self.value(member, key, coral_path(path, name))
                if value is not _ABSENT:
                    result[name] = value
        return result

    def value(self, shape, key, path):
        kind = shape.type_name
        if kind == 'structure':
            if key in self.values:
                # `Foo=x` where Foo is a structure: not a parameter AWS knows.
                return _ABSENT
            return self.structure(shape, key, path)
        if kind == 'list':
            return self.list(shape, key, path)
        if kind == 'map':
            return self.map(shape, key, path)
        if key not in self.values:
            return _ABSENT  # only `key.something` present: left for 'unknown'
        self.consumed.add(key)
        try:
            return scalar_from_text(self.values[key], shape)
        except ValueError as err:
            self.problems.append(Problem(
                'type', path, f"Value '{self.values[key]}' at '{path}' failed to "
                f"satisfy constraint: {err}", key))
            return _ABSENT

    def list(self, shape, key, path):
        if key in self.values and self.values[key] == '' \
                and self.dialect.empty_list_allowed():
            self.consumed.add(key)
            return []
        items = self.dialect.list_items_prefix(shape, key)
        result = []
        for position, index in enumerate(self.indices(items), 1):
            item = self.value(shape.member, f'{items}.{index}',
                              f'{path}.{position}.member')
            if item is not _ABSENT:
                result.append(item)
        return result

    def map(self, shape, key, path):
        entries = key if shape.serialization.get('flattened') else f'{key}.entry'
        key_name, value_name = self.dialect.map_entry_names(shape)
        result = {}
        for index in self.indices(entries):
            key_key = f'{entries}.{index}.{key_name}'
            value_key = f'{entries}.{index}.{value_name}'
            if key_key not in self.values:
                self.problems.append(Problem(
                    'missing', f'{path}.{index}.key',
                    f"Value null at '{path}.{index}.key' failed to satisfy "
                    'constraint: Member must not be null', key_key))
                continue
            entry_key = self.value(shape.key, key_key, f'{path}.{index}.key')
            entry_value = self.value(shape.value, value_key, f'{path}.{index}.value') \
                if self.present(value_key) else _ABSENT
            if entry_value is _ABSENT:
                self.problems.append(Problem(
                    'missing', f'{path}.{index}.value',
                    f"Value null at '{path}.{index}.value' failed to satisfy "
                    'constraint: Member must not be null', value_key))
                continue
            if entry_key is not _ABSENT:
                result[entry_key] = entry_value
        return result

    def leftovers(self, shape):
        expected = ', '.join(self.dialect.member_wire_name(m, n)
                             for n, m in shape.members.items()) if shape else ''
        for key in self.keys:
            if key not in self.consumed:
                self.problems.append(Problem(
                    'unknown', key, f"Parameter '{key}' is not recognized "
                    f"(expected one of: {expected or 'no parameters'})", key))


_ABSENT = object()


def parse_pairs(pairs, input_shape, dialect=None):
    """Form pairs -> (params, problems) for an operation's input shape."""
    parser = _Parser(pairs, dialect or QueryDialect())
    params = parser.structure(input_shape, '', '') if input_shape is not None else {}
    parser.leftovers(input_shape)
    return params, parser.problems


def parse_request(request, operation_model):
    return parse_pairs(request.form_pairs(), operation_model.input_shape)


# ---- XML output ----------------------------------------------------------

def _text(value, shape, default_ts='iso8601'):
    kind = shape.type_name
    if kind == 'boolean':
        return 'true' if value else 'false'
    if kind == 'timestamp':
        return str(format_timestamp(value, shape.serialization.get(
            'timestampFormat', default_ts)))
    if kind == 'blob':
        return encode_base64(value)
    if kind in ('float', 'double'):
        return str(value) if isinstance(value, int) else repr(value)
    return escape(str(value))


def xml_members(value, shape, out):
    """Append the XML of a structure's members (already checked against the
    shape) to `out`, a list of strings."""
    for name, member in shape.members.items():
        if name not in value:
            continue
        item = value[name]
        if member.type_name == 'list' and member.serialization.get('flattened'):
            tag = member.member.serialization.get('name') or \
                member.serialization.get('name', name)
            for element in item:
                out.append(f'<{tag}>')
                xml_value(element, member.member, out)
                out.append(f'</{tag}>')
            continue
        tag = member.serialization.get('name', name)
        out.append(f'<{tag}>')
        xml_value(item, member, out)
        out.append(f'</{tag}>')


def xml_value(value, shape, out):
    kind = shape.type_name
    if kind == 'structure':
        xml_members(value, shape, out)
    elif kind == 'list':
        tag = shape.member.serialization.get('name', 'member')
        for element in value:
            out.append(f'<{tag}>')
            xml_value(element, shape.member, out)
            out.append(f'</{tag}>')
    elif kind == 'map':
        key_tag = shape.key.serialization.get('name', 'key')
        value_tag = shape.value.serialization.get('name', 'value')
        flattened = shape.serialization.get('flattened')
        for key, item in value.items():
            if not flattened:
                out.append('<entry>')
            out.append(f'<{key_tag}>{_text(key, shape.key)}</{key_tag}>')
            out.append(f'<{value_tag}>')
            xml_value(item, shape.value, out)
            out.append(f'</{value_tag}>')
            if not flattened:
                out.append('</entry>')
    else:
        out.append(_text(value, shape))


def xml_namespace(model):
    return model.metadata.get('xmlNamespace') or (
        f"https://{model.metadata['endpointPrefix']}.amazonaws.com/doc/"
        f"{model.metadata['apiVersion']}/")


def serialize_response(operation_model, output, request_id):
    """`<OpResponse><OpResult>...</OpResult><ResponseMetadata>...` as query
    services answer. `output` has been checked against the output shape."""
    name = operation_model.name
    namespace = xml_namespace(operation_model.service_model)
    out = [f'<{name}Response xmlns="{namespace}">']
    shape = operation_model.output_shape
    if shape is not None:
        wrapper = shape.serialization.get('resultWrapper')
        if wrapper:
            out.append(f'<{wrapper}>')
        xml_members(output or {}, shape, out)
        if wrapper:
            out.append(f'</{wrapper}>')
    out.append(f'<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>')
    out.append(f'</{name}Response>')
    return Response(200, [('Content-Type', 'text/xml')], ''.join(out))


def serialize_error(error, request_id, service_model):
    namespace = xml_namespace(service_model) if service_model is not None else \
        'https://iam.amazonaws.com/doc/2010-05-08/'
    kind = 'Sender' if error.resolved_sender() else 'Receiver'
    body = (f'<ErrorResponse xmlns="{namespace}"><Error><Type>{kind}</Type>'
            f'<Code>{escape(error.code)}</Code>'
            f'<Message>{escape(error.message)}</Message></Error>'
            f'<RequestId>{request_id}</RequestId></ErrorResponse>')
    return Response(error.status, [('Content-Type', 'text/xml')], body)
