/* The restXml protocol (S3, for the backend's lock and state cache): the
 * HTTP bindings are REST-JSON's (method and URI template, members in URI
 * labels, the query string and headers: proto_restjson_build places them),
 * the body is the operation's payload member sent as it is (a blob or a
 * string), and answers carry members in headers, the status code, a raw
 * payload, or an XML document; errors are <Error><Code>... or, with no body
 * (HEAD), the HTTP status as the code, as botocore's RestXMLParser does.
 * Mirrors botocore's RestXMLSerializer/RestXMLParser for these shapes. */
#include "util/common.h"
#include "aws/proto_internal.h"

#include <strings.h>

static const struct aws_member *payload_member(const struct aws_shape *s)
{
	for (size_t i = 0; s && i < s->nmembers; i++)
		if (s->members[i].flags & AWS_M_PAYLOAD)
			return &s->members[i];
	return NULL;
}

static void headers_remove(struct aws_headers *h, const char *name)
{
	size_t keep = 0;
	for (size_t i = 0; i < h->n; i++) {
		if (!strcasecmp(h->items[i].name, name)) {
			free(h->items[i].name);
			free(h->items[i].value);
			continue;
		}
		h->items[keep++] = h->items[i];
	}
	h->n = keep;
}

int proto_restxml_build(const struct aws_service *svc, const struct aws_op *op,
			json_t *params, struct aws_http_request *req, struct diags *d)
{
	const struct aws_shape *in = op->input;
	const struct aws_member *pm = payload_member(in);
	json_t *rest = params ? json_copy(params) : json_object();
	int rc;

	/* Body members other than a raw payload would be an XML document:
	 * none of the operations berth calls has one, so refuse rather than
	 * send something S3 would misread. */
	for (size_t i = 0; in && i < in->nmembers; i++) {
		const struct aws_member *m = &in->members[i];
		if (m->location != AWS_LOC_BODY || !json_object_get(rest, m->name))
			continue;
		if (m != pm || (m->shape->type != AWS_T_BLOB && m->shape->type != AWS_T_STRING)) {
			diags_add(d, DIAG_ERROR, "%s %s: %s: berth does not send XML bodies",
				  svc->name, op->name, m->name);
			json_decref(rest);
			return BERTH_EINVAL;
		}
	}
	if (pm)
		json_object_del(rest, pm->name);
	rc = proto_restjson_build(svc, op, rest, req, d);
	json_decref(rest);
	if (rc)
		return rc;
	/* What REST-JSON made of the (now empty) body goes; the payload is
	 * the body, byte for byte. */
	buf_reset(&req->body);
	headers_remove(&req->headers, "Content-Type");
	/* List headers: items joined by ", ", as botocore's restXml sends
	 * them (REST-JSON's serialiser above joins with a bare comma). */
	for (size_t i = 0; in && i < in->nmembers; i++) {
		const struct aws_member *m = &in->members[i];
		json_t *list = json_object_get(params, m->name), *item;
		size_t k;
		if (m->location != AWS_LOC_HEADER || m->shape->type != AWS_T_LIST ||
		    !json_is_array(list))
			continue;
		struct buf h = BUF_INIT;
		json_array_foreach(list, k, item) {
			if (k)
				buf_adds(&h, ", ");
			if (json_is_string(item))
				buf_add(&h, json_string_value(item), json_string_length(item));
			else
				proto_add_number(&h, item);
		}
		aws_headers_set(&req->headers, proto_wire_name(m), h.ptr ? h.ptr : "");
		buf_release(&h);
	}
	json_t *v = pm ? json_object_get(params, pm->name) : NULL;
	if (v && json_is_string(v)) {
		buf_add(&req->body, json_string_value(v), json_string_length(v));
		if (pm->shape->type == AWS_T_STRING)
			aws_headers_set(&req->headers, "Content-Type", "text/plain");
	}
	return 0;
}

/* A header's text as the member's value: a list is its comma-separated
 * items, trimmed (botocore's _parse_header_list without quoted items). */
static json_t *header_value(const struct aws_member *m, const char *h, struct diags *d)
{
	if (m->shape->type != AWS_T_LIST)
		return proto_scalar_from_text(m->shape, h, proto_wire_name(m), d);
	json_t *list = json_array();
	const struct aws_shape *el = m->shape->members[0].shape;
	for (const char *p = h; *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		while (n && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		char *item = xstrndup(p, n);
		json_t *v = proto_scalar_from_text(el, item, proto_wire_name(m), d);
		free(item);
		if (!v) {
			json_decref(list);
			return NULL;
		}
		json_array_append_new(list, v);
		if (!end)
			break;
		p = end + 1;
	}
	return list;
}

int proto_restxml_parse(const struct aws_service *svc, const struct aws_op *op,
			const struct aws_http_response *resp, json_t **out, struct diags *d)
{
	const struct aws_shape *s = op->output;
	const struct aws_member *pm = payload_member(s);
	json_t *res = NULL;
	xmlDoc *doc = NULL;
	int rc = 0;
	(void)svc;

	if (!s) {
		*out = json_object();
		return 0;
	}
	if (pm && (pm->shape->type == AWS_T_BLOB || pm->shape->type == AWS_T_STRING)) {
		res = json_object();
		if (resp->body.len || pm->shape->type == AWS_T_BLOB) {
			/* Blobs stay base64 text in answers (proto.h); a string
			 * payload is its text. */
			struct buf b = BUF_INIT;
			if (pm->shape->type == AWS_T_BLOB)
				proto_base64(&b, resp->body.ptr, resp->body.len);
			else
				buf_add(&b, resp->body.ptr, resp->body.len);
			json_object_set_new(res, pm->name, json_stringn(b.ptr ? b.ptr : "", b.len));
			buf_release(&b);
		}
	} else if (resp->body.len) {
		/* An XML document: the output shape itself, or its structure
		 * payload. */
		if ((rc = xml_read(&resp->body, &doc, d)))
			goto cleanup;
		json_t *parsed = NULL;
		rc = xml_parse_shape(pm ? pm->shape : s, xmlDocGetRootElement(doc), &parsed, d);
		if (rc)
			goto cleanup;
		if (pm) {
			res = json_object();
			json_object_set_new(res, pm->name, parsed);
		} else {
			res = parsed;
		}
	} else {
		res = json_object();
	}
	for (size_t i = 0; i < s->nmembers; i++) {
		const struct aws_member *m = &s->members[i];
		const char *h;
		if (m->location == AWS_LOC_STATUS) {
			json_object_set_new(res, m->name, json_integer(resp->status));
		} else if (m->location == AWS_LOC_HEADER &&
			   (h = aws_headers_get(&resp->headers, proto_wire_name(m)))) {
			json_t *v = header_value(m, h, d);
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
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

void proto_restxml_parse_error(const struct aws_http_response *resp, struct aws_error *err)
{
	if (resp->body.len)
		xml_parse_error(resp, err);
	if (!err->code) {
		/* HEAD answers have no body: botocore names the error by its
		 * status ("404", "412"). */
		err->code = xasprintf("%ld", resp->status);
	}
}
