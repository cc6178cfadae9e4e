/* Which AWS region berth talks to, in the AWS CLI's order. */
#ifndef BERTH_AWS_REGION_H
#define BERTH_AWS_REGION_H

#include "aws/config.h"
#include "util/diag.h"

/* --region, else AWS_REGION, else AWS_DEFAULT_REGION, else the profile's
 * `region`. Sets *out (new string) and *source (static text: "--region",
 * "AWS_REGION", ..., "profile") and returns 0; with none, returns
 * BERTH_EINVAL and a diagnostic saying how to set one. cfg may be NULL. */
int aws_region_resolve(const char *option, const struct aws_config *cfg, char **out,
		       const char **source, struct diags *d);

#endif
