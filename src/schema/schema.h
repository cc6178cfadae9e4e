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
	SP_COND_CREATE_ONLY = 1 << 5  /* may force replacement (conditionalCreateOnly) */
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

/* ---- checking values against shapes ----
 *
 * The spec loader knows where each value came from; this checker knows what
 * it should be. So the checker reports each problem through a callback with
 * the offending jansson value (a borrowed pointer into the caller's tree,
 * which the caller maps to file/line/column) and leaves rendering to it.
 *
 * Values that are not known yet are not type-checked: a value is unknown when
 * ops->is_unknown says so, or (always) when it is a string containing "${",
 * i.e. an expression or a reference the spec layer has not evaluated. An
 * unknown value passes for any kind; inside a known object or array the other
 * members are still checked. Scalars are also accepted for string kinds (YAML
 * `Value: 8080` for a string property), as CloudFormation does; the engine
 * sends them as strings. */
struct schema_check_ops {
	/* One problem. `value` is the offending value; for a missing required
	 * property it is the object that lacks it; for an unknown property, its
	 * value. `path` is where it is below the checked root
	 * ("ContainerDefinitions[0].PortMappings[1].ContainerPort"; "" for the
	 * root itself). `message` is one line without a trailing period, e.g.
	 *   unknown property 'Namespcae'; did you mean 'Namespace'?
	 *   'Threshold': expected a number, got a string
	 *   'Stat' must be one of: Average, Sum, ...
	 *   missing required property 'TaskDefinition'
	 *   'Arn' is read-only (an attribute AWS sets; reference it as ${ID.Arn})
	 * All three pointers are valid only during the call. */
	void (*report)(void *ctx, json_t *value, const char *path, const char *message);
	/* Optional: true when `value` stands for something not known until plan
	 * or apply (the caller's marker for an unevaluated expression). */
	bool (*is_unknown)(void *ctx, json_t *value);
	void *ctx;
};

/* Checks `value` against `shape` (members, kinds, enums, ranges, lengths,
 * required members, read-only members given a value). `name` is what the
 * value is called in messages (the property name, or NULL for the root);
 * `path` prefixes the reported paths (NULL or "" for none). Returns the
 * number of problems reported (0 when the value fits). */
size_t schema_check_value(const struct schema_shape *shape, json_t *value, const char *name,
			  const char *path, const struct schema_check_ops *ops);

/* Checks a resource's `properties` object against its type (the same as
 * schema_check_value on the type's shape); NULL properties count as {} so
 * missing required properties are still reported (their `value` is then a
 * temporary empty object that the caller will not find in its tree: place
 * those messages at the resource). */
size_t schema_check_properties(const struct schema_resource *type, json_t *properties,
			       const struct schema_check_ops *ops);

/* The spec format as a JSON Schema (draft-07) for editors: top-level
 * sections, and each resource type's writable properties chosen by `type`.
 * A new reference; `berth schema` prints it. */
json_t *schema_json_schema(void);

/* "a string", "an integer", ...: a kind's name for messages. */
const char *schema_kind_name(enum schema_kind kind);

#endif
