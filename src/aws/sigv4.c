/* AWS Signature Version 4: canonical request, string to sign, signing key and
 * signature, as the SigV4 reference and botocore's SigV4Auth define them. */
#include "util/common.h"
#include "aws/sigv4.h"

#include <ctype.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

void sigv4_trace_init(struct sigv4_trace *t)
{
	buf_init(&t->canonical_request, 0);
	buf_init(&t->string_to_sign, 0);
	buf_init(&t->signature, 0);
}

void sigv4_trace_release(struct sigv4_trace *t)
{
	buf_release(&t->canonical_request);
	buf_release(&t->string_to_sign);
	buf_release(&t->signature);
}

static int is_unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

void aws_uri_encode(struct buf *out, const char *s, size_t len, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_unreserved(c) || (keep_slash && c == '/')) {
			buf_addch(out, c);
		} else {
			buf_addch(out, '%');
			buf_addch(out, hex[c >> 4]);
			buf_addch(out, hex[c & 15]);
		}
	}
}

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void aws_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data, len, md);
	hex_encode(md, sizeof(md), out);
}

void aws_amz_date(time_t t, char out[17])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static void hmac_sha256(const void *key, size_t keylen, const char *msg, size_t msglen,
			unsigned char out[32])
{
	unsigned int outlen = 32;
	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, msglen, out, &outlen);
}

/* ---- canonical URI ---- */

/* Removes "." and ".." segments and empty segments (repeated slashes), as
 * botocore's normalize_url_path does; a trailing slash survives. */
static void normalize_path(struct buf *out, const char *path)
{
	struct strseg { const char *p; size_t n; } *segs = NULL;
	size_t nseg = 0, alloc = 0;
	const char *s = path;
	size_t plen = strlen(path);
	/* "/a/" and "/a/b/.." both name the folder a/ and keep their slash. */
	bool trailing = plen > 0 && path[plen - 1] == '/';
	bool last_dot = false;

	while (*s) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		last_dot = false;
		if (n == 1 && s[0] == '.') {
			last_dot = true;
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			if (nseg)
				nseg--;
			last_dot = true;
		} else {
			ALLOC_GROW(segs, nseg + 1, alloc);
			segs[nseg].p = s;
			segs[nseg].n = n;
			nseg++;
		}
		s += n;
	}
	trailing = trailing || last_dot;
	buf_addch(out, '/');
	for (size_t i = 0; i < nseg; i++) {
		buf_add(out, segs[i].p, segs[i].n);
		if (i + 1 < nseg || trailing)
			buf_addch(out, '/');
	}
	free(segs);
}

static void canonical_uri(struct buf *out, const char *path, bool normalize)
{
	struct buf norm = BUF_INIT;
	if (!*path)
		path = "/";
	if (normalize) {
		normalize_path(&norm, path);
		path = norm.ptr;
	}
	/* The path on the wire is already encoded; non-S3 services sign it
	 * encoded a second time ("%20" becomes "%2520"). */
	aws_uri_encode(out, path, strlen(path), true);
	buf_release(&norm);
}

/* ---- canonical query ---- */

struct qparam {
	char *key;   /* encoded */
	char *value; /* encoded */
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Decodes %XX then encodes with SigV4's rules, so a query given either raw or
 * already encoded (by whichever encoder) gets one canonical form. */
static char *reencode(const char *s, size_t n)
{
	struct buf raw = BUF_INIT, enc = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n &&
		    (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
			buf_addch(&raw, hi * 16 + lo);
			i += 2;
		} else {
			buf_addch(&raw, s[i]);
		}
	}
	aws_uri_encode(&enc, raw.ptr, raw.len, false);
	buf_release(&raw);
	return buf_detach(&enc, NULL);
}

static void qparams_parse(struct qparam **items, size_t *n, size_t *alloc, const char *q)
{
	while (q && *q) {
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		if (len) {
			const char *eq = memchr(q, '=', len);
			size_t klen = eq ? (size_t)(eq - q) : len;
			ALLOC_GROW(*items, *n + 1, *alloc);
			(*items)[*n].key = reencode(q, klen);
			(*items)[*n].value = eq ? reencode(eq + 1, len - klen - 1) : xstrdup("");
			(*n)++;
		}
		q = amp ? amp + 1 : NULL;
	}
}

static int qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->value, y->value);
}

static void qparams_free(struct qparam *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].key);
		free(items[i].value);
	}
	free(items);
}

/* ---- canonical headers ---- */

struct chdr {
	char *name;  /* lower case */
	struct buf value; /* trimmed, joined with ',' for repeated names */
};

/* Headers that intermediaries or the HTTP library may change or add, so
 * signing them would break the signature (botocore's SIGNED_HEADERS_BLACKLIST). */
static int header_is_unsigned(const char *name)
{
	return !strcasecmp(name, "user-agent") || !strcasecmp(name, "expect") ||
	       !strcasecmp(name, "x-amzn-trace-id") || !strcasecmp(name, "authorization");
}

/* Trims the value and collapses each run of whitespace (folded lines too) into
 * one space. */
static void add_trimmed(struct buf *out, const char *v)
{
	bool space = false, any = false;
	for (; *v; v++) {
		if (isspace((unsigned char)*v)) {
			space = true;
			continue;
		}
		if (space && any)
			buf_addch(out, ' ');
		buf_addch(out, *v);
		space = false;
		any = true;
	}
}

static int chdr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct chdr *)a)->name, ((const struct chdr *)b)->name);
}

struct canon_headers {
	struct chdr *items;
	size_t n, alloc;
};

static void canon_headers_collect(struct canon_headers *ch, const struct aws_headers *h,
				  bool presign)
{
	for (size_t i = 0; i < h->n; i++) {
		const char *name = h->items[i].name;
		if (header_is_unsigned(name))
			continue;
		/* In the presigned form these travel in the query string. */
		if (presign && (!strcasecmp(name, "x-amz-date") ||
				!strcasecmp(name, "x-amz-security-token")))
			continue;
		struct chdr *found = NULL;
		for (size_t j = 0; j < ch->n; j++)
			if (!strcasecmp(ch->items[j].name, name))
				found = &ch->items[j];
		if (found) {
			buf_addch(&found->value, ',');
		} else {
			ALLOC_GROW(ch->items, ch->n + 1, ch->alloc);
			found = &ch->items[ch->n++];
			found->name = xstrdup(name);
			for (char *p = found->name; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			buf_init(&found->value, 0);
		}
		add_trimmed(&found->value, h->items[i].value);
	}
	if (ch->n)
		qsort(ch->items, ch->n, sizeof(*ch->items), chdr_cmp);
}

static void canon_headers_release(struct canon_headers *ch)
{
	for (size_t i = 0; i < ch->n; i++) {
		free(ch->items[i].name);
		buf_release(&ch->items[i].value);
	}
	free(ch->items);
}

static void signed_header_list(struct buf *out, const struct canon_headers *ch)
{
	for (size_t i = 0; i < ch->n; i++) {
		if (i)
			buf_addch(out, ';');
		buf_adds(out, ch->items[i].name);
	}
}

/* ---- the signature ---- */

static void credential_scope(struct buf *out, const struct sigv4_params *p, const char *date)
{
	buf_addf(out, "%.8s/%s/%s/aws4_request", date, p->region, p->service);
}

/* Builds the canonical request from the current state of req (headers and,
 * for presign, the query with the auth parameters), then the string to sign
 * and the signature. */
static void compute_signature(const struct aws_http_request *req, const struct sigv4_params *p,
			      const char *amz_date, const char *extra_query, bool presign,
			      struct buf *signed_headers_out, char sig_hex[65],
			      struct sigv4_trace *trace)
{
	struct buf cr = BUF_INIT, sts = BUF_INIT, scope = BUF_INIT, key = BUF_INIT;
	struct canon_headers ch = { NULL, 0, 0 };
	struct qparam *qp = NULL;
	size_t nq = 0, aq = 0;
	char hash[65];
	unsigned char k[32], k2[32], sig[32];

	buf_adds(&cr, req->method);
	buf_addch(&cr, '\n');
	canonical_uri(&cr, req->path.ptr, p->normalize_path);
	buf_addch(&cr, '\n');

	qparams_parse(&qp, &nq, &aq, req->query.ptr);
	qparams_parse(&qp, &nq, &aq, extra_query);
	if (nq)
		qsort(qp, nq, sizeof(*qp), qparam_cmp);
	for (size_t i = 0; i < nq; i++)
		buf_addf(&cr, "%s%s=%s", i ? "&" : "", qp[i].key, qp[i].value);
	buf_addch(&cr, '\n');

	canon_headers_collect(&ch, &req->headers, presign);
	for (size_t i = 0; i < ch.n; i++)
		buf_addf(&cr, "%s:%s\n", ch.items[i].name, ch.items[i].value.ptr);
	buf_addch(&cr, '\n');
	signed_header_list(signed_headers_out, &ch);
	buf_addbuf(&cr, signed_headers_out);
	buf_addch(&cr, '\n');
	aws_sha256_hex(req->body.ptr, req->body.len, hash);
	buf_adds(&cr, hash);

	credential_scope(&scope, p, amz_date);
	aws_sha256_hex(cr.ptr, cr.len, hash);
	buf_addf(&sts, SIGV4_ALGORITHM "\n%s\n%s\n%s", amz_date, scope.ptr, hash);

	buf_addf(&key, "AWS4%s", p->secret_access_key);
	hmac_sha256(key.ptr, key.len, amz_date, 8, k);
	hmac_sha256(k, 32, p->region, strlen(p->region), k2);
	hmac_sha256(k2, 32, p->service, strlen(p->service), k);
	hmac_sha256(k, 32, "aws4_request", 12, k2);
	hmac_sha256(k2, 32, sts.ptr, sts.len, sig);
	hex_encode(sig, 32, sig_hex);
	/* The derived keys are as good as the secret for a day: wipe them. */
	OPENSSL_cleanse(key.ptr, key.len);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(k2, sizeof(k2));

	if (trace) {
		buf_reset(&trace->canonical_request);
		buf_addbuf(&trace->canonical_request, &cr);
		buf_reset(&trace->string_to_sign);
		buf_addbuf(&trace->string_to_sign, &sts);
		buf_reset(&trace->signature);
		buf_adds(&trace->signature, sig_hex);
	}
	qparams_free(qp, nq);
	canon_headers_release(&ch);
	buf_release(&cr);
	buf_release(&sts);
	buf_release(&scope);
	buf_release(&key);
}

static void headers_remove(struct aws_headers *h, const char *name)
{
	size_t j = 0;
	for (size_t i = 0; i < h->n; i++) {
		if (!strcasecmp(h->items[i].name, name)) {
			free(h->items[i].name);
			free(h->items[i].value);
		} else {
			h->items[j++] = h->items[i];
		}
	}
	h->n = j;
}

int sigv4_sign(struct aws_http_request *req, const struct sigv4_params *p,
	       struct sigv4_trace *trace)
{
	char amz_date[17], sig[65];
	struct buf signed_headers = BUF_INIT, auth = BUF_INIT;

	if (!aws_headers_get(&req->headers, "host"))
		return BERTH_EINVAL;
	aws_amz_date(p->now, amz_date);

	/* A retried request is signed afresh: drop what the last attempt added. */
	headers_remove(&req->headers, "authorization");
	headers_remove(&req->headers, "x-amz-security-token");
	headers_remove(&req->headers, "x-amz-content-sha256");
	aws_headers_set(&req->headers, "X-Amz-Date", amz_date);
	if (p->session_token && !p->omit_session_token)
		aws_headers_set(&req->headers, "X-Amz-Security-Token", p->session_token);
	if (p->sign_body) {
		char hash[65];
		aws_sha256_hex(req->body.ptr, req->body.len, hash);
		aws_headers_set(&req->headers, "x-amz-content-sha256", hash);
	}

	compute_signature(req, p, amz_date, NULL, false, &signed_headers, sig, trace);

	if (p->session_token && p->omit_session_token)
		aws_headers_set(&req->headers, "X-Amz-Security-Token", p->session_token);
	buf_addf(&auth, SIGV4_ALGORITHM " Credential=%s/%.8s/%s/%s/aws4_request, "
		 "SignedHeaders=%s, Signature=%s",
		 p->access_key_id, amz_date, p->region, p->service, signed_headers.ptr, sig);
	aws_headers_set(&req->headers, "Authorization", auth.ptr);
	buf_release(&auth);
	buf_release(&signed_headers);
	return 0;
}

static void query_append(struct buf *q, const char *key, const char *value)
{
	if (q->len)
		buf_addch(q, '&');
	aws_uri_encode(q, key, strlen(key), false);
	buf_addch(q, '=');
	aws_uri_encode(q, value, strlen(value), false);
}

int sigv4_presign(struct aws_http_request *req, const struct sigv4_params *p,
		  struct sigv4_trace *trace)
{
	char amz_date[17], sig[65], expires[32];
	struct buf signed_headers = BUF_INIT, cred = BUF_INIT, extra = BUF_INIT;
	struct canon_headers ch = { NULL, 0, 0 };

	if (!aws_headers_get(&req->headers, "host"))
		return BERTH_EINVAL;
	aws_amz_date(p->now, amz_date);
	snprintf(expires, sizeof(expires), "%ld", p->expires);
	buf_addf(&cred, "%s/%.8s/%s/%s/aws4_request", p->access_key_id, amz_date, p->region,
		 p->service);
	/* The signed-header list must be known before signing: it is itself a
	 * signed query parameter. */
	canon_headers_collect(&ch, &req->headers, true);
	signed_header_list(&signed_headers, &ch);
	canon_headers_release(&ch);

	query_append(&extra, "X-Amz-Algorithm", SIGV4_ALGORITHM);
	query_append(&extra, "X-Amz-Credential", cred.ptr);
	query_append(&extra, "X-Amz-Date", amz_date);
	query_append(&extra, "X-Amz-SignedHeaders", signed_headers.ptr);
	query_append(&extra, "X-Amz-Expires", expires);
	if (p->session_token && !p->omit_session_token)
		query_append(&extra, "X-Amz-Security-Token", p->session_token);

	buf_reset(&signed_headers);
	compute_signature(req, p, amz_date, extra.ptr, true, &signed_headers, sig, trace);

	if (p->session_token && p->omit_session_token)
		query_append(&extra, "X-Amz-Security-Token", p->session_token);
	query_append(&extra, "X-Amz-Signature", sig);
	if (req->query.len)
		buf_addch(&req->query, '&');
	buf_addbuf(&req->query, &extra);

	buf_release(&signed_headers);
	buf_release(&cred);
	buf_release(&extra);
	return 0;
}
