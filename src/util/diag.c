/* Diagnostic lists; see diag.h. */
#include "util/common.h"
#include "util/diag.h"
#include "util/buf.h"

#include <stdarg.h>

void diags_init(struct diags *d)
{
	d->items = NULL;
	d->n = d->alloc = 0;
}

static void diag_release(struct diag *dg)
{
	free(dg->summary);
	free(dg->detail);
	free(dg->file);
	free(dg->address);
	free(dg->aws_service);
	free(dg->aws_operation);
	free(dg->aws_code);
	free(dg->request_id);
}

void diags_release(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		diag_release(&d->items[i]);
	free(d->items);
	diags_init(d);
}

static struct diag *diags_vadd(struct diags *d, enum diag_severity sev,
			       const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	struct diag *dg;
	ALLOC_GROW(d->items, d->n + 1, d->alloc);
	dg = &d->items[d->n++];
	memset(dg, 0, sizeof(*dg));
	dg->severity = sev;
	buf_vaddf(&b, fmt, ap);
	dg->summary = buf_detach(&b, NULL);
	return dg;
}

struct diag *diags_add(struct diags *d, enum diag_severity sev, const char *fmt, ...)
{
	va_list ap;
	struct diag *dg;
	va_start(ap, fmt);
	dg = diags_vadd(d, sev, fmt, ap);
	va_end(ap);
	return dg;
}

struct diag *diags_error_at(struct diags *d, const char *file, int line, int col,
			    const char *fmt, ...)
{
	va_list ap;
	struct diag *dg;
	va_start(ap, fmt);
	dg = diags_vadd(d, DIAG_ERROR, fmt, ap);
	va_end(ap);
	diag_set_loc(dg, file, line, col);
	return dg;
}

void diag_set_detail(struct diag *dg, const char *fmt, ...)
{
	va_list ap;
	struct buf b = BUF_INIT;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	free(dg->detail);
	dg->detail = buf_detach(&b, NULL);
}

void diag_set_loc(struct diag *dg, const char *file, int line, int col)
{
	free(dg->file);
	dg->file = file ? xstrdup(file) : NULL;
	dg->line = line;
	dg->col = col;
}

void diag_set_address(struct diag *dg, const char *address)
{
	free(dg->address);
	dg->address = address ? xstrdup(address) : NULL;
}

size_t diags_count(const struct diags *d, enum diag_severity sev)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		n += d->items[i].severity == sev;
	return n;
}

void diags_move(struct diags *dst, struct diags *src)
{
	if (!src->n)
		return;
	ALLOC_GROW(dst->items, dst->n + src->n, dst->alloc);
	memcpy(dst->items + dst->n, src->items, src->n * sizeof(*src->items));
	dst->n += src->n;
	free(src->items);
	diags_init(src);
}

static int diag_cmp(const struct diag *a, const struct diag *b)
{
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

void diags_sort(struct diags *d)
{
	/* Insertion sort: stable, and lists are short. */
	for (size_t i = 1; i < d->n; i++) {
		struct diag tmp = d->items[i];
		size_t j = i;
		while (j > 0 && diag_cmp(&d->items[j - 1], &tmp) > 0) {
			d->items[j] = d->items[j - 1];
			j--;
		}
		d->items[j] = tmp;
	}
}
