/* Runs every case of the AWS SigV4 test suite (tests/data/sigv4-suite/v4/,
 * aws-c-auth layout, vendored with its provenance) through sigv4_sign and sigv4_presign, reading the data
 * files at run time, and checks canonical request, string to sign, signature
 * and the signed request. */
#include "util/common.h"
#include "harness.h"
#include "aws/sigv4.h"
#include "util/buf.h"

#include <dirent.h>
#include <jansson.h>
#include <strings.h>

static char *suite_dir(void)
{
	const char *src = getenv("BERTH_SOURCE_DIR");
	return xasprintf("%s/tests/data/sigv4-suite/v4", src && *src ? src : ".");
}

static int read_case_file(const char *dir, const char *name, struct buf *out)
{
	char *path = xasprintf("%s/%s", dir, name);
	buf_reset(out);
	int rc = buf_read_file(out, path);
	free(path);
	/* The expected files carry no final newline, a few a stray one. */
	while (out->len && out->ptr[out->len - 1] == '\n')
		buf_setlen(out, out->len - 1);
	return rc;
}

/* Appends without merging duplicates: the suite has repeated header names. */
static void header_push(struct aws_headers *h, const char *name, size_t nlen, const char *value)
{
	ALLOC_GROW(h->items, h->n + 1, h->alloc);
	h->items[h->n].name = xstrndup(name, nlen);
	h->items[h->n].value = xstrdup(value);
	h->n++;
}

/* request.txt: "METHOD TARGET HTTP/1.1", headers (a line starting with
 * whitespace continues the previous value), a blank line, the body. The
 * target may contain spaces and raw UTF-8: it is the path as sent. */
static void parse_request(const char *text, struct aws_http_request *req)
{
	const char *eol = strchr(text, '\n');
	size_t first_len = eol ? (size_t)(eol - text) : strlen(text);
	char *first = xstrndup(text, first_len);
	char *sp = strchr(first, ' ');
	char *ver = strstr(first, " HTTP/");
	*sp = '\0';
	*ver = '\0';
	aws_http_request_init(req, first);
	char *target = sp + 1;
	char *q = strchr(target, '?');
	if (q) {
		*q = '\0';
		buf_adds(&req->query, q + 1);
	}
	buf_reset(&req->path);
	buf_adds(&req->path, target);
	free(first);

	const char *line = eol ? eol + 1 : text + first_len;
	while (*line && *line != '\n') {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (*line == ' ' || *line == '\t') {
			struct aws_header *last = &req->headers.items[req->headers.n - 1];
			char *v = xasprintf("%s\n%.*s", last->value, (int)len, line);
			free(last->value);
			last->value = v;
		} else {
			const char *colon = memchr(line, ':', len);
			char *value = xstrndup(colon + 1, len - (size_t)(colon + 1 - line));
			header_push(&req->headers, line, (size_t)(colon - line), value);
			free(value);
		}
		line = end ? end + 1 : line + len;
	}
	if (*line == '\n')
		buf_adds(&req->body, line + 1);
}

static void params_from_context(json_t *ctx, struct sigv4_params *p)
{
	json_t *cred = json_object_get(ctx, "credentials");
	struct tm tm = { 0 };
	memset(p, 0, sizeof(*p));
	p->access_key_id = json_string_value(json_object_get(cred, "access_key_id"));
	p->secret_access_key = json_string_value(json_object_get(cred, "secret_access_key"));
	p->session_token = json_string_value(json_object_get(cred, "token"));
	p->region = json_string_value(json_object_get(ctx, "region"));
	p->service = json_string_value(json_object_get(ctx, "service"));
	p->normalize_path = json_is_true(json_object_get(ctx, "normalize"));
	p->sign_body = json_is_true(json_object_get(ctx, "sign_body"));
	p->omit_session_token = json_is_true(json_object_get(ctx, "omit_session_token"));
	p->expires = (long)json_integer_value(json_object_get(ctx, "expiration_in_seconds"));
	strptime(json_string_value(json_object_get(ctx, "timestamp")), "%Y-%m-%dT%H:%M:%SZ", &tm);
	p->now = timegm(&tm);
}

/* Query parameters of the request line in a signed-request file, sorted, so
 * two orders of the same set compare equal (as aws-c-auth's harness does). */
static int strptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sorted_query(const char *q)
{
	char *copy = xstrdup(q), *save = NULL;
	char *parts[64];
	size_t n = 0;
	struct buf out = BUF_INIT;
	for (char *t = strtok_r(copy, "&", &save); t && n < 64; t = strtok_r(NULL, "&", &save))
		parts[n++] = t;
	qsort(parts, n, sizeof(*parts), strptr_cmp);
	for (size_t i = 0; i < n; i++)
		buf_addf(&out, "%s%s", i ? "&" : "", parts[i]);
	free(copy);
	return buf_detach(&out, NULL);
}

static char *query_of_signed_request(const char *text)
{
	const char *eol = strchr(text, '\n');
	char *first = xstrndup(text, eol ? (size_t)(eol - text) : strlen(text));
	char *ver = strstr(first, " HTTP/");
	*ver = '\0';
	char *q = strchr(first, '?');
	char *out = sorted_query(q ? q + 1 : "");
	free(first);
	return out;
}

static const char *authorization_line(const char *text)
{
	const char *a = strstr(text, "\nAuthorization:");
	return a ? a + strlen("\nAuthorization:") : NULL;
}

static int run_case(const char *dir, const char *name, int presign)
{
	char *cdir = xasprintf("%s/%s", dir, name);
	struct buf b = BUF_INIT, expect = BUF_INIT;
	struct aws_http_request req;
	struct sigv4_params p;
	struct sigv4_trace tr;
	json_error_t jerr;
	const char *v = presign ? "query" : "header";
	int failures = 0;
	char file[64];

	read_case_file(cdir, "context.json", &b);
	json_t *ctx = json_loads(b.ptr, 0, &jerr);
	CHECK(ctx != NULL);
	read_case_file(cdir, "request.txt", &b);
	parse_request(b.ptr, &req);
	params_from_context(ctx, &p);
	sigv4_trace_init(&tr);

	int rc = presign ? sigv4_presign(&req, &p, &tr) : sigv4_sign(&req, &p, &tr);
	if (rc) {
		fprintf(stderr, "  %s/%s: signing failed: %d\n", name, v, rc);
		failures++;
	}
#define EXPECT_FILE(suffix, actual)                                                   \
	do {                                                                          \
		snprintf(file, sizeof(file), "%s-%s", v, suffix);                     \
		read_case_file(cdir, file, &expect);                                  \
		if (strcmp(expect.ptr, (actual))) {                                   \
			fprintf(stderr, "  %s/%s differs:\n--- expected\n%s\n--- got\n%s\n", \
				name, file, expect.ptr, (actual));                    \
			failures++;                                                   \
		}                                                                     \
	} while (0)
	EXPECT_FILE("canonical-request.txt", tr.canonical_request.ptr);
	EXPECT_FILE("string-to-sign.txt", tr.string_to_sign.ptr);
	EXPECT_FILE("signature.txt", tr.signature.ptr);

	/* The signed request: the Authorization header, or the full query. */
	snprintf(file, sizeof(file), "%s-signed-request.txt", v);
	read_case_file(cdir, file, &expect);
	if (presign) {
		char *want = query_of_signed_request(expect.ptr);
		char *got = sorted_query(req.query.ptr);
		if (strcmp(want, got)) {
			fprintf(stderr, "  %s/%s query differs:\n  %s\n  %s\n", name, file, want, got);
			failures++;
		}
		free(want);
		free(got);
	} else {
		const char *want = authorization_line(expect.ptr);
		const char *got = aws_headers_get(&req.headers, "Authorization");
		size_t wl = want ? strcspn(want, "\n") : 0;
		if (!want || !got || strlen(got) != wl || strncmp(want, got, wl)) {
			fprintf(stderr, "  %s/%s Authorization differs: %s\n", name, file,
				got ? got : "(none)");
			failures++;
		}
		const char *tok = aws_headers_get(&req.headers, "X-Amz-Security-Token");
		if ((p.session_token != NULL) != (tok != NULL) ||
		    (tok && strcmp(tok, p.session_token))) {
			fprintf(stderr, "  %s: X-Amz-Security-Token wrong\n", name);
			failures++;
		}
	}
#undef EXPECT_FILE
	sigv4_trace_release(&tr);
	aws_http_request_release(&req);
	json_decref(ctx);
	buf_release(&b);
	buf_release(&expect);
	free(cdir);
	return failures;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_suite(int presign)
{
	char *dir = suite_dir();
	DIR *d = opendir(dir);
	struct dirent *de;
	char *names[256];
	size_t n = 0;
	int failures = 0;

	if (!d)
		fprintf(stderr, "  cannot open %s: %s\n", dir, strerror(errno));
	CHECK(d != NULL);
	while ((de = readdir(d)) && n < ARRAY_SIZE(names))
		if (de->d_name[0] != '.')
			names[n++] = xstrdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		failures += run_case(dir, names[i], presign);
		free(names[i]);
	}
	free(dir);
	/* The README counts 38 cases; fewer means files went missing. */
	CHECK(n >= 38);
	CHECK_INT(failures, 0);
}

TEST(suite_header_variant) { run_suite(0); }
TEST(suite_query_variant) { run_suite(1); }

/* A retried request is signed again: the old signature, date and token go. */
TEST(resign_replaces_previous_signature)
{
	struct aws_http_request req;
	struct sigv4_params p = { "AKID", "SECRET", "TOKEN1", "us-east-1", "sts", 1000000000,
				  true, false, false, 0 };
	aws_http_request_init(&req, "POST");
	aws_headers_set(&req.headers, "Host", "sts.amazonaws.com");
	CHECK_INT(sigv4_sign(&req, &p, NULL), 0);
	char *first = xstrdup(aws_headers_get(&req.headers, "Authorization"));
	p.now += 60;
	p.session_token = NULL;
	CHECK_INT(sigv4_sign(&req, &p, NULL), 0);
	CHECK(strcmp(first, aws_headers_get(&req.headers, "Authorization")) != 0);
	CHECK(aws_headers_get(&req.headers, "X-Amz-Security-Token") == NULL);
	CHECK_STR(aws_headers_get(&req.headers, "X-Amz-Date"), "20010909T014740Z");
	size_t nauth = 0;
	for (size_t i = 0; i < req.headers.n; i++)
		nauth += !strcasecmp(req.headers.items[i].name, "authorization");
	CHECK_INT(nauth, 1);
	free(first);
	aws_http_request_release(&req);
}

/* An encoded path is encoded again (non-S3 rule) and User-Agent is unsigned. */
TEST(double_encoding_and_unsigned_headers)
{
	struct aws_http_request req;
	struct sigv4_params p = { "AKID", "SECRET", NULL, "us-west-2", "aps", 0, true, false,
				  false, 0 };
	struct sigv4_trace tr;
	sigv4_trace_init(&tr);
	aws_http_request_init(&req, "GET");
	buf_reset(&req.path);
	buf_adds(&req.path, "/workspaces/a%20b");
	aws_headers_set(&req.headers, "Host", "aps.us-west-2.amazonaws.com");
	aws_headers_set(&req.headers, "User-Agent", "berth");
	CHECK_INT(sigv4_sign(&req, &p, &tr), 0);
	CHECK_CONTAINS(tr.canonical_request.ptr, "\n/workspaces/a%2520b\n");
	CHECK(strstr(tr.canonical_request.ptr, "user-agent") == NULL);
	CHECK_CONTAINS(aws_headers_get(&req.headers, "Authorization"), "SignedHeaders=host;x-amz-date,");
	sigv4_trace_release(&tr);
	aws_http_request_release(&req);
}

TEST(missing_host_is_refused)
{
	struct aws_http_request req;
	struct sigv4_params p = { "AKID", "SECRET", NULL, "us-west-2", "ec2", 0, true, false,
				  false, 0 };
	aws_http_request_init(&req, "GET");
	CHECK_INT(sigv4_sign(&req, &p, NULL), BERTH_EINVAL);
	aws_http_request_release(&req);
}

TEST_MAIN()
