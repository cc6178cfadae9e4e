/* S3 addressing style; see s3addr.h. */
#include "util/common.h"
#include "aws/s3addr.h"

#include <arpa/inet.h>
#include <ctype.h>

static bool dns_bucket(const char *b)
{
	size_t n = strlen(b);
	if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)b[i]) && !isdigit((unsigned char)b[i]) && b[i] != '-')
			return false;
	return true;
}

bool aws_s3_virtual_hosted(const char *bucket, const char *host)
{
	char name[256];
	unsigned char addr[16];
	if (!bucket || !host || !dns_bucket(bucket))
		return false;
	/* The host without its port (or the brackets of an IPv6 literal). */
	if (host[0] == '[')
		return false;
	snprintf(name, sizeof(name), "%s", host);
	name[strcspn(name, ":")] = '\0';
	if (inet_pton(AF_INET, name, addr) == 1 || !strcmp(name, "localhost"))
		return false;
	return true;
}
