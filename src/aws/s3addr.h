/* S3 bucket addressing: virtual-hosted ("https://BUCKET.s3.REGION.amazonaws.com/KEY")
 * where the bucket name allows it, path-style ("https://HOST/BUCKET/KEY")
 * otherwise, as the SDKs' "auto" addressing style does. */
#ifndef BERTH_AWS_S3ADDR_H
#define BERTH_AWS_S3ADDR_H

#include <stdbool.h>

/* Whether requests for bucket at endpoint host (host[:port]) go
 * virtual-hosted: the bucket is a DNS label TLS certificates cover (3-63
 * lower-case letters, digits and hyphens, no dots, no leading or trailing
 * hyphen) and the host is a name, not an IP address or localhost (an emulator
 * or a proxy, where BUCKET.host would not resolve). */
bool aws_s3_virtual_hosted(const char *bucket, const char *host);

#endif
