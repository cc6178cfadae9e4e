/* Child items as data: a `struct rtype_child` describes an EC2 type whose
 * instances are entries inside a parent object rather than objects of
 * their own: an internet gateway's Attachments, a route table's Routes and
 * Associations, a security group's rules. Such entries have no tags (the
 * rules excepted), so they are found through the stack's parents, told
 * apart by what they connect (rtype.identity), and made and removed by an
 * associate/disassociate pair of calls rather than create/delete.
 * generic_child.c reads, creates, changes and removes them from the
 * description; README.md here says how to write one. EC2 only. */
#ifndef BERTH_RESOURCES_GENERIC_CHILD_H
#define BERTH_RESOURCES_GENERIC_CHILD_H

#include "resources/generic.h"

/* rta_prop flags of the child style (bits 9-11). */
enum {
	RTA_PARENT = 1 << 9, /* read from the parent item, not the entry */
	RTA_CONST = 1 << 10, /* read back as the constant string `api` ("IGW") */
	RTA_ONEOF = 1 << 11, /* sent by create and update: exactly one of the
			      * properties with this flag (a route's targets) */
};

/* An entry to leave out: its `member` (a dotted path, "AssociationState.State";
 * a boolean true reads as "true") is one of `values`, or with `only`, is
 * present and none of them. */
struct rtc_skip {
	const char *member;
	const char *const *values;
	bool only;
};

/* A describe of the parent narrowed to one value: the filter `filter` or
 * the list member `ids` set to [value], where value is the property `prop`
 * (of the id's parts, or of the desired properties), NULL: the id itself. */
struct rtc_find {
	const char *filter, *ids, *prop;
};

struct rtype_child {
	const char *type_name;
	/* The parent's describe operation, its answer's list, each parent's
	 * id member, the filter taking the stack's parent ids (read_all), and
	 * the parent's member listing the entries (NULL: the listed items
	 * are the entries themselves, as DescribeSecurityGroupRules answers). */
	const char *describe_op, *list, *parent_id, *parent_filter, *entries;
	/* Entries that are not instances of the type (AWS's own, on their way
	 * out), {0}-terminated. */
	const struct rtc_skip *skip;
	/* The physical id. With `id_format`, made of properties as
	 * CloudFormation makes it: "IGW|{VpcId}", "{RouteTableId}|{DestinationCidrBlock}"
	 * (a {PROP} runs to the next literal character); else AWS's own, the
	 * entry's member `item_id`, which create's answer holds at the dotted
	 * path `create_id` ("SecurityGroupRules.0.SecurityGroupRuleId"). */
	const char *id_format, *item_id, *create_id;
	/* read_one's describe; and without id_format, how the entry a create
	 * refused with `exists` is found (its `prop` must equal the desired one). */
	struct rtc_find by_id, by_key;
	/* Properties as generic.h's (RTA_READ, RTA_ID, RTA_CIDR, and the bits
	 * above). A property with an `update_op` changes in place by that
	 * operation, sent the whole create request; when it is create_op
	 * itself, the old entry is removed first (detach, attach). */
	const struct rta_prop *props;
	/* The create request's members in order, each from the property of
	 * the same name, then exactly one RTA_ONEOF property if the type has
	 * them; `needs_why` follows "berth needs A and B" when one is missing. */
	const char *const *args;
	const char *needs_why;
	/* Optional: what the create request needs beyond args (a rule's
	 * IpPermissions), added to params; 0 or an error. */
	int (*create_more)(json_t *params, json_t *props, struct diags *d);
	/* Create: the operation, and the codes saying the entry exists. With
	 * them, the existing entry is adopted when it says what the spec says,
	 * else `conflict` (detail `conflict_why`) is the error; `unreadable`
	 * when it cannot be found. Without them, create looks first, then
	 * associates. Messages are templates: {PROP} is the desired property,
	 * {=PROP} the existing entry's. */
	const char *create_op;
	const char *const *exists;
	const char *conflict, *conflict_why, *unreadable;
	/* Delete: the operation, and its members: `delete_id` takes the id
	 * ([id] with delete_id_list) after `delete_args` (from the id's parts,
	 * else the instance's properties); without delete_id, `args`. `gone`:
	 * the codes that say it is not there (deletes and read_one). */
	const char *delete_op, *delete_id;
	const char *const *delete_args;
	bool delete_id_list;
	const char *const *gone;
	/* A delete refused with DependencyViolation: the network interfaces
	 * of `blocked_filter` = the property `blocked_prop` are named, in an
	 * error about `blocked` (a template), and the engine retries. */
	const char *blocked, *blocked_filter, *blocked_prop;
	/* EC2-tagged entries (security group rules): the tag resource kind.
	 * Then read_all lists the stack's entries by tag, create looks for
	 * this address's first and tags the new one, and `item_arn` is read. */
	const char *tag_kind, *item_arn;
	/* Optional: the properties an entry starts from (a rule's), new. */
	json_t *(*read_base)(json_t *entry);
	/* Optional: CloudFormation's rewriting of a desired value. */
	void (*normalise_more)(json_t *desired);
};

int rtc_read_all(const struct rtype_child *a, const struct rt_ctx *c,
		 const struct live_set *parents, struct live_set *out, struct diags *d);
int rtc_read_one(const struct rtype_child *a, const struct rt_ctx *c, const char *id,
		 struct live_resource *out, struct diags *d);
int rtc_create(const struct rtype_child *a, const struct rt_ctx *c, const char *address,
	       json_t *props, json_t *tags, char **id_out, struct diags *d);
int rtc_update(const struct rtype_child *a, const struct rt_ctx *c,
	       const struct live_resource *cur, json_t *desired, const char *const *changed,
	       size_t nchanged, struct diags *d);
/* Whether rtc_update changes `prop` in place: it has an update_op. */
bool rtc_updates(const struct rtype_child *a, const char *prop);
int rtc_remove(const struct rtype_child *a, const struct rt_ctx *c,
	       const struct live_resource *cur, struct diags *d);
/* rtype.read_identity: the entry that connects what desired's create
 * members say (found as create looks for an existing one), or
 * BERTH_ENOTFOUND. */
int rtc_read_identity(const struct rtype_child *a, const struct rt_ctx *c, json_t *desired,
		      struct live_resource *out, struct diags *d);
void rtc_normalise(const struct rtype_child *a, json_t *desired);
int rtc_owns_arn(const struct rtype_child *a, const char *arn);
/* The pure parts, for tests: the instances among the items of a describe
 * answer (`list`), added to out; the properties an id of the form `fmt`
 * is made of ({PROP: value}, new), or NULL when id is not of that form. */
void rtc_entries(const struct rtype_child *a, json_t *items, struct live_set *out);
json_t *rtc_id_parts(const char *fmt, const char *id);

/* The rtype callbacks of the description `api`, as static functions named
 * NAME_*; RTC_CALLBACKS(NAME, updatable) fills them into a struct rtype
 * (beside its parent_type, identity and parent_prop, or tag_filter and
 * set_tags). An untagged type's owns_arn owns no ARN; read_identity is
 * used only with parent_prop. */
#define RTC_FUNCS(NAME, api)                                                                  \
	static int NAME##_read_all(const struct rt_ctx *c, const struct live_set *parents,    \
				   struct live_set *out, struct diags *d)                     \
	{                                                                                     \
		return rtc_read_all(&(api), c, parents, out, d);                              \
	}                                                                                     \
	static int NAME##_read_one(const struct rt_ctx *c, const char *id,                    \
				   struct live_resource *out, struct diags *d)                \
	{                                                                                     \
		return rtc_read_one(&(api), c, id, out, d);                                   \
	}                                                                                     \
	static int NAME##_create(const struct rt_ctx *c, const char *address, json_t *props,  \
				 json_t *tags, char **id_out, struct diags *d)                \
	{                                                                                     \
		return rtc_create(&(api), c, address, props, tags, id_out, d);                \
	}                                                                                     \
	static int NAME##_update(const struct rt_ctx *c, const struct live_resource *cur,     \
				 json_t *desired, const char *const *changed, size_t n,       \
				 struct diags *d)                                             \
	{                                                                                     \
		return rtc_update(&(api), c, cur, desired, changed, n, d);                    \
	}                                                                                     \
	BERTH_UNUSED                                                                          \
	static bool NAME##_updates(const char *prop) { return rtc_updates(&(api), prop); }    \
	static int NAME##_remove(const struct rt_ctx *c, const struct live_resource *cur,     \
				 struct diags *d)                                             \
	{                                                                                     \
		return rtc_remove(&(api), c, cur, d);                                         \
	}                                                                                     \
	static int NAME##_read_identity(const struct rt_ctx *c, json_t *desired,              \
					struct live_resource *out, struct diags *d)           \
	{                                                                                     \
		return rtc_read_identity(&(api), c, desired, out, d);                         \
	}                                                                                     \
	static void NAME##_normalise(const char *stack, const char *address, json_t *desired) \
	{                                                                                     \
		(void)stack;                                                                  \
		(void)address;                                                                \
		rtc_normalise(&(api), desired);                                               \
	}                                                                                     \
	static int NAME##_owns_arn(const char *arn) { return rtc_owns_arn(&(api), arn); }

#define RTC_CALLBACKS(NAME, updatable)                                                  \
	.read_all = NAME##_read_all, .read_one = NAME##_read_one, .create = NAME##_create, \
	.update = (updatable) ? NAME##_update : NULL, .remove = NAME##_remove,          \
	.normalise = NAME##_normalise, .owns_arn = NAME##_owns_arn,                     \
	.updates = (updatable) ? NAME##_updates : NULL,                                 \
	.read_identity = NAME##_read_identity

#endif
