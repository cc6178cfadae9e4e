/* Checks evaluated resource properties against the type registry
 * (schema/schema.h): unknown and read-only properties, missing required
 * ones, value types, enum values and numeric bounds, each error at the
 * value's own position. Unknown values (known after apply) are not checked. */
#include "util/common.h"
#include "spec/internal.h"
#include "spec/guard.h"
#include "schema/needs.h"
#include "schema/schema.h"
#include "util/buf.h"
#include "util/suggest.h"

#include <math.h>

struct checker {
	const struct spec_resource *res;
	const json_t *read_texts; /* never quoted (guard.h) */
	struct diags *d;
};

static const char *kind_expect(enum schema_kind k)
{
	switch (k) {
	case SK_STRING: return "a string";
	case SK_INTEGER: return "an integer";
	case SK_NUMBER: return "a number";
	case SK_BOOLEAN: return "a boolean";
	case SK_ARRAY: return "a list";
	case SK_OBJECT:
	case SK_MAP: return "a map";
	case SK_JSON: return "a map or a JSON string";
	case SK_ANY: return "a value";
	}
	return "a value";
}

/* The node for member `key` of map node n, when n is the map the value came
 * from; else n itself (the value came from an expression). */
static const struct node *child_val(const struct node *n, const char *key)
{
	const struct node *c = n->kind == NODE_MAP ? node_get(n, key) : NULL;
	return c ? c : n;
}

static const struct node *child_key(const struct node *n, const char *key)
{
	const struct node *c = n->kind == NODE_MAP ? node_key(n, key) : NULL;
	return c ? c : n;
}

static const struct node *child_item(const struct node *n, size_t i, size_t count)
{
	return (n->kind == NODE_SEQ && n->n == count) ? n->vals[i] : n;
}

static void check_value(struct checker *c, const struct schema_shape *sh, const char *path,
			const struct node *n, const json_t *v);

/* A number for a message: whole numbers in full (2147483647, not
 * 2.14748e+09), others as %g. */
static const char *num_text(char out[40], double x)
{
	if (x == floor(x) && fabs(x) < 1e19)
		snprintf(out, 40, "%.0f", x);
	else
		snprintf(out, 40, "%g", x);
	return out;
}

static void check_object(struct checker *c, const struct schema_shape *sh, const char *path,
			 const struct node *n, const json_t *v, bool top)
{
	const char *k;
	json_t *x;
	json_object_foreach((json_t *)v, k, x) {
		const struct schema_prop *p = schema_shape_prop(sh, k);
		const struct node *kn = child_key(n, k);
		if (!p) {
			const char *near = schema_shape_suggest(sh, k);
			struct buf where = BUF_INIT;
			if (top)
				buf_addf(&where, "%s", c->res->type);
			else
				buf_addf(&where, "'%s'", path);
			if (near)
				error_at(c->d, kn, "unknown property '%s' for %s; did you mean '%s'?", k,
					 where.ptr, near);
			else
				error_at(c->d, kn, "unknown property '%s' for %s", k, where.ptr);
			buf_release(&where);
			continue;
		}
		if (p->flags & SP_READ_ONLY) {
			error_at(c->d, kn,
				 "'%s' is an attribute AWS sets (read-only); it cannot be given in properties, only referenced as ${%s.%s}",
				 k, c->res->id, k);
			continue;
		}
		/* What berth cannot set is refused here, so that validate and plan
		 * refuse what apply would; the value is still checked, so one run
		 * reports everything wrong with it. */
		const char *hint = NULL;
		if (top && schema_unsupported(c->res->type, k, x, &hint))
			error_at(c->d, kn, "%s: berth does not set %s yet%s%s", c->res->type, k,
				 hint ? "; " : "", hint ? hint : "");
		char *sub = top ? xstrdup(k) : xasprintf("%s.%s", path, k);
		check_value(c, p->shape, sub, child_val(n, k), x);
		free(sub);
	}
	for (size_t i = 0; i < sh->nprops; i++) {
		const struct schema_prop *p = &sh->props[i];
		if ((p->flags & SP_REQUIRED) && !(p->flags & SP_READ_ONLY) &&
		    !json_object_get(v, p->name) &&
		    /* A required name berth chooses when the spec gives none
		     * (StackName: a deterministic default) is not missing. */
		    !(top && schema_defaulted(c->res->type, p->name))) {
			if (top)
				error_at(c->d, n, "missing required property '%s' for %s", p->name,
					 c->res->type);
			else
				error_at(c->d, n, "missing required property '%s' in '%s'", p->name, path);
		}
	}
}

static void check_value(struct checker *c, const struct schema_shape *sh, const char *path,
			const struct node *n, const json_t *v)
{
	if (!sh || value_is_unknown(v))
		return;
	bool ok = true;
	switch (sh->kind) {
	case SK_ANY:
		return;
	case SK_JSON:
		ok = json_is_object(v) || json_is_string(v) || json_is_array(v);
		break;
	case SK_STRING:
		/* Numbers are accepted where AWS wants a string, as CloudFormation
		 * does ("Port: 80" in a tag value); booleans and structures are not. */
		ok = json_is_string(v) || json_is_number(v);
		break;
	case SK_INTEGER:
		ok = json_is_integer(v) || (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)));
		break;
	case SK_NUMBER:
		ok = json_is_number(v);
		break;
	case SK_BOOLEAN:
		ok = json_is_boolean(v);
		break;
	case SK_ARRAY:
		ok = json_is_array(v);
		break;
	case SK_OBJECT:
	case SK_MAP:
		ok = json_is_object(v);
		break;
	}
	if (!ok) {
		error_at(c->d, n, "expected %s for '%s', got %s", kind_expect(sh->kind), path,
			 json_type_name(v));
		return;
	}
	if (json_is_string(v) && sh->nenum) {
		const char *s = json_string_value(v);
		bool found = false;
		for (size_t i = 0; i < sh->nenum && !found; i++)
			found = !strcmp(sh->enum_values[i], s);
		if (!found) {
			const char *near = suggest_nearest(s, (const char *const *)sh->enum_values, sh->nenum);
			char *shown = spec_shown_value(s, c->read_texts);
			if (near) {
				error_at(c->d, n, "invalid value %s for '%s'; did you mean '%s'?", shown, path,
					 near);
			} else {
				struct buf b = BUF_INIT;
				for (size_t i = 0; i < sh->nenum && i < 12; i++)
					buf_addf(&b, "%s'%s'", i ? ", " : "", sh->enum_values[i]);
				if (sh->nenum > 12)
					buf_adds(&b, ", ...");
				error_at(c->d, n, "invalid value %s for '%s'; expected one of %s", shown, path,
					 b.ptr);
				buf_release(&b);
			}
			free(shown);
		}
	}
	/* Numeric enums (a log group's RetentionInDays) are kept as text. */
	if (json_is_integer(v) && sh->nenum) {
		char txt[32];
		bool found = false;
		snprintf(txt, sizeof(txt), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		for (size_t i = 0; i < sh->nenum && !found; i++)
			found = !strcmp(sh->enum_values[i], txt);
		if (!found) {
			struct buf b = BUF_INIT;
			for (size_t i = 0; i < sh->nenum && i < 24; i++)
				buf_addf(&b, "%s%s", i ? ", " : "", sh->enum_values[i]);
			if (sh->nenum > 24)
				buf_adds(&b, ", ...");
			error_at(c->d, n, "invalid value %s for '%s'; expected one of %s", txt, path, b.ptr);
			buf_release(&b);
		}
	}
	/* Lengths: a name AWS would refuse for being too long fails here, not
	 * halfway through an apply. */
	/* The schema's bounds, else the API's (what apply would meet). */
	bool has_min = sh->has_min, has_max = sh->has_max;
	double min = sh->min, max = sh->max;
	if (!has_min && !has_max && schema_api_bounds(c->res->type, path, &min, &max))
		has_min = has_max = true;
	if (json_is_string(v) && sh->kind == SK_STRING) {
		/* Characters, as AWS counts them, not UTF-8 bytes. */
		size_t len = 0;
		for (const unsigned char *q = (const unsigned char *)json_string_value(v); *q; q++)
			len += (*q & 0xC0) != 0x80;
		if (has_min && (double)len < min)
			error_at(c->d, n, "'%s' must be at least %g characters long, got %zu", path,
				 min, len);
		else if (has_max && (double)len > max)
			error_at(c->d, n, "'%s' must be at most %g characters long, got %zu", path,
				 max, len);
	}
	if (json_is_number(v) && (sh->kind == SK_INTEGER || sh->kind == SK_NUMBER)) {
		double x = json_number_value(v);
		if (sh->kind == SK_INTEGER && !has_min)
			has_min = true, min = SCHEMA_INT_MIN;
		if (sh->kind == SK_INTEGER && !has_max)
			has_max = true, max = SCHEMA_INT_MAX;
		char xs[40], bs[40];
		if (has_min && x < min)
			error_at(c->d, n, "'%s' must be at least %s, got %s", path, num_text(bs, min),
				 num_text(xs, x));
		else if (has_max && x > max)
			error_at(c->d, n, "'%s' must be at most %s, got %s", path, num_text(bs, max),
				 num_text(xs, x));
	}
	if (json_is_array(v) && sh->kind == SK_ARRAY) {
		size_t cnt = json_array_size(v);
		for (size_t i = 0; i < cnt; i++) {
			char *sub = xasprintf("%s[%zu]", path, i);
			check_value(c, sh->items, sub, child_item(n, i, cnt), json_array_get(v, i));
			free(sub);
		}
	} else if (json_is_object(v) && sh->kind == SK_MAP) {
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x) {
			char *sub = xasprintf("%s.%s", path, k);
			check_value(c, sh->items, sub, child_val(n, k), x);
			free(sub);
		}
	} else if (json_is_object(v) && sh->kind == SK_OBJECT && sh->nprops) {
		check_object(c, sh, path, n, v, false);
	}
}

struct need_ctx {
	struct diags *d;
	const struct node *props;
	const json_t *value;
};

/* A problem of schema/needs.h at its property's value, or at the
 * properties (the list's item) when something is missing. */
static void need_at(void *ctx, const struct schema_need_at *at, const char *summary,
		    const char *detail)
{
	struct need_ctx *nc = ctx;
	const struct node *n = nc->props;
	if (at->list)
		n = child_item(child_val(n, at->list), at->item,
			       json_array_size(json_object_get(nc->value, at->list)));
	if (at->prop)
		n = child_val(n, at->prop);
	struct diag *dg = error_at(nc->d, n, "%s", summary);
	if (detail)
		diag_set_detail(dg, "%s", detail);
}

void check_properties(const struct spec_resource *res, const struct node *props,
		      const json_t *value, const json_t *read_texts, struct diags *d)
{
	struct checker c = { res, read_texts, d };
	if (!res->schema || !json_is_object(value))
		return;
	size_t before = diags_count(d, DIAG_ERROR);
	check_object(&c, res->schema->shape, "", props, value, true);
	/* What berth needs beyond the schema is about valid values together:
	 * after a fault already reported (a misspelt 'CidrBlok', an IPAM pool
	 * berth does not take, 'bridged' for 'bridge') it would tell the same
	 * mistake twice. Plan and apply check these rows again. */
	if (diags_count(d, DIAG_ERROR) > before)
		return;
	struct need_ctx nc = { d, props, value };
	schema_needs_check(res->type, value, need_at, &nc);
}
