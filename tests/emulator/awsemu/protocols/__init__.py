"""One module per AWS wire protocol, each with the same three functions:

    parse_request(request, operation_model[, labels]) -> (params, problems)
    serialize_response(operation_model, output, request_id) -> wire.Response
    serialize_error(error, request_id, service_model) -> wire.Response
"""
