/* Reading AWS's XML answers (query and EC2 protocols) with libxml2: a bounded,
 * quiet parse into a tree, then a walk of that tree driven by the output
 * shape, so the JSON berth hands back has the model's types whatever the XML
 * looked like (a one-element list is still a list; "42" is a number). The
 * rules follow botocore's BaseXMLResponseParser. */
#include "util/common.h"
#include "aws/proto_internal.h"

#include <libxml/parser.h>
#include <pthread.h>

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_silent(void *ctx, const char *fmt, ...)
{
	(void)ctx, (void)fmt;
}

/* XML_PARSE_NOERROR silences the parser's own errors, but libxml2 reports
 * some without a parser context (a failed character-set conversion of an
 * answer that names an odd encoding: "encoding error : input conversion
 * failed") through its generic handler, which prints to stderr. A server
 * must not be able to write to berth's terminal: the generic handler is a
 * no-op, for this thread and (ThrDef) every thread that uses libxml2 later;
 * what went wrong still reaches the diagnostic through the parse failure. */
static void xml_init(void)
{
	xmlInitParser();
	xmlThrDefSetGenericErrorFunc(NULL, xml_silent);
	xmlSetGenericErrorFunc(NULL, xml_silent);
}

void xml_init_once(void)
{
	pthread_once(&xml_once, xml_init);
}

int xml_read(const struct buf *body, xmlDoc **out, struct diags *d)
{
	xmlParserCtxtPtr ctxt = NULL;
	xmlDoc *doc = NULL;
	int rc = BERTH_EAWS;

	if (body->len > PROTO_MAX_BODY || body->len > (size_t)INT32_MAX) {
		diags_add(d, DIAG_ERROR, "XML answer of %zu bytes is larger than berth accepts",
			  body->len);
		goto cleanup;
	}
	if (!body->len) {
		diags_add(d, DIAG_ERROR, "empty answer where XML was expected");
		goto cleanup;
	}
	/* libxml2 must be initialised once before threads use it, and apply
	 * calls AWS from many threads. */
	xml_init_once();
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		diags_add(d, DIAG_ERROR, "cannot create an XML parser");
		goto cleanup;
	}
	/* No network, no entity substitution, no DTD loading; NOERROR and
	 * NOWARNING keep libxml2 from printing (berth's library never prints).
	 * Without XML_PARSE_HUGE, libxml2 also caps nesting depth and text
	 * sizes. */
	doc = xmlCtxtReadMemory(ctxt, body->ptr, (int)body->len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					XML_PARSE_NOCDATA);
	if (!doc || !xmlDocGetRootElement(doc)) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		struct buf msg = BUF_INIT;
		if (e && e->message) {
			buf_adds(&msg, e->message);
			buf_rtrim(&msg);
		}
		diags_add(d, DIAG_ERROR, "malformed XML answer%s%s (line %d)",
			  msg.len ? ": " : "", msg.ptr, e ? e->line : 0);
		buf_release(&msg);
		goto cleanup;
	}
	if (doc->intSubset) {
		/* AWS never sends a DTD; one can only be an attempt at entity
		 * expansion. */
		diags_add(d, DIAG_ERROR, "XML answer with a DTD refused");
		goto cleanup;
	}
	*out = doc;
	doc = NULL;
	rc = 0;
cleanup:
	if (doc)
		xmlFreeDoc(doc);
	if (ctxt)
		xmlFreeParserCtxt(ctxt);
	return rc;
}

static bool is_named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

xmlNode *xml_child(xmlNode *parent, const char *name)
{
	for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
		if (is_named(c, name))
			return c;
	return NULL;
}

char *xml_text(xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s = xstrdup(t ? (const char *)t : "");
	xmlFree(t);
	return s;
}

static int parse_shape(const struct aws_shape *s, xmlNode *node, int depth, json_t **out,
		       struct diags *d);

static bool member_flattened(const struct aws_member *m)
{
	return (m->flags & AWS_M_FLATTENED) || (m->shape->flags & AWS_S_FLATTENED);
}

/* The element name a structure member has in XML (botocore's
 * _member_key_name): a flattened list whose element has a locationName
 * repeats under that name. */
static const char *member_key_name(const struct aws_member *m)
{
	if (m->shape->type == AWS_T_LIST && member_flattened(m) &&
	    m->shape->members[0].location_name)
		return m->shape->members[0].location_name;
	return proto_wire_name(m);
}

static int parse_map_entry(const struct aws_shape *s, xmlNode *entry, int depth,
			   json_t *obj, struct diags *d)
{
	const char *kname = s->members[0].location_name ? s->members[0].location_name : "key";
	const char *vname = s->members[1].location_name ? s->members[1].location_name : "value";
	xmlNode *k = xml_child(entry, kname), *v = xml_child(entry, vname);
	json_t *val = NULL;
	char *key;
	int rc;
	if (!k) {
		diags_add(d, DIAG_ERROR, "XML map entry without <%s>", kname);
		return BERTH_EAWS;
	}
	if (v) {
		rc = parse_shape(s->members[1].shape, v, depth + 1, &val, d);
		if (rc)
			return rc;
	} else {
		val = json_null();
	}
	key = xml_text(k);
	json_object_set_new(obj, key, val);
	free(key);
	return 0;
}

static int parse_members(const struct aws_shape *s, xmlNode *node, int depth, json_t *obj,
			 struct diags *d)
{
	for (size_t i = 0; i < s->nmembers; i++) {
		const struct aws_member *m = &s->members[i];
		const char *name = member_key_name(m);
		json_t *val = NULL;
		int rc;
		if (m->location != AWS_LOC_BODY || (m->flags & AWS_M_XMLATTR))
			continue;
		if (member_flattened(m) && (m->shape->type == AWS_T_LIST ||
					    m->shape->type == AWS_T_MAP)) {
			/* Every child with this name is one element. */
			bool any = false;
			val = m->shape->type == AWS_T_LIST ? json_array() : json_object();
			for (xmlNode *c = node->children; c; c = c->next) {
				if (!is_named(c, name))
					continue;
				any = true;
				if (m->shape->type == AWS_T_LIST) {
					json_t *item;
					rc = parse_shape(m->shape->members[0].shape, c, depth + 1,
							 &item, d);
					if (!rc)
						json_array_append_new(val, item);
				} else {
					rc = parse_map_entry(m->shape, c, depth + 1, val, d);
				}
				if (rc) {
					json_decref(val);
					return rc;
				}
			}
			if (any)
				json_object_set_new(obj, m->name, val);
			else
				json_decref(val);
			continue;
		}
		xmlNode *c = xml_child(node, name);
		if (!c)
			continue;
		rc = parse_shape(m->shape, c, depth + 1, &val, d);
		if (rc)
			return rc;
		json_object_set_new(obj, m->name, val);
	}
	return 0;
}

static int parse_shape(const struct aws_shape *s, xmlNode *node, int depth, json_t **out,
		       struct diags *d)
{
	json_t *v = NULL;
	int rc = 0;
	if (depth > PROTO_MAX_DEPTH) {
		diags_add(d, DIAG_ERROR, "XML answer nested too deeply");
		return BERTH_EAWS;
	}
	switch (s->type) {
	case AWS_T_STRUCTURE:
		v = json_object();
		rc = parse_members(s, node, depth, v, d);
		break;
	case AWS_T_LIST:
		v = json_array();
		for (xmlNode *c = node->children; c && !rc; c = c->next) {
			json_t *item;
			if (c->type != XML_ELEMENT_NODE)
				continue;
			rc = parse_shape(s->members[0].shape, c, depth + 1, &item, d);
			if (!rc)
				json_array_append_new(v, item);
		}
		break;
	case AWS_T_MAP:
		v = json_object();
		for (xmlNode *c = node->children; c && !rc; c = c->next)
			if (c->type == XML_ELEMENT_NODE)
				rc = parse_map_entry(s, c, depth + 1, v, d);
		break;
	default: {
		char *text = xml_text(node);
		v = proto_scalar_from_text(s, text, (const char *)node->name, d);
		free(text);
		if (!v)
			rc = BERTH_EAWS;
	}
	}
	if (rc) {
		json_decref(v);
		return rc;
	}
	*out = v;
	return 0;
}

int xml_parse_shape(const struct aws_shape *s, xmlNode *node, json_t **out, struct diags *d)
{
	return parse_shape(s, node, 0, out, d);
}

/* Depth-first search for the first element with this name, a few levels
 * down: error envelopes are shallow. */
static xmlNode *find_element(xmlNode *n, const char *name, int depth)
{
	if (depth > 4)
		return NULL;
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp((const char *)c->name, name))
			return c;
	}
	for (xmlNode *c = n->children; c; c = c->next) {
		xmlNode *f;
		if (c->type == XML_ELEMENT_NODE && (f = find_element(c, name, depth + 1)))
			return f;
	}
	return NULL;
}

void xml_parse_error(const struct aws_http_response *resp, struct aws_error *err)
{
	struct diags quiet = DIAGS_INIT;
	xmlDoc *doc = NULL;
	xmlNode *root, *n;
	if (xml_read(&resp->body, &doc, &quiet))
		goto cleanup;
	root = xmlDocGetRootElement(doc);
	/* Search from a virtual parent so the root itself can be <Error>. */
	if (is_named(root, "Code"))
		n = root;
	else
		n = find_element(root, "Code", 0);
	if (n)
		err->code = xml_text(n);
	if ((n = find_element(root, "Message", 0)))
		err->message = xml_text(n);
	if ((n = find_element(root, "RequestId", 0)) || (n = find_element(root, "RequestID", 0)))
		err->request_id = xml_text(n);
cleanup:
	if (doc)
		xmlFreeDoc(doc);
	diags_release(&quiet);
}
