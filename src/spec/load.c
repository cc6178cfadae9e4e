/* YAML -> located node tree (node.h), with the checks that make YAML a spec
 * language: one document, unique string keys, no anchors/aliases, no tags, no
 * tab indentation. libyaml's event API is used rather than its document API
 * because events carry the marks we need and let us reject aliases before
 * libyaml would expand them. */
#include "util/common.h"
#include "spec/node.h"
#include "spec/guard.h"

#include <yaml.h>

/* Aliases are rejected outright rather than only cyclic ones: a spec is read
 * by people in review, every value should be written where it applies, and an
 * alias would make one node appear at several places, so "the position of
 * this value" would stop meaning one place in the file. Anchors are rejected
 * with them since an anchor is only useful to an alias. */

static struct node *node_new(struct spec_doc *doc, enum node_kind kind, int line, int col)
{
	struct node *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->file = doc->file;
	n->line = line;
	n->col = col;
	n->doc = doc;
	ALLOC_GROW(doc->all, doc->nall + 1, doc->alloc);
	doc->all[doc->nall++] = n;
	return n;
}

void spec_doc_free(struct spec_doc *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->nall; i++) {
		struct node *n = doc->all[i];
		free(n->str);
		free(n->opens);
		free(n->keys);
		free(n->vals);
		free(n);
	}
	free(doc->all);
	free(doc->line_starts);
	buf_release(&doc->src);
	free(doc->file);
	free(doc);
}

static size_t count_opens(const char *s, size_t from, size_t to)
{
	size_t k = 0;
	for (size_t i = from; i + 1 < to; i++)
		k += s[i] == '$' && s[i + 1] == '{';
	return k;
}

/* The "${" index of scalar n (node.h), once, when it is read. */
static void index_opens(struct node *n)
{
	const char *src = n->doc->src.ptr;
	size_t nval = count_opens(n->str, 0, n->len);
	size_t nsrc = count_opens(src, n->src_start, n->src_end);
	n->opens_mismatch = nval != nsrc;
	if (!nval)
		return;
	n->opens = xcalloc(2 * nval, sizeof(*n->opens));
	for (size_t i = 0; i + 1 < n->len; i++)
		if (n->str[i] == '$' && n->str[i + 1] == '{')
			n->opens[n->nopens++] = i;
	size_t k = 0;
	for (size_t i = n->src_start; !n->opens_mismatch && i + 1 < n->src_end; i++)
		if (src[i] == '$' && src[i + 1] == '{')
			n->opens[nval + k++] = i;
}

static void index_lines(struct spec_doc *doc)
{
	size_t alloc = 0;
	const char *s = doc->src.ptr;
	ALLOC_GROW(doc->line_starts, 1, alloc);
	doc->line_starts[0] = 0;
	doc->nlines = 1;
	for (size_t i = 0; i < doc->src.len; i++) {
		/* Same line breaks as libyaml: \n, \r\n, lone \r. */
		if (s[i] == '\r' && i + 1 < doc->src.len && s[i + 1] == '\n')
			i++;
		else if (s[i] != '\n' && s[i] != '\r')
			continue;
		ALLOC_GROW(doc->line_starts, doc->nlines + 1, alloc);
		doc->line_starts[doc->nlines++] = i + 1;
	}
}

/* libyaml marks count characters; convert (0-based line, char column) to a
 * byte offset so columns agree with the renderer, which pads by bytes. Marks
 * arrive in file order, so the walk starts from the previous mark when it is
 * on the same line: a 400 KB one-line flow map is then linear, not
 * quadratic. */
static size_t mark_offset(struct spec_doc *doc, const yaml_mark_t *m)
{
	size_t line = m->line < doc->nlines ? m->line : doc->nlines - 1;
	size_t off = doc->line_starts[line], c = 0;
	if (doc->mark_line == line && doc->mark_col <= m->column && doc->mark_off >= off) {
		c = doc->mark_col;
		off = doc->mark_off;
	}
	for (; c < m->column && off < doc->src.len; c++) {
		off++;
		while (off < doc->src.len && ((unsigned char)doc->src.ptr[off] & 0xC0) == 0x80)
			off++;
	}
	doc->mark_line = line;
	doc->mark_col = c;
	doc->mark_off = off;
	return off;
}

static void offset_linecol(const struct spec_doc *doc, size_t off, int *line, int *col)
{
	size_t lo = 0, hi = doc->nlines;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (doc->line_starts[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	*line = (int)lo + 1;
	*col = (int)(off - doc->line_starts[lo]) + 1;
}

static void mark_pos(struct spec_doc *doc, const yaml_mark_t *m, int *line, int *col)
{
	offset_linecol(doc, mark_offset(doc, m), line, col);
}

static bool all_digits(const char *s, const char *set)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr(set, *s))
			return false;
	return true;
}

static bool is_float(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF"))
		return true;
	bool digits = false;
	while (*s >= '0' && *s <= '9')
		s++, digits = true;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9')
			s++, digits = true;
	}
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* YAML 1.2 core schema, which is what people expect today: `yes`/`on` are
 * strings (unlike YAML 1.1), `0x10` is a number. */
static enum scalar_type resolve_plain(const char *s)
{
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	    !strcmp(s, "NULL"))
		return ST_NULL;
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE") ||
	    !strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return ST_BOOL;
	const char *d = (*s == '-' || *s == '+') ? s + 1 : s;
	if (all_digits(d, "0123456789"))
		return ST_INT;
	if ((!strncmp(s, "0x", 2) && all_digits(s + 2, "0123456789abcdefABCDEF")) ||
	    (!strncmp(s, "0o", 2) && all_digits(s + 2, "01234567")))
		return ST_INT;
	if (is_float(s) || !strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
		return ST_FLOAT;
	return ST_STRING;
}

static const char *stype_name(enum scalar_type t)
{
	switch (t) {
	case ST_STRING: return "a string";
	case ST_NULL: return "null";
	case ST_BOOL: return "a boolean";
	case ST_INT: return "an integer";
	case ST_FLOAT: return "a number";
	}
	return "a value";
}

const char *node_kind_name(const struct node *n)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case NODE_SEQ: return "a list";
	case NODE_MAP: return "a map";
	case NODE_SCALAR: return stype_name(n->stype);
	}
	return "a value";
}

/* Tabs: YAML forbids them in indentation but libyaml's message for it ("found
 * character that cannot start any token") does not say so. We check every
 * line's leading whitespace first and say what is wrong. */
static void check_tabs(struct spec_doc *doc, struct diags *d)
{
	for (size_t l = 0; l < doc->nlines; l++) {
		size_t i = doc->line_starts[l];
		while (i < doc->src.len && (doc->src.ptr[i] == ' ' || doc->src.ptr[i] == '\t')) {
			if (doc->src.ptr[i] == '\t') {
				diags_error_at(d, doc->file, (int)l + 1,
					       (int)(i - doc->line_starts[l]) + 1,
					       "tab in indentation; indent with spaces");
				break;
			}
			i++;
		}
	}
}

/* A small open-addressing set of key strings for the duplicate check, so a
 * 10,000-resource map stays linear. Holds indexes into the map's keys. */
static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Reports repeated keys and drops the repeats (the first one stays), so a
 * lenient parse still hands later phases a map with unique keys. */
static void check_duplicates(struct node *map, struct diags *d)
{
	size_t w = 0;
	size_t cap = 16;
	while (cap < map->n * 2)
		cap *= 2;
	size_t *slots = xmalloc(cap * sizeof(size_t));
	for (size_t i = 0; i < cap; i++)
		slots[i] = SIZE_MAX;
	for (size_t i = 0; i < map->n; i++) {
		const struct node *k = map->keys[i];
		size_t h = hash_str(k->str) & (cap - 1);
		while (slots[h] != SIZE_MAX) {
			const struct node *o = map->keys[slots[h]];
			if (!strcmp(o->str, k->str)) {
				diags_error_at(d, k->file, k->line, k->col,
					       "duplicate key '%s' (first set at line %d)", k->str,
					       o->line);
				goto next;
			}
			h = (h + 1) & (cap - 1);
		}
		slots[h] = w;
		map->keys[w] = map->keys[i];
		map->vals[w] = map->vals[i];
		w++;
	next:;
	}
	map->n = w;
	free(slots);
}

struct frame {
	struct node *n;
	size_t alloc;
	struct node *pending_key; /* maps: a key waiting for its value */
	bool bad_key;             /* the pending key was rejected: drop the value */
};

static void frame_add(struct frame *f, struct node *child, struct diags *d)
{
	struct node *n = f->n;
	if (n->kind == NODE_SEQ) {
		ALLOC_GROW(n->vals, n->n + 1, f->alloc);
		n->vals[n->n++] = child;
		return;
	}
	if (!f->pending_key && !f->bad_key) {
		/* This is a key. */
		if (child->kind != NODE_SCALAR) {
			diags_error_at(d, child->file, child->line, child->col,
				       "keys must be strings, got %s", node_kind_name(child));
			f->bad_key = true;
		} else if (child->stype != ST_STRING) {
			diags_error_at(d, child->file, child->line, child->col,
				       "keys must be strings, got %s; quote it (\"%s\") if you mean the text",
				       stype_name(child->stype), child->str);
			f->bad_key = true;
		} else {
			f->pending_key = child;
		}
		return;
	}
	if (f->bad_key) {
		f->bad_key = false;
		return;
	}
	size_t alloc = f->alloc;
	ALLOC_GROW(n->keys, n->n + 1, alloc);
	ALLOC_GROW(n->vals, n->n + 1, f->alloc);
	n->keys[n->n] = f->pending_key;
	n->vals[n->n++] = child;
	f->pending_key = NULL;
}

static void yaml_error(struct spec_doc *doc, yaml_parser_t *p, struct diags *d)
{
	int line, col;
	/* problem_mark is where libyaml noticed; context is the construct it was in. */
	mark_pos(doc, &p->problem_mark, &line, &col);
	if (p->context && p->context_mark.line != p->problem_mark.line)
		diags_error_at(d, doc->file, line, col, "invalid YAML: %s %s (started at line %d)",
			       p->problem, p->context, (int)p->context_mark.line + 1);
	else if (p->context)
		diags_error_at(d, doc->file, line, col, "invalid YAML: %s %s", p->problem,
			       p->context);
	else
		diags_error_at(d, doc->file, line, col, "invalid YAML: %s",
			       p->problem ? p->problem : "cannot parse");
}

static int parse_doc(const char *file, const char *data, size_t len, bool lenient,
		     struct spec_doc **out, struct diags *d)
{
	struct spec_doc *doc = xcalloc(1, sizeof(*doc));
	yaml_parser_t parser;
	yaml_event_t ev;
	struct frame *stack = NULL;
	size_t depth = 0, stack_alloc = 0;
	int docs = 0, rc = BERTH_EINVAL;
	size_t errs_before = diags_count(d, DIAG_ERROR);
	bool done = false;

	doc->file = xstrdup(file);
	buf_init(&doc->src, len);
	buf_add(&doc->src, data, len);
	index_lines(doc);
	check_tabs(doc, d);
	if (diags_count(d, DIAG_ERROR) > errs_before) {
		spec_doc_free(doc);
		return BERTH_EINVAL;
	}
	if (memchr(data, '\0', len)) {
		diags_error_at(d, doc->file, 1, 1, "the file contains a NUL byte; a spec is text");
		spec_doc_free(doc);
		return BERTH_EINVAL;
	}

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)doc->src.ptr, doc->src.len);
	while (!done) {
		int line, col;
		struct node *n = NULL;
		if (!yaml_parser_parse(&parser, &ev)) {
			yaml_error(doc, &parser, d);
			goto cleanup;
		}
		mark_pos(doc, &ev.start_mark, &line, &col);
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				diags_error_at(d, doc->file, line, col,
					       "a spec is one YAML document; found a second one here");
				yaml_event_delete(&ev);
				goto cleanup;
			}
			break;
		case YAML_ALIAS_EVENT:
			diags_error_at(d, doc->file, line, col,
				       "aliases (*%s) are not allowed in a spec; write the value out",
				       (const char *)ev.data.alias.anchor);
			/* Stand in a null so the surrounding map stays well formed. */
			n = node_new(doc, NODE_SCALAR, line, col);
			n->str = xstrdup("");
			n->stype = ST_NULL;
			n->src_start = mark_offset(doc, &ev.start_mark);
			n->src_end = mark_offset(doc, &ev.end_mark);
			index_opens(n);
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			const yaml_char_t *anchor, *tag;
			bool implicit;
			if (ev.type == YAML_SCALAR_EVENT) {
				anchor = ev.data.scalar.anchor;
				tag = ev.data.scalar.tag;
				implicit = ev.data.scalar.plain_implicit || ev.data.scalar.quoted_implicit;
			} else if (ev.type == YAML_SEQUENCE_START_EVENT) {
				anchor = ev.data.sequence_start.anchor;
				tag = ev.data.sequence_start.tag;
				implicit = ev.data.sequence_start.implicit;
			} else {
				anchor = ev.data.mapping_start.anchor;
				tag = ev.data.mapping_start.tag;
				implicit = ev.data.mapping_start.implicit;
			}
			if (anchor)
				diags_error_at(d, doc->file, line, col,
					       "anchors (&%s) are not allowed in a spec; write the value out",
					       (const char *)anchor);
			bool str_tag = tag && !strcmp((const char *)tag, "tag:yaml.org,2002:str");
			if (tag && !implicit && !str_tag)
				diags_error_at(d, doc->file, line, col,
					       "YAML tags (%s) are not supported; use ${...} expressions",
					       (const char *)tag);
			if (ev.type == YAML_SCALAR_EVENT) {
				n = node_new(doc, NODE_SCALAR, line, col);
				n->len = ev.data.scalar.length;
				n->str = xstrndup((const char *)ev.data.scalar.value, n->len);
				if (n->len != strlen(n->str)) {
					/* A "\0" escape: refuse it, and keep the length in
					 * step with the (cut) string for later phases. */
					diags_error_at(d, doc->file, line, col,
						       "the value contains a NUL character");
					n->len = strlen(n->str);
				}
				n->src_start = mark_offset(doc, &ev.start_mark);
				n->src_end = mark_offset(doc, &ev.end_mark);
				index_opens(n);
				switch (ev.data.scalar.style) {
				case YAML_SINGLE_QUOTED_SCALAR_STYLE: n->style = SS_SINGLE; break;
				case YAML_DOUBLE_QUOTED_SCALAR_STYLE: n->style = SS_DOUBLE; break;
				case YAML_LITERAL_SCALAR_STYLE: n->style = SS_LITERAL; break;
				case YAML_FOLDED_SCALAR_STYLE: n->style = SS_FOLDED; break;
				default: n->style = SS_PLAIN; break;
				}
				n->stype = (n->style == SS_PLAIN && !str_tag) ? resolve_plain(n->str)
									      : ST_STRING;
			} else {
				if (depth >= SPEC_MAX_NESTING) {
					/* Everything after parsing (evaluation, checks,
					 * JSON) recurses over the tree: bound it here, as
					 * JSON parsers do, rather than overflow the stack. */
					diags_error_at(d, doc->file, line, col,
						       "values are nested more than %d levels deep here",
						       SPEC_MAX_NESTING);
					yaml_event_delete(&ev);
					goto cleanup;
				}
				n = node_new(doc, ev.type == YAML_SEQUENCE_START_EVENT ? NODE_SEQ : NODE_MAP,
					     line, col);
				ALLOC_GROW(stack, depth + 1, stack_alloc);
				stack[depth++] = (struct frame){ n, 0, NULL, false };
				n = NULL; /* added to its parent when it ends */
			}
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			n = stack[--depth].n;
			if (n->kind == NODE_MAP)
				check_duplicates(n, d);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (n) {
			if (depth)
				frame_add(&stack[depth - 1], n, d);
			else
				doc->root = n;
		}
	}
	/* Reaching the end means the tree is well formed; what was reported on
	 * the way (duplicates, aliases, tags, key types) left it usable. */
	if (diags_count(d, DIAG_ERROR) == errs_before || lenient)
		rc = 0;
cleanup:
	yaml_parser_delete(&parser);
	free(stack);
	if (rc) {
		spec_doc_free(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

int spec_doc_parse(const char *file, const char *data, size_t len, struct spec_doc **out,
		   struct diags *d)
{
	return parse_doc(file, data, len, false, out, d);
}

int spec_doc_parse_lenient(const char *file, const char *data, size_t len,
			   struct spec_doc **out, struct diags *d)
{
	return parse_doc(file, data, len, true, out, d);
}

int spec_doc_load(const char *path, struct spec_doc **out, struct diags *d)
{
	struct buf b = BUF_INIT, why = BUF_INIT;
	int rc = spec_guard_read(path, SPEC_MAX_FILE_BYTES, &b, &why);
	if (rc) {
		diags_add(d, DIAG_ERROR, "cannot read '%s': %s", path, why.ptr);
		buf_release(&b);
		buf_release(&why);
		return rc == BERTH_EINVAL ? BERTH_EINVAL : BERTH_EIO;
	}
	buf_release(&why);
	rc = parse_doc(path, b.ptr, b.len, true, out, d);
	buf_release(&b);
	return rc;
}

const struct node *node_key(const struct node *map, const char *name)
{
	if (!map || map->kind != NODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i]->str, name))
			return map->keys[i];
	return NULL;
}

const struct node *node_get(const struct node *map, const char *name)
{
	if (!map || map->kind != NODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i]->str, name))
			return map->vals[i];
	return NULL;
}

void node_offset_pos(const struct node *s, size_t off, int *line, int *col)
{
	const struct spec_doc *doc = s->doc;
	const char *src = doc->src.ptr;
	size_t anchor_val = 0, anchor_src = SIZE_MAX, last = SIZE_MAX;

	*line = s->line;
	*col = s->col;
	if (s->kind != NODE_SCALAR || off > s->len)
		return;
	/* Which "${" (if any) starts at or before off: the index's last one
	 * at or before it, by bisection. "${" is never produced by an escape
	 * or by folding (both characters are printable and adjacent), so the
	 * k-th one in the value is the k-th one in the source unless the
	 * author escaped a '$' in a double-quoted string; then the counts
	 * differ and we fall back. */
	size_t lo = 0, hi = s->nopens;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->opens[mid] <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo) {
		if (s->opens_mismatch)
			return; /* an escape made or hid a "${": the scalar's start */
		last = s->opens[lo - 1];
		anchor_val = last;
		anchor_src = s->opens[s->nopens + lo - 1];
	} else if (s->style == SS_PLAIN) {
		anchor_src = s->src_start;
	} else if (s->style == SS_SINGLE || s->style == SS_DOUBLE) {
		anchor_src = s->src_start + 1;
	}
	if (anchor_src == SIZE_MAX)
		return;
	/* Move forward from the anchor while source and value agree on one line. */
	size_t delta = off - anchor_val, i = 0;
	while (i < delta && anchor_src + i < s->src_end && src[anchor_src + i] == s->str[anchor_val + i] &&
	       src[anchor_src + i] != '\n')
		i++;
	if (i < delta) {
		/* Cannot map exactly (escapes, folding): the "${" that starts
		 * this expression, else the scalar's start. */
		if (last == SIZE_MAX)
			return;
		i = 0;
	}
	offset_linecol(doc, anchor_src + i, line, col);
}
