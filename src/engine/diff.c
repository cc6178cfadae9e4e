/* The pure diff; see diff.h for the comparison rules. */
#include "util/common.h"
#include "engine/diff.h"

#include "schema/schema.h"
#include "util/value.h"

void diff_result_init(struct diff_result *r)
{
	r->action = DIFF_NOOP;
	strvec_init(&r->changed);
	strvec_init(&r->replace_paths);
	strvec_init(&r->unknown);
	strvec_init(&r->not_updated);
}

void diff_result_release(struct diff_result *r)
{
	strvec_clear(&r->changed);
	strvec_clear(&r->replace_paths);
	strvec_clear(&r->unknown);
	strvec_clear(&r->not_updated);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_key(struct strvec *keys, const char *k)
{
	if (strvec_find(keys, k) < 0)
		strvec_push(keys, k);
}

void diff_resource(const struct diff_input *in, struct diff_result *out)
{
	if (!in->live) {
		out->action = DIFF_CREATE;
		const char *key;
		json_t *val;
		json_object_foreach(in->desired, key, val)
			if (value_has_unknown(val))
				strvec_push(&out->unknown, key);
		qsort(out->unknown.v, out->unknown.n, sizeof(char *), cmp_str);
		return;
	}
	const struct schema_shape *shape = in->schema ? in->schema->shape : NULL;
	struct strvec keys = STRVEC_INIT;
	const char *k;
	json_t *v;
	json_object_foreach(in->desired, k, v)
		add_key(&keys, k);
	json_object_foreach(in->applied, k, v)
		add_key(&keys, k);
	json_object_foreach(in->live, k, v) {
		const struct schema_prop *p = shape ? schema_shape_prop(shape, k) : NULL;
		if (p && p->default_json)
			add_key(&keys, k);
	}
	/* Tags are always berth's to set: the spec's list is the whole list. */
	if (in->schema && in->schema->tags_property)
		add_key(&keys, in->schema->tags_property);
	qsort(keys.v, keys.n, sizeof(char *), cmp_str);

	bool replace = false;
	for (size_t i = 0; i < keys.n; i++) {
		const char *name = keys.v[i];
		const struct schema_prop *p = shape ? schema_shape_prop(shape, name) : NULL;
		if (p && (p->flags & (SP_READ_ONLY | SP_WRITE_ONLY)))
			continue;
		if (in->ignore_changes && strvec_find(in->ignore_changes, name) >= 0)
			continue;
		json_t *want = json_object_get(in->desired, name);
		json_t *have = json_object_get(in->live, name);
		json_t *dflt = p && p->default_json ? json_loads(p->default_json, JSON_DECODE_ANY, NULL)
						   : NULL;
		enum schema_eq eq = schema_compare(p ? p->shape : NULL, want ? want : dflt,
					      have ? have : dflt);
		json_decref(dflt);
		if (eq == SCHEMA_EQUAL)
			continue;
		strvec_push(&out->changed, name);
		if (eq == SCHEMA_UNKNOWN)
			strvec_push(&out->unknown, name);
		if (p && (p->flags & (SP_CREATE_ONLY | SP_COND_CREATE_ONLY))) {
			strvec_push(&out->replace_paths, name);
			replace = true;
		} else if (strcmp(name, "Tags") &&
			   !(in->schema && in->schema->tags_property &&
			     !strcmp(name, in->schema->tags_property)) &&
			   (!in->updatable || (in->updates && !in->updates(name)))) {
			/* The schema lets it change, berth's update does not
			 * (or the type has none): replacing is what apply can
			 * do, so plan says so. */
			strvec_push(&out->replace_paths, name);
			strvec_push(&out->not_updated, name);
			replace = true;
		}
	}
	if (in->want_retain != in->live_retain && strvec_find(&out->changed, "Tags") < 0)
		strvec_push(&out->changed, "Tags");
	strvec_clear(&keys);
	if (replace || (out->changed.n && !in->updatable &&
			!(out->changed.n == 1 && !strcmp(out->changed.v[0], "Tags"))))
		out->action = DIFF_REPLACE;
	else if (out->changed.n)
		out->action = DIFF_UPDATE;
	else
		out->action = DIFF_NOOP;
}
