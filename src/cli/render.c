/* Renders diagnostics for people: position, message, the source line with a
 * caret under the column (jq/rustc style), then details and AWS facts. */
#include "util/common.h"
#include "cli/cli.h"
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

/* Copies line `line` (1-based) of `path` into out; 0 when found. */
static int source_line(const char *path, int line, struct buf *out)
{
	FILE *f = fopen(path, "r");
	int c, cur = 1;
	if (!f)
		return -1;
	while (cur < line && (c = fgetc(f)) != EOF)
		if (c == '\n')
			cur++;
	if (cur == line)
		while ((c = fgetc(f)) != EOF && c != '\n' && out->len < 500)
			buf_addch(out, c);
	fclose(f);
	return cur == line ? 0 : -1;
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

static void render_one(struct cli_ctx *ctx, const struct diag *dg)
{
	FILE *f = ctx->err;
	const char *on = ctx->color ? sev_color(dg->severity) : "";
	const char *off = ctx->color ? "\033[0m" : "";

	if (dg->file) {
		fprintf(f, "%s", dg->file);
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
	if (dg->address)
		fprintf(f, "%s: ", dg->address);
	fprintf(f, "%s\n", dg->summary);

	if (dg->file && dg->line) {
		struct buf src = BUF_INIT;
		if (!source_line(dg->file, dg->line, &src)) {
			fprintf(f, "  %5d | %s\n", dg->line, src.ptr);
			if (dg->col > 0) {
				struct buf pad = BUF_INIT;
				/* Keep tabs so the caret lines up under tab-indented text. */
				for (int i = 0; i < dg->col - 1 && (size_t)i < src.len; i++)
					buf_addch(&pad, src.ptr[i] == '\t' ? '\t' : ' ');
				fprintf(f, "        | %s%s^%s\n", pad.ptr, on, off);
				buf_release(&pad);
			}
		}
		buf_release(&src);
	}
	if (dg->detail) {
		const char *p = dg->detail;
		while (*p) {
			const char *nl = strchr(p, '\n');
			int len = nl ? (int)(nl - p) : (int)strlen(p);
			fprintf(f, "  %.*s\n", len, p);
			p += len + (nl ? 1 : 0);
		}
	}
	if (dg->aws_code || dg->http_status) {
		fprintf(f, "  (AWS %s%s%s: %s, HTTP %d%s%s)\n",
			dg->aws_service ? dg->aws_service : "",
			dg->aws_operation ? " " : "", dg->aws_operation ? dg->aws_operation : "",
			dg->aws_code ? dg->aws_code : "no error code", dg->http_status,
			dg->request_id ? ", request id " : "", dg->request_id ? dg->request_id : "");
	}
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The same words twice say nothing new: parallel reads that all failed for
 * one cause (an endpoint down, a wrong secret) are one message. */
static bool shown_before(const struct diags *d, size_t i)
{
	const struct diag *x = &d->items[i];
	for (size_t k = 0; k < i; k++) {
		const struct diag *y = &d->items[k];
		if (x->severity == y->severity && x->line == y->line && x->col == y->col &&
		    same_text(x->summary, y->summary) && same_text(x->detail, y->detail) &&
		    same_text(x->file, y->file) && same_text(x->address, y->address))
			return true;
	}
	return false;
}

void render_diags(struct cli_ctx *ctx, const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (!shown_before(d, i))
			render_one(ctx, &d->items[i]);
}
