/* Attribute maps (generic_attrs.h): the same calls, with the same members
 * in the same order, as SNS's hand-written type files made. */
#include "util/common.h"

#include "resources/generic_attrs.h"

static bool listed(const char *const *list, const char *s)
{
	for (size_t i = 0; list && list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

json_t *rta_attrs_request(const struct rtype_api *a, json_t *props)
{
	json_t *map = json_object();
	for (const char *const *n = a->attrs->names; *n; n++) {
		char *s = rt_attr_string(json_object_get(props, *n));
		if (s)
			json_object_set_new(map, *n, json_string(s));
		free(s);
	}
	return map;
}

void rta_attrs_fill(const struct rtype_api *a, json_t *props, json_t *map)
{
	for (const char *const *n = a->attrs->names; *n; n++) {
		const char *s = json_string_value(json_object_get(map, *n));
		json_object_del(props, *n);
		if (!s || !*s)
			continue; /* SNS reports an unset DisplayName as "" */
		if (listed(a->attrs->booleans, *n))
			json_object_set_new(props, *n, json_boolean(!strcasecmp(s, "true")));
		else
			json_object_set_new(props, *n, json_string(s));
	}
}

int rta_attrs_read(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		   json_t **map, struct diags *d)
{
	const struct rta_attrs *m = a->attrs;
	json_t *res = NULL, *params = json_pack("{s:s}", m->id_member, id);
	int err = rt_call_expect(c, a->service, m->get_op, params, &res, a->gone, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (!err)
		*map = json_incref(json_object_get(res, m->map_member));
	json_decref(res);
	return err;
}

int rta_attrs_detail(const struct rtype_api *a, const struct rt_ctx *c, struct live_resource *r,
		     struct diags *d)
{
	json_t *map = NULL;
	int err = rta_attrs_read(a, c, r->id, &map, d);
	if (!err) {
		if (!r->props)
			r->props = json_object();
		if (a->attrs->fill_more)
			a->attrs->fill_more(r, map);
		rta_attrs_fill(a, r->props, map);
		r->detailed = true;
	}
	json_decref(map);
	return err;
}

bool rta_attrs_updates(const struct rtype_api *a, const char *prop)
{
	return listed(a->attrs->names, prop);
}

int rta_attrs_update(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		     json_t *desired, const char *const *changed, size_t n, struct diags *d)
{
	const struct rta_attrs *m = a->attrs;
	for (size_t i = 0; i < n; i++) {
		if (!listed(m->names, changed[i])) {
			diags_add(d, DIAG_ERROR, "%s: berth cannot change %s in place", a->type_name,
				  changed[i]);
			return BERTH_EINVAL;
		}
		char *s = rt_attr_string(json_object_get(desired, changed[i]));
		const char *unset = m->bool_unset && listed(m->booleans, changed[i]) ? m->bool_unset
										     : "";
		json_t *params = json_pack("{s:s, s:s, s:s}", m->id_member, id, "AttributeName",
					   changed[i], "AttributeValue", s ? s : unset);
		free(s);
		int err = rt_call(c, a->service, m->set_op, params, NULL, d);
		json_decref(params);
		if (err)
			return err;
	}
	return 0;
}
