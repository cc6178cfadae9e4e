"""EC2's dialect of the query protocol.

Input differs from plain query in naming (a member's `queryName`, else its
`locationName` capitalised, else its name) and in lists, which are always
flattened (`Filter.1.Value.1`) and never sent when empty. Output has no
result wrapper, puts `<requestId>` first, names members by their lowerCamel
`locationName` and wraps list items in `<item>`; errors use
`<Response><Errors><Error>` and `<RequestID>`."""

from xml.sax.saxutils import escape

from ..wire import Response
from . import query

NAME = 'ec2'


class Ec2Dialect(query.QueryDialect):
    ec2 = True

    def member_wire_name(self, member_shape, member_name):
        serialization = member_shape.serialization
        if 'queryName' in serialization:
            return serialization['queryName']
        if 'name' in serialization:
            name = serialization['name']
            return name[:1].upper() + name[1:]
        return member_name

    def list_items_prefix(self, shape, key):
        return key

    def empty_list_allowed(self):
        return False


DIALECT = Ec2Dialect()


def parse_request(request, operation_model):
    return query.parse_pairs(request.form_pairs(), operation_model.input_shape, DIALECT)


def serialize_response(operation_model, output, request_id):
    name = operation_model.name
    namespace = query.xml_namespace(operation_model.service_model)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           f'<{name}Response xmlns="{namespace}">',
           f'<requestId>{request_id}</requestId>']
    if operation_model.output_shape is not None:
        query.xml_members(output or {}, operation_model.output_shape, out)
    out.append(f'</{name}Response>')
    return Response(200, [('Content-Type', 'text/xml;charset=UTF-8')], ''.join(out))


def serialize_error(error, request_id, service_model):
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<Response><Errors><Error><Code>{escape(error.code)}</Code>'
            f'<Message>{escape(error.message)}</Message></Error></Errors>'
            f'<RequestID>{request_id}</RequestID></Response>')
    return Response(error.status, [('Content-Type', 'text/xml;charset=UTF-8')], body)
