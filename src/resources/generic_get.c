/* Descriptions (generic.h) of types whose API reads one instance a call
 * (Cloud Map's GetNamespace, AMP's DescribeWorkspace): the refresh through
 * the tagging API and a get per ARN (or one listing of the account's
 * instances), properties nested in the item (dotted paths), one update
 * call for every changed property, and Cloud Map's asynchronous operations.
 * The calls are those the hand-written files made, in the same order. */
#include "util/common.h"

#include <time.h>

#include "resources/generic.h"
#include "resources/typeutil.h"

json_t *rta_path_get(json_t *obj, const char *path)
{
	char key[128];
	while (obj && path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		obj = json_object_get(obj, key);
		path = dot ? dot + 1 : NULL;
	}
	return obj;
}

/* Sets obj's member at `path` to v (stolen), making the objects on the way. */
static void path_set(json_t *obj, const char *path, json_t *v)
{
	char key[128];
	for (const char *dot; (dot = strchr(path, '.')); path = dot + 1) {
		size_t n = (size_t)(dot - path) < sizeof(key) ? (size_t)(dot - path) : sizeof(key) - 1;
		memcpy(key, path, n);
		key[n] = '\0';
		json_t *next = json_object_get(obj, key);
		if (!json_is_object(next)) {
			next = json_object();
			json_object_set_new(obj, key, next);
		}
		obj = next;
	}
	json_object_set_new(obj, path, v);
}

/* props' value of p (CloudFormation form, borrowed), or NULL. */
static json_t *cfn_value(const struct rta_prop *p, json_t *props)
{
	json_t *v = p->flags & RTA_PATH ? rta_path_get(props, p->cfn) : json_object_get(props, p->cfn);
	return json_is_null(v) ? NULL : v;
}

/* The API value of p from props (a new reference), or NULL: left out. */
static json_t *api_value(const struct rtype_api *a, const struct rta_prop *p, json_t *props,
			 bool update)
{
	if (p->flags & RTA_HOOK)
		return a->api_value ? a->api_value(p->cfn, props, update) : NULL;
	json_t *v = cfn_value(p, props);
	if (!v)
		return NULL;
	if (p->flags & RTA_DOC) {
		char *doc = tu_doc_text(v);
		json_t *text = doc ? json_string(doc) : NULL;
		free(doc);
		return text;
	}
	if (p->flags & RTA_INT)
		return json_integer(tu_int(props, p->cfn, 0));
	if (p->flags & RTA_BOOL)
		return json_boolean(json_is_true(v) || (json_is_string(v) &&
							!strcmp(json_string_value(v), "true")));
	return p->flags & RTA_RECASE ? tu_recase(v, true, NULL) : json_deep_copy(v);
}

static void api_set(json_t *params, const struct rta_prop *p, json_t *v)
{
	if (p->flags & RTA_PATH)
		path_set(params, p->api, v);
	else
		json_object_set_new(params, p->api, v);
}

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; s && list && list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

static const char *status_of(const struct rtype_api *a, json_t *item)
{
	const char *s = a->status ? json_string_value(rta_path_get(item, a->status)) : NULL;
	return s ? s : "";
}

static bool is_history(const struct rtype_api *a, json_t *item)
{
	return a->status && in_list(a->history, status_of(a, item));
}

int rtg_owns_arn(const struct rtype_api *a, const char *arn)
{
	struct rtype_api b = *a;
	if (a->arn_service)
		b.service = a->arn_service;
	return rta_owns_arn(&b, arn);
}

/* What the get and the delete take for the physical id (borrowed). */
static const char *api_id(const struct rtype_api *a, const char *id)
{
	if (!a->get_arn_id)
		return id;
	char mark[64];
	snprintf(mark, sizeof(mark), ":%s%c", a->kind, a->arn_sep ? a->arn_sep : '/');
	const char *p = strstr(id, mark);
	return p ? p + strlen(mark) : id;
}

int rtg_get(const struct rtype_api *a, const struct rt_ctx *c, const char *id, json_t **item,
	    struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:s}", a->get_id, api_id(a, id));
	int err = rt_call_expect(c, a->service, a->get_op, params, &res, a->gone, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	*item = json_incref(json_object_get(res, a->get_item));
	json_decref(res);
	return *item ? 0 : BERTH_ENOTFOUND;
}

void rtg_fill(const struct rtype_api *a, const struct rt_ctx *c, struct live_resource *r,
	      json_t *item, json_t *tags)
{
	rta_fill(a, c, r, item, tags);
	if (a->get_arn_id) {
		free(r->id);
		r->id = xstrdup(r->arn ? r->arn : "");
	}
	RTA_EACH_PROP(a, p) {
		json_t *v = p->flags & RTA_PATH ? rta_path_get(item, p->api) : NULL;
		if ((p->flags & RTA_READ) && v && !json_is_null(v))
			path_set(r->props, p->cfn, json_deep_copy(v));
		json_t *doc = p->flags & RTA_DOC ? tu_policy_doc(json_object_get(item, p->api)) : NULL;
		if (doc)
			json_object_set_new(r->props, p->cfn, doc);
	}
	if (a->fill_more)
		a->fill_more(r, item);
}

void rtg_normalise(const struct rtype_api *a, const char *stack, const char *address,
		   json_t *desired)
{
	RTA_EACH_PROP(a, p) {
		json_t *given = json_object_get(desired, p->cfn);
		json_t *doc = p->flags & RTA_DOC && json_is_string(given) ? tu_policy_doc(given) : NULL;
		if (doc)
			json_object_set_new(desired, p->cfn, doc);
	}
	rta_normalise(a, stack, address, desired);
}

static int read_listed(const struct rtype_api *a, const struct rt_ctx *c, json_t *tagged,
		       struct live_set *out, struct diags *d)
{
	json_t *tags_by_arn = json_object(), *all = NULL;
	size_t i;
	json_t *m;
	json_array_foreach(tagged, i, m) {
		const char *arn = json_string_value(json_object_get(m, "ResourceARN"));
		if (arn && rtg_owns_arn(a, arn))
			json_object_set_new(tags_by_arn, arn, rt_tags_to_map(json_object_get(m, "Tags")));
	}
	/* Nothing tagged: no listing either, so a stack without any pays one
	 * call. */
	int err = json_object_size(tags_by_arn) ?
			  rt_call_all(c, a->service, a->list_op, NULL, a->list_key, &all, d) : 0;
	json_array_foreach(all, i, m) {
		const char *arn = json_string_value(json_object_get(m, a->item_arn));
		json_t *tags = arn ? json_object_get(tags_by_arn, arn) : NULL;
		/* History (AMP's DELETING) is on its way out: not live for the plan. */
		if (tags && !is_history(a, m))
			rtg_fill(a, c, live_set_add(out, a->type_name), m, json_incref(tags));
	}
	json_decref(all);
	json_decref(tags_by_arn);
	return err;
}

int rtg_read_all(const struct rtype_api *a, const struct rt_ctx *c, struct live_set *out,
		 struct diags *d)
{
	char filter[128];
	snprintf(filter, sizeof(filter), "%s:%s", a->service, a->kind);
	json_t *tagged = NULL;
	int err = rt_tagged_resources(c, a->tag_filter ? a->tag_filter : filter, &tagged, d);
	if (!err && a->list_op) {
		err = read_listed(a, c, tagged, out, d);
		json_decref(tagged);
		return err;
	}
	size_t i;
	json_t *m;
	json_array_foreach(err ? NULL : tagged, i, m) {
		const char *arn = json_string_value(json_object_get(m, "ResourceARN"));
		if (!arn || !rtg_owns_arn(a, arn))
			continue;
		json_t *item = NULL;
		err = rtg_get(a, c, a->get_arn_id ? arn : strrchr(arn, '/') + 1, &item, d);
		if (err == BERTH_ENOTFOUND) { /* deleted since the tagging API looked */
			err = 0;
			continue;
		}
		if (err)
			break;
		if (!is_history(a, item)) {
			struct live_resource *r = live_set_add(out, a->type_name);
			r->detailed = true;
			rtg_fill(a, c, r, item, rt_tags_to_map(json_object_get(m, "Tags")));
		}
		json_decref(item);
	}
	json_decref(tagged);
	return err;
}

int rtg_read_one(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		 struct live_resource *out, struct diags *d)
{
	json_t *item = NULL, *tags = NULL;
	int err = rtg_get(a, c, id, &item, d);
	if (err)
		return err;
	if (a->item_tags)
		tags = rt_tags_to_map(json_object_get(item, a->item_tags));
	else
		err = tu_list_tags(c, a->service, a->arn_member,
				   json_string_value(json_object_get(item, a->item_arn)),
				   a->tags_gone ? a->tags_gone : a->gone, a->tags_member, &tags, d);
	if (!err) {
		memset(out, 0, sizeof(*out));
		out->detailed = true;
		rtg_fill(a, c, out, item, tags);
	}
	json_decref(item);
	return err;
}

json_t *rtg_create_params(const struct rtype_api *a, json_t *props)
{
	json_t *params = json_object();
	RTA_EACH_PROP(a, p) {
		json_t *v = p->flags & RTA_CREATE ? api_value(a, p, props, false) : NULL;
		if (v)
			api_set(params, p, v);
	}
	return params;
}

int rtg_create(const struct rtype_api *a, const struct rt_ctx *c, const char *address,
	       json_t *props, json_t *tags, char **id_out, struct diags *d)
{
	int err = rta_check(a, props, d);
	char filter[128], *found = NULL;
	snprintf(filter, sizeof(filter), "%s:%s", a->service, a->kind);
	/* An earlier attempt (a crash, a lost answer) made it already. */
	if (!err)
		err = rt_find_tagged(c, a->tag_filter ? a->tag_filter : filter, address, &found, d);
	if (err)
		return err;
	if (found) {
		json_t *item = NULL;
		err = rtg_get(a, c, found, &item, d);
		bool usable = !err && !is_history(a, item);
		json_decref(item);
		if (usable || (err < 0 && err != BERTH_ENOTFOUND)) {
			if (usable)
				*id_out = found;
			else
				free(found);
			return usable ? 0 : err;
		}
		free(found);
	}
	json_t *res = NULL, *params = json_pack("{s:O}", a->tags_member, tags);
	json_t *own = rtg_create_params(a, props);
	json_object_update(params, own);
	json_decref(own);
	err = rt_call(c, a->service, a->create_op, params, &res, d);
	json_decref(params);
	if (err)
		return err;
	const char *member = a->get_arn_id ? a->item_arn : a->item_id;
	json_t *item = a->create_item ? json_object_get(res, a->create_item) : res;
	const char *id = json_string_value(json_object_get(item, member));
	if (id) {
		*id_out = xstrdup(id);
	} else {
		diags_add(d, DIAG_ERROR, "%s answered without the %s's %s", a->create_op, a->what,
			  member);
		err = BERTH_EAWS;
	}
	json_decref(res);
	return err;
}

char *rtg_request_id(const char *stack, const char *address)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char *base = rt_default_name(stack, address, 40);
	char *r = xasprintf("%s-%lld%09ld", base, (long long)ts.tv_sec, ts.tv_nsec);
	free(base);
	return r;
}

/* The property `cfn` when it changes in place, or NULL. */
static const struct rta_prop *prop_named(const struct rtype_api *a, const char *cfn)
{
	const struct rta_prop *p = rta_prop_find(a, cfn);
	return p && p->update_op ? p : NULL;
}

/* A changed property's value for the update (new reference), or NULL: the
 * request leaves it out. */
static json_t *update_value(const struct rtype_api *a, const struct rta_prop *p, json_t *desired)
{
	json_t *v = api_value(a, p, desired, true);
	if (!v && p->dflt && !(p->flags & RTA_HOOK))
		v = json_loads(p->dflt, JSON_DECODE_ANY, NULL);
	return v;
}

/* Every change in one update_op call, under update_in. */
static int update_together(const struct rtype_api *a, const struct rt_ctx *c,
			   const struct live_resource *cur, json_t *desired,
			   const char *const *changed, size_t nchanged, struct diags *d)
{
	json_t *body = json_object();
	for (size_t i = 0; i < nchanged; i++) {
		const struct rta_prop *p = prop_named(a, changed[i]);
		if (!p) {
			diags_add(d, DIAG_ERROR, "%s: berth cannot change %s in place", a->type_name,
				  changed[i]);
			json_decref(body);
			return BERTH_EINVAL;
		}
		json_t *v = update_value(a, p, desired);
		if (v)
			api_set(body, p, v);
	}
	json_t *params = json_pack("{s:s}", a->get_id, api_id(a, cur->id)), *res = NULL;
	if (a->update_token) {
		char *rid = rtg_request_id(c->stack, cur->id);
		json_object_set_new(params, a->update_token, json_string(rid));
		free(rid);
	}
	if (a->update_in) {
		json_object_set_new(params, a->update_in, body);
	} else {
		json_object_update(params, body);
		json_decref(body);
	}
	int err = rt_call(c, a->service, a->update_op, params, &res, d);
	json_decref(params);
	if (!err)
		err = rtg_op_answer(a, c, res, NULL, d);
	json_decref(res);
	return err;
}

bool rtg_updates(const struct rtype_api *a, const char *prop)
{
	return prop_named(a, prop) != NULL;
}

int rtg_update(const struct rtype_api *a, const struct rt_ctx *c, const struct live_resource *cur,
	       json_t *desired, const char *const *changed, size_t nchanged, struct diags *d)
{
	int err = rta_check(a, desired, d);
	if (err)
		return err;
	if (a->update_op)
		return update_together(a, c, cur, desired, changed, nchanged, d);
	for (size_t i = 0; i < nchanged; i++) {
		const struct rta_prop *p = prop_named(a, changed[i]);
		if (!p || !p->update_op) {
			diags_add(d, DIAG_ERROR, "%s: berth cannot change %s in place yet",
				  a->type_name, changed[i]);
			return BERTH_EINVAL;
		}
		/* Some APIs change an instance only while it is ready (AMP's
		 * alias: an earlier update may still be settling). */
		if (a->update_waits && (err = rtg_wait_ready(a, c, cur->id, d)))
			return err;
		json_t *params = json_pack("{s:s}", a->get_id, api_id(a, cur->id));
		json_t *v = update_value(a, p, desired);
		if (v)
			api_set(params, p, v);
		err = rt_call(c, a->service, p->update_op, params, NULL, d);
		json_decref(params);
		if (err)
			return err;
	}
	/* Updating until ready again: what depends on it may need it usable. */
	return a->update_waits && nchanged ? rtg_wait_ready(a, c, cur->id, d) : 0;
}

int rtg_remove(const struct rtype_api *a, const struct rt_ctx *c, const struct live_resource *cur,
	       struct diags *d)
{
	int err = rtg_remove_dependents(a, c, api_id(a, cur->id), d);
	if (err)
		return err == BERTH_ENOTFOUND ? 0 : err;
	json_t *res = NULL, *params = json_pack("{s:s}", a->delete_id, api_id(a, cur->id));
	err = rt_call_expect(c, a->service, a->delete_op, params, &res, a->gone, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		err = 0;
	else if (err && a->in_use && d->n && d->items[d->n - 1].aws_code &&
		 !strcmp(d->items[d->n - 1].aws_code, a->in_use))
		diag_set_detail(&d->items[d->n - 1], "%s", a->in_use_detail);
	else if (!err)
		err = rtg_op_answer(a, c, res, NULL, d);
	json_decref(res);
	return err;
}

struct ready_probe {
	const struct rtype_api *a;
	const struct rt_ctx *c;
	const char *id;
	bool seen; /* got once: not found after that is gone, before it is lag */
};

static int ready_probe(void *ctx, struct diags *d)
{
	struct ready_probe *p = ctx;
	const struct rtype_api *a = p->a;
	json_t *item = NULL;
	int err = rtg_get(a, p->c, p->id, &item, d);
	if (err == BERTH_ENOTFOUND && !p->seen)
		return 1; /* eventually consistent: a new one may not show yet */
	if (err == BERTH_ENOTFOUND) {
		diags_add(d, DIAG_ERROR, "%s %s disappeared while berth waited for it", a->what,
			  api_id(a, p->id));
		return BERTH_ENOTFOUND;
	}
	if (err)
		return err;
	p->seen = true;
	const char *st = status_of(a, item);
	int rc = 1;
	if (!strcmp(st, a->ready)) {
		rc = 0;
	} else if (in_list(a->failed, st)) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "%s %s is %s while berth waited for it to be %s",
					    a->what, api_id(a, p->id), st, a->ready);
		if (a->failed_detail)
			a->failed_detail(dg, st, item);
		rc = BERTH_EAWS;
	}
	json_decref(item);
	return rc;
}

int rtg_wait_ready(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		   struct diags *d)
{
	struct ready_probe p = { a, c, id, false };
	if (c->waiting && a->waiting)
		c->waiting(c->waiting_ctx, a->waiting, 0);
	char *what = xasprintf("the %s to be %s", a->what, a->ready);
	int err = rt_poll(c, what, a->wait_ms, a->wait_interval_ms ? a->wait_interval_ms : 10000,
			  ready_probe, &p, d);
	free(what);
	return err;
}
