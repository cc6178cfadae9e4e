/* The located YAML document tree every later spec phase reads.
 *
 * Why our own node type rather than jansson values plus a position side table:
 * every key and every value needs its own file/line/column (an unknown key is
 * reported at the key, a wrong value at the value), scalars must keep their
 * YAML style (a quoted "1" is a string, a plain 1 a number) and their source
 * span (to find the exact column of a `${` inside a quoted or block scalar),
 * and jansson objects lose key order and key positions. Conversion to jansson
 * happens later, in the evaluator, where values stop needing positions.
 *
 * Ownership: a struct spec_doc owns every node, string and the source text; a
 * node pointer is valid until spec_doc_free(). Nodes are immutable after load. */
#ifndef BERTH_SPEC_NODE_H
#define BERTH_SPEC_NODE_H

#include <stddef.h>
#include <stdbool.h>

#include "util/buf.h"
#include "util/diag.h"

enum node_kind { NODE_SCALAR, NODE_SEQ, NODE_MAP };

/* What a scalar is after YAML 1.2 core-schema resolution: only plain
 * scalars can be anything but a string. */
enum scalar_type { ST_STRING, ST_NULL, ST_BOOL, ST_INT, ST_FLOAT };

enum scalar_style { SS_PLAIN, SS_SINGLE, SS_DOUBLE, SS_LITERAL, SS_FOLDED, SS_FLOW };

struct node {
	enum node_kind kind;
	const char *file; /* owned by the doc */
	int line, col;    /* 1-based; col counts bytes, like the caret renderer */
	/* scalars */
	enum scalar_style style;
	enum scalar_type stype;
	char *str; /* decoded value, NUL-terminated */
	size_t len;
	size_t src_start, src_end; /* byte span in the doc's source (scalars) */
	/* Scalars: where each "${" is in str and in the source (opens[i],
	 * opens[nopens + i]; the source's only when the counts agree, else
	 * opens_mismatch: an escape made or hid a "${"), indexed when read, so
	 * that node_offset_pos scans no whole scalar per call (a long scalar
	 * with many references made its positions quadratic). */
	size_t *opens, nopens;
	bool opens_mismatch;
	/* sequences: vals[0..n); maps: keys[i] (always string scalars) -> vals[i],
	 * in file order, keys unique */
	struct node **keys, **vals;
	size_t n;
	const struct spec_doc *doc;
};

/* How deep maps and lists may nest in a YAML file: far beyond any spec (a
 * task definition with a policy document is about 10), far below what the
 * recursive phases after parsing could take. Deeper is an error at the
 * position where the limit is crossed. */
#define SPEC_MAX_NESTING 100

struct spec_doc {
	char *file;     /* the path as given (used in diagnostics) */
	struct buf src; /* the whole file */
	size_t *line_starts; /* byte offset of each line; [0] = 0 */
	size_t nlines;
	struct node *root; /* NULL for an empty document */
	/* the last libyaml mark converted to an offset: marks come in file
	 * order, so going on from there keeps a long line linear (load.c) */
	size_t mark_line, mark_col, mark_off;
	/* every node, for freeing */
	struct node **all;
	size_t nall, alloc;
};

/* Parses `len` bytes of YAML named `file`. Every problem (syntax error,
 * duplicate key, alias, tag, non-string key, tab indentation, more than one
 * document) becomes an error in d at its position; returns 0 with *out, or
 * BERTH_EINVAL (d has the reasons) and no doc. */
int spec_doc_parse(const char *file, const char *data, size_t len, struct spec_doc **out,
		   struct diags *d);
/* The same, but when the YAML is well formed and the only problems are ones
 * that leave a usable tree (duplicate keys: the first stays; aliases: null;
 * tags: ignored; non-string keys: dropped), returns 0 and the tree anyway,
 * with those errors in d, so the caller can go on and report more. A caller
 * must check d for errors. Syntax errors, tabs and NULs still fail. */
int spec_doc_parse_lenient(const char *file, const char *data, size_t len,
			   struct spec_doc **out, struct diags *d);
/* Reads and parses a file leniently (as spec_doc_parse_lenient); a missing
 * file is BERTH_EIO with an error naming it. */
int spec_doc_load(const char *path, struct spec_doc **out, struct diags *d);
void spec_doc_free(struct spec_doc *doc);

/* The value of key `name` in a map node, or NULL. */
const struct node *node_get(const struct node *map, const char *name);
/* The key node for `name` in a map, or NULL. */
const struct node *node_key(const struct node *map, const char *name);
const char *node_kind_name(const struct node *n);

/* Where byte `off` of scalar s's decoded value is in the file. Exact for
 * plain and block scalars and for the `${` that starts an expression in any
 * style; for other offsets in quoted or folded scalars whose source differs
 * from the value (escapes, folded line breaks) it falls back to the nearest
 * earlier `${`, or the scalar's own start. */
void node_offset_pos(const struct node *s, size_t off, int *line, int *col);

#endif
