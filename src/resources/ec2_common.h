/* What the EC2 networking type files share: tag filters and tag
 * specifications, CreateTags/DeleteTags, find-by-tag for idempotent
 * creates, ARNs, client tokens, canonical CIDRs, and the network
 * interfaces that block a deletion (DependencyViolation). Private to
 * resources/ec2_*.c. */
#ifndef BERTH_RESOURCES_EC2_COMMON_H
#define BERTH_RESOURCES_EC2_COMMON_H

#include <jansson.h>
#include <stdbool.h>

#include "resources/resource.h"

/* [{"Name": "tag:berth:stack", "Values": [stack]}] (new reference); with
 * `address` also the berth:id filter. */
json_t *ec2_stack_filters(const struct rt_ctx *c, const char *address);
/* [{"ResourceType": kind, "Tags": [{Key, Value}...]}] from a {K: V} map,
 * or NULL when tags is NULL (new reference). */
json_t *ec2_tag_specs(const char *kind, json_t *tags);
/* {K: V} from an EC2 "Tags"/"TagSet" list, berth's included (new ref). */
json_t *ec2_tags_map(json_t *item);
/* Sets props' Ipv6CidrBlocks from a VPC's or subnet's item: the blocks of
 * its Ipv6CidrBlockAssociationSet, [] when none. */
void ec2_read_ipv6_blocks(json_t *props, json_t *item);
/* set_tags for every EC2 type: CreateTags / DeleteTags on cur->id. */
int ec2_set_tags(const struct rt_ctx *c, const struct live_resource *cur, json_t *add,
		 json_t *remove_keys, struct diags *d);

/* "arn:aws:ec2:REGION:ACCOUNT:KIND/ID" (caller frees); account may be NULL
 * (then NULL is returned: an ARN without its account would mislead). */
char *ec2_arn(const struct rt_ctx *c, const char *account, const char *kind, const char *id);
/* True when arn is an EC2 ARN of `kind` ("vpc", "subnet", ...). */
bool ec2_arn_is(const char *arn, const char *kind);

/* Find-by-tag before create: runs `op` with the stack and address tag
 * filters (in `filter_key`, "Filters" or "Filter") plus `extra` filters
 * (borrowed, may be NULL), and copies the `id_key` of the first item under
 * `list_key` (for DescribeInstances, items are found under
 * Reservations[].Instances[]). 0 and *id_out when found, BERTH_ENOTFOUND
 * when not, or an error. */
int ec2_find_tagged(const struct rt_ctx *c, const char *op, const char *filter_key,
		    const char *list_key, const char *id_key, const char *address, json_t *extra,
		    char **id_out, struct diags *d);

/* ec2_filter.c: whether an EC2 item satisfies the Filters of its request
 * ([{Name, Values}], borrowed): tag:KEY and the filter names berth sends;
 * others are taken as satisfied. ec2_keep_matching returns the items of an
 * answer to `op` that satisfy them (DescribeInstances: reservations with
 * only their matching instances), new reference. */
bool ec2_item_matches(json_t *item, json_t *filters);
json_t *ec2_keep_matching(const char *op, json_t *items, json_t *filters);

/* A client token for one create call: unique per call, so that a
 * deliberate replacement never gets the old instance back, while the AWS
 * client's own retries of that request (same parameters) stay idempotent.
 * Crash safety comes from find-by-tag, not from the token. out: 64 bytes. */
void ec2_client_token(const char *address, char out[64]);

/* Replaces props[key] with its canonical form (util/cidr.h) when it is an
 * IPv4 CIDR string. */
void ec2_canonicalise_cidr(json_t *props, const char *key);

/* After a DependencyViolation deleting something network interfaces can
 * block (filter "subnet-id" / "group-id" / "vpc-id" = id): adds an error
 * naming each interface still there (id, description, status), carrying
 * AWS's error (`aws`, from ec2_delete_call: code DependencyViolation,
 * operation, request id) so the engine keeps retrying and, when it gives
 * up, says exactly what blocks. `what` names the resource ("subnet
 * subnet-1"). Returns BERTH_EAWS. */
int ec2_dependency_error(const struct rt_ctx *c, const char *what, const char *filter,
			 const char *id, const struct diags *aws, struct diags *d);
/* A new error `summary` that carries AWS's error from `aws` (its text as
 * the detail, its operation, request id and status) under aws_code `code`. */
struct diag *ec2_aws_error(struct diags *d, const struct diags *aws, const char *code,
			   const char *summary);

/* rt_call for a delete: 0 when done or already gone (`gone` codes), 1 when
 * AWS answered one of `retry` (its diagnostics moved to `aws`, for the
 * caller to explain), else the error. */
int ec2_delete_call(const struct rt_ctx *c, const char *op, json_t *params,
		    const char *const *gone, const char *const *retry, struct diags *aws,
		    struct diags *d);

/* Security group rules in CloudFormation's form (one peer per rule, as
 * SecurityGroupIngress / SecurityGroupEgress items and the standalone
 * AWS::EC2::SecurityGroupIngress have them).
 *
 * ec2_rule_normalise canonicalises a rule in place the way
 * CloudFormation's transform does, so that desired and live compare equal:
 * protocol numbers become names ("6" -> "tcp", "all" -> "-1"), ports are
 * integers, ports of -1 (all) are dropped for protocols other than tcp and
 * udp, and so are any ports of protocol -1; CIDRs are canonical. Values not
 * known yet are left alone. */
void ec2_rule_normalise(json_t *rule);
/* One DescribeSecurityGroupRules item as a rule (new reference). */
json_t *ec2_rule_from_api(json_t *item);
/* A rule as one IpPermissions entry (new reference), or NULL with an error
 * when it names no peer or too many. */
json_t *ec2_rule_permission(json_t *rule, bool egress, struct diags *d);
/* The default egress rule AWS gives every new group (allow all to
 * 0.0.0.0/0), as a rule (new reference). */
json_t *ec2_rule_allow_all(void);

/* Copies a string member of src to dst[dst_key] when present. */
void ec2_copy_str(json_t *dst, const char *dst_key, json_t *src, const char *src_key);

#endif
