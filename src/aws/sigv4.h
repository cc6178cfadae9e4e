/* AWS Signature Version 4 (header and presigned-query forms) over OpenSSL.
 * Non-S3 rules only: the path is normalised (dot segments removed, repeated
 * slashes collapsed) and URI-encoded once more for the canonical URI, which is
 * what every service berth talks to expects. */
#ifndef BERTH_AWS_SIGV4_H
#define BERTH_AWS_SIGV4_H

#include <stdbool.h>
#include <time.h>

#include "aws/http.h"
#include "util/buf.h"

struct sigv4_params {
	const char *access_key_id;
	const char *secret_access_key; /* never logged */
	const char *session_token;     /* NULL for long-term keys */
	const char *region;            /* "us-east-1" */
	const char *service;           /* signing name: "ec2", "elasticloadbalancing" */
	time_t now;                    /* signing time, UTC */
	bool normalize_path;           /* true for every service but S3 */
	bool sign_body;                /* add and sign x-amz-content-sha256 */
	bool omit_session_token;       /* add the token after signing (IoT style) */
	long expires;                  /* presign only: X-Amz-Expires, seconds */
};

/* The intermediate values, for tests and --debug (none of them is secret:
 * the signature is useless without the request it belongs to within minutes,
 * but callers still keep it out of logs). */
struct sigv4_trace {
	struct buf canonical_request;
	struct buf string_to_sign;
	struct buf signature;
};

void sigv4_trace_init(struct sigv4_trace *t);
void sigv4_trace_release(struct sigv4_trace *t);

/* Signs req in place with an Authorization header: sets X-Amz-Date,
 * X-Amz-Security-Token (when there is a token) and x-amz-content-sha256 (only
 * when p->sign_body), replacing any earlier values so a retried request can be
 * signed again. Every header in req is signed except the few proxies and
 * clients rewrite (User-Agent, Expect, X-Amzn-Trace-Id); the caller sets Host.
 * trace may be NULL. Returns 0 or BERTH_EINVAL (no Host header). */
int sigv4_sign(struct aws_http_request *req, const struct sigv4_params *p,
	       struct sigv4_trace *trace);

/* Presigned-URL form: appends X-Amz-Algorithm, -Credential, -Date,
 * -SignedHeaders, -Expires, [-Security-Token] and -Signature to req->query.
 * X-Amz-Date/X-Amz-Security-Token headers are not used. */
int sigv4_presign(struct aws_http_request *req, const struct sigv4_params *p,
		  struct sigv4_trace *trace);

/* Helpers shared with the rest of src/aws. */
/* Appends s percent-encoded: everything but A-Z a-z 0-9 - _ . ~ (and '/'
 * when keep_slash) as %XX, upper-case hex. */
void aws_uri_encode(struct buf *out, const char *s, size_t len, bool keep_slash);
/* Lower-case hex SHA-256 of data into out (65 bytes with the NUL). */
void aws_sha256_hex(const void *data, size_t len, char out[65]);
/* "20150830T123600Z" (17 bytes with the NUL). */
void aws_amz_date(time_t t, char out[17]);

#endif
