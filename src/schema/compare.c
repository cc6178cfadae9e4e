/* How a desired value compares with a live one under a property's schema
 * shape; see compare.h. */
#include "util/common.h"
#include "schema/compare.h"

#include <math.h>

#include "schema/schema.h"
#include "util/value.h"

static bool is_empty(json_t *v)
{
	return !v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
	       (json_is_object(v) && json_object_size(v) == 0 && !value_is_unknown(v));
}

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

/* Compares two scalars as text (booleans case-insensitively): SCHEMA_EQUAL or
 * SCHEMA_CHANGED, or -1 when either is not a scalar. */
static int scalars(json_t *a, json_t *b, bool boolean)
{
	char *ta = scalar_text(a), *tb = scalar_text(b);
	int r = -1;
	if (ta && tb)
		r = !strcmp(ta, tb) || (boolean && !strcasecmp(ta, tb)) ? SCHEMA_EQUAL : SCHEMA_CHANGED;
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

static enum schema_eq both(enum schema_eq a, enum schema_eq b)
{
	if (a == SCHEMA_CHANGED || b == SCHEMA_CHANGED)
		return SCHEMA_CHANGED;
	if (a == SCHEMA_UNKNOWN || b == SCHEMA_UNKNOWN)
		return SCHEMA_UNKNOWN;
	return SCHEMA_EQUAL;
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

/* A member only the live side has is a change, unless AWS chose it
 * because the spec left it out (SP_COMPUTED: ECR's KMS key). */
static bool computed(const struct schema_shape *sh, const char *key)
{
	const struct schema_prop *p =
		sh && sh->kind == SK_OBJECT ? schema_shape_prop(sh, key) : NULL;
	return p && (p->flags & SP_COMPUTED);
}

static enum schema_eq objects(const struct schema_shape *sh, json_t *a, json_t *b)
{
	enum schema_eq r = SCHEMA_EQUAL;
	const char *k;
	json_t *v;
	json_object_foreach(a, k, v)
		r = both(r, schema_compare(member_shape(sh, k), v, json_object_get(b, k)));
	json_object_foreach(b, k, v)
		if (!json_object_get(a, k) && !computed(sh, k))
			r = both(r, schema_compare(member_shape(sh, k), NULL, v));
	return r;
}

static enum schema_eq arrays(const struct schema_shape *items, bool unordered, json_t *a, json_t *b)
{
	size_t na = json_array_size(a), nb = json_array_size(b);
	if (!unordered) {
		if (na != nb)
			return value_has_unknown(a) ? SCHEMA_UNKNOWN : SCHEMA_CHANGED;
		enum schema_eq r = SCHEMA_EQUAL;
		for (size_t i = 0; i < na; i++)
			r = both(r, schema_compare(items, json_array_get(a, i), json_array_get(b, i)));
		return r;
	}
	/* A multiset: each desired element takes one equal live element. */
	if (value_has_unknown(a))
		return SCHEMA_UNKNOWN;
	if (na != nb)
		return SCHEMA_CHANGED;
	bool *used = xcalloc(nb + 1, 1);
	enum schema_eq r = SCHEMA_EQUAL;
	for (size_t i = 0; i < na && r == SCHEMA_EQUAL; i++) {
		bool found = false;
		for (size_t j = 0; j < nb && !found; j++)
			if (!used[j] && schema_compare(items, json_array_get(a, i), json_array_get(b, j)) ==
						SCHEMA_EQUAL)
				used[j] = found = true;
		if (!found)
			r = SCHEMA_CHANGED;
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

enum schema_eq schema_compare(const struct schema_shape *sh, json_t *a, json_t *b)
{
	if (a && value_is_unknown(a))
		return SCHEMA_UNKNOWN;
	if (is_empty(a) && is_empty(b))
		return SCHEMA_EQUAL;
	if (is_empty(a) || is_empty(b))
		return a && value_has_unknown(a) ? SCHEMA_UNKNOWN : SCHEMA_CHANGED;
	enum schema_kind kind = sh ? sh->kind : SK_ANY;
	double xa, xb;
	int sr;
	switch (kind) {
	case SK_JSON: {
		if (value_has_unknown(a))
			return SCHEMA_UNKNOWN;
		json_t *pa = parse_doc(a), *pb = parse_doc(b);
		enum schema_eq r = schema_compare(NULL, pa, pb);
		json_decref(pa);
		json_decref(pb);
		return r;
	}
	case SK_STRING:
	case SK_BOOLEAN:
		if ((sr = scalars(a, b, kind == SK_BOOLEAN)) >= 0)
			return (enum schema_eq)sr;
		break;
	case SK_INTEGER:
	case SK_NUMBER:
		if (number_of(a, &xa) && number_of(b, &xb))
			return xa == xb ? SCHEMA_EQUAL : SCHEMA_CHANGED;
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
		return xa == xb ? SCHEMA_EQUAL : SCHEMA_CHANGED;
	if ((sr = scalars(a, b, false)) >= 0)
		return (enum schema_eq)sr;
	return json_equal(a, b) ? SCHEMA_EQUAL : SCHEMA_CHANGED;
}
