/* The protocol layer: turns an operation and boto3-style parameters (a jansson
 * object whose member names are the model's, e.g. {"GroupName": "x",
 * "TagSpecifications": [...]}) into an HTTP request, and an HTTP response back
 * into a boto3-style jansson object, for each of the four protocols. Resource
 * code never sees XML or wire names. Shapes come from models_gen.c. */
#ifndef BERTH_AWS_PROTO_H
#define BERTH_AWS_PROTO_H

#include <jansson.h>

#include "aws/error.h"
#include "aws/http.h"
#include "aws/service.h"
#include "util/diag.h"

/* Fills req (method, path, query, headers such as Content-Type and
 * X-Amz-Target, body) for `operation` with `params` (borrowed, never
 * modified; may be NULL for none). Host, X-Amz-Date and Authorization are
 * the caller's. Missing idempotency tokens (ClientToken, clientToken, ...)
 * get a random UUID, as botocore does; a caller retrying a call sends the
 * same req again, so the token stays the same across retries. Returns 0, or
 * BERTH_EINVAL with one diagnostic per problem when params do not fit the
 * input shape, caught before sending:
 *   "ecs CreateService: taskDefinitoin: unknown parameter; did you mean taskDefinition?"
 *   "iam CreateRole: AssumeRolePolicyDocument: missing required parameter"
 *   "ec2 CreateTags: Tags[0].Value: expected string, got integer"
 * Timestamps may be given as ISO-8601 strings or epoch seconds; blobs as
 * strings of raw bytes (berth base64-encodes them). On failure req may be
 * partly filled; the caller releases it either way. */
int aws_proto_build(const struct aws_service *svc, const char *operation,
		    json_t *params, struct aws_http_request *req, struct diags *d);

/* Parses a successful (2xx) response into *out (new reference, set only on
 * success): a JSON object shaped like boto3's answer (lists are arrays even
 * with one member, numbers are numbers, members the model does not know are
 * dropped). Unlike boto3: timestamps are ISO-8601 UTC strings
 * ("2024-01-02T03:04:05Z", with ".123" only when the fraction is non-zero),
 * blobs stay base64 text, and there is no ResponseMetadata (the request id
 * is in the x-amzn-RequestId header). The answer is read as the service's
 * protocol says, whatever its Content-Type (AWS labels some answers
 * text/html, text/plain or nothing); an empty body is an empty answer, as
 * in botocore. Returns BERTH_EAWS with one diagnostic ("ecs DescribeServices:
 * cannot read the answer: ...") for malformed, truncated, oversized
 * (> 64 MiB) or too deeply nested answers, showing the answer's first bytes
 * escaped, and saying "not an AWS answer" when the body is not even
 * well-formed JSON or XML (a proxy's or captive portal's page). */
int aws_proto_parse(const struct aws_service *svc, const char *operation,
		    const struct aws_http_response *resp, json_t **out, struct diags *d);

/* Fills err (released first) from an error response of this service's
 * protocol: query <ErrorResponse><Error><Code>, EC2 <Response><Errors><Error>,
 * JSON __type then the x-amzn-ErrorType header, REST-JSON the header then
 * code/Code/__type; codes without any "namespace#" prefix or ":..." suffix.
 * request_id from the body or x-amzn-RequestId / x-amz-request-id; http_status
 * from resp. Always succeeds; unknown bodies leave code NULL, and a body
 * with neither code nor message (a proxy's page) gets a message saying it
 * is not an AWS answer, with its first bytes escaped. */
void aws_proto_parse_error(const struct aws_service *svc,
			   const struct aws_http_response *resp, struct aws_error *err);

#endif
