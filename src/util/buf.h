/* The one growable byte buffer (after git's strbuf).
 *
 * Invariants: `ptr` is never NULL and always NUL-terminated at ptr[len], so a
 * buf can be passed to any C string function; a buf that has never grown points
 * at a shared read-only empty string and owns nothing (alloc == 0). Bytes may
 * include NULs (bodies), in which case use len, not strlen. */
#ifndef BERTH_BUF_H
#define BERTH_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *ptr;
	size_t len;
	size_t alloc;
};

extern char buf_slop[1];
#define BUF_INIT { buf_slop, 0, 0 }

void buf_init(struct buf *b, size_t hint);
/* Frees the memory and leaves b as BUF_INIT. */
void buf_release(struct buf *b);
/* Makes room for `extra` more bytes (plus the NUL). */
void buf_grow(struct buf *b, size_t extra);
/* Sets len (<= current len) and re-terminates. */
void buf_setlen(struct buf *b, size_t len);
static inline void buf_reset(struct buf *b) { buf_setlen(b, 0); }
/* Hands the string to the caller (who frees it) and leaves b empty. */
char *buf_detach(struct buf *b, size_t *len_out);

void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addch(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
void buf_addbuf(struct buf *b, const struct buf *other);
/* Appends n copies of c. */
void buf_addchars(struct buf *b, int c, size_t n);
/* Appends s with every `esc` followed by two hex digits as the byte they
 * give ('%' for URL encoding, '=' for berth's tag values), and '+' as a
 * space when plus_space; any other byte as it is. */
void buf_add_unescaped(struct buf *b, const char *s, char esc, bool plus_space);

/* Removes trailing whitespace. */
void buf_rtrim(struct buf *b);
void buf_trim(struct buf *b);

/* Reads a whole file into b (appending). Returns 0 or BERTH_EIO with errno set. */
int buf_read_file(struct buf *b, const char *path);

#endif
