/* Private to the protocol layer: what proto.c shares with the one file per
 * protocol (proto_query.c, proto_ec2.c, proto_json.c, proto_restjson.c) and
 * the XML reader (xml.c). */
#ifndef BERTH_AWS_PROTO_INTERNAL_H
#define BERTH_AWS_PROTO_INTERNAL_H

#include <stdint.h>
#include <jansson.h>
#include <libxml/tree.h>

#include "aws/error.h"
#include "aws/http.h"
#include "aws/model.h"
#include "util/buf.h"
#include "util/diag.h"

/* Bounds on what berth accepts from the network: no AWS answer berth reads
 * comes near these, so anything beyond is an attack or a broken proxy. */
#define PROTO_MAX_BODY (64u << 20)
#define PROTO_MAX_DEPTH 64

/* A point in time: seconds since the epoch (UTC) and microseconds. */
struct proto_time {
	int64_t sec;
	int usec;
};

/* The member's name on the wire: locationName, else the model name. */
static inline const char *proto_wire_name(const struct aws_member *m)
{
	return m->location_name ? m->location_name : m->name;
}

/* Percent-encodes s (n bytes) keeping only RFC 3986 unreserved characters
 * (and '/' when keep_slash: greedy URI labels). */
void proto_percent_encode(struct buf *b, const char *s, size_t n, bool keep_slash);
/* Appends a JSON number as Python's str() would (botocore's query
 * serializers do str(value)): integers plain, reals shortest round-trip with
 * ".0" when integral. */
void proto_add_number(struct buf *b, const json_t *v);
void proto_base64(struct buf *b, const void *data, size_t len);
/* "NaN", "Infinity" or "-Infinity": how a float or double that is not a
 * finite number travels (as a string in params and in berth's answers). */
bool proto_float_special(const char *s);

/* Parameter timestamps: ISO-8601 strings (with Z or an offset) or epoch
 * seconds (numbers). Returns 0 or BERTH_EINVAL. */
int proto_time_from_json(const json_t *v, struct proto_time *t);
/* Answer timestamps: ISO-8601, epoch seconds (possibly fractional) or
 * RFC 822 text. Returns 0 or BERTH_EINVAL. */
int proto_time_parse(const char *s, struct proto_time *t);
/* Appends t in a wire format: "iso8601" (botocore's: fraction only when
 * non-zero, 6 digits), "unixTimestamp" (integer seconds), "rfc822". */
void proto_time_format(struct buf *b, const struct proto_time *t, const char *format);
/* t as berth's answers carry timestamps: "2024-01-02T03:04:05Z", with the
 * fraction (trailing zeros dropped) only when non-zero. New reference. */
json_t *proto_time_json(const struct proto_time *t);

/* Parses text as a scalar of shape s for an answer (XML text, headers):
 * NULL with a diagnostic when it does not fit. New reference. */
json_t *proto_scalar_from_text(const struct aws_shape *s, const char *text,
			       const char *what, struct diags *d);

/* Whether body could be a successful answer of op at all: well-formed JSON
 * (JSON protocols), or well-formed XML whose root is <OpResponse> (query,
 * EC2). One that is not is no AWS answer (a proxy's or captive portal's
 * page), whatever its Content-Type said. */
bool proto_body_is_aws(const struct aws_service *svc, const struct aws_op *op,
		       const struct buf *body);
/* Appends the first max bytes of s (n bytes) quoted, with quotes,
 * backslashes, control and non-ASCII bytes escaped (\n, \xNN), and "..."
 * when cut: a server's bytes, safe to show on a terminal. */
void proto_escape_prefix(struct buf *b, const char *s, size_t n, size_t max);

/* The request id AWS sent in a header, or NULL. */
const char *proto_request_id_header(const struct aws_http_response *resp);

/* A member bound to every header starting with `prefix` (S3's
 * x-amz-meta-*): a new object of the rest of each name to its value. */
json_t *proto_prefixed_headers(const struct aws_http_response *resp, const char *prefix);

/* ---- XML (xml.c) ---- */

/* Reads body into a tree, refusing DTDs, entities, network access, more than
 * PROTO_MAX_BODY bytes and deeper nesting than libxml2's default limit. On
 * success *out is the document (xmlFreeDoc it). */
int xml_read(const struct buf *body, xmlDoc **out, struct diags *d);
/* Initialises libxml2 once, quietly (see xml.c); every parse goes after it. */
void xml_init_once(void);
/* The first child element named name (local name, namespaces ignored). */
xmlNode *xml_child(xmlNode *parent, const char *name);
/* The element's text (the caller xmlFree()s it); never NULL. */
char *xml_text(xmlNode *n);
/* Parses the element `node` as shape s: structures become objects keyed by
 * model names, lists arrays (also with one element), maps objects, scalars
 * typed values. New reference in *out, or an error with a diagnostic. */
int xml_parse_shape(const struct aws_shape *s, xmlNode *node, json_t **out,
		    struct diags *d);
/* Fills err from an XML error body: the first <Code>, <Message> and
 * <RequestId>/<RequestID> found under the root (query's ErrorResponse/Error,
 * EC2's Response/Errors/Error). */
void xml_parse_error(const struct aws_http_response *resp, struct aws_error *err);

/* ---- Protocols ---- */

/* Form encoding shared by query and EC2 (proto_query.c): one key=value pair,
 * and a scalar of shape s as botocore writes it (booleans true/false,
 * timestamps ISO-8601, blobs base64, numbers as Python's str()). */
void proto_form_add(struct buf *body, const char *key, const char *val, size_t vlen);
void proto_form_scalar(struct buf *body, const struct aws_shape *s, json_t *v,
		       const char *key);
int proto_query_build(const struct aws_service *svc, const struct aws_op *op,
		      json_t *params, struct aws_http_request *req, struct diags *d);
int proto_query_parse(const struct aws_service *svc, const struct aws_op *op,
		      const struct aws_http_response *resp, json_t **out, struct diags *d);
int proto_ec2_build(const struct aws_service *svc, const struct aws_op *op,
		    json_t *params, struct aws_http_request *req, struct diags *d);
int proto_ec2_parse(const struct aws_service *svc, const struct aws_op *op,
		    const struct aws_http_response *resp, json_t **out, struct diags *d);
int proto_json_build(const struct aws_service *svc, const struct aws_op *op,
		     json_t *params, struct aws_http_request *req, struct diags *d);
int proto_json_parse(const struct aws_service *svc, const struct aws_op *op,
		     const struct aws_http_response *resp, json_t **out, struct diags *d);
void proto_json_parse_error(const struct aws_http_response *resp, struct aws_error *err,
			    bool rest);
int proto_restjson_build(const struct aws_service *svc, const struct aws_op *op,
			 json_t *params, struct aws_http_request *req, struct diags *d);
int proto_restjson_parse(const struct aws_service *svc, const struct aws_op *op,
			 const struct aws_http_response *resp, json_t **out, struct diags *d);
int proto_restxml_build(const struct aws_service *svc, const struct aws_op *op,
			json_t *params, struct aws_http_request *req, struct diags *d);
int proto_restxml_parse(const struct aws_service *svc, const struct aws_op *op,
			const struct aws_http_response *resp, json_t **out, struct diags *d);
void proto_restxml_parse_error(const struct aws_http_response *resp, struct aws_error *err);

/* Shared by JSON and REST-JSON (proto_json.c): params of shape s to their
 * wire JSON (wire names, timestamps as epoch seconds, blobs base64), and an
 * answer's JSON back to boto3 style. New references. */
json_t *proto_json_to_wire(const struct aws_shape *s, json_t *v);
int proto_json_from_wire(const struct aws_shape *s, json_t *v, int depth, json_t **out,
			 struct diags *d);
/* Appends v as botocore's json.dumps writes it: ", " and ": " separators,
 * keys in insertion order, non-ASCII as \uXXXX, reals as Python's repr. */
void proto_json_dump(struct buf *b, const json_t *v);
/* Parses a JSON body, bounded in size and depth. */
int proto_json_read(const struct buf *body, json_t **out, struct diags *d);

#endif
