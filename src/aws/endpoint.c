/* Endpoint resolution; see endpoint.h. */
#include "util/common.h"
#include "aws/endpoint.h"

#include <ctype.h>
#include <strings.h>

#include "util/buf.h"

/* The DNS suffix of a region's partition. */
static const char *dns_suffix(const char *region)
{
	if (!strncmp(region, "cn-", 3))
		return "amazonaws.com.cn";
	return "amazonaws.com";
}

/* AWS's own host for a service, with the exceptions among the services berth
 * uses: IAM has one endpoint per partition, signed in that partition's home
 * region. Everything else (STS included, see below) is
 * {endpoint_prefix}.{region}.{dns suffix}. */
static void default_endpoint(const struct aws_service *svc, const char *region,
			     const struct aws_config *cfg, struct aws_endpoint *e)
{
	bool global = svc->global;
	/* STS has a global endpoint too, but the CLI v2 and current SDKs use the
	 * regional one unless sts_regional_endpoints = legacy. */
	if (!strcmp(svc->name, "sts")) {
		const char *mode = aws_getenv("AWS_STS_REGIONAL_ENDPOINTS");
		if (!mode && cfg)
			mode = aws_config_get(cfg, cfg->profile, "sts_regional_endpoints");
		/* Only the aws partition has a global STS endpoint. */
		global = mode && !strcmp(mode, "legacy") && strncmp(region, "cn-", 3) &&
			 strncmp(region, "us-gov-", 7);
	}
	if (global) {
		if (!strncmp(region, "cn-", 3)) {
			e->url = xasprintf("https://%s.cn-north-1.amazonaws.com.cn",
					   svc->endpoint_prefix);
			e->signing_region = xstrdup("cn-north-1");
		} else if (!strncmp(region, "us-gov-", 7)) {
			e->url = xasprintf("https://%s.us-gov.amazonaws.com", svc->endpoint_prefix);
			e->signing_region = xstrdup("us-gov-west-1");
		} else {
			e->url = xasprintf("https://%s.amazonaws.com", svc->endpoint_prefix);
			e->signing_region = xstrdup("us-east-1");
		}
	} else {
		e->url = xasprintf("https://%s.%s.%s", svc->endpoint_prefix, region,
				   dns_suffix(region));
		e->signing_region = xstrdup(region);
	}
	snprintf(e->source, sizeof(e->source), "default");
}

/* Splits "scheme://host[:port][/path]" and fills host; strips a trailing '/'. */
static int set_url(struct aws_endpoint *e, const char *url, const char *source,
		   const struct aws_service *svc, struct diags *d)
{
	const char *p;
	if (!strncasecmp(url, "https://", 8))
		p = url + 8;
	else if (!strncasecmp(url, "http://", 7))
		p = url + 7;
	else
		goto bad;
	size_t hl = strcspn(p, "/?#");
	if (hl == 0 || p[hl] == '?' || p[hl] == '#')
		goto bad;
	for (size_t i = 0; i < hl; i++)
		if (isspace((unsigned char)p[i]) || p[i] == '@')
			goto bad;
	e->host = xstrndup(p, hl);
	size_t ul = strlen(url);
	while (ul && url[ul - 1] == '/')
		ul--;
	e->url = xstrndup(url, ul);
	snprintf(e->source, sizeof(e->source), "%s", source);
	return 0;
bad:
	diags_add(d, DIAG_ERROR, "invalid endpoint URL '%s' for %s (from %s)", url, svc->name,
		  source);
	return BERTH_EINVAL;
}

int aws_endpoint_resolve(const struct aws_service *svc, const char *region,
			 const char *option_url, const struct aws_config *cfg,
			 struct aws_endpoint *out, struct diags *d)
{
	struct aws_endpoint e;
	const char *url = NULL, *source = NULL;
	char *env_name = NULL, *svc_key = NULL;
	int rc = 0;

	memset(&e, 0, sizeof(e));
	const char *profile = cfg ? cfg->profile : NULL;
	bool ignore = aws_truthy(aws_getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"));
	if (!aws_getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") && cfg)
		ignore = aws_truthy(aws_config_get(cfg, profile, "ignore_configured_endpoint_urls"));

	if (option_url && *option_url) {
		url = option_url;
		source = "--endpoint-url";
	} else if (!ignore) {
		env_name = xasprintf("AWS_ENDPOINT_URL_%s", svc->env_suffix);
		const char *services = cfg ? aws_config_get(cfg, profile, "services") : NULL;
		/* The services section's keys are the env suffix in lower case
		 * ("elastic_load_balancing_v2"). */
		svc_key = xasprintf("%s.endpoint_url", svc->env_suffix);
		for (char *p = svc_key; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if ((url = aws_getenv(env_name))) {
			source = env_name;
		} else if ((url = aws_getenv("AWS_ENDPOINT_URL"))) {
			source = "AWS_ENDPOINT_URL";
		} else if (services &&
			   (url = aws_config_section_get(cfg, "services", services, svc_key))) {
			source = "profile services section";
		} else if (cfg && (url = aws_config_get(cfg, profile, "endpoint_url"))) {
			source = "profile endpoint_url";
		}
	}

	if (url) {
		if ((rc = set_url(&e, url, source, svc, d)) < 0)
			goto cleanup;
		/* A custom endpoint is still signed for the region the service
		 * would use: global services keep their home region. */
		struct aws_endpoint def;
		memset(&def, 0, sizeof(def));
		default_endpoint(svc, region, cfg, &def);
		e.signing_region = def.signing_region;
		free(def.url);
	} else {
		default_endpoint(svc, region, cfg, &e);
		e.host = xstrdup(e.url + strlen("https://"));
	}
	*out = e;
	memset(&e, 0, sizeof(e));

cleanup:
	aws_endpoint_release(&e);
	free(env_name);
	free(svc_key);
	return rc;
}

void aws_endpoint_release(struct aws_endpoint *e)
{
	free(e->url);
	free(e->host);
	free(e->signing_region);
	memset(e, 0, sizeof(*e));
}

void aws_endpoint_apply_path(const char *url, char **base, struct buf *path)
{
	const char *s = strstr(url, "://");
	const char *p = s ? strchr(s + 3, '/') : NULL;
	struct buf joined = BUF_INIT;
	*base = p ? xstrndup(url, (size_t)(p - url)) : xstrdup(url);
	if (!p)
		return;
	buf_adds(&joined, p);
	if (joined.len && joined.ptr[joined.len - 1] == '/')
		buf_setlen(&joined, joined.len - 1);
	buf_addbuf(&joined, path);
	buf_release(path);
	*path = joined;
}
