/* Growable byte buffer; see buf.h for the invariants. */
#include "util/common.h"
#include "util/buf.h"

#include <ctype.h>

/* Shared empty string for buffers that own nothing; written only with '\0'. */
char buf_slop[1];

void buf_init(struct buf *b, size_t hint)
{
	b->ptr = buf_slop;
	b->len = 0;
	b->alloc = 0;
	if (hint)
		buf_grow(b, hint);
}

void buf_release(struct buf *b)
{
	if (b->alloc)
		free(b->ptr);
	buf_init(b, 0);
}

void buf_grow(struct buf *b, size_t extra)
{
	bool fresh = b->alloc == 0;
	if (b->len + extra + 1 < b->len)
		abort(); /* size_t overflow: a corrupted length, never a real request */
	if (fresh)
		b->ptr = NULL;
	ALLOC_GROW(b->ptr, b->len + extra + 1, b->alloc);
	if (fresh)
		b->ptr[0] = '\0';
}

void buf_setlen(struct buf *b, size_t len)
{
	if (len > b->len)
		abort();
	b->len = len;
	if (b->alloc)
		b->ptr[len] = '\0';
}

char *buf_detach(struct buf *b, size_t *len_out)
{
	char *s;
	if (len_out)
		*len_out = b->len;
	if (!b->alloc)
		buf_grow(b, 0);
	s = b->ptr;
	buf_init(b, 0);
	return s;
}

void buf_add(struct buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	buf_grow(b, len);
	memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addch(struct buf *b, int c)
{
	buf_grow(b, 1);
	b->ptr[b->len++] = (char)c;
	b->ptr[b->len] = '\0';
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
				: c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

void buf_add_unescaped(struct buf *b, const char *s, char esc, bool plus_space)
{
	for (const char *p = s; *p; p++) {
		int hi, lo;
		if (*p == esc && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0) {
			buf_addch(b, hi * 16 + lo);
			p += 2;
		} else {
			buf_addch(b, plus_space && *p == '+' ? ' ' : *p);
		}
	}
}

void buf_addchars(struct buf *b, int c, size_t n)
{
	buf_grow(b, n);
	memset(b->ptr + b->len, c, n);
	b->len += n;
	b->ptr[b->len] = '\0';
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	va_copy(cp, ap);
	n = vsnprintf(b->ptr + b->len, b->alloc ? b->alloc - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n + 1 > (b->alloc ? b->alloc - b->len : 0)) {
		buf_grow(b, (size_t)n);
		n = vsnprintf(b->ptr + b->len, b->alloc - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void buf_addbuf(struct buf *b, const struct buf *other)
{
	buf_add(b, other->ptr, other->len);
}

void buf_rtrim(struct buf *b)
{
	while (b->len && isspace((unsigned char)b->ptr[b->len - 1]))
		b->len--;
	if (b->alloc)
		b->ptr[b->len] = '\0';
}

void buf_trim(struct buf *b)
{
	size_t skip = 0;
	buf_rtrim(b);
	while (skip < b->len && isspace((unsigned char)b->ptr[skip]))
		skip++;
	if (skip) {
		memmove(b->ptr, b->ptr + skip, b->len - skip);
		buf_setlen(b, b->len - skip);
	}
}

int buf_read_file(struct buf *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;
	int err = BERTH_OK;

	if (!f)
		return BERTH_EIO;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	if (ferror(f))
		err = BERTH_EIO;
	fclose(f);
	return err;
}
