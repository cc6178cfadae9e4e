/* What berth needs of a resource's properties beyond what its schema
 * requires (needs.c): a property where the schema allows another way berth
 * does not take (an instance's ImageId rather than a launch template), one
 * of two (a stack's TemplateBody or TemplateURL), settings that go together
 * (Fargate's awsvpc, Cpu and Memory and their sizes; a Grafana workspace
 * with ORGANIZATION access and its OrganizationalUnits). Kept as data so
 * that validate refuses them at the property's file:line:col, and plan and
 * apply check the same rows again on the evaluated values. */
#ifndef BERTH_SCHEMA_NEEDS_H
#define BERTH_SCHEMA_NEEDS_H

#include <jansson.h>
#include <stddef.h>

#include "util/diag.h"

/* Where a problem is: the property `prop` (present in the values) of the
 * resource's properties, or of item `item` of the top-level list `list`
 * when that is not NULL; `prop` NULL: the properties or the item as a whole
 * (something missing). */
struct schema_need_at {
	const char *list;
	size_t item;
	const char *prop;
};

/* One problem at `at`: `summary` starts with the type ("AWS::EC2::Instance:
 * berth needs ImageId ...", "AWS::EC2::SecurityGroup: SecurityGroupIngress[1]:
 * ..."); `detail` may be NULL. */
typedef void (*schema_need_fn)(void *ctx, const struct schema_need_at *at, const char *summary,
			       const char *detail);

/* Checks the top-level properties `props` of `type`, calling `report` for
 * each problem; values not known yet (value_has_unknown) pass. The number
 * of problems. */
size_t schema_needs_check(const char *type, const json_t *props, schema_need_fn report, void *ctx);

/* The same, as errors in d: 0, or BERTH_EINVAL. */
int schema_needs_diags(const char *type, const json_t *props, struct diags *d);

/* The i-th row's type, list (NULL: top level) and properties (props[0..],
 * NULL-terminated), or NULL past the end: for the test that checks every
 * row against the schemas. */
const char *const *schema_needs_row(size_t i, const char **type, const char **list);

#endif
