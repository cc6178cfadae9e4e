/* The type registry's lookups. The data lives in types_gen.c (generated) and
 * types_berth.c; this file only searches, so a new type needs no code here.
 * Values are checked against shapes in one place, the spec layer
 * (spec/check.c), which knows where each value was written. */
#include "util/common.h"
#include "schema/schema_int.h"
#include "util/suggest.h"

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
