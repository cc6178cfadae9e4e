/* Helpers shared by the type files: policy documents as IAM sends them,
 * CloudFormation <-> API member names, the "is this existing instance
 * ours?" check of idempotent creates, and the refresh that lists the
 * stack's instances through the tagging API and describes them in
 * batches. */
#ifndef BERTH_RESOURCES_TYPEUTIL_H
#define BERTH_RESOURCES_TYPEUTIL_H

#include <jansson.h>
#include <stdbool.h>

#include "resources/resource.h"

/* AWS::IAM::Policy tags each role it puts its policy on with
 * berth:policy:POLICYNAME=ADDRESS (encoded): how it is found, and how the
 * role tells it from its own inline Policies. */
#define IAM_POLICY_TAG_PREFIX "berth:policy:"

/* A policy document as a JSON value (new reference): IAM answers with
 * URL-encoded JSON text, a spec may give a string or a map. NULL when v is
 * NULL or not JSON. */
json_t *tu_policy_doc(json_t *v);

/* A document as the compact JSON text an API wants (new string), or NULL. */
char *tu_doc_text(json_t *v);

/* A copy of v with every object key's first letter lowered (to_api) or
 * raised (CloudFormation form): ECS's JSON names are CloudFormation's in
 * camel case. Members named in `opaque` (API spelling, NULL-terminated)
 * hold maps whose keys are data (log driver options, labels): their keys
 * are kept. New reference. */
json_t *tu_recase(json_t *v, bool to_api, const char *const *opaque);

/* Keeps of `items` (an array of objects, changed in place) only those whose
 * string member `member` is one of `wanted` (strings), or, when wanted is
 * NULL, starts with `prefix`: a name-based listing's answer is believed
 * only as far as it matches the request, as a server that ignored the
 * names (an AWS-compatible cloud, a proxy) would otherwise hand over
 * another stack's resources to adopt or delete. `op` names the call for
 * the log. The number dropped. */
size_t tu_keep_named(json_t *items, const char *member, json_t *wanted, const char *prefix,
		     const char *op);

/* tu_keep_named for a describe whose list takes names or ARNs alike (ECS's
 * DescribeClusters, DescribeServices): an item is kept when its
 * `name_member` or its `arn_member` is one of `wanted`. */
size_t tu_keep_named_or_arn(json_t *items, const char *name_member, const char *arn_member,
			    json_t *wanted, const char *op);

/* The instances of `type` named among names[0..n), for a type whose id AWS
 * picks but whose name it keeps unique (ELBv2's target groups and load
 * balancers): the whole listing `op` (every page, 400 a page) rather than
 * the describe by Names, which fails outright when one name is free (and
 * plan asks mostly about free names), so one call in most accounts; each
 * item whose `name_member` matches is then read in full by type->read_one
 * on its `id_member`. */
int tu_read_listed_named(const struct rt_ctx *c, const struct rtype *type, const char *service,
			 const char *op, const char *result_key, const char *name_member,
			 const char *id_member, const char *const *names, size_t n,
			 struct live_set *out, struct diags *d);

/* 0 when `tags` ({K: V}) say the instance belongs to this stack and address;
 * otherwise BERTH_ECONFLICT with a diagnostic naming `what` and `name`. */
int tu_check_ours(const struct rt_ctx *c, json_t *tags, const char *address, const char *what,
		  const char *name, struct diags *d);

/* normalise's default name: desired[prop] = rt_default_name(stack,
 * address, max) when desired has no prop. */
void tu_default_name(json_t *desired, const char *prop, const char *stack, const char *address,
		     size_t max);

/* Starts read_one's answer: *out zeroed, an instance of type, detailed as
 * said. */
void tu_live_init(struct live_resource *out, const struct rtype *type, bool detailed);

/* props[name] as an integer (8080 for "8080"); dflt when absent. */
long long tu_int(json_t *props, const char *name, long long dflt);

/* Sets dst[to] to a copy of src[from] when present and not null. */
void tu_copy(json_t *dst, const char *to, json_t *src, const char *from);
/* An ISO-8601 time (as the protocol layer gives every timestamp) in ms
 * since the epoch, to the second; 0 when v is not one. */
long long tu_time_ms(json_t *v);

/* ECS spells tags [{key, value}]: to {K: V} and back (new references). */
json_t *tu_tags_map_lc(json_t *list);
json_t *tu_tags_list_lc(json_t *map);
/* set_tags of the ECS types: TagResource with `add`, then UntagResource
 * with `remove_keys`, on cur->arn. */
int tu_ecs_set_tags(const struct rt_ctx *c, const struct live_resource *cur, json_t *add,
		    json_t *remove_keys, struct diags *d);

/* A create's answer: *out = a copy of res[outer][member] (a string;
 * outer NULL: res[member]), or
 * BERTH_EAWS with "OP answered without a MEMBER" when there is none. */
int tu_answer_id(json_t *res, const char *outer, const char *member, const char *op, char **out,
		 struct diags *d);

/* Cloud Map answers creates, updates and deletes with an OperationId: polls
 * GetOperation until SUCCESS (an error with Cloud Map's reason on FAIL);
 * *target (may be NULL) gets the id of its `kind` target ("NAMESPACE",
 * "SERVICE"), a new string or NULL. */
int tu_sd_wait_operation(const struct rt_ctx *c, const char *op_id, const char *kind,
			 char **target, struct diags *d);

/* rt_call_all_expect for a describe that answers one list, every page
 * (params borrowed):
 * *out is the array under `member` (new reference; [] when the answer has
 * none, or when the error is one of `gone`: nothing asked for exists). */
int tu_describe_list(const struct rt_ctx *c, const char *service, const char *op,
		     json_t *params, const char *const *gone, const char *member, json_t **out,
		     struct diags *d);

/* A service's own ListTagsForResource, whose request names the ARN
 * `arn_member` ("ResourceARN", "resourceArn") and whose answer holds the
 * tags under `tags_member`: *map is {K: V} (new reference). arn NULL asks
 * for "". BERTH_ENOTFOUND when AWS answers one of `gone`. */
int tu_list_tags(const struct rt_ctx *c, const char *service, const char *arn_member,
		 const char *arn, const char *const *gone, const char *tags_member, json_t **map,
		 struct diags *d);

/* What the tagging API lists of the stack's instances of type
 * (type->tag_filter, and only the ARNs type->owns_arn accepts): *out, a
 * new array of {"ResourceARN", "Tags"}. */
int tu_tagged_of_type(const struct rt_ctx *c, const struct rtype *type, json_t **out,
		      struct diags *d);

/* A refresh through the tagging API: the stack's instances of type->tag_filter
 * that type->owns_arn accepts (their ARNs and tags), then `describe` for up
 * to `batch` keys a call; every item it answers whose `key_member` names a
 * listed key is added to out, filled by `fill` and given the listed tags.
 * One tagging listing and ceil(keys / batch) describes, stopping at the
 * first error. */
struct tu_tagged_read {
	const struct rtype *type;
	/* The key `describe` takes for a listed ARN (new string), or NULL to
	 * skip it; NULL: the ARN itself. */
	char *(*key_of_arn)(const char *arn);
	size_t batch;
	/* Describes `keys` (a borrowed array): *items (new array or NULL) on
	 * success, left unset on error. */
	int (*describe)(const struct rt_ctx *c, json_t *keys, json_t **items, struct diags *d);
	const char *key_member; /* the key in each described item */
	void (*fill)(struct live_resource *r, json_t *item);
};
int tu_read_tagged(const struct rt_ctx *c, const struct tu_tagged_read *tr, struct live_set *out,
		   struct diags *d);

/* The same refresh for APIs without a batch describe: read(arn, tags) for
 * each listed ARN that type->owns_arn accepts, in order, with the listed
 * tags ([{Key, Value}], borrowed); it fills *out (which it zeroes first)
 * or returns BERTH_ENOTFOUND to skip the ARN (gone since it was tagged).
 * Any other error stops the refresh. */
typedef int (*tu_read_arn_fn)(const struct rt_ctx *c, const char *arn, json_t *tags,
			      struct live_resource *out, struct diags *d);
int tu_read_tagged_each(const struct rt_ctx *c, const struct rtype *type, tu_read_arn_fn read,
			struct live_set *out, struct diags *d);

/* awslogs-create-group (awslogs.c): whether an option value means true to
 * the awslogs driver (Go's ParseBool), and the groups a list of container
 * definitions (CloudFormation form) has the ECS agent create, pushed to out
 * once each. Values that are not strings go through resolve (a template's
 * intrinsics) when it is given, which returns a new string or NULL; the
 * containers whose values stay unknown declare nothing. */
typedef char *(*tu_resolve_fn)(void *ctx, json_t *v);
bool tu_awslogs_create_on(const char *v);
void tu_awslogs_created_groups(json_t *containers, tu_resolve_fn resolve, void *ctx,
			       struct strvec *out);

#endif
