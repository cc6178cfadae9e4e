/* Region resolution; see region.h. */
#include "util/common.h"
#include "aws/region.h"

#include <ctype.h>

/* A region is letters, digits and dashes: anything else would end up in a
 * host name and a signing scope, so it is refused here with a clear word. */
static int region_is_valid(const char *r)
{
	if (!*r)
		return 0;
	for (const char *p = r; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return 0;
	return 1;
}

int aws_region_resolve(const char *option, const struct aws_config *cfg, char **out,
		       const char **source, struct diags *d)
{
	const char *r = NULL, *src = NULL;
	if (option && *option) {
		r = option;
		src = "--region";
	} else if ((r = aws_getenv("AWS_REGION"))) {
		src = "AWS_REGION";
	} else if ((r = aws_getenv("AWS_DEFAULT_REGION"))) {
		src = "AWS_DEFAULT_REGION";
	} else if (cfg && (r = aws_config_get(cfg, cfg->profile, "region"))) {
		src = "profile";
	}
	if (!r) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "no AWS region configured");
		diag_set_detail(dg, "set one with --region, the AWS_REGION environment variable, "
				    "or 'region = ...' in profile '%s' of ~/.aws/config",
				cfg && cfg->profile ? cfg->profile : "default");
		return BERTH_EINVAL;
	}
	if (!region_is_valid(r)) {
		diags_add(d, DIAG_ERROR, "invalid AWS region '%s' (from %s)", r, src);
		return BERTH_EINVAL;
	}
	*out = xstrdup(r);
	if (source)
		*source = src;
	return 0;
}
