/* Renders diagnostics for people: position, message, the source line with a
 * caret under the column (jq/rustc style), then details and AWS facts. */
#include "util/common.h"
#include "cli/cli.h"
#include "spec/guard.h"
#include "util/buf.h"

#include <stdarg.h>

void cli_error(struct cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	struct buf b = BUF_INIT;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	fprintf(ctx->err, "%s: %serror:%s %s\n", ctx->prog, ctx->color ? "\033[1;31m" : "",
		ctx->color ? "\033[0m" : "", b.ptr);
	buf_release(&b);
}

void cli_escape(struct buf *out, const char *s, bool keep_newlines)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p == '\n' && keep_newlines) || *p == '\t')
			buf_addch(out, (char)*p);
		else if (*p == '\n')
			buf_adds(out, "\\n");
		else if (*p < 0x20 || *p == 0x7f)
			buf_addf(out, "\\x%02x", *p);
		else
			buf_addch(out, (char)*p);
	}
}

/* The files diagnostics point into, each read once per render_diags and
 * split into lines once, so 100,000 diagnostics in one file cost one read,
 * not 100,000 rescans. */
struct src_file {
	char *path;
	struct buf text;
	size_t *starts; /* byte offset of each line */
	size_t nlines;
	bool usable;    /* read, and text: shown */
};

struct src_cache {
	struct src_file *v;
	size_t n, alloc;
};

static void src_cache_release(struct src_cache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].path);
		buf_release(&c->v[i].text);
		free(c->v[i].starts);
	}
	free(c->v);
}

static const struct src_file *src_get(struct src_cache *c, const char *path)
{
	struct buf why = BUF_INIT;
	struct src_file *f;
	size_t alloc = 0;
	for (size_t i = c->n; i-- > 0;)
		if (!strcmp(c->v[i].path, path))
			return &c->v[i];
	ALLOC_GROW(c->v, c->n + 1, c->alloc);
	f = &c->v[c->n++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	buf_init(&f->text, 0);
	/* Bounded, regular files only (guard.h); a file with NUL bytes is not
	 * a spec and none of its lines is shown (/proc/self/environ). */
	f->usable = !spec_guard_read(path, SPEC_MAX_FILE_BYTES, &f->text, &why) &&
		    !memchr(f->text.ptr, '\0', f->text.len);
	buf_release(&why);
	if (!f->usable)
		return f;
	ALLOC_GROW(f->starts, 1, alloc);
	f->starts[f->nlines++] = 0;
	for (size_t i = 0; i < f->text.len; i++) {
		/* Line breaks as YAML (and libyaml's marks) count them: \n,
		 * \r\n, and a lone \r. */
		char ch = f->text.ptr[i];
		if (ch == '\r' && i + 1 < f->text.len && f->text.ptr[i + 1] == '\n')
			i++;
		else if (ch != '\n' && ch != '\r')
			continue;
		ALLOC_GROW(f->starts, f->nlines + 1, alloc);
		f->starts[f->nlines++] = i + 1;
	}
	return f;
}

/* Line `line` (1-based) of f without its line break; false when none. */
static bool src_line(const struct src_file *f, int line, const char **text, size_t *len)
{
	size_t end;
	if (!f->usable || line < 1 || (size_t)line > f->nlines)
		return false;
	*text = f->text.ptr + f->starts[line - 1];
	end = (size_t)line < f->nlines ? f->starts[line] : f->text.len;
	while (end > f->starts[line - 1] &&
	       (f->text.ptr[end - 1] == '\n' || f->text.ptr[end - 1] == '\r'))
		end--;
	*len = end - f->starts[line - 1];
	return true;
}

/* How many columns byte s[i] takes once escaped (the caret's padding). */
static size_t shown_width(unsigned char c)
{
	if ((c & 0xC0) == 0x80)
		return 0; /* a UTF-8 continuation byte */
	if (c == '\t')
		return 1;
	return c < 0x20 || c == 0x7f ? 4 : 1;
}

/* Prints the source line with a caret under column col (bytes, 1-based).
 * A long line (a one-line flow map) is shown as a window of about
 * SRC_WINDOW bytes around the column: enough to see the problem, never a
 * whole file folded onto one line. Control characters are escaped. */
enum { SRC_WINDOW = 120 };
static void show_source(FILE *out, const char *on, const char *off, int line, int col,
			const char *text, size_t len)
{
	struct buf shown = BUF_INIT, pad = BUF_INIT;
	size_t at = col > 0 ? (size_t)col - 1 : 0, from = 0, to = len;
	if (at > len)
		at = len;
	if (len > SRC_WINDOW) {
		from = at > SRC_WINDOW / 2 ? at - SRC_WINDOW / 2 : 0;
		to = from + SRC_WINDOW < len ? from + SRC_WINDOW : len;
		while (from > 0 && ((unsigned char)text[from] & 0xC0) == 0x80)
			from--;
		while (to < len && ((unsigned char)text[to] & 0xC0) == 0x80)
			to++;
	}
	if (from)
		buf_adds(&shown, "...");
	for (size_t i = from; i < to; i++) {
		char one[2] = { text[i], 0 };
		if (text[i] == '\0')
			break;
		cli_escape(&shown, one, false);
	}
	if (to < len)
		buf_adds(&shown, "...");
	fprintf(out, "  %5d | %s\n", line, shown.ptr);
	if (col > 0) {
		if (from)
			buf_adds(&pad, "   ");
		for (size_t i = from; i < at && i < to; i++) {
			unsigned char c = (unsigned char)text[i];
			/* Keep tabs so the caret lines up under tab-indented text. */
			for (size_t w = shown_width(c); w > 0; w--)
				buf_addch(&pad, c == '\t' ? '\t' : ' ');
		}
		fprintf(out, "        | %s%s^%s\n", pad.ptr, on, off);
	}
	buf_release(&shown);
	buf_release(&pad);
}

static const char *sev_name(enum diag_severity s)
{
	switch (s) {
	case DIAG_ERROR: return "error";
	case DIAG_WARNING: return "warning";
	case DIAG_NOTE: return "note";
	}
	return "error";
}

static const char *sev_color(enum diag_severity s)
{
	switch (s) {
	case DIAG_ERROR: return "\033[1;31m";
	case DIAG_WARNING: return "\033[1;33m";
	case DIAG_NOTE: return "\033[1;36m";
	}
	return "";
}

/* fprintf of one string from a spec, a file or AWS, control characters
 * escaped (a key or an AWS message must not retitle or clear a terminal). */
static void put_safe(FILE *f, const char *s, bool keep_newlines)
{
	struct buf b = BUF_INIT;
	cli_escape(&b, s, keep_newlines);
	fputs(b.ptr, f);
	buf_release(&b);
}

static void render_one(struct cli_ctx *ctx, struct src_cache *cache, const struct diag *dg)
{
	FILE *f = ctx->err;
	const char *on = ctx->color ? sev_color(dg->severity) : "";
	const char *off = ctx->color ? "\033[0m" : "";

	if (dg->file) {
		put_safe(f, dg->file, false);
		if (dg->line) {
			fprintf(f, ":%d", dg->line);
			if (dg->col)
				fprintf(f, ":%d", dg->col);
		}
		fprintf(f, ": ");
	} else {
		fprintf(f, "%s: ", ctx->prog);
	}
	fprintf(f, "%s%s:%s ", on, sev_name(dg->severity), off);
	if (dg->address) {
		put_safe(f, dg->address, false);
		fprintf(f, ": ");
	}
	put_safe(f, dg->summary, false);
	fputc('\n', f);

	if (dg->file && dg->line) {
		const char *text;
		size_t len;
		if (src_line(src_get(cache, dg->file), dg->line, &text, &len))
			show_source(f, on, off, dg->line, dg->col, text, len);
	}
	if (dg->detail) {
		struct buf b = BUF_INIT;
		const char *p;
		cli_escape(&b, dg->detail, true);
		p = b.ptr;
		while (*p) {
			const char *nl = strchr(p, '\n');
			int len = nl ? (int)(nl - p) : (int)strlen(p);
			fprintf(f, "  %.*s\n", len, p);
			p += len + (nl ? 1 : 0);
		}
		buf_release(&b);
	}
	if (dg->aws_code || dg->http_status) {
		struct buf b = BUF_INIT;
		buf_addf(&b, "(AWS %s%s%s: %s, HTTP %d%s%s)",
			 dg->aws_service ? dg->aws_service : "",
			 dg->aws_operation ? " " : "", dg->aws_operation ? dg->aws_operation : "",
			 dg->aws_code ? dg->aws_code : "no error code", dg->http_status,
			 dg->request_id ? ", request id " : "", dg->request_id ? dg->request_id : "");
		fputs("  ", f);
		put_safe(f, b.ptr, false);
		fputc('\n', f);
		buf_release(&b);
	}
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool same_diag(const struct diag *x, const struct diag *y)
{
	return x->severity == y->severity && x->line == y->line && x->col == y->col &&
	       same_text(x->summary, y->summary) && same_text(x->detail, y->detail) &&
	       same_text(x->file, y->file) && same_text(x->address, y->address);
}

static uint32_t hash_text(uint32_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h ^ 0xff) * 16777619u;
}

static uint32_t hash_diag(const struct diag *x)
{
	uint32_t h = 2166136261u;
	h = (h ^ (uint32_t)x->severity) * 16777619u;
	h = (h ^ (uint32_t)x->line) * 16777619u;
	h = (h ^ (uint32_t)x->col) * 16777619u;
	h = hash_text(h, x->summary);
	h = hash_text(h, x->detail);
	h = hash_text(h, x->file);
	return hash_text(h, x->address);
}

/* The same words twice say nothing new: parallel reads that all failed for
 * one cause (an endpoint down, a wrong secret) are one message. shown[i]
 * says whether d->items[i] is the first of its kind; a hash set keeps this
 * linear for 100,000 diagnostics. Caller frees. */
static bool *first_of_kind(const struct diags *d)
{
	bool *first = xcalloc(d->n + 1, sizeof(bool));
	size_t cap = 16;
	while (cap < d->n * 2)
		cap *= 2;
	size_t *slots = xmalloc(cap * sizeof(size_t));
	for (size_t i = 0; i < cap; i++)
		slots[i] = SIZE_MAX;
	for (size_t i = 0; i < d->n; i++) {
		size_t h = hash_diag(&d->items[i]) & (cap - 1);
		first[i] = true;
		while (slots[h] != SIZE_MAX) {
			if (same_diag(&d->items[slots[h]], &d->items[i])) {
				first[i] = false;
				break;
			}
			h = (h + 1) & (cap - 1);
		}
		if (first[i])
			slots[h] = i;
	}
	free(slots);
	return first;
}

void render_diags(struct cli_ctx *ctx, const struct diags *d)
{
	struct src_cache cache = { NULL, 0, 0 };
	bool *first = first_of_kind(d);
	for (size_t i = 0; i < d->n; i++)
		if (first[i])
			render_one(ctx, &cache, &d->items[i]);
	src_cache_release(&cache);
	free(first);
}
