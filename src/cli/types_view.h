/* What `berth types` shares between its text/JSON views (cmd_types.c) and its
 * Markdown reference (types_markdown.c), so both name kinds and flags alike. */
#ifndef BERTH_CLI_TYPES_VIEW_H
#define BERTH_CLI_TYPES_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"
#include "schema/schema.h"
#include "util/buf.h"

struct types_flag {
	unsigned flag; /* enum schema_prop_flags */
	const char *name; /* "required", "create-only", ... */
};
extern const struct types_flag types_flags[];
extern const size_t types_flags_count;

/* Whether changing the top-level property p of `type` replaces the
 * resource although the schema lets it change in place: berth's type has
 * no update, or its update does not change p (struct rtype's `updates`).
 * False for create-only, read-only and write-only properties (the flags
 * say those), tags, and properties berth refuses or takes one value of. */
bool types_replaces(const struct schema_resource *r, const struct schema_prop *p);

/* Appends a shape's kind in words: "string", "list of object", "set of
 * string", "map of string". */
void types_add_kind(struct buf *b, const struct schema_shape *s);

/* Called by types_walk for each property, in order, with its dotted path
 * (ContainerDefinitions[].PortMappings[].ContainerPort) and whether it lies
 * below the top level. */
typedef void (*types_row_fn)(void *ud, const struct schema_prop *p, const char *path, bool nested);

/* Walks a type's shape depth first, nested members right after their
 * parent. At the top level only settable properties (attributes false) or
 * only attributes (true) are visited; below it every member. */
void types_walk(const struct schema_shape *s, bool attributes, types_row_fn row, void *ud);

/* Prints the reference as Markdown on ctx->out: with `whole`, a title, a
 * legend and a table of contents before every type's section; otherwise only
 * the sections (one type). The output depends on the registry alone, so the
 * committed docs/types.md can be compared with a fresh one. */
void types_markdown(struct cli_ctx *ctx, const struct schema_resource *const *types, size_t n,
		    bool whole);

#endif
