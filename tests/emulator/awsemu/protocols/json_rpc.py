"""The AWS JSON protocol, 1.0 and 1.1 (Logs, ECS, Cloud Map, the tagging
API; CloudWatch in newer models): POST / with `X-Amz-Target:
Prefix.Operation`, a JSON object in and out, errors as
`{"__type": ..., "message": ...}` with an `x-amzn-ErrorType` header.

The value walk (`from_json` / `to_json`) is shared with rest-json bodies."""

import datetime
import json

from .. import models
from ..wire import Response
from .common import UTC, Problem, coral_path, decode_base64, encode_base64, format_timestamp

NAME = 'json'

_JSON_KIND = {str: 'STRING_VALUE', bool: 'BOOLEAN_VALUE', int: 'NUMBER_VALUE',
              float: 'NUMBER_VALUE', list: 'START_ARRAY', dict: 'START_OBJECT'}

_TYPE_WORD = {'string': 'a String', 'integer': 'an Integer', 'long': 'a Long',
              'float': 'a Float', 'double': 'a Double', 'boolean': 'a Boolean',
              'timestamp': 'a Timestamp', 'blob': 'a Blob', 'structure': 'an Object',
              'map': 'a Map', 'list': 'a List'}


def _type_problem(value, shape, path, problems):
    kind = _JSON_KIND.get(type(value), type(value).__name__)
    problems.append(Problem(
        'type', path, f"{kind} can not be converted to "
        f"{_TYPE_WORD.get(shape.type_name, shape.type_name)} (at '{path or 'input'}')"))
    return _ABSENT


_ABSENT = object()


def from_json(value, shape, path, problems):
    """A decoded JSON value -> the Python value for `shape` (member names as in
    the model, datetime, bytes). Type mismatches and unknown members are
    appended to `problems`; the offending value is left out."""
    if shape.metadata.get('document'):
        return value
    kind = shape.type_name
    if kind == 'structure':
        if not isinstance(value, dict):
            return _type_problem(value, shape, path, problems)
        by_wire = {m.serialization.get('name', n): n for n, m in shape.members.items()}
        result = {}
        for wire_key, item in value.items():
            name = by_wire.get(wire_key)
            if name is None:
                problems.append(Problem(
                    'unknown', coral_path(path, wire_key),
                    f"Unknown parameter '{wire_key}' in {shape.name} (expected one "
                    f"of: {', '.join(by_wire) or 'no parameters'})", wire_key))
                continue
            if item is None:
                continue  # JSON null means "not set"
            converted = from_json(item, shape.members[name],
                                  coral_path(path, name), problems)
            if converted is not _ABSENT:
                result[name] = converted
        return result
    if kind == 'list':
        if not isinstance(value, list):
            return _type_problem(value, shape, path, problems)
        result = []
        for index, item in enumerate(value, 1):
            converted = from_json(item, shape.member, f'{path}.{index}.member', problems)
            if converted is not _ABSENT:
                result.append(converted)
        return result
    if kind == 'map':
        if not isinstance(value, dict):
            return _type_problem(value, shape, path, problems)
        result = {}
        for key, item in value.items():
            converted = from_json(item, shape.value, f'{path}.{key}', problems)
            if converted is not _ABSENT:
                result[key] = converted
        return result
    if kind in ('string', 'character'):
        return value if isinstance(value, str) else _type_problem(value, shape, path, problems)
    if kind in ('integer', 'long', 'short', 'byte'):
        if isinstance(value, bool) or not isinstance(value, int):
            return _type_problem(value, shape, path, problems)
        return value
    if kind in ('float', 'double'):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _type_problem(value, shape, path, problems)
        return float(value)
    if kind == 'boolean':
        return value if isinstance(value, bool) else _type_problem(value, shape, path, problems)
    if kind == 'timestamp':
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _type_problem(value, shape, path, problems)
        return datetime.datetime.fromtimestamp(value, UTC)
    if kind == 'blob':
        if not isinstance(value, str):
            return _type_problem(value, shape, path, problems)
        try:
            return decode_base64(value)
        except ValueError:
            problems.append(Problem('type', path, f"Value at '{path}' is not valid base64"))
            return _ABSENT
    return value


def to_json(value, shape, default_ts='unixTimestamp'):
    """A checked handler value -> JSON-able data in the wire's member names."""
    if shape.metadata.get('document'):
        return value
    kind = shape.type_name
    if kind == 'structure':
        out = {}
        for name, item in value.items():
            member = shape.members[name]
            out[member.serialization.get('name', name)] = to_json(item, member, default_ts)
        return out
    if kind == 'list':
        return [to_json(item, shape.member, default_ts) for item in value]
    if kind == 'map':
        return {key: to_json(item, shape.value, default_ts) for key, item in value.items()}
    if kind == 'timestamp':
        return format_timestamp(value, shape.serialization.get('timestampFormat', default_ts))
    if kind == 'blob':
        return encode_base64(value)
    return value


def content_type(service_model):
    return f'application/x-amz-json-{models.json_version(service_model)}'


def parse_body(body, shape, problems):
    """The JSON body of a request -> params for `shape`."""
    if not body.strip():
        document = {}
    else:
        try:
            document = json.loads(body.decode('utf-8'))
        except (UnicodeDecodeError, ValueError) as err:
            problems.append(Problem('malformed', '', f'Could not parse the request body as JSON: {err}'))
            return {}
    if shape is None:
        if document:
            problems.append(Problem('unknown', '', 'This operation takes no parameters'))
        return {}
    result = from_json(document, shape, '', problems)
    return {} if result is _ABSENT else result


def parse_request(request, operation_model):
    problems = []
    params = parse_body(request.body, operation_model.input_shape, problems)
    return params, problems


def serialize_response(operation_model, output, request_id):
    shape = operation_model.output_shape
    document = to_json(output or {}, shape) if shape is not None else {}
    body = json.dumps(document, separators=(',', ':'))
    return Response(200, [('Content-Type', content_type(operation_model.service_model))], body)


def serialize_error(error, request_id, service_model):
    body = {'__type': error.code, 'message': error.message}
    body.update(error.fields)
    headers = [('Content-Type', content_type(service_model) if service_model is not None
                else 'application/x-amz-json-1.1'),
               ('x-amzn-ErrorType', error.code)]
    if service_model is not None and 'awsQueryCompatible' in service_model.metadata:
        # Services moved from query to JSON (CloudWatch) also send the query
        # error code so old SDKs keep seeing it.
        kind = 'Sender' if error.resolved_sender() else 'Receiver'
        headers.append(('x-amzn-query-error', f'{error.code};{kind}'))
    return Response(error.status, headers, json.dumps(body))
