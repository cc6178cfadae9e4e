/* The spec language's functions: file, template, cidrsubnet, json, join, fetch
 * (DESIGN.md §3). The spec layer parses `${fn(args)}` calls and evaluates the
 * arguments; this module computes the result. Nothing here prints. */
#ifndef BERTH_SPEC_FUNC_H
#define BERTH_SPEC_FUNC_H

#include <stdbool.h>
#include <jansson.h>

#include "util/diag.h"

struct spec_func_ctx {
	const char *spec_dir;    /* relative paths resolve from here (the spec or module
				  * file's folder) and may go up, as Terraform's do */
	const char *cache_dir;   /* fetch() cache, e.g. .berth/cache; created when missing */
	bool allow_network;      /* false for `berth validate`: fetch() must then use the cache or say it cannot */
	const json_t *hidden;    /* texts read by earlier calls, never quoted in messages; may be NULL */
};

/* Calls function `name` with `args`, a JSON array of already evaluated
 * arguments (borrowed). On success returns 0 and *out is a new reference.
 * On failure returns a negative enum berth_err (BERTH_ENOTFOUND for an unknown
 * function, BERTH_EINVAL for bad arguments, BERTH_EIO / BERTH_ENET for files
 * and downloads) and adds one error to d whose summary is about the call
 * ("file(\"x.yaml\"): ..."); the caller adds file, line and column.
 *
 * Functions and their positional arguments:
 *   file(PATH)                      the file's text (UTF-8)
 *   template(TEXT_OR_PATH, MAP)     replaces {{K}} (or {{ K }}) placeholders with
 *                                   MAP's values (strings, numbers, booleans); an
 *                                   unfilled placeholder and an unused key are
 *                                   errors. The first argument is a path when it
 *                                   is one line without "{{" naming an existing
 *                                   file (relative to spec_dir); one line without
 *                                   "{{" naming no file is an error (a mistyped
 *                                   path); anything else is the template text
 *                                   itself, so template(file(P), {...}) works too
 *   cidrsubnet(CIDR, NEWBITS, NUM)  IPv4 subnet, Terraform semantics
 *   json(VALUE)                     compact JSON with keys sorted
 *   join(SEP, LIST)                 strings/numbers/booleans joined by SEP
 *   fetch(URL, SHA256)              downloads once into cache_dir/<sha256>, checks
 *                                   the hash, returns the text. Only https://
 *                                   URLs (http:// only to loopback, for tests):
 *                                   never file://.
 *                                   Calls are positional, so the design's
 *                                   fetch(URL, sha256=HEX) is written
 *                                   fetch(URL, "HEX"); "sha256=HEX" and
 *                                   "sha256:HEX" strings are accepted too. With
 *                                   allow_network false only the cache is used.
 * Numbers for cidrsubnet may be given as numeric strings (--var values). */
int spec_func_call(const struct spec_func_ctx *fctx, const char *name, json_t *args,
		   json_t **out, struct diags *d);

/* The nearest function name to a misspelled one, or NULL. */
const char *spec_func_suggest(const char *name);

/* True when `name` is a known function. */
bool spec_func_exists(const char *name);

#endif
