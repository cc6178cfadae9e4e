/* The spec format as a JSON Schema (draft-07, the draft YAML editors such as
 * yaml-language-server support fully), built from the type registry so it
 * never drifts from what `berth validate` checks: top-level sections per
 * DESIGN.md §3, and each resource's `properties` checked against its type,
 * chosen by `type` (if/then per type). Read-only properties are left out: a
 * spec cannot set them. Any value may also be a "${...}" expression string,
 * so every non-string kind accepts one. */
#include "util/common.h"
#include "schema/schema_int.h"

#define EXPR_REF "#/definitions/expression"

static json_t *expr_or(json_t *schema)
{
	return json_pack("{s:[o, {s:s}]}", "anyOf", schema, "$ref", EXPR_REF);
}

static json_t *shape_schema(const struct schema_shape *s);

static void add_bounds(json_t *o, const struct schema_shape *s, const char *min_key,
		       const char *max_key)
{
	if (s->has_min)
		json_object_set_new(o, min_key, s->min == (double)(json_int_t)s->min ?
				    json_integer((json_int_t)s->min) : json_real(s->min));
	if (s->has_max)
		json_object_set_new(o, max_key, s->max == (double)(json_int_t)s->max ?
				    json_integer((json_int_t)s->max) : json_real(s->max));
}

static json_t *object_schema(const struct schema_shape *s)
{
	json_t *o = json_pack("{s:s, s:b}", "type", "object", "additionalProperties", 0);
	json_t *props = json_object(), *req = json_array();
	for (size_t i = 0; i < s->nprops; i++) {
		const struct schema_prop *p = &s->props[i];
		json_t *ps;
		if (p->flags & SP_READ_ONLY)
			continue;
		ps = shape_schema(p->shape);
		if (p->description)
			json_object_set_new(ps, "description", json_string(p->description));
		if (p->default_json) {
			json_t *def = json_loads(p->default_json, JSON_DECODE_ANY, NULL);
			if (def)
				json_object_set_new(ps, "default", def);
		}
		json_object_set_new(props, p->name, ps);
		if (p->flags & SP_REQUIRED)
			json_array_append_new(req, json_string(p->name));
	}
	json_object_set_new(o, "properties", props);
	if (json_array_size(req))
		json_object_set_new(o, "required", req);
	else
		json_decref(req);
	return o;
}

/* Always returns an object schema to which a description can be added (the
 * anyOf wrappers are objects too). */
static json_t *shape_schema(const struct schema_shape *s)
{
	json_t *o, *en;
	switch (s->kind) {
	case SK_STRING:
		o = json_pack("{s:s}", "type", "string");
		add_bounds(o, s, "minLength", "maxLength");
		if (s->nenum) {
			en = json_array();
			for (size_t i = 0; i < s->nenum; i++)
				json_array_append_new(en, json_string(s->enum_values[i]));
			json_object_set_new(o, "enum", en);
			return expr_or(o);
		}
		return o;
	case SK_INTEGER:
	case SK_NUMBER:
		o = json_pack("{s:s}", "type", s->kind == SK_INTEGER ? "integer" : "number");
		add_bounds(o, s, "minimum", "maximum");
		if (s->nenum) {
			en = json_array();
			for (size_t i = 0; i < s->nenum; i++) {
				json_t *v = json_loads(s->enum_values[i], JSON_DECODE_ANY, NULL);
				json_array_append_new(en, v ? v : json_string(s->enum_values[i]));
			}
			json_object_set_new(o, "enum", en);
		}
		return expr_or(o);
	case SK_BOOLEAN:
		return expr_or(json_pack("{s:s}", "type", "boolean"));
	case SK_ARRAY:
		o = json_pack("{s:s, s:o}", "type", "array", "items", shape_schema(s->items));
		add_bounds(o, s, "minItems", "maxItems");
		return expr_or(o);
	case SK_OBJECT:
		return expr_or(object_schema(s));
	case SK_MAP:
		return expr_or(json_pack("{s:s, s:o}", "type", "object", "additionalProperties",
					 shape_schema(s->items)));
	case SK_JSON:
		/* A policy document: structured YAML or a JSON string. */
		return json_pack("{s:[s, s, s]}", "type", "object", "array", "string");
	case SK_ANY:
		break;
	}
	return json_object();
}

static json_t *named_map(json_t *value_schema, const char *description)
{
	return json_pack("{s:s, s:s, s:o}", "type", "object", "description", description,
			 "additionalProperties", value_schema);
}

static json_t *top_level(void)
{
	json_t *variable = json_pack(
		"{s:s, s:b, s:{s:{s:s, s:[s,s,s,s,s]}, s:{s:s}, s:{}, s:{s:s}}}",
		"type", "object", "additionalProperties", 0, "properties",
		"type", "type", "string", "enum", "string", "number", "bool", "list", "map",
		"description", "type", "string",
		"default",
		"sensitive", "type", "boolean");
	json_t *repo = json_pack(
		"{s:s, s:b, s:[s], s:{s:{s:s, s:s}, s:{s:s, s:s}}}",
		"type", "object", "additionalProperties", 0, "required", "url", "properties",
		"url", "type", "string", "description", "Git URL to clone (libgit2) into .berth/repos/NAME",
		"ref", "type", "string", "description", "Commit, tag or branch to check out");
	json_t *module = json_pack(
		"{s:s, s:b, s:[s], s:{s:{s:s, s:s}, s:{s:s, s:s}, s:o, s:o, s:o}}",
		"type", "object", "additionalProperties", 0, "required", "source", "properties",
		"source", "type", "string", "description", "Path of the module's YAML file",
		"inputs", "type", "object", "description", "Values for the module's inputs",
		"count", expr_or(json_pack("{s:s, s:i}", "type", "integer", "minimum", 0)),
		"for_each", expr_or(json_pack("{s:[s, s]}", "type", "array", "object")),
		"depends_on", json_pack("{s:s, s:{s:s}}", "type", "array", "items", "type", "string"));
	json_t *output = json_pack(
		"{s:s, s:b, s:[s], s:{s:{}, s:{s:s}, s:{s:s}}}",
		"type", "object", "additionalProperties", 0, "required", "value", "properties",
		"value", "description", "type", "string", "sensitive", "type", "boolean");
	/* data: entries are checked by the spec loader, which owns their kinds;
	 * here they only need to be maps. */
	json_t *data = json_pack("{s:s}", "type", "object");

	json_t *backend = json_pack(
		"{s:s, s:s, s:b, s:[s], s:{s:{s:s, s:b, s:[s], s:{s:{s:s}, s:{s:s}, s:{s:s}}}}}",
		"type", "object", "description",
		"Where the lock and the state cache live for a team or CI (default: this machine)",
		"additionalProperties", 0, "required", "s3", "properties", "s3", "type", "object",
		"additionalProperties", 0, "required", "bucket", "properties", "bucket", "type",
		"string", "prefix", "type", "string", "region", "type", "string");

	return json_pack(
		"{s:s, s:[s, s], s:b, s:{s:{s:i, s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:o, s:{s:s, s:s}, s:o, s:o, s:o, s:o, s:o, s:o}}",
		"type", "object", "required", "berth", "stack", "additionalProperties", 0, "properties",
		"berth", "const", 1, "description", "The spec format's version",
		"stack", "type", "string", "description",
		"Names the environment; every resource is tagged berth:stack=STACK",
		"region", "type", "string", "description",
		"AWS region; else --region, AWS_REGION, the profile",
		"backend", backend,
		"expires", "type", "string", "description",
		"Tag every resource with berth:expires (8h from each apply, or an RFC 3339 time) for "
		"berth reap --expired",
		"variables", named_map(variable, "Inputs given with --var, --var-file or defaults"),
		"repos", named_map(repo, "Git repositories cloned into .berth/repos/NAME"),
		"modules", named_map(module, "Module calls: YAML files with inputs, resources and outputs"),
		"data", named_map(data, "Lookups that are not resources"),
		"resources", named_map(json_pack("{s:s}", "$ref", "#/definitions/resource"),
				       "Resources by id"),
		"outputs", named_map(output, "Values shown by berth output"));
}

/* A top-level property berth does not set (or sets to one value only):
 * an editor flags it where it is written, with the reason on hover, as
 * validate would refuse it. */
static void mark_support(const char *type, json_t *props)
{
	const char *name, *allowed, *hint;
	json_t *ps;
	json_object_foreach(props, name, ps) {
		enum schema_support sup = schema_support(type, name, &allowed, &hint);
		if (sup == SCHEMA_TAKEN)
			continue;
		char *why = sup == SCHEMA_REFUSED ?
			xasprintf("berth does not set %s yet%s%s", name, hint ? ": " : "",
				  hint ? hint : "") :
			xasprintf("berth sets only %s (AWS's default)%s%s", allowed, hint ? ": " : "",
				  hint ? hint : "");
		json_t *desc = json_object_get(ps, "description");
		char *text = desc ? xasprintf("%s\n%s", why, json_string_value(desc)) : xstrdup(why);
		json_t *repl = sup == SCHEMA_REFUSED ? json_pack("{s:{}}", "not") :
			json_pack("{s:o}", "const", json_loads(allowed, JSON_DECODE_ANY, NULL));
		json_object_set_new(repl, "description", json_string(text));
		json_object_set_new(props, name, repl); /* same key: the walk goes on */
		free(why);
		free(text);
	}
}

json_t *schema_json_schema(void)
{
	json_t *doc = top_level(), *defs = json_object(), *types = json_array(), *cond = json_array();
	json_t *resource;

	json_object_set_new(defs, "expression", json_pack(
		"{s:s, s:s, s:s}", "type", "string", "pattern", "\\$\\{",
		"description", "A ${...} expression, evaluated by berth"));
	for (size_t i = 0; i < schema_types_count; i++) {
		const struct schema_resource *r = schema_types[i];
		json_t *props = object_schema(r->shape);
		mark_support(r->type_name, json_object_get(props, "properties"));
		char *ref = xasprintf("#/definitions/%s", r->type_name);
		if (r->description)
			json_object_set_new(props, "description", json_string(r->description));
		json_object_set_new(defs, r->type_name, props);
		json_array_append_new(types, json_string(r->type_name));
		json_array_append_new(cond, json_pack(
			"{s:{s:{s:{s:s}}}, s:{s:{s:{s:s}}}}",
			"if", "properties", "type", "const", r->type_name,
			"then", "properties", "properties", "$ref", ref));
		free(ref);
	}
	resource = json_pack(
		"{s:s, s:b, s:[s], s:{s:{s:s, s:o}, s:{s:s}, s:o, s:o, s:o, s:o, s:o, s:o, s:o}, s:o}",
		"type", "object", "additionalProperties", 0, "required", "type", "properties",
		"type", "description", "The resource type (CloudFormation's name)", "enum", types,
		"properties", "type", "object",
		"depends_on", json_pack("{s:s, s:{s:s}, s:s}", "type", "array", "items", "type", "string",
					"description", "Ids this resource waits for, where no reference already says so"),
		"count", expr_or(json_pack("{s:s, s:i}", "type", "integer", "minimum", 0)),
		"for_each", expr_or(json_pack("{s:[s, s]}", "type", "array", "object")),
		"retain", expr_or(json_pack("{s:s, s:s}", "type", "boolean", "description",
					    "Destroy leaves this resource in place")),
		"ignore_changes", json_pack("{s:s, s:{s:s}, s:s}", "type", "array", "items", "type", "string",
					    "description", "Properties whose drift plan ignores"),
		"create_before_destroy", expr_or(json_pack("{s:s, s:s}", "type", "boolean", "description",
							   "On replacement, create the new resource first")),
		"adopt", expr_or(json_pack("{s:s, s:s}", "type", "boolean", "description",
					   "Take in an existing resource of the same name that no stack owns")),
		"allOf", cond);
	json_object_set_new(defs, "resource", resource);

	/* "$schema" and "title" first, for readers of the file. */
	{
		json_t *out = json_pack("{s:s, s:s, s:s}",
					"$schema", "http://json-schema.org/draft-07/schema#",
					"title", "berth spec",
					"description", "A berth spec: one YAML file that berth plans and applies against AWS. Generated by `berth schema`.");
		json_object_update(out, doc);
		json_object_set_new(out, "definitions", defs);
		json_decref(doc);
		return out;
	}
}
