/* Descriptions (generic.h) of types whose physical id is the ARN AWS picks
 * while the name the spec gives stays unique in the account (ELBv2's target
 * groups and load balancers, and its listeners, listed per load balancer):
 * described by lists of ARNs or of names, every page; tagged through calls
 * that take a list of ARNs; looked up by name before a create, so that a
 * retry after a crash finds what the first attempt made and a name taken
 * outside the stack is refused rather than adopted. The calls and their
 * members are those the hand-written ELBv2 files made, in the same order. */
#include "util/common.h"

#include <ctype.h>

#include "resources/generic.h"
#include "resources/typeutil.h"

json_t *rta_int(json_t *v)
{
	json_t *w = json_pack("{s:O}", "v", v);
	json_t *n = json_integer(tu_int(w, "v", 0));
	json_decref(w);
	return n;
}

/* arn:PARTITION:SERVICE:REGION:ACCOUNT:KIND/... */
int rta_arn_owns(const struct rtype_api *a, const char *arn)
{
	const char *svc = a->arn_service ? a->arn_service : a->service, *p = arn;
	for (int field = 0; field < 2 && p; field++)
		p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL;
	size_t n = strlen(svc), k = strlen(a->kind);
	if (!p || strncmp(p, svc, n) || p[n] != ':')
		return 0;
	for (int field = 0; field < 3 && p; field++)
		p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL;
	return p && !strncmp(p, a->kind, k) && p[k] == '/';
}

int rta_arn_describe(const struct rtype_api *a, const struct rt_ctx *c, json_t *keys, bool names,
		     json_t **items, struct diags *d)
{
	json_t *params = json_pack("{s:O}", names ? a->describe_names : a->describe_ids, keys);
	int err = tu_describe_list(c, a->service, a->describe_op, params, a->gone, a->list, items,
				   d);
	json_decref(params);
	if (!err) {
		char op[128];
		snprintf(op, sizeof(op), "%s %s", a->service, a->describe_op);
		tu_keep_named(*items, names ? a->item_name : a->item_id, keys, NULL, op);
	}
	return err;
}

/* Fills *out (zeroed first) from a described item, with its tags when the
 * type has them: BERTH_ENOTFOUND when they are gone (just deleted: ELBv2
 * still describes it a moment). */
static int read_item(const struct rtype_api *a, const struct rt_ctx *c, json_t *item,
		     struct live_resource *out, struct diags *d)
{
	memset(out, 0, sizeof(*out));
	out->detailed = true;
	rta_fill(a, c, out, item, NULL);
	if (a->parent_member) {
		const char *parent = json_string_value(json_object_get(item, a->parent_member));
		out->parent_id = parent ? xstrdup(parent) : NULL;
	}
	if (!a->describe_tags_op)
		return 0;
	json_t *res = NULL, *params = json_pack("{s:[s]}", a->arn_member, out->id);
	int err = rt_call_expect(c, a->service, a->describe_tags_op, params, &res, a->gone, NULL,
				 d);
	json_decref(params);
	if (!err) {
		json_t *desc = json_array_get(json_object_get(res, a->tags_list), 0);
		rt_apply_tags(out, rt_tags_to_map(json_object_get(desc, "Tags")));
	} else {
		live_resource_release(out);
	}
	json_decref(res);
	return err == RT_EXPECTED ? BERTH_ENOTFOUND : err;
}

/* By ARN, or with `names` by name. */
static int read_key(const struct rtype_api *a, const struct rt_ctx *c, const char *key,
		    bool names, struct live_resource *out, struct diags *d)
{
	json_t *items = NULL, *keys = json_pack("[s]", key);
	int err = rta_arn_describe(a, c, keys, names, &items, d);
	json_decref(keys);
	if (err)
		return err;
	json_t *item = json_array_get(items, 0);
	err = item ? read_item(a, c, item, out, d) : BERTH_ENOTFOUND;
	json_decref(items);
	return err;
}

int rta_arn_read_one(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		     struct live_resource *out, struct diags *d)
{
	return read_key(a, c, id, false, out, d);
}

int rta_arn_read_children(const struct rtype_api *a, const struct rt_ctx *c,
			  const struct live_set *parents, struct live_set *out, struct diags *d)
{
	for (size_t i = 0; i < parents->n; i++) {
		json_t *items = NULL, *item;
		json_t *params = json_pack("{s:s}", a->parent_member, parents->v[i].id);
		int err = tu_describe_list(c, a->service, a->describe_op, params, a->gone, a->list,
					   &items, d);
		json_decref(params);
		if (err)
			return err;
		size_t k;
		json_array_foreach(items, k, item) {
			struct live_resource r;
			if (!read_item(a, c, item, &r, d))
				*live_set_add(out, a->type_name) = r;
		}
		json_decref(items);
	}
	return 0;
}

/* The hint for the last diagnostic's AWS code, when it has none yet. */
static void add_hint(const struct rtype_api *a, struct diags *d)
{
	struct diag *last = d->n ? &d->items[d->n - 1] : NULL;
	for (const struct rta_hint *h = a->hints; last && h && h->code; h++)
		if (last->aws_code && !strcmp(last->aws_code, h->code) && !last->detail)
			diag_set_detail(last, "%s", h->detail);
}

/* The instance named `name` when it exists: 0 and *id_out when its tags
 * say it is this address's, BERTH_ECONFLICT when not, BERTH_ENOTFOUND
 * when there is none. */
static int find_named(const struct rtype_api *a, const struct rt_ctx *c, const char *address,
		      const char *name, char **id_out, struct diags *d)
{
	struct live_resource cur;
	int err = read_key(a, c, name, true, &cur, d);
	if (err)
		return err;
	err = tu_check_ours(c, cur.tags, address, a->what, name, d);
	if (!err)
		*id_out = xstrdup(cur.id);
	live_resource_release(&cur);
	return err;
}

int rta_arn_create(const struct rtype_api *a, const struct rt_ctx *c, const char *address,
		   json_t *props, json_t *tags, char **id_out, struct diags *d)
{
	int err = rta_check(a, props, d);
	if (err)
		return err;
	json_t *params = json_object();
	if (a->describe_names) {
		const char *name = json_string_value(json_object_get(props, a->name_prop));
		err = name ? find_named(a, c, address, name, id_out, d) : BERTH_ENOTFOUND;
		if (err != BERTH_ENOTFOUND) {
			json_decref(params);
			return err;
		}
	}
	/* The name's member first, then the tags, as the API reference
	 * lists them. */
	json_t *own = rta_create_params(a, props);
	const char *key;
	json_t *v;
	json_object_foreach(own, key, v) {
		json_object_set(params, key, v);
		break;
	}
	if (a->tags_member)
		json_object_set_new(params, a->tags_member, rt_tags_to_list(tags, false));
	json_object_update(params, own);
	json_decref(own);
	json_t *res = NULL;
	err = rt_call(c, a->service, a->create_op, params, &res, d);
	json_decref(params);
	if (err) {
		add_hint(a, d);
		return err;
	}
	json_t *item = json_object_get(res, a->create_item);
	if (json_is_array(item))
		item = json_array_get(item, 0);
	const char *id = json_string_value(json_object_get(item, a->item_id));
	if (id) {
		*id_out = xstrdup(id);
	} else {
		diags_add(d, DIAG_ERROR, "%s answered without a %s", a->create_op, a->item_id);
		err = BERTH_EAWS;
	}
	json_decref(res);
	return err;
}

/* One update_op call with every RTA_GROUP property of desired (or its
 * default). */
static int update_group(const struct rtype_api *a, const struct rt_ctx *c,
			const struct live_resource *cur, json_t *desired, const char *op,
			struct diags *d)
{
	json_t *params = json_pack("{s:s}", a->item_id, cur->id);
	RTA_EACH_PROP(a, p) {
		if (!(p->flags & RTA_GROUP))
			continue;
		json_t *v = json_object_get(desired, p->cfn), *value = NULL;
		if (v && !json_is_null(v))
			value = p->flags & RTA_INT ? rta_int(v)
				: p->flags & RTA_BOOL ? json_boolean(rt_bool(desired, p->cfn, true))
				: json_deep_copy(v);
		else if (a->dflt_of)
			value = a->dflt_of(desired, cur->props, p->cfn);
		else if (p->dflt)
			value = json_loads(p->dflt, JSON_DECODE_ANY, NULL);
		if (value)
			json_object_set_new(params, p->api, value);
	}
	int err = rt_call(c, a->service, op, params, NULL, d);
	json_decref(params);
	return err;
}

int rta_arn_update(const struct rtype_api *a, const struct rt_ctx *c,
		   const struct live_resource *cur, json_t *desired, const char *const *changed,
		   size_t nchanged, struct diags *d)
{
	const char *group_op = NULL;
	for (size_t i = 0; i < nchanged; i++) {
		const struct rta_prop *p = rta_prop_find(a, changed[i]);
		if (!p || !p->update_op) {
			diags_add(d, DIAG_ERROR, "%s: berth cannot change %s in place", a->type_name,
				  changed[i]);
			return BERTH_EINVAL;
		}
		if (p->flags & RTA_GROUP)
			group_op = p->update_op;
	}
	int err = rta_check(a, desired, d);
	if (!err && group_op)
		err = update_group(a, c, cur, desired, group_op, d);
	for (size_t i = 0; !err && i < nchanged; i++) {
		const struct rta_prop *p = rta_prop_find(a, changed[i]);
		if (!(p->flags & RTA_GROUP))
			err = rta_update(a, c, cur, desired, &changed[i], 1, d);
	}
	return err;
}

int rta_arn_set_tags(const struct rtype_api *a, const struct rt_ctx *c,
		     const struct live_resource *cur, json_t *add, json_t *remove_keys,
		     struct diags *d)
{
	int err = 0;
	if (json_object_size(add)) {
		json_t *params = json_pack("{s:[s], s:o}", a->arn_member, cur->id, a->tags_member,
					   rt_tags_to_list(add, false));
		err = rt_call(c, a->service, a->add_tags_op, params, NULL, d);
		json_decref(params);
	}
	if (!err && json_array_size(remove_keys)) {
		json_t *params = json_pack("{s:[s], s:O}", a->arn_member, cur->id, a->untag_keys,
					   remove_keys);
		err = rt_call(c, a->service, a->remove_tags_op, params, NULL, d);
		json_decref(params);
	}
	return err;
}

int rta_arn_remove(const struct rtype_api *a, const struct rt_ctx *c,
		   const struct live_resource *cur, struct diags *d)
{
	int err = rta_remove(a, c, cur, d);
	if (err)
		add_hint(a, d);
	return err;
}

void rta_arn_normalise(const struct rtype_api *a, const char *stack, const char *address,
		       json_t *desired)
{
	if (a->name_dash && !json_object_get(desired, a->name_prop)) {
		char *name = rt_default_name(stack, address, a->name_max);
		for (char *p = name; *p; p++)
			if (!isalnum((unsigned char)*p))
				*p = '-';
		size_t n = strlen(name);
		while (n && name[n - 1] == '-')
			name[--n] = 0;
		json_object_set_new(desired, a->name_prop, json_string(name));
		free(name);
	}
	rta_normalise(a, stack, address, desired);
}
