/* Lets a small fuzz input stand for a deep or long one (issue 19: 5,000-link
 * references, 30,000 nested lists, 400 KB lines), so libFuzzer explores
 * depth and length limits without a large corpus or a large -max_len.
 *
 * An input "#amplify" N A \0 B \0 C (N one byte) becomes
 * A repeated N*100 times, then B, then C repeated N*100 times: with A "[",
 * B "1", C "]" a 25,500-deep list; with A ".a" a reference chain; with A
 * "k: v, " a long flow map on one line. Any other input is used as is.
 * Returns the bytes to use (*out_len of them) in a buffer the caller frees. */
#ifndef BERTH_FUZZ_AMPLIFY_H
#define BERTH_FUZZ_AMPLIFY_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define AMPLIFY_MAGIC "#amplify"

static inline char *fuzz_amplify(const uint8_t *data, size_t size, size_t *out_len)
{
	size_t m = sizeof(AMPLIFY_MAGIC) - 1;
	const char *p, *a, *b, *c, *end = (const char *)data + size;
	size_t la, lb, lc, n, k = 0;
	char *out;
	if (size < m + 1 || memcmp(data, AMPLIFY_MAGIC, m)) {
		out = malloc(size + 1);
		memcpy(out, data, size);
		out[size] = '\0';
		*out_len = size;
		return out;
	}
	n = (size_t)data[m] * 100;
	a = (const char *)data + m + 1;
	p = memchr(a, '\0', (size_t)(end - a));
	la = p ? (size_t)(p - a) : (size_t)(end - a);
	b = p ? p + 1 : end;
	p = memchr(b, '\0', (size_t)(end - b));
	lb = p ? (size_t)(p - b) : (size_t)(end - b);
	c = p ? p + 1 : end;
	lc = (size_t)(end - c);
	out = malloc(n * (la + lc) + lb + 1);
	for (size_t i = 0; i < n; i++, k += la)
		memcpy(out + k, a, la);
	memcpy(out + k, b, lb);
	k += lb;
	for (size_t i = 0; i < n; i++, k += lc)
		memcpy(out + k, c, lc);
	out[k] = '\0';
	*out_len = k;
	return out;
}

#endif
