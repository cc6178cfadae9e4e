/* Resource type schemas: the facts about each type berth can manage, derived
 * from AWS's public CloudFormation registry schemas (tools/cfn-schemas/, vendored) by
 * tools/gen_schema.py into types_gen.c, plus hand-written ones for berth's own
 * types (Berth::Grafana::*). Generic code (validation, diff, redaction,
 * reference checks, the JSON Schema for editors) is driven by these tables;
 * type files under resources/ hold only what is specific to an API. */
#ifndef BERTH_SCHEMA_H
#define BERTH_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

enum schema_kind {
	SK_ANY,     /* no declared type: any JSON value */
	SK_STRING,
	SK_INTEGER,
	SK_NUMBER,
	SK_BOOLEAN,
	SK_ARRAY,   /* items in `items` */
	SK_OBJECT,  /* declared members in `props` */
	SK_MAP,     /* object with free keys, values in `items` */
	SK_JSON     /* a JSON document given as a value or a string (policies) */
};

enum schema_prop_flags {
	SP_REQUIRED = 1 << 0,
	SP_CREATE_ONLY = 1 << 1,      /* changing it replaces the resource */
	SP_READ_ONLY = 1 << 2,        /* an attribute: referenceable, never set */
	SP_WRITE_ONLY = 1 << 3,       /* never read back (don't diff against live) */
	SP_SENSITIVE = 1 << 4,        /* masked in output, plans and state */
	SP_COND_CREATE_ONLY = 1 << 5, /* may force replacement (conditionalCreateOnly) */
	SP_COMPUTED = 1 << 6          /* AWS chooses it when the spec leaves it out */
};

struct schema_prop;

struct schema_shape {
	enum schema_kind kind;
	const struct schema_prop *props;   /* SK_OBJECT: sorted by name */
	size_t nprops;
	const struct schema_shape *items;  /* SK_ARRAY, SK_MAP */
	bool unordered;                    /* SK_ARRAY with insertionOrder false: a set */
	const char *const *enum_values;    /* NULL when free */
	size_t nenum;
	bool has_min, has_max;             /* numbers: minimum/maximum; strings/arrays: length */
	double min, max;
};

struct schema_prop {
	const char *name;
	unsigned flags;                  /* enum schema_prop_flags */
	const struct schema_shape *shape;
	const char *default_json;        /* the schema's default as JSON text, or NULL */
	const char *description;         /* first sentence, or NULL */
};

struct schema_resource {
	const char *type_name;            /* "AWS::ECS::Cluster" */
	const struct schema_shape *shape; /* SK_OBJECT: every property incl. read-only */
	const char *const *primary_id;    /* property names of the primary identifier */
	size_t nprimary;
	bool taggable;
	const char *tags_property;        /* "Tags" or NULL */
	bool tags_as_map;                 /* Tags is {K: V} rather than [{Key, Value}] */
	const char *description;
};

/* Lookup by exact type name; NULL when unknown. */
const struct schema_resource *schema_find(const char *type_name);

/* Bounds AWS's API enforces on property `path` ("EvaluationPeriods") of
 * `type` that the CloudFormation schema does not state (bounds.c): numbers
 * by value, strings by length. True with *min and *max set when there are. */
bool schema_api_bounds(const char *type, const char *path, double *min, double *max);

/* Whether berth refuses `value` for top-level property `prop` of `type`:
 * the schema allows it, but the type file does not set it yet (support.c).
 * Null counts as not set; a property berth sets only to its default
 * (BearerTokenAuthenticationEnabled: false) refuses every other value,
 * unknown ones included. *hint: what to do instead, or NULL. validate
 * reports these at the property, so apply never meets them. */
bool schema_unsupported(const char *type, const char *prop, json_t *value, const char **hint);
/* How berth takes top-level property `prop` of `type`, for the reference
 * (`berth types`, `berth schema`); schema_unsupported decides on a value.
 * SCHEMA_ONLY: berth sets only *allowed (JSON text), AWS's default;
 * SCHEMA_REFUSED: no value at all. *hint as for schema_unsupported. */
enum schema_support { SCHEMA_TAKEN, SCHEMA_ONLY, SCHEMA_REFUSED };
enum schema_support schema_support(const char *type, const char *prop, const char **allowed,
				   const char **hint);
/* Whether the required property `prop` of `type` is one berth fills when the
 * spec leaves it out (a deterministic StackName): not missing. */
bool schema_defaulted(const char *type, const char *prop);
/* The i-th row of the table of refused properties (its type in *type), or
 * NULL past the end: for the tests that check the table against the
 * schemas. */
const char *schema_unsupported_prop(size_t i, const char **type);

/* Where neither the schema nor schema_api_bounds gives a range, an integer
 * property is an AWS Integer: 32 bits. */
#define SCHEMA_INT_MIN (-2147483648.0)
#define SCHEMA_INT_MAX 2147483647.0
/* The nearest known type name for a misspelled one, or NULL. */
const char *schema_suggest(const char *type_name);
/* Every known type, sorted by name. */
const struct schema_resource *const *schema_all(size_t *n);
/* A member of an SK_OBJECT shape; NULL when absent. */
const struct schema_prop *schema_shape_prop(const struct schema_shape *shape, const char *name);
/* The nearest member name for a misspelled one, or NULL. */
const char *schema_shape_suggest(const struct schema_shape *shape, const char *name);
/* The property that names an instance, when the type's primary identifier
 * is one property a spec sets (LogGroupName, RoleName, AlarmName) and the
 * type carries tags: an existing instance can then be found by the name
 * before creating, so plan sees a clash and `adopt: true` can take one in.
 * NULL for types whose identifier AWS assigns (a VPC's id, a topic's ARN). */
const char *schema_name_property(const struct schema_resource *type);
/* schema_name_property, or for a type whose id is not the name but whose
 * name the spec gives and AWS keeps unique (AWS::SNS::Topic's TopicName,
 * whose ARN the rtype's name_id derives; a target group's, load balancer's
 * or stack's Name/StackName, which its rtype looks up), that name's
 * property: the types plan checks for a taken name and `adopt: true` may
 * take in. */
const char *schema_given_name(const struct schema_resource *type);

/* The spec format as a JSON Schema (draft-07) for editors: top-level
 * sections, and each resource type's writable properties chosen by `type`.
 * A new reference; `berth schema` prints it. */
json_t *schema_json_schema(void);

/* "a string", "an integer", ...: a kind's name for messages. */
const char *schema_kind_name(enum schema_kind kind);

#endif
