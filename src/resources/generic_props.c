/* A description's property map: its own entries over the generated ones
 * (generic.h). */
#include "util/common.h"
#include "resources/generic.h"

static int cmp_type(const void *key, const void *elem)
{
	return strcmp(key, ((const struct rta_gen_type *)elem)->type_name);
}

const struct rta_gen_type *rta_gen_find(const char *type_name)
{
	return bsearch(type_name, rta_gen_types, rta_gen_ntypes, sizeof(rta_gen_types[0]),
		       cmp_type);
}

void rta_props_begin(struct rta_props_iter *it, const struct rtype_api *a)
{
	const struct rta_gen_type *g = rta_gen_find(a->type_name);
	it->a = a;
	it->own = a->props;
	it->gen = g ? g->props : NULL;
}

static bool listed(const struct rtype_api *a, const char *cfn)
{
	for (const struct rta_prop *p = a->props; p && p->cfn; p++)
		if (!strcmp(p->cfn, cfn))
			return true;
	return false;
}

const struct rta_prop *rta_props_next(struct rta_props_iter *it)
{
	if (it->own && it->own->cfn)
		return it->own++;
	while (it->gen && it->gen->cfn) {
		const struct rta_prop *p = it->gen++;
		if (!listed(it->a, p->cfn))
			return p;
	}
	return NULL;
}

const struct rta_prop *rta_prop_find(const struct rtype_api *a, const char *cfn)
{
	struct rta_props_iter it;
	const struct rta_prop *p;
	RTA_FOREACH_PROP(a, it, p)
		if (!strcmp(p->cfn, cfn))
			return p;
	return NULL;
}
