/* Credentials from local metadata endpoints: the ECS/EKS container endpoint
 * and EC2 instance metadata (IMDSv2 only: a session token is PUT first, which
 * keeps SSRF through an open proxy from reading the role's keys). Both use
 * short timeouts and few attempts so berth on a laptop does not hang. */
#include "util/common.h"
#include "aws/credentials_int.h"

#include <strings.h>

#include <openssl/crypto.h>

#include "aws/config.h"
#include "aws/redact.h"
#include "aws/sigv4.h"
#include "util/log.h"
#include "util/buf.h"

#define ECS_HOST "http://169.254.170.2"
#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_TOKEN_TTL "21600"

/* One GET/PUT through a transport made for this purpose; *out gets the body
 * of a 200 answer. Returns 0, BERTH_ENET, or BERTH_EAUTH (other status). */
static int fetch_url(struct aws_transport *t, const char *base, const char *path,
		     const char *method, const char *hname, const char *hvalue,
		     const char *hname2, const char *hvalue2, struct buf *out, long *status,
		     struct aws_net_failure *fail)
{
	struct aws_http_request req;
	struct aws_http_response resp;
	int rc;
	aws_http_request_init(&req, method);
	aws_http_response_init(&resp);
	buf_reset(&req.path);
	buf_adds(&req.path, path);
	if (hname)
		aws_headers_set(&req.headers, hname, hvalue);
	if (hname2)
		aws_headers_set(&req.headers, hname2, hvalue2);
	aws_debug_request("credentials", method, base, &req);
	rc = aws_transport_send(t, base, &req, &resp, fail);
	*status = resp.status;
	/* The IMDS session token is the whole body: log only the status. */
	if (rc == 0 && !strcmp(path, "/latest/api/token"))
		log_debug("credentials PUT response: HTTP %ld (body withheld)", resp.status);
	else if (rc == 0)
		aws_debug_response("credentials", method, &resp);
	if (rc == 0 && resp.status == 200)
		buf_addbuf(out, &resp.body);
	else if (rc == 0)
		rc = BERTH_EAUTH;
	if (resp.body.alloc)
		OPENSSL_cleanse(resp.body.ptr, resp.body.len);
	aws_http_response_release(&resp);
	aws_http_request_release(&req);
	return rc;
}

/* Splits "scheme://host[:port]" from the path of a full URI. */
static void split_url(const char *url, char **base, char **path)
{
	const char *s = strstr(url, "://");
	const char *p = s ? strchr(s + 3, '/') : NULL;
	*base = p ? xstrndup(url, (size_t)(p - url)) : xstrdup(url);
	*path = xstrdup(p ? p : "/");
}

/* The SDKs accept a full URI only over https, or plain http to loopback or
 * the ECS/EKS agent addresses, so a hijacked variable cannot send the
 * authorization token to just anyone. */
static bool full_uri_allowed(const char *url)
{
	if (!strncasecmp(url, "https://", 8))
		return true;
	if (strncasecmp(url, "http://", 7))
		return false;
	const char *h = url + 7;
	static const char *const ok[] = { "127.", "localhost", "[::1]", "169.254.170.2",
					  "169.254.170.23", "[fd00:ec2::23]" };
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		size_t n = strlen(ok[i]);
		if (!strncasecmp(h, ok[i], n) &&
		    (ok[i][n - 1] == '.' || h[n] == '\0' || h[n] == ':' || h[n] == '/'))
			return true;
	}
	return false;
}

int creds_container(struct aws_credentials *out, struct diags *d)
{
	struct aws_transport_options o = { 1000, 2000, NULL, true };
	struct aws_transport *t = NULL;
	struct buf body = BUF_INIT, token = BUF_INIT;
	struct aws_net_failure fail;
	char *base = NULL, *path = NULL;
	const char *rel = aws_getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = aws_getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *token_file = aws_getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	long status = 0;
	int rc = BERTH_EAUTH;

	if (rel) {
		base = xstrdup(ECS_HOST);
		path = xstrdup(rel);
	} else if (full) {
		if (!full_uri_allowed(full)) {
			diags_add(d, DIAG_ERROR, "AWS_CONTAINER_CREDENTIALS_FULL_URI '%s' must use "
				  "https, or http to a loopback or ECS/EKS agent address", full);
			return BERTH_EINVAL;
		}
		split_url(full, &base, &path);
	} else {
		diags_add(d, DIAG_ERROR, "no container credentials endpoint is configured");
		return BERTH_EAUTH;
	}
	/* The token file wins over the variable (EKS Pod Identity rotates it). */
	if (token_file) {
		if (buf_read_file(&token, token_file) < 0) {
			diags_add(d, DIAG_ERROR, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE "
				  "%s: %s", token_file, strerror(errno));
			goto cleanup;
		}
		buf_trim(&token);
	} else if (aws_getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
		buf_adds(&token, aws_getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
	}
	if (aws_transport_new(&t, &o) < 0) {
		diags_add(d, DIAG_ERROR, "cannot set up HTTP for container credentials");
		goto cleanup;
	}
	/* botocore's ContainerMetadataFetcher tries 3 times. */
	for (int attempt = 0; attempt < 3; attempt++) {
		buf_reset(&body);
		rc = fetch_url(t, base, path, "GET", token.len ? "Authorization" : NULL, token.ptr,
			       NULL, NULL, &body, &status, &fail);
		if (rc != BERTH_ENET || !aws_net_error_is_retryable(fail.kind))
			break;
	}
	if (rc == BERTH_ENET) {
		diags_add(d, DIAG_ERROR, "container credentials endpoint: %s", fail.message);
		rc = BERTH_EAUTH;
	} else if (rc < 0) {
		diags_add(d, DIAG_ERROR, "container credentials endpoint %s%s answered HTTP %ld",
			  base, path, status);
	} else {
		rc = creds_from_json(body.ptr, body.len, "container credentials endpoint", false,
				     out, d);
	}
cleanup:
	if (body.alloc)
		OPENSSL_cleanse(body.ptr, body.len);
	if (token.alloc)
		OPENSSL_cleanse(token.ptr, token.len);
	buf_release(&body);
	buf_release(&token);
	aws_transport_free(t);
	free(base);
	free(path);
	return rc;
}

int creds_imds(struct aws_credentials *out, struct diags *d)
{
	struct aws_transport_options o = { 1000, 1000, NULL, true };
	struct aws_transport *t = NULL;
	struct buf token = BUF_INIT, role = BUF_INIT, body = BUF_INIT;
	struct aws_net_failure fail;
	const char *endpoint = aws_getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	char *path = NULL;
	long status = 0;
	int rc;

	if (!endpoint)
		endpoint = IMDS_DEFAULT;
	if (aws_transport_new(&t, &o) < 0) {
		diags_add(d, DIAG_ERROR, "cannot set up HTTP for instance metadata");
		return BERTH_EAUTH;
	}
	rc = fetch_url(t, endpoint, "/latest/api/token", "PUT",
		       "X-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL, NULL, NULL, &token,
		       &status, &fail);
	if (rc < 0) {
		if (rc == BERTH_ENET)
			diags_add(d, DIAG_ERROR, "EC2 instance metadata at %s did not answer: not on "
				  "EC2? (AWS_EC2_METADATA_DISABLED=true skips it)", endpoint);
		else
			diags_add(d, DIAG_ERROR, "EC2 instance metadata refused a session token "
				  "(HTTP %ld)", status);
		goto fail;
	}
	buf_trim(&token);
	rc = fetch_url(t, endpoint, "/latest/meta-data/iam/security-credentials/", "GET",
		       "X-aws-ec2-metadata-token", token.ptr, NULL, NULL, &role, &status, &fail);
	if (rc < 0) {
		diags_add(d, DIAG_ERROR, "EC2 instance metadata: no IAM role attached to this "
			  "instance (%s)", rc == BERTH_ENET ? fail.message : "HTTP error");
		goto fail;
	}
	buf_setlen(&role, strcspn(role.ptr, "\r\n"));
	buf_trim(&role);
	if (!role.len) {
		diags_add(d, DIAG_ERROR, "EC2 instance metadata: no IAM role attached to this instance");
		rc = BERTH_EAUTH;
		goto fail;
	}
	struct buf p = BUF_INIT;
	buf_adds(&p, "/latest/meta-data/iam/security-credentials/");
	aws_uri_encode(&p, role.ptr, role.len, false);
	path = buf_detach(&p, NULL);
	rc = fetch_url(t, endpoint, path, "GET", "X-aws-ec2-metadata-token", token.ptr, NULL,
		       NULL, &body, &status, &fail);
	if (rc < 0) {
		diags_add(d, DIAG_ERROR, "EC2 instance metadata: cannot read the credentials of "
			  "role %s (%s)", role.ptr, rc == BERTH_ENET ? fail.message : "HTTP error");
		goto fail;
	}
	rc = creds_from_json(body.ptr, body.len, "EC2 instance metadata", false, out, d);
	goto cleanup;
fail:
	rc = BERTH_EAUTH;
cleanup:
	if (token.alloc)
		OPENSSL_cleanse(token.ptr, token.len);
	if (body.alloc)
		OPENSSL_cleanse(body.ptr, body.len);
	buf_release(&token);
	buf_release(&role);
	buf_release(&body);
	free(path);
	aws_transport_free(t);
	return rc;
}
