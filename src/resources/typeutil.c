/* Helpers shared by the resource type files (see typeutil.h). */
#include "util/common.h"
#include "resources/typeutil.h"

#include <ctype.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/duration.h"

json_t *tu_policy_doc(json_t *v)
{
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v))
		return json_deep_copy(v);
	const char *s = json_string_value(v);
	json_t *doc = json_loads(s, JSON_DECODE_ANY, NULL);
	if (doc)
		return doc;
	/* IAM's answers are URL-encoded ("%7B%22Version%22..."). */
	struct buf b = BUF_INIT;
	buf_add_unescaped(&b, s, '%', true);
	doc = json_loads(b.ptr, JSON_DECODE_ANY, NULL);
	buf_release(&b);
	return doc;
}

char *tu_doc_text(json_t *v)
{
	if (!v || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static bool is_opaque(const char *key, bool to_api, const char *const *opaque)
{
	for (size_t i = 0; opaque && opaque[i]; i++) {
		/* opaque names are in API spelling; compare ignoring the case of
		 * the first letter so both directions match. */
		if (tolower((unsigned char)key[0]) == opaque[i][0] && !strcmp(key + 1, opaque[i] + 1))
			return true;
	}
	(void)to_api;
	return false;
}

json_t *tu_recase(json_t *v, bool to_api, const char *const *opaque)
{
	if (json_is_array(v)) {
		json_t *a = json_array(), *x;
		size_t i;
		json_array_foreach(v, i, x)
			json_array_append_new(a, tu_recase(x, to_api, opaque));
		return a;
	}
	if (!json_is_object(v))
		return v ? json_deep_copy(v) : json_null();
	json_t *o = json_object(), *x;
	const char *k;
	json_object_foreach(v, k, x) {
		char *nk = xstrdup(k);
		nk[0] = (char)(to_api ? tolower((unsigned char)nk[0]) : toupper((unsigned char)nk[0]));
		if (is_opaque(k, to_api, opaque))
			json_object_set_new(o, nk, json_deep_copy(x));
		else
			json_object_set_new(o, nk, tu_recase(x, to_api, opaque));
		free(nk);
	}
	return o;
}

static bool named(json_t *item, const char *member, json_t *wanted, const char *prefix)
{
	const char *s = json_string_value(json_object_get(item, member));
	if (!s)
		return false;
	if (!wanted)
		return prefix && !strncmp(s, prefix, strlen(prefix));
	size_t i;
	json_t *w;
	json_array_foreach(wanted, i, w)
		if (json_is_string(w) && !strcmp(s, json_string_value(w)))
			return true;
	return false;
}

size_t tu_keep_named(json_t *items, const char *member, json_t *wanted, const char *prefix,
		     const char *op)
{
	size_t dropped = 0;
	for (size_t i = json_array_size(items); i-- > 0;)
		if (!named(json_array_get(items, i), member, wanted, prefix)) {
			json_array_remove(items, i);
			dropped++;
		}
	if (dropped)
		log_verbose("%s answered %zu item%s its %s does not name; ignored", op, dropped,
			    dropped == 1 ? "" : "s", member);
	return dropped;
}

size_t tu_keep_named_or_arn(json_t *items, const char *name_member, const char *arn_member,
			    json_t *wanted, const char *op)
{
	size_t dropped = 0;
	for (size_t i = json_array_size(items); i-- > 0;) {
		json_t *item = json_array_get(items, i);
		if (!named(item, name_member, wanted, NULL) && !named(item, arn_member, wanted, NULL)) {
			json_array_remove(items, i);
			dropped++;
		}
	}
	if (dropped)
		log_verbose("%s answered %zu item%s neither its %s nor its %s names; ignored", op,
			    dropped, dropped == 1 ? "" : "s", name_member, arn_member);
	return dropped;
}

int tu_read_listed_named(const struct rt_ctx *c, const struct rtype *type, const char *service,
			 const char *op, const char *result_key, const char *name_member,
			 const char *id_member, const char *const *names, size_t n,
			 struct live_set *out, struct diags *d)
{
	json_t *items = NULL, *params = json_pack("{s:i}", "PageSize", 400);
	int err = rt_call_all(c, service, op, params, result_key, &items, d);
	json_decref(params);
	size_t i;
	json_t *m;
	json_array_foreach(items, i, m) {
		const char *name = json_string_value(json_object_get(m, name_member));
		const char *id = json_string_value(json_object_get(m, id_member));
		bool asked = false;
		for (size_t k = 0; name && id && k < n && !asked; k++)
			asked = !strcmp(name, names[k]);
		if (!asked || err)
			continue;
		struct live_resource cur;
		int r = type->read_one(c, id, &cur, d);
		if (!r)
			*live_set_add(out, type->type_name) = cur;
		else if (r != BERTH_ENOTFOUND)
			err = r; /* gone since the listing: free after all */
	}
	json_decref(items);
	return err;
}

int tu_check_ours(const struct rt_ctx *c, json_t *tags, const char *address, const char *what,
		  const char *name, struct diags *d)
{
	const char *st = json_string_value(json_object_get(tags, TAG_STACK));
	const char *id = json_string_value(json_object_get(tags, TAG_ID));
	char *addr = id ? rt_tag_decode(id) : NULL;
	bool ours = st && addr && !strcmp(st, c->stack) && !strcmp(addr, address);
	free(addr);
	if (ours)
		return 0;
	struct diag *dg = diags_add(d, DIAG_ERROR, "%s %s already exists and is not this resource's",
				    what, name);
	diag_set_detail(dg, "it is not tagged %s=%s, %s=%s; take it into the stack with `berth "
			"import %s ID`, choose another name, or delete the existing one",
			TAG_STACK, c->stack, TAG_ID, address, address);
	return BERTH_ECONFLICT;
}

long long tu_int(json_t *props, const char *name, long long dflt)
{
	json_t *v = json_object_get(props, name);
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	if (json_is_string(v)) {
		char *end;
		long long x = strtoll(json_string_value(v), &end, 10);
		if (*json_string_value(v) && !*end)
			return x;
	}
	return dflt;
}

void tu_copy(json_t *dst, const char *to, json_t *src, const char *from)
{
	json_t *v = json_object_get(src, from);
	if (v && !json_is_null(v))
		json_object_set_new(dst, to, json_deep_copy(v));
}

json_t *tu_tags_map_lc(json_t *list)
{
	json_t *m = json_object(), *t;
	size_t i;
	json_array_foreach(list, i, t) {
		const char *k = json_string_value(json_object_get(t, "key"));
		const char *v = json_string_value(json_object_get(t, "value"));
		if (k)
			json_object_set_new(m, k, json_string(v ? v : ""));
	}
	return m;
}

json_t *tu_tags_list_lc(json_t *map)
{
	json_t *l = rt_tags_to_list(map, false);
	json_t *r = tu_recase(l, true, NULL);
	json_decref(l);
	return r;
}

void tu_default_name(json_t *desired, const char *prop, const char *stack, const char *address,
		     size_t max)
{
	if (json_object_get(desired, prop))
		return;
	char *name = rt_default_name(stack, address, max);
	json_object_set_new(desired, prop, json_string(name));
	free(name);
}

void tu_live_init(struct live_resource *out, const struct rtype *type, bool detailed)
{
	memset(out, 0, sizeof(*out));
	out->type = type->type_name;
	out->detailed = detailed;
}

int tu_ecs_set_tags(const struct rt_ctx *c, const struct live_resource *cur, json_t *add,
		    json_t *remove_keys, struct diags *d)
{
	int err = 0;
	if (json_object_size(add)) {
		json_t *params = json_pack("{s:s, s:o}", "resourceArn", cur->arn, "tags",
					   tu_tags_list_lc(add));
		err = rt_call(c, "ecs", "TagResource", params, NULL, d);
		json_decref(params);
	}
	if (!err && json_array_size(remove_keys)) {
		json_t *params = json_pack("{s:s, s:O}", "resourceArn", cur->arn, "tagKeys", remove_keys);
		err = rt_call(c, "ecs", "UntagResource", params, NULL, d);
		json_decref(params);
	}
	return err;
}

int tu_answer_id(json_t *res, const char *outer, const char *member, const char *op, char **out,
		 struct diags *d)
{
	const char *v = json_string_value(json_object_get(outer ? json_object_get(res, outer) : res,
							  member));
	if (!v) {
		diags_add(d, DIAG_ERROR, "%s answered without a %s", op, member);
		return BERTH_EAWS;
	}
	*out = xstrdup(v);
	return 0;
}

/* ---- refresh through the tagging API ---- */

int tu_describe_list(const struct rt_ctx *c, const char *service, const char *op,
		     json_t *params, const char *const *gone, const char *member, json_t **out,
		     struct diags *d)
{
	/* Every page: a describe given 20 ARNs may still answer in pages (the
	 * emulator's small pages do), and a target group missing from the
	 * answer would look deleted and be created again. */
	int err = rt_call_all_expect(c, service, op, params, member, gone, out, d);
	if (err == RT_EXPECTED) {
		*out = json_array();
		return 0;
	}
	return err;
}

int tu_list_tags(const struct rt_ctx *c, const char *service, const char *arn_member,
		 const char *arn, const char *const *gone, const char *tags_member, json_t **map,
		 struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:s}", arn_member, arn ? arn : "");
	int err = rt_call_expect(c, service, "ListTagsForResource", params, &res, gone, NULL, d);
	json_decref(params);
	if (err)
		return err == RT_EXPECTED ? BERTH_ENOTFOUND : err;
	*map = rt_tags_to_map(json_object_get(res, tags_member));
	json_decref(res);
	return 0;
}

int tu_tagged_of_type(const struct rt_ctx *c, const struct rtype *type, json_t **out,
		      struct diags *d)
{
	json_t *tagged = NULL;
	int err = rt_tagged_resources(c, type->tag_filter, &tagged, d);
	if (err)
		return err;
	*out = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(tagged, i, m) {
		const char *arn = json_string_value(json_object_get(m, "ResourceARN"));
		if (arn && (!type->owns_arn || type->owns_arn(arn)))
			json_array_append(*out, m);
	}
	json_decref(tagged);
	return 0;
}

int tu_read_tagged(const struct rt_ctx *c, const struct tu_tagged_read *tr, struct live_set *out,
		   struct diags *d)
{
	json_t *tagged = NULL, *keys = json_array(), *tags_by_key = json_object();
	int err = tu_tagged_of_type(c, tr->type, &tagged, d);
	if (err)
		goto cleanup;
	size_t i;
	json_t *m;
	json_array_foreach(tagged, i, m) {
		const char *arn = json_string_value(json_object_get(m, "ResourceARN"));
		char *key = tr->key_of_arn ? tr->key_of_arn(arn) : xstrdup(arn);
		if (!key)
			continue;
		json_array_append_new(keys, json_string(key));
		json_object_set_new(tags_by_key, key, rt_tags_to_map(json_object_get(m, "Tags")));
		free(key);
	}
	for (size_t at = 0; at < json_array_size(keys); at += tr->batch) {
		json_t *batch = json_array(), *items = NULL;
		for (size_t k = at; k < at + tr->batch && k < json_array_size(keys); k++)
			json_array_append(batch, json_array_get(keys, k));
		err = tr->describe(c, batch, &items, d);
		json_decref(batch);
		if (err)
			goto cleanup;
		json_t *item;
		json_array_foreach(items, i, item) {
			const char *key = json_string_value(json_object_get(item, tr->key_member));
			json_t *tags = key ? json_object_get(tags_by_key, key) : NULL;
			if (!tags)
				continue; /* not listed: not this stack's (a prefix match) */
			struct live_resource *r = live_set_add(out, tr->type->type_name);
			tr->fill(r, item);
			rt_apply_tags(r, json_incref(tags));
		}
		json_decref(items);
	}
cleanup:
	json_decref(tagged);
	json_decref(keys);
	json_decref(tags_by_key);
	return err;
}

int tu_read_tagged_each(const struct rt_ctx *c, const struct rtype *type, tu_read_arn_fn read,
			struct live_set *out, struct diags *d)
{
	json_t *tagged = NULL;
	int err = tu_tagged_of_type(c, type, &tagged, d);
	if (err)
		return err;
	size_t i;
	json_t *m;
	json_array_foreach(tagged, i, m) {
		const char *arn = json_string_value(json_object_get(m, "ResourceARN"));
		struct live_resource r;
		err = read(c, arn, json_object_get(m, "Tags"), &r, d);
		if (err == BERTH_ENOTFOUND) {
			err = 0;
			continue;
		}
		if (err)
			break;
		*live_set_add(out, r.type) = r;
	}
	json_decref(tagged);
	return err;
}

/* ---- Cloud Map operations ---- */

#define OPERATION_TIMEOUT_MS (10L * 60 * 1000)

struct op_ctx {
	const struct rt_ctx *c;
	const char *op_id;
	char *target; /* the operation's NAMESPACE or SERVICE target */
	const char *kind;
};

static int op_probe(void *ctx, struct diags *d)
{
	struct op_ctx *oc = ctx;
	json_t *res = NULL, *params = json_pack("{s:s}", "OperationId", oc->op_id);
	/* Cloud Map is eventually consistent: the operation CreateNamespace
	 * just answered with may not be found for a moment. */
	static const char *const lag[] = { "OperationNotFound", NULL };
	int err = rt_call_expect(oc->c, "servicediscovery", "GetOperation", params, &res, lag, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return 1;
	if (err)
		return err;
	json_t *op = json_object_get(res, "Operation");
	const char *status = json_string_value(json_object_get(op, "Status"));
	int r = 1;
	if (status && !strcmp(status, "SUCCESS")) {
		const char *t = json_string_value(json_object_get(json_object_get(op, "Targets"),
								  oc->kind));
		free(oc->target);
		oc->target = t ? xstrdup(t) : NULL;
		r = 0;
	} else if (status && !strcmp(status, "FAIL")) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "Cloud Map operation %s failed", oc->op_id);
		const char *msg = json_string_value(json_object_get(op, "ErrorMessage"));
		const char *code = json_string_value(json_object_get(op, "ErrorCode"));
		diag_set_detail(dg, "%s%s%s", code ? code : "", code && msg ? ": " : "", msg ? msg : "");
		r = BERTH_EAWS;
	}
	json_decref(res);
	return r;
}

/* Polls an asynchronous Cloud Map operation until SUCCESS; *target (may
 * be NULL) gets the id of its `kind` target ("NAMESPACE", "SERVICE"). */
int tu_sd_wait_operation(const struct rt_ctx *c, const char *op_id, const char *kind,
		      char **target, struct diags *d)
{
	struct op_ctx oc = { c, op_id, NULL, kind };
	int err = rt_poll(c, "the Cloud Map operation to succeed", OPERATION_TIMEOUT_MS, 5000,
			  op_probe, &oc, d);
	if (!err && target)
		*target = oc.target;
	else
		free(oc.target);
	return err;
}


long long tu_time_ms(json_t *v)
{
	time_t t;
	if (!json_is_string(v) || time_parse_rfc3339(json_string_value(v), &t) || t <= 0)
		return 0;
	return (long long)t * 1000;
}
