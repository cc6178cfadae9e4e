/* EC2's dialect of the query protocol: parameter names come from queryName,
 * else the locationName with its first letter upper-cased, else the member
 * name; every list is flattened as "Name.N" (and an empty list sends
 * nothing); answers are XML whose root is the output structure, with lists
 * as <xSet><item>. Mirrors botocore's EC2Serializer and EC2QueryParser. */
#include "util/common.h"
#include "aws/proto_internal.h"

#include <ctype.h>
#include <libxml/parser.h>

/* botocore's EC2Serializer._get_serialized_name, and Smithy's ec2QueryName
 * rule for a structure member without one: its name capitalised (EC2's
 * model names are capitalised already, so for them this changes nothing).
 * A map's default "key"/"value" stays as botocore writes it. */
static void add_name(struct buf *prefix, const struct aws_member *m, const char *dflt,
		     bool capitalise_default)
{
	const char *name = m->query_name ? m->query_name : m->location_name ? m->location_name
									   : dflt;
	if (m->query_name || (!m->location_name && !capitalise_default)) {
		buf_adds(prefix, name);
	} else {
		buf_addch(prefix, toupper((unsigned char)name[0]));
		buf_adds(prefix, name + 1);
	}
}

static void serialize(struct buf *body, const struct aws_shape *s, json_t *v,
		      struct buf *prefix);

static void serialize_struct(struct buf *body, const struct aws_shape *s, json_t *v,
			     struct buf *prefix)
{
	size_t base = prefix->len;
	const char *key;
	json_t *val;
	json_object_foreach(v, key, val) {
		const struct aws_member *m = aws_shape_member(s, key);
		if (!m)
			continue;
		if (base)
			buf_addch(prefix, '.');
		add_name(prefix, m, m->name, true);
		serialize(body, m->shape, val, prefix);
		buf_setlen(prefix, base);
	}
}

static void serialize(struct buf *body, const struct aws_shape *s, json_t *v,
		      struct buf *prefix)
{
	size_t base = prefix->len, i = 0;
	const char *key;
	json_t *item;
	switch (s->type) {
	case AWS_T_STRUCTURE:
		serialize_struct(body, s, v, prefix);
		break;
	case AWS_T_LIST:
		json_array_foreach(v, i, item) {
			buf_addf(prefix, ".%zu", i + 1);
			serialize(body, s->members[0].shape, item, prefix);
			buf_setlen(prefix, base);
		}
		break;
	case AWS_T_MAP:
		/* botocore's QuerySerializer map rule with EC2's names. */
		json_object_foreach(v, key, item) {
			i++;
			buf_addf(prefix, ".entry.%zu.", i);
			add_name(prefix, &s->members[0], "key", false);
			proto_form_add(body, prefix->ptr, key, strlen(key));
			buf_setlen(prefix, base);
			buf_addf(prefix, ".entry.%zu.", i);
			add_name(prefix, &s->members[1], "value", false);
			serialize(body, s->members[1].shape, item, prefix);
			buf_setlen(prefix, base);
		}
		break;
	default:
		proto_form_scalar(body, s, v, prefix->ptr);
	}
}

int proto_ec2_build(const struct aws_service *svc, const struct aws_op *op,
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

int proto_ec2_parse(const struct aws_service *svc, const struct aws_op *op,
		    const struct aws_http_response *resp, json_t **out, struct diags *d)
{
	xmlDoc *doc = NULL;
	xmlNode *root;
	json_t *res = NULL;
	size_t n = strlen(op->name);
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
		return rc;
	/* The root element (<DescribeVpcsResponse>) is the output structure;
	 * its <requestId> is not a member and is dropped. Any other root (a
	 * proxy's HTML page that happens to be well-formed) would otherwise
	 * read as an answer with nothing in it. */
	root = xmlDocGetRootElement(doc);
	if (strncmp((const char *)root->name, op->name, n) ||
	    strcmp((const char *)root->name + n, "Response")) {
		diags_add(d, DIAG_ERROR, "answer's root element is <%s>, not <%sResponse>",
			  (const char *)root->name, op->name);
		xmlFreeDoc(doc);
		return BERTH_EAWS;
	}
	rc = xml_parse_shape(op->output, root, &res, d);
	xmlFreeDoc(doc);
	if (rc)
		return rc;
	*out = res;
	return 0;
}
