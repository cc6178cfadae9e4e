/* Durations and times as users write them on the command line and in specs:
 * "90s", "15m", "8h", "2d", "1h30m" (Go's and Terraform's units), and the
 * RFC 3339 times berth stores in tags ("2026-11-24T16:02:11Z"). */
#ifndef BERTH_DURATION_H
#define BERTH_DURATION_H

#include <stdbool.h>
#include <time.h>

/* Parses a duration: one or more NUMBER UNIT pairs, units s, m, h, d (a bare
 * number is seconds). *seconds is set only on success. BERTH_EINVAL on
 * anything else (empty, negative, unknown unit, over ten years). */
int duration_parse(const char *text, long *seconds);

/* Parses an RFC 3339 UTC or offset time ("2026-11-24T16:02:11Z",
 * "2026-11-24T18:02:11+02:00", fractional seconds allowed) into *out.
 * BERTH_EINVAL when it is not one. */
int time_parse_rfc3339(const char *text, time_t *out);

/* t as "2026-11-24T16:02:11Z". */
void time_format_rfc3339(time_t t, char out[21]);

#endif
