/* Put-style types (generic_put.h): the same calls with the same members in
 * the same order as CloudWatch alarms' hand-written file made. */
#include "util/common.h"

#include "resources/generic_put.h"

/* A number given as 50 or "50" (CloudFormation accepts both), or NULL. */
static json_t *number(json_t *v, bool integer)
{
	double x;
	if (json_is_number(v)) {
		x = json_number_value(v);
	} else if (json_is_string(v)) {
		char *end;
		x = strtod(json_string_value(v), &end);
		if (end == json_string_value(v) || *end)
			return NULL;
	} else {
		return NULL;
	}
	return integer ? json_integer((json_int_t)x) : json_real(x);
}

static json_t *put_value(const struct rtype_api *a, const struct rta_prop *p, json_t *props,
			 struct diags *d)
{
	json_t *v = json_object_get(props, p->cfn);
	bool absent = !v || json_is_null(v);
	if (p->flags & RTA_BOOL)
		return absent && !(p->flags & RTA_ALWAYS) ? NULL :
			json_boolean(rt_bool(props, p->cfn, p->dflt && !strcmp(p->dflt, "true")));
	if (absent || ((p->flags & RTA_ALWAYS) && !json_is_array(v)))
		return p->flags & RTA_ALWAYS ? json_loads(p->dflt, JSON_DECODE_ANY, NULL) : NULL;
	if (p->flags & (RTA_INT | RTA_NUMBER)) {
		json_t *n = number(v, p->flags & RTA_INT);
		if (!n)
			diags_add(d, DIAG_ERROR, "%s: %s is not a number", a->type_name, p->cfn);
		return n;
	}
	if (json_is_array(v) || json_is_object(v))
		return json_incref(v);
	char *s = rt_attr_string(v);
	json_t *text = json_string(s ? s : "");
	free(s);
	return text;
}

json_t *rta_put_params(const struct rtype_api *a, const char *name, json_t *props,
		       struct diags *d)
{
	json_t *params = json_object();
	RTA_EACH_PROP(a, p) {
		if (!(p->flags & RTA_CREATE))
			continue;
		if (p->flags & RTA_ID) {
			json_object_set_new(params, p->api, json_string(name));
			continue;
		}
		size_t before = d->n;
		json_t *v = put_value(a, p, props, d);
		if (!v && d->n > before) {
			json_decref(params);
			return NULL;
		}
		if (v)
			json_object_set_new(params, p->api, v);
	}
	return params;
}

static int put(const struct rtype_api *a, const struct rt_ctx *c, const char *name,
	       json_t *props, json_t *tags, struct diags *d)
{
	json_t *params = rta_put_params(a, name, props, d);
	if (!params)
		return BERTH_EINVAL;
	if (tags)
		json_object_set_new(params, a->tags_member, rt_tags_to_list(tags, false));
	int err = rt_call(c, a->service, a->create_op, params, NULL, d);
	json_decref(params);
	return err;
}

int rta_put_create(const struct rtype_api *a,
		   int (*read_one)(const struct rt_ctx *, const char *, struct live_resource *,
				   struct diags *),
		   const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		   char **id_out, struct diags *d)
{
	const char *name = json_string_value(json_object_get(props, a->name_prop));
	if (!name) {
		diags_add(d, DIAG_ERROR, "%s: %s is not known", a->type_name, a->name_prop);
		return BERTH_EINVAL;
	}
	struct live_resource cur;
	int err = read_one(c, name, &cur, d);
	if (!err) {
		const char *st = json_string_value(json_object_get(cur.tags, TAG_STACK));
		bool ours = st && cur.address && !strcmp(st, c->stack) && !strcmp(cur.address, address);
		live_resource_release(&cur);
		if (!ours) {
			struct diag *dg = diags_add(d, DIAG_ERROR,
						    "%s %s already exists and is not this resource's",
						    a->what, name);
			diag_set_detail(dg, "it is not tagged %s=%s, %s=%s; take it into the stack with "
				       "`berth import %s %s` or `adopt: true`, choose another %s, "
				       "or delete the existing %s", TAG_STACK, c->stack, TAG_ID, address,
				       address, name, a->name_prop, a->what);
			return BERTH_ECONFLICT;
		}
	} else if (err != BERTH_ENOTFOUND) {
		return err;
	}
	err = put(a, c, name, props, tags, d);
	if (!err)
		*id_out = xstrdup(name);
	return err;
}

int rta_put_update(const struct rtype_api *a, const struct rt_ctx *c,
		   const struct live_resource *cur, json_t *desired, struct diags *d)
{
	return put(a, c, cur->id, desired, NULL, d);
}
