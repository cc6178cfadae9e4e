/* The AWS JSON protocol, versions 1.0 and 1.1 (ECS, CloudWatch Logs, Cloud
 * Map, Resource Groups Tagging): POST / with X-Amz-Target "Prefix.Operation"
 * and a JSON body of the input with wire names, timestamps as epoch seconds
 * and blobs base64. Also the JSON value conversions REST-JSON shares, and the
 * error envelope of both. Mirrors botocore's JSONSerializer/JSONParser. */
#include "util/common.h"
#include "aws/proto_internal.h"

#include <math.h>

json_t *proto_json_to_wire(const struct aws_shape *s, json_t *v)
{
	json_t *out;
	const char *key;
	json_t *val;
	size_t i;

	switch (s->type) {
	case AWS_T_STRUCTURE:
		if (s->flags & AWS_S_DOCUMENT)
			return json_incref(v);
		out = json_object();
		json_object_foreach(v, key, val) {
			const struct aws_member *m = aws_shape_member(s, key);
			if (!m)
				continue;
			json_object_set_new(out, proto_wire_name(m), proto_json_to_wire(m->shape, val));
		}
		return out;
	case AWS_T_LIST:
		out = json_array();
		json_array_foreach(v, i, val)
			json_array_append_new(out, proto_json_to_wire(s->members[0].shape, val));
		return out;
	case AWS_T_MAP:
		out = json_object();
		json_object_foreach(v, key, val)
			json_object_set_new(out, key, proto_json_to_wire(s->members[1].shape, val));
		return out;
	case AWS_T_TIMESTAMP: {
		struct proto_time t = { 0, 0 };
		struct buf b = BUF_INIT;
		proto_time_from_json(v, &t);
		if (s->timestamp_format && strcmp(s->timestamp_format, "unixTimestamp")) {
			proto_time_format(&b, &t, s->timestamp_format);
			out = json_string(b.ptr);
		} else {
			out = json_integer(t.sec);
		}
		buf_release(&b);
		return out;
	}
	case AWS_T_BLOB: {
		struct buf b = BUF_INIT;
		proto_base64(&b, json_string_value(v), json_string_length(v));
		out = json_string(b.ptr);
		buf_release(&b);
		return out;
	}
	default:
		return json_incref(v);
	}
}

/* A string as Python's json.dumps writes it (ensure_ascii): printable ASCII
 * as is, the usual short escapes, everything else \uXXXX in lower-case hex
 * (UTF-16 surrogate pairs beyond the BMP). Invalid UTF-8 cannot occur:
 * jansson refuses it on the way in. */
static void dump_string(struct buf *b, const char *s, size_t n)
{
	buf_addch(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t len;
		switch (c) {
		case '"': buf_adds(b, "\\\""); i++; continue;
		case '\\': buf_adds(b, "\\\\"); i++; continue;
		case '\n': buf_adds(b, "\\n"); i++; continue;
		case '\r': buf_adds(b, "\\r"); i++; continue;
		case '\t': buf_adds(b, "\\t"); i++; continue;
		case '\b': buf_adds(b, "\\b"); i++; continue;
		case '\f': buf_adds(b, "\\f"); i++; continue;
		default: break;
		}
		if (c >= 0x20 && c < 0x7f) {
			buf_addch(b, (char)c);
			i++;
			continue;
		}
		if (c < 0x80) {
			cp = c;
			len = 1;
		} else if ((c & 0xe0) == 0xc0) {
			cp = c & 0x1f;
			len = 2;
		} else if ((c & 0xf0) == 0xe0) {
			cp = c & 0x0f;
			len = 3;
		} else {
			cp = c & 0x07;
			len = 4;
		}
		if (i + len > n)
			len = n - i;
		for (size_t k = 1; k < len; k++)
			cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3f);
		i += len;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			buf_addf(b, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
		} else {
			buf_addf(b, "\\u%04x", cp);
		}
	}
	buf_addch(b, '"');
}

void proto_json_dump(struct buf *b, const json_t *v)
{
	const char *key;
	json_t *val;
	size_t i;
	bool first = true;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		buf_addch(b, '{');
		json_object_foreach((json_t *)v, key, val) {
			if (!first)
				buf_adds(b, ", ");
			first = false;
			dump_string(b, key, strlen(key));
			buf_adds(b, ": ");
			proto_json_dump(b, val);
		}
		buf_addch(b, '}');
		break;
	case JSON_ARRAY:
		buf_addch(b, '[');
		json_array_foreach(v, i, val) {
			if (i)
				buf_adds(b, ", ");
			proto_json_dump(b, val);
		}
		buf_addch(b, ']');
		break;
	case JSON_STRING:
		dump_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
	case JSON_REAL: {
		/* Python writes NaN and infinities as bare words (its
		 * allow_nan default); proto_add_number spells them "nan"/"inf". */
		double x = json_is_real(v) ? json_real_value(v) : 0;
		if (json_is_real(v) && isnan(x))
			buf_adds(b, "NaN");
		else if (json_is_real(v) && isinf(x))
			buf_adds(b, x > 0 ? "Infinity" : "-Infinity");
		else
			proto_add_number(b, v);
		break;
	}
	case JSON_TRUE:
		buf_adds(b, "true");
		break;
	case JSON_FALSE:
		buf_adds(b, "false");
		break;
	case JSON_NULL:
		buf_adds(b, "null");
		break;
	}
}

int proto_json_from_wire(const struct aws_shape *s, json_t *v, int depth, json_t **out,
			 struct diags *d)
{
	json_t *res = NULL, *val, *item;
	const char *key;
	size_t i;
	int rc = 0;

	if (depth > PROTO_MAX_DEPTH) {
		diags_add(d, DIAG_ERROR, "JSON answer nested too deeply");
		return BERTH_EAWS;
	}
	switch (s->type) {
	case AWS_T_STRUCTURE:
		if (s->flags & AWS_S_DOCUMENT) {
			res = json_incref(v);
			break;
		}
		if (!json_is_object(v))
			goto wrong;
		res = json_object();
		for (size_t k = 0; k < s->nmembers && !rc; k++) {
			const struct aws_member *m = &s->members[k];
			if (m->location != AWS_LOC_BODY)
				continue;
			val = json_object_get(v, proto_wire_name(m));
			/* botocore drops nulls and members it does not know. */
			if (!val || json_is_null(val))
				continue;
			rc = proto_json_from_wire(m->shape, val, depth + 1, &item, d);
			if (!rc)
				json_object_set_new(res, m->name, item);
		}
		break;
	case AWS_T_LIST:
		if (!json_is_array(v))
			goto wrong;
		res = json_array();
		json_array_foreach(v, i, val) {
			if (json_is_null(val)) {
				json_array_append(res, val);
				continue;
			}
			rc = proto_json_from_wire(s->members[0].shape, val, depth + 1, &item, d);
			if (rc)
				break;
			json_array_append_new(res, item);
		}
		break;
	case AWS_T_MAP:
		if (!json_is_object(v))
			goto wrong;
		res = json_object();
		json_object_foreach(v, key, val) {
			/* A null map value is dropped (Smithy's dense maps; botocore
			 * keeps it, but nothing berth reads has nulls). */
			if (json_is_null(val))
				continue;
			rc = proto_json_from_wire(s->members[1].shape, val, depth + 1, &item, d);
			if (rc)
				break;
			json_object_set_new(res, key, item);
		}
		break;
	case AWS_T_TIMESTAMP: {
		struct proto_time t;
		if (proto_time_from_json(v, &t))
			goto wrong;
		res = proto_time_json(&t);
		break;
	}
	default:
		/* Other scalars pass through as they came, as botocore's JSON
		 * parser does: a service sending 5 for a double or "5" for an
		 * integer must not make berth fail where the SDKs work. */
		if (json_is_object(v) || json_is_array(v))
			goto wrong;
		res = json_incref(v);
		break;
	}
	if (rc) {
		json_decref(res);
		return rc;
	}
	*out = res;
	return 0;
wrong:
	json_decref(res);
	diags_add(d, DIAG_ERROR, "JSON answer has a value of the wrong type for %s", s->name);
	return BERTH_EAWS;
}

int proto_json_read(const struct buf *body, json_t **out, struct diags *d)
{
	json_error_t jerr;
	json_t *v;
	int depth = 0, max = 0;
	bool in_str = false;

	if (body->len > PROTO_MAX_BODY) {
		diags_add(d, DIAG_ERROR, "JSON answer of %zu bytes is larger than berth accepts",
			  body->len);
		return BERTH_EAWS;
	}
	/* jansson recurses per nesting level (with its own limit of 2048);
	 * refuse anything deeper than any AWS answer before it gets there. */
	for (size_t i = 0; i < body->len; i++) {
		char c = body->ptr[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max)
				max = depth;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	if (max > PROTO_MAX_DEPTH) {
		diags_add(d, DIAG_ERROR, "JSON answer nested more than %d levels deep",
			  PROTO_MAX_DEPTH);
		return BERTH_EAWS;
	}
	v = json_loadb(body->ptr, body->len, JSON_DECODE_ANY, &jerr);
	if (!v) {
		diags_add(d, DIAG_ERROR, "malformed JSON answer: %s (line %d, column %d)",
			  jerr.text, jerr.line, jerr.column);
		return BERTH_EAWS;
	}
	*out = v;
	return 0;
}

int proto_json_build(const struct aws_service *svc, const struct aws_op *op,
		     json_t *params, struct aws_http_request *req, struct diags *d)
{
	struct buf ct = BUF_INIT, target = BUF_INIT;
	json_t *wire;

	free(req->method);
	req->method = xstrdup(op->http_method);
	buf_reset(&req->path);
	buf_adds(&req->path, "/");
	buf_reset(&req->query);
	buf_reset(&req->body);
	buf_addf(&target, "%s.%s", svc->target_prefix, op->name);
	buf_addf(&ct, "application/x-amz-json-%s", svc->json_version);
	aws_headers_set(&req->headers, "X-Amz-Target", target.ptr);
	aws_headers_set(&req->headers, "Content-Type", ct.ptr);
	wire = op->input && params ? proto_json_to_wire(op->input, params) : json_object();
	proto_json_dump(&req->body, wire);
	json_decref(wire);
	buf_release(&ct);
	buf_release(&target);
	return 0;
}

int proto_json_parse(const struct aws_service *svc, const struct aws_op *op,
		     const struct aws_http_response *resp, json_t **out, struct diags *d)
{
	json_t *body = NULL, *res = NULL;
	int rc;
	if (!op->output) {
		*out = json_object();
		return 0;
	}
	if (!resp->body.len) {
		/* botocore treats an empty body as {}. */
		*out = json_object();
		return 0;
	}
	rc = proto_json_read(&resp->body, &body, d);
	if (rc)
		return rc;
	rc = proto_json_from_wire(op->output, body, 0, &res, d);
	json_decref(body);
	if (rc)
		return rc;
	*out = res;
	return 0;
}

/* "namespace#Code", "Code:http://..." -> "Code" */
static char *clean_code(const char *code)
{
	const char *hash, *colon;
	size_t n;
	colon = strchr(code, ':');
	n = colon ? (size_t)(colon - code) : strlen(code);
	hash = memrchr(code, '#', n);
	if (hash) {
		n -= (size_t)(hash + 1 - code);
		code = hash + 1;
	}
	return n ? xstrndup(code, n) : NULL;
}

void proto_json_parse_error(const struct aws_http_response *resp, struct aws_error *err,
			    bool rest)
{
	struct diags quiet = DIAGS_INIT;
	json_t *body = NULL, *v;
	const char *hdr = aws_headers_get(&resp->headers, "x-amzn-ErrorType");
	const char *code = NULL;

	if (resp->body.len && !proto_json_read(&resp->body, &body, &quiet) &&
	    !json_is_object(body)) {
		json_decref(body);
		body = NULL;
	}
	/* JSON 1.x: __type in the body first (botocore's JSONParser);
	 * REST-JSON: the header first (RestJSONParser), then code/Code. */
	if (!rest) {
		if (body && json_is_string(v = json_object_get(body, "__type")))
			code = json_string_value(v);
		if (!code)
			code = hdr;
		/* Some services name the error in "code" (Smithy's awsJson
		 * protocols allow it). */
		if (!code && body && json_is_string(v = json_object_get(body, "code")))
			code = json_string_value(v);
	} else {
		code = hdr;
		if (!code && body && json_is_string(v = json_object_get(body, "code")))
			code = json_string_value(v);
		if (!code && body && json_is_string(v = json_object_get(body, "Code")))
			code = json_string_value(v);
		if (!code && body && json_is_string(v = json_object_get(body, "__type")))
			code = json_string_value(v);
	}
	if (code)
		err->code = clean_code(code);
	if (body) {
		if (!json_is_string(v = json_object_get(body, "message")))
			v = json_object_get(body, "Message");
		if (json_is_string(v))
			err->message = xstrdup(json_string_value(v));
	}
	json_decref(body);
	diags_release(&quiet);
}
