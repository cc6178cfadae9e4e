/* Natural order for names with numbers in them: "lg[4]" before "lg[36]",
 * as people count, where strcmp puts "lg[36]" first. */
#ifndef BERTH_NATCMP_H
#define BERTH_NATCMP_H

/* Like strcmp, but a run of digits compares as the number it spells (then,
 * for equal numbers, fewer leading zeros first). */
int natcmp(const char *a, const char *b);

#endif
