/* IPv4 CIDR blocks; see cidr.h. */
#include "util/common.h"
#include "util/cidr.h"

#include <ctype.h>

int cidr_parse_ipv4(const char *s, uint32_t *addr, int *prefix)
{
	unsigned parts[4];
	int n = 0;
	const char *p = s;
	if (!p)
		return BERTH_EINVAL;
	for (int i = 0; i < 4; i++) {
		unsigned v = 0;
		int digits = 0;
		while (isdigit((unsigned char)*p) && digits < 4) {
			v = v * 10 + (unsigned)(*p++ - '0');
			digits++;
		}
		if (!digits || v > 255)
			return BERTH_EINVAL;
		parts[i] = v;
		if (i < 3 && *p++ != '.')
			return BERTH_EINVAL;
	}
	if (*p++ != '/')
		return BERTH_EINVAL;
	if (!isdigit((unsigned char)*p))
		return BERTH_EINVAL;
	while (isdigit((unsigned char)*p) && n <= 32)
		n = n * 10 + (*p++ - '0');
	if (*p || n > 32)
		return BERTH_EINVAL;
	*addr = (uint32_t)parts[0] << 24 | (uint32_t)parts[1] << 16 | (uint32_t)parts[2] << 8 | parts[3];
	*prefix = n;
	return 0;
}

char *cidr_canonical_ipv4(const char *s)
{
	uint32_t ip;
	int n;
	if (cidr_parse_ipv4(s, &ip, &n))
		return NULL;
	ip &= n ? 0xffffffffu << (32 - n) : 0;
	return xasprintf("%u.%u.%u.%u/%d", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, n);
}
