/* The REST-JSON protocol (Amazon Managed Prometheus, Managed Grafana): the
 * operation's method and URI template, members placed by their location in
 * URI labels (percent-encoded; "{name+}" labels keep '/'), the query string
 * or headers, and the rest as a JSON body. Mirrors botocore's
 * RestJSONSerializer and RestJSONParser. */
#include "util/common.h"
#include "aws/proto_internal.h"

/* A scalar parameter as text, for URI labels, query strings and headers. */
static void scalar_text(struct buf *b, const struct aws_member *m, json_t *v,
			const char *default_ts)
{
	switch (m->shape->type) {
	case AWS_T_STRING:
		if ((m->flags & AWS_M_JSONVALUE) && m->location == AWS_LOC_HEADER) {
			/* botocore sends a jsonvalue header base64-encoded. */
			proto_base64(b, json_string_value(v), json_string_length(v));
		} else {
			buf_add(b, json_string_value(v), json_string_length(v));
		}
		break;
	case AWS_T_BOOLEAN:
		buf_adds(b, json_is_true(v) ? "true" : "false");
		break;
	case AWS_T_TIMESTAMP: {
		struct proto_time t = { 0, 0 };
		const char *fmt = m->timestamp_format ? m->timestamp_format
				: m->shape->timestamp_format ? m->shape->timestamp_format
							      : default_ts;
		proto_time_from_json(v, &t);
		proto_time_format(b, &t, fmt);
		break;
	}
	case AWS_T_BLOB:
		proto_base64(b, json_string_value(v), json_string_length(v));
		break;
	default:
		if (json_is_string(v))
			buf_adds(b, json_string_value(v));
		else
			proto_add_number(b, v);
	}
}

static void add_query(struct buf *q, const char *key, const char *val, size_t vlen)
{
	if (q->len)
		buf_addch(q, '&');
	proto_percent_encode(q, key, strlen(key), false);
	buf_addch(q, '=');
	proto_percent_encode(q, val, vlen, false);
}

/* Whether params set a (non-map) query-string member named key. */
static bool named_query_param(const struct aws_shape *in, json_t *params, const char *key)
{
	for (size_t i = 0; in && i < in->nmembers; i++) {
		const struct aws_member *m = &in->members[i];
		if (m->location == AWS_LOC_QUERYSTRING && m->shape->type != AWS_T_MAP &&
		    !strcmp(proto_wire_name(m), key) && json_object_get(params, m->name))
			return true;
	}
	return false;
}

static void add_querystring(struct buf *q, const struct aws_shape *in, json_t *params,
			    const struct aws_member *m, json_t *v)
{
	struct buf val = BUF_INIT;
	size_t i;
	json_t *item;
	const char *key;
	if (m->shape->type == AWS_T_LIST) {
		json_array_foreach(v, i, item) {
			struct aws_member el = m->shape->members[0];
			buf_reset(&val);
			scalar_text(&val, &el, item, "iso8601");
			add_query(q, proto_wire_name(m), val.ptr, val.len);
		}
	} else if (m->shape->type == AWS_T_MAP) {
		/* A querystring map's entries join the query itself; a named
		 * query parameter of the same name wins (Smithy's
		 * httpQueryParams rule). */
		json_object_foreach(v, key, item) {
			if (named_query_param(in, params, key))
				continue;
			if (json_is_array(item)) {
				json_t *x;
				json_array_foreach(item, i, x)
					add_query(q, key, json_string_value(x),
						  json_string_length(x));
			} else {
				add_query(q, key, json_string_value(item),
					  json_string_length(item));
			}
		}
	} else {
		scalar_text(&val, m, v, "iso8601");
		add_query(q, proto_wire_name(m), val.ptr, val.len);
	}
	buf_release(&val);
}

static void add_header(struct aws_http_request *req, const struct aws_member *m, json_t *v)
{
	struct buf val = BUF_INIT;
	size_t i;
	json_t *item;
	if (m->shape->type == AWS_T_LIST) {
		if (!json_array_size(v))
			goto cleanup;
		json_array_foreach(v, i, item) {
			struct aws_member el = m->shape->members[0];
			if (i)
				buf_adds(&val, ",");
			scalar_text(&val, &el, item, "rfc822");
		}
	} else {
		scalar_text(&val, m, v, "rfc822");
	}
	aws_headers_set(&req->headers, proto_wire_name(m), val.ptr);
cleanup:
	buf_release(&val);
}

/* Fills one {label} or {label+} of the URI template. */
static int render_label(struct buf *path, const struct aws_service *svc,
			const struct aws_op *op, json_t *params, const char *label, size_t n,
			struct diags *d)
{
	bool greedy = n && label[n - 1] == '+';
	size_t ln = greedy ? n - 1 : n;
	const struct aws_shape *in = op->input;
	struct buf val = BUF_INIT;
	for (size_t i = 0; in && i < in->nmembers; i++) {
		const struct aws_member *m = &in->members[i];
		const char *wire = proto_wire_name(m);
		json_t *v;
		if (m->location != AWS_LOC_URI || strlen(wire) != ln || strncmp(wire, label, ln))
			continue;
		v = json_object_get(params, m->name);
		if (!v)
			break;
		scalar_text(&val, m, v, "iso8601");
		if (!val.len) {
			/* An empty label would change which resource the path
			 * names: refuse rather than send "/workspaces//alias". */
			diags_add(d, DIAG_ERROR, "%s %s: %s: must not be empty (it is part of the URI)",
				  svc->name, op->name, m->name);
			buf_release(&val);
			return BERTH_EINVAL;
		}
		proto_percent_encode(path, val.ptr, val.len, greedy);
		buf_release(&val);
		return 0;
	}
	diags_add(d, DIAG_ERROR, "%s %s: no value for the URI label {%.*s}", svc->name, op->name,
		  (int)n, label);
	return BERTH_EINVAL;
}

int proto_restjson_build(const struct aws_service *svc, const struct aws_op *op,
			 json_t *params, struct aws_http_request *req, struct diags *d)
{
	const char *uri = op->request_uri, *q;
	const struct aws_shape *in = op->input;
	json_t *body = NULL, *v;
	const char *pname;
	bool want_body = false;
	int rc;

	free(req->method);
	req->method = xstrdup(op->http_method);
	buf_reset(&req->path);
	buf_reset(&req->query);
	buf_reset(&req->body);

	/* The path, up to any fixed query part of the template. */
	q = strchr(uri, '?');
	for (const char *p = uri; *p && p != q;) {
		if (*p == '{') {
			const char *end = strchr(p, '}');
			if (!end)
				break;
			rc = render_label(&req->path, svc, op, params, p + 1, (size_t)(end - p - 1),
					  d);
			if (rc)
				return rc;
			p = end + 1;
		} else {
			buf_addch(&req->path, *p++);
		}
	}
	if (q && q[1])
		buf_adds(&req->query, q + 1);

	body = json_object();
	for (size_t i = 0; in && i < in->nmembers; i++)
		if (in->members[i].location == AWS_LOC_BODY)
			want_body = true;
	/* In the order the parameters were given, as botocore does: the query
	 * string and the body keep it, so the bytes match the SDKs'. */
	json_object_foreach(params, pname, v) {
		const struct aws_member *m = in ? aws_shape_member(in, pname) : NULL;
		if (!m || json_is_null(v))
			continue;
		switch (m->location) {
		case AWS_LOC_URI:
			break;
		case AWS_LOC_QUERYSTRING:
			add_querystring(&req->query, in, params, m, v);
			break;
		case AWS_LOC_HEADER:
			add_header(req, m, v);
			break;
		case AWS_LOC_HEADERS: {
			const char *key;
			json_t *hv;
			json_object_foreach(v, key, hv) {
				char *name = xasprintf("%s%s", proto_wire_name(m), key);
				aws_headers_set(&req->headers, name, json_string_value(hv));
				free(name);
			}
			break;
		}
		default:
			json_object_set_new(body, proto_wire_name(m), proto_json_to_wire(m->shape, v));
		}
	}
	/* botocore sends "{}" when the input has body members but none was
	 * given, and no body at all when every member lives elsewhere. */
	if (json_object_size(body) || want_body) {
		proto_json_dump(&req->body, body);
		aws_headers_set(&req->headers, "Content-Type", "application/json");
	}
	json_decref(body);
	return 0;
}

int proto_restjson_parse(const struct aws_service *svc, const struct aws_op *op,
			 const struct aws_http_response *resp, json_t **out, struct diags *d)
{
	const struct aws_shape *s = op->output;
	json_t *res = NULL, *body = NULL;
	int rc = 0;

	if (!s) {
		*out = json_object();
		return 0;
	}
	if (resp->body.len) {
		rc = proto_json_read(&resp->body, &body, d);
		if (rc)
			goto cleanup;
		rc = proto_json_from_wire(s, body, 0, &res, d);
		if (rc)
			goto cleanup;
	} else {
		res = json_object();
	}
	for (size_t i = 0; i < s->nmembers; i++) {
		const struct aws_member *m = &s->members[i];
		const char *h;
		json_t *v;
		if (m->location == AWS_LOC_STATUS) {
			json_object_set_new(res, m->name, json_integer(resp->status));
		} else if (m->location == AWS_LOC_HEADER &&
			   (h = aws_headers_get(&resp->headers, proto_wire_name(m)))) {
			v = proto_scalar_from_text(m->shape, h, proto_wire_name(m), d);
			if (!v) {
				rc = BERTH_EAWS;
				goto cleanup;
			}
			json_object_set_new(res, m->name, v);
		} else if (m->location == AWS_LOC_HEADERS) {
			json_object_set_new(res, m->name, proto_prefixed_headers(resp, proto_wire_name(m)));
		}
	}
	*out = res;
	res = NULL;
cleanup:
	json_decref(res);
	json_decref(body);
	(void)svc;
	return rc;
}
