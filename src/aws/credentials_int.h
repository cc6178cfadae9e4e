/* Between credentials.c (the chain and the cache) and the fetchers that talk
 * to something: credentials_process.c, credentials_sts.c, credentials_http.c.
 * Each fills *out only on success and explains failures in the diagnostic. */
#ifndef BERTH_AWS_CREDENTIALS_INT_H
#define BERTH_AWS_CREDENTIALS_INT_H

#include "aws/credentials.h"
#include "aws/http.h"
#include "util/buf.h"

/* Runs `command` (split like a POSIX shell would split words, but without a
 * shell) and reads its Version 1 JSON. */
int creds_from_process(const char *command, struct aws_credentials *out, struct diags *d);

struct sts_role_request {
	const char *role_arn;
	const char *session_name;
	const char *external_id;  /* or NULL */
	long duration_seconds;    /* 0: STS's default */
};

/* The form STS's `action` (AssumeRole, AssumeRoleWithWebIdentity) is sent
 * with for r, and the web identity token when not NULL; appended to b. */
void creds_sts_form(struct buf *b, const char *action, const struct sts_role_request *r,
		    const char *token);
/* The request that carries `body` to STS at host, signed with `signer` for
 * signing_region at `now` when signer is not NULL (AssumeRoleWithWebIdentity
 * is unsigned): exactly the bytes sent, which unit.proto compares with
 * botocore's. req is initialised here; the caller releases it. */
void creds_sts_request(struct aws_http_request *req, const char *host, const char *body,
		       const struct aws_credentials *signer, const char *signing_region, time_t now);

/* STS AssumeRole signed with `source`. */
int creds_assume_role(const struct aws_credentials_env *env,
		      const struct aws_credentials *source, const struct sts_role_request *r,
		      struct aws_credentials *out, struct diags *d);
/* STS AssumeRoleWithWebIdentity (unsigned) with the token read from token_file. */
int creds_web_identity(const struct aws_credentials_env *env, const char *token_file,
		       const struct sts_role_request *r, struct aws_credentials *out,
		       struct diags *d);

/* ECS/EKS container credentials endpoint. */
int creds_container(struct aws_credentials *out, struct diags *d);
/* EC2 instance metadata, IMDSv2. */
int creds_imds(struct aws_credentials *out, struct diags *d);

/* The common JSON shape of process, container and IMDS answers:
 * AccessKeyId, SecretAccessKey, Token|SessionToken, Expiration. */
int creds_from_json(const char *text, size_t len, const char *what, bool need_version,
		    struct aws_credentials *out, struct diags *d);

#endif
