/* `berth types --markdown`: the resource type reference (docs/types.md) as
 * Markdown, from the type registry alone, so the committed page is exactly
 * what the binary knows and a test can tell when it is stale. */
#include "util/common.h"
#include "cli/types_view.h"

#include <ctype.h>

/* Table cells are one line and may not hold a bare '|'. */
static void add_cell(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			buf_adds(b, "\\|");
		else if (*s == '\n' || *s == '\r')
			buf_addch(b, ' ');
		else
			buf_addch(b, *s);
	}
}

/* A code span that survives backticks inside (schema defaults are JSON text
 * and enum values are free strings): GFM closes a span only on a run of
 * backticks as long as the opening one. */
static void add_code(struct buf *b, const char *s)
{
	const char *tick = strchr(s, '`');
	buf_adds(b, tick ? "`` " : "`");
	add_cell(b, s);
	buf_adds(b, tick ? " ``" : "`");
}

/* GitHub's heading anchor for a type name: lower case, "::" dropped
 * ("AWS::ECS::Cluster" -> "awsecscluster"). */
static void add_anchor(struct buf *b, const char *type_name)
{
	for (const char *p = type_name; *p; p++)
		if (*p != ':')
			buf_addch(b, tolower((unsigned char)*p));
}

static void add_bound(struct buf *b, double x)
{
	if (x == (double)(long long)x)
		buf_addf(b, "%lld", (long long)x);
	else
		buf_addf(b, "%g", x);
}

/* The notes column: description, allowed values, bounds (on strings the
 * schemas bound the length). */
static void add_notes(struct buf *b, const struct schema_prop *p)
{
	const struct schema_shape *leaf = p->shape;
	size_t mark = b->len;
	while (leaf->kind == SK_ARRAY || leaf->kind == SK_MAP)
		leaf = leaf->items;
	if (p->description)
		add_cell(b, p->description);
	if (leaf->nenum) {
		buf_adds(b, b->len > mark ? " One of: " : "One of: ");
		for (size_t e = 0; e < leaf->nenum; e++) {
			if (e)
				buf_adds(b, ", ");
			add_code(b, leaf->enum_values[e]);
		}
		buf_addch(b, '.');
	}
	if (leaf->has_min || leaf->has_max) {
		buf_adds(b, b->len > mark ? " " : "");
		buf_adds(b, leaf->kind == SK_STRING ? "Length " : "Value ");
		if (leaf->has_min && leaf->has_max) {
			add_bound(b, leaf->min);
			buf_adds(b, " to ");
			add_bound(b, leaf->max);
		} else {
			buf_adds(b, leaf->has_min ? "at least " : "at most ");
			add_bound(b, leaf->has_min ? leaf->min : leaf->max);
		}
		buf_addch(b, '.');
	}
}

/* One table row per property (types_walk gives nested members as paths right
 * after their parent). */
struct md_rows {
	struct buf *out;
	const struct schema_resource *r;
};

static void add_row(void *ud, const struct schema_prop *p, const char *path, bool nested)
{
	struct md_rows *mr = ud;
	struct buf *out = mr->out;
	bool any = false;
	const char *allowed = NULL, *hint = NULL;
	enum schema_support sup = nested ? SCHEMA_TAKEN :
				  schema_support(mr->r->type_name, p->name, &allowed, &hint);
	buf_adds(out, "| ");
	add_code(out, path);
	buf_adds(out, " | ");
	types_add_kind(out, p->shape);
	buf_adds(out, " | ");
	for (size_t f = 0; f < types_flags_count; f++) {
		/* Every attribute is read-only: say it only below the top. */
		if (!(p->flags & types_flags[f].flag) ||
		    (!nested && types_flags[f].flag == SP_READ_ONLY))
			continue;
		buf_adds(out, any ? ", " : "");
		buf_adds(out, types_flags[f].name);
		any = true;
	}
	if (!nested && types_replaces(mr->r, p)) {
		buf_adds(out, any ? ", " : "");
		buf_adds(out, "replaces");
		any = true;
	}
	if (sup != SCHEMA_TAKEN) {
		buf_adds(out, any ? ", " : "");
		if (sup == SCHEMA_REFUSED) {
			buf_adds(out, "**not supported**");
		} else {
			buf_adds(out, "**only** ");
			add_code(out, allowed);
		}
	}
	buf_adds(out, " | ");
	if (p->default_json)
		add_code(out, p->default_json);
	buf_adds(out, " | ");
	if (hint) {
		add_cell(out, hint);
		buf_adds(out, ". ");
	}
	add_notes(out, p);
	buf_rtrim(out);
	buf_adds(out, " |\n");
}

static void add_section(struct buf *out, const struct schema_resource *r)
{
	struct buf rows = BUF_INIT;
	buf_addf(out, "## %s\n\n", r->type_name);
	if (r->description) {
		add_cell(out, r->description);
		buf_adds(out, "\n\n");
	}
	buf_adds(out, "Primary identifier (`${ID}`): ");
	for (size_t i = 0; i < r->nprimary; i++) {
		buf_adds(out, i ? " + " : "");
		add_code(out, r->primary_id[i]);
	}
	buf_adds(out, r->nprimary ? ". " : "none. ");
	if (r->taggable)
		buf_addf(out, "Tags: `%s`, %s.\n\n", r->tags_property ? r->tags_property : "?",
			 r->tags_as_map ? "a map of key: value" : "a list of {Key, Value}");
	else
		buf_adds(out, "Not taggable: berth finds it through its parent or its name.\n\n");

	struct md_rows mr = { &rows, r };
	types_walk(r->shape, false, add_row, &mr);
	buf_adds(out, "| property | type | flags | default | notes |\n|---|---|---|---|---|\n");
	buf_addbuf(out, &rows);
	buf_reset(&rows);
	types_walk(r->shape, true, add_row, &mr);
	if (rows.len) {
		buf_adds(out, "\nAttributes (read-only; reference as `${ID.NAME}`):\n\n");
		buf_adds(out, "| attribute | type | flags | default | notes |\n|---|---|---|---|---|\n");
		buf_addbuf(out, &rows);
	} else {
		buf_adds(out, "\nNo attributes besides the primary identifier.\n");
	}
	buf_release(&rows);
}

static const char legend[] =
	"Generated by `berth types --markdown` from berth's type registry (the\n"
	"CloudFormation registry schemas in `src/schema/types_gen.c` and berth's own\n"
	"types in `src/schema/types_berth.c`); do not edit. After changing the registry:\n"
	"\n"
	"```sh\n"
	"build/berth types --markdown > docs/types.md\n"
	"```\n"
	"\n"
	"Property names are CloudFormation's, so AWS's CloudFormation reference\n"
	"documents each one at length. Nested members are written as paths:\n"
	"`Prop[]` is each element of a list, `Prop.*` each value of a map.\n"
	"Flags:\n"
	"\n"
	"- **required**: the spec must give it (a nested one: when its parent is given).\n"
	"- **create-only**: changing it replaces the resource (the plan shows `-/+`).\n"
	"- **maybe-create-only**: AWS can change some values in place and not others;\n"
	"  berth replaces the resource whenever it changes, to be safe.\n"
	"- **read-only**: set by AWS; an attribute you can reference.\n"
	"- **write-only**: AWS never returns it, so berth does not compare it with live state.\n"
	"- **sensitive**: masked in output, plans and the state cache.\n"
	"- **replaces**: AWS can change it in place, berth cannot yet: changing it\n"
	"  replaces the resource (the plan says so, with the reason).\n"
	"- **not supported**: the schema allows it, berth does not set it yet; validate\n"
	"  refuses it at its line. **only** `V`: berth sets only that value (AWS's default).\n"
	"\n"
	"A **default** is what AWS assumes when the spec leaves the property out; for\n"
	"top-level properties berth compares against it, so leaving one out and\n"
	"writing its default plan the same.\n";

void types_markdown(struct cli_ctx *ctx, const struct schema_resource *const *types, size_t n,
		    bool whole)
{
	struct buf out = BUF_INIT;
	if (whole) {
		buf_adds(&out, "# Resource type reference\n\n");
		buf_adds(&out, legend);
		buf_adds(&out, "\n| type | what it is |\n|---|---|\n");
		for (size_t i = 0; i < n; i++) {
			buf_addf(&out, "| [%s](#", types[i]->type_name);
			add_anchor(&out, types[i]->type_name);
			buf_adds(&out, ") | ");
			if (types[i]->description)
				add_cell(&out, types[i]->description);
			buf_adds(&out, " |\n");
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (whole || i)
			buf_addch(&out, '\n');
		add_section(&out, types[i]);
	}
	fputs(out.ptr, ctx->out);
	buf_release(&out);
}
