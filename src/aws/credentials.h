/* AWS credentials and the provider chain, in the order of the AWS CLI v2 and
 * botocore: environment (skipped when --profile names a profile), the
 * profile's role_arn (assume-role via source_profile or credential_source;
 * chains), web identity (profile or AWS_WEB_IDENTITY_TOKEN_FILE+AWS_ROLE_ARN),
 * static keys in the shared credentials file, credential_process, static keys
 * in the config file, ECS container credentials, EC2 IMDSv2.
 *
 * A provider is shared by every thread of a client: aws_credentials_get
 * returns a copy and refreshes expiring credentials under a lock, 15 minutes
 * before they expire (botocore's advisory window; if the refresh fails while
 * more than 10 minutes remain, the old ones are kept). */
#ifndef BERTH_AWS_CREDENTIALS_H
#define BERTH_AWS_CREDENTIALS_H

#include <stdbool.h>
#include <time.h>

#include "aws/config.h"
#include "aws/retry.h"
#include "aws/transport.h"
#include "util/diag.h"

struct aws_credentials {
	char *access_key_id;
	char *secret_access_key; /* secret: never logged or printed */
	char *session_token;     /* secret; NULL for long-term keys */
	time_t expiration;       /* 0: does not expire */
};

void aws_credentials_release(struct aws_credentials *c); /* wipes the secrets */
void aws_credentials_copy(struct aws_credentials *dst, const struct aws_credentials *src);

/* What the providers need from the client: all borrowed, outliving the
 * provider. transport is used for STS; container and IMDS use their own short
 * timeouts. */
struct aws_credentials_env {
	struct aws_transport *transport;
	const struct aws_config *cfg;
	const char *region;        /* for STS; NULL: us-east-1 */
	const char *endpoint_url;  /* --endpoint-url, applies to STS too */
	const struct aws_retry_policy *retry;
	struct aws_retry_quota *quota;
	time_t (*now)(void);       /* NULL: time() (tests move the clock) */
};

struct aws_credentials_provider;

/* Finds the first source in the chain that applies and fetches credentials
 * from it once (so a misconfiguration shows up before any work starts).
 * Returns 0, BERTH_EAUTH (no source, or the source failed: the diagnostic
 * says which and why), or BERTH_EINVAL (bad configuration, located). */
int aws_credentials_provider_new(struct aws_credentials_provider **out,
				 const struct aws_credentials_env *env, struct diags *d);
void aws_credentials_provider_free(struct aws_credentials_provider *p);

/* Current credentials (a copy the caller releases), refreshed if expiring. */
int aws_credentials_get(struct aws_credentials_provider *p, struct aws_credentials *out,
			struct diags *d);

/* AWS said the credentials with this access key id have expired. Drops them
 * so the next aws_credentials_get fetches new ones, and returns true, when
 * the source can be asked again (assume-role, web identity, process,
 * container, IMDS) and they are still the current ones or were replaced
 * already; false for static keys (environment, profile), which berth
 * cannot renew. */
bool aws_credentials_invalidate(struct aws_credentials_provider *p, const char *access_key_id);

/* For people: where they came from, with the file and line of a profile
 * ("profile 'dev' (aws_access_key_id at /home/u/.aws/credentials:2)"). */
const char *aws_credentials_origin(const struct aws_credentials_provider *p);

/* Where they came from: "env", "profile NAME", "assume-role via profile NAME",
 * "web-identity", "container", "imds", "process". */
const char *aws_credentials_source(const struct aws_credentials_provider *p);

#endif
