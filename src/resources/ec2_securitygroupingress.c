/* AWS::EC2::SecurityGroupIngress: one ingress rule outside its group.
 *
 * CloudFormation cannot tag these, but EC2 can (security group rules have
 * ids and tags since 2021): berth tags the rule when it authorizes it
 * (TagSpecifications, so the tag is there from the first moment) and finds
 * the stack's rules with one DescribeSecurityGroupRules filtered by the
 * stack tag. That tag is also how AWS::EC2::SecurityGroup tells these rules
 * from its own inline ones. Every property but Description is create-only;
 * a changed description replaces the rule too (revoke, authorize), since
 * the emulator and the rule API keep that simple. */
#include "util/common.h"
#include "resources/ec2_common.h"
#include "resources/generic_child.h"

static const char *const rule_gone[] = { "InvalidSecurityGroupRuleId.NotFound",
					 "InvalidGroup.NotFound", "InvalidPermission.NotFound", NULL };

/* The rule itself, as the one entry of IpPermissions. */
static int permission(json_t *params, json_t *props, struct diags *d)
{
	json_t *perm = ec2_rule_permission(props, false, d);
	if (!perm)
		return BERTH_EINVAL;
	json_object_set_new(params, "IpPermissions", json_pack("[o]", perm));
	return 0;
}

static const struct rtype_child api = {
	.type_name = "AWS::EC2::SecurityGroupIngress",
	.describe_op = "DescribeSecurityGroupRules", .list = "SecurityGroupRules",
	.skip = (const struct rtc_skip[]){
		{ "IsEgress", (const char *const[]){ "true", NULL }, false }, { 0 } },
	.item_id = "SecurityGroupRuleId", .create_id = "SecurityGroupRules.0.SecurityGroupRuleId",
	.by_id = { NULL, "SecurityGroupRuleIds", NULL },
	.props = (const struct rta_prop[]){
		{ "Id", NULL, RTA_ID, NULL, NULL },
		{ "GroupId", "GroupId", RTA_READ, NULL, NULL },
		{ 0 } },
	.args = (const char *const[]){ "GroupId", NULL },
	.needs_why = " (GroupName is for default VPCs only)",
	.create_more = permission,
	.create_op = "AuthorizeSecurityGroupIngress",
	.exists = (const char *const[]){ "InvalidPermission.Duplicate", NULL },
	.conflict = "group {GroupId} already has this ingress rule",
	.conflict_why = "declare each rule once: either inline in the group's "
			"SecurityGroupIngress or as an AWS::EC2::SecurityGroupIngress",
	.delete_op = "RevokeSecurityGroupIngress", .delete_args = (const char *const[]){ "GroupId", NULL },
	.delete_id = "SecurityGroupRuleIds", .delete_id_list = true,
	.gone = rule_gone,
	.tag_kind = "security-group-rule", .item_arn = "SecurityGroupRuleArn",
	.read_base = ec2_rule_from_api, .normalise_more = ec2_rule_normalise,
};
RTC_FUNCS(ingress, api)

const struct rtype rtype_ec2_securitygroupingress = {
	.type_name = "AWS::EC2::SecurityGroupIngress",
	.tag_filter = "ec2:security-group-rule",
	.set_tags = ec2_set_tags,
	RTC_CALLBACKS(ingress, false),
};
