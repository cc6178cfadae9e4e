/* grafana: sessions on an Amazon Managed Grafana workspace's HTTP API (a
 * short-lived service account token, or API key on Grafana 8, from the AWS
 * API; one curl handle) and the data source, dashboard and search operations
 * berth's Grafana types need. */
#include "util/common.h"
#include "grafana/grafana.h"

#include <curl/curl.h>
#include <strings.h>
#include <openssl/evp.h>
#include <sys/random.h>
#include <time.h>

#include "aws/config.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/suggest.h"

/* A Grafana answer larger than this is not one berth asked for. */
#define MAX_BODY (32u << 20)
#define CONNECT_TIMEOUT_MS 10000L
#define REQUEST_TIMEOUT_MS 60000L
/* Renewals per session: a key rejected again right after renewal means
 * something else is wrong, and looping would only mint keys. */
#define MAX_RENEWALS 3

struct grafana_session {
	struct aws_client *aws; /* borrowed */
	char *workspace_id;
	char *endpoint;   /* the workspace's host name */
	char *base_url;   /* "https://ENDPOINT", or the emulator's scheme + ENDPOINT + prefix */
	CURL *curl;
	struct curl_slist *connect_to; /* ENDPOINT -> emulator address, or NULL */
	/* Service account tokens (Grafana 9 and later) or, before that, API
	 * keys: sa_id is the service account's id (NULL for API keys). */
	bool use_tokens;
	char *sa_id;
	char *token_id; /* the current token's id (service accounts only) */
	/* The secret, and the header list that carries it; both zeroed on free. */
	char *key;
	char *key_name;
	time_t key_expires;
	struct curl_slist *headers;
	int renewals;
};

/* ------------------------------------------------------------ secrets */

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void free_secret_headers(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p; p = p->next)
		if (p->data)
			explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

/* Replaces every copy of the key in text by "***": Grafana does not echo keys,
 * but a proxy's error page might, and a diagnostic must never carry one. */
static char *mask_key(const struct grafana_session *s, const char *text)
{
	struct buf b = BUF_INIT;
	size_t klen = s->key ? strlen(s->key) : 0;
	const char *p = text, *hit;
	if (!klen) {
		buf_adds(&b, text);
		return buf_detach(&b, NULL);
	}
	while ((hit = strstr(p, s->key))) {
		buf_add(&b, p, (size_t)(hit - p));
		buf_adds(&b, "***");
		p = hit + klen;
	}
	buf_adds(&b, p);
	return buf_detach(&b, NULL);
}

/* ------------------------------------------------------------ validation */

/* A DNS name: what goes into the URL, the Host header and CONNECT_TO, so
 * nothing else may (a ':' or '/' would change what they mean). */
static bool is_host_name(const char *h)
{
	if (!*h || strlen(h) > 253 || *h == '.' || *h == '-')
		return false;
	for (; *h; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		      (*h >= '0' && *h <= '9') || *h == '.' || *h == '-'))
			return false;
	return true;
}

static bool is_workspace_id(const char *w)
{
	if (!*w || strlen(w) > 64)
		return false;
	for (; *w; w++)
		if (!((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z') ||
		      (*w >= '0' && *w <= '9') || *w == '-'))
			return false;
	return true;
}

/* ------------------------------------------------------------ endpoint */

static bool ends_with_aws_domain(const char *hostport)
{
	static const char *const domains[] = { ".amazonaws.com", ".amazonaws.com.cn", ".api.aws" };
	char *host = xstrdup(hostport), *colon = strrchr(host, ':');
	bool aws = false;
	size_t n;
	if (colon && !strchr(colon, ']'))
		*colon = '\0';
	n = strlen(host);
	for (size_t i = 0; i < ARRAY_SIZE(domains); i++) {
		size_t m = strlen(domains[i]);
		if (n > m && !strcasecmp(host + n - m, domains[i]))
			aws = true;
	}
	free(host);
	return aws;
}

/* Where the workspace's requests go. AWS's own endpoint for the grafana
 * service means real AWS: https to the workspace. A configured one means an
 * emulator (or proxy) that serves every workspace by Host: connect there,
 * keep Host = the workspace endpoint. */
static int route(struct grafana_session *s, struct diags *d)
{
	char *url = NULL, *source = NULL, *hostport = NULL;
	const char *scheme_end, *host, *path;
	int rc;
	if ((rc = aws_client_endpoint(s->aws, "grafana", &url, &source, d)) < 0)
		return rc;
	scheme_end = strstr(url, "://");
	host = scheme_end ? scheme_end + 3 : url;
	path = strchr(host, '/');
	hostport = path ? xstrndup(host, (size_t)(path - host)) : xstrdup(host);
	/* A configured endpoint that is AWS's own (a FIPS or dual-stack one) is
	 * still real AWS: the workspace is reached directly. */
	if (!strcmp(source, "default") || ends_with_aws_domain(hostport)) {
		s->base_url = xasprintf("https://%s", s->endpoint);
		rc = 0;
		goto cleanup;
	}
	if (!scheme_end) {
		diags_add(d, DIAG_ERROR, "grafana endpoint %s (from %s) is not a URL", url, source);
		rc = BERTH_EINVAL;
		goto cleanup;
	}
	{
		/* "ENDPOINT::HOST:PORT": any port of ENDPOINT goes to HOST:PORT (a
		 * missing port keeps the scheme's). */
		char *last_colon = strrchr(hostport, ':');
		char *rule;
		bool has_port = last_colon && !strchr(last_colon, ']');
		rule = has_port ? xasprintf("%s::%s", s->endpoint, hostport)
				: xasprintf("%s::%s:", s->endpoint, hostport);
		s->connect_to = curl_slist_append(NULL, rule);
		free(rule);
		if (!s->connect_to)
			abort(); /* out of memory, as everywhere else */
	}
	s->base_url = xasprintf("%.*s://%s%s", (int)(scheme_end - url), url, s->endpoint,
				path && strcmp(path, "/") ? path : "");
	/* No trailing '/': paths start with one. */
	if (s->base_url[strlen(s->base_url) - 1] == '/')
		s->base_url[strlen(s->base_url) - 1] = '\0';
	log_verbose("grafana: workspace %s through %s (%s)", s->workspace_id, hostport, source);
	rc = 0;
cleanup:
	free(hostport);
	free(url);
	free(source);
	return rc;
}

/* ------------------------------------------------------------ keys */

/* Time plus random: unique across runs and renewals, and says who made it
 * and when to anyone listing the workspace's keys or tokens. */
static char *credential_name(void)
{
	unsigned char rnd[4];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd)); /* the time part alone still differs per run */
	return xasprintf("berth-%lld-%02x%02x%02x%02x", (long long)time(NULL), rnd[0], rnd[1],
			 rnd[2], rnd[3]);
}

static bool last_aws_code_is(const struct diags *d, const char *code)
{
	return d->n && d->items[d->n - 1].aws_code && !strcmp(d->items[d->n - 1].aws_code, code);
}

/* The id of the workspace's service account GRAFANA_SERVICE_ACCOUNT, or
 * NULL: one ListWorkspaceServiceAccounts (all pages). */
static int find_service_account(struct grafana_session *s, char **id_out, struct diags *d)
{
	json_t *params = json_pack("{s:s}", "workspaceId", s->workspace_id), *list = NULL, *a;
	size_t i;
	int rc = aws_call_all(s->aws, "grafana", "ListWorkspaceServiceAccounts", params,
			      "serviceAccounts", &list, d);
	json_decref(params);
	if (rc < 0)
		return rc;
	*id_out = NULL;
	json_array_foreach(list, i, a) {
		const char *name = json_string_value(json_object_get(a, "name"));
		const char *id = json_string_value(json_object_get(a, "id"));
		if (name && id && !strcmp(name, GRAFANA_SERVICE_ACCOUNT)) {
			*id_out = xstrdup(id);
			break;
		}
	}
	json_decref(list);
	return 0;
}

/* The service account berth's tokens belong to: the workspace's
 * GRAFANA_SERVICE_ACCOUNT, created (role ADMIN) the first time. It is reused
 * and kept, never deleted: berth runs on other machines may hold tokens of it
 * at the same moment, and without a token it grants nothing. */
static int ensure_service_account(struct grafana_session *s, struct diags *d)
{
	struct diags local = DIAGS_INIT;
	json_t *params = NULL, *resp = NULL;
	int rc;
	if (s->sa_id)
		return 0;
	if ((rc = find_service_account(s, &s->sa_id, d)) < 0 || s->sa_id)
		return rc;
	params = json_pack("{s:s, s:s, s:s}", "workspaceId", s->workspace_id, "name",
			   GRAFANA_SERVICE_ACCOUNT, "grafanaRole", "ADMIN");
	rc = aws_call(s->aws, "grafana", "CreateWorkspaceServiceAccount", params, &resp, &local);
	if (rc == BERTH_EAWS && last_aws_code_is(&local, "ConflictException")) {
		/* Another berth made it between our list and our create. */
		diags_release(&local);
		rc = find_service_account(s, &s->sa_id, d);
		if (!rc && !s->sa_id) {
			diags_add(d, DIAG_ERROR, "Grafana workspace %s: service account %s exists "
				  "but is not listed", s->workspace_id, GRAFANA_SERVICE_ACCOUNT);
			rc = BERTH_EAWS;
		}
		goto cleanup;
	}
	diags_move(d, &local);
	if (rc < 0)
		goto cleanup;
	if (!json_string_value(json_object_get(resp, "id"))) {
		diags_add(d, DIAG_ERROR, "grafana CreateWorkspaceServiceAccount answered without an id");
		rc = BERTH_EAWS;
		goto cleanup;
	}
	s->sa_id = xstrdup(json_string_value(json_object_get(resp, "id")));
	log_verbose("grafana: created service account %s (%s) on %s", GRAFANA_SERVICE_ACCOUNT,
		    s->sa_id, s->workspace_id);
cleanup:
	diags_release(&local);
	json_decref(resp);
	json_decref(params);
	return rc;
}

/* Makes a new credential: a token of berth's service account, or on a
 * workspace without service accounts an ADMIN API key; both live
 * GRAFANA_KEY_SECONDS. */
static int create_key(struct grafana_session *s, struct diags *d)
{
	json_t *params = NULL, *resp = NULL, *holder;
	const char *key, *op;
	char *name, *auth;
	int rc;

	name = credential_name();
	if (s->use_tokens) {
		if ((rc = ensure_service_account(s, d)) < 0)
			goto cleanup;
		op = "CreateWorkspaceServiceAccountToken";
		params = json_pack("{s:s, s:s, s:s, s:i}", "workspaceId", s->workspace_id,
				   "serviceAccountId", s->sa_id, "name", name, "secondsToLive",
				   GRAFANA_KEY_SECONDS);
	} else {
		op = "CreateWorkspaceApiKey";
		params = json_pack("{s:s, s:s, s:s, s:i}", "workspaceId", s->workspace_id, "keyName",
				   name, "keyRole", "ADMIN", "secondsToLive", GRAFANA_KEY_SECONDS);
	}
	if ((rc = aws_call(s->aws, "grafana", op, params, &resp, d)) < 0)
		goto cleanup;
	holder = s->use_tokens ? json_object_get(resp, "serviceAccountToken") : resp;
	key = json_string_value(json_object_get(holder, "key"));
	if (!key || !*key || (s->use_tokens && !json_string_value(json_object_get(holder, "id")))) {
		diags_add(d, DIAG_ERROR, "grafana %s answered without a %s", op,
			  s->use_tokens ? "token" : "key");
		rc = BERTH_EAWS;
		goto cleanup;
	}
	if (s->use_tokens)
		s->token_id = xstrdup(json_string_value(json_object_get(holder, "id")));
	auth = xasprintf("Authorization: Bearer %s", key);
	s->headers = curl_slist_append(NULL, auth);
	s->headers = curl_slist_append(s->headers, "Accept: application/json");
	s->headers = curl_slist_append(s->headers, "Content-Type: application/json");
	free_secret(auth);
	s->key = xstrdup(key);
	/* Masked in every log line and everything the CLI prints from now on,
	 * on top of this file's own care never to put it in a message. */
	log_add_secret(s->key);
	s->key_name = name;
	name = NULL;
	s->key_expires = time(NULL) + GRAFANA_KEY_SECONDS;
	log_verbose("grafana: created %s %s on %s", s->use_tokens ? "service account token" : "API key",
		    s->key_name, s->workspace_id);
	rc = 0;
cleanup:
	/* The answer's copy of the key: jansson frees without clearing. */
	holder = s->use_tokens ? json_object_get(resp, "serviceAccountToken") : resp;
	if (resp && (key = json_string_value(json_object_get(holder, "key"))))
		explicit_bzero((char *)key, strlen(key));
	json_decref(resp);
	json_decref(params);
	free(name);
	return rc;
}

/* Deletes the current key (if any) and forgets it, whatever the answer. A
 * key that is already gone (deleted by someone, or its workspace deleted) is
 * what we wanted. Any other failure is a warning, not an error: the work the
 * key was for is done, and the key expires by itself. */
static int delete_key(struct grafana_session *s, struct diags *d)
{
	struct diags local = DIAGS_INIT;
	json_t *params, *resp = NULL;
	int rc;
	const char *what = s->use_tokens ? "service account token" : "API key";
	if (!s->key_name)
		return 0;
	if (s->use_tokens) {
		params = json_pack("{s:s, s:s, s:s}", "workspaceId", s->workspace_id,
				   "serviceAccountId", s->sa_id, "tokenId", s->token_id);
		rc = aws_call(s->aws, "grafana", "DeleteWorkspaceServiceAccountToken", params, &resp,
			      &local);
	} else {
		params = json_pack("{s:s, s:s}", "workspaceId", s->workspace_id, "keyName",
				   s->key_name);
		rc = aws_call(s->aws, "grafana", "DeleteWorkspaceApiKey", params, &resp, &local);
	}
	if (rc == BERTH_EAWS && last_aws_code_is(&local, "ResourceNotFoundException")) {
		log_verbose("grafana: %s %s on %s was already gone", what, s->key_name,
			    s->workspace_id);
		rc = 0;
	} else if (rc < 0) {
		char when[32];
		struct tm tm;
		gmtime_r(&s->key_expires, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		for (size_t i = 0; i < local.n; i++)
			local.items[i].severity = DIAG_WARNING;
		diags_move(d, &local);
		diags_add(d, DIAG_WARNING,
			  "could not delete the temporary %s %s of Grafana workspace %s; "
			  "it expires by itself at %s", what, s->key_name, s->workspace_id, when);
	} else {
		log_verbose("grafana: deleted %s %s on %s", what, s->key_name, s->workspace_id);
	}
	diags_release(&local);
	json_decref(resp);
	json_decref(params);
	free_secret_headers(s->headers);
	s->headers = NULL;
	free_secret(s->key);
	s->key = NULL;
	free(s->key_name);
	s->key_name = NULL;
	free(s->token_id);
	s->token_id = NULL;
	return rc;
}

/* ------------------------------------------------------------ session */

static void session_free(struct grafana_session *s)
{
	if (!s)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	free_secret_headers(s->headers);
	free_secret(s->key);
	free(s->key_name);
	free(s->token_id);
	free(s->sa_id);
	curl_slist_free_all(s->connect_to);
	free(s->base_url);
	free(s->endpoint);
	free(s->workspace_id);
	free(s);
}

/* Service accounts came with Grafana 9 (AWS refuses them on an 8.4
 * workspace); an unknown version is taken to be a current one. */
static bool has_service_accounts(const char *version)
{
	return !version || !*version || strtol(version, NULL, 10) >= 9;
}

int grafana_session_open(struct aws_client *aws, const char *workspace_id, const char *endpoint,
			 const char *grafana_version, struct grafana_session **out,
			 struct diags *d)
{
	struct grafana_session *s = NULL;
	const char *host;
	int rc;

	if (!aws || !workspace_id || !endpoint || !is_workspace_id(workspace_id)) {
		diags_add(d, DIAG_ERROR, "'%s' is not a Grafana workspace id",
			  workspace_id ? workspace_id : "(null)");
		return BERTH_EINVAL;
	}
	host = endpoint;
	if (!strncmp(host, "https://", 8))
		host += 8;
	s = xcalloc(1, sizeof(*s));
	s->aws = aws;
	s->use_tokens = has_service_accounts(grafana_version);
	s->workspace_id = xstrdup(workspace_id);
	s->endpoint = xstrdup(host);
	if (*s->endpoint && s->endpoint[strlen(s->endpoint) - 1] == '/')
		s->endpoint[strlen(s->endpoint) - 1] = '\0';
	if (!is_host_name(s->endpoint)) {
		diags_add(d, DIAG_ERROR, "'%s' is not a Grafana workspace endpoint (a host name)",
			  endpoint);
		rc = BERTH_EINVAL;
		goto fail;
	}
	if ((rc = route(s, d)) < 0)
		goto fail;
	if (!(s->curl = curl_easy_init())) {
		diags_add(d, DIAG_ERROR, "could not start libcurl");
		rc = BERTH_ERROR;
		goto fail;
	}
	/* Everything that can fail locally is done: only now make the key. */
	if ((rc = create_key(s, d)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	session_free(s);
	return rc;
}

int grafana_session_close(struct grafana_session *s, struct diags *d)
{
	int rc;
	if (!s)
		return 0;
	rc = delete_key(s, d);
	session_free(s);
	return rc;
}

const char *grafana_session_key_name(const struct grafana_session *s)
{
	return s->key_name;
}

/* ------------------------------------------------------------ requests */

struct body_sink {
	struct buf b;
	bool too_big;
};

static size_t on_data(char *ptr, size_t size, size_t n, void *ud)
{
	struct body_sink *sink = ud;
	size_t len = size * n;
	if (sink->b.len + len > MAX_BODY) {
		sink->too_big = true;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	buf_add(&sink->b, ptr, len);
	return len;
}

static int status_code(long status)
{
	switch (status) {
	case 401:
	case 403: return BERTH_EAUTH;
	case 404: return BERTH_ENOTFOUND;
	case 409:
	case 412: return BERTH_ECONFLICT;
	case 400:
	case 422: return BERTH_EINVAL;
	default: return BERTH_ERROR;
	}
}

/* One exchange: the status and the raw body. Transport failures are
 * BERTH_ENET with a diagnostic. */
static int exchange(struct grafana_session *s, const char *method, const char *path,
		    const char *body, long *status, struct buf *resp, struct diags *d)
{
	struct body_sink sink = { BUF_INIT, false };
	char errbuf[CURL_ERROR_SIZE] = "";
	char *url = xasprintf("%s%s", s->base_url, path);
	CURL *h = s->curl;
	CURLcode cc;
	int rc = 0;

	curl_easy_reset(h); /* keeps the connection cache: connections are reused */
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	/* The same trust store as the AWS calls (aws/client.c). */
	const char *ca_bundle = aws_getenv("AWS_CA_BUNDLE");
	if (ca_bundle && *ca_bundle)
		curl_easy_setopt(h, CURLOPT_CAINFO, ca_bundle);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, REQUEST_TIMEOUT_MS);
	/* As the AWS transport (aws/http.c): a trickling server fails the call. */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 16L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "berth/" BERTH_VERSION);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
	if (s->connect_to)
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, s->connect_to);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	} else if (strcmp(method, "GET") && strcmp(method, "DELETE")) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
	}
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "Grafana workspace %s: %s %s: %s",
					    s->workspace_id, method, path,
					    sink.too_big ? "answer too large" : *errbuf ? errbuf
					    : curl_easy_strerror(cc));
		diag_set_detail(dg, "requests go to %s", s->base_url);
		rc = BERTH_ENET;
		goto cleanup;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	log_verbose("grafana: %s %s -> %ld", method, path, *status);
	buf_addbuf(resp, &sink.b);
cleanup:
	/* The handle must not keep pointers into this call's memory. */
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	buf_release(&sink.b);
	free(url);
	return rc;
}

/* Grafana's error text: {"message": ...} (sometimes with "error"), else the
 * start of the body. */
static void fail_diag(struct grafana_session *s, const char *method, const char *path,
		      long status, const struct buf *body, struct diags *d)
{
	json_t *j = json_loadb(body->ptr, body->len, 0, NULL);
	const char *msg = j ? json_string_value(json_object_get(j, "message")) : NULL;
	const char *err = j ? json_string_value(json_object_get(j, "error")) : NULL;
	struct buf text = BUF_INIT;
	struct diag *dg;
	char *masked;
	if (msg && *msg)
		buf_adds(&text, msg);
	else if (body->len)
		buf_add(&text, body->ptr, body->len > 200 ? 200 : body->len);
	else
		buf_adds(&text, "(no message)");
	if (err && *err && (!msg || strcmp(err, msg)))
		buf_addf(&text, " (%s)", err);
	masked = mask_key(s, text.ptr);
	dg = diags_add(d, DIAG_ERROR, "Grafana workspace %s: %s %s failed with HTTP %ld: %s",
		       s->workspace_id, method, path, status, masked);
	dg->http_status = (int)status;
	if (status == 401)
		diag_set_detail(dg, s->use_tokens
				? "the workspace rejected berth's service account token %s (renewed once "
				  "already); check that the caller may call "
				  "grafana:CreateWorkspaceServiceAccountToken"
				: "the workspace rejected berth's API key %s (renewed once already); "
				  "check that the workspace accepts API keys and that the caller may "
				  "call grafana:CreateWorkspaceApiKey", s->key_name ? s->key_name : "");
	else if (status == 403)
		diag_set_detail(dg, s->use_tokens
				? "the service account " GRAFANA_SERVICE_ACCOUNT " (made with role ADMIN) "
				  "may not do this; check its role in the workspace"
				: "the API key (role ADMIN) may not do this");
	free(masked);
	buf_release(&text);
	json_decref(j);
}

/* A new key for one that was rejected (expired during a long apply, or
 * deleted by someone). */
static int renew_key(struct grafana_session *s, struct diags *d)
{
	s->renewals++;
	log_verbose("grafana: %s %s rejected; renewing",
		    s->use_tokens ? "service account token" : "API key", s->key_name);
	/* The old key is worthless now; failing to delete it is only a warning
	 * and must not block the renewal. */
	(void)delete_key(s, d);
	return create_key(s, d);
}

int grafana_request(struct grafana_session *s, const char *method, const char *path,
		    json_t *body, json_t **out, struct diags *d)
{
	struct buf resp = BUF_INIT;
	char *text = NULL;
	json_t *j = NULL;
	long status = 0;
	bool renewed = false;
	int rc;

	if (!s->key) {
		diags_add(d, DIAG_ERROR, "Grafana workspace %s: no token or API key (its renewal failed)",
			  s->workspace_id);
		return BERTH_EAUTH;
	}
	if (body)
		text = json_dumps(body, JSON_COMPACT);
again:
	buf_reset(&resp);
	if ((rc = exchange(s, method, path, text, &status, &resp, d)) < 0)
		goto cleanup;
	if (status == 401 && !renewed && s->renewals < MAX_RENEWALS) {
		renewed = true;
		if ((rc = renew_key(s, d)) < 0)
			goto cleanup;
		goto again;
	}
	if (status < 200 || status > 299) {
		fail_diag(s, method, path, status, &resp, d);
		rc = status_code(status);
		goto cleanup;
	}
	if (resp.len == 0) {
		j = json_null();
	} else {
		json_error_t jerr;
		if (!(j = json_loadb(resp.ptr, resp.len, 0, &jerr))) {
			diags_add(d, DIAG_ERROR, "Grafana workspace %s: %s %s answered with invalid JSON: %s",
				  s->workspace_id, method, path, jerr.text);
			rc = BERTH_ERROR;
			goto cleanup;
		}
	}
	if (out) {
		*out = j;
		j = NULL;
	}
	rc = 0;
cleanup:
	json_decref(j);
	free(text);
	buf_release(&resp);
	return rc;
}

/* A request whose 404 is an answer, not an error: BERTH_ENOTFOUND and the
 * 404's diagnostic dropped. */
static int request_maybe(struct grafana_session *s, const char *method, const char *path,
			 json_t *body, json_t **out, struct diags *d)
{
	struct diags local = DIAGS_INIT;
	int rc = grafana_request(s, method, path, body, out, &local);
	if (rc == BERTH_ENOTFOUND) {
		/* Keep what else was said (a renewal's warning), not the 404. */
		for (size_t i = 0; i < local.n; i++)
			if (local.items[i].http_status == 404)
				local.items[i].severity = DIAG_NOTE;
		for (size_t i = 0; i < local.n; i++)
			if (local.items[i].severity != DIAG_NOTE) {
				struct diag *dg = diags_add(d, local.items[i].severity, "%s",
							    local.items[i].summary);
				if (local.items[i].detail)
					diag_set_detail(dg, "%s", local.items[i].detail);
			}
	} else {
		diags_move(d, &local);
	}
	diags_release(&local);
	return rc;
}

static char *escaped(struct grafana_session *s, const char *segment)
{
	char *e = curl_easy_escape(s->curl, segment, 0);
	char *r;
	if (!e)
		abort();
	r = xstrdup(e);
	curl_free(e);
	return r;
}

/* ------------------------------------------------------------ data sources */

static int get_by(struct grafana_session *s, const char *fmt, const char *key, json_t **out,
		  struct diags *d)
{
	char *esc = escaped(s, key), *path = xasprintf(fmt, esc);
	int rc = request_maybe(s, "GET", path, NULL, out, d);
	free(path);
	free(esc);
	return rc;
}

int grafana_datasource_find(struct grafana_session *s, const char *name, json_t **out,
			    struct diags *d)
{
	return get_by(s, "/api/datasources/name/%s", name, out, d);
}

int grafana_datasource_get(struct grafana_session *s, const char *uid, json_t **out,
			   struct diags *d)
{
	return get_by(s, "/api/datasources/uid/%s", uid, out, d);
}

int grafana_datasource_create(struct grafana_session *s, json_t *ds, char **uid_out,
			      struct diags *d)
{
	json_t *resp = NULL;
	const char *uid;
	int rc = grafana_request(s, "POST", "/api/datasources", ds, &resp, d);
	if (rc < 0)
		return rc;
	uid = json_string_value(json_object_get(json_object_get(resp, "datasource"), "uid"));
	if (!uid) {
		diags_add(d, DIAG_ERROR, "Grafana workspace %s: POST /api/datasources answered "
			  "without datasource.uid", s->workspace_id);
		json_decref(resp);
		return BERTH_ERROR;
	}
	if (uid_out)
		*uid_out = xstrdup(uid);
	json_decref(resp);
	return 0;
}

int grafana_datasource_update(struct grafana_session *s, const char *uid, json_t *ds,
			      struct diags *d)
{
	char *esc = escaped(s, uid), *path = xasprintf("/api/datasources/uid/%s", esc);
	int rc = grafana_request(s, "PUT", path, ds, NULL, d);
	free(path);
	free(esc);
	return rc;
}

static int delete_by(struct grafana_session *s, const char *fmt, const char *key,
		     struct diags *d)
{
	char *esc = escaped(s, key), *path = xasprintf(fmt, esc);
	int rc = request_maybe(s, "DELETE", path, NULL, NULL, d);
	free(path);
	free(esc);
	return rc == BERTH_ENOTFOUND ? 0 : rc;
}

int grafana_datasource_delete(struct grafana_session *s, const char *uid, struct diags *d)
{
	return delete_by(s, "/api/datasources/uid/%s", uid, d);
}

json_t *grafana_prometheus_datasource(const char *name, const char *url, const char *region,
				      const char *auth_type, bool is_default)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:{s:s, s:b, s:s, s:s}}", "name", name, "type",
			 "prometheus", "access", "proxy", "url", url, "isDefault", is_default,
			 "jsonData", "httpMethod", "POST", "sigV4Auth", 1, "sigV4AuthType",
			 auth_type, "sigV4Region", region);
}

/* ------------------------------------------------------------ dashboards */

static int cmp_input(const void *a, const void *b)
{
	const struct grafana_input *x = *(const struct grafana_input *const *)a;
	const struct grafana_input *y = *(const struct grafana_input *const *)b;
	return strcmp(x->name, y->name);
}

static const char *input_type(const struct grafana_input *in)
{
	return in->type ? in->type : "datasource";
}

static const char *input_plugin(const struct grafana_input *in)
{
	return in->plugin_id ? in->plugin_id : "prometheus";
}

/* The import request's inputs, sorted by name (the hash must not depend on
 * the order the spec lists them). New reference. */
static json_t *inputs_json(const struct grafana_input *inputs, size_t n)
{
	const struct grafana_input **sorted = xcalloc(n ? n : 1, sizeof(*sorted));
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		sorted[i] = &inputs[i];
	qsort(sorted, n, sizeof(*sorted), cmp_input);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "name", sorted[i]->name,
						     "type", input_type(sorted[i]), "pluginId",
						     input_plugin(sorted[i]), "value",
						     sorted[i]->value));
	free(sorted);
	return arr;
}

void grafana_dashboard_hash(const json_t *dashboard, const struct grafana_input *inputs,
			    size_t n_inputs, const char *folder_uid, char *out)
{
	json_t *dash = json_deep_copy(dashboard);
	json_t *all;
	unsigned char md[32];
	unsigned int mdlen = 0;
	char *text;
	json_object_del(dash, GRAFANA_HASH_KEY);
	all = json_pack("{s:o, s:o, s:s?}", "dashboard", dash, "inputs",
			inputs_json(inputs, n_inputs), "folderUid", folder_uid);
	text = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL);
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
	free(text);
	json_decref(all);
}

const char *grafana_dashboard_live_hash(const json_t *live)
{
	const json_t *dash = json_object_get(live, "dashboard");
	const char *h = json_string_value(json_object_get(dash ? dash : live, GRAFANA_HASH_KEY));
	return h && !strncmp(h, "sha256:", 7) ? h : NULL;
}

void grafana_import_result_release(struct grafana_import_result *r)
{
	if (!r)
		return;
	free(r->uid);
	free(r->url);
	memset(r, 0, sizeof(*r));
}

/* Every declared input has a value and every value a declaration, as
 * Grafana's import matches them (name, or "*", and type), so a typo in the
 * spec is reported here, by name, rather than as Grafana's "missing dashboard
 * input variable". */
static int check_inputs(const json_t *dashboard, const struct grafana_input *inputs, size_t n,
			struct diags *d)
{
	const json_t *decl = json_object_get(dashboard, "__inputs");
	size_t i, j, nd = json_array_size(decl);
	const char **names = xcalloc(nd ? nd : 1, sizeof(*names));
	int rc = 0;
	for (i = 0; i < nd; i++) {
		const json_t *e = json_array_get(decl, i);
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *type = json_string_value(json_object_get(e, "type"));
		const char *plugin = json_string_value(json_object_get(e, "pluginId"));
		bool found = false;
		names[i] = name ? name : "";
		/* Grafana fills server-side expressions itself. */
		if (plugin && !strcmp(plugin, "__expr__"))
			continue;
		for (j = 0; j < n && !found; j++)
			found = (!strcmp(inputs[j].name, names[i]) || !strcmp(inputs[j].name, "*")) &&
				(!type || !strcmp(type, input_type(&inputs[j])));
		if (!found) {
			struct diag *dg = diags_add(d, DIAG_ERROR,
						    "dashboard input '%s' has no value", names[i]);
			diag_set_detail(dg, "map it to a %s%s%s, e.g. its uid", type ? type : "value",
					plugin ? " of plugin " : "", plugin ? plugin : "");
			rc = BERTH_EINVAL;
		}
	}
	for (j = 0; j < n; j++) {
		bool declared = !strcmp(inputs[j].name, "*");
		for (i = 0; i < nd && !declared; i++)
			declared = !strcmp(inputs[j].name, names[i]);
		if (!declared) {
			const char *near = suggest_nearest(inputs[j].name, names, nd);
			struct diag *dg = diags_add(d, DIAG_ERROR,
						    "the dashboard declares no input '%s'", inputs[j].name);
			if (near)
				diag_set_detail(dg, "did you mean '%s'?", near);
			else if (nd == 0)
				diag_set_detail(dg, "it has no __inputs at all");
			rc = BERTH_EINVAL;
		}
	}
	free(names);
	return rc;
}

int grafana_dashboard_import(struct grafana_session *s, const json_t *dashboard,
			     const struct grafana_input *inputs, size_t n_inputs,
			     const char *folder_uid, bool overwrite,
			     struct grafana_import_result *out, struct diags *d)
{
	struct grafana_import_result res;
	json_t *dash = NULL, *body = NULL, *resp = NULL;
	const char *uid, *url;
	int rc;

	memset(&res, 0, sizeof(res));
	if (!json_is_object(dashboard)) {
		diags_add(d, DIAG_ERROR, "a dashboard must be a JSON object");
		return BERTH_EINVAL;
	}
	for (size_t i = 0; i < n_inputs; i++)
		if (!inputs[i].name || !inputs[i].value) {
			diags_add(d, DIAG_ERROR, "dashboard input %zu needs a name and a value", i + 1);
			return BERTH_EINVAL;
		}
	if ((rc = check_inputs(dashboard, inputs, n_inputs, d)) < 0)
		return rc;
	grafana_dashboard_hash(dashboard, inputs, n_inputs, folder_uid, res.hash);
	dash = json_deep_copy(dashboard);
	json_object_set_new(dash, GRAFANA_HASH_KEY, json_string(res.hash));
	/* An exported dashboard's id is another instance's database id. */
	json_object_set_new(dash, "id", json_null());
	body = json_pack("{s:O, s:b, s:o}", "dashboard", dash, "overwrite", overwrite, "inputs",
			 inputs_json(inputs, n_inputs));
	if (folder_uid)
		json_object_set_new(body, "folderUid", json_string(folder_uid));
	if ((rc = grafana_request(s, "POST", "/api/dashboards/import", body, &resp, d)) < 0)
		goto cleanup;
	uid = json_string_value(json_object_get(resp, "uid"));
	url = json_string_value(json_object_get(resp, "importedUrl"));
	if (!uid) {
		diags_add(d, DIAG_ERROR, "Grafana workspace %s: the import answered without a uid",
			  s->workspace_id);
		rc = BERTH_ERROR;
		goto cleanup;
	}
	res.uid = xstrdup(uid);
	res.url = url ? xstrdup(url) : NULL;
	res.id = json_integer_value(json_object_get(resp, "dashboardId"));
	if (out) {
		*out = res;
		memset(&res, 0, sizeof(res));
	}
	rc = 0;
cleanup:
	grafana_import_result_release(&res);
	json_decref(resp);
	json_decref(body);
	json_decref(dash);
	return rc;
}

int grafana_dashboard_get(struct grafana_session *s, const char *uid, json_t **out,
			  struct diags *d)
{
	return get_by(s, "/api/dashboards/uid/%s", uid, out, d);
}

int grafana_dashboard_delete(struct grafana_session *s, const char *uid, struct diags *d)
{
	return delete_by(s, "/api/dashboards/uid/%s", uid, d);
}

int grafana_search(struct grafana_session *s, const char *query, const char *type, json_t **out,
		   struct diags *d)
{
	struct buf path = BUF_INIT;
	json_t *resp = NULL;
	int rc;
	buf_adds(&path, "/api/search");
	if (query) {
		char *e = escaped(s, query);
		buf_addf(&path, "?query=%s", e);
		free(e);
	}
	if (type) {
		char *e = escaped(s, type);
		buf_addf(&path, "%ctype=%s", query ? '&' : '?', e);
		free(e);
	}
	rc = grafana_request(s, "GET", path.ptr, NULL, &resp, d);
	if (rc == 0 && !json_is_array(resp)) {
		diags_add(d, DIAG_ERROR, "Grafana workspace %s: search did not answer a list",
			  s->workspace_id);
		rc = BERTH_ERROR;
	}
	if (rc == 0)
		*out = resp;
	else
		json_decref(resp);
	buf_release(&path);
	return rc;
}
