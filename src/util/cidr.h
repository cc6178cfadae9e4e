/* IPv4 CIDR blocks, as specs write them and AWS answers them: one parser
 * for the spec's cidrsubnet() and the EC2 types' canonical form, so that
 * what the spec accepts and what plan compares agree. */
#ifndef BERTH_UTIL_CIDR_H
#define BERTH_UTIL_CIDR_H

#include <stdint.h>

/* "A.B.C.D/N", each part 0-255 in decimal, N 0-32, nothing else (no
 * spaces, no signs): *addr (host order) and *prefix, set only on success.
 * 0 or BERTH_EINVAL. Host bits are kept. */
int cidr_parse_ipv4(const char *s, uint32_t *addr, int *prefix);

/* The canonical form: host bits cleared ("10.0.0.5/24" -> "10.0.0.0/24").
 * A new string, or NULL when s is not an IPv4 CIDR. */
char *cidr_canonical_ipv4(const char *s);

#endif
