/* Shapes of AWS operations as botocore's models describe them, generated into
 * models_gen.c by tools/gen_aws_models.py. Private to the protocol layer
 * (proto_*.c, xml.c): resource code talks in boto3-style JSON and never sees
 * these. All of it is static, read-only data. */
#ifndef BERTH_AWS_MODEL_H
#define BERTH_AWS_MODEL_H

#include <stddef.h>

#include "aws/service.h"

enum aws_shape_type {
	AWS_T_STRUCTURE,
	AWS_T_LIST,
	AWS_T_MAP,
	AWS_T_STRING,
	AWS_T_INTEGER,
	AWS_T_LONG,
	AWS_T_DOUBLE,
	AWS_T_FLOAT,
	AWS_T_BOOLEAN,
	AWS_T_TIMESTAMP,
	AWS_T_BLOB
};

/* Where a member travels (rest-json); everything else is in the body. */
enum aws_location {
	AWS_LOC_BODY,
	AWS_LOC_URI,         /* {label} or {label+} (greedy) in requestUri */
	AWS_LOC_QUERYSTRING,
	AWS_LOC_HEADER,
	AWS_LOC_HEADERS,     /* a map sent as prefixed headers */
	AWS_LOC_STATUS       /* the HTTP status code of the answer */
};

/* Member flags. */
#define AWS_M_REQUIRED 0x01
#define AWS_M_IDEMPOTENCY 0x02 /* filled with a random UUID when not given */
#define AWS_M_JSONVALUE 0x04   /* a JSON document carried in a string */
#define AWS_M_FLATTENED 0x08   /* XML list/map without a wrapper element */
#define AWS_M_XMLATTR 0x10
#define AWS_M_HOSTLABEL 0x20
#define AWS_M_PAYLOAD 0x40     /* the structure's payload: the whole HTTP body
				* (rest protocols; a blob or string is sent raw) */

/* Shape flags. */
#define AWS_S_FLATTENED 0x01
#define AWS_S_UNION 0x02
#define AWS_S_DOCUMENT 0x04
#define AWS_S_SENSITIVE 0x08

struct aws_shape;

/* A structure member, a list's member, or a map's key/value: a reference to a
 * shape plus how it is named and placed on the wire. */
struct aws_member {
	const char *name;          /* model name: the key in boto3-style params */
	const char *location_name; /* locationName (wire name), NULL: use name */
	const char *query_name;    /* EC2 queryName, NULL when absent */
	const struct aws_shape *shape;
	int location;              /* enum aws_location */
	unsigned flags;            /* AWS_M_* */
	const char *timestamp_format; /* member's timestampFormat, or NULL */
	const char *xml_namespace;    /* xmlNamespace uri, or NULL */
};

struct aws_shape {
	const char *name;
	int type;                  /* enum aws_shape_type */
	unsigned flags;            /* AWS_S_* */
	const char *timestamp_format; /* "iso8601", "unixTimestamp", "rfc822" or NULL */
	const char *location_name; /* shape-level locationName (rare), or NULL */
	/* Structure: its members in model order. List: members[0] is the element.
	 * Map: members[0] the key, members[1] the value. */
	const struct aws_member *members;
	size_t nmembers;
	const char *const *enums;  /* documentation only: AWS adds values, so berth
				      does not reject unknown ones */
	size_t nenums;
};

struct aws_op {
	const char *name;
	const char *http_method;     /* "POST" for query/json */
	const char *request_uri;     /* "/workspaces/{workspaceId}" (rest-json) */
	int response_code;           /* the documented success code (200, 202) */
	const struct aws_shape *input;  /* NULL: takes no parameters */
	const struct aws_shape *output; /* NULL: answers nothing */
	const char *result_wrapper;  /* query: <OpResult> element, or NULL */
	const char *host_prefix;     /* endpoint.hostPrefix ("data-"), or NULL */
};

/* The generated service table, sorted by name. */
extern const struct aws_service aws_services[];
extern const size_t aws_nservices;

/* A structure's member by model name; NULL when absent. */
const struct aws_member *aws_shape_member(const struct aws_shape *s, const char *name);

#endif
