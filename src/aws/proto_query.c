/* The AWS query protocol (IAM, STS, ELBv2, CloudFormation, CloudWatch, SNS):
 * requests are form-encoded Action/Version plus parameters flattened into
 * dotted names ("Tags.member.1.Key"); answers are XML wrapped in
 * <OpResponse><OpResult>. Mirrors botocore's QuerySerializer/QueryParser. */
#include "util/common.h"
#include "aws/proto_internal.h"

#include <libxml/parser.h>

/* application/x-www-form-urlencoded as botocore sends it (Python's
 * urlencode, i.e. quote_plus): unreserved characters as they are, a space as
 * '+', everything else %XX. Servers that re-encode what they parsed to check
 * the signature reject any other valid spelling, "%20" included. */
static void form_encode(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
		    ch == '~') {
			buf_addch(b, ch);
		} else if (ch == ' ') {
			buf_addch(b, '+');
		} else {
			buf_addch(b, '%');
			buf_addch(b, hex[ch >> 4]);
			buf_addch(b, hex[ch & 15]);
		}
	}
}

void proto_form_add(struct buf *body, const char *key, const char *val, size_t vlen)
{
	if (body->len)
		buf_addch(body, '&');
	form_encode(body, key, strlen(key));
	buf_addch(body, '=');
	form_encode(body, val, vlen);
}

static void serialize(struct buf *body, const struct aws_shape *s, json_t *v,
		      struct buf *prefix, bool flat);

static void serialize_struct(struct buf *body, const struct aws_shape *s, json_t *v,
			     struct buf *prefix)
{
	size_t base = prefix->len;
	const char *key;
	json_t *val;
	json_object_foreach(v, key, val) {
		const struct aws_member *m = aws_shape_member(s, key);
		if (!m) /* validated before: cannot happen */
			continue;
		if (base)
			buf_addch(prefix, '.');
		buf_adds(prefix, proto_wire_name(m));
		/* "flattened" may sit on the member as well as on its shape
		 * (botocore merges the two). */
		serialize(body, m->shape, val, prefix, m->flags & AWS_M_FLATTENED);
		buf_setlen(prefix, base);
	}
}

static void serialize_list(struct buf *body, const struct aws_shape *s, json_t *v,
			   struct buf *prefix, bool flat)
{
	const struct aws_member *el = &s->members[0];
	struct buf lp = BUF_INIT; /* the elements' prefix, without ".N" */
	size_t i;
	json_t *item;
	if (!json_array_size(v)) {
		/* The query protocol sends an empty list as "Name=". */
		proto_form_add(body, prefix->ptr, "", 0);
		return;
	}
	if (flat || (s->flags & AWS_S_FLATTENED)) {
		const char *dot = strrchr(prefix->ptr, '.');
		if (el->location_name) {
			/* A flattened list whose element has a name replaces
			 * the member's own last path segment with it. */
			if (dot)
				buf_add(&lp, prefix->ptr, (size_t)(dot - prefix->ptr + 1));
			buf_adds(&lp, el->location_name);
		} else {
			buf_addbuf(&lp, prefix);
		}
	} else {
		buf_addf(&lp, "%s.%s", prefix->ptr, el->location_name ? el->location_name : "member");
	}
	size_t lbase = lp.len;
	json_array_foreach(v, i, item) {
		buf_addf(&lp, ".%zu", i + 1);
		serialize(body, el->shape, item, &lp, false);
		buf_setlen(&lp, lbase);
	}
	buf_release(&lp);
}

static void serialize_map(struct buf *body, const struct aws_shape *s, json_t *v,
			  struct buf *prefix, bool flat)
{
	const char *ksuf = s->members[0].location_name ? s->members[0].location_name : "key";
	const char *vsuf = s->members[1].location_name ? s->members[1].location_name : "value";
	size_t base = prefix->len, i = 0;
	const char *key;
	json_t *val;
	if (!flat && !(s->flags & AWS_S_FLATTENED))
		buf_adds(prefix, ".entry");
	size_t mbase = prefix->len;
	json_object_foreach(v, key, val) {
		i++;
		buf_addf(prefix, ".%zu.%s", i, ksuf);
		proto_form_add(body, prefix->ptr, key, strlen(key));
		buf_setlen(prefix, mbase);
		buf_addf(prefix, ".%zu.%s", i, vsuf);
		serialize(body, s->members[1].shape, val, prefix, false);
		buf_setlen(prefix, mbase);
	}
	buf_setlen(prefix, base);
}

void proto_form_scalar(struct buf *body, const struct aws_shape *s, json_t *v,
		       const char *key)
{
	struct buf val = BUF_INIT;
	switch (s->type) {
	case AWS_T_BOOLEAN:
		buf_adds(&val, json_is_true(v) ? "true" : "false");
		break;
	case AWS_T_TIMESTAMP: {
		struct proto_time t;
		if (!proto_time_from_json(v, &t))
			proto_time_format(&val, &t, s->timestamp_format ? s->timestamp_format
									: "iso8601");
		break;
	}
	case AWS_T_BLOB:
		proto_base64(&val, json_string_value(v), json_string_length(v));
		break;
	case AWS_T_STRING:
		buf_add(&val, json_string_value(v), json_string_length(v));
		break;
	default:
		if (json_is_string(v)) /* NaN, Infinity, -Infinity */
			buf_adds(&val, json_string_value(v));
		else
			proto_add_number(&val, v);
	}
	proto_form_add(body, key, val.ptr, val.len);
	buf_release(&val);
}

static void serialize(struct buf *body, const struct aws_shape *s, json_t *v,
		      struct buf *prefix, bool flat)
{
	switch (s->type) {
	case AWS_T_STRUCTURE:
		serialize_struct(body, s, v, prefix);
		break;
	case AWS_T_LIST:
		serialize_list(body, s, v, prefix, flat);
		break;
	case AWS_T_MAP:
		serialize_map(body, s, v, prefix, flat);
		break;
	default:
		proto_form_scalar(body, s, v, prefix->ptr);
	}
}

int proto_query_build(const struct aws_service *svc, const struct aws_op *op,
		      json_t *params, struct aws_http_request *req, struct diags *d)
{
	struct buf prefix = BUF_INIT;
	free(req->method);
	req->method = xstrdup(op->http_method);
	buf_reset(&req->path);
	buf_adds(&req->path, "/");
	buf_reset(&req->query);
	buf_reset(&req->body);
	proto_form_add(&req->body, "Action", op->name, strlen(op->name));
	proto_form_add(&req->body, "Version", svc->api_version, strlen(svc->api_version));
	if (op->input && params)
		serialize_struct(&req->body, op->input, params, &prefix);
	aws_headers_set(&req->headers, "Content-Type",
			"application/x-www-form-urlencoded; charset=utf-8");
	buf_release(&prefix);
	return 0;
}

int proto_query_parse(const struct aws_service *svc, const struct aws_op *op,
		      const struct aws_http_response *resp, json_t **out, struct diags *d)
{
	xmlDoc *doc = NULL;
	xmlNode *root, *start;
	json_t *res = NULL;
	int rc;

	if (!op->output) {
		*out = json_object();
		return 0;
	}
	if (!resp->body.len) {
		/* botocore reads an empty body as an empty answer (its XML
		 * parsers substitute <xml/>), whatever the status line said. */
		*out = json_object();
		return 0;
	}
	rc = xml_read(&resp->body, &doc, d);
	if (rc)
		goto fail;
	root = xmlDocGetRootElement(doc);
	start = root;
	if (op->result_wrapper) {
		start = xml_child(root, op->result_wrapper);
		if (!start) {
			diags_add(d, DIAG_ERROR, "answer has no <%s> under <%s>",
				  op->result_wrapper, (const char *)root->name);
			rc = BERTH_EAWS;
			goto fail;
		}
	}
	rc = xml_parse_shape(op->output, start, &res, d);
	if (rc)
		goto fail;
	xmlFreeDoc(doc);
	*out = res;
	return 0;
fail:
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}
