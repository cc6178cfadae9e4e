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

static const char *const rule_gone[] = { "InvalidSecurityGroupRuleId.NotFound",
					 "InvalidGroup.NotFound", "InvalidPermission.NotFound", NULL };

static int owns_arn(const char *arn)
{
	return ec2_arn_is(arn, "security-group-rule");
}

static void fill(struct live_resource *r, json_t *item)
{
	const char *id = json_string_value(json_object_get(item, "SecurityGroupRuleId"));
	r->type = "AWS::EC2::SecurityGroupIngress";
	r->id = xstrdup(id ? id : "");
	const char *arn = json_string_value(json_object_get(item, "SecurityGroupRuleArn"));
	r->arn = arn ? xstrdup(arn) : NULL;
	r->props = ec2_rule_from_api(item);
	json_object_set_new(r->props, "Id", json_string(r->id));
	ec2_copy_str(r->props, "GroupId", item, "GroupId");
	rt_apply_tags(r, ec2_tags_map(item));
}

static int list(const struct rt_ctx *c, json_t *params, struct live_set *out, struct diags *d)
{
	json_t *items = NULL;
	struct diags tmp = DIAGS_INIT;
	int err = rt_call_all(c, "ec2", "DescribeSecurityGroupRules", params, "SecurityGroupRules",
			      &items, &tmp);
	if (err) {
		for (size_t i = 0; i < tmp.n; i++)
			for (size_t k = 0; tmp.items[i].aws_code && rule_gone[k]; k++)
				if (!strcmp(tmp.items[i].aws_code, rule_gone[k]))
					err = BERTH_ENOTFOUND;
		if (err != BERTH_ENOTFOUND)
			diags_move(d, &tmp);
		diags_release(&tmp);
		return err;
	}
	diags_release(&tmp);
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item)
		if (!json_is_true(json_object_get(item, "IsEgress")))
			fill(live_set_add(out, "AWS::EC2::SecurityGroupIngress"), item);
	json_decref(items);
	return 0;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	json_t *params = json_pack("{s:o}", "Filters", ec2_stack_filters(c, NULL));
	int err = list(c, params, out, d);
	json_decref(params);
	return err;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	struct live_set one = LIVE_SET_INIT;
	json_t *params = json_pack("{s:[s]}", "SecurityGroupRuleIds", id);
	int err = list(c, params, &one, d);
	json_decref(params);
	if (!err && one.n != 1)
		err = BERTH_ENOTFOUND;
	if (!err) {
		*out = one.v[0];
		one.n = 0;
	}
	live_set_release(&one);
	return err;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	(void)stack;
	(void)address;
	ec2_rule_normalise(desired);
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	char t1[64];
	const char *group = rt_str(props, "GroupId", t1);
	if (!group) {
		diags_add(d, DIAG_ERROR, "AWS::EC2::SecurityGroupIngress: berth needs GroupId "
			  "(GroupName is for default VPCs only)");
		return BERTH_EINVAL;
	}
	char *id = NULL;
	int err = ec2_find_tagged(c, "DescribeSecurityGroupRules", "Filters", "SecurityGroupRules",
				  "SecurityGroupRuleId", address, NULL, &id, d);
	if (err == BERTH_ENOTFOUND) {
		json_t *perm = ec2_rule_permission(props, false, d);
		if (!perm)
			return BERTH_EINVAL;
		static const char *const dup[] = { "InvalidPermission.Duplicate", NULL };
		json_t *params = json_pack("{s:s, s:[o], s:o}", "GroupId", group, "IpPermissions", perm,
					   "TagSpecifications", ec2_tag_specs("security-group-rule", tags));
		json_t *res = NULL;
		err = rt_call_expect(c, "ec2", "AuthorizeSecurityGroupIngress", params, &res, dup, NULL, d);
		json_decref(params);
		if (err == RT_EXPECTED) {
			struct diag *dg = diags_add(d, DIAG_ERROR, "group %s already has this ingress rule", group);
			diag_set_detail(dg, "declare each rule once: either inline in the group's "
				       "SecurityGroupIngress or as an AWS::EC2::SecurityGroupIngress");
			err = BERTH_ECONFLICT;
		} else if (!err) {
			const char *rid = json_string_value(json_object_get(
				json_array_get(json_object_get(res, "SecurityGroupRules"), 0),
				"SecurityGroupRuleId"));
			if (rid) {
				id = xstrdup(rid);
			} else {
				diags_add(d, DIAG_ERROR, "AuthorizeSecurityGroupIngress answered without the rule's id");
				err = BERTH_EAWS;
			}
		}
		json_decref(res);
	}
	if (err)
		return err;
	*id_out = id;
	return 0;
}

static int remove_rule(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	const char *group = json_string_value(json_object_get(cur->props, "GroupId"));
	if (!group)
		return 0;
	json_t *params = json_pack("{s:s, s:[s]}", "GroupId", group, "SecurityGroupRuleIds", cur->id);
	int err = ec2_delete_call(c, "RevokeSecurityGroupIngress", params, rule_gone, NULL, NULL, d);
	json_decref(params);
	return err;
}

const struct rtype rtype_ec2_securitygroupingress = {
	.type_name = "AWS::EC2::SecurityGroupIngress",
	.tag_filter = "ec2:security-group-rule",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.create = create,
	.set_tags = ec2_set_tags,
	.remove = remove_rule,
};
