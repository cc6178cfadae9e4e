/* A NULL-terminated, growable array of owned strings (after git's strvec). */
#ifndef BERTH_STRVEC_H
#define BERTH_STRVEC_H

#include <stddef.h>

struct strvec {
	char **v; /* never NULL after init; v[n] == NULL */
	size_t n, alloc;
};

extern char *strvec_empty[1];
#define STRVEC_INIT { strvec_empty, 0, 0 }

void strvec_init(struct strvec *sv);
void strvec_push(struct strvec *sv, const char *s);
void strvec_pushf(struct strvec *sv, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* Index of s, or -1. */
long strvec_find(const struct strvec *sv, const char *s);
void strvec_clear(struct strvec *sv);

#endif
