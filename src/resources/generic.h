/* Resource types as data: a `struct rtype_api` says which calls read,
 * create, change, tag and delete a type, and how the API's members map to
 * CloudFormation's properties; generic.c does the rest. A type that fits
 * needs its description and one RTA_TYPE line (see README.md here); hooks
 * are left for real behaviour (draining, templates, HTTP APIs), which such
 * types keep writing by hand.
 *
 * What the engine needs to know from a type that the schema (schema.h)
 * already says is not repeated here: create-only, read-only, write-only and
 * sensitive properties, defaults, tags' place, identity. */
#ifndef BERTH_RESOURCES_GENERIC_H
#define BERTH_RESOURCES_GENERIC_H

#include <jansson.h>
#include <stdbool.h>

#include "resources/resource.h"

/* How the type's tags travel and how its instances are found. */
enum rta_style {
	/* EC2: TagSpecifications on create, CreateTags/DeleteTags on the id,
	 * the stack's instances found with tag:berth:stack filters, the
	 * find-before-create with tag:berth:id, ARNs built from OwnerId. */
	RTA_EC2,
	/* A service's own TagResource/UntagResource/ListTagsForResource on
	 * the ARN, tags [{Key, Value}] in the create request, the stack's
	 * instances found through the tagging API and then described in
	 * batches; the name the spec gives is the id, and a create that
	 * answers "exists" adopts the instance only when it is this stack's
	 * and address's (the name was taken by a crash or a retry). */
	RTA_SERVICE,
};

/* One property: CloudFormation `cfn` is the API's member `api` of the
 * described item and of the create request. */
enum rta_prop_flags {
	RTA_CREATE = 1 << 0, /* sent by create */
	RTA_READ = 1 << 1,   /* read back from the described item */
	RTA_RECASE = 1 << 2, /* an object whose keys are CloudFormation's with
			      * the first letter lowered (scanOnPush) */
	RTA_ID = 1 << 3,     /* the physical id (the item's id member) */
	RTA_BOOL = 1 << 4,   /* sent as a boolean ("true" from a variable too) */
	RTA_WRAP = 1 << 5,   /* update_op takes it as {"Value": v} (EC2's
			      * Modify*Attribute) */
	RTA_AFTER = 1 << 6,  /* not in the create request: set by update_op
			      * right after the create, when not dflt */
	RTA_NONEMPTY = 1 << 8, /* read back only when a non-empty array (ECS
				* answers [] for none) */
	RTA_CIDR = 1 << 7,   /* an IPv4 CIDR, made canonical before diffing
			      * (10.0.0.5/24 is 10.0.0.0/24), as CloudFormation does */
};
struct rta_prop {
	const char *cfn, *api;
	unsigned flags;
	/* Changed in place by `update_op` {id member: id, api: value}, or,
	 * when NULL and not create-only in the schema, not at all (update
	 * refuses it). */
	const char *update_op;
	/* JSON text of what AWS takes when the spec drops the property (the
	 * value update sends then), or NULL: dropping it is refused. */
	const char *dflt;
};

struct rtype_api {
	const char *type_name, *service;
	enum rta_style style;
	/* The ARN's resource kind, "internet-gateway" (ARN
	 * ...:internet-gateway/ID) or "repository" (...:repository/NAME), and
	 * the character after it (0: '/'; CloudWatch Logs says
	 * ...:log-group:NAME). */
	const char *kind;
	char arn_sep;
	/* Describe: the operation, its member taking a list of ids, the
	 * answer's list and each item's id and ARN members (arn NULL: built,
	 * EC2), at most `batch` ids a call (0: 100). `gone`: the codes that
	 * say an id asked for does not exist. */
	const char *describe_op, *describe_ids, *list, *item_id, *item_arn;
	size_t batch;
	const char *const *gone;
	/* EC2: the request's filter member ("Filters"; NAT gateways say
	 * "Filter") and a filter (JSON text) added to the stack's listing and
	 * the find-before-create, for the states that still exist. */
	const char *filter_key, *live_filter;
	/* The ready status: the item's status member, the value that means
	 * usable, the values that mean it never will be (an error with the
	 * item's failure_message and failure_code), and those that are
	 * history (AWS lists them a while; berth reads them as gone). With
	 * `status`, creates and updates wait for `ready` and deletes for
	 * history or absence, for at most wait_ms, polling at most every 10 s;
	 * `what` names the instance in messages ("NAT gateway"). */
	const char *status, *ready, *failure_message, *failure_code, *what;
	const char *const *failed;
	const char *const *history;
	long wait_ms;
	/* The create request's idempotency token member, or NULL; members
	 * every create request carries (JSON text, {"Domain": "vpc"}), or
	 * NULL. create_item NULL: the id is at the answer's top level. */
	const char *client_token, *create_fixed;
	/* Create: the operation and the member of its answer holding the new
	 * item; `exists`: the codes that say the name is taken (RTA_SERVICE). */
	const char *create_op, *create_item;
	const char *const *exists;
	/* Delete: the operation and its member taking the id. `flag` (may be
	 * NULL) is a boolean of the delete request set from the property
	 * `flag_prop` (ECR's force from EmptyOnDelete): berth keeps its value
	 * on the instance as the tag `flag_tag`, so a destroy without the
	 * spec deletes the same way, and reads it back as the property. */
	const char *delete_op, *delete_id;
	const char *flag, *flag_prop, *flag_tag;
	/* EC2: a delete refused with DependencyViolation names the network
	 * interfaces still in the way, found with this filter ("subnet-id"),
	 * and the engine retries. NULL: the error as AWS gave it. */
	const char *eni_filter;
	/* EC2: delete errors that mean "still in use by something going away
	 * by itself" (an Elastic IP its NAT gateway holds until `deleted`):
	 * reported as DependencyViolation ("WHAT ID is still associated") so
	 * the engine retries. */
	const char *const *busy;
	/* RTA_SERVICE tags: the request members naming the ARN, the tags
	 * ([{Key, Value}], also in create) and the keys to remove. */
	const char *arn_member, *tags_member, *untag_keys;
	/* Writable and read-only properties (a {NULL} ends the list). */
	const struct rta_prop *props;
	/* Optional: what the property map cannot say, read from an item into
	 * props (CloudFormation form). */
	void (*read_more)(json_t *props, json_t *item);
	/* Optional: CloudFormation's own rewriting of a desired value (an
	 * EIP's Domain is "vpc" whatever it says), before diffing. */
	void (*normalise_more)(json_t *desired);
	/* Named types whose spec may leave the name out: the property, its
	 * length limit, and whether AWS wants it lower-case with single
	 * separators (ECR). */
	const char *name_prop;
	size_t name_max;
	bool name_lower;
};

/* The generic implementations; `read_one` is the type's own (for the
 * adopt-after-exists read). */
int rta_owns_arn(const struct rtype_api *a, const char *arn);
int rta_read_all(const struct rtype_api *a, const struct rt_ctx *c, struct live_set *out,
		 struct diags *d);
int rta_read_one(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		 struct live_resource *out, struct diags *d);
int rta_create(const struct rtype_api *a,
	       int (*read_one)(const struct rt_ctx *, const char *, struct live_resource *,
			       struct diags *),
	       const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
	       char **id_out, struct diags *d);
int rta_update(const struct rtype_api *a, const struct rt_ctx *c, const struct live_resource *cur,
	       json_t *desired, const char *const *changed, size_t nchanged, struct diags *d);
int rta_set_tags(const struct rtype_api *a, const struct rt_ctx *c,
		 const struct live_resource *cur, json_t *add, json_t *remove_keys,
		 struct diags *d);
int rta_remove(const struct rtype_api *a, const struct rt_ctx *c, const struct live_resource *cur,
	       struct diags *d);
int rta_check(const struct rtype_api *a, json_t *desired, struct diags *d);
/* The create request's members (RTA_CREATE, not RTA_AFTER) from props in
 * CloudFormation form: a new object. */
json_t *rta_create_params(const struct rtype_api *a, json_t *props);
/* Fills r (zeroed, or props already an object) from a described item, in
 * CloudFormation form, and its tags ({K: V}, stolen, may be NULL). */
void rta_fill(const struct rtype_api *a, const struct rt_ctx *c, struct live_resource *r,
	      json_t *item, json_t *tags);
void rta_normalise(const struct rtype_api *a, const char *stack, const char *address,
		   json_t *desired);
/* Whether any property of `a` has an update operation (or a flag tag). */
bool rta_updatable(const struct rtype_api *a);

/* The rtype callbacks of the description `api`, as static functions named
 * NAME_*; then RTA_CALLBACKS(NAME) fills them into a struct rtype. */
#define RTA_FUNCS(NAME, api)                                                                  \
	static int NAME##_owns_arn(const char *arn) { return rta_owns_arn(&(api), arn); }     \
	static int NAME##_read_all(const struct rt_ctx *c, const struct live_set *parents,    \
				   struct live_set *out, struct diags *d)                     \
	{                                                                                     \
		(void)parents;                                                                \
		return rta_read_all(&(api), c, out, d);                                       \
	}                                                                                     \
	static int NAME##_read_one(const struct rt_ctx *c, const char *id,                    \
				   struct live_resource *out, struct diags *d)                \
	{                                                                                     \
		return rta_read_one(&(api), c, id, out, d);                                   \
	}                                                                                     \
	static int NAME##_create(const struct rt_ctx *c, const char *address, json_t *props,  \
				 json_t *tags, char **id_out, struct diags *d)                \
	{                                                                                     \
		return rta_create(&(api), NAME##_read_one, c, address, props, tags, id_out,   \
				  d);                                                         \
	}                                                                                     \
	static int NAME##_update(const struct rt_ctx *c, const struct live_resource *cur,     \
				 json_t *desired, const char *const *changed, size_t n,       \
				 struct diags *d)                                             \
	{                                                                                     \
		return rta_update(&(api), c, cur, desired, changed, n, d);                    \
	}                                                                                     \
	static int NAME##_set_tags(const struct rt_ctx *c, const struct live_resource *cur,   \
				   json_t *add, json_t *remove_keys, struct diags *d)         \
	{                                                                                     \
		return rta_set_tags(&(api), c, cur, add, remove_keys, d);                     \
	}                                                                                     \
	static int NAME##_remove(const struct rt_ctx *c, const struct live_resource *cur,     \
				 struct diags *d)                                             \
	{                                                                                     \
		return rta_remove(&(api), c, cur, d);                                         \
	}                                                                                     \
	static int NAME##_check(json_t *desired, struct diags *d)                             \
	{                                                                                     \
		return rta_check(&(api), desired, d);                                         \
	}                                                                                     \
	static void NAME##_normalise(const char *stack, const char *address, json_t *desired) \
	{                                                                                     \
		rta_normalise(&(api), stack, address, desired);                               \
	}

int rta_wait_ready(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		   struct diags *d);
int rta_wait_gone(const struct rtype_api *a, const struct rt_ctx *c,
		  const struct live_resource *cur, struct diags *d);
#define RTA_WAIT_FUNCS(NAME, api)                                                          \
	static int NAME##_wait_ready(const struct rt_ctx *c, const char *id, struct diags *d) \
	{                                                                                  \
		return rta_wait_ready(&(api), c, id, d);                                   \
	}                                                                                  \
	static int NAME##_wait_gone(const struct rt_ctx *c, const struct live_resource *cur, \
				    struct diags *d)                                       \
	{                                                                                  \
		return rta_wait_gone(&(api), c, cur, d);                                   \
	}
#define RTA_WAITS(NAME) .wait_ready = NAME##_wait_ready, .wait_gone = NAME##_wait_gone

/* Designated initialisers for a struct rtype; `update` only for types
 * with something to change in place (NULL makes every change replace). */
#define RTA_CALLBACKS(NAME, updatable)                                           \
	.owns_arn = NAME##_owns_arn, .read_all = NAME##_read_all,                \
	.read_one = NAME##_read_one, .create = NAME##_create,                    \
	.update = (updatable) ? NAME##_update : NULL, .set_tags = NAME##_set_tags, \
	.remove = NAME##_remove, .check = NAME##_check, .normalise = NAME##_normalise

/* The generated property maps (props_gen.c, made by tools/gen_rta_props.py
 * from the CloudFormation schemas and botocore's models, with its small
 * table of overrides) and the walk over a description's whole map
 * (generic_props.c): the description's own rta_prop entries first, then the
 * generated entry of every property it does not list. A description lists
 * a property only to say something the generator does not; an entry with
 * no flags drops a generated one. */
struct rta_gen_type {
	const char *type_name, *service;
	/* The operations the map was derived from, and the described item's
	 * id member (the primary identifier's). */
	const char *create_op, *describe_op, *item_id;
	const struct rta_prop *props; /* {0}-terminated */
};

/* Sorted by type_name. */
extern const struct rta_gen_type rta_gen_types[];
extern const size_t rta_gen_ntypes;

/* The generated map of `type_name`, or NULL. */
const struct rta_gen_type *rta_gen_find(const char *type_name);

struct rta_props_iter {
	const struct rtype_api *a;
	const struct rta_prop *own, *gen;
};

void rta_props_begin(struct rta_props_iter *it, const struct rtype_api *a);
/* The next property of the map, or NULL at its end. */
const struct rta_prop *rta_props_next(struct rta_props_iter *it);
/* The property `cfn` of a's map, or NULL. */
const struct rta_prop *rta_prop_find(const struct rtype_api *a, const char *cfn);

#define RTA_FOREACH_PROP(a, it, p) \
	for (rta_props_begin(&(it), (a)); ((p) = rta_props_next(&(it))) != NULL;)

#endif
