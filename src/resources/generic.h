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
				* answers [] for none) or string */
	RTA_CIDR = 1 << 7,   /* an IPv4 CIDR, made canonical before diffing
			      * (10.0.0.5/24 is 10.0.0.0/24), as CloudFormation does */
	RTA_CLEAR = 1 << 12, /* `dflt` is not a value but the operation that
			      * removes the setting when the spec drops the
			      * property, taking only the id (CloudWatch Logs'
			      * DeleteRetentionPolicy, DisassociateKmsKey) */
	RTA_INT = 1 << 13,   /* sent as an integer (5 or "5"): by a put
			      * (generic_put.h), a get-read type's requests
			      * (generic_get.c) and an ARN-identified one's
			      * (generic_arn.c) */
	RTA_NUMBER = 1 << 14, /* put as a number (0.5 or "0.5") */
	RTA_ALWAYS = 1 << 15, /* put even when the spec leaves it out, as dflt;
			       * also in rta_create_params, where RTA_NONEMPTY
			       * makes an empty one left out too */
	/* iamsd, generic_get.c only: */
	RTA_PATH = 1 << 16,  /* cfn and api are dotted paths into nested objects */
	RTA_DOC = 1 << 18,   /* an IAM policy document: read as JSON (IAM answers
			      * it URL-encoded), given as a map or JSON text,
			      * sent as compact JSON text */
	RTA_HOOK = 1 << 19,  /* the API value is the type's api_value's */
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
	/* The ready status: the item's status member (a dotted path,
	 * "State.Code", as failure_message's and failure_code's), the value
	 * that means usable, the values that mean it never will be (an error
	 * with the item's failure_message and failure_code), and those that are
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
	/* Update and clear operations whose request names the instance by
	 * another member than item_id, as pairs operation, member, ...
	 * (NULL-terminated): CloudWatch Logs' PutLogGroupDeletionProtection
	 * takes logGroupIdentifier. */
	const char *const *update_ids;
	/* Settings kept as an attribute map (SNS), generic_attrs.h; NULL:
	 * none. */
	const struct rta_attrs *attrs;
	/* Members every describe request carries after the ids (JSON text,
	 * {"AlarmTypes": ["MetricAlarm"]}), or NULL. */
	const char *describe_fixed;
	/* delete_id takes a list of ids (CloudWatch's DeleteAlarms). */
	bool delete_list;
	/* create_op overwrites an instance of the same name and is the update
	 * too (PutMetricAlarm): rta_create and rta_update put (generic_put.h). */
	bool create_puts;
	/* RTA_SERVICE tags: UntagResource before TagResource (CloudWatch's
	 * order). */
	bool untag_first;
	/* Update operations that take every property they set in one request
	 * (ECS's PutClusterCapacityProviders: the providers and the default
	 * strategy together), NULL-terminated: called once, after the other
	 * changes, with each of their properties as desired or, absent, its
	 * dflt (generic_whole.c). */
	const char *const *update_whole;
	/* iamsd (generic_get.c): types read one instance a call. The get
	 * operation, its member taking the id and the answer's member holding
	 * the item (GetNamespace, "Id", "Namespace"); with `get_arn_id` the
	 * physical id is the ARN and the get takes its part after KIND/ (AMP). */
	const char *get_op, *get_id, *get_item;
	bool get_arn_id;
	/* The ARN's service and the tagging API's filter when not `service`
	 * and SERVICE:KIND (AMP's botocore name is "amp", its ARNs say "aps"). */
	const char *arn_service, *tag_filter;
	/* ListTagsForResource's codes for a gone ARN (NULL: `gone`); or
	 * `item_tags`, the got item's member holding its tags (no call). */
	const char *const *tags_gone;
	const char *item_tags;
	/* Refresh with one paged listing of the account's instances (AMP's
	 * ListWorkspaces, its answer's list) kept when tagged as the stack's,
	 * instead of a get per tagged ARN. */
	const char *list_op, *list_key;
	/* Asynchronous changes answered with an operation to poll (Cloud
	 * Map): the operation's description and the target kind naming the
	 * new instance ("NAMESPACE"). */
	const struct rta_operation *operation;
	const char *op_target;
	/* One update call for every changed property (each names it as its
	 * update_op): the operation, the member holding the changes (NULL: the
	 * top level) and a request-id member made unique per attempt (or
	 * NULL). */
	const char *update_op, *update_in, *update_token;
	/* A delete refused with code `in_use` gets the detail in_use_detail. */
	const char *in_use, *in_use_detail;
	/* Optional: the API value of property `cfn` from props (CloudFormation
	 * form) for a create or an update, when the map cannot say it (a new
	 * reference), or NULL for the generic one. */
	json_t *(*api_value)(const char *cfn, json_t *props, bool update);
	/* Optional: what the property map cannot say, from the got item into
	 * r (attributes derived, a note). */
	void (*fill_more)(struct live_resource *r, json_t *item);
	/* Waits: the longest interval between polls (0: 10 s; generic.c's and
	 * generic_get.c's waits alike), the progress text (c->waiting), and
	 * whether update_op waits for `ready` first. */
	long wait_interval_ms;
	const char *waiting;
	bool update_waits;
	/* iamsd (generic_op.c): what the delete removes first, in order (IAM
	 * refuses to delete a role with policies or instance profiles), or
	 * NULL. */
	const struct rta_dependent *dependents;
	/* Optional (generic_get.c): the detail of a wait that a `failed`
	 * status ended, from the got item, when AWS gives no reason (AMP's
	 * WorkspaceStatus has its code only). */
	void (*failed_detail)(struct diag *dg, const char *status, json_t *item);

	/* elbec2 (generic_arn.c): the ARN is the id, the name is unique. */
	/* arn_service (above) is also ELBv2's: its ARNs say
	 * "elasticloadbalancing". */
	/* Tags through calls taking a list of ARNs (ELBv2's AddTags,
	 * RemoveTags, DescribeTags: `arn_member` is [ARN]); the describe's
	 * answer lists {ResourceArn, Tags} under `tags_list`. */
	const char *add_tags_op, *remove_tags_op, *describe_tags_op, *tags_list;
	/* Names unique in the account though AWS picks the id: the describe's
	 * member taking names ("Names") and the item's name member. A create
	 * looks the name up first and takes what it finds only when its tags
	 * say it is this stack's address (`what` names it then); plan's
	 * read_named finds the names taken outside the stack. */
	const char *describe_names, *item_name;
	/* Default names with every character but letters and digits made '-',
	 * none at the end (ELB's rule). */
	bool name_dash;
	/* What to do about an AWS error: a detail added to the diagnostic of
	 * a failed create or delete with that code (NULL code ends the list). */
	const struct rta_hint *hints;
	/* RTA_GROUP properties the spec leaves out are sent as this value
	 * (new reference, or NULL: left out) when it depends on other
	 * properties (a target group's health check on its protocol): desired,
	 * then live, props. NULL: `dflt`. */
	json_t *(*dflt_of)(json_t *desired, json_t *live, const char *cfn);
	/* Types listed per parent instance (parent_type): the describe's
	 * member taking the parent's id, which each item also names
	 * (DescribeListeners' LoadBalancerArn). */
	const char *parent_member;
	/* EC2: the listed items hold the instances in this member
	 * (DescribeInstances' Reservations[].Instances), each taking the
	 * item's OwnerId. */
	const char *sublist;
	/* delete_list (above) is also EC2's TerminateInstances. */
	/* Optional: create request members the property map cannot say
	 * (nested ones: Placement {AvailabilityZone}), added to params. */
	void (*create_more)(json_t *params, json_t *props);
	/* EC2, optional: what the create does next on the new (or adopted)
	 * instance `id` (a VPC's DNS settings, a security group's rules). Its
	 * error fails the create; the instance stays, tagged, and the next
	 * apply finds it again. */
	int (*after_create)(const struct rt_ctx *c, const char *id, json_t *props,
			    struct diags *d);
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
/* Whether rta_update changes `prop` in place (rtype.updates): a put
 * changes everything, the flag property is a tag, any other property
 * needs its update_op. */
bool rta_updates(const struct rtype_api *a, const char *prop);

/* The rtype callbacks of the description `api`, as static functions named
 * NAME_*; then RTA_CALLBACKS(NAME) fills them into a struct rtype.
 * A type with callbacks of its own leaves some unused. */
#define RTA_FUNCS(NAME, api)                                                                  \
	BERTH_UNUSED                                                                          \
	static int NAME##_owns_arn(const char *arn) { return rta_owns_arn(&(api), arn); }     \
	BERTH_UNUSED                                                                          \
	static int NAME##_read_all(const struct rt_ctx *c, const struct live_set *parents,    \
				   struct live_set *out, struct diags *d)                     \
	{                                                                                     \
		(void)parents;                                                                \
		return rta_read_all(&(api), c, out, d);                                       \
	}                                                                                     \
	BERTH_UNUSED                                                                          \
	static int NAME##_read_one(const struct rt_ctx *c, const char *id,                    \
				   struct live_resource *out, struct diags *d)                \
	{                                                                                     \
		return rta_read_one(&(api), c, id, out, d);                                   \
	}                                                                                     \
	BERTH_UNUSED                                                                          \
	static int NAME##_create(const struct rt_ctx *c, const char *address, json_t *props,  \
				 json_t *tags, char **id_out, struct diags *d)                \
	{                                                                                     \
		return rta_create(&(api), NAME##_read_one, c, address, props, tags, id_out,   \
				  d);                                                         \
	}                                                                                     \
	BERTH_UNUSED                                                                          \
	static int NAME##_update(const struct rt_ctx *c, const struct live_resource *cur,     \
				 json_t *desired, const char *const *changed, size_t n,       \
				 struct diags *d)                                             \
	{                                                                                     \
		return rta_update(&(api), c, cur, desired, changed, n, d);                    \
	}                                                                                     \
	BERTH_UNUSED                                                                          \
	static bool NAME##_updates(const char *prop) { return rta_updates(&(api), prop); }    \
	BERTH_UNUSED                                                                          \
	static int NAME##_set_tags(const struct rt_ctx *c, const struct live_resource *cur,   \
				   json_t *add, json_t *remove_keys, struct diags *d)         \
	{                                                                                     \
		return rta_set_tags(&(api), c, cur, add, remove_keys, d);                     \
	}                                                                                     \
	BERTH_UNUSED                                                                          \
	static int NAME##_remove(const struct rt_ctx *c, const struct live_resource *cur,     \
				 struct diags *d)                                             \
	{                                                                                     \
		return rta_remove(&(api), c, cur, d);                                         \
	}                                                                                     \
	BERTH_UNUSED                                                                          \
	static int NAME##_check(json_t *desired, struct diags *d)                             \
	{                                                                                     \
		return rta_check(&(api), desired, d);                                         \
	}                                                                                     \
	BERTH_UNUSED                                                                          \
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
	.remove = NAME##_remove, .check = NAME##_check, .normalise = NAME##_normalise, \
	.updates = (updatable) ? NAME##_updates : NULL

/* The RTA_AFTER properties of props not at their dflt, set with their
 * update_op on the instance `id` just made: for a type whose own create
 * calls it (CloudWatch Logs' retention). */
int rta_set_after(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		  json_t *props, struct diags *d);

/* Put style (generic_put.c, create_puts). Create: read_one on the name
 * first; someone else's instance is a conflict, this resource's (a retry
 * after a crash) is put again; then the put with the tags. Update: the put
 * with the whole desired definition (no tags). */
int rta_put_create(const struct rtype_api *a,
		   int (*read_one)(const struct rt_ctx *, const char *, struct live_resource *,
				   struct diags *),
		   const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		   char **id_out, struct diags *d);
int rta_put_update(const struct rtype_api *a, const struct rt_ctx *c,
		   const struct live_resource *cur, json_t *desired, struct diags *d);

/* The member naming the instance in operation `op`'s request: its pair in
 * update_ids, or item_id. */
const char *rta_id_member(const struct rtype_api *a, const char *op);
/* A property's value as the API takes it (RTA_RECASE, RTA_BOOL), a new
 * reference. */
json_t *rta_to_api(const struct rta_prop *p, json_t *v);
/* Whether `op` is one of a->update_whole. */
bool rta_is_whole(const struct rtype_api *a, const char *op);
/* The update_whole operations of the properties in `changed`, each once,
 * in the order of a->update_whole. */
int rta_update_whole(const struct rtype_api *a, const struct rt_ctx *c,
		     const struct live_resource *cur, json_t *desired, const char *const *changed,
		     size_t nchanged, struct diags *d);
/* ---- iamsd: types read one instance a call (generic_get.c) ---- */

/* An asynchronous change answered with an operation id that a second call
 * reports on (Cloud Map's OperationId and GetOperation): polled until
 * `success` (an error with the operation's code and message on `fail`). */
struct rta_operation {
	const char *service, *what;   /* "servicediscovery", "Cloud Map operation" */
	const char *id_member;        /* "OperationId": in the answer and the poll */
	const char *get_op, *item;    /* "GetOperation", "Operation" (NULL: the answer) */
	const char *const *lag;       /* codes while the operation is not visible */
	/* The item's status and its values; on `fail` the diagnostic "WHAT
	 * ID failed" (or `fail_summary`) with the detail "CODE: MESSAGE" from
	 * the members (dotted paths) error_code and error_message, or
	 * fail_detail when it has neither. */
	const char *status, *success, *fail, *error_code, *error_message;
	const char *fail_summary, *fail_detail;
	const char *targets;          /* the item's map of target kind to id */
	/* What the wait says it waits for (NULL: "the WHAT to succeed"). */
	const char *waiting_for;
	long wait_ms, interval_ms;
};
/* Polls the operation `op_id`; *target (may be NULL) gets its `kind`
 * target's id, a new string or NULL. */
int rta_op_wait(const struct rta_operation *o, const struct rt_ctx *c, const char *op_id,
		const char *kind, char **target, struct diags *d);
/* When a->operation: waits for the operation the answer `res` names (none
 * named: done). */
int rtg_op_answer(const struct rtype_api *a, const struct rt_ctx *c, json_t *res, char **target,
		  struct diags *d);

/* obj's member at the dotted `path` ("status.statusCode"; borrowed), or
 * NULL. */
json_t *rta_path_get(json_t *obj, const char *path);
/* Cloud Map's operations (servicediscovery GetOperation) and IAM's
 * deletion of a service-linked role (GetServiceLinkedRoleDeletionStatus). */
extern const struct rta_operation rtg_cloud_map_operation, rtg_iam_slr_deletion;

int rtg_owns_arn(const struct rtype_api *a, const char *arn);
/* rta_normalise, and RTA_DOC documents given as text made values, so that
 * plans show them as data and a string and a map of one document are one
 * value. */
void rtg_normalise(const struct rtype_api *a, const char *stack, const char *address,
		   json_t *desired);
/* The got item of id (*item, a new reference) or BERTH_ENOTFOUND. */
int rtg_get(const struct rtype_api *a, const struct rt_ctx *c, const char *id, json_t **item,
	    struct diags *d);
void rtg_fill(const struct rtype_api *a, const struct rt_ctx *c, struct live_resource *r,
	      json_t *item, json_t *tags);
int rtg_read_all(const struct rtype_api *a, const struct rt_ctx *c, struct live_set *out,
		 struct diags *d);
int rtg_read_one(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		 struct live_resource *out, struct diags *d);
/* The create request's members from props (RTA_CREATE, paths, api_value). */
json_t *rtg_create_params(const struct rtype_api *a, json_t *props);
/* Create with the find-by-tag before it (an earlier attempt's instance,
 * unless history), tags as a map in `tags_member`, the id at the answer's
 * `item_id` (or in create_item). */
int rtg_create(const struct rtype_api *a, const struct rt_ctx *c, const char *address,
	       json_t *props, json_t *tags, char **id_out, struct diags *d);
/* A request id unique per attempt, STACK-ADDRESS-TIME (Cloud Map answers
 * a repeated one with the first operation, even after its namespace was
 * deleted). New string. */
char *rtg_request_id(const char *stack, const char *address);
int rtg_update(const struct rtype_api *a, const struct rt_ctx *c, const struct live_resource *cur,
	       json_t *desired, const char *const *changed, size_t nchanged, struct diags *d);
/* Whether rtg_update changes `prop` in place: it has an update_op. */
bool rtg_updates(const struct rtype_api *a, const char *prop);
int rtg_remove(const struct rtype_api *a, const struct rt_ctx *c, const struct live_resource *cur,
	       struct diags *d);
/* Waits for `status` to be `ready` with the get: not found before it was
 * seen is AWS's lag, after that it is gone; `failed` ends the wait. */
int rtg_wait_ready(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		   struct diags *d);

/* The callbacks NAME_owns_arn, _read_all, _read_one, _update, _remove,
 * _check, _normalise of a get-read description; the type adds its create
 * (rtg_create or its own) and, with a status, RTG_WAIT_FUNCS. */
#define RTG_FUNCS(NAME, api)                                                                  \
	static int NAME##_owns_arn(const char *arn) { return rtg_owns_arn(&(api), arn); }     \
	static int NAME##_read_all(const struct rt_ctx *c, const struct live_set *parents,    \
				   struct live_set *out, struct diags *d)                     \
	{                                                                                     \
		(void)parents;                                                                \
		return rtg_read_all(&(api), c, out, d);                                       \
	}                                                                                     \
	static int NAME##_read_one(const struct rt_ctx *c, const char *id,                    \
				   struct live_resource *out, struct diags *d)                \
	{                                                                                     \
		return rtg_read_one(&(api), c, id, out, d);                                   \
	}                                                                                     \
	static int NAME##_update(const struct rt_ctx *c, const struct live_resource *cur,     \
				 json_t *desired, const char *const *changed, size_t n,       \
				 struct diags *d)                                             \
	{                                                                                     \
		return rtg_update(&(api), c, cur, desired, changed, n, d);                    \
	}                                                                                     \
	static bool NAME##_updates(const char *prop) { return rtg_updates(&(api), prop); }    \
	static int NAME##_remove(const struct rt_ctx *c, const struct live_resource *cur,     \
				 struct diags *d)                                             \
	{                                                                                     \
		return rtg_remove(&(api), c, cur, d);                                         \
	}                                                                                     \
	static int NAME##_check(json_t *desired, struct diags *d)                             \
	{                                                                                     \
		return rta_check(&(api), desired, d);                                         \
	}                                                                                     \
	static void NAME##_normalise(const char *stack, const char *address, json_t *desired) \
	{                                                                                     \
		rtg_normalise(&(api), stack, address, desired);                               \
	}
#define RTG_CALLBACKS(NAME)                                                         \
	.owns_arn = NAME##_owns_arn, .read_all = NAME##_read_all,                   \
	.read_one = NAME##_read_one, .update = NAME##_update, .remove = NAME##_remove, \
	.check = NAME##_check, .normalise = NAME##_normalise, .updates = NAME##_updates
/* Something the delete of an instance must remove first (IAM's role:
 * its inline policies, attached managed policies, instance profiles):
 * listed, paged, with list_op {delete_id: ID} (the answer's `list`), and
 * each removed with remove_op {delete_id: ID, member: M}, where M is the
 * listed item's member `item` (NULL: the item itself). What is there at
 * the delete, not what refresh saw: another resource may have added one
 * since. A {NULL} ends the list. */
struct rta_dependent {
	const char *list_op, *list, *item, *remove_op, *member;
};
/* Removes a->dependents of the instance `id`: 0, BERTH_ENOTFOUND when a
 * listing says (a->gone) the instance is gone, or an error. */
int rtg_remove_dependents(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
			  struct diags *d);

#define RTG_WAIT_FUNCS(NAME, api)                                                          \
	static int NAME##_wait_ready(const struct rt_ctx *c, const char *id, struct diags *d) \
	{                                                                                  \
		return rtg_wait_ready(&(api), c, id, d);                                   \
	}
/* elbec2 (generic_arn.c): types whose id is the ARN AWS picks (ELBv2). */
enum {
	RTA_GROUP = 1 << 21, /* changed together: one update_op call carries
			      * every RTA_GROUP property, those the spec left
			      * out at their default (dflt_of, dflt) or left out */
};
struct rta_hint {
	const char *code, *detail;
};
/* ELBv2's tags: AddTags, RemoveTags and DescribeTags on lists of ARNs. */
#define RTA_ELBV2_TAGS                                                        \
	.add_tags_op = "AddTags", .remove_tags_op = "RemoveTags",              \
	.describe_tags_op = "DescribeTags", .tags_list = "TagDescriptions",    \
	.arn_member = "ResourceArns", .tags_member = "Tags", .untag_keys = "TagKeys"
/* v as an integer (tu_int's leniency; 0 when not one): a new reference. */
json_t *rta_int(json_t *v);
int rta_arn_owns(const struct rtype_api *a, const char *arn);
/* Describes `keys` (borrowed), ARNs or with `names` names, every page:
 * *items the items matching them (new array; [] when AWS answers `gone`). */
int rta_arn_describe(const struct rtype_api *a, const struct rt_ctx *c, json_t *keys, bool names,
		     json_t **items, struct diags *d);
int rta_arn_read_one(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		     struct live_resource *out, struct diags *d);
int rta_arn_read_children(const struct rtype_api *a, const struct rt_ctx *c,
			  const struct live_set *parents, struct live_set *out, struct diags *d);
int rta_arn_create(const struct rtype_api *a, const struct rt_ctx *c, const char *address,
		   json_t *props, json_t *tags, char **id_out, struct diags *d);
int rta_arn_update(const struct rtype_api *a, const struct rt_ctx *c,
		   const struct live_resource *cur, json_t *desired, const char *const *changed,
		   size_t nchanged, struct diags *d);
int rta_arn_set_tags(const struct rtype_api *a, const struct rt_ctx *c,
		     const struct live_resource *cur, json_t *add, json_t *remove_keys,
		     struct diags *d);
int rta_arn_remove(const struct rtype_api *a, const struct rt_ctx *c,
		   const struct live_resource *cur, struct diags *d);
void rta_arn_normalise(const struct rtype_api *a, const char *stack, const char *address,
		       json_t *desired);
/* The instances `list` (borrowed) holds in its items' `sublist`, each
 * with the item's OwnerId (new array). */
json_t *rta_flatten(const struct rtype_api *a, json_t *list);
/* A create refused with one of `exists` (EC2: the name is taken by an
 * instance the find by tags did not return): BERTH_ECONFLICT with
 * tu_check_ours's diagnostic. */
int rta_taken(const struct rtype_api *a, const struct rt_ctx *c, const char *address,
	      json_t *props, struct diags *d);

/* The callbacks of an ARN-identified description `api` of the rtype
 * `self`, as static functions named NAME_*; RTA_ARN_CALLBACKS(NAME) fills
 * a taggable type's, RTA_ARN_CHILD_CALLBACKS(NAME) a type listed per
 * parent. read_all goes through the tagging API (typeutil.h's
 * tu_read_tagged), read_named through the whole listing. */
#define RTA_ARN_FUNCS(NAME, api, self)                                                          \
	BERTH_UNUSED static int NAME##_owns_arn(const char *arn)                                \
	{                                                                                       \
		return rta_arn_owns(&(api), arn);                                               \
	}                                                                                       \
	BERTH_UNUSED static int NAME##_describe(const struct rt_ctx *c, json_t *keys,           \
						json_t **items, struct diags *d)                \
	{                                                                                       \
		return rta_arn_describe(&(api), c, keys, false, items, d);                      \
	}                                                                                       \
	BERTH_UNUSED static void NAME##_fill(struct live_resource *r, json_t *item)             \
	{                                                                                       \
		rta_fill(&(api), NULL, r, item, NULL);                                          \
	}                                                                                       \
	BERTH_UNUSED static int NAME##_read_all(const struct rt_ctx *c,                         \
						const struct live_set *parents,                 \
						struct live_set *out, struct diags *d)          \
	{                                                                                       \
		if ((api).parent_member)                                                        \
			return rta_arn_read_children(&(api), c, parents, out, d);               \
		const struct tu_tagged_read tr = { .type = &(self), .batch = (api).batch,       \
						   .describe = NAME##_describe,                 \
						   .key_member = (api).item_id,                 \
						   .fill = NAME##_fill };                       \
		return tu_read_tagged(c, &tr, out, d);                                          \
	}                                                                                       \
	BERTH_UNUSED static int NAME##_read_one(const struct rt_ctx *c, const char *id,         \
						struct live_resource *out, struct diags *d)     \
	{                                                                                       \
		return rta_arn_read_one(&(api), c, id, out, d);                                 \
	}                                                                                       \
	BERTH_UNUSED static int NAME##_read_named(const struct rt_ctx *c,                       \
						  const char *const *names, size_t n,           \
						  struct live_set *out, struct diags *d)        \
	{                                                                                       \
		return tu_read_listed_named(c, &(self), (api).service, (api).describe_op,       \
					    (api).list, (api).item_name, (api).item_id, names,  \
					    n, out, d);                                         \
	}                                                                                       \
	BERTH_UNUSED static int NAME##_create(const struct rt_ctx *c, const char *address,      \
					      json_t *props, json_t *tags, char **id_out,       \
					      struct diags *d)                                  \
	{                                                                                       \
		return rta_arn_create(&(api), c, address, props, tags, id_out, d);              \
	}                                                                                       \
	BERTH_UNUSED static int NAME##_update(const struct rt_ctx *c,                           \
					      const struct live_resource *cur, json_t *desired, \
					      const char *const *changed, size_t n,             \
					      struct diags *d)                                  \
	{                                                                                       \
		return rta_arn_update(&(api), c, cur, desired, changed, n, d);                  \
	}                                                                                       \
	BERTH_UNUSED static bool NAME##_updates(const char *prop)                               \
	{                                                                                       \
		return rta_updates(&(api), prop); /* rta_arn_update: its update_op */                                           \
	}                                                                                       \
	BERTH_UNUSED static int NAME##_set_tags(const struct rt_ctx *c,                         \
						const struct live_resource *cur, json_t *add,   \
						json_t *remove_keys, struct diags *d)           \
	{                                                                                       \
		return rta_arn_set_tags(&(api), c, cur, add, remove_keys, d);                   \
	}                                                                                       \
	BERTH_UNUSED static int NAME##_remove(const struct rt_ctx *c,                           \
					      const struct live_resource *cur, struct diags *d) \
	{                                                                                       \
		return rta_arn_remove(&(api), c, cur, d);                                       \
	}                                                                                       \
	BERTH_UNUSED static int NAME##_check(json_t *desired, struct diags *d)                  \
	{                                                                                       \
		return rta_check(&(api), desired, d);                                           \
	}                                                                                       \
	BERTH_UNUSED static void NAME##_normalise(const char *stack, const char *address,       \
						  json_t *desired)                              \
	{                                                                                       \
		rta_arn_normalise(&(api), stack, address, desired);                             \
	}                                                                                       \
	BERTH_UNUSED static int NAME##_wait_ready(const struct rt_ctx *c, const char *id,       \
						  struct diags *d)                              \
	{                                                                                       \
		return rta_wait_ready(&(api), c, id, d);                                        \
	}
#define RTA_ARN_CHILD_CALLBACKS(NAME)                                                     \
	.read_all = NAME##_read_all, .read_one = NAME##_read_one, .create = NAME##_create, \
	.update = NAME##_update, .remove = NAME##_remove, .check = NAME##_check,          \
	.normalise = NAME##_normalise, .updates = NAME##_updates
#define RTA_ARN_CALLBACKS(NAME)                                                            \
	RTA_ARN_CHILD_CALLBACKS(NAME), .owns_arn = NAME##_owns_arn,                        \
	.read_named = NAME##_read_named, .set_tags = NAME##_set_tags
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
/* The same with the iterator and `p` (const struct rta_prop *) declared by
 * the loop; `break` leaves it. */
#define RTA_EACH_PROP(a, p)                                                        \
	for (struct rta_props_iter p##_it_, *p##_once_ =                           \
		     (rta_props_begin(&p##_it_, (a)), &p##_it_);                   \
	     p##_once_; p##_once_ = NULL)                                          \
		for (const struct rta_prop *p; ((p) = rta_props_next(&p##_it_)) != NULL;)

#endif
