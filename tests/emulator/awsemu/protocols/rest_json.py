"""The REST-JSON protocol (AMP, Grafana): the operation is chosen by HTTP
method and path template (`/workspaces/{workspaceId}/alias`), parameters come
from URI labels, the query string, headers and a JSON body; responses use
the model's `responseCode` and JSON bodies; errors carry their code in the
`x-amzn-ErrorType` header."""

import json
import re
import urllib.parse

from ..wire import Response
from .common import Problem, coral_path, decode_base64, format_timestamp, scalar_from_text
from . import json_rpc

NAME = 'rest-json'

_LABEL_RE = re.compile(r'\{([^}]+)\}')


class _Route:
    """One operation's compiled request URI."""

    def __init__(self, operation_model):
        self.operation_model = operation_model
        uri = operation_model.http.get('requestUri', '/')
        path, _, literal_query = uri.partition('?')
        self.method = operation_model.http.get('method', 'POST').upper()
        self.literal_query = [p for p in literal_query.split('&') if p]
        pattern, position = [], 0
        for match in _LABEL_RE.finditer(path):
            pattern.append(re.escape(path[position:match.start()]))
            label = match.group(1)
            if label.endswith('+'):
                pattern.append(f'(?P<{_group(label[:-1])}>.+)')
            else:
                pattern.append(f'(?P<{_group(label)}>[^/]+)')
            position = match.end()
        pattern.append(re.escape(path[position:]))
        self.regex = re.compile('^' + ''.join(pattern) + '/?$')
        # More literal text means more specific: /workspaces/{id}/alias must
        # win over /workspaces/{id}.
        self.specificity = (len(_LABEL_RE.sub('', path)), len(self.literal_query))

    def match(self, method, raw_path, query_keys):
        if method != self.method:
            return None
        found = self.regex.match(raw_path)
        if not found:
            return None
        for literal in self.literal_query:
            if literal.split('=')[0] not in query_keys:
                return None
        return {_ungroup(k): urllib.parse.unquote(v) for k, v in found.groupdict().items()}


def _group(label):
    return 'L_' + re.sub(r'[^A-Za-z0-9_]', '_', label)


def _ungroup(group):
    return group[2:]


_routes = {}


def routes_for(service_model):
    key = service_model.service_name
    if key not in _routes:
        routes = [_Route(service_model.operation_model(name))
                  for name in service_model.operation_names]
        routes.sort(key=lambda r: r.specificity, reverse=True)
        _routes[key] = routes
    return _routes[key]


def match(service_model, request):
    """(operation_model, labels) for a request, or (None, None)."""
    query_keys = {k for k, _ in request.query_pairs()}
    for route in routes_for(service_model):
        labels = route.match(request.method, request.raw_path, query_keys)
        if labels is not None:
            return route.operation_model, labels
    return None, None


def parse_request(request, operation_model, labels):
    shape = operation_model.input_shape
    problems = []
    if shape is None:
        return {}, problems
    params = {}
    query = {}
    for key, value in request.query_pairs():
        query.setdefault(key, []).append(value)
    used_query = set(p.split('=')[0] for p in
                     operation_model.http.get('requestUri', '').partition('?')[2].split('&') if p)
    body_members = {}
    payload_name = shape.serialization.get('payload')
    query_map_member = None

    def scalar(text, member, path, wire):
        try:
            return scalar_from_text(text, member)
        except ValueError as err:
            problems.append(Problem('type', path, f"Value '{text}' at '{path}' failed "
                                    f'to satisfy constraint: {err}', wire))
            return None

    for name, member in shape.members.items():
        location = member.serialization.get('location')
        wire = member.serialization.get('name', name)
        path = coral_path('', name)
        if location == 'uri':
            if wire in labels:
                value = scalar(labels[wire], member, path, wire)
                if value is not None:
                    params[name] = value
        elif location == 'querystring':
            if member.type_name == 'map':
                query_map_member = (name, member)
                continue
            if wire not in query:
                continue
            used_query.add(wire)
            if member.type_name == 'list':
                values = [scalar(v, member.member, path, wire) for v in query[wire]]
                params[name] = [v for v in values if v is not None]
            else:
                value = scalar(query[wire][-1], member, path, wire)
                if value is not None:
                    params[name] = value
        elif location == 'header':
            text = request.header(wire)
            if text is None:
                continue
            if member.type_name == 'list':
                params[name] = [t.strip() for t in text.split(',')]
            elif member.serialization.get('jsonvalue'):
                try:
                    params[name] = json.loads(decode_base64(text))
                except ValueError:
                    problems.append(Problem('type', path, f"Header {wire} is not base64 JSON"))
            else:
                value = scalar(text, member, path, wire)
                if value is not None:
                    params[name] = value
        elif location == 'headers':
            prefix = wire.lower()
            found = {k[len(prefix):]: v for k, v in request.headers
                     if k.lower().startswith(prefix)}
            if found:
                params[name] = found
        elif name == payload_name:
            if member.type_name in ('structure', 'map', 'list') or member.metadata.get('document'):
                value = json_rpc.parse_body(request.body, member, problems)
                if request.body.strip():
                    params[name] = value
            elif request.body:
                params[name] = request.body if member.type_name == 'blob' \
                    else request.body.decode('utf-8')
        else:
            body_members[name] = member

    if query_map_member is not None:
        name, member = query_map_member
        # A map of lists takes every value of a repeated key.
        many = member.value.type_name == 'list'
        rest = {k: (v if many else v[-1]) for k, v in query.items() if k not in used_query}
        if rest:
            params[name] = rest
            used_query.update(rest)
    for key in query:
        if key not in used_query and not key.startswith('X-Amz-'):
            problems.append(Problem('unknown', key, f"Unknown query parameter '{key}'", key))

    if payload_name is None:
        if body_members:
            parsed = json_rpc.parse_body(request.body, shape, problems)
            for name, value in parsed.items():
                if name in body_members:
                    params[name] = value
                else:
                    # A located member (label, header...) sent in the body.
                    problems.append(Problem(
                        'unknown', name, f"'{name}' belongs in the "
                        f"{shape.members[name].serialization.get('location')}, not the body", name))
        elif request.body.strip() not in (b'', b'{}'):
            problems.append(Problem('unknown', '', 'This operation takes no request body'))
    return params, problems


def serialize_response(operation_model, output, request_id):
    shape = operation_model.output_shape
    status = operation_model.http.get('responseCode', 200)
    headers = [('Content-Type', 'application/json')]
    body_doc = {}
    raw_body = None
    if shape is not None:
        payload_name = shape.serialization.get('payload')
        for name, value in (output or {}).items():
            member = shape.members[name]
            location = member.serialization.get('location')
            wire = member.serialization.get('name', name)
            if location == 'header':
                if member.type_name == 'timestamp':
                    text = format_timestamp(value, member.serialization.get('timestampFormat', 'rfc822'))
                elif member.type_name == 'boolean':
                    text = 'true' if value else 'false'
                elif member.type_name == 'list':
                    text = ','.join(str(v) for v in value)
                else:
                    text = str(value)
                headers.append((wire, str(text)))
            elif location == 'headers':
                for key, text in value.items():
                    headers.append((wire + key, text))
            elif location == 'statusCode':
                status = value
            elif name == payload_name:
                if member.type_name in ('blob', 'string'):
                    raw_body = value if isinstance(value, bytes) else value.encode('utf-8')
                else:
                    raw_body = json.dumps(json_rpc.to_json(value, member)).encode('utf-8')
            else:
                body_doc[wire] = json_rpc.to_json(value, member)
    if status == 204:
        return Response(status, headers, b'')
    body = raw_body if raw_body is not None else json.dumps(body_doc).encode('utf-8')
    return Response(status, headers, body)


def serialize_error(error, request_id, service_model):
    body = {'message': error.message}
    body.update(error.fields)
    headers = [('Content-Type', 'application/json'), ('x-amzn-ErrorType', error.code)]
    return Response(error.status, headers, json.dumps(body))
