/* Allocation that cannot fail. berth, like git, treats out-of-memory as fatal: a
 * provisioner half way through an apply has no sensible way to go on without
 * memory, and checking every allocation would hide the real error paths. The
 * x* functions print one line and abort() when the allocator says no. */
#ifndef BERTH_ALLOC_H
#define BERTH_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A newly allocated printf result. */
char *xasprintf(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/* Grow *ptr so it holds at least `need` elements of `size` bytes; *alloc tracks
 * the capacity. Growth is geometric so appends are amortised O(1). */
void alloc_grow(void **ptr, size_t *alloc, size_t need, size_t size);
#define ALLOC_GROW(ptr, need, alloc) \
	alloc_grow((void **)&(ptr), &(alloc), (need), sizeof(*(ptr)))

#endif
