/* `berth types [TYPE] [--json | --markdown]`: the resource types berth knows and, for one
 * type, every property (nested ones as paths like
 * ContainerDefinitions[].PortMappings[].ContainerPort) with its kind and
 * flags; --markdown gives the reference page docs/types.md
 * (types_markdown.c). */
#include "util/common.h"
#include "cli/cli.h"
#include "schema/schema.h"
#include "cli/types_view.h"
#include "resources/resource.h"
#include "util/buf.h"

const struct types_flag types_flags[] = {
	{ SP_REQUIRED, "required" },
	{ SP_CREATE_ONLY, "create-only" },
	{ SP_COND_CREATE_ONLY, "maybe-create-only" },
	{ SP_READ_ONLY, "read-only" },
	{ SP_WRITE_ONLY, "write-only" },
	{ SP_SENSITIVE, "sensitive" },
};
const size_t types_flags_count = ARRAY_SIZE(types_flags);

static const char *kind_word(enum schema_kind k)
{
	switch (k) {
	case SK_ANY: return "any";
	case SK_STRING: return "string";
	case SK_INTEGER: return "integer";
	case SK_NUMBER: return "number";
	case SK_BOOLEAN: return "boolean";
	case SK_ARRAY: return "list";
	case SK_OBJECT: return "object";
	case SK_MAP: return "map";
	case SK_JSON: return "json";
	}
	return "any";
}

/* "list of object", "map of string", "set of string" (unordered lists). */
void types_add_kind(struct buf *b, const struct schema_shape *s)
{
	if (s->kind == SK_ARRAY || s->kind == SK_MAP) {
		buf_addf(b, "%s of ", s->kind == SK_MAP ? "map" : s->unordered ? "set" : "list");
		types_add_kind(b, s->items);
		return;
	}
	buf_adds(b, kind_word(s->kind));
}

/* ---- JSON ---- */

static json_t *shape_json(const struct schema_shape *s);

/* Bounds are doubles in the tables but nearly always whole numbers. */
static json_t *bound_json(double x)
{
	if (x == (double)(json_int_t)x)
		return json_integer((json_int_t)x);
	return json_real(x);
}

static json_t *prop_json(const struct schema_prop *p)
{
	json_t *o = json_pack("{s:s}", "name", p->name), *flags = json_array();
	json_t *shape = shape_json(p->shape);
	for (size_t i = 0; i < types_flags_count; i++)
		if (p->flags & types_flags[i].flag)
			json_array_append_new(flags, json_string(types_flags[i].name));
	json_object_set_new(o, "flags", flags);
	if (p->description)
		json_object_set_new(o, "description", json_string(p->description));
	if (p->default_json) {
		json_t *d = json_loads(p->default_json, JSON_DECODE_ANY, NULL);
		if (d)
			json_object_set_new(o, "default", d);
	}
	json_object_update(o, shape);
	json_decref(shape);
	return o;
}

static json_t *shape_json(const struct schema_shape *s)
{
	json_t *o = json_pack("{s:s}", "kind", kind_word(s->kind));
	if (s->kind == SK_ARRAY) {
		json_object_set_new(o, "unordered", json_boolean(s->unordered));
	}
	if (s->items)
		json_object_set_new(o, "items", shape_json(s->items));
	if (s->nenum) {
		json_t *e = json_array();
		for (size_t i = 0; i < s->nenum; i++)
			json_array_append_new(e, json_string(s->enum_values[i]));
		json_object_set_new(o, "enum", e);
	}
	if (s->has_min)
		json_object_set_new(o, "min", bound_json(s->min));
	if (s->has_max)
		json_object_set_new(o, "max", bound_json(s->max));
	if (s->kind == SK_OBJECT) {
		json_t *props = json_array();
		for (size_t i = 0; i < s->nprops; i++)
			json_array_append_new(props, prop_json(&s->props[i]));
		json_object_set_new(o, "properties", props);
	}
	return o;
}

static json_t *type_json(const struct schema_resource *r, bool full)
{
	json_t *ids = json_array();
	json_t *o;
	for (size_t i = 0; i < r->nprimary; i++)
		json_array_append_new(ids, json_string(r->primary_id[i]));
	o = json_pack("{s:s, s:s?, s:o, s:b, s:s?, s:b}", "type", r->type_name,
		      "description", r->description, "primary_identifier", ids,
		      "taggable", r->taggable, "tags_property", r->tags_property,
		      "tags_as_map", r->tags_as_map);
	if (full) {
		json_t *shape = shape_json(r->shape), *props = json_object_get(shape, "properties"), *p;
		size_t i;
		/* "berth": what berth takes of a top-level property the schema
		 * allows ("not-supported", or "only" with "allowed"). */
		json_array_foreach(props, i, p) {
			const char *allowed, *hint;
			enum schema_support sup = schema_support(r->type_name, json_string_value(
						json_object_get(p, "name")), &allowed, &hint);
			const struct schema_prop *sp = schema_shape_prop(r->shape, json_string_value(
							json_object_get(p, "name")));
			if (sp && types_replaces(r, sp))
				json_object_set_new(p, "berth", json_string("replaces"));
			if (sup == SCHEMA_TAKEN)
				continue;
			json_object_set_new(p, "berth", json_string(sup == SCHEMA_REFUSED ?
								    "not-supported" : "only"));
			if (allowed)
				json_object_set_new(p, "allowed",
						    json_loads(allowed, JSON_DECODE_ANY, NULL));
			if (hint)
				json_object_set_new(p, "hint", json_string(hint));
		}
		json_object_set(o, "properties", props);
		json_decref(shape);
	}
	return o;
}

/* ---- the walk both text and Markdown views use ---- */

static void walk(const struct schema_shape *s, struct buf *path, bool attributes,
		 types_row_fn row, void *ud)
{
	size_t mark = path->len;
	while (s->kind == SK_ARRAY || s->kind == SK_MAP) {
		buf_adds(path, s->kind == SK_ARRAY ? "[]" : ".*");
		s = s->items;
	}
	for (size_t i = 0; s->kind == SK_OBJECT && i < s->nprops; i++) {
		const struct schema_prop *p = &s->props[i];
		size_t pmark = path->len;
		bool nested = path->len > 0;
		if (!nested && !!(p->flags & SP_READ_ONLY) != attributes)
			continue;
		if (nested)
			buf_addch(path, '.');
		buf_adds(path, p->name);
		row(ud, p, path->ptr, nested);
		walk(p->shape, path, attributes, row, ud);
		buf_setlen(path, pmark);
	}
	buf_setlen(path, mark);
}

void types_walk(const struct schema_shape *s, bool attributes, types_row_fn row, void *ud)
{
	struct buf path = BUF_INIT;
	walk(s, &path, attributes, row, ud);
	buf_release(&path);
}

bool types_replaces(const struct schema_resource *r, const struct schema_prop *p)
{
	const char *allowed, *hint;
	if (p->flags & (SP_CREATE_ONLY | SP_COND_CREATE_ONLY | SP_READ_ONLY | SP_WRITE_ONLY))
		return false;
	if ((r->tags_property && !strcmp(p->name, r->tags_property)) ||
	    schema_support(r->type_name, p->name, &allowed, &hint) != SCHEMA_TAKEN)
		return false;
	const struct rtype *t = rtype_find(r->type_name);
	if (!t)
		return false;
	return !t->update || (t->updates && !t->updates(p->name));
}

/* ---- text ---- */

struct text_rows {
	struct cli_ctx *ctx;
	const struct schema_resource *r;
};

static void print_row(void *ud, const struct schema_prop *p, const char *path, bool nested)
{
	struct text_rows *tr = ud;
	struct cli_ctx *ctx = tr->ctx;
	struct buf line = BUF_INIT, kind = BUF_INIT;
	const struct schema_shape *leaf = p->shape;
	const char *allowed = NULL, *hint = NULL;
	enum schema_support sup = nested ? SCHEMA_TAKEN :
				  schema_support(tr->r->type_name, p->name, &allowed, &hint);

	types_add_kind(&kind, p->shape);
	buf_addf(&line, "  %-44s %-18s", path, kind.ptr);
	/* Every attribute is read-only: say it only below the top. */
	for (size_t f = 0; f < types_flags_count; f++)
		if ((p->flags & types_flags[f].flag) &&
		    (nested || types_flags[f].flag != SP_READ_ONLY))
			buf_addf(&line, " %s", types_flags[f].name);
	if (p->default_json)
		buf_addf(&line, " default=%s", p->default_json);
	if (!nested && types_replaces(tr->r, p))
		buf_adds(&line, " replaces");
	if (sup == SCHEMA_REFUSED)
		buf_adds(&line, " not-supported");
	else if (sup == SCHEMA_ONLY)
		buf_addf(&line, " only=%s", allowed);
	buf_rtrim(&line);
	fprintf(ctx->out, "%s\n", line.ptr);
	if (p->description)
		fprintf(ctx->out, "      %s\n", p->description);
	/* validate refuses what berth does not send: say so where the user
	 * looks before writing it. */
	if (sup == SCHEMA_REFUSED)
		fprintf(ctx->out, "      berth does not set it yet%s%s\n", hint ? ": " : "",
			hint ? hint : "");
	else if (sup == SCHEMA_ONLY)
		fprintf(ctx->out, "      berth sets only %s (AWS's default)%s%s\n", allowed,
			hint ? ": " : "", hint ? hint : "");
	while (leaf->kind == SK_ARRAY || leaf->kind == SK_MAP)
		leaf = leaf->items;
	if (leaf->nenum) {
		fprintf(ctx->out, "      one of:");
		for (size_t e = 0; e < leaf->nenum; e++)
			fprintf(ctx->out, "%s %s", e ? "," : "", leaf->enum_values[e]);
		fprintf(ctx->out, "\n");
	}
	buf_release(&line);
	buf_release(&kind);
}

static void print_type(struct cli_ctx *ctx, const struct schema_resource *r)
{
	fprintf(ctx->out, "%s\n", r->type_name);
	if (r->description)
		fprintf(ctx->out, "  %s\n", r->description);
	fprintf(ctx->out, "  primary identifier: ");
	for (size_t i = 0; i < r->nprimary; i++)
		fprintf(ctx->out, "%s%s", i ? " + " : "", r->primary_id[i]);
	fprintf(ctx->out, "%s\n", r->nprimary ? "" : "(none)");
	if (r->taggable)
		fprintf(ctx->out, "  tags: %s (%s)\n", r->tags_property ? r->tags_property : "?",
			r->tags_as_map ? "a map of key: value" : "a list of {Key, Value}");
	else
		fprintf(ctx->out, "  tags: not taggable\n");
	struct text_rows tr = { ctx, r };
	fprintf(ctx->out, "\nproperties:\n");
	types_walk(r->shape, false, print_row, &tr);
	fprintf(ctx->out, "\nattributes (read-only; reference as ${ID.NAME}):\n");
	types_walk(r->shape, true, print_row, &tr);
}

int cmd_types(struct cli_ctx *ctx, int argc, char **argv)
{
	int json = 0, markdown = 0;
	const struct option opts[] = {
		{ OPT_FLAG, 0, "json", &json, NULL, "print as JSON" },
		{ OPT_FLAG, 0, "markdown", &markdown, NULL,
		  "print the reference as Markdown: every type's properties and attributes (docs/types.md)" },
		OPT_END_MARK,
	};
	size_t n_types = 0;
	const struct schema_resource *const *all;
	int n = parse_options(ctx, argc, argv, opts, "[TYPE]",
			      "Lists the resource types berth manages, or one type's properties\n"
			      "with their flags (required, create-only, read-only, sensitive, ...).\n"
			      "--markdown without TYPE prints the whole reference page, docs/types.md.");
	if (n < 0)
		return parse_exit(n);
	if (n > 1) {
		cli_error(ctx, "types: unexpected argument '%s'", argv[2]);
		return EXIT_FAIL;
	}
	if (json && markdown) {
		cli_error(ctx, "types: choose one of --json and --markdown");
		return EXIT_FAIL;
	}
	all = schema_all(&n_types);
	if (n == 1) {
		const struct schema_resource *r = schema_find(argv[1]);
		if (!r) {
			const char *near = schema_suggest(argv[1]);
			if (near)
				cli_error(ctx, "types: unknown type '%s'; did you mean '%s'?", argv[1], near);
			else
				cli_error(ctx, "types: unknown type '%s' (see 'berth types')", argv[1]);
			return EXIT_FAIL;
		}
		if (markdown) {
			types_markdown(ctx, &r, 1, false);
		} else if (json) {
			json_t *o = type_json(r, true);
			char *s = json_dumps(o, JSON_INDENT(2));
			fprintf(ctx->out, "%s\n", s);
			free(s);
			json_decref(o);
		} else {
			print_type(ctx, r);
		}
		return EXIT_OK;
	}
	if (markdown) {
		types_markdown(ctx, all, n_types, true);
		return EXIT_OK;
	}
	if (json) {
		json_t *arr = json_array();
		char *s;
		for (size_t i = 0; i < n_types; i++)
			json_array_append_new(arr, type_json(all[i], false));
		s = json_dumps(arr, JSON_INDENT(2));
		fprintf(ctx->out, "%s\n", s);
		free(s);
		json_decref(arr);
		return EXIT_OK;
	}
	for (size_t i = 0; i < n_types; i++)
		fprintf(ctx->out, "%-46s %s\n", all[i]->type_name,
			all[i]->description ? all[i]->description : "");
	return EXIT_OK;
}
