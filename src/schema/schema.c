/* The type registry's lookups and the generic value checker. The data lives in
 * types_gen.c (generated) and types_berth.c; this file only searches and
 * checks, so a new type needs no code here. */
#include "util/common.h"
#include "schema/schema_int.h"
#include "util/buf.h"
#include "util/suggest.h"

#include <math.h>

const struct schema_resource *schema_find(const char *type_name)
{
	size_t lo = 0, hi = schema_types_count;
	if (!type_name)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(type_name, schema_types[mid]->type_name);
		if (!c)
			return schema_types[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *schema_suggest(const char *type_name)
{
	/* A fixed-size array keeps this allocation-free; the registry is a few
	 * dozen types and a test checks it stays under the bound. */
	const char *names[256];
	size_t n = 0;
	for (size_t i = 0; i < schema_types_count && n < ARRAY_SIZE(names); i++)
		names[n++] = schema_types[i]->type_name;
	return type_name ? suggest_nearest(type_name, names, n) : NULL;
}

const struct schema_resource *const *schema_all(size_t *n)
{
	*n = schema_types_count;
	return schema_types;
}

const struct schema_prop *schema_shape_prop(const struct schema_shape *shape, const char *name)
{
	size_t lo = 0, hi;
	if (!shape || shape->kind != SK_OBJECT || !name)
		return NULL;
	hi = shape->nprops;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, shape->props[mid].name);
		if (!c)
			return &shape->props[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *schema_name_property(const struct schema_resource *type)
{
	if (!type || type->nprimary != 1 || !type->taggable)
		return NULL;
	const struct schema_prop *p = schema_shape_prop(type->shape, type->primary_id[0]);
	if (!p || (p->flags & SP_READ_ONLY) || !p->shape || p->shape->kind != SK_STRING)
		return NULL;
	return p->name;
}

const char *schema_given_name(const struct schema_resource *type)
{
	/* Types whose id is not the name but whose name the spec gives and
	 * AWS keeps unique in the account and region: a topic's ARN derives
	 * from the name alone (arn:PARTITION:sns:REGION:ACCOUNT:NAME); a
	 * target group's, a load balancer's and a stack's ARN hold an id AWS
	 * picks, so their rtypes look the name up (read_named, read_one). */
	static const struct { const char *type, *prop; } derived[] = {
		{ "AWS::CloudFormation::Stack", "StackName" },
		{ "AWS::ElasticLoadBalancingV2::LoadBalancer", "Name" },
		{ "AWS::ElasticLoadBalancingV2::TargetGroup", "Name" },
		{ "AWS::SNS::Topic", "TopicName" },
	};
	const char *p = schema_name_property(type);
	for (size_t i = 0; !p && type && i < ARRAY_SIZE(derived); i++)
		if (!strcmp(type->type_name, derived[i].type))
			p = derived[i].prop;
	return p;
}

const char *schema_shape_suggest(const struct schema_shape *shape, const char *name)
{
	const char **names;
	const char *near;
	if (!shape || shape->kind != SK_OBJECT || !shape->nprops || !name)
		return NULL;
	names = xmalloc(shape->nprops * sizeof(*names));
	for (size_t i = 0; i < shape->nprops; i++)
		names[i] = shape->props[i].name;
	near = suggest_nearest(name, names, shape->nprops);
	free(names);
	return near;
}

const char *schema_kind_name(enum schema_kind kind)
{
	switch (kind) {
	case SK_ANY: return "any value";
	case SK_STRING: return "a string";
	case SK_INTEGER: return "an integer";
	case SK_NUMBER: return "a number";
	case SK_BOOLEAN: return "a boolean";
	case SK_ARRAY: return "a list";
	case SK_OBJECT: return "an object";
	case SK_MAP: return "a map";
	case SK_JSON: return "a JSON document (an object or a string)";
	}
	return "a value";
}

static const char *json_kind_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

/* ---- the checker ---- */

struct check {
	const struct schema_check_ops *ops;
	struct buf path; /* grows and shrinks as we descend */
	size_t problems;
};

static void problem(struct check *c, json_t *v, const char *fmt, ...) BERTH_PRINTF(3, 4);
static void problem(struct check *c, json_t *v, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	c->problems++;
	if (c->ops && c->ops->report)
		c->ops->report(c->ops->ctx, v, c->path.ptr, msg.ptr);
	buf_release(&msg);
}

static bool is_unknown(struct check *c, json_t *v)
{
	if (json_is_string(v) && strstr(json_string_value(v), "${"))
		return true;
	return c->ops && c->ops->is_unknown && c->ops->is_unknown(c->ops->ctx, v);
}

/* "'Name': " or "" for the root, so messages read well either way. */
static void name_prefix(struct buf *b, const char *name)
{
	if (name)
		buf_addf(b, "'%s': ", name);
}

static void type_problem(struct check *c, json_t *v, const char *name, const char *expected)
{
	struct buf b = BUF_INIT;
	name_prefix(&b, name);
	problem(c, v, "%sexpected %s, got %s", b.ptr, expected, json_kind_name(v));
	buf_release(&b);
}

static void check_enum(struct check *c, const struct schema_shape *s, json_t *v,
		       const char *name, const char *text)
{
	struct buf list = BUF_INIT;
	for (size_t i = 0; i < s->nenum; i++)
		if (!strcmp(text, s->enum_values[i]))
			return;
	for (size_t i = 0; i < s->nenum; i++)
		buf_addf(&list, "%s%s", i ? ", " : "", s->enum_values[i]);
	{
		const char *near = suggest_nearest(text, s->enum_values, s->nenum);
		if (near)
			problem(c, v, "'%s' must be one of: %s; did you mean '%s'?",
				name ? name : "value", list.ptr, near);
		else
			problem(c, v, "'%s' must be one of: %s", name ? name : "value", list.ptr);
	}
	buf_release(&list);
}

/* %g prints 1e+06 for large integers; bounds here are small, but integers
 * should print as integers. */
static void add_number(struct buf *b, double x)
{
	if (x == floor(x) && fabs(x) < 1e15)
		buf_addf(b, "%.0f", x);
	else
		buf_addf(b, "%g", x);
}

static void check_range(struct check *c, const struct schema_shape *s, json_t *v,
			const char *name, double x, const char *unit)
{
	struct buf b = BUF_INIT;
	bool low = s->has_min && x < s->min, high = s->has_max && x > s->max;
	if (!low && !high)
		return;
	buf_addf(&b, "'%s' ", name ? name : "value");
	if (unit)
		buf_addf(&b, "must have %s", s->has_min && s->has_max ? "between " : low ? "at least " : "at most ");
	else
		buf_adds(&b, s->has_min && s->has_max ? "must be between " : low ? "must be at least " : "must be at most ");
	if (s->has_min && s->has_max) {
		add_number(&b, s->min);
		buf_adds(&b, " and ");
		add_number(&b, s->max);
	} else {
		add_number(&b, low ? s->min : s->max);
	}
	if (unit)
		buf_addf(&b, " %s, not ", unit);
	else
		buf_adds(&b, ", not ");
	add_number(&b, x);
	problem(c, v, "%s", b.ptr);
	buf_release(&b);
}

static void check_shape(struct check *c, const struct schema_shape *s, json_t *v, const char *name);

static void push_member(struct buf *path, const char *name)
{
	if (path->len)
		buf_addch(path, '.');
	buf_adds(path, name);
}

static void check_object(struct check *c, const struct schema_shape *s, json_t *v)
{
	const char *key;
	json_t *member;
	size_t mark = c->path.len;

	json_object_foreach(v, key, member) {
		const struct schema_prop *p = schema_shape_prop(s, key);
		push_member(&c->path, key);
		if (!p) {
			const char *near = schema_shape_suggest(s, key);
			if (near)
				problem(c, member, "unknown property '%s'; did you mean '%s'?", key, near);
			else
				problem(c, member, "unknown property '%s'", key);
		} else if (p->flags & SP_READ_ONLY) {
			problem(c, member, "'%s' is read-only (an attribute AWS sets, which a spec can reference but not set)", key);
		} else {
			check_shape(c, p->shape, member, key);
		}
		buf_setlen(&c->path, mark);
	}
	for (size_t i = 0; i < s->nprops; i++) {
		const struct schema_prop *p = &s->props[i];
		if ((p->flags & SP_REQUIRED) && !(p->flags & SP_READ_ONLY) &&
		    !json_object_get(v, p->name))
			problem(c, v, "missing required property '%s'", p->name);
	}
}

static void check_shape(struct check *c, const struct schema_shape *s, json_t *v, const char *name)
{
	if (!s || !v || s->kind == SK_ANY || is_unknown(c, v))
		return;
	switch (s->kind) {
	case SK_ANY:
		return;
	case SK_STRING: {
		struct buf text = BUF_INIT;
		if (json_is_string(v)) {
			buf_adds(&text, json_string_value(v));
			check_range(c, s, v, name, (double)json_string_length(v), "characters");
		} else if (json_is_integer(v)) {
			buf_addf(&text, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		} else if (json_is_real(v)) {
			add_number(&text, json_real_value(v));
		} else if (json_is_boolean(v)) {
			buf_adds(&text, json_is_true(v) ? "true" : "false");
		} else {
			type_problem(c, v, name, "a string");
			return;
		}
		if (s->nenum)
			check_enum(c, s, v, name, text.ptr);
		buf_release(&text);
		return;
	}
	case SK_INTEGER:
	case SK_NUMBER: {
		double x;
		if (json_is_integer(v))
			x = (double)json_integer_value(v);
		else if (json_is_real(v))
			x = json_real_value(v);
		else {
			type_problem(c, v, name, schema_kind_name(s->kind));
			return;
		}
		if (s->kind == SK_INTEGER && x != floor(x)) {
			type_problem(c, v, name, "an integer");
			return;
		}
		check_range(c, s, v, name, x, NULL);
		if (s->nenum) {
			struct buf text = BUF_INIT;
			add_number(&text, x);
			check_enum(c, s, v, name, text.ptr);
			buf_release(&text);
		}
		return;
	}
	case SK_BOOLEAN:
		if (!json_is_boolean(v))
			type_problem(c, v, name, "a boolean (true or false)");
		return;
	case SK_ARRAY: {
		size_t i, mark = c->path.len;
		json_t *item;
		if (!json_is_array(v)) {
			type_problem(c, v, name, "a list");
			return;
		}
		check_range(c, s, v, name, (double)json_array_size(v), "items");
		json_array_foreach(v, i, item) {
			buf_addf(&c->path, "[%zu]", i);
			check_shape(c, s->items, item, name);
			buf_setlen(&c->path, mark);
		}
		return;
	}
	case SK_OBJECT:
		if (!json_is_object(v)) {
			type_problem(c, v, name, "an object");
			return;
		}
		check_object(c, s, v);
		return;
	case SK_MAP: {
		const char *key;
		json_t *member;
		size_t mark = c->path.len;
		if (!json_is_object(v)) {
			type_problem(c, v, name, "a map (an object of name: value)");
			return;
		}
		json_object_foreach(v, key, member) {
			push_member(&c->path, key);
			check_shape(c, s->items, member, key);
			buf_setlen(&c->path, mark);
		}
		return;
	}
	case SK_JSON:
		if (!json_is_object(v) && !json_is_string(v) && !json_is_array(v))
			type_problem(c, v, name, "a JSON document (an object or a string)");
		return;
	}
}

size_t schema_check_value(const struct schema_shape *shape, json_t *value, const char *name,
			  const char *path, const struct schema_check_ops *ops)
{
	struct check c = { ops, BUF_INIT, 0 };
	if (path)
		buf_adds(&c.path, path);
	check_shape(&c, shape, value, name);
	buf_release(&c.path);
	return c.problems;
}

size_t schema_check_properties(const struct schema_resource *type, json_t *properties,
			       const struct schema_check_ops *ops)
{
	json_t *empty = NULL;
	size_t n;
	/* A resource with no `properties:` still has to give the required ones. */
	if (!properties)
		properties = empty = json_object();
	n = schema_check_value(type->shape, properties, NULL, NULL, ops);
	json_decref(empty);
	return n;
}
