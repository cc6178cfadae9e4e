/* The HTTP transport over libcurl; see transport.h. */
#include "util/common.h"
#include "aws/transport.h"

#include <ctype.h>
#include <pthread.h>
#include <curl/curl.h>

/* A hostile or broken server must not make berth buffer without bound. */
#define MAX_RESPONSE_BYTES (64u << 20)
#define MAX_IDLE_CONNECTIONS 64
/* A server that trickles (slow loris) would hold a call for the whole
 * request timeout, and each retry again: below LOW_SPEED_BYTES a second for
 * LOW_SPEED_SECS the call fails as a network error instead. AWS APIs answer
 * in well under that; what they wait on (stacks, services) berth polls. */
#define LOW_SPEED_BYTES 16L
#define LOW_SPEED_SECS 30L

struct aws_transport {
	CURLSH *share;
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
	long connect_timeout_ms, request_timeout_ms;
	char *ca_bundle;
	bool direct;
};

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *userp)
{
	struct aws_transport *t = userp;
	(void)h;
	(void)access;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&t->locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userp)
{
	struct aws_transport *t = userp;
	(void)h;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&t->locks[data]);
}

int aws_transport_new(struct aws_transport **out, const struct aws_transport_options *o)
{
	struct aws_transport *t = xcalloc(1, sizeof(*t));
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&t->locks[i], NULL);
	t->connect_timeout_ms = o && o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000;
	t->request_timeout_ms = o && o->request_timeout_ms > 0 ? o->request_timeout_ms : 120000;
	t->ca_bundle = o && o->ca_bundle && *o->ca_bundle ? xstrdup(o->ca_bundle) : NULL;
	t->direct = o && o->direct;
	t->share = curl_share_init();
	if (!t->share) {
		aws_transport_free(t);
		return BERTH_ERROR;
	}
	curl_share_setopt(t->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(t->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(t->share, CURLSHOPT_USERDATA, t);
	curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	*out = t;
	return 0;
}

void aws_transport_free(struct aws_transport *t)
{
	if (!t)
		return;
	if (t->share)
		curl_share_cleanup(t->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&t->locks[i]);
	free(t->ca_bundle);
	free(t);
}

int aws_net_error_is_retryable(enum aws_net_error kind)
{
	return kind == AWS_NET_CONNECT || kind == AWS_NET_TIMEOUT || kind == AWS_NET_RESET;
}

struct recv_state {
	struct aws_http_response *resp;
	int too_large;
};

static size_t on_body(char *data, size_t size, size_t n, void *userp)
{
	struct recv_state *st = userp;
	size_t len = size * n;
	if (st->resp->body.len + len > MAX_RESPONSE_BYTES) {
		st->too_large = 1;
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	}
	buf_add(&st->resp->body, data, len);
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userp)
{
	struct recv_state *st = userp;
	size_t len = size * n;
	/* A new status line (after "100 Continue") starts the headers over. */
	if (len >= 5 && !memcmp(data, "HTTP/", 5)) {
		aws_headers_release(&st->resp->headers);
		return len;
	}
	const char *colon = memchr(data, ':', len);
	if (!colon)
		return len;
	size_t nlen = (size_t)(colon - data);
	const char *v = colon + 1, *end = data + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	char *name = xstrndup(data, nlen);
	char *value = xstrndup(v, (size_t)(end - v));
	aws_headers_set(&st->resp->headers, name, value);
	free(name);
	free(value);
	return len;
}

static enum aws_net_error classify(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return AWS_NET_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return AWS_NET_TIMEOUT;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return AWS_NET_RESET;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return AWS_NET_TLS;
	default:
		return AWS_NET_OTHER;
	}
}

int aws_transport_send(struct aws_transport *t, const char *endpoint,
		       const struct aws_http_request *req, struct aws_http_response *resp,
		       struct aws_net_failure *fail)
{
	struct buf url = BUF_INIT, line = BUF_INIT;
	struct curl_slist *hdrs = NULL;
	struct recv_state st = { resp, 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	int rc = BERTH_ENET;
	CURL *h = curl_easy_init();

	fail->kind = AWS_NET_NONE;
	fail->message[0] = '\0';
	if (!h) {
		fail->kind = AWS_NET_OTHER;
		snprintf(fail->message, sizeof(fail->message), "cannot create a curl handle");
		goto cleanup;
	}
	buf_adds(&url, endpoint);
	while (url.len && url.ptr[url.len - 1] == '/')
		buf_setlen(&url, url.len - 1);
	buf_adds(&url, req->path.len ? req->path.ptr : "/");
	if (req->query.len) {
		buf_addch(&url, '?');
		buf_addbuf(&url, &req->query);
	}

	for (size_t i = 0; i < req->headers.n; i++) {
		buf_reset(&line);
		/* "Name;" is curl's way to send a header with an empty value. */
		if (*req->headers.items[i].value)
			buf_addf(&line, "%s: %s", req->headers.items[i].name,
				 req->headers.items[i].value);
		else
			buf_addf(&line, "%s;", req->headers.items[i].name);
		hdrs = curl_slist_append(hdrs, line.ptr);
	}
	/* No "Expect: 100-continue" round trip; no unsigned Content-Type that
	 * curl would invent for a POST body. */
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (!aws_headers_get(&req->headers, "Content-Type"))
		hdrs = curl_slist_append(hdrs, "Content-Type:");

	curl_easy_setopt(h, CURLOPT_URL, url.ptr);
	curl_easy_setopt(h, CURLOPT_SHARE, t->share);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, t->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, t->request_timeout_ms);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED_BYTES);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_SECS);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	/* The shared cache keeps this many idle connections (curl's default is
	 * 5, fewer than an apply's parallel workers, which would then reconnect
	 * on most calls). */
	curl_easy_setopt(h, CURLOPT_MAXCONNECTS, (long)MAX_IDLE_CONNECTIONS);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (t->ca_bundle)
		curl_easy_setopt(h, CURLOPT_CAINFO, t->ca_bundle);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	/* Otherwise curl follows http_proxy/https_proxy/no_proxy, as the SDKs do;
	 * metadata endpoints are reachable only directly, and a proxy must never
	 * see their tokens. */
	if (t->direct)
		curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "berth/" BERTH_VERSION);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &st);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &st);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);

	if (!strcmp(req->method, "GET")) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(req->method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else {
		if (strcmp(req->method, "POST"))
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
		if (req->body.len || !strcmp(req->method, "POST") || !strcmp(req->method, "PUT")) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body.ptr);
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.len);
		}
	}

	CURLcode cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		fail->kind = st.too_large ? AWS_NET_OTHER : classify(cc);
		if (st.too_large)
			snprintf(fail->message, sizeof(fail->message),
				 "response from %s larger than %u MiB", endpoint,
				 MAX_RESPONSE_BYTES >> 20);
		else
			snprintf(fail->message, sizeof(fail->message), "%s: %s", endpoint,
				 *errbuf ? errbuf : curl_easy_strerror(cc));
		goto cleanup;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	rc = 0;

cleanup:
	curl_slist_free_all(hdrs);
	if (h)
		curl_easy_cleanup(h);
	buf_release(&url);
	buf_release(&line);
	return rc;
}
