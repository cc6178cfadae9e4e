/* Types whose create call is also their update: it takes the whole
 * definition each time and overwrites an instance of the same name
 * (CloudWatch's PutMetricAlarm). The description's create_op is that call;
 * what it leaves out goes back to AWS's default, so every update sends every
 * property again, and a create first reads the name to leave someone else's
 * instance alone. */
#ifndef BERTH_RESOURCES_GENERIC_PUT_H
#define BERTH_RESOURCES_GENERIC_PUT_H

#include <jansson.h>

#include "resources/generic.h"

/* The put request for `name` from props (CloudFormation form), in the order
 * of a->props: each RTA_CREATE property present (RTA_ID: the name; arrays
 * and objects as they are, RTA_INT / RTA_NUMBER as numbers, RTA_BOOL as a
 * boolean, other values as text), and each RTA_ALWAYS one absent as its
 * dflt. NULL with a diagnostic when a number is not one. */
json_t *rta_put_params(const struct rtype_api *a, const char *name, json_t *props,
		       struct diags *d);
/* Create: read_one on the name first; someone else's instance is a
 * conflict, this resource's (a retry after a crash) is put again; then the
 * put with the tags. */
int rta_put_create(const struct rtype_api *a,
		   int (*read_one)(const struct rt_ctx *, const char *, struct live_resource *,
				   struct diags *),
		   const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		   char **id_out, struct diags *d);
/* Update: the put with the whole desired definition (no tags). */
int rta_put_update(const struct rtype_api *a, const struct rt_ctx *c,
		   const struct live_resource *cur, json_t *desired, struct diags *d);

#endif
