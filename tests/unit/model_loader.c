/* botocore-format mini-models to berth's model structures (model_loader.h).
 * Same mapping as tools/gen_aws_models.py, done at run time. */
#include "util/common.h"
#include "model_loader.h"

struct loader {
	struct loaded_model *m;
	json_t *shapes;
	/* shape name -> struct aws_shape * (as an integer), so recursive
	 * shapes are built once and refer to themselves. */
	json_t *built;
	const char *err;
};

static void *own(struct loaded_model *m, void *p)
{
	if (m->nallocs == m->alloc) {
		m->alloc = m->alloc ? 2 * m->alloc : 64;
		m->allocs = xrealloc(m->allocs, m->alloc * sizeof(*m->allocs));
	}
	m->allocs[m->nallocs++] = p;
	return p;
}

static const char *str(struct loader *l, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? own(l->m, xstrdup(json_string_value(v))) : NULL;
}

static const struct aws_shape *shape(struct loader *l, const char *name);

static int type_of(const char *t)
{
	static const char *const names[] = { "structure", "list", "map", "string", "integer",
		"long", "double", "float", "boolean", "timestamp", "blob" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(t, names[i]))
			return (int)i;
	return -1;
}

static int location_of(const char *loc)
{
	if (!loc)
		return AWS_LOC_BODY;
	if (!strcmp(loc, "uri"))
		return AWS_LOC_URI;
	if (!strcmp(loc, "querystring"))
		return AWS_LOC_QUERYSTRING;
	if (!strcmp(loc, "header"))
		return AWS_LOC_HEADER;
	if (!strcmp(loc, "headers"))
		return AWS_LOC_HEADERS;
	if (!strcmp(loc, "statusCode"))
		return AWS_LOC_STATUS;
	return -1;
}

static int member(struct loader *l, struct aws_member *out, const char *name, json_t *ref,
		  bool required)
{
	json_t *ns = json_object_get(ref, "xmlNamespace");
	const char *sname = json_string_value(json_object_get(ref, "shape"));
	int loc = location_of(json_string_value(json_object_get(ref, "location")));
	if (!sname || loc < 0) {
		l->err = "member without a shape or with an unknown location";
		return -1;
	}
	out->name = own(l->m, xstrdup(name));
	out->location_name = str(l, ref, "locationName");
	out->query_name = str(l, ref, "queryName");
	out->location = loc;
	out->flags = (required ? AWS_M_REQUIRED : 0) |
		     (json_is_true(json_object_get(ref, "idempotencyToken")) ? AWS_M_IDEMPOTENCY : 0) |
		     (json_is_true(json_object_get(ref, "jsonvalue")) ? AWS_M_JSONVALUE : 0) |
		     (json_is_true(json_object_get(ref, "flattened")) ? AWS_M_FLATTENED : 0) |
		     (json_is_true(json_object_get(ref, "xmlAttribute")) ? AWS_M_XMLATTR : 0) |
		     (json_is_true(json_object_get(ref, "hostLabel")) ? AWS_M_HOSTLABEL : 0);
	out->timestamp_format = str(l, ref, "timestampFormat");
	out->xml_namespace = json_is_object(ns) ? str(l, ns, "uri") : NULL;
	out->shape = shape(l, sname);
	return out->shape ? 0 : -1;
}

static const struct aws_shape *shape(struct loader *l, const char *name)
{
	json_t *def = json_object_get(l->shapes, name), *done = json_object_get(l->built, name);
	struct aws_shape *s;
	struct aws_member *members = NULL;
	size_t n = 0;
	const char *t;
	int type;

	if (done)
		return (const struct aws_shape *)(uintptr_t)json_integer_value(done);
	t = json_string_value(json_object_get(def, "type"));
	if (!def || !t || (type = type_of(t)) < 0) {
		l->err = "unknown shape or shape type";
		return NULL;
	}
	s = own(l->m, xcalloc(1, sizeof(*s)));
	json_object_set_new(l->built, name, json_integer((json_int_t)(uintptr_t)s));
	s->name = own(l->m, xstrdup(name));
	s->type = type;
	s->flags = (json_is_true(json_object_get(def, "flattened")) ? AWS_S_FLATTENED : 0) |
		   (json_is_true(json_object_get(def, "union")) ? AWS_S_UNION : 0) |
		   (json_is_true(json_object_get(def, "document")) ? AWS_S_DOCUMENT : 0) |
		   (json_is_true(json_object_get(def, "sensitive")) ? AWS_S_SENSITIVE : 0);
	s->timestamp_format = str(l, def, "timestampFormat");
	s->location_name = str(l, def, "locationName");
	if (type == AWS_T_STRUCTURE) {
		json_t *ms = json_object_get(def, "members"), *req = json_object_get(def, "required");
		const char *mn;
		json_t *ref;
		members = own(l->m, xcalloc(json_object_size(ms) + 1, sizeof(*members)));
		json_object_foreach(ms, mn, ref) {
			bool required = false;
			size_t i;
			json_t *r;
			json_array_foreach(req, i, r)
				required |= json_is_string(r) && !strcmp(json_string_value(r), mn);
			if (member(l, &members[n++], mn, ref, required))
				return NULL;
		}
	} else if (type == AWS_T_LIST) {
		members = own(l->m, xcalloc(1, sizeof(*members)));
		if (member(l, &members[n++], "member", json_object_get(def, "member"), false))
			return NULL;
	} else if (type == AWS_T_MAP) {
		members = own(l->m, xcalloc(2, sizeof(*members)));
		if (member(l, &members[n++], "key", json_object_get(def, "key"), false) ||
		    member(l, &members[n++], "value", json_object_get(def, "value"), false))
			return NULL;
	}
	s->members = members;
	s->nmembers = n;
	return s;
}

static enum aws_protocol protocol_of(const char *p, int *ok)
{
	*ok = 1;
	if (p && !strcmp(p, "query"))
		return AWS_PROTO_QUERY;
	if (p && !strcmp(p, "ec2"))
		return AWS_PROTO_EC2;
	if (p && !strcmp(p, "json"))
		return AWS_PROTO_JSON;
	if (p && !strcmp(p, "rest-json"))
		return AWS_PROTO_REST_JSON;
	*ok = 0;
	return AWS_PROTO_QUERY;
}

int model_load(json_t *metadata, json_t *shapes, json_t *given, struct loaded_model **out,
	       const char **err)
{
	struct loaded_model *m = xcalloc(1, sizeof(*m));
	struct loader l = { m, shapes, json_object(), NULL };
	json_t *http = json_object_get(given, "http"), *in = json_object_get(given, "input"),
	       *outp = json_object_get(given, "output"), *code;
	const char *jv;
	int ok;

	m->svc.name = "compliance";
	m->svc.sdk_id = "Compliance";
	m->svc.env_suffix = "COMPLIANCE";
	m->svc.signing_name = "compliance";
	m->svc.endpoint_prefix = "compliance";
	m->svc.protocol = protocol_of(json_string_value(json_object_get(metadata, "protocol")), &ok);
	if (!ok) {
		l.err = "unknown protocol";
		goto fail;
	}
	m->svc.api_version = str(&l, metadata, "apiVersion");
	jv = str(&l, metadata, "jsonVersion");
	m->svc.json_version = jv ? jv : "1.0";
	m->svc.target_prefix = str(&l, metadata, "targetPrefix");
	m->op.name = str(&l, given, "name");
	m->op.http_method = str(&l, http, "method");
	if (!m->op.http_method)
		m->op.http_method = "POST";
	m->op.request_uri = str(&l, http, "requestUri");
	if (!m->op.request_uri)
		m->op.request_uri = "/";
	code = json_object_get(http, "responseCode");
	m->op.response_code = json_is_integer(code) ? (int)json_integer_value(code) : 200;
	m->op.result_wrapper = str(&l, outp, "resultWrapper");
	if (outp && !m->op.result_wrapper && m->svc.protocol == AWS_PROTO_QUERY && m->op.name) {
		/* awsQuery wraps every answer in <OperationResult>; botocore's
		 * models say so explicitly (resultWrapper), these mini-models
		 * leave it to the protocol. */
		m->op.result_wrapper = own(m, xasprintf("%sResult", m->op.name));
	}
	m->op.host_prefix = str(&l, json_object_get(given, "endpoint"), "hostPrefix");
	if (!m->op.name) {
		l.err = "operation without a name";
		goto fail;
	}
	if (in && !(m->op.input = shape(&l, json_string_value(json_object_get(in, "shape")))))
		goto fail;
	if (outp && !(m->op.output = shape(&l, json_string_value(json_object_get(outp, "shape")))))
		goto fail;
	m->ops[0] = &m->op;
	m->svc.ops = m->ops;
	m->svc.nops = 1;
	json_decref(l.built);
	*out = m;
	return 0;
fail:
	*err = l.err ? l.err : "cannot load the model";
	json_decref(l.built);
	model_free(m);
	return -1;
}

void model_free(struct loaded_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nallocs; i++)
		free(m->allocs[i]);
	free(m->allocs);
	free(m);
}
