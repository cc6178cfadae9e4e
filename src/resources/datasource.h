/* How each data source kind (schema/datasource.h) is read: through the AWS
 * client, at plan time. Reads only: a plan stays side-effect free. */
#ifndef BERTH_RESOURCES_DATASOURCE_H
#define BERTH_RESOURCES_DATASOURCE_H

#include <stdbool.h>
#include <jansson.h>

#include "schema/datasource.h"
#include "util/diag.h"

struct rt_ctx;

/* Reads an entry of kind `kind`: args is the entry's evaluated arguments
 * (borrowed, only names from the kind's args); *out (set only on success)
 * an object with the attributes. A lookup that finds nothing is
 * BERTH_ENOTFOUND with a diagnostic saying what was looked for; a kind
 * without a reader is BERTH_EINVAL. */
int data_read(const struct rt_ctx *c, const char *kind, json_t *args, json_t **out,
	      struct diags *d);
/* Whether `kind` has a reader (every kind of the table must). */
bool data_readable(const char *kind);

#endif
