/* The AWS protocol compliance suites (tests/data/protocol-tests/: Smithy's
 * aws-protocol-tests as botocore runs them) through berth's serialisers and
 * parsers: every request-serialisation case (input/) and response-parsing
 * case (output/) of awsQuery, ec2Query, awsJson1_1 and restJson1, each
 * driven by its suite's own mini-model (model_loader.h). Prints pass, skip
 * and fail per protocol; the only skips are features no berth service uses,
 * each named with its reason in SKIPS below. */
#include "harness.h"
#include "util/common.h"
#include "aws/endpoint.h"
#include "aws/proto.h"
#include "aws/proto_internal.h"
#include "model_loader.h"

#include <strings.h>

/* Cases not run, and why. Each reason is a feature that no operation berth
 * calls uses (tools/gen_aws_models.py's list, checked against botocore's
 * models when this list was made); berth's models do not even carry it. */
#define GZIP "request compression (requestcompression): no berth operation compresses"
#define PAYLOAD "an httpPayload member (body is one member): no berth operation has one"
#define HEADERS "members bound to HTTP headers: no berth operation has one"
#define CHECKSUM "httpChecksumRequired (Content-MD5): no berth operation requires it"
#define HOSTPFX "endpoint host prefix (hostPrefix): no berth operation has one"
#define FLAT "flattened lists with named elements: no berth service's model has flattened lists"
#define NOINPUT "awsJson operation without input (the suite wants no body, botocore sends {}): " \
	"every berth JSON operation has input"
static const struct {
	const char *id, *reason;
} SKIPS[] = {
	{ "SDKAppliedContentEncoding_awsQuery", GZIP },
	{ "SDKAppliedContentEncoding_ec2Query", GZIP },
	{ "SDKAppliedContentEncoding_awsJson1_1", GZIP },
	{ "SDKAppliedContentEncoding_restJson1", GZIP },
	{ "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_awsQuery", GZIP },
	{ "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_ec2Query", GZIP },
	{ "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_awsJson1_1", GZIP },
	{ "SDKAppendedGzipAfterProvidedEncoding_restJson1", GZIP },
	{ "DocumentTypeAsPayloadInput", PAYLOAD },
	{ "DocumentTypeAsPayloadInputString", PAYLOAD },
	{ "DocumentTypeAsPayloadOutput", PAYLOAD },
	{ "DocumentTypeAsPayloadOutputString", PAYLOAD },
	{ "RestJsonEnumPayloadRequest", PAYLOAD },
	{ "RestJsonEnumPayloadResponse", PAYLOAD },
	{ "RestJsonStringPayloadRequest", PAYLOAD },
	{ "RestJsonStringPayloadResponse", PAYLOAD },
	{ "RestJsonHttpPayloadTraitsWithBlob", PAYLOAD },
	{ "RestJsonHttpPayloadTraitsWithNoBlobBody", PAYLOAD },
	{ "RestJsonHttpPayloadWithStructure", PAYLOAD },
	{ "RestJsonHttpPayloadWithUnion", PAYLOAD },
	{ "RestJsonHttpPayloadWithUnsetUnion", PAYLOAD },
	{ "RestJsonHttpWithEmptyBlobPayload", PAYLOAD },
	{ "RestJsonTestPayloadBlob", PAYLOAD },
	{ "RestJsonTestPayloadStructure", PAYLOAD },
	{ "RestJsonInputAndOutputWithBooleanHeaders", HEADERS },
	{ "RestJsonInputAndOutputWithEnumHeaders", HEADERS },
	{ "RestJsonInputAndOutputWithIntEnumHeaders", HEADERS },
	{ "RestJsonInputAndOutputWithNumericHeaders", HEADERS },
	{ "RestJsonInputAndOutputWithQuotedStringHeaders", HEADERS },
	{ "RestJsonInputAndOutputWithStringHeaders", HEADERS },
	{ "RestJsonInputAndOutputWithTimestampHeaders", HEADERS },
	{ "RestJsonNullAndEmptyHeaders", HEADERS },
	{ "MediaTypeHeaderOutputBase64", HEADERS },
	{ "RestJsonHttpChecksumRequired", CHECKSUM },
	{ "AwsQueryEndpointTrait", HOSTPFX },
	{ "AwsQueryEndpointTraitWithHostLabel", HOSTPFX },
	{ "Ec2QueryEndpointTrait", HOSTPFX },
	{ "Ec2QueryEndpointTraitWithHostLabel", HOSTPFX },
	{ "AwsJson11EndpointTrait", HOSTPFX },
	{ "AwsJson11EndpointTraitWithHostLabel", HOSTPFX },
	{ "RestJsonEndpointTrait", HOSTPFX },
	{ "RestJsonEndpointTraitWithHostLabel", HOSTPFX },
	{ "QueryXmlLists", FLAT },
	{ "Ec2XmlLists", FLAT },
	{ "QueryFlattenedListArgWithXmlName", FLAT },
	{ "sends_requests_to_slash", NOINPUT },
	{ "includes_x_amz_target_and_content_type", NOINPUT },
};
static int skip_hits[ARRAY_SIZE(SKIPS)];

static const char *skip_reason(const char *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(SKIPS); i++) {
		if (!strcmp(SKIPS[i].id, id)) {
			skip_hits[i]++;
			return SKIPS[i].reason;
		}
	}
	return NULL;
}

struct tally {
	int pass, skip, fail;
};

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static json_t *b64_decode(const char *s)
{
	struct buf b = BUF_INIT;
	unsigned acc = 0;
	int bits = 0;
	json_t *out;
	for (; *s; s++) {
		int v = b64val((unsigned char)*s);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addch(&b, (char)((acc >> bits) & 0xff));
		}
	}
	out = json_stringn(b.ptr, b.len);
	buf_release(&b);
	return out ? out : json_string("(not UTF-8)");
}

/* berth's answer in the suites' conventions (botocore's runner's): timestamps
 * as integer epoch seconds, blobs decoded. New reference. */
static json_t *as_suite(const struct aws_shape *s, json_t *v)
{
	json_t *out, *val;
	const char *key;
	size_t i;
	if (!v || (s->flags & AWS_S_DOCUMENT))
		return json_incref(v);
	switch (s->type) {
	case AWS_T_STRUCTURE:
		if (!json_is_object(v))
			return json_incref(v);
		out = json_object();
		json_object_foreach(v, key, val) {
			const struct aws_member *m = aws_shape_member(s, key);
			json_object_set_new(out, key, m ? as_suite(m->shape, val) : json_incref(val));
		}
		return out;
	case AWS_T_LIST:
		if (!json_is_array(v))
			return json_incref(v);
		out = json_array();
		json_array_foreach(v, i, val)
			json_array_append_new(out, as_suite(s->members[0].shape, val));
		return out;
	case AWS_T_MAP:
		if (!json_is_object(v))
			return json_incref(v);
		out = json_object();
		json_object_foreach(v, key, val)
			json_object_set_new(out, key, as_suite(s->members[1].shape, val));
		return out;
	case AWS_T_TIMESTAMP: {
		struct proto_time t;
		if (json_is_string(v) && !proto_time_parse(json_string_value(v), &t))
			return t.usec ? json_real((double)t.sec + t.usec / 1e6) : json_integer(t.sec);
		return json_incref(v);
	}
	case AWS_T_BLOB:
		return json_is_string(v) ? b64_decode(json_string_value(v)) : json_incref(v);
	default:
		return json_incref(v);
	}
}

/* Replaces every random version-4 UUID in b with the suites' stand-in
 * 00000000-0000-4000-8000-000000000000. */
static void mask_uuids(struct buf *b)
{
	static const char pat[] = "xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx";
	for (size_t i = 0; i + 36 <= b->len; i++) {
		bool match = true;
		for (size_t k = 0; k < 36 && match; k++) {
			char c = b->ptr[i + k];
			if (pat[k] == '-' || pat[k] == '4')
				match = c == pat[k];
			else if (pat[k] == 'N')
				match = c == '8' || c == '9' || c == 'a' || c == 'b';
			else
				match = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
		}
		if (match && strncmp(b->ptr + i, "00000000-0000-4000-8000-0000000", 31))
			memcpy(b->ptr + i, "00000000-0000-4000-8000-000000000000", 36);
	}
}

static void report(const char *proto, const char *id, const char *what, const char *got,
		   const char *want)
{
	fprintf(stderr, "  FAIL %s %s: %s\n    berth:    %s\n    expected: %s\n", proto, id, what,
		got ? got : "(none)", want ? want : "(none)");
}

static bool json_text_equal(const char *a, const char *b)
{
	json_t *x = json_loads(a, JSON_DECODE_ANY, NULL), *y = json_loads(b, JSON_DECODE_ANY, NULL);
	bool eq = x && y && json_equal(x, y);
	json_decref(x);
	json_decref(y);
	return eq;
}

/* One request-serialisation case; returns the number of mismatches. */
static int run_input(const char *proto, struct loaded_model *m, json_t *c, const char *endpoint)
{
	const char *id = json_string_value(json_object_get(c, "id"));
	json_t *want = json_object_get(c, "serialized"), *h, *v;
	struct aws_http_request req;
	struct diags d = DIAGS_INIT;
	struct buf uri = BUF_INIT;
	const char *key, *wbody;
	size_t i;
	int fails = 0;

	aws_http_request_init(&req, "POST");
	if (aws_proto_build(&m->svc, m->op.name, json_object_get(c, "params"), &req, &d)) {
		report(proto, id, "build failed", d.n ? d.items[0].summary : "?", "a request");
		fails++;
		goto cleanup;
	}
	/* The client endpoint's path goes before the request's, as aws_call
	 * does (a prefix is part of what is signed). */
	if (endpoint) {
		char *base = NULL;
		aws_endpoint_apply_path(endpoint, &base, &req.path);
		free(base);
	}
	/* An idempotency token berth filled in is random (as botocore's);
	 * the suites expect their SDK's fixed stand-in. */
	mask_uuids(&req.body);
	mask_uuids(&req.query);
	if (json_object_get(want, "method") &&
	    strcmp(req.method, json_string_value(json_object_get(want, "method")))) {
		report(proto, id, "method", req.method, json_string_value(json_object_get(want, "method")));
		fails++;
	}
	buf_addbuf(&uri, &req.path);
	if (req.query.len)
		buf_addf(&uri, "%c%s", strchr(uri.ptr, '?') ? '&' : '?', req.query.ptr);
	if (strcmp(uri.ptr, json_string_value(json_object_get(want, "uri")))) {
		report(proto, id, "URI", uri.ptr, json_string_value(json_object_get(want, "uri")));
		fails++;
	}
	h = json_object_get(want, "headers");
	json_object_foreach(h, key, v) {
		const char *got = aws_headers_get(&req.headers, key);
		const char *w = json_string_value(v);
		/* botocore (and berth with it, pinned byte for byte by the
		 * goldens) adds "; charset=utf-8" to the form media type the
		 * suites name: the same media type. */
		if (got && !strcasecmp(key, "Content-Type") && !strchr(w, ';') &&
		    !strncmp(got, w, strlen(w)) && got[strlen(w)] == ';')
			continue;
		if (!got || strcmp(got, w)) {
			report(proto, id, key, got, json_string_value(v));
			fails++;
		}
	}
	json_array_foreach(json_object_get(want, "forbidHeaders"), i, v) {
		if (aws_headers_get(&req.headers, json_string_value(v))) {
			report(proto, id, "forbidden header sent", json_string_value(v), "absent");
			fails++;
		}
	}
	/* requireHeaders only ever asks for Content-Length, which the transport
	 * (libcurl) adds to every request with a body. */
	wbody = json_string_value(json_object_get(want, "body"));
	if (!wbody)
		wbody = "";
	if (m->svc.protocol == AWS_PROTO_JSON || m->svc.protocol == AWS_PROTO_REST_JSON) {
		/* The suites write JSON bodies compactly or pretty-printed, where
		 * botocore (and berth, byte for byte with it) writes
		 * json.dumps's ", " and ": ": compared as JSON values, as
		 * Smithy's application/json bodyMediaType says. */
		if ((!*wbody || !req.body.len) ? strcmp(req.body.ptr, wbody) != 0
					       : !json_text_equal(req.body.ptr, wbody)) {
			report(proto, id, "body", req.body.ptr, wbody);
			fails++;
		}
	} else if (strcmp(req.body.ptr, wbody)) {
		report(proto, id, "body", req.body.ptr, wbody);
		fails++;
	}
cleanup:
	buf_release(&uri);
	diags_release(&d);
	aws_http_request_release(&req);
	return fails;
}

static void fill_response(struct aws_http_response *r, json_t *resp)
{
	const char *key;
	json_t *v;
	const char *body = json_string_value(json_object_get(resp, "body"));
	aws_http_response_init(r);
	r->status = (long)json_integer_value(json_object_get(resp, "status_code"));
	json_object_foreach(json_object_get(resp, "headers"), key, v)
		aws_headers_set(&r->headers, key, json_string_value(v));
	if (body)
		buf_adds(&r->body, body);
}

/* One response-parsing case; returns the number of mismatches. */
static int run_output(const char *proto, struct loaded_model *m, json_t *c)
{
	const char *id = json_string_value(json_object_get(c, "id"));
	struct aws_http_response r;
	struct diags d = DIAGS_INIT;
	json_t *got = NULL, *norm = NULL;
	int fails = 0;

	fill_response(&r, json_object_get(c, "response"));
	if (json_object_get(c, "error")) {
		/* berth reads an error's code and message (what its retries
		 * and messages use), not the error shape's other members. */
		struct aws_error e = { 0 };
		const char *wc = json_string_value(json_object_get(c, "errorCode"));
		const char *wm = json_string_value(json_object_get(c, "errorMessage"));
		aws_proto_parse_error(&m->svc, &r, &e);
		if (!e.code || !wc || strcmp(e.code, wc)) {
			report(proto, id, "error code", e.code, wc);
			fails++;
		}
		/* A case that names no message leaves it open. */
		if (wm && (!e.message || strcmp(e.message, wm))) {
			report(proto, id, "error message", e.message, wm);
			fails++;
		}
		aws_error_release(&e);
		goto cleanup;
	}
	if (aws_proto_parse(&m->svc, m->op.name, &r, &got, &d)) {
		report(proto, id, "parse failed", d.n ? d.items[0].summary : "?", "an answer");
		fails++;
		goto cleanup;
	}
	norm = m->op.output ? as_suite(m->op.output, got) : json_incref(got);
	if (!json_equal(norm, json_object_get(c, "result"))) {
		char *g = json_dumps(norm, JSON_SORT_KEYS | JSON_ENCODE_ANY);
		char *w = json_dumps(json_object_get(c, "result"), JSON_SORT_KEYS | JSON_ENCODE_ANY);
		report(proto, id, "parsed answer", g, w);
		free(g);
		free(w);
		fails++;
	}
cleanup:
	json_decref(got);
	json_decref(norm);
	diags_release(&d);
	aws_http_response_release(&r);
	return fails;
}

static void run_file(const char *proto, const char *dir, struct tally *t)
{
	char *path = xasprintf("tests/data/protocol-tests/%s/%s.json", dir, proto);
	json_error_t jerr;
	json_t *suites = json_load_file(path, 0, &jerr), *suite;
	size_t i;
	if (!suites) {
		fprintf(stderr, "  %s: %s\n", path, jerr.text);
		t->fail++;
		free(path);
		return;
	}
	json_array_foreach(suites, i, suite) {
		json_t *c;
		size_t k;
		json_array_foreach(json_object_get(suite, "cases"), k, c) {
			const char *id = json_string_value(json_object_get(c, "id"));
			struct loaded_model *m = NULL;
			const char *err = NULL;
			if (skip_reason(id)) {
				t->skip++;
				continue;
			}
			if (model_load(json_object_get(suite, "metadata"), json_object_get(suite, "shapes"),
				       json_object_get(c, "given"), &m, &err)) {
				report(proto, id, "model", err, "a model berth can load");
				t->fail++;
				continue;
			}
			if (!strcmp(dir, "input")
				    ? run_input(proto, m, c,
						json_string_value(json_object_get(suite, "clientEndpoint")))
				    : run_output(proto, m, c))
				t->fail++;
			else
				t->pass++;
			model_free(m);
		}
	}
	json_decref(suites);
	free(path);
}

TEST(protocol_compliance_suites)
{
	static const struct {
		const char *file, *name;
	} protos[] = {
		{ "query", "awsQuery" }, { "ec2", "ec2Query" },
		{ "json", "awsJson1_1" }, { "rest-json", "restJson1" },
	};
	int fails = 0, total = 0;
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
		struct tally in = { 0, 0, 0 }, out = { 0, 0, 0 };
		run_file(protos[i].file, "input", &in);
		run_file(protos[i].file, "output", &out);
		printf("%-10s requests: %3d pass, %2d skip, %d fail; answers: %3d pass, %2d skip, %d fail\n",
		       protos[i].name, in.pass, in.skip, in.fail, out.pass, out.skip, out.fail);
		fails += in.fail + out.fail;
		total += in.pass + out.pass;
	}
	printf("skipped, each for a feature no berth service uses (%zu case ids):\n", ARRAY_SIZE(SKIPS));
	for (size_t i = 0; i < ARRAY_SIZE(SKIPS); i++) {
		printf("  %s: %s\n", SKIPS[i].id, SKIPS[i].reason);
		/* A skip that names no case is stale. */
		CHECK(skip_hits[i] > 0);
	}
	CHECK(total >= 380);
	CHECK_INT(fails, 0);
}

TEST_MAIN()
