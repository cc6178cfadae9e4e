"""The restXml protocol (S3): requests are bound as REST-JSON's are (method
and path template, URI labels, query string, headers, a raw payload), so
rest_json does the matching and parsing; what differs is the XML: structure
payloads (CreateBucketConfiguration) are XML documents, answers put members
in headers or a raw payload, and errors are `<Error><Code>...</Code>
<Message>...</Message><RequestId>...</RequestId></Error>`.

Only operations with a handler are routed: S3 has several operations on one
method and path (PutObject, CopyObject, ...) told apart by headers, and an
unimplemented one must not capture a request meant for another."""

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from ..wire import Response
from .common import Problem, format_timestamp
from . import rest_json

NAME = 'rest-xml'


def match(service_model, request, handled):
    query_keys = {k for k, _ in request.query_pairs()}
    for route in rest_json.routes_for(service_model):
        if route.operation_model.name not in handled:
            continue
        labels = route.match(request.method, request.raw_path, query_keys)
        if labels is not None:
            return route.operation_model, labels
    return None, None


def _local(tag):
    return tag.rpartition('}')[2]


def _from_xml(node, shape):
    if shape.type_name == 'structure':
        out = {}
        for child in node:
            name = _local(child.tag)
            for member_name, member in shape.members.items():
                if member.serialization.get('name', member_name) == name:
                    out[member_name] = _from_xml(child, member)
        return out
    return node.text or ''


def parse_request(request, operation_model, labels):
    shape = operation_model.input_shape
    payload_name = shape.serialization.get('payload') if shape is not None else None
    payload = shape.members.get(payload_name) if payload_name else None
    if payload is not None and payload.type_name == 'structure':
        # rest_json would read the payload as JSON: take it out, read the XML.
        body = request.body
        request.body = b''
        try:
            params, problems = rest_json.parse_request(request, operation_model, labels)
        finally:
            request.body = body
        if body.strip():
            try:
                root = ET.fromstring(body)
            except ET.ParseError as err:
                problems.append(Problem('malformed', payload_name, f'MalformedXML: {err}'))
                return params, problems
            params[payload_name] = _from_xml(root, payload)
        return params, problems
    return rest_json.parse_request(request, operation_model, labels)


def serialize_response(operation_model, output, request_id):
    shape = operation_model.output_shape
    status = operation_model.http.get('responseCode', 200)
    headers = [('x-amz-request-id', request_id)]
    body = b''
    if shape is not None:
        payload_name = shape.serialization.get('payload')
        for name, value in (output or {}).items():
            member = shape.members[name]
            location = member.serialization.get('location')
            wire = member.serialization.get('name', name)
            if location == 'header':
                if member.type_name == 'timestamp':
                    text = format_timestamp(value, member.serialization.get(
                        'timestampFormat', 'rfc822'))
                elif member.type_name == 'boolean':
                    text = 'true' if value else 'false'
                else:
                    text = str(value)
                headers.append((wire, text))
            elif location == 'headers':
                for key, text in value.items():
                    headers.append((wire + key, text))
            elif location == 'statusCode':
                status = value
            elif name == payload_name and member.type_name in ('blob', 'string'):
                body = value if isinstance(value, bytes) else value.encode('utf-8')
            else:
                raise ValueError(f'rest-xml: {name}: XML answer bodies are not implemented')
    return Response(status, headers, body)


def serialize_error(error, request_id, service_model):
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s'
            '</Message><RequestId>%s</RequestId></Error>' % (
                escape(error.code), escape(error.message or ''), escape(request_id)))
    headers = [('Content-Type', 'application/xml'), ('x-amz-request-id', request_id)]
    return Response(error.status, headers, body.encode('utf-8'))
