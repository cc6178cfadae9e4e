/* The pure diff; see diff.h for the comparison rules. */
#include "util/common.h"
#include "engine/diff.h"

#include <math.h>

#include "schema/schema.h"
#include "spec/spec.h"

static bool is_empty(json_t *v)
{
	return !v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
	       (json_is_object(v) && json_object_size(v) == 0 && !spec_is_unknown(v));
}

/* A scalar as CloudFormation would send it: the text of a string, number or
 * boolean. false when v is not a scalar. */
/* A scalar as text, so "7" and 7 compare equal; NULL for anything else.
 * Allocated: values are compared whole, however long (a fixed buffer here
 * once made changes past its end invisible to plan). */
static char *scalar_text(json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v)) {
		double x = json_real_value(v);
		if (x == floor(x) && fabs(x) < 1e15)
			return xasprintf("%lld", (long long)x);
		return xasprintf("%.17g", x);
	}
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	return NULL;
}

/* Compares two scalars as text (booleans case-insensitively): DIFF_EQUAL or
 * DIFF_CHANGED, or -1 when either is not a scalar. */
static int scalars(json_t *a, json_t *b, bool boolean)
{
	char *ta = scalar_text(a), *tb = scalar_text(b);
	int r = -1;
	if (ta && tb)
		r = !strcmp(ta, tb) || (boolean && !strcasecmp(ta, tb)) ? DIFF_EQUAL : DIFF_CHANGED;
	free(ta);
	free(tb);
	return r;
}

static bool number_of(json_t *v, double *x)
{
	if (json_is_number(v)) {
		*x = json_number_value(v);
		return true;
	}
	if (json_is_string(v)) {
		char *end;
		const char *s = json_string_value(v);
		*x = strtod(s, &end);
		return *s && !*end;
	}
	return false;
}

static enum diff_eq both(enum diff_eq a, enum diff_eq b)
{
	if (a == DIFF_CHANGED || b == DIFF_CHANGED)
		return DIFF_CHANGED;
	if (a == DIFF_UNKNOWN || b == DIFF_UNKNOWN)
		return DIFF_UNKNOWN;
	return DIFF_EQUAL;
}

static const struct schema_shape *member_shape(const struct schema_shape *sh, const char *key)
{
	if (!sh)
		return NULL;
	if (sh->kind == SK_OBJECT) {
		const struct schema_prop *p = schema_shape_prop(sh, key);
		return p ? p->shape : NULL;
	}
	if (sh->kind == SK_MAP)
		return sh->items;
	return NULL;
}

static enum diff_eq objects(const struct schema_shape *sh, json_t *a, json_t *b)
{
	enum diff_eq r = DIFF_EQUAL;
	const char *k;
	json_t *v;
	json_object_foreach(a, k, v)
		r = both(r, diff_values(member_shape(sh, k), v, json_object_get(b, k)));
	json_object_foreach(b, k, v)
		if (!json_object_get(a, k))
			r = both(r, diff_values(member_shape(sh, k), NULL, v));
	return r;
}

static enum diff_eq arrays(const struct schema_shape *items, bool unordered, json_t *a, json_t *b)
{
	size_t na = json_array_size(a), nb = json_array_size(b);
	if (!unordered) {
		if (na != nb)
			return spec_has_unknown(a) ? DIFF_UNKNOWN : DIFF_CHANGED;
		enum diff_eq r = DIFF_EQUAL;
		for (size_t i = 0; i < na; i++)
			r = both(r, diff_values(items, json_array_get(a, i), json_array_get(b, i)));
		return r;
	}
	/* A multiset: each desired element takes one equal live element. */
	if (spec_has_unknown(a))
		return DIFF_UNKNOWN;
	if (na != nb)
		return DIFF_CHANGED;
	bool *used = xcalloc(nb + 1, 1);
	enum diff_eq r = DIFF_EQUAL;
	for (size_t i = 0; i < na && r == DIFF_EQUAL; i++) {
		bool found = false;
		for (size_t j = 0; j < nb && !found; j++)
			if (!used[j] && diff_values(items, json_array_get(a, i), json_array_get(b, j)) ==
						DIFF_EQUAL)
				used[j] = found = true;
		if (!found)
			r = DIFF_CHANGED;
	}
	free(used);
	return r;
}

static json_t *parse_doc(json_t *v)
{
	if (json_is_string(v)) {
		json_t *p = json_loads(json_string_value(v), JSON_DECODE_ANY, NULL);
		if (p)
			return p;
	}
	return json_incref(v);
}

enum diff_eq diff_values(const struct schema_shape *sh, json_t *a, json_t *b)
{
	if (a && spec_is_unknown(a))
		return DIFF_UNKNOWN;
	if (is_empty(a) && is_empty(b))
		return DIFF_EQUAL;
	if (is_empty(a) || is_empty(b))
		return a && spec_has_unknown(a) ? DIFF_UNKNOWN : DIFF_CHANGED;
	enum schema_kind kind = sh ? sh->kind : SK_ANY;
	double xa, xb;
	int sr;
	switch (kind) {
	case SK_JSON: {
		if (spec_has_unknown(a))
			return DIFF_UNKNOWN;
		json_t *pa = parse_doc(a), *pb = parse_doc(b);
		enum diff_eq r = diff_values(NULL, pa, pb);
		json_decref(pa);
		json_decref(pb);
		return r;
	}
	case SK_STRING:
	case SK_BOOLEAN:
		if ((sr = scalars(a, b, kind == SK_BOOLEAN)) >= 0)
			return (enum diff_eq)sr;
		break;
	case SK_INTEGER:
	case SK_NUMBER:
		if (number_of(a, &xa) && number_of(b, &xb))
			return xa == xb ? DIFF_EQUAL : DIFF_CHANGED;
		break;
	case SK_ARRAY:
		if (json_is_array(a) && json_is_array(b))
			return arrays(sh->items, sh->unordered, a, b);
		break;
	case SK_OBJECT:
	case SK_MAP:
		if (json_is_object(a) && json_is_object(b))
			return objects(sh, a, b);
		break;
	case SK_ANY:
		break;
	}
	/* No (fitting) shape: structure by structure, scalars as text. */
	if (json_is_object(a) && json_is_object(b))
		return objects(NULL, a, b);
	if (json_is_array(a) && json_is_array(b))
		return arrays(NULL, false, a, b);
	if (number_of(a, &xa) && number_of(b, &xb) && (json_is_number(a) || json_is_number(b)))
		return xa == xb ? DIFF_EQUAL : DIFF_CHANGED;
	if ((sr = scalars(a, b, false)) >= 0)
		return (enum diff_eq)sr;
	return json_equal(a, b) ? DIFF_EQUAL : DIFF_CHANGED;
}

void diff_result_init(struct diff_result *r)
{
	r->action = DIFF_NOOP;
	strvec_init(&r->changed);
	strvec_init(&r->replace_paths);
	strvec_init(&r->unknown);
}

void diff_result_release(struct diff_result *r)
{
	strvec_clear(&r->changed);
	strvec_clear(&r->replace_paths);
	strvec_clear(&r->unknown);
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
			if (spec_has_unknown(val))
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
		enum diff_eq eq = diff_values(p ? p->shape : NULL, want ? want : dflt,
					      have ? have : dflt);
		json_decref(dflt);
		if (eq == DIFF_EQUAL)
			continue;
		strvec_push(&out->changed, name);
		if (eq == DIFF_UNKNOWN)
			strvec_push(&out->unknown, name);
		if (p && (p->flags & (SP_CREATE_ONLY | SP_COND_CREATE_ONLY))) {
			strvec_push(&out->replace_paths, name);
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
