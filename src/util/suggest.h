/* "Did you mean ...?": the nearest valid name for a misspelled one. */
#ifndef BERTH_SUGGEST_H
#define BERTH_SUGGEST_H

#include <stddef.h>

/* Edit distance (Damerau: adjacent transpositions count as one edit),
 * case-sensitive. */
size_t suggest_distance(const char *a, const char *b);

/* The candidate closest to `word`, or NULL when none is close enough to be a
 * plausible typo (distance above a third of the word's length, min 2; a
 * case-insensitive match always qualifies). Failing that, the shortest
 * candidate the word (3+ characters) begins, or (4+) is inside, ignoring
 * case: "Retention" -> "RetentionInDays". Ties go to the earlier candidate. */
const char *suggest_nearest(const char *word, const char *const *candidates, size_t n);

#endif
