/* The CloudWatch Logs calls behind the registry's side-effect hooks
 * (rtype_registry.log_group_created / log_group_delete): the groups AWS
 * made for instances, which engine/sidefx.c decides to delete. */
#ifndef BERTH_RESOURCES_LOGGROUPS_H
#define BERTH_RESOURCES_LOGGROUPS_H

#include "util/diag.h"

struct rt_ctx;

int lg_created(const struct rt_ctx *c, const char *name, long long *ms, struct diags *d);
int lg_delete(const struct rt_ctx *c, const char *name, struct diags *d);

#endif
