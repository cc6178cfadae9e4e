/* Secrets out of logs: --debug shows requests and answers, and those carry
 * signatures, session tokens and (STS, container, IMDS answers) secret keys. */
#ifndef BERTH_AWS_REDACT_H
#define BERTH_AWS_REDACT_H

#include <stddef.h>

#include "aws/http.h"
#include "util/buf.h"

#define AWS_REDACTED "<redacted>"

/* Whether a header's value must not be logged (Authorization,
 * X-Amz-Security-Token, metadata tokens). */
int aws_header_is_secret(const char *name);
/* Appends "Name: value" lines, secret values replaced. */
void aws_redact_headers(struct buf *out, const struct aws_headers *h);
/* Appends body with the values of secret members replaced, in any of the
 * encodings AWS uses: JSON ("SecretAccessKey": "..."), XML
 * (<SessionToken>...</SessionToken>) and forms (WebIdentityToken=...&). */
void aws_redact_body(struct buf *out, const char *body, size_t len);
struct strvec;
/* The same, also redacting the members named in `extra`. */
void aws_redact_body_names(struct buf *out, const char *body, size_t len,
			   const struct strvec *extra);
/* Appends the wire names of the members that service/operation's model marks
 * sensitive (in its input and output, at any depth); nothing for an unknown
 * operation. The debug loggers below redact these too. */
void aws_sensitive_names(const char *service, const char *operation, struct strvec *out);

/* --debug: logs a request or an answer at LOG_DEBUG, secrets redacted. */
void aws_debug_request(const char *service, const char *op, const char *endpoint,
		       const struct aws_http_request *req);
void aws_debug_response(const char *service, const char *op,
			const struct aws_http_response *resp);

#endif
