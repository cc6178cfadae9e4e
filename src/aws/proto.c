/* The protocol layer's front door (proto.h): checks parameters against the
 * operation's input shape, fills idempotency tokens, and hands over to the
 * file of the service's protocol. Also the helpers every protocol shares:
 * percent-encoding, numbers as botocore writes them, timestamps, base64. */
#include "util/common.h"
#include "aws/proto.h"
#include "aws/proto_internal.h"
#include "util/suggest.h"

#include <math.h>
#include <strings.h>
#include <time.h>
#include <openssl/rand.h>

/* ---- validation ---- */

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "list";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	case JSON_NULL: return "null";
	}
	return "value";
}

static const char *shape_type_name(const struct aws_shape *s)
{
	switch (s->type) {
	case AWS_T_STRUCTURE: return "object";
	case AWS_T_LIST: return "list";
	case AWS_T_MAP: return "object (map)";
	case AWS_T_STRING: return "string";
	case AWS_T_INTEGER:
	case AWS_T_LONG: return "integer";
	case AWS_T_DOUBLE:
	case AWS_T_FLOAT: return "number";
	case AWS_T_BOOLEAN: return "boolean";
	case AWS_T_TIMESTAMP: return "timestamp (ISO-8601 string or epoch seconds)";
	case AWS_T_BLOB: return "string (bytes)";
	}
	return "value";
}

struct vctx {
	const struct aws_service *svc;
	const struct aws_op *op;
	struct diags *d;
	int errors;
};

BERTH_PRINTF(3, 4)
static void verr(struct vctx *c, const struct buf *path, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (path->len)
		diags_add(c->d, DIAG_ERROR, "%s %s: %s: %s", c->svc->name, c->op->name,
			  path->ptr, msg.ptr);
	else
		diags_add(c->d, DIAG_ERROR, "%s %s: %s", c->svc->name, c->op->name, msg.ptr);
	buf_release(&msg);
	c->errors++;
}

static void validate(struct vctx *c, const struct aws_shape *s, json_t *v, struct buf *path,
		     int depth);

static void validate_struct(struct vctx *c, const struct aws_shape *s, json_t *v,
			    struct buf *path, int depth)
{
	size_t base = path->len;
	const char *key;
	json_t *val;

	if ((s->flags & AWS_S_UNION) && json_object_size(v) != 1) {
		/* A union (tagged choice) takes exactly one member, as
		 * botocore checks. */
		struct buf names = BUF_INIT;
		for (size_t i = 0; i < s->nmembers; i++)
			buf_addf(&names, "%s%s", i ? ", " : "", s->members[i].name);
		verr(c, path, "set exactly one of %s", names.ptr);
		buf_release(&names);
	}
	json_object_foreach(v, key, val) {
		const struct aws_member *m = aws_shape_member(s, key);
		if (base)
			buf_addch(path, '.');
		buf_adds(path, key);
		if (!m) {
			const char **names = xcalloc(s->nmembers + 1, sizeof(*names));
			const char *near;
			for (size_t i = 0; i < s->nmembers; i++)
				names[i] = s->members[i].name;
			near = suggest_nearest(key, names, s->nmembers);
			if (near)
				verr(c, path, "unknown parameter; did you mean %s?", near);
			else
				verr(c, path, "unknown parameter");
			free(names);
		} else {
			validate(c, m->shape, val, path, depth + 1);
		}
		buf_setlen(path, base);
	}
	for (size_t i = 0; i < s->nmembers; i++) {
		const struct aws_member *m = &s->members[i];
		if (!(m->flags & AWS_M_REQUIRED) || json_object_get(v, m->name))
			continue;
		/* botocore fills a missing idempotency token before validating. */
		if (m->flags & AWS_M_IDEMPOTENCY)
			continue;
		if (base)
			buf_addch(path, '.');
		buf_adds(path, m->name);
		verr(c, path, "missing required parameter");
		buf_setlen(path, base);
	}
}

static void validate(struct vctx *c, const struct aws_shape *s, json_t *v, struct buf *path,
		     int depth)
{
	bool ok;
	if (depth > PROTO_MAX_DEPTH) {
		verr(c, path, "nested too deeply");
		return;
	}
	if (s->flags & AWS_S_DOCUMENT)
		return; /* free-form JSON of any type */
	switch (s->type) {
	case AWS_T_STRUCTURE:
		ok = json_is_object(v);
		break;
	case AWS_T_LIST:
		ok = json_is_array(v);
		break;
	case AWS_T_MAP:
		ok = json_is_object(v);
		break;
	case AWS_T_STRING:
	case AWS_T_BLOB:
		ok = json_is_string(v);
		break;
	case AWS_T_INTEGER:
	case AWS_T_LONG:
		ok = json_is_integer(v);
		break;
	case AWS_T_DOUBLE:
	case AWS_T_FLOAT:
		/* NaN and the infinities travel as these words (JSON has no
		 * number for them), as in botocore and the protocol suites. */
		ok = json_is_number(v) ||
		     (json_is_string(v) && proto_float_special(json_string_value(v)));
		break;
	case AWS_T_BOOLEAN:
		ok = json_is_boolean(v);
		break;
	case AWS_T_TIMESTAMP: {
		struct proto_time t;
		ok = (json_is_string(v) || json_is_number(v)) && !proto_time_from_json(v, &t);
		break;
	}
	default:
		ok = false;
	}
	if (!ok) {
		verr(c, path, "expected %s, got %s", shape_type_name(s),
		     json_is_string(v) && s->type == AWS_T_TIMESTAMP ? "unparseable string"
								    : json_type_name(v));
		return;
	}
	if (s->type == AWS_T_STRUCTURE) {
		validate_struct(c, s, v, path, depth);
	} else if (s->type == AWS_T_LIST) {
		size_t base = path->len, i;
		json_t *item;
		json_array_foreach(v, i, item) {
			buf_addf(path, "[%zu]", i);
			validate(c, s->members[0].shape, item, path, depth + 1);
			buf_setlen(path, base);
		}
	} else if (s->type == AWS_T_MAP) {
		size_t base = path->len;
		const char *key;
		json_t *item;
		json_object_foreach(v, key, item) {
			buf_addf(path, "[\"%s\"]", key);
			validate(c, s->members[1].shape, item, path, depth + 1);
			buf_setlen(path, base);
		}
	}
}

/* Removes every structure member set to null, at any depth, following the
 * shape: a document's own nulls are data and stay. */
static void drop_nulls(const struct aws_shape *s, json_t *v, int depth)
{
	const char *key;
	json_t *val;
	void *tmp;
	size_t i;
	if (!s || depth > PROTO_MAX_DEPTH || (s->flags & AWS_S_DOCUMENT))
		return;
	if (s->type == AWS_T_STRUCTURE && json_is_object(v)) {
		json_object_foreach_safe(v, tmp, key, val) {
			const struct aws_member *m = aws_shape_member(s, key);
			if (json_is_null(val))
				json_object_del(v, key);
			else if (m)
				drop_nulls(m->shape, val, depth + 1);
		}
	} else if (s->type == AWS_T_LIST && json_is_array(v)) {
		json_array_foreach(v, i, val)
			drop_nulls(s->members[0].shape, val, depth + 1);
	} else if (s->type == AWS_T_MAP && json_is_object(v)) {
		json_object_foreach(v, key, val)
			drop_nulls(s->members[1].shape, val, depth + 1);
	}
}

bool proto_float_special(const char *s)
{
	return s && (!strcmp(s, "NaN") || !strcmp(s, "Infinity") || !strcmp(s, "-Infinity"));
}

/* A random version-4 UUID, as botocore's generate_idempotent_uuid gives. */
static char *random_uuid(void)
{
	unsigned char r[16];
	if (RAND_bytes(r, sizeof(r)) != 1) {
		/* OpenSSL's CSPRNG failing is not something to carry on from
		 * with a predictable token. */
		abort();
	}
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	return xasprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10],
			 r[11], r[12], r[13], r[14], r[15]);
}

int aws_proto_build(const struct aws_service *svc, const char *operation,
		    json_t *params, struct aws_http_request *req, struct diags *d)
{
	const struct aws_op *op = aws_service_op(svc, operation);
	struct vctx c = { svc, op, d, 0 };
	struct buf path = BUF_INIT;
	json_t *filled = NULL;
	int rc = BERTH_EINVAL;

	if (!svc) {
		diags_add(d, DIAG_ERROR, "no such AWS service");
		goto cleanup;
	}
	if (!op) {
		diags_add(d, DIAG_ERROR, "%s: unknown operation %s", svc->name, operation);
		goto cleanup;
	}
	if (params && !json_is_object(params)) {
		verr(&c, &path, "parameters must be an object, got %s", json_type_name(params));
		goto cleanup;
	}
	/* Work on a copy: the caller's params are borrowed and must not gain
	 * our idempotency tokens. A member set to null is not sent at all (it
	 * means "unset", as Smithy's protocol suites and Terraform read it;
	 * botocore refuses None instead). */
	filled = params ? json_deep_copy(params) : json_object();
	drop_nulls(op->input, filled, 0);
	if (!op->input) {
		const char *key;
		json_t *val;
		json_object_foreach(filled, key, val) {
			buf_reset(&path);
			buf_adds(&path, key);
			verr(&c, &path, "unknown parameter (the operation takes none)");
		}
	} else {
		validate(&c, op->input, filled, &path, 0);
		for (size_t i = 0; i < op->input->nmembers; i++) {
			const struct aws_member *m = &op->input->members[i];
			if ((m->flags & AWS_M_IDEMPOTENCY) && !json_object_get(filled, m->name)) {
				char *u = random_uuid();
				json_object_set_new(filled, m->name, json_string(u));
				free(u);
			}
		}
	}
	if (c.errors)
		goto cleanup;

	switch (svc->protocol) {
	case AWS_PROTO_QUERY:
		rc = proto_query_build(svc, op, filled, req, d);
		break;
	case AWS_PROTO_EC2:
		rc = proto_ec2_build(svc, op, filled, req, d);
		break;
	case AWS_PROTO_JSON:
		rc = proto_json_build(svc, op, filled, req, d);
		break;
	case AWS_PROTO_REST_JSON:
		rc = proto_restjson_build(svc, op, filled, req, d);
		break;
	case AWS_PROTO_REST_XML:
		rc = proto_restxml_build(svc, op, filled, req, d);
		break;
	}
cleanup:
	json_decref(filled);
	buf_release(&path);
	return rc;
}

int aws_proto_parse(const struct aws_service *svc, const char *operation,
		    const struct aws_http_response *resp, json_t **out, struct diags *d)
{
	const struct aws_op *op = aws_service_op(svc, operation);
	struct diags tmp = DIAGS_INIT;
	int rc = BERTH_EAWS;
	if (!op) {
		diags_add(d, DIAG_ERROR, "%s: unknown operation %s", svc->name, operation);
		return BERTH_EINVAL;
	}
	if (resp->body.len > PROTO_MAX_BODY) {
		diags_add(d, DIAG_ERROR, "%s %s: answer of %zu bytes is larger than berth accepts",
			  svc->name, operation, resp->body.len);
		return BERTH_EAWS;
	}
	/* The service's protocol says how to read the answer, whatever its
	 * Content-Type: AWS labels some answers text/html, text/plain or
	 * nothing, and botocore ignores the label for every protocol here. A
	 * captive portal's page is told apart by not parsing (see below). */
	switch (svc->protocol) {
	case AWS_PROTO_QUERY:
		rc = proto_query_parse(svc, op, resp, out, &tmp);
		break;
	case AWS_PROTO_EC2:
		rc = proto_ec2_parse(svc, op, resp, out, &tmp);
		break;
	case AWS_PROTO_JSON:
		rc = proto_json_parse(svc, op, resp, out, &tmp);
		break;
	case AWS_PROTO_REST_JSON:
		rc = proto_restjson_parse(svc, op, resp, out, &tmp);
		break;
	case AWS_PROTO_REST_XML:
		rc = proto_restxml_parse(svc, op, resp, out, &tmp);
		break;
	}
	if (rc) {
		/* One diagnostic saying which call's answer berth could not
		 * read, and why; with the answer's first bytes, escaped, so a
		 * proxy's or captive portal's page is recognisable at once. */
		struct buf why = BUF_INIT;
		buf_adds(&why, tmp.n ? tmp.items[0].summary : "unknown reason");
		if (resp->body.len && !proto_body_is_aws(svc, op, &resp->body))
			buf_adds(&why, "; this is not an AWS answer (a proxy or captive portal?)");
		if (resp->body.len) {
			buf_adds(&why, "; it begins: ");
			proto_escape_prefix(&why, resp->body.ptr, resp->body.len, 80);
		}
		struct diag *dg = diags_add(d, DIAG_ERROR, "%s %s: cannot read the answer: %s",
					    svc->name, operation, why.ptr);
		buf_release(&why);
		dg->aws_service = xstrdup(svc->name);
		dg->aws_operation = xstrdup(operation);
		dg->http_status = (int)resp->status;
		if (proto_request_id_header(resp))
			dg->request_id = xstrdup(proto_request_id_header(resp));
	}
	diags_release(&tmp);
	return rc;
}

void aws_proto_parse_error(const struct aws_service *svc,
			   const struct aws_http_response *resp, struct aws_error *err)
{
	const char *rid;
	aws_error_release(err);
	err->http_status = resp->status;
	switch (svc->protocol) {
	case AWS_PROTO_QUERY:
	case AWS_PROTO_EC2:
		xml_parse_error(resp, err);
		break;
	case AWS_PROTO_JSON:
		proto_json_parse_error(resp, err, false);
		break;
	case AWS_PROTO_REST_JSON:
		proto_json_parse_error(resp, err, true);
		break;
	case AWS_PROTO_REST_XML:
		proto_restxml_parse_error(resp, err);
		break;
	}
	rid = proto_request_id_header(resp);
	if (!err->request_id && rid)
		err->request_id = xstrdup(rid);
	if (!err->code && !err->message && resp->body.len) {
		/* Neither a code nor a message where every AWS error has one:
		 * a proxy's or captive portal's page. Say so, and show what
		 * it is. */
		struct buf msg = BUF_INIT;
		buf_adds(&msg, "not an AWS answer (a proxy or captive portal?); it begins: ");
		proto_escape_prefix(&msg, resp->body.ptr, resp->body.len, 80);
		err->message = buf_detach(&msg, NULL);
	}
}

/* ---- shared helpers ---- */

bool proto_body_is_aws(const struct aws_service *svc, const struct aws_op *op,
		       const struct buf *body)
{
	struct diags quiet = DIAGS_INIT;
	bool ok = false;
	if (svc->protocol == AWS_PROTO_JSON || svc->protocol == AWS_PROTO_REST_JSON) {
		json_t *v = NULL;
		ok = !proto_json_read(body, &v, &quiet);
		json_decref(v);
	} else {
		/* Every successful query and EC2 answer is <OpResponse>; a
		 * portal's page may well be well-formed XML (XHTML). */
		xmlDoc *doc = NULL;
		if (!xml_read(body, &doc, &quiet)) {
			const char *root = (const char *)xmlDocGetRootElement(doc)->name;
			size_t n = strlen(op->name);
			ok = !strncmp(root, op->name, n) && !strcmp(root + n, "Response");
		}
		if (doc)
			xmlFreeDoc(doc);
	}
	diags_release(&quiet);
	return ok;
}

void proto_escape_prefix(struct buf *b, const char *s, size_t n, size_t max)
{
	buf_addch(b, '"');
	for (size_t i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			buf_addf(b, "\\%c", c);
		else if (c == '\n')
			buf_adds(b, "\\n");
		else if (c == '\r')
			buf_adds(b, "\\r");
		else if (c == '\t')
			buf_adds(b, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			buf_addf(b, "\\x%02x", c);
		else
			buf_addch(b, (char)c);
	}
	buf_addch(b, '"');
	if (n > max)
		buf_adds(b, "...");
}

const char *proto_request_id_header(const struct aws_http_response *resp)
{
	const char *r = aws_headers_get(&resp->headers, "x-amzn-RequestId");
	if (!r)
		r = aws_headers_get(&resp->headers, "x-amz-request-id");
	return r;
}

json_t *proto_prefixed_headers(const struct aws_http_response *resp, const char *prefix)
{
	size_t plen = strlen(prefix);
	json_t *v = json_object();
	for (size_t k = 0; k < resp->headers.n; k++) {
		const struct aws_header *hd = &resp->headers.items[k];
		if (!strncasecmp(hd->name, prefix, plen))
			json_object_set_new(v, hd->name + plen, json_string(hd->value));
	}
	return v;
}

void proto_percent_encode(struct buf *b, const char *s, size_t n, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
		    ch == '~' || (keep_slash && ch == '/')) {
			buf_addch(b, ch);
		} else {
			buf_addch(b, '%');
			buf_addch(b, hex[ch >> 4]);
			buf_addch(b, hex[ch & 15]);
		}
	}
}

void proto_add_number(struct buf *b, const json_t *v)
{
	char tmp[64], digits[32];
	double x;
	int prec, exp10, nd;
	char *e;

	if (json_is_integer(v)) {
		buf_addf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	}
	x = json_number_value(v);
	if (!isfinite(x)) {
		buf_adds(b, isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
		return;
	}
	/* The shortest %e that reads back as x: Python's repr digits. */
	for (prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, x);
		if (strtod(tmp, NULL) == x)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", prec, x);
	/* tmp is [-]D[.DDD]e[+-]XX: split digits and exponent. */
	e = strchr(tmp, 'e');
	exp10 = atoi(e + 1);
	nd = 0;
	for (char *p = tmp; p < e; p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	digits[nd] = '\0';
	if (x < 0)
		buf_addch(b, '-');
	if (exp10 >= 16 || exp10 < -4) {
		/* Python: 1e+16, 1.5e-05 */
		buf_addch(b, digits[0]);
		if (nd > 1) {
			buf_addch(b, '.');
			buf_adds(b, digits + 1);
		}
		buf_addf(b, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
	} else if (exp10 < 0) {
		buf_adds(b, "0.");
		buf_addchars(b, '0', (size_t)(-exp10 - 1));
		buf_adds(b, digits);
	} else {
		for (int i = 0; i <= exp10; i++)
			buf_addch(b, i < nd ? digits[i] : '0');
		buf_addch(b, '.');
		if (nd > exp10 + 1)
			buf_adds(b, digits + exp10 + 1);
		else
			buf_addch(b, '0');
	}
}

void proto_base64(struct buf *b, const void *data, size_t len)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	size_t i;
	for (i = 0; i + 2 < len; i += 3) {
		buf_addch(b, tbl[p[i] >> 2]);
		buf_addch(b, tbl[((p[i] & 3) << 4) | (p[i + 1] >> 4)]);
		buf_addch(b, tbl[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)]);
		buf_addch(b, tbl[p[i + 2] & 63]);
	}
	if (len - i == 1) {
		buf_addch(b, tbl[p[i] >> 2]);
		buf_addch(b, tbl[(p[i] & 3) << 4]);
		buf_adds(b, "==");
	} else if (len - i == 2) {
		buf_addch(b, tbl[p[i] >> 2]);
		buf_addch(b, tbl[((p[i] & 3) << 4) | (p[i + 1] >> 4)]);
		buf_addch(b, tbl[(p[i + 1] & 15) << 2]);
		buf_addch(b, '=');
	}
}

/* ---- timestamps ---- */

static int parse_digits(const char **s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return -1;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return 0;
}

static int parse_iso8601(const char *s, struct proto_time *t)
{
	struct tm tm = { 0 };
	int y, mo, da, h = 0, mi = 0, se = 0, usec = 0, off = 0;
	if (parse_digits(&s, 4, &y) || *s++ != '-' || parse_digits(&s, 2, &mo) ||
	    *s++ != '-' || parse_digits(&s, 2, &da))
		return BERTH_EINVAL;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if (parse_digits(&s, 2, &h) || *s++ != ':' || parse_digits(&s, 2, &mi))
			return BERTH_EINVAL;
		if (*s == ':') {
			s++;
			if (parse_digits(&s, 2, &se))
				return BERTH_EINVAL;
		}
		if (*s == '.' || *s == ',') {
			int scale = 100000;
			s++;
			if (*s < '0' || *s > '9')
				return BERTH_EINVAL;
			for (; *s >= '0' && *s <= '9'; s++) {
				usec += (*s - '0') * scale;
				scale /= 10;
			}
		}
		if (*s == 'Z' || *s == 'z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			int sign = *s++ == '-' ? -1 : 1, oh, om = 0;
			if (parse_digits(&s, 2, &oh))
				return BERTH_EINVAL;
			if (*s == ':')
				s++;
			if (*s && parse_digits(&s, 2, &om))
				return BERTH_EINVAL;
			off = sign * (oh * 3600 + om * 60);
		}
	}
	if (*s || mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || se > 60)
		return BERTH_EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = da;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t->sec = (int64_t)timegm(&tm) - off;
	t->usec = usec;
	return 0;
}

static int parse_rfc822(const char *s, struct proto_time *t)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm = { 0 };
	char mon[4] = { 0 };
	int day, year, h, mi, se, n = 0;
	const char *comma = strchr(s, ',');
	if (comma)
		s = comma + 1;
	if (sscanf(s, " %d %3s %d %d:%d:%d GMT%n", &day, mon, &year, &h, &mi, &se, &n) != 6 ||
	    s[n] != '\0')
		return BERTH_EINVAL;
	tm.tm_mon = -1;
	for (int i = 0; i < 12; i++)
		if (!strcmp(mon, months[i]))
			tm.tm_mon = i;
	if (tm.tm_mon < 0)
		return BERTH_EINVAL;
	tm.tm_year = year - 1900;
	tm.tm_mday = day;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t->sec = (int64_t)timegm(&tm);
	t->usec = 0;
	return 0;
}

static int time_from_double(double x, struct proto_time *t)
{
	double whole;
	if (!isfinite(x) || fabs(x) > 1e13)
		return BERTH_EINVAL;
	whole = floor(x);
	t->sec = (int64_t)whole;
	t->usec = (int)llround((x - whole) * 1e6);
	if (t->usec >= 1000000) {
		t->sec++;
		t->usec -= 1000000;
	}
	return 0;
}

int proto_time_parse(const char *s, struct proto_time *t)
{
	char *end;
	double x;
	if (!s || !*s)
		return BERTH_EINVAL;
	if (!parse_iso8601(s, t))
		return 0;
	errno = 0;
	x = strtod(s, &end);
	if (end != s && !*end && !errno)
		return time_from_double(x, t);
	return parse_rfc822(s, t);
}

int proto_time_from_json(const json_t *v, struct proto_time *t)
{
	if (json_is_integer(v)) {
		t->sec = json_integer_value(v);
		t->usec = 0;
		return 0;
	}
	if (json_is_real(v))
		return time_from_double(json_real_value(v), t);
	if (json_is_string(v))
		return proto_time_parse(json_string_value(v), t);
	return BERTH_EINVAL;
}

void proto_time_format(struct buf *b, const struct proto_time *t, const char *format)
{
	struct tm tm;
	time_t sec = (time_t)t->sec;
	char tmp[64];
	gmtime_r(&sec, &tm);
	if (format && !strcmp(format, "unixTimestamp")) {
		buf_addf(b, "%lld", (long long)t->sec);
	} else if (format && !strcmp(format, "rfc822")) {
		strftime(tmp, sizeof(tmp), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		buf_adds(b, tmp);
	} else {
		strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
		buf_adds(b, tmp);
		if (t->usec)
			buf_addf(b, ".%06d", t->usec);
		buf_addch(b, 'Z');
	}
}

json_t *proto_time_json(const struct proto_time *t)
{
	struct tm tm;
	time_t sec = (time_t)t->sec;
	char tmp[64];
	struct buf b = BUF_INIT;
	json_t *j;
	gmtime_r(&sec, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_adds(&b, tmp);
	if (t->usec) {
		buf_addf(&b, ".%06d", t->usec);
		while (b.ptr[b.len - 1] == '0')
			buf_setlen(&b, b.len - 1);
	}
	buf_addch(&b, 'Z');
	j = json_string(b.ptr);
	buf_release(&b);
	return j;
}

json_t *proto_scalar_from_text(const struct aws_shape *s, const char *raw,
			       const char *what, struct diags *d)
{
	struct buf trimmed = BUF_INIT;
	const char *text = raw;
	json_t *v = NULL;
	char *end;
	/* Numbers and timestamps may be pretty-printed with
	 * whitespace around them (Python's int() and botocore accept that);
	 * strings keep theirs, and booleans are "true" exactly, as in botocore. */
	if (s->type != AWS_T_STRING && s->type != AWS_T_BLOB && s->type != AWS_T_BOOLEAN) {
		buf_adds(&trimmed, raw);
		buf_trim(&trimmed);
		text = trimmed.ptr;
	}
	switch (s->type) {
	case AWS_T_STRING:
	case AWS_T_BLOB: /* blobs stay base64 text: berth's answers are JSON */
		v = json_string(text);
		break;
	case AWS_T_BOOLEAN:
		v = json_boolean(!strcmp(text, "true"));
		break;
	case AWS_T_INTEGER:
	case AWS_T_LONG: {
		long long x;
		errno = 0;
		x = strtoll(text, &end, 10);
		if (end != text && !*end && !errno)
			v = json_integer(x);
		break;
	}
	case AWS_T_DOUBLE:
	case AWS_T_FLOAT: {
		double x;
		if (proto_float_special(text)) {
			v = json_string(text);
			break;
		}
		errno = 0;
		x = strtod(text, &end);
		if (end != text && !*end && isfinite(x))
			v = json_real(x);
		break;
	}
	case AWS_T_TIMESTAMP: {
		struct proto_time t;
		if (!proto_time_parse(text, &t))
			v = proto_time_json(&t);
		break;
	}
	default:
		break;
	}
	if (v) {
		buf_release(&trimmed);
		return v;
	}
	diags_add(d, DIAG_ERROR, "%s: \"%.64s\" is not a valid %s", what, text,
		  shape_type_name(s));
	buf_release(&trimmed);
	return NULL;
}
