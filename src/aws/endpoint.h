/* Where a service's requests go and how they are signed (region), in the
 * SDKs' order (docs: "Service-specific endpoints"): the --endpoint-url
 * option; AWS_ENDPOINT_URL_<SERVICE>; AWS_ENDPOINT_URL; the profile's
 * `services` section ("ec2 =\n  endpoint_url = ..."); the profile's
 * `endpoint_url`; else AWS's own host name. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
 * (or the profile's ignore_configured_endpoint_urls) = true skips all but the
 * option. */
#ifndef BERTH_AWS_ENDPOINT_H
#define BERTH_AWS_ENDPOINT_H

#include "aws/config.h"
#include "aws/service.h"
#include "util/buf.h"
#include "util/diag.h"

struct aws_endpoint {
	char *url;            /* "https://ec2.us-west-2.amazonaws.com", no trailing '/' */
	char *host;           /* host[:port] for the Host header */
	char *signing_region; /* us-east-1 for IAM, else the region */
	char source[96];      /* "--endpoint-url", "AWS_ENDPOINT_URL_ECS", ..., "default" */
};

/* cfg may be NULL. Returns 0, or BERTH_EINVAL when a configured URL is not
 * http(s)://host[:port][/path]. */
int aws_endpoint_resolve(const struct aws_service *svc, const char *region,
			 const char *option_url, const struct aws_config *cfg,
			 struct aws_endpoint *out, struct diags *d);
void aws_endpoint_release(struct aws_endpoint *e);

/* An endpoint URL's path (AWS_ENDPOINT_URL=https://host/custom) goes before
 * the request's own: *path "/x" becomes "/custom/x". *base is set to the
 * URL's scheme://host[:port] (new string, the caller frees it). */
void aws_endpoint_apply_path(const char *url, char **base, struct buf *path);

#endif
