/* STS AssumeRole and AssumeRoleWithWebIdentity for the credential chain.
 * Spoken directly (a form-encoded POST and three XML elements back) rather
 * than through aws_call: the client needs credentials before it can make any
 * call, so the chain cannot sit on top of it. Endpoint, signing and retries
 * are the client's own pieces (endpoint.c, sigv4.c, retry.c); the service's
 * facts come from the protocol layer's table. */
#include "util/common.h"
#include "aws/credentials_int.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/crypto.h>

#include "aws/endpoint.h"
#include "aws/error.h"
#include "aws/proto_internal.h"
#include "aws/redact.h"
#include "aws/service.h"
#include "aws/sigv4.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/duration.h"

#define STS_API_VERSION "2011-06-15"

/* Form-encoded as every query call is (proto_form_add: a space is '+', as
 * botocore sends it). */
static void form_add(struct buf *b, const char *key, const char *value)
{
	proto_form_add(b, key, value, strlen(value));
}

static xmlNode *find_element(xmlNode *n, const char *name)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name))
			return n;
		xmlNode *c = find_element(n->children, name);
		if (c)
			return c;
	}
	return NULL;
}

static char *element_text(xmlNode *root, const char *name)
{
	xmlNode *n = find_element(root, name);
	if (!n)
		return NULL;
	xmlChar *t = xmlNodeGetContent(n);
	char *s = t ? xstrdup((const char *)t) : NULL;
	if (t) {
		OPENSSL_cleanse(t, strlen((const char *)t));
		xmlFree(t);
	}
	return s;
}

static void parse_sts_error(const struct aws_http_response *resp, struct aws_error *err)
{
	xml_init_once();
	xmlDoc *doc = xmlReadMemory(resp->body.ptr, (int)resp->body.len, NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	err->http_status = resp->status;
	if (!doc)
		return;
	xmlNode *root = xmlDocGetRootElement(doc);
	err->code = element_text(root, "Code");
	err->message = element_text(root, "Message");
	err->request_id = element_text(root, "RequestId");
	xmlFreeDoc(doc);
}

static int parse_sts_credentials(const struct aws_http_response *resp, const char *op,
				 struct aws_credentials *out, struct diags *d)
{
	xml_init_once();
	xmlDoc *doc = xmlReadMemory(resp->body.ptr, (int)resp->body.len, NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	struct aws_credentials c = { 0 };
	char *exp = NULL;
	int rc = BERTH_EAUTH;
	if (!doc) {
		diags_add(d, DIAG_ERROR, "STS %s: the answer is not XML", op);
		return rc;
	}
	xmlNode *creds = find_element(xmlDocGetRootElement(doc), "Credentials");
	if (creds) {
		c.access_key_id = element_text(creds, "AccessKeyId");
		c.secret_access_key = element_text(creds, "SecretAccessKey");
		c.session_token = element_text(creds, "SessionToken");
		exp = element_text(creds, "Expiration");
	}
	if (!c.access_key_id || !c.secret_access_key || !c.session_token) {
		diags_add(d, DIAG_ERROR, "STS %s: the answer has no complete Credentials", op);
		goto cleanup;
	}
	if (exp && time_parse_rfc3339(exp, &c.expiration) < 0) {
		diags_add(d, DIAG_ERROR, "STS %s: cannot read Expiration '%s'", op, exp);
		goto cleanup;
	}
	*out = c;
	memset(&c, 0, sizeof(c));
	rc = 0;
cleanup:
	aws_credentials_release(&c);
	free(exp);
	xmlFreeDoc(doc);
	return rc;
}

/* Sends the STS call with the standard retries, signing each attempt anew
 * when `signer` is given. */
void creds_sts_request(struct aws_http_request *req, const char *host, const char *body,
		       const struct aws_credentials *signer, const char *signing_region, time_t now)
{
	aws_http_request_init(req, "POST");
	aws_headers_set(&req->headers, "Host", host);
	aws_headers_set(&req->headers, "Content-Type",
			"application/x-www-form-urlencoded; charset=utf-8");
	buf_adds(&req->body, body);
	if (signer) {
		struct sigv4_params sp = { signer->access_key_id, signer->secret_access_key,
					   signer->session_token, signing_region, "sts", now, true,
					   false, false, 0 };
		sigv4_sign(req, &sp, NULL);
	}
}

static int sts_call(const struct aws_credentials_env *env, const char *op, const char *body,
		    const struct aws_credentials *signer, struct aws_credentials *out,
		    struct diags *d)
{
	struct aws_endpoint ep;
	struct aws_retry_state st = AWS_RETRY_STATE_INIT;
	struct aws_retry_policy fallback = { AWS_RETRY_DEFAULT_MAX_ATTEMPTS, NULL, NULL, NULL, NULL };
	const struct aws_retry_policy *policy = env->retry ? env->retry : &fallback;
	const char *region = env->region ? env->region : "us-east-1";
	int rc;

	const struct aws_service *sts = aws_service_find("sts");
	memset(&ep, 0, sizeof(ep));
	if (!sts) {
		diags_add(d, DIAG_ERROR, "STS is missing from berth's service table");
		return BERTH_ERROR;
	}
	if ((rc = aws_endpoint_resolve(sts, region, env->endpoint_url, env->cfg, &ep, d)) < 0)
		return rc;
	for (;;) {
		struct aws_http_request req;
		struct aws_http_response resp;
		struct aws_net_failure fail;
		struct aws_error err = { 0, NULL, NULL, NULL };
		double delay = 0;

		creds_sts_request(&req, ep.host, body, signer, ep.signing_region,
				  env->now ? env->now() : time(NULL));
		aws_http_response_init(&resp);
		st.attempts++;
		aws_debug_request("sts", op, ep.url, &req);
		rc = aws_transport_send(env->transport, ep.url, &req, &resp, &fail);
		if (rc == 0)
			aws_debug_response("sts", op, &resp);
		OPENSSL_cleanse(req.body.ptr, req.body.len); /* may hold a web identity token */
		aws_http_request_release(&req);
		if (rc == 0 && resp.status >= 200 && resp.status < 300) {
			rc = parse_sts_credentials(&resp, op, out, d);
			aws_retry_after_success(env->quota, &st);
			if (resp.body.alloc)
				OPENSSL_cleanse(resp.body.ptr, resp.body.len);
			aws_http_response_release(&resp);
			break;
		}
		if (rc == 0)
			parse_sts_error(&resp, &err);
		enum aws_retry_kind kind = aws_retry_classify(rc == 0 ? resp.status : 0, err.code,
							      fail.kind);
		enum aws_retry_decision dec =
			aws_retry_after_failure(policy, env->quota, &st, kind, &delay);
		if (dec == AWS_RETRY_GO) {
			log_verbose("sts %s -> %s, retrying in %.2f s", op,
				    rc == 0 ? (err.code ? err.code : "error") : fail.message, delay);
			aws_retry_sleep(policy, delay);
			aws_error_release(&err);
			aws_http_response_release(&resp);
			continue;
		}
		struct diag *dg;
		if (rc == 0) {
			dg = diags_add(d, DIAG_ERROR, "STS %s failed: %s%s%s", op,
				       err.code ? err.code : "HTTP error",
				       err.message ? ": " : "", err.message ? err.message : "");
			dg->aws_service = xstrdup("sts");
			dg->aws_operation = xstrdup(op);
			dg->aws_code = err.code ? xstrdup(err.code) : NULL;
			dg->request_id = err.request_id ? xstrdup(err.request_id) : NULL;
			dg->http_status = (int)resp.status;
			rc = BERTH_EAUTH;
		} else {
			dg = diags_add(d, DIAG_ERROR, "STS %s: %s", op, fail.message);
			rc = BERTH_ENET;
		}
		if (st.attempts > 1)
			diag_set_detail(dg, "gave up after %d attempts", st.attempts);
		aws_error_release(&err);
		aws_http_response_release(&resp);
		break;
	}
	aws_endpoint_release(&ep);
	return rc;
}

void creds_sts_form(struct buf *b, const char *action, const struct sts_role_request *r,
		    const char *token)
{
	form_add(b, "Action", action);
	form_add(b, "Version", STS_API_VERSION);
	form_add(b, "RoleArn", r->role_arn);
	form_add(b, "RoleSessionName", r->session_name);
	if (r->external_id)
		form_add(b, "ExternalId", r->external_id);
	if (r->duration_seconds) {
		char n[32];
		snprintf(n, sizeof(n), "%ld", r->duration_seconds);
		form_add(b, "DurationSeconds", n);
	}
	if (token)
		form_add(b, "WebIdentityToken", token);
}

int creds_assume_role(const struct aws_credentials_env *env,
		      const struct aws_credentials *source, const struct sts_role_request *r,
		      struct aws_credentials *out, struct diags *d)
{
	struct buf body = BUF_INIT;
	creds_sts_form(&body, "AssumeRole", r, NULL);
	int rc = sts_call(env, "AssumeRole", body.ptr, source, out, d);
	buf_release(&body);
	return rc;
}

int creds_web_identity(const struct aws_credentials_env *env, const char *token_file,
		       const struct sts_role_request *r, struct aws_credentials *out,
		       struct diags *d)
{
	struct buf body = BUF_INIT, token = BUF_INIT;
	int rc;
	/* Read on every fetch: the token file is rotated under us (EKS, CI). */
	if (buf_read_file(&token, token_file) < 0) {
		diags_add(d, DIAG_ERROR, "cannot read web identity token file %s: %s", token_file,
			  strerror(errno));
		buf_release(&token);
		return BERTH_EAUTH;
	}
	buf_trim(&token);
	log_add_secret(token.ptr);
	creds_sts_form(&body, "AssumeRoleWithWebIdentity", r, token.ptr);
	/* AssumeRoleWithWebIdentity is unsigned: the token is the proof. */
	rc = sts_call(env, "AssumeRoleWithWebIdentity", body.ptr, NULL, out, d);
	OPENSSL_cleanse(token.ptr, token.len);
	OPENSSL_cleanse(body.ptr, body.len);
	buf_release(&token);
	buf_release(&body);
	return rc;
}
