/* The restXml protocol (proto_restxml.c, S3's) against the official protocol
 * compliance cases that the S3 backend's operations rely on: URI labels
 * (greedy ones for object keys), a raw blob or string payload, string
 * headers, empty inputs and outputs, and XML error bodies. The cases are
 * tests/data/restxml/cases.json (vendored from botocore's protocol tests;
 * provenance in tests/data/restxml/README.md), each with its own small
 * model, which this file turns into berth's model structs at run time. */
#include "util/common.h"
#include "harness.h"

#include <strings.h>

#include <openssl/evp.h>

#include "aws/proto_internal.h"
#include "aws/s3addr.h"

/* ---- a model built from a case's "shapes" ---- */

struct built {
	char *name;
	struct aws_shape *shape;
};

struct model {
	json_t *shapes;
	struct built *v;
	size_t n, alloc;
};

static int type_of(const char *t)
{
	static const char *const names[] = { "structure", "list", "map", "string", "integer",
					     "long", "double", "float", "boolean", "timestamp",
					     "blob" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(t, names[i]))
			return (int)i;
	return AWS_T_STRING; /* short, byte: numbers as text would be; unused here */
}

static int location_of(const char *l)
{
	if (!l)
		return AWS_LOC_BODY;
	if (!strcmp(l, "uri"))
		return AWS_LOC_URI;
	if (!strcmp(l, "querystring"))
		return AWS_LOC_QUERYSTRING;
	if (!strcmp(l, "header"))
		return AWS_LOC_HEADER;
	if (!strcmp(l, "headers"))
		return AWS_LOC_HEADERS;
	return AWS_LOC_STATUS;
}

static const struct aws_shape *build_shape(struct model *m, const char *name);

static void fill_member(struct model *m, struct aws_member *am, const char *name, json_t *ref,
			bool payload)
{
	am->name = xstrdup(name);
	const char *ln = json_string_value(json_object_get(ref, "locationName"));
	am->location_name = ln ? xstrdup(ln) : NULL;
	am->location = location_of(json_string_value(json_object_get(ref, "location")));
	am->flags = payload ? AWS_M_PAYLOAD : 0;
	if (json_is_true(json_object_get(ref, "flattened")))
		am->flags |= AWS_M_FLATTENED;
	am->shape = build_shape(m, json_string_value(json_object_get(ref, "shape")));
}

static const struct aws_shape *build_shape(struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].name, name))
			return m->v[i].shape;
	json_t *sh = json_object_get(m->shapes, name);
	struct aws_shape *s = xcalloc(1, sizeof(*s));
	ALLOC_GROW(m->v, m->n + 1, m->alloc);
	m->v[m->n].name = xstrdup(name);
	m->v[m->n++].shape = s; /* before the members: shapes may recurse */
	s->name = m->v[m->n - 1].name;
	s->type = type_of(json_string_value(json_object_get(sh, "type")));
	const char *payload = json_string_value(json_object_get(sh, "payload"));
	struct aws_member *mv = NULL;
	if (s->type == AWS_T_STRUCTURE) {
		size_t k = 0;
		const char *mn;
		json_t *ref;
		mv = xcalloc(json_object_size(json_object_get(sh, "members")) + 1, sizeof(*mv));
		json_object_foreach(json_object_get(sh, "members"), mn, ref)
			fill_member(m, &mv[k++], mn, ref, payload && !strcmp(payload, mn));
		s->nmembers = k;
	} else if (s->type == AWS_T_LIST) {
		mv = xcalloc(1, sizeof(*mv));
		fill_member(m, &mv[0], "member", json_object_get(sh, "member"), false);
		s->nmembers = 1;
	}
	s->members = mv;
	return s;
}

static void model_release(struct model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct aws_shape *s = m->v[i].shape;
		for (size_t k = 0; k < s->nmembers; k++) {
			free((char *)s->members[k].name);
			free((char *)s->members[k].location_name);
		}
		free((void *)s->members);
		free(s);
		free(m->v[i].name);
	}
	free(m->v);
}

static void build_op(struct model *m, json_t *given, struct aws_op *op)
{
	json_t *http = json_object_get(given, "http");
	memset(op, 0, sizeof(*op));
	op->name = json_string_value(json_object_get(given, "name"));
	op->http_method = json_string_value(json_object_get(http, "method"));
	op->request_uri = json_string_value(json_object_get(http, "requestUri"));
	op->response_code = (int)json_integer_value(json_object_get(http, "responseCode"));
	json_t *in = json_object_get(json_object_get(given, "input"), "shape");
	json_t *out = json_object_get(json_object_get(given, "output"), "shape");
	op->input = in ? build_shape(m, json_string_value(in)) : NULL;
	op->output = out ? build_shape(m, json_string_value(out)) : NULL;
}

static const struct aws_service svc = { .name = "restxml-test", .protocol = AWS_PROTO_REST_XML };

static json_t *cases(const char *kind)
{
	json_error_t jerr;
	static json_t *all;
	if (!all)
		all = json_load_file("tests/data/restxml/cases.json", 0, &jerr);
	if (!all) {
		fprintf(stderr, "tests/data/restxml/cases.json: %s\n", jerr.text);
		return NULL;
	}
	return json_object_get(all, kind);
}

/* ---- requests ---- */

TEST(restxml_requests_match_the_compliance_cases)
{
	json_t *suites = cases("input"), *suite, *c;
	size_t i, j, ran = 0;
	CHECK(suites != NULL);
	json_array_foreach(suites, i, suite) {
		json_array_foreach(json_object_get(suite, "cases"), j, c) {
			const char *id = json_string_value(json_object_get(c, "id"));
			struct model m = { json_object_get(suite, "shapes"), NULL, 0, 0 };
			struct aws_op op;
			struct aws_http_request req;
			struct diags d = DIAGS_INIT;
			json_t *want = json_object_get(c, "serialized");
			build_op(&m, json_object_get(c, "given"), &op);
			aws_http_request_init(&req, "POST");
			int rc = proto_restxml_build(&svc, &op, json_object_get(c, "params"), &req, &d);
			if (rc)
				fprintf(stderr, "%s: %s\n", id, d.n ? d.items[0].summary : "?");
			CHECK_INT(rc, 0);
			struct buf uri = BUF_INIT;
			buf_addbuf(&uri, &req.path);
			if (req.query.len)
				buf_addf(&uri, "?%s", req.query.ptr);
			if (strcmp(uri.ptr, json_string_value(json_object_get(want, "uri"))))
				fprintf(stderr, "case %s\n", id);
			CHECK_STR(req.method, json_string_value(json_object_get(want, "method")));
			CHECK_STR(uri.ptr, json_string_value(json_object_get(want, "uri")));
			CHECK_STR(req.body.ptr ? req.body.ptr : "",
				  json_string_value(json_object_get(want, "body")));
			const char *hn;
			json_t *hv, *f;
			size_t k;
			json_object_foreach(json_object_get(want, "headers"), hn, hv) {
				const char *got = aws_headers_get(&req.headers, hn);
				if (!got)
					fprintf(stderr, "case %s: no header %s\n", id, hn);
				CHECK(got != NULL);
				CHECK_STR(got, json_string_value(hv));
			}
			json_array_foreach(json_object_get(want, "forbidHeaders"), k, f)
				CHECK(aws_headers_get(&req.headers, json_string_value(f)) == NULL);
			buf_release(&uri);
			aws_http_request_release(&req);
			diags_release(&d);
			model_release(&m);
			ran++;
		}
	}
	CHECK(ran >= 8);
}

/* ---- answers and errors ---- */

static int buf_base64_decode(struct buf *out, const char *in, size_t n)
{
	unsigned char *raw = xmalloc(n + 1);
	int len = n ? EVP_DecodeBlock(raw, (const unsigned char *)in, (int)n) : 0;
	if (len < 0) {
		free(raw);
		return -1;
	}
	for (size_t i = n; i > 0 && in[i - 1] == '='; i--)
		len--; /* EVP_DecodeBlock counts the padding's bytes */
	buf_add(out, raw, (size_t)len);
	free(raw);
	return 0;
}

/* Blob members come back base64 (proto.h): decoded here to compare. */
static json_t *decoded(const struct aws_shape *s, json_t *got)
{
	json_t *out = json_deep_copy(got);
	for (size_t i = 0; s && i < s->nmembers; i++) {
		json_t *v = json_object_get(out, s->members[i].name);
		if (s->members[i].shape->type != AWS_T_BLOB || !json_is_string(v))
			continue;
		struct buf raw = BUF_INIT;
		CHECK_INT(buf_base64_decode(&raw, json_string_value(v), json_string_length(v)), 0);
		if (raw.len)
			json_object_set_new(out, s->members[i].name, json_stringn(raw.ptr, raw.len));
		else
			json_object_del(out, s->members[i].name); /* botocore: absent */
		buf_release(&raw);
	}
	return out;
}

TEST(restxml_answers_match_the_compliance_cases)
{
	json_t *suites = cases("output"), *suite, *c;
	size_t i, j, ran = 0;
	CHECK(suites != NULL);
	json_array_foreach(suites, i, suite) {
		json_array_foreach(json_object_get(suite, "cases"), j, c) {
			const char *id = json_string_value(json_object_get(c, "id"));
			struct model m = { json_object_get(suite, "shapes"), NULL, 0, 0 };
			struct aws_op op;
			struct aws_http_response resp;
			struct diags d = DIAGS_INIT;
			json_t *r = json_object_get(c, "response"), *hv;
			const char *hn;
			build_op(&m, json_object_get(c, "given"), &op);
			aws_http_response_init(&resp);
			resp.status = (long)json_integer_value(json_object_get(r, "status_code"));
			buf_adds(&resp.body, json_string_value(json_object_get(r, "body")));
			json_object_foreach(json_object_get(r, "headers"), hn, hv)
				aws_headers_set(&resp.headers, hn, json_string_value(hv));
			if (json_object_get(c, "errorCode")) {
				struct aws_error err = { 0, NULL, NULL, NULL };
				proto_restxml_parse_error(&resp, &err);
				CHECK_STR(err.code, json_string_value(json_object_get(c, "errorCode")));
				if (json_object_get(c, "errorMessage"))
					CHECK_STR(err.message,
						  json_string_value(json_object_get(c, "errorMessage")));
				aws_error_release(&err);
			} else {
				json_t *got = NULL;
				int rc = proto_restxml_parse(&svc, &op, &resp, &got, &d);
				if (rc)
					fprintf(stderr, "%s: %s\n", id, d.n ? d.items[0].summary : "?");
				CHECK_INT(rc, 0);
				json_t *cmp = decoded(op.output, got);
				if (!json_equal(cmp, json_object_get(c, "result"))) {
					char *t = json_dumps(cmp, JSON_COMPACT | JSON_SORT_KEYS);
					fprintf(stderr, "case %s: got %s\n", id, t);
					free(t);
				}
				CHECK(json_equal(cmp, json_object_get(c, "result")));
				json_decref(cmp);
				json_decref(got);
			}
			aws_http_response_release(&resp);
			diags_release(&d);
			model_release(&m);
			ran++;
		}
	}
	CHECK(ran >= 7);
}

TEST(restxml_error_without_body_is_its_status)
{
	struct aws_http_response resp;
	struct aws_error err = { 0, NULL, NULL, NULL };
	aws_http_response_init(&resp);
	resp.status = 404; /* HEAD of a missing bucket: S3 sends no body */
	aws_headers_set(&resp.headers, "x-amz-request-id", "R1");
	proto_restxml_parse_error(&resp, &err);
	CHECK_STR(err.code, "404");
	aws_error_release(&err);
	aws_http_response_release(&resp);
}

TEST(s3_addressing_style)
{
	/* Virtual-hosted where the bucket is a DNS label on a named host. */
	CHECK(aws_s3_virtual_hosted("berth-state", "s3.us-west-2.amazonaws.com"));
	CHECK(aws_s3_virtual_hosted("abc", "minio.example.com:9000"));
	/* Path-style: names TLS certificates do not cover, or hosts where
	 * BUCKET.host would not resolve. */
	CHECK(!aws_s3_virtual_hosted("my.bucket", "s3.us-west-2.amazonaws.com"));
	CHECK(!aws_s3_virtual_hosted("MyBucket", "s3.us-west-2.amazonaws.com"));
	CHECK(!aws_s3_virtual_hosted("ab", "s3.us-west-2.amazonaws.com"));
	CHECK(!aws_s3_virtual_hosted("-abc", "s3.us-west-2.amazonaws.com"));
	CHECK(!aws_s3_virtual_hosted("berth-state", "127.0.0.1:4566"));
	CHECK(!aws_s3_virtual_hosted("berth-state", "localhost:4566"));
	CHECK(!aws_s3_virtual_hosted("berth-state", "[::1]:4566"));
}

TEST_MAIN()
