"""The protocols against botocore itself, for every operation of every
service berth uses: a sample input built from the input shape is
serialised by botocore's own serializer and must parse back, through the
emulator's router and parser, to exactly that input with no problems; a
sample output written by the emulator must parse, with botocore's own
response parser, to exactly that output. Pure functions, no server."""

import datetime
import unittest

import botocore.parsers
import botocore.serialize
from botocore.awsrequest import HeadersDict
from botocore.utils import percent_encode_sequence

import emutest  # noqa: F401  (puts tests/emulator on sys.path)
from awsemu import models
from awsemu.protocols import common, ec2, json_rpc, query, rest_json
from awsemu.routing import KNOWN_SERVICES, Router
from awsemu.wire import Request

MODULES = {'query': query, 'ec2': ec2, 'json': json_rpc, 'rest-json': rest_json}
WHEN = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)


_SKIP = object()


def sample(shape, depth=0, in_header=False):
    """A value for `shape` using every member (to a depth), with text that
    needs escaping in XML, JSON and URLs. Returns _SKIP for what query
    protocols cannot express (empty lists and structures), which the
    enclosing structure then leaves out unless the member is required."""
    if shape.metadata.get('document'):
        return {'doc': [1, 'two']}
    kind = shape.type_name
    if kind == 'structure':
        result = {}
        for name, member in shape.members.items():
            required = name in shape.required_members
            if depth > 4 and not required:
                continue
            if member.serialization.get('eventstream') or member.metadata.get('eventstream'):
                continue
            value = sample(member, depth + 1, member.serialization.get('location') == 'header')
            if value is _SKIP:
                if not required:
                    continue
                value = {} if member.type_name == 'structure' else []
            result[name] = value
            if shape.metadata.get('union'):
                break
        if not result and depth < 10:
            # Deep down, still give a structure one member so it is not
            # empty (query protocols cannot send an empty structure).
            for name, member in shape.members.items():
                value = sample(member, depth + 1)
                if value is not _SKIP:
                    return {name: value}
        return result if result else _SKIP
    if kind == 'list':
        if depth > 6:
            return _SKIP
        item = sample(shape.member, depth + 1, in_header)
        return _SKIP if item is _SKIP else [item, sample(shape.member, depth + 1, in_header)]
    if kind == 'map':
        if depth > 6:
            return _SKIP
        keys = shape.key.metadata.get('enum', ['k1', 'k/2 é'])[:2]
        values = {key: sample(shape.value, depth + 1) for key in keys}
        return _SKIP if any(v is _SKIP for v in values.values()) else values
    if kind in ('string', 'character'):
        enum = shape.metadata.get('enum')
        if enum:
            return enum[-1]
        # Header values cannot hold every character; commas split header lists.
        return 'hdr-value' if in_header else 'a&b <c> "q" é/+= x'
    if kind in ('integer', 'long', 'short', 'byte'):
        return 7
    if kind in ('float', 'double'):
        return 1.5
    if kind == 'boolean':
        return True
    if kind == 'timestamp':
        return WHEN
    if kind == 'blob':
        return b'\x00\x01 bin\xff'
    return _SKIP


def top_sample(shape):
    value = sample(shape) if shape is not None else {}
    return {} if value is _SKIP else value


def to_wire_request(request_dict, protocol):
    """botocore's serialised request dict -> wire.Request as the emulator
    would receive it."""
    headers = list(request_dict['headers'].items())
    body = request_dict['body']
    if isinstance(body, dict):  # query protocols: botocore form-encodes later
        body = percent_encode_sequence(body).encode('utf-8')
    elif isinstance(body, str):
        body = body.encode('utf-8')
    elif body is None:
        body = b''
    elif not isinstance(body, bytes):
        body = body.read()
    query_string = request_dict.get('query_string') or {}
    query_text = percent_encode_sequence(query_string) if query_string else ''
    path = request_dict['url_path']
    if '?' in path:  # literal query in the request URI (rare)
        path, _, literal = path.partition('?')
        query_text = '&'.join(p for p in (literal, query_text) if p)
    return Request(request_dict['method'], path, query_text, headers, body)


def supported_protocols(model):
    return [p for p in models.protocols(model) if p in MODULES]


class InputRoundTripTest(unittest.TestCase):
    def test_every_operation(self):
        router = Router(KNOWN_SERVICES)
        checked = 0
        for service in KNOWN_SERVICES:
            model = models.service_model(service)
            for protocol in supported_protocols(model):
                serializer = botocore.serialize.create_serializer(protocol, include_validation=False)
                for name in model.operation_names:
                    operation_model = model.operation_model(name)
                    shape = operation_model.input_shape
                    params = top_sample(shape)
                    with self.subTest(service=service, protocol=protocol, operation=name):
                        request = to_wire_request(
                            serializer.serialize_to_request(params, operation_model), protocol)
                        if protocol == 'rest-json':
                            found, labels = rest_json.match(model, request)
                            self.assertIsNotNone(found, f'{request.method} {request.raw_path}')
                            self.assertEqual(found.name, name)
                            parsed, problems = rest_json.parse_request(request, found, labels)
                        else:
                            if protocol == 'json':
                                route = router._json(request)
                                self.assertEqual(route.operation, name)
                            parsed, problems = MODULES[protocol].parse_request(
                                request, operation_model)
                        self.assertEqual(problems, [])
                        self.assertEqual(parsed, params)
                        checked += 1
        self.assertGreater(checked, 500)


class OutputRoundTripTest(unittest.TestCase):
    def test_every_operation(self):
        checked = 0
        for service in KNOWN_SERVICES:
            model = models.service_model(service)
            for protocol in supported_protocols(model):
                parser = botocore.parsers.create_parser(protocol)
                module = MODULES[protocol]
                for name in model.operation_names:
                    operation_model = model.operation_model(name)
                    shape = operation_model.output_shape
                    if shape is None:
                        continue
                    if any(m.serialization.get('eventstream') or m.metadata.get('eventstream')
                           or m.serialization.get('streaming') or m.metadata.get('streaming')
                           for m in shape.members.values()):
                        continue  # streamed bodies: none of berth's services
                    output = common.check_output(top_sample(shape), shape)
                    with self.subTest(service=service, protocol=protocol, operation=name):
                        response = module.serialize_response(operation_model, output, 'req-1')
                        parsed = parser.parse({'status_code': response.status,
                                               'headers': HeadersDict(response.headers),
                                               'body': response.body}, shape)
                        metadata = parsed.pop('ResponseMetadata', {})
                        if protocol in ('query', 'ec2'):
                            self.assertEqual(metadata.get('RequestId'), 'req-1')
                        if protocol == 'rest-json':
                            # botocore puts a statusCode member in from the status.
                            output = dict(output)
                        self.assertEqual(parsed, output)
                        checked += 1
        self.assertGreater(checked, 500)


class ErrorRoundTripTest(unittest.TestCase):
    """Every protocol's error envelope parses, with botocore, to our code,
    message and request id."""

    def test_envelopes(self):
        from awsemu.errors import AwsError
        cases = [('sns', 'query'), ('ec2', 'ec2'), ('logs', 'json'), ('amp', 'rest-json')]
        for service, protocol in cases:
            with self.subTest(protocol=protocol):
                model = models.service_model(service)
                error = AwsError('SomeCode', 'it & <went> wrong', 409)
                response = MODULES[protocol].serialize_error(error, 'req-2', model)
                parser = botocore.parsers.create_parser(protocol)
                parsed = parser.parse({'status_code': response.status,
                                       'headers': HeadersDict(response.headers),
                                       'body': response.body}, None)
                self.assertEqual(parsed['Error']['Code'], 'SomeCode')
                self.assertEqual(parsed['Error']['Message'], 'it & <went> wrong')
                self.assertEqual(response.status, 409)
                if protocol in ('query', 'ec2'):
                    self.assertEqual(parsed['ResponseMetadata']['RequestId'], 'req-2')


if __name__ == '__main__':
    unittest.main()
