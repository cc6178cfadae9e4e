/* Update operations that take several properties in one request and
 * replace them all (generic.h's update_whole): ECS's
 * PutClusterCapacityProviders sets a cluster's providers and its default
 * strategy together, and what it leaves out is emptied. So whichever of
 * them changed, the call carries every one, as desired or, absent, as its
 * dflt, and is made once. */
#include "util/common.h"

#include "resources/generic.h"

bool rta_is_whole(const struct rtype_api *a, const char *op)
{
	for (size_t i = 0; op && a->update_whole && a->update_whole[i]; i++)
		if (!strcmp(a->update_whole[i], op))
			return true;
	return false;
}

static bool changes(const struct rtype_api *a, const char *op, const char *const *changed,
		    size_t nchanged)
{
	for (size_t i = 0; i < nchanged; i++)
		RTA_EACH_PROP(a, p)
			if (!strcmp(p->cfn, changed[i]) && p->update_op && !strcmp(p->update_op, op))
				return true;
	return false;
}

static int call_whole(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		      const char *op, json_t *desired, struct diags *d)
{
	json_t *params = json_pack("{s:s}", rta_id_member(a, op), id), *res = NULL;
	RTA_EACH_PROP(a, p) {
		if (!p->update_op || strcmp(p->update_op, op))
			continue;
		json_t *v = json_object_get(desired, p->cfn);
		json_t *value = v && !json_is_null(v) ? rta_to_api(p, v) :
				p->dflt ? json_loads(p->dflt, JSON_DECODE_ANY, NULL) : NULL;
		if (value)
			json_object_set_new(params, p->api, value);
	}
	int err = rt_call(c, a->service, op, params, &res, d);
	json_decref(params);
	json_decref(res);
	return err;
}

int rta_update_whole(const struct rtype_api *a, const struct rt_ctx *c,
		     const struct live_resource *cur, json_t *desired, const char *const *changed,
		     size_t nchanged, struct diags *d)
{
	int err = 0;
	for (size_t i = 0; !err && a->update_whole && a->update_whole[i]; i++)
		if (changes(a, a->update_whole[i], changed, nchanged))
			err = call_whole(a, c, cur->id, a->update_whole[i], desired, d);
	return err;
}
