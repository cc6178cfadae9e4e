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
/* rta_put_create and rta_put_update, which rta_create and rta_update call
 * for a create_puts description, are declared in generic.h (generic.c calls
 * them: the layers check wants no header pair that includes each other). */

#endif
