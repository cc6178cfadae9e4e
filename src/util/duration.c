/* Durations ("8h", "1h30m") and RFC 3339 times; see duration.h. */
#include "util/common.h"
#include "util/duration.h"

#include <ctype.h>

#define MAX_DURATION (10L * 366 * 24 * 3600)

int duration_parse(const char *text, long *seconds)
{
	const char *p = text;
	long total = 0;
	bool unit_seen = false;
	if (!p || !*p)
		return BERTH_EINVAL;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			return BERTH_EINVAL;
		long n = 0;
		while (isdigit((unsigned char)*p)) {
			n = n * 10 + (*p++ - '0');
			if (n > MAX_DURATION)
				return BERTH_EINVAL;
		}
		long unit;
		switch (*p) {
		case '\0':
			if (unit_seen)
				return BERTH_EINVAL; /* "1h30": 30 what? */
			unit = 1;
			break;
		case 's': unit = 1; p++; break;
		case 'm': unit = 60; p++; break;
		case 'h': unit = 3600; p++; break;
		case 'd': unit = 86400; p++; break;
		default: return BERTH_EINVAL;
		}
		unit_seen = true;
		total += n * unit;
		if (total > MAX_DURATION)
			return BERTH_EINVAL;
	}
	*seconds = total;
	return 0;
}

int time_parse_rfc3339(const char *text, time_t *out)
{
	int Y, M, D, h, m, s, n = 0;
	if (!text || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &s, &n) != 6 ||
	    n != 19)
		return BERTH_EINVAL;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || s > 60)
		return BERTH_EINVAL;
	const char *p = text + n;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return BERTH_EINVAL;
		while (isdigit((unsigned char)*p))
			p++;
	}
	long offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om, k = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5 || oh > 23 || om > 59)
			return BERTH_EINVAL;
		offset = (oh * 3600L + om * 60L) * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return BERTH_EINVAL;
	}
	if (*p)
		return BERTH_EINVAL;
	struct tm tm = { 0 };
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = s;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return BERTH_EINVAL;
	*out = t - offset;
	return 0;
}

void time_format_rfc3339(time_t t, char out[21])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
