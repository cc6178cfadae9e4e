/* The generated property maps (props_gen.c, made by tools/gen_rta_props.py
 * from the CloudFormation schemas and botocore's models, with its small
 * table of overrides) and the walk over a description's whole map: the
 * description's own rta_prop entries first, then the generated entry of
 * every property it does not list. A description lists a property only to
 * say something the generator does not; an entry with no flags drops a
 * generated one. */
#ifndef BERTH_RESOURCES_PROPS_GEN_H
#define BERTH_RESOURCES_PROPS_GEN_H

#include <stddef.h>

#include "resources/generic.h"

struct rta_gen_type {
	const char *type_name, *service;
	/* The operations the map was derived from, and the described item's
	 * id member (the primary identifier's). */
	const char *create_op, *describe_op, *item_id;
	const struct rta_prop *props; /* {0}-terminated */
};

/* Sorted by type_name. */
extern const struct rta_gen_type rta_gen_types[];
extern const size_t rta_gen_ntypes;

/* The generated map of `type_name`, or NULL. */
const struct rta_gen_type *rta_gen_find(const char *type_name);

struct rta_props_iter {
	const struct rtype_api *a;
	const struct rta_prop *own, *gen;
};

void rta_props_begin(struct rta_props_iter *it, const struct rtype_api *a);
/* The next property of the map, or NULL at its end. */
const struct rta_prop *rta_props_next(struct rta_props_iter *it);
/* The property `cfn` of a's map, or NULL. */
const struct rta_prop *rta_prop_find(const struct rtype_api *a, const char *cfn);

#define RTA_FOREACH_PROP(a, it, p) \
	for (rta_props_begin(&(it), (a)); ((p) = rta_props_next(&(it))) != NULL;)

#endif
