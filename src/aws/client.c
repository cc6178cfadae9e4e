/* The AWS client: resolves region, endpoints and credentials once, then for
 * each call builds the request (protocol layer), signs it afresh for every
 * attempt, sends it over the shared transport, retries in standard mode and
 * parses the answer. See client.h. */
#include "util/common.h"
#include "aws/client.h"

#include <time.h>

#include "aws/config.h"
#include "aws/credentials.h"
#include "aws/endpoint.h"
#include "aws/error.h"
#include "aws/model.h"
#include "aws/paginator.h"
#include "aws/proto.h"
#include "aws/ratelimit.h"
#include "aws/redact.h"
#include "aws/region.h"
#include "aws/retry.h"
#include "aws/s3addr.h"
#include "aws/service.h"
#include "aws/sigv4.h"
#include "aws/transport.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/suggest.h"

struct aws_client {
	struct aws_config cfg;
	char *region;
	const char *region_source;
	char *endpoint_url; /* --endpoint-url or NULL */
	struct aws_transport *transport;
	struct aws_retry_policy retry;
	const char *retry_source; /* where max_attempts came from */
	enum aws_retry_mode mode;
	double delay_scale; /* BERTH_TEST_RETRY_SCALE: tests shorten backoff; else 1 */
	struct aws_retry_quota quota;
	struct aws_rate_limiter limiter; /* used in adaptive mode only */
	struct aws_credentials_env cenv;
	struct aws_credentials_provider *creds;
};

static int parse_max_attempts(const char *v, const char *where, int *out, struct diags *d)
{
	if (aws_retry_parse_attempts(v, out) < 0) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "max attempts '%s' (from %s) is not a "
					    "whole number from 1 to %d", v, where,
					    AWS_RETRY_MAX_ATTEMPTS_LIMIT);
		diag_set_detail(dg, "berth makes up to %d attempts of each AWS call by default",
				AWS_RETRY_DEFAULT_MAX_ATTEMPTS);
		return BERTH_EINVAL;
	}
	return 0;
}

/* --max-retries counts retries after the first attempt: 0 to 99. */
static int parse_max_retries(const char *v, int *out, struct diags *d)
{
	char *end = NULL;
	long n = -1;
	errno = 0;
	if (*v >= '0' && *v <= '9')
		n = strtol(v, &end, 10);
	if (n < 0 || errno || *end || n > AWS_RETRY_MAX_ATTEMPTS_LIMIT - 1) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "--max-retries '%s' is not a whole "
					    "number from 0 to %d", v,
					    AWS_RETRY_MAX_ATTEMPTS_LIMIT - 1);
		diag_set_detail(dg, "how many times a failed AWS call is tried again "
				    "(default %d)", AWS_RETRY_DEFAULT_MAX_ATTEMPTS - 1);
		return BERTH_EINVAL;
	}
	*out = (int)n + 1;
	return 0;
}

static int parse_retry_mode(const char *v, const char *where, enum aws_retry_mode *out,
			    struct diags *d)
{
	static const char *modes[] = { "standard", "adaptive", "legacy" };
	if (aws_retry_parse_mode(v, out) < 0) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "retry mode '%s' (from %s) is not "
					    "standard or adaptive", v, where);
		const char *near = suggest_nearest(v, modes, ARRAY_SIZE(modes));
		if (near)
			diag_set_detail(dg, "did you mean %s?", near);
		return BERTH_EINVAL;
	}
	return 0;
}

/* The number of attempts and the mode, each from the first setting that
 * has one: the option, the environment, the profile, the default. */
static int resolve_retries(struct aws_client *c, const struct aws_client_config *cfg,
			   struct diags *d)
{
	const char *v;
	int rc = 0;

	c->retry.max_attempts = AWS_RETRY_DEFAULT_MAX_ATTEMPTS;
	c->retry_source = "default";
	if (cfg && cfg->max_retries) {
		rc = parse_max_retries(cfg->max_retries, &c->retry.max_attempts, d);
		c->retry_source = "--max-retries";
	} else if (cfg && cfg->max_attempts > 0) {
		c->retry.max_attempts = cfg->max_attempts;
		c->retry_source = "caller";
	} else if ((v = aws_getenv("AWS_MAX_ATTEMPTS"))) {
		rc = parse_max_attempts(v, "AWS_MAX_ATTEMPTS", &c->retry.max_attempts, d);
		c->retry_source = "AWS_MAX_ATTEMPTS";
	} else if ((v = aws_config_get(&c->cfg, c->cfg.profile, "max_attempts"))) {
		rc = parse_max_attempts(v, "profile max_attempts", &c->retry.max_attempts, d);
		c->retry_source = "profile";
	}
	if (rc < 0)
		return rc;
	/* Tests of storms (tests/e2e/test_retries.py) would wait minutes of
	 * real backoff; they scale every retry delay down. Only down: the
	 * knob can make berth more patient with nothing, nor hammer harder
	 * than a factor of 1000. */
	c->delay_scale = 1.0;
	if ((v = aws_getenv("BERTH_TEST_RETRY_SCALE"))) {
		char *end;
		errno = 0;
		double f = strtod(v, &end);
		if (errno || end == v || *end || !(f >= 0.001 && f <= 1.0)) {
			diags_add(d, DIAG_ERROR, "BERTH_TEST_RETRY_SCALE '%s' is not a number "
				  "from 0.001 to 1", v);
			return BERTH_EINVAL;
		}
		c->delay_scale = f;
	}
	c->mode = AWS_RETRY_MODE_STANDARD;
	if ((v = aws_getenv("AWS_RETRY_MODE")))
		rc = parse_retry_mode(v, "AWS_RETRY_MODE", &c->mode, d);
	else if ((v = aws_config_get(&c->cfg, c->cfg.profile, "retry_mode")))
		rc = parse_retry_mode(v, "profile retry_mode", &c->mode, d);
	return rc;
}

static double monotonic_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int aws_client_new(struct aws_client **out, const struct aws_client_config *cfg,
		   struct diags *d)
{
	struct aws_client *c = xcalloc(1, sizeof(*c));
	struct aws_transport_options to = { 0, 0, NULL, false };
	int rc;

	aws_retry_quota_init(&c->quota, AWS_RETRY_QUOTA_CAPACITY);
	aws_rate_limiter_init(&c->limiter, monotonic_now());
	if ((rc = aws_config_load(&c->cfg, cfg ? cfg->profile : NULL, d)) < 0)
		goto fail;
	if ((rc = aws_region_resolve(cfg ? cfg->region : NULL, &c->cfg, &c->region,
				     &c->region_source, d)) < 0)
		goto fail;
	if (cfg && cfg->endpoint_url && *cfg->endpoint_url)
		c->endpoint_url = xstrdup(cfg->endpoint_url);

	if ((rc = resolve_retries(c, cfg, d)) < 0)
		goto fail;

	to.connect_timeout_ms = cfg ? cfg->connect_timeout_ms : 0;
	to.request_timeout_ms = cfg ? cfg->request_timeout_ms : 0;
	to.ca_bundle = aws_getenv("AWS_CA_BUNDLE");
	if (!to.ca_bundle)
		to.ca_bundle = aws_config_get(&c->cfg, c->cfg.profile, "ca_bundle");
	if (aws_transport_new(&c->transport, &to) < 0) {
		diags_add(d, DIAG_ERROR, "cannot set up the HTTP transport (libcurl)");
		rc = BERTH_ERROR;
		goto fail;
	}

	c->cenv.transport = c->transport;
	c->cenv.cfg = &c->cfg;
	c->cenv.region = c->region;
	c->cenv.endpoint_url = c->endpoint_url;
	c->cenv.retry = &c->retry;
	c->cenv.quota = &c->quota;
	if ((rc = aws_credentials_provider_new(&c->creds, &c->cenv, d)) < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	aws_client_free(c);
	return rc;
}

void aws_client_free(struct aws_client *c)
{
	if (!c)
		return;
	aws_credentials_provider_free(c->creds);
	aws_transport_free(c->transport);
	aws_config_release(&c->cfg);
	aws_retry_quota_release_all(&c->quota);
	aws_rate_limiter_release(&c->limiter);
	free(c->region);
	free(c->endpoint_url);
	free(c);
}

const char *aws_client_region(const struct aws_client *c) { return c->region; }
const char *aws_client_region_source(const struct aws_client *c) { return c->region_source; }
const char *aws_client_profile(const struct aws_client *c) { return c->cfg.profile; }

const char *aws_client_credential_source(const struct aws_client *c)
{
	return aws_credentials_source(c->creds);
}

int aws_client_max_attempts(const struct aws_client *c, const char **source)
{
	if (source)
		*source = c->retry_source;
	return c->retry.max_attempts;
}

const char *aws_client_retry_mode(const struct aws_client *c)
{
	return c->mode == AWS_RETRY_MODE_ADAPTIVE ? "adaptive" : "standard";
}

void aws_client_set_retry_hooks(struct aws_client *c, void (*sleep)(void *, double),
				double (*random)(void *), void *ctx)
{
	c->retry.sleep = sleep;
	c->retry.sleep_ctx = ctx;
	c->retry.random = random;
	c->retry.random_ctx = ctx;
}

static const struct aws_service *find_service(const char *name, struct diags *d)
{
	const struct aws_service *svc = aws_service_find(name);
	if (!svc)
		diags_add(d, DIAG_ERROR, "berth does not know the AWS service '%s'", name);
	return svc;
}

int aws_client_endpoint(struct aws_client *c, const char *service, char **url, char **source,
			struct diags *d)
{
	struct aws_endpoint ep;
	const struct aws_service *svc = find_service(service, d);
	int rc;
	if (!svc)
		return BERTH_EINVAL;
	memset(&ep, 0, sizeof(ep));
	if ((rc = aws_endpoint_resolve(svc, c->region, c->endpoint_url, &c->cfg, &ep, d)) < 0)
		return rc;
	*url = xstrdup(ep.url);
	*source = xstrdup(ep.source);
	aws_endpoint_release(&ep);
	return 0;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)((t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

static void set_aws_fields(struct diag *dg, const char *service, const char *op,
			   const struct aws_error *err)
{
	dg->aws_service = xstrdup(service);
	dg->aws_operation = xstrdup(op);
	if (err) {
		dg->aws_code = err->code ? xstrdup(err->code) : NULL;
		dg->request_id = err->request_id ? xstrdup(err->request_id) : NULL;
		dg->http_status = (int)err->http_status;
	}
}

/* "AKIA...WXYZ": enough to tell keys apart, as `aws configure list` shows. */
struct short_text {
	char s[512];
};

static struct short_text masked_key(const char *key_id)
{
	struct short_text t;
	size_t n = strlen(key_id);
	if (n > 8)
		snprintf(t.s, sizeof(t.s), "%.4s...%s", key_id, key_id + n - 4);
	else
		snprintf(t.s, sizeof(t.s), "%s", n ? "(short)" : "(none)");
	return t;
}

/* Which setting chose the endpoint, in the words of that setting. */
static struct short_text endpoint_origin(const struct aws_endpoint *ep, const char *region,
					  const char *profile)
{
	struct short_text t;
	if (!strcmp(ep->source, "default"))
		snprintf(t.s, sizeof(t.s), "AWS's endpoint for region %s", region);
	else if (!strcmp(ep->source, "profile endpoint_url"))
		snprintf(t.s, sizeof(t.s), "from endpoint_url in profile '%s'", profile);
	else if (!strncmp(ep->source, "profile", 7))
		snprintf(t.s, sizeof(t.s), "from the services section of profile '%s'", profile);
	else
		snprintf(t.s, sizeof(t.s), "from %s", ep->source);
	return t;
}

/* curl's words without the URL it starts with (the message names it) and
 * without its timings, so that every call failing alike reads the same. */
static struct short_text net_reason(const struct aws_net_failure *fail, const char *base)
{
	struct short_text t;
	const char *m = fail->message;
	size_t n = strlen(base), k = 0;
	if (!strncmp(m, base, n) && m[n] == ':')
		m += n + 1;
	while (*m == ' ')
		m++;
	while (*m && k + 1 < sizeof(t.s)) {
		size_t digits = strncmp(m, " after ", 7) ? 0 : strspn(m + 7, "0123456789");
		if (digits && !strncmp(m + 7 + digits, " ms", 3)) {
			m += 7 + digits + 3;
			continue;
		}
		t.s[k++] = *m++;
	}
	t.s[k] = '\0';
	if (!k)
		snprintf(t.s, sizeof(t.s), "no answer");
	return t;
}

static struct short_text endpoint_advice(const struct aws_endpoint *ep,
					 const struct aws_net_failure *fail, int attempts)
{
	struct short_text t;
	const char *fix;
	if (!strcmp(ep->source, "default"))
		fix = "check the region (AWS_REGION, --region or the profile's region), this "
		      "machine's network and DNS, and any proxy (HTTPS_PROXY)";
	else if (!strcmp(ep->source, "--endpoint-url"))
		fix = "check the URL given with --endpoint-url and that the server there is "
		      "running; without the option berth goes to AWS's own endpoints";
	else if (!strncmp(ep->source, "AWS_ENDPOINT_URL", 16))
		fix = "check that variable and that the server there is running; unset it to "
		      "go to AWS's own endpoints";
	else
		fix = "check endpoint_url in the profile (~/.aws/config) and that the server "
		      "there is running; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores it";
	if (fail->kind == AWS_NET_TLS)
		fix = !strcmp(ep->source, "default") ?
			      "a proxy or firewall between here and AWS may be answering in its "
			      "place; if it is trusted, give its CA certificate with AWS_CA_BUNDLE" :
			      "check the URL; a server with its own certificate authority is trusted "
			      "with AWS_CA_BUNDLE=FILE (the CA's PEM file)";
	snprintf(t.s, sizeof(t.s), "%s (tried %d time%s)", fix, attempts, attempts == 1 ? "" : "s");
	return t;
}

int aws_call(struct aws_client *c, const char *service, const char *operation,
	     json_t *params, json_t **out, struct diags *d)
{
	const struct aws_service *svc = find_service(service, d);
	struct aws_endpoint ep;
	struct aws_http_request req;
	struct aws_retry_state st = AWS_RETRY_STATE_INIT;
	struct aws_error err = { 0, NULL, NULL, NULL };
	struct aws_net_failure fail = { AWS_NET_NONE, "" };
	struct timespec t0;
	char *base = NULL;
	long status = 0;
	char key_id[128] = "";  /* the access key id the last attempt was signed with */
	bool renewed = false;   /* credentials dropped once after an "expired" answer */
	int rc;

	if (!svc)
		return BERTH_EINVAL;
	if (!aws_service_op(svc, operation)) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "berth's models have no operation %s "
					    "in service %s", operation, service);
		const char **names = xcalloc(svc->nops + 1, sizeof(*names));
		for (size_t i = 0; i < svc->nops; i++)
			names[i] = svc->ops[i]->name;
		const char *near = suggest_nearest(operation, names, svc->nops);
		if (near)
			diag_set_detail(dg, "did you mean %s?", near);
		free(names);
		return BERTH_EINVAL;
	}
	memset(&ep, 0, sizeof(ep));
	if ((rc = aws_endpoint_resolve(svc, c->region, c->endpoint_url, &c->cfg, &ep, d)) < 0)
		return rc;
	aws_http_request_init(&req, "POST");
	if ((rc = aws_proto_build(svc, operation, params, &req, d)) < 0)
		goto cleanup;
	/* S3 names the bucket in the host where it can (s3addr.h): the path
	 * built from "/{Bucket}/{Key+}" loses its first segment then. */
	const char *bucket = json_string_value(json_object_get(params, "Bucket"));
	if (svc->protocol == AWS_PROTO_REST_XML && aws_s3_virtual_hosted(bucket, ep.host)) {
		const char *scheme_end = strstr(ep.url, "://");
		char *url = xasprintf("%.*s%s.%s", (int)(scheme_end + 3 - ep.url), ep.url, bucket,
				      scheme_end + 3);
		char *host = xasprintf("%s.%s", bucket, ep.host);
		free(ep.url);
		free(ep.host);
		ep.url = url;
		ep.host = host;
		size_t skip = 1 + strlen(bucket); /* a DNS bucket name needs no encoding */
		struct buf p = BUF_INIT;
		buf_adds(&p, req.path.len > skip ? req.path.ptr + skip : "/");
		buf_release(&req.path);
		req.path = p;
	}
	aws_endpoint_apply_path(ep.url, &base, &req.path);
	aws_headers_set(&req.headers, "Host", ep.host);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct aws_credentials cr = { 0 };
		struct aws_http_response resp;
		double delay = 0;

		if ((rc = aws_credentials_get(c->creds, &cr, d)) < 0)
			goto cleanup;
		/* S3 signs its path as sent and the payload's hash. */
		bool s3 = svc->protocol == AWS_PROTO_REST_XML;
		struct sigv4_params sp = { cr.access_key_id, cr.secret_access_key, cr.session_token,
					   ep.signing_region, svc->signing_name, time(NULL), !s3,
					   s3, false, 0 };
		sigv4_sign(&req, &sp, NULL);
		snprintf(key_id, sizeof(key_id), "%s", cr.access_key_id ? cr.access_key_id : "");
		aws_credentials_release(&cr);
		if (log_enabled(LOG_DEBUG))
			aws_debug_request(service, operation, base, &req);

		if (c->mode == AWS_RETRY_MODE_ADAPTIVE) {
			double wait = aws_rate_limiter_acquire(&c->limiter, monotonic_now());
			if (wait > 0) {
				log_debug("%s %s: client-side rate limit (%.2f calls/s), "
					  "waiting %.2f s", service, operation,
					  aws_rate_limiter_rate(&c->limiter), wait);
				aws_retry_sleep(&c->retry, wait * c->delay_scale);
			}
		}
		aws_http_response_init(&resp);
		st.attempts++;
		aws_error_release(&err);
		rc = aws_transport_send(c->transport, base, &req, &resp, &fail);
		status = rc == 0 ? resp.status : 0;
		if (rc == 0 && (status < 200 || status >= 300))
			aws_proto_parse_error(svc, &resp, &err);
		if (rc == 0 && log_enabled(LOG_DEBUG))
			aws_debug_response(service, operation, &resp);
		enum aws_retry_kind kind = status >= 200 && status < 300 ? AWS_RETRY_NONE :
					   aws_retry_classify(status, err.code, fail.kind);
		if (c->mode == AWS_RETRY_MODE_ADAPTIVE)
			aws_rate_limiter_update(&c->limiter, monotonic_now(),
						kind == AWS_RETRY_THROTTLE);
		if (rc == 0 && status >= 200 && status < 300) {
			aws_retry_after_success(&c->quota, &st);
			/* A parse failure's diagnostic names the call already. */
			rc = aws_proto_parse(svc, operation, &resp, out, d);
			aws_http_response_release(&resp);
			log_verbose("%s %s -> %ld (attempts %d, %ld ms)", service, operation, status,
				    st.attempts, elapsed_ms(&t0));
			goto cleanup;
		}
		if (rc == 0)
			err.http_status = status;
		/* AWS APIs never redirect; one means the endpoint is not AWS (a
		 * proxy, a captive portal, a wrong URL). Say where it pointed. */
		char redirect[256] = "";
		if (rc == 0 && status >= 300 && status < 400)
			snprintf(redirect, sizeof(redirect), "%s",
				 aws_headers_get(&resp.headers, "Location") ?
				 aws_headers_get(&resp.headers, "Location") : "(no Location)");
		/* It is the server's text, shown on a terminal: no control bytes. */
		for (char *q = redirect; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				*q = '?';
		aws_http_response_release(&resp);
		/* Expired credentials: a source that can be asked again gets one
		 * chance (the SDKs refresh only by the expiry time they were told,
		 * and a clock or an early revocation can disagree); static keys,
		 * or a second "expired", end the call at once: retrying with the
		 * same credentials only repeats the answer. */
		if (status && aws_error_is_expired_credentials(err.code)) {
			if (!renewed && aws_credentials_invalidate(c->creds, key_id)) {
				renewed = true;
				log_verbose("%s %s -> %s: credentials from %s expired; fetching new ones",
					    service, operation, err.code,
					    aws_credentials_source(c->creds));
				continue;
			}
			log_verbose("%s %s -> %s (attempts %d, %ld ms)", service, operation, err.code,
				    st.attempts, elapsed_ms(&t0));
			struct diag *dg = diags_add(d, DIAG_ERROR, "%s %s failed: the AWS credentials "
						    "have expired (%s%s%s)", service, operation,
						    err.code, err.message ? ": " : "",
						    err.message ? err.message : "");
			set_aws_fields(dg, service, operation, &err);
			if (renewed)
				diag_set_detail(dg, "the credentials from %s were fetched again and "
						    "AWS still says they are expired: check that source "
						    "and this machine's clock, then run berth again "
						    "(nothing was changed by this call)",
						aws_credentials_source(c->creds));
			else
				diag_set_detail(dg, "the credentials come from %s, which berth cannot "
						    "renew: get new ones (for example `aws sso login`, or "
						    "export a fresh AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY "
						    "and AWS_SESSION_TOKEN), check them with `berth whoami`, "
						    "and run berth again; rerunning continues where this "
						    "run stopped",
						!strcmp(aws_credentials_source(c->creds), "env") ?
						"the environment (AWS_ACCESS_KEY_ID...)" :
						aws_credentials_source(c->creds));
			rc = BERTH_EAUTH;
			goto cleanup;
		}
		enum aws_retry_decision dec =
			aws_retry_after_failure(&c->retry, &c->quota, &st, kind, &delay);
		if (dec != AWS_RETRY_GO) {
			log_verbose("%s %s -> %s (attempts %d, %ld ms)", service, operation,
				    status ? (err.code ? err.code : "error") : "no answer",
				    st.attempts, elapsed_ms(&t0));
			struct diag *dg;
			const char *bad = status ? aws_error_bad_credentials(err.code) : NULL;
			/* "Signature expired" is this machine's clock, not the key. */
			if (bad && err.message && (strstr(err.message, "Signature expired") ||
						   strstr(err.message, "not yet current")))
				bad = NULL;
			if (bad) {
				/* Not a problem of this call: of the key, in the place
				 * the user put it. Worded the same for every call and
				 * service (the code is on the AWS line), so the CLI
				 * shows it once however many calls failed. */
				dg = diags_add(d, DIAG_ERROR, "AWS rejected the credentials from %s: %s",
					       aws_credentials_origin(c->creds), bad);
				set_aws_fields(dg, service, operation, &err);
				diag_set_detail(dg, "access key %s; correct the key and secret there (or "
						    "replace them: `aws configure`, or a new key in the IAM "
						    "console), check with `berth whoami`, and run berth "
						    "again", masked_key(key_id).s);
				rc = BERTH_EAUTH;
				goto cleanup;
			} else if (status) {
				/* The HTTP status and request id are fields the CLI
				 * renders on a line of their own. */
				char what[32];
				snprintf(what, sizeof(what), "HTTP %ld", status);
				dg = diags_add(d, DIAG_ERROR, "%s %s failed: %s%s%s", service,
					       operation, err.code ? err.code : what,
					       err.message ? ": " : "", err.message ? err.message : "");
				set_aws_fields(dg, service, operation, &err);
				rc = BERTH_EAWS;
			} else if (fail.kind == AWS_NET_CONNECT || fail.kind == AWS_NET_TLS) {
				/* Nothing there, or not what it should be: say where
				 * berth was sent and which setting said so; the call
				 * is incidental (whichever went first). */
				dg = diags_add(d, DIAG_ERROR, "%s the AWS endpoint %s (%s): %s",
					       fail.kind == AWS_NET_TLS ? "cannot trust" : "cannot reach",
					       base, endpoint_origin(&ep, c->region, c->cfg.profile).s,
					       net_reason(&fail, base).s);
				set_aws_fields(dg, service, operation, NULL);
				diag_set_detail(dg, "%s", endpoint_advice(&ep, &fail, st.attempts).s);
				rc = BERTH_ENET;
				goto cleanup;
			} else {
				/* A server that answered badly: this call's answer. */
				dg = diags_add(d, DIAG_ERROR, "%s %s: no usable answer from %s (%s): %s",
					       service, operation, base,
					       endpoint_origin(&ep, c->region, c->cfg.profile).s,
					       net_reason(&fail, base).s);
				set_aws_fields(dg, service, operation, NULL);
				rc = BERTH_ENET;
			}
			if (*redirect)
				diag_set_detail(dg, "the endpoint %s answered with a redirect to %s; "
						    "berth does not follow redirects (AWS APIs never send "
						    "them): check --endpoint-url and AWS_ENDPOINT_URL",
						base, redirect);
			else if (dec == AWS_RETRY_MAX_ATTEMPTS && kind == AWS_RETRY_CONNECT &&
				 st.attempts < c->retry.max_attempts)
				diag_set_detail(dg, "gave up after %d attempts (a connection that "
						    "cannot be made at all is tried %d times at most: "
						    "check the endpoint and the network)",
						st.attempts, AWS_RETRY_CONNECT_MAX_ATTEMPTS);
			else if (dec == AWS_RETRY_MAX_ATTEMPTS)
				diag_set_detail(dg, "gave up after %d attempts (the maximum; raise it "
						    "with --max-retries, AWS_MAX_ATTEMPTS or max_attempts "
						    "in the profile)", st.attempts);
			else if (st.attempts > 1)
				diag_set_detail(dg, "after %d attempts", st.attempts);
			goto cleanup;
		}
		log_verbose("%s %s -> %s, retry %d in %.2f s%s", service, operation,
			    status ? (err.code ? err.code : "error") : fail.message, st.attempts,
			    delay, st.over_quota ? " (retry quota spent: waiting longer)" : "");
		aws_retry_sleep(&c->retry, delay * c->delay_scale);
	}

cleanup:
	aws_error_release(&err);
	aws_http_request_release(&req);
	aws_endpoint_release(&ep);
	free(base);
	return rc;
}

/* ---- pagination ---- */

/* A member of an answer by a dotted path ("a.b"), borrowed; NULL if absent. */
static json_t *get_path(json_t *obj, const char *path)
{
	char *copy = xstrdup(path), *save = NULL;
	json_t *v = obj;
	for (char *part = strtok_r(copy, ".", &save); part && v; part = strtok_r(NULL, ".", &save))
		v = json_object_get(v, part);
	free(copy);
	return v;
}

static bool token_present(json_t *v)
{
	return v && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v)) &&
	       !(json_is_array(v) && json_array_size(v) == 0);
}

int aws_call_all(struct aws_client *c, const char *service, const char *operation,
		 json_t *params, const char *result_key, json_t **out_items, struct diags *d)
{
	return aws_call_pages(c, service, operation, params, result_key, out_items, NULL, d);
}

int aws_call_pages(struct aws_client *c, const char *service, const char *operation,
		   json_t *params, const char *result_key, json_t **out_items, int *pages,
		   struct diags *d)
{
	const struct aws_service *svc = find_service(service, d);
	const struct aws_paginator *pg;
	json_t *req = NULL, *items = json_array(), *page = NULL;
	char *last_tokens = NULL;
	int rc = 0;

	if (pages)
		*pages = 0;
	if (!svc) {
		rc = BERTH_EINVAL;
		goto cleanup;
	}
	pg = aws_paginator_find(svc, operation);
	if (!result_key)
		result_key = pg && pg->nresult ? pg->result_key[0] : NULL;
	if (!result_key) {
		diags_add(d, DIAG_ERROR, "%s %s: no result key to collect", service, operation);
		rc = BERTH_EINVAL;
		goto cleanup;
	}
	req = params ? json_deep_copy(params) : json_object();

	for (int pageno = 1;; pageno++) {
		if (pageno > AWS_MAX_PAGES) {
			struct diag *dg = diags_add(d, DIAG_ERROR, "%s %s: more than %d pages",
						    service, operation, AWS_MAX_PAGES);
			set_aws_fields(dg, service, operation, NULL);
			diag_set_detail(dg, "the answers kept carrying a next-page token; "
					    "berth stopped rather than loop forever");
			rc = BERTH_EAWS;
			goto cleanup;
		}
		if (pages)
			*pages = pageno;
		if ((rc = aws_call(c, service, operation, req, &page, d)) < 0)
			goto cleanup;
		json_t *list = get_path(page, result_key);
		if (json_is_array(list))
			json_array_extend(items, list);
		if (!pg)
			break;
		bool more = pg->more_results ? json_is_true(get_path(page, pg->more_results)) : true;
		bool any = false;
		struct buf tokens = BUF_INIT;
		for (size_t i = 0; i < pg->ninput && i < pg->noutput; i++) {
			json_t *tok = get_path(page, pg->output_token[i]);
			if (token_present(tok)) {
				any = true;
				json_object_set(req, pg->input_token[i], tok);
				char *s = json_dumps(tok, JSON_ENCODE_ANY | JSON_COMPACT);
				buf_addf(&tokens, "%s|", s);
				free(s);
			} else {
				json_object_del(req, pg->input_token[i]);
			}
		}
		json_decref(page);
		page = NULL;
		if (!more || !any) {
			buf_release(&tokens);
			break;
		}
		/* A server that hands back the token it was given would loop. */
		if (last_tokens && !strcmp(last_tokens, tokens.ptr)) {
			struct diag *dg = diags_add(d, DIAG_ERROR, "%s %s: the next-page token did "
						    "not change (page %d)", service, operation,
						    pageno);
			set_aws_fields(dg, service, operation, NULL);
			buf_release(&tokens);
			rc = BERTH_EAWS;
			goto cleanup;
		}
		free(last_tokens);
		last_tokens = buf_detach(&tokens, NULL);
	}
	*out_items = items;
	items = NULL;
	rc = 0;

cleanup:
	json_decref(req);
	json_decref(page);
	json_decref(items);
	free(last_tokens);
	return rc;
}
