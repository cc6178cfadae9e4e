/* Nearest-name suggestions for misspelled keys, types, commands. */
#include "util/common.h"
#include "util/suggest.h"

#include <strings.h>

size_t suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	/* Three rows of the DP table are enough for optimal string alignment. */
	size_t *prev2 = xcalloc(lb + 1, sizeof(size_t));
	size_t *prev = xcalloc(lb + 1, sizeof(size_t));
	size_t *cur = xcalloc(lb + 1, sizeof(size_t));
	size_t result;

	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (prev[j - 1] + cost < best)
				best = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		size_t *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	result = prev[lb];
	free(prev2);
	free(prev);
	free(cur);
	return result;
}

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return false;
}

const char *suggest_nearest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	size_t limit = strlen(word) / 3;
	if (limit < 2)
		limit = 2;

	for (size_t i = 0; i < n; i++) {
		if (!strcasecmp(word, candidates[i]))
			return candidates[i];
	}
	for (size_t i = 0; i < n; i++) {
		size_t d = suggest_distance(word, candidates[i]);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	if (best_d <= limit)
		return best;
	/* Not a typo but a part of the name ("Retention" for RetentionInDays,
	 * "Cpu" for CpuArchitecture): the shortest candidate that starts with
	 * the word, else the shortest that contains it. Short words match too
	 * much to mean anything. */
	size_t wl = strlen(word);
	const char *prefix = NULL, *inside = NULL;
	for (size_t i = 0; wl >= 3 && i < n; i++) {
		size_t cl = strlen(candidates[i]);
		if (cl <= wl)
			continue;
		if (!strncasecmp(candidates[i], word, wl)) {
			if (!prefix || cl < strlen(prefix))
				prefix = candidates[i];
		} else if (wl >= 4 && contains_nocase(candidates[i], word)) {
			if (!inside || cl < strlen(inside))
				inside = candidates[i];
		}
	}
	return prefix ? prefix : inside;
}
