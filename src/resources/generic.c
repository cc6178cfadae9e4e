/* Reading, creating, changing, tagging and deleting a type from its
 * description (generic.h). Every call a hand-written type file made for
 * the same job is made here in the same order with the same parameters, so
 * converting a type changes neither its plans nor its call counts. */
#include "util/common.h"

#include <ctype.h>

#include "resources/ec2_common.h"
#include "resources/generic.h"
#include "resources/typeutil.h"
#include "schema/needs.h"
#include "schema/schema.h"

static size_t batch_of(const struct rtype_api *a)
{
	return a->batch ? a->batch : 100;
}

static char arn_sep(const struct rtype_api *a)
{
	return a->arn_sep ? a->arn_sep : '/';
}

int rta_owns_arn(const struct rtype_api *a, const char *arn)
{
	if (a->style == RTA_EC2)
		return ec2_arn_is(arn, a->kind);
	/* arn:PARTITION:SERVICE:REGION:ACCOUNT:KIND/ID */
	const char *p = arn;
	for (int field = 0; field < 2 && p; field++)
		p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL;
	size_t n = strlen(a->service), k = strlen(a->kind);
	if (!p || strncmp(p, a->service, n) || p[n] != ':')
		return 0;
	for (int field = 0; field < 3 && p; field++)
		p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL;
	return p && !strncmp(p, a->kind, k) && p[k] == arn_sep(a);
}

/* The id in an ARN of this type (after KIND/ or KIND:), a new string, or
 * NULL. */
static char *id_of_arn(const struct rtype_api *a, const char *arn)
{
	if (!rta_owns_arn(a, arn))
		return NULL;
	const char *p = strstr(arn, a->kind);
	while (p && (p[-1] != ':' || p[strlen(a->kind)] != arn_sep(a)))
		p = strstr(p + 1, a->kind);
	return p ? xstrdup(p + strlen(a->kind) + 1) : NULL;
}

/* An API value as CloudFormation spells it, and back (new references). */
static json_t *to_cfn(const struct rta_prop *p, json_t *v)
{
	return p->flags & RTA_RECASE ? tu_recase(v, false, NULL) : json_incref(v);
}

static json_t *to_api(const struct rta_prop *p, json_t *v)
{
	if (p->flags & RTA_INT)
		return rta_int(v);
	if (p->flags & RTA_BOOL)
		return json_boolean(json_is_true(v) || (json_is_string(v) &&
							!strcmp(json_string_value(v), "true")));
	return p->flags & RTA_RECASE ? tu_recase(v, true, NULL) : json_incref(v);
}

void rta_fill(const struct rtype_api *a, const struct rt_ctx *c, struct live_resource *r,
	      json_t *item, json_t *tags)
{
	const char *id = json_string_value(json_object_get(item, a->item_id));
	r->type = a->type_name;
	r->id = xstrdup(id ? id : "");
	if (a->item_arn) {
		const char *arn = json_string_value(json_object_get(item, a->item_arn));
		r->arn = arn ? xstrdup(arn) : NULL;
	} else if (a->style == RTA_EC2) {
		r->arn = ec2_arn(c, json_string_value(json_object_get(item, "OwnerId")), a->kind, id);
	}
	if (!r->props)
		r->props = json_object();
	struct rta_props_iter it;
	const struct rta_prop *p;
	RTA_FOREACH_PROP(a, it, p) {
		json_t *v = json_object_get(item, p->api);
		if (p->flags & RTA_ID)
			json_object_set_new(r->props, p->cfn, json_string(r->id));
		else if ((p->flags & RTA_READ) && v && !json_is_null(v) &&
			 (!(p->flags & RTA_NONEMPTY) || json_array_size(v) ||
			  (json_is_string(v) && *json_string_value(v)) ||
			  (!json_is_array(v) && !json_is_string(v))))
			json_object_set_new(r->props, p->cfn, to_cfn(p, v));
	}
	if (a->read_more)
		a->read_more(r->props, item);
	if (a->flag_tag) {
		const char *f = json_string_value(json_object_get(tags, a->flag_tag));
		if (f && !strcmp(f, "true"))
			json_object_set_new(r->props, a->flag_prop, json_true());
	}
	rt_apply_tags(r, tags);
}

/* Describes `ids` (borrowed array): *items, a new array ([] when one of them
 * does not exist: RT_EXPECTED is returned then). */
static int describe(const struct rtype_api *a, const struct rt_ctx *c, json_t *ids,
		    json_t **items, struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:O}", a->describe_ids, ids);
	if (a->describe_fixed) {
		json_t *fixed = json_loads(a->describe_fixed, 0, NULL);
		json_object_update(params, fixed);
		json_decref(fixed);
	}
	/* Every page: DescribeAlarms answers 50 of the 100 names it takes. */
	int err = rt_call_all_expect(c, a->service, a->describe_op, params, a->list, a->gone,
				     &res, d);
	json_decref(params);
	if (err < 0)
		return err;
	*items = a->sublist ? rta_flatten(a, res)
		 : json_is_array(res) ? json_incref(res) : json_array();
	json_decref(res);
	return err;
}

/* The item of `items` whose id is `id` (borrowed), or NULL: an answer is
 * believed only as far as it matches what was asked. */
static json_t *item_named(const struct rtype_api *a, json_t *items, const char *id)
{
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item) {
		const char *v = json_string_value(json_object_get(item, a->item_id));
		if (v && !strcmp(v, id))
			return item;
	}
	return NULL;
}

static const char *filter_key(const struct rtype_api *a)
{
	return a->filter_key ? a->filter_key : "Filters";
}

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; s && list && list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/* The member at a dotted path of the item ("State.Code"), as a string. */
static const char *item_str(json_t *item, const char *path)
{
	return path ? json_string_value(rta_path_get(item, path)) : NULL;
}

static bool is_history(const struct rtype_api *a, json_t *item)
{
	return a->status && in_list(a->history, item_str(item, a->status));
}

static int read_all_ec2(const struct rtype_api *a, const struct rt_ctx *c, struct live_set *out,
			struct diags *d)
{
	json_t *filters = ec2_stack_filters(c, NULL);
	if (a->live_filter)
		json_array_append_new(filters, json_loads(a->live_filter, 0, NULL));
	json_t *items = NULL, *params = json_pack("{s:o}", filter_key(a), filters);
	int err = rt_call_all(c, a->service, a->describe_op, params, a->list, &items, d);
	json_decref(params);
	if (err)
		return err;
	if (a->sublist) {
		json_t *flat = rta_flatten(a, items);
		json_decref(items);
		items = flat;
	}
	size_t i;
	json_t *item;
	/* The live_filter keeps history out of the answer; without one, as
	 * read_one and the wait do, an item in history is gone. */
	json_array_foreach(items, i, item)
		if (!is_history(a, item))
			rta_fill(a, c, live_set_add(out, a->type_name), item, ec2_tags_map(item));
	json_decref(items);
	return 0;
}

/* Describes one batch of listed ids; when AWS refuses the batch because one
 * went away since it was tagged (ECR fails the whole call), each alone. */
static int read_batch(const struct rtype_api *a, const struct rt_ctx *c, json_t *batch,
		      json_t *tags_by_id, struct live_set *out, struct diags *d)
{
	json_t *items = NULL;
	int err = describe(a, c, batch, &items, d);
	if (err == RT_EXPECTED && json_array_size(batch) > 1) {
		json_decref(items);
		items = json_array();
		size_t i;
		json_t *id;
		json_array_foreach(batch, i, id) {
			json_t *one = json_pack("[O]", id), *got = NULL;
			err = describe(a, c, one, &got, d);
			json_decref(one);
			if (err < 0) {
				json_decref(items);
				return err;
			}
			json_array_extend(items, got);
			json_decref(got);
		}
	}
	if (err < 0)
		return err;
	size_t i;
	json_t *id;
	json_array_foreach(batch, i, id) {
		json_t *item = item_named(a, items, json_string_value(id));
		if (item && !is_history(a, item))
			rta_fill(a, c, live_set_add(out, a->type_name), item,
			     json_incref(json_object_get(tags_by_id, json_string_value(id))));
	}
	json_decref(items);
	return 0;
}

static int read_all_tagged(const struct rtype_api *a, const struct rt_ctx *c,
			   struct live_set *out, struct diags *d)
{
	char filter[128];
	snprintf(filter, sizeof(filter), "%s:%s", a->service, a->kind);
	json_t *tagged = NULL, *ids = json_array(), *tags_by_id = json_object();
	int err = rt_tagged_resources(c, filter, &tagged, d);
	size_t i;
	json_t *m;
	json_array_foreach(tagged, i, m) {
		char *id = id_of_arn(a, json_string_value(json_object_get(m, "ResourceARN")));
		if (!id)
			continue;
		json_array_append_new(ids, json_string(id));
		json_object_set_new(tags_by_id, id, rt_tags_to_map(json_object_get(m, "Tags")));
		free(id);
	}
	for (size_t at = 0; !err && at < json_array_size(ids); at += batch_of(a)) {
		json_t *batch = json_array();
		for (size_t k = at; k < at + batch_of(a) && k < json_array_size(ids); k++)
			json_array_append(batch, json_array_get(ids, k));
		err = read_batch(a, c, batch, tags_by_id, out, d);
		json_decref(batch);
	}
	json_decref(tagged);
	json_decref(ids);
	json_decref(tags_by_id);
	return err;
}

int rta_read_all(const struct rtype_api *a, const struct rt_ctx *c, struct live_set *out,
		 struct diags *d)
{
	return a->style == RTA_EC2 ? read_all_ec2(a, c, out, d) : read_all_tagged(a, c, out, d);
}

int rta_read_one(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		 struct live_resource *out, struct diags *d)
{
	json_t *items = NULL, *ids = json_pack("[s]", id);
	int err = describe(a, c, ids, &items, d);
	json_decref(ids);
	if (err < 0)
		return err;
	/* EC2 answers only the id asked for; a name lookup is checked. */
	json_t *item = a->style == RTA_EC2 ? json_array_get(items, 0) : item_named(a, items, id);
	json_t *tags = NULL;
	if (!item || is_history(a, item))
		err = BERTH_ENOTFOUND;
	else if (a->style == RTA_EC2)
		tags = ec2_tags_map(item);
	else
		err = tu_list_tags(c, a->service, a->arn_member,
				   json_string_value(json_object_get(item, a->item_arn)), a->gone,
				   a->tags_member, &tags, d);
	if (!err) {
		memset(out, 0, sizeof(*out));
		out->detailed = true;
		rta_fill(a, c, out, item, tags);
	}
	json_decref(items);
	return err;
}

/* Whether v says nothing: absent, null, or for RTA_NONEMPTY empty. */
static bool unset(const struct rta_prop *p, json_t *v)
{
	if (!v || json_is_null(v))
		return true;
	return (p->flags & RTA_NONEMPTY) &&
	       ((json_is_array(v) && !json_array_size(v)) ||
		(json_is_string(v) && !*json_string_value(v)));
}

json_t *rta_create_params(const struct rtype_api *a, json_t *props)
{
	json_t *params = json_object();
	struct rta_props_iter it;
	const struct rta_prop *p;
	RTA_FOREACH_PROP(a, it, p) {
		json_t *v = json_object_get(props, p->cfn);
		if (!(p->flags & RTA_CREATE) || (p->flags & RTA_AFTER))
			continue;
		/* RTA_ALWAYS: what the spec leaves out (or, RTA_NONEMPTY,
		 * leaves empty) is sent as dflt (ECS's cluster settings). */
		if ((p->flags & RTA_ALWAYS) && p->dflt && unset(p, v))
			json_object_set_new(params, p->api, json_loads(p->dflt, JSON_DECODE_ANY, NULL));
		else if (v && !json_is_null(v))
			json_object_set_new(params, p->api, to_api(p, v));
	}
	return params;
}

static bool flag_set(const struct rtype_api *a, json_t *props)
{
	return a->flag_prop && json_is_true(json_object_get(props, a->flag_prop));
}

static int set_after_create(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
			    json_t *props, struct diags *d);

static bool writes_after_create(const struct rtype_api *a, json_t *props);

static int create_ec2(const struct rtype_api *a,
		      int (*read_one)(const struct rt_ctx *, const char *,
				      struct live_resource *, struct diags *),
		      const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		      char **id_out, struct diags *d)
{
	char *id = NULL;
	json_t *extra = a->live_filter ? json_pack("[o]", json_loads(a->live_filter, 0, NULL)) : NULL;
	int err = ec2_find_tagged(c, a->describe_op, filter_key(a), a->list, a->item_id, address,
				  extra, &id, d);
	json_decref(extra);
	if (err == BERTH_ENOTFOUND) {
		json_t *params = a->create_fixed ? json_loads(a->create_fixed, 0, NULL) : json_object();
		json_t *res = NULL, *own = rta_create_params(a, props);
		json_object_update(params, own);
		json_decref(own);
		if (a->client_token) {
			char token[64];
			ec2_client_token(address, token);
			json_object_set_new(params, a->client_token, json_string(token));
		}
		json_object_set_new(params, "TagSpecifications", ec2_tag_specs(a->kind, tags));
		if (a->create_more)
			a->create_more(params, props);
		err = rt_call_expect(c, a->service, a->create_op, params, &res, a->exists, NULL, d);
		json_decref(params);
		if (err == RT_EXPECTED)
			err = rta_taken(a, c, address, props, d);
		json_t *item = a->create_item ? json_object_get(res, a->create_item) : res;
		if (json_is_array(item))
			item = json_array_get(item, 0);
		const char *got = json_string_value(json_object_get(item, a->item_id));
		if (!err)
			id = xstrdup(got ? got : "");
		json_decref(res);
	}
	/* EC2 is eventually consistent for writes too: a call naming an id
	 * created a moment ago may answer that it does not exist (EC2 API
	 * reference, "Eventual consistency"). What is set after the create
	 * waits until the new instance reads back, as Terraform's provider
	 * does before it modifies a new VPC or subnet. */
	if (!err && writes_after_create(a, props)) {
		struct live_resource cur;
		char *what = xasprintf("the new %s %s to be known to EC2", a->kind, id);
		err = rt_read_existing(c, what, read_one, id, &cur, d);
		free(what);
		if (!err)
			live_resource_release(&cur);
	}
	if (!err)
		err = set_after_create(a, c, id, props, d);
	if (!err && a->after_create)
		err = a->after_create(c, id, props, d);
	if (err) {
		free(id);
		return err;
	}
	*id_out = id;
	return 0;
}

static int create_service(const struct rtype_api *a,
			  int (*read_one)(const struct rt_ctx *, const char *,
					  struct live_resource *, struct diags *),
			  const struct rt_ctx *c, const char *address, json_t *props,
			  json_t *tags, char **id_out, struct diags *d)
{
	json_t *all = json_copy(tags), *params = rta_create_params(a, props), *res = NULL;
	if (flag_set(a, props))
		json_object_set_new(all, a->flag_tag, json_string("true"));
	json_object_set_new(params, a->tags_member, rt_tags_to_list(all, false));
	json_decref(all);
	int err = rt_call_expect(c, a->service, a->create_op, params, &res, a->exists, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED) {
		/* Taken: a crash after the create, or a retry; ours only if
		 * tagged so. */
		const char *name = json_string_value(json_object_get(props, a->name_prop));
		struct live_resource live = { 0 };
		err = rt_read_existing(c, a->type_name, read_one, name ? name : "", &live, d);
		if (!err)
			err = tu_check_ours(c, live.tags, address, a->type_name, live.id, d);
		if (!err)
			*id_out = xstrdup(live.id);
		live_resource_release(&live);
		return err;
	}
	if (!err) {
		const char *id = json_string_value(json_object_get(
			json_object_get(res, a->create_item), a->item_id));
		*id_out = xstrdup(id ? id : "");
	}
	json_decref(res);
	return err;
}

int rta_create(const struct rtype_api *a,
	       int (*read_one)(const struct rt_ctx *, const char *, struct live_resource *,
			       struct diags *),
	       const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
	       char **id_out, struct diags *d)
{
	int err = rta_check(a, props, d);
	if (err)
		return err;
	if (a->create_puts)
		return rta_put_create(a, read_one, c, address, props, tags, id_out, d);
	if (a->style == RTA_EC2)
		return create_ec2(a, read_one, c, address, props, tags, id_out, d);
	return create_service(a, read_one, c, address, props, tags, id_out, d);
}

/* update_op for one property (value stolen), or with value NULL the
 * RTA_CLEAR operation. */
static int set_prop(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		    const struct rta_prop *p, json_t *value, struct diags *d)
{
	if (value && (p->flags & RTA_WRAP))
		value = json_pack("{s:o}", "Value", value);
	const char *op = value ? p->update_op : p->dflt, *id_member = rta_id_member(a, op);
	json_t *params = value ? json_pack("{s:s, s:o}", id_member, id, p->api, value)
			       : json_pack("{s:s}", id_member, id), *res = NULL;
	int err = rt_call(c, a->service, op, params, &res, d);
	json_decref(params);
	json_decref(res);
	return err;
}

/* The value an RTA_AFTER property p is set to after the create (new
 * reference), or NULL when it is not set or is AWS's default already. */
static json_t *after_value(const struct rta_prop *p, json_t *props)
{
	json_t *v = json_object_get(props, p->cfn);
	if (!(p->flags & RTA_AFTER) || !v || json_is_null(v))
		return NULL;
	json_t *value = to_api(p, v), *dflt = p->dflt && !(p->flags & RTA_CLEAR) ?
		json_loads(p->dflt, JSON_DECODE_ANY, NULL) : NULL;
	bool same = dflt && json_equal(value, dflt);
	json_decref(dflt);
	if (same) {
		json_decref(value);
		return NULL;
	}
	return value;
}

/* Whether set_after_create will call anything. */
static bool writes_after_create(const struct rtype_api *a, json_t *props)
{
	struct rta_props_iter it;
	const struct rta_prop *p;
	RTA_FOREACH_PROP(a, it, p) {
		json_t *value = after_value(p, props);
		bool writes = value != NULL;
		json_decref(value);
		if (writes)
			return true;
	}
	return false;
}

/* The RTA_AFTER properties whose value is not the default, set on the
 * instance just made. */
static int set_after_create(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
			    json_t *props, struct diags *d)
{
	struct rta_props_iter it;
	const struct rta_prop *p;
	RTA_FOREACH_PROP(a, it, p) {
		json_t *value = after_value(p, props);
		if (!value)
			continue;
		int err = set_prop(a, c, id, p, value, d);
		if (err)
			return err;
	}
	return 0;
}

static int update_one(const struct rtype_api *a, const struct rt_ctx *c,
		      const struct live_resource *cur, json_t *desired, const char *name,
		      struct diags *d)
{
	if (a->flag_prop && !strcmp(name, a->flag_prop)) {
		json_t *add = json_object(), *del = json_array();
		if (flag_set(a, desired))
			json_object_set_new(add, a->flag_tag, json_string("true"));
		else
			json_array_append_new(del, json_string(a->flag_tag));
		int err = rta_set_tags(a, c, cur, add, NULL, d);
		if (!err && json_array_size(del)) {
			json_t *params = json_pack("{s:s?, s:O}", a->arn_member, cur->arn,
						   a->untag_keys, del), *res = NULL;
			err = rt_call(c, a->service, "UntagResource", params, &res, d);
			json_decref(params);
			json_decref(res);
		}
		json_decref(add);
		json_decref(del);
		return err;
	}
	const struct rta_prop *p = rta_prop_find(a, name);
	if (!p || !p->update_op) {
		diags_add(d, DIAG_ERROR, "%s: berth cannot change %s in place yet", a->type_name,
			  name);
		return BERTH_EINVAL;
	}
	json_t *v = json_object_get(desired, name), *value;
	if (!unset(p, v)) {
		value = to_api(p, v);
	} else if (p->flags & RTA_CLEAR) {
		value = NULL;
	} else if (p->dflt) {
		value = json_loads(p->dflt, JSON_DECODE_ANY, NULL);
	} else {
		diags_add(d, DIAG_ERROR, "%s: berth cannot remove %s; set it instead", a->type_name,
			  name);
		return BERTH_EINVAL;
	}
	return set_prop(a, c, cur->id, p, value, d);
}

int rta_update(const struct rtype_api *a, const struct rt_ctx *c, const struct live_resource *cur,
	       json_t *desired, const char *const *changed, size_t nchanged, struct diags *d)
{
	int err = rta_check(a, desired, d);
	if (!err && a->create_puts)
		return rta_put_update(a, c, cur, desired, d);
	for (size_t i = 0; !err && i < nchanged; i++) {
		const struct rta_prop *p = rta_prop_find(a, changed[i]);
		if (!p || !p->update_op || !rta_is_whole(a, p->update_op))
			err = update_one(a, c, cur, desired, changed[i], d);
	}
	if (!err && a->update_whole)
		err = rta_update_whole(a, c, cur, desired, changed, nchanged, d);
	return err;
}

bool rta_updates(const struct rtype_api *a, const char *prop)
{
	if (a->create_puts || (a->flag_prop && !strcmp(prop, a->flag_prop)))
		return true;
	const struct rta_prop *p = rta_prop_find(a, prop);
	return p && p->update_op;
}

bool rta_updatable(const struct rtype_api *a)
{
	struct rta_props_iter it;
	const struct rta_prop *p;
	RTA_FOREACH_PROP(a, it, p)
		if (p->update_op)
			return true;
	return a->flag_prop != NULL;
}

static int tag_resource(const struct rtype_api *a, const struct rt_ctx *c,
			const struct live_resource *cur, json_t *add, struct diags *d)
{
	if (!json_object_size(add))
		return 0;
	json_t *params = json_pack("{s:s?, s:o}", a->arn_member, cur->arn, a->tags_member,
				   rt_tags_to_list(add, false)), *res = NULL;
	int err = rt_call(c, a->service, "TagResource", params, &res, d);
	json_decref(params);
	json_decref(res);
	return err;
}

int rta_set_tags(const struct rtype_api *a, const struct rt_ctx *c,
		 const struct live_resource *cur, json_t *add, json_t *remove_keys,
		 struct diags *d)
{
	if (a->style == RTA_EC2)
		return ec2_set_tags(c, cur, add, remove_keys, d);
	int err = a->untag_first ? 0 : tag_resource(a, c, cur, add, d);
	/* The flag's tag is the property's, not the spec's Tags': it goes
	 * only when the property does (update_one). */
	json_t *keys = json_array();
	size_t i;
	json_t *k;
	json_array_foreach(remove_keys, i, k)
		if (!a->flag_tag || strcmp(json_string_value(k), a->flag_tag))
			json_array_append(keys, k);
	if (!err && json_array_size(keys)) {
		json_t *params = json_pack("{s:s?, s:O}", a->arn_member, cur->arn, a->untag_keys,
					   keys), *res = NULL;
		err = rt_call(c, a->service, "UntagResource", params, &res, d);
		json_decref(params);
		json_decref(res);
	}
	json_decref(keys);
	if (!err && a->untag_first)
		err = tag_resource(a, c, cur, add, d);
	return err;
}

int rta_remove(const struct rtype_api *a, const struct rt_ctx *c, const struct live_resource *cur,
	       struct diags *d)
{
	json_t *params = a->delete_list ? json_pack("{s:[s]}", a->delete_id, cur->id)
					: json_pack("{s:s}", a->delete_id, cur->id);
	if (a->flag && flag_set(a, cur->props))
		json_object_set_new(params, a->flag, json_true());
	int err;
	if (a->style == RTA_EC2 && a->eni_filter) {
		static const char *const retry[] = { "DependencyViolation", NULL };
		struct diags aws = DIAGS_INIT;
		err = ec2_delete_call(c, a->delete_op, params, a->gone, retry, &aws, d);
		if (err == RT_EXPECTED) {
			char *what = xasprintf("%s %s", a->what ? a->what : a->kind, cur->id);
			err = ec2_dependency_error(c, what, a->eni_filter, cur->id, &aws, d);
			free(what);
		}
		diags_release(&aws);
	} else if (a->style == RTA_EC2 && a->busy) {
		struct diags aws = DIAGS_INIT;
		err = ec2_delete_call(c, a->delete_op, params, a->gone, a->busy, &aws, d);
		if (err == RT_EXPECTED) {
			char *summary = xasprintf("%s %s is still associated", a->what, cur->id);
			ec2_aws_error(d, &aws, "DependencyViolation", summary);
			free(summary);
			err = BERTH_EAWS;
		}
		diags_release(&aws);
	} else if (a->style == RTA_EC2) {
		err = ec2_delete_call(c, a->delete_op, params, a->gone, NULL, NULL, d);
	} else {
		json_t *res = NULL;
		err = rt_call_expect(c, a->service, a->delete_op, params, &res, a->gone, NULL, d);
		json_decref(res);
		if (err == RT_EXPECTED)
			err = 0;
	}
	json_decref(params);
	return err;
}

/* What berth does not set is src/schema/support.c's to say, and what it
 * needs beyond the schema schema/needs.c's: the lists validate checks;
 * plan (the type's `check`), create and update check the evaluated values
 * against them again. */
int rta_check(const struct rtype_api *a, json_t *desired, struct diags *d)
{
	const char *k, *hint;
	json_t *v;
	json_object_foreach(desired, k, v) {
		if (schema_unsupported(a->type_name, k, v, &hint)) {
			diags_add(d, DIAG_ERROR, "%s: berth does not set %s yet%s%s", a->type_name, k,
				  hint ? "; " : "", hint ? hint : "");
			return BERTH_EINVAL;
		}
	}
	return schema_needs_diags(a->type_name, desired, d);
}

/* rt_default_name in the form names of `a` allow: lower-case, and one
 * separator between letters or digits (ECR's pattern). */
static char *default_name(const struct rtype_api *a, const char *stack, const char *address)
{
	char *name = rt_default_name(stack, address, a->name_max);
	if (!a->name_lower)
		return name;
	size_t n = 0;
	for (const char *p = name; *p; p++) {
		bool sep = !isalnum((unsigned char)*p);
		if (sep && (n == 0 || !isalnum((unsigned char)name[n - 1])))
			continue;
		name[n++] = sep ? *p : (char)tolower((unsigned char)*p);
	}
	while (n && !isalnum((unsigned char)name[n - 1]))
		n--;
	name[n] = '\0';
	return name;
}

void rta_normalise(const struct rtype_api *a, const char *stack, const char *address,
		   json_t *desired)
{
	struct rta_props_iter it;
	const struct rta_prop *p;
	RTA_FOREACH_PROP(a, it, p)
		if (p->flags & RTA_CIDR)
			ec2_canonicalise_cidr(desired, p->cfn);
	if (a->normalise_more)
		a->normalise_more(desired);
	if (!a->name_prop || json_object_get(desired, a->name_prop))
		return;
	char *name = default_name(a, stack, address);
	json_object_set_new(desired, a->name_prop, json_string(name));
	free(name);
}

struct wait_ctx {
	const struct rtype_api *a;
	const struct rt_ctx *c;
	const char *id;
	bool gone;
};

static int probe(void *ctx, struct diags *d)
{
	struct wait_ctx *w = ctx;
	const struct rtype_api *a = w->a;
	json_t *items = NULL, *ids = json_pack("[s]", w->id);
	int err = describe(a, w->c, ids, &items, d);
	json_decref(ids);
	json_t *item = err == 0 ? json_array_get(items, 0) : NULL;
	int r = 1;
	if (err < 0) {
		r = err;
	} else if (!item) {
		r = w->gone ? 0 : 1;
	} else if (w->gone) {
		r = is_history(a, item) ? 0 : 1;
	} else {
		const char *state = item_str(item, a->status);
		if (state && !strcmp(state, a->ready)) {
			r = 0;
		} else if (in_list(a->failed, state)) {
			const char *why = item_str(item, a->failure_message);
			const char *code = item_str(item, a->failure_code);
			const char *sep = why ? ": " : "", *tail = why ? why : "";
			if (!a->failure_message) { /* "instance i-1 is stopped instead of running" */
				sep = " instead of ";
				tail = a->ready;
			}
			struct diag *dg = diags_add(d, DIAG_ERROR, "%s %s is %s%s%s", a->what, w->id,
						    state, sep, tail);
			if (code) {
				dg->aws_code = xstrdup(code);
				dg->aws_service = xstrdup(a->service);
			}
			r = BERTH_EAWS;
		}
	}
	json_decref(items);
	return r;
}

static int wait_for(const struct rtype_api *a, const struct rt_ctx *c, const char *id, bool gone,
		    struct diags *d)
{
	struct wait_ctx w = { a, c, id, gone };
	const char *went = a->history ? a->history[0] : "deleted";
	char *what = xasprintf("the %s to be %s", a->what, gone ? went : a->ready);
	int err = rt_poll(c, what, a->wait_ms, a->wait_interval_ms ? a->wait_interval_ms : 10000, probe, &w, d);
	free(what);
	return err;
}

int rta_wait_ready(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		   struct diags *d)
{
	return wait_for(a, c, id, false, d);
}

int rta_wait_gone(const struct rtype_api *a, const struct rt_ctx *c,
		  const struct live_resource *cur, struct diags *d)
{
	return wait_for(a, c, cur->id, true, d);
}

int rta_set_after(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		  json_t *props, struct diags *d)
{
	return set_after_create(a, c, id, props, d);
}

const char *rta_id_member(const struct rtype_api *a, const char *op)
{
	for (size_t i = 0; op && a->update_ids && a->update_ids[i]; i += 2)
		if (!strcmp(a->update_ids[i], op))
			return a->update_ids[i + 1];
	return a->item_id;
}

json_t *rta_to_api(const struct rta_prop *p, json_t *v)
{
	return to_api(p, v);
}
