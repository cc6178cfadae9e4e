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
	const char *max_retries;  /* --max-retries as typed (0..99 retries), or NULL */
	int max_attempts;         /* 0: AWS_MAX_ATTEMPTS / profile max_attempts / 25 */
	long connect_timeout_ms;  /* 0: default */
	long request_timeout_ms;  /* 0: default */
};

int aws_client_new(struct aws_client **out, const struct aws_client_config *cfg,
		   struct diags *d);
void aws_client_free(struct aws_client *c);

/* The region in use, and where the credentials came from ("env",
 * "profile NAME", "assume-role via profile NAME", "web-identity",
 * "container", "imds", "process"): for `berth whoami` and logs. */
const char *aws_client_region(const struct aws_client *c);
const char *aws_client_credential_source(const struct aws_client *c);
/* Where the region setting came from ("--region", "AWS_REGION", ...). */
const char *aws_client_region_source(const struct aws_client *c);
/* The profile selected (even when credentials came from elsewhere). */
const char *aws_client_profile(const struct aws_client *c);
/* The endpoint URL a service's calls go to and which setting chose it
 * ("default", "AWS_ENDPOINT_URL", ...); *url is a new string. */
int aws_client_endpoint(struct aws_client *c, const char *service, char **url,
			char **source, struct diags *d);

/* The attempts each call may make and where that number came from
 * ("default", "--max-retries", "AWS_MAX_ATTEMPTS", "profile"); the retry
 * mode ("standard" or "adaptive"). For `berth whoami` and logs. */
int aws_client_max_attempts(const struct aws_client *c, const char **source);
const char *aws_client_retry_mode(const struct aws_client *c);

/* Tests: replace the sleep between retries (and its randomness), so retry
 * tests run in milliseconds. NULL restores the real ones. */
void aws_client_set_retry_hooks(struct aws_client *c, void (*sleep)(void *, double),
				double (*random)(void *), void *ctx);

/* Calls service/operation (botocore names: "ecs", "DescribeServices") with
 * boto3-style params (borrowed, may be NULL). On success sets *out to the
 * parsed answer (new reference; caller decrefs) and returns 0. On failure
 * returns BERTH_EAWS (AWS said no: the diagnostic carries service, operation,
 * AWS code, HTTP status, request id), BERTH_ENET, BERTH_EAUTH or BERTH_EINVAL,
 * after the retries of retry.h (and, in adaptive mode, the rate limiting of
 * ratelimit.h). */
int aws_call(struct aws_client *c, const char *service, const char *operation,
	     json_t *params, json_t **out, struct diags *d);

/* Every page of a paginated operation (botocore's paginators-1.json, through
 * aws_paginator_find): repeats the call with the answer's output tokens as
 * the next input tokens until they come back empty, and concatenates the
 * list `result_key` (NULL: the paginator's first result key) of each page
 * into *out_items (new array reference). params is borrowed and not
 * modified. At most AWS_MAX_PAGES pages: an endless token (or a token that
 * repeats) ends with BERTH_EAWS and a diagnostic rather than a hang. An
 * operation without a paginator is called once. */
#define AWS_MAX_PAGES 1000
int aws_call_all(struct aws_client *c, const char *service, const char *operation,
		 json_t *params, const char *result_key, json_t **out_items, struct diags *d);
/* aws_call_all that also says how many calls it made: *pages (may be NULL)
 * is set whether it succeeds or fails, so that a caller who counts AWS
 * calls (resources/common.c) counts every page. */
int aws_call_pages(struct aws_client *c, const char *service, const char *operation,
		   json_t *params, const char *result_key, json_t **out_items, int *pages,
		   struct diags *d);

#endif
