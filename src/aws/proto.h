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
 * X-Amz-Target, body) for `operation` with `params` (borrowed; may be NULL for
 * none). Host, X-Amz-Date and Authorization are the caller's. Returns 0, or
 * BERTH_EINVAL with a diagnostic when params do not fit the input shape
 * (unknown member, wrong type, missing required) — caught before sending. */
int aws_proto_build(const struct aws_service *svc, const char *operation,
		    json_t *params, struct aws_http_request *req, struct diags *d);

/* Parses a successful (2xx) response into *out (new reference, set only on
 * success): a JSON object shaped like boto3's answer (lists are arrays even
 * with one member, timestamps are ISO-8601 strings, numbers are numbers). */
int aws_proto_parse(const struct aws_service *svc, const char *operation,
		    const struct aws_http_response *resp, json_t **out, struct diags *d);

/* Fills err from an error response of this service's protocol (code without
 * any "namespace#" prefix). Always succeeds; unknown bodies leave code NULL. */
void aws_proto_parse_error(const struct aws_service *svc,
			   const struct aws_http_response *resp, struct aws_error *err);

#endif
