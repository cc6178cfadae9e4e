/* Plain HTTP request/response values passed between the protocol layer
 * (proto_*.c builds and parses them), the signer (sigv4.c) and the transport
 * (http.c, over libcurl). No AWS semantics here. */
#ifndef BERTH_AWS_HTTP_H
#define BERTH_AWS_HTTP_H

#include <stddef.h>
#include "util/buf.h"

struct aws_header {
	char *name;  /* as sent/received; compare case-insensitively */
	char *value;
};

struct aws_headers {
	struct aws_header *items;
	size_t n, alloc;
};

struct aws_http_request {
	char *method;      /* "GET", "POST", ... (owned) */
	struct buf path;   /* URI-encoded path, at least "/" */
	struct buf query;  /* URI-encoded "a=1&b=2" without '?', may be empty */
	struct aws_headers headers;
	struct buf body;
};

struct aws_http_response {
	long status;
	struct aws_headers headers;
	struct buf body;
};

void aws_headers_set(struct aws_headers *h, const char *name, const char *value);
/* Case-insensitive; NULL when absent. */
const char *aws_headers_get(const struct aws_headers *h, const char *name);
void aws_headers_release(struct aws_headers *h);

void aws_http_request_init(struct aws_http_request *r, const char *method);
void aws_http_request_release(struct aws_http_request *r);
void aws_http_response_init(struct aws_http_response *r);
void aws_http_response_release(struct aws_http_response *r);

#endif
