/* The AWS client: what the engine and resource types call. Thread-safe: one
 * client is shared by all workers of an apply (connections and TLS sessions are
 * reused across calls through one curl share). */
#ifndef BERTH_AWS_CLIENT_H
#define BERTH_AWS_CLIENT_H

#include <jansson.h>

#include "util/diag.h"

struct aws_client;

struct aws_client_config {
	const char *profile;      /* --profile, else AWS_PROFILE, else "default" */
	const char *region;       /* --region, else the chain in region.c */
	const char *endpoint_url; /* --endpoint-url, overrides AWS_ENDPOINT_URL */
	int max_attempts;         /* 0: AWS_MAX_ATTEMPTS / profile / 3 */
	long connect_timeout_ms;  /* 0: default */
	long request_timeout_ms;  /* 0: default */
};

int aws_client_new(struct aws_client **out, const struct aws_client_config *cfg,
		   struct diags *d);
void aws_client_free(struct aws_client *c);

/* The region in use, and where the credentials came from ("env",
 * "profile NAME", "assume-role", "web-identity", "container", "imds",
 * "process"): for `berth whoami` and logs. */
const char *aws_client_region(const struct aws_client *c);

/* Calls service/operation (botocore names: "ecs", "DescribeServices") with
 * boto3-style params (borrowed, may be NULL). On success sets *out to the
 * parsed answer (new reference; caller decrefs) and returns 0. On failure
 * returns BERTH_EAWS (AWS said no: the diagnostic carries service, operation,
 * AWS code, HTTP status, request id), BERTH_ENET, BERTH_EAUTH or BERTH_EINVAL,
 * after the standard-mode retries. */
int aws_call(struct aws_client *c, const char *service, const char *operation,
	     json_t *params, json_t **out, struct diags *d);

#endif
