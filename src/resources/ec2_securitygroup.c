/* AWS::EC2::SecurityGroup over the EC2 API, with its rules inline: a
 * description (generic.h) whose own functions wrap the generic ones for
 * the rules.
 *
 * Refresh: DescribeSecurityGroups filtered by the stack tag, then one
 * DescribeSecurityGroupRules over all of those groups (200 group ids a
 * call): rules come one peer each, as CloudFormation's SecurityGroupIngress
 * and SecurityGroupEgress items do. Rules tagged berth:id belong to a
 * standalone AWS::EC2::SecurityGroupIngress and are not the group's.
 *
 * The default egress rule: AWS gives every new group "all traffic to
 * 0.0.0.0/0". As in CloudFormation, a spec without SecurityGroupEgress
 * means exactly that rule (normalise fills it in, so it never shows as a
 * diff), and a spec with SecurityGroupEgress replaces it.
 *
 * Rules change in place: revoke what the spec no longer has, then
 * authorize what is new (a changed description is a revoke and an
 * authorize: AWS has no "update rule" for the peer itself). A delete
 * refused while network interfaces still use the group names them, and the
 * engine retries. */
#include "util/common.h"
#include "resources/ec2_common.h"
#include "resources/generic.h"

#include "util/buf.h"

#define FILTER_VALUES_MAX 200

/* Sorts rules by their JSON text, so that live lists read the same way
 * every time (the state cache and plans stay stable). */
static int cmp_rule(const void *a, const void *b)
{
	char *x = json_dumps(*(json_t *const *)a, JSON_COMPACT | JSON_SORT_KEYS);
	char *y = json_dumps(*(json_t *const *)b, JSON_COMPACT | JSON_SORT_KEYS);
	int r = strcmp(x ? x : "", y ? y : "");
	free(x);
	free(y);
	return r;
}

static void sort_rules(json_t *list)
{
	size_t n = json_array_size(list);
	json_t **v = xcalloc(n + 1, sizeof(json_t *));
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(list, i));
	qsort(v, n, sizeof(json_t *), cmp_rule);
	json_array_clear(list);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, v[i]);
	free(v);
}

/* Adds the inline rules of every group in set[from..] (two or more calls
 * only past 200 groups). */
static int read_rules(const struct rt_ctx *c, struct live_set *set, size_t from, struct diags *d)
{
	for (size_t at = from; at < set->n; at += FILTER_VALUES_MAX) {
		json_t *ids = json_array(), *rules = NULL;
		for (size_t i = at; i < set->n && i < at + FILTER_VALUES_MAX; i++)
			json_array_append_new(ids, json_string(set->v[i].id));
		json_t *params = json_pack("{s:[{s:s, s:o}]}", "Filters", "Name", "group-id", "Values", ids);
		int err = rt_call_all(c, "ec2", "DescribeSecurityGroupRules", params,
				      "SecurityGroupRules", &rules, d);
		json_decref(params);
		if (err)
			return err;
		size_t k;
		json_t *item;
		json_array_foreach(rules, k, item) {
			json_t *tags = ec2_tags_map(item);
			bool standalone = json_object_get(tags, TAG_ID) != NULL;
			json_decref(tags);
			if (standalone)
				continue;
			const char *gid = json_string_value(json_object_get(item, "GroupId"));
			for (size_t i = at; gid && i < set->n && i < at + FILTER_VALUES_MAX; i++) {
				if (strcmp(set->v[i].id, gid))
					continue;
				bool egress = json_is_true(json_object_get(item, "IsEgress"));
				json_array_append_new(json_object_get(set->v[i].props, egress ? "SecurityGroupEgress"
											: "SecurityGroupIngress"),
						      ec2_rule_from_api(item));
			}
		}
		json_decref(rules);
	}
	for (size_t i = from; i < set->n; i++) {
		sort_rules(json_object_get(set->v[i].props, "SecurityGroupIngress"));
		sort_rules(json_object_get(set->v[i].props, "SecurityGroupEgress"));
	}
	return 0;
}

static void normalise_rules(json_t *list)
{
	size_t i;
	json_t *r;
	json_array_foreach(list, i, r)
		ec2_rule_normalise(r);
}

static char *rule_key(json_t *rule)
{
	json_t *copy = json_deep_copy(rule);
	ec2_rule_normalise(copy);
	char *k = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(copy);
	return k;
}

static bool has_rule(json_t *list, const char *key)
{
	size_t i;
	json_t *r;
	json_array_foreach(list, i, r) {
		char *k = rule_key(r);
		bool same = k && !strcmp(k, key);
		free(k);
		if (same)
			return true;
	}
	return false;
}

/* Appends to out the permissions of the rules of `from` that `other`
 * lacks. */
static int add_missing(json_t *from, json_t *other, bool egress, json_t *out, struct diags *d)
{
	int err = 0;
	size_t i;
	json_t *r;
	json_array_foreach(from, i, r) {
		char *k = rule_key(r);
		if (k && !has_rule(other, k)) {
			json_t *p = ec2_rule_permission(r, egress, d);
			if (!p)
				err = BERTH_EINVAL;
			else
				json_array_append_new(out, p);
		}
		free(k);
	}
	return err;
}

/* Revokes the rules of `have` that `want` lacks, then authorizes the ones
 * `want` adds. */
static int sync_direction(const struct rt_ctx *c, const char *group, bool egress, json_t *have,
			  json_t *want, struct diags *d)
{
	json_t *revoke = json_array(), *grant = json_array();
	int err = add_missing(have, want, egress, revoke, d);
	int bad = add_missing(want, have, egress, grant, d);
	if (!err)
		err = bad;
	if (!err && json_array_size(revoke)) {
		static const char *const gone[] = { "InvalidPermission.NotFound", NULL };
		json_t *params = json_pack("{s:s, s:O}", "GroupId", group, "IpPermissions", revoke);
		err = rt_call_expect(c, "ec2", egress ? "RevokeSecurityGroupEgress" : "RevokeSecurityGroupIngress",
				     params, NULL, gone, NULL, d);
		if (err == RT_EXPECTED)
			err = 0;
		json_decref(params);
	}
	if (!err && json_array_size(grant)) {
		/* A rule the read did not show yet (EC2 is eventually consistent:
		 * a new group's default egress rule may lag) is already there:
		 * AWS refuses the whole call, so grant the rules one by one and
		 * take Duplicate as done. */
		static const char *const dup[] = { "InvalidPermission.Duplicate", NULL };
		const char *op = egress ? "AuthorizeSecurityGroupEgress" : "AuthorizeSecurityGroupIngress";
		json_t *params = json_pack("{s:s, s:O}", "GroupId", group, "IpPermissions", grant);
		err = rt_call_expect(c, "ec2", op, params, NULL, dup, NULL, d);
		json_decref(params);
		for (size_t k = 0; err == RT_EXPECTED && k < json_array_size(grant); k++) {
			params = json_pack("{s:s, s:[O]}", "GroupId", group, "IpPermissions",
					   json_array_get(grant, k));
			int one = rt_call_expect(c, "ec2", op, params, NULL, dup, NULL, d);
			json_decref(params);
			if (one && one != RT_EXPECTED)
				err = one;
			else if (k + 1 == json_array_size(grant))
				err = 0;
		}
	}
	json_decref(revoke);
	json_decref(grant);
	return err;
}

static int sync_rules(const struct rt_ctx *c, const char *group, json_t *live, json_t *desired,
		      bool ingress, bool egress, struct diags *d)
{
	int err = 0;
	if (ingress)
		err = sync_direction(c, group, false, json_object_get(live, "SecurityGroupIngress"),
				     json_object_get(desired, "SecurityGroupIngress"), d);
	if (!err && egress) {
		json_t *want = json_object_get(desired, "SecurityGroupEgress");
		json_t *dflt = want ? NULL : json_pack("[o]", ec2_rule_allow_all());
		err = sync_direction(c, group, true, json_object_get(live, "SecurityGroupEgress"),
				     want ? want : dflt, d);
		json_decref(dflt);
	}
	return err;
}

/* Rules are read apart (read_rules): none yet. */
static void read_more(json_t *props, json_t *item)
{
	(void)item;
	json_object_set_new(props, "SecurityGroupIngress", json_array());
	json_object_set_new(props, "SecurityGroupEgress", json_array());
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d);

/* After the generic create (find by tags, CreateSecurityGroup), the
 * rules: the group's as they are now (AWS's default egress on a new group;
 * whatever a crashed earlier attempt left on an adopted one) made the
 * spec's. */
static int add_rules(const struct rt_ctx *c, const char *id, json_t *props, struct diags *d)
{
	struct live_resource cur;
	/* EC2 is eventually consistent: a group just created may not be
	 * describable for a while. */
	int err = rt_read_existing(c, "the new security group to be readable", read_one, id, &cur,
				   d);
	if (err == BERTH_ETIMEOUT) {
		diags_add(d, DIAG_ERROR, "security group %s was created but cannot be read", id);
		err = BERTH_ERROR;
	}
	if (!err) {
		err = sync_rules(c, id, cur.props, props, true, true, d);
		live_resource_release(&cur);
	}
	return err;
}

#define CR (RTA_CREATE | RTA_READ)
static const struct rtype_api api = {
	.type_name = "AWS::EC2::SecurityGroup", .service = "ec2", .style = RTA_EC2,
	.kind = "security-group", .what = "security group",
	.describe_op = "DescribeSecurityGroups", .describe_ids = "GroupIds",
	.list = "SecurityGroups", .item_id = "GroupId", .item_arn = "SecurityGroupArn",
	.gone = (const char *const[]){ "InvalidGroup.NotFound", "InvalidGroupId.NotFound", NULL },
	.create_op = "CreateSecurityGroup",
	.exists = (const char *const[]){ "InvalidGroup.Duplicate", NULL },
	.delete_op = "DeleteSecurityGroup", .delete_id = "GroupId", .eni_filter = "group-id",
	.props = (const struct rta_prop[]){
		{ .cfn = "GroupId", .flags = RTA_ID },
		{ .cfn = "Id", .flags = RTA_ID },
		{ .cfn = "GroupName", .api = "GroupName", .flags = CR },
		{ .cfn = "GroupDescription", .api = "Description", .flags = CR },
		{ .cfn = "VpcId", .api = "VpcId", .flags = CR },
		{ 0 } },
	.read_more = read_more,
	.name_prop = "GroupName", .name_max = 255,
	.after_create = add_rules,
};
RTA_FUNCS(sg, api)

/* The generic default name, then the rules as CloudFormation compares
 * them and the default egress rule when the spec gives none (in this
 * order: plans list the properties so). */
static void normalise(const char *stack, const char *address, json_t *desired)
{
	sg_normalise(stack, address, desired);
	normalise_rules(json_object_get(desired, "SecurityGroupIngress"));
	json_t *egress = json_object_get(desired, "SecurityGroupEgress");
	if (!egress || json_is_null(egress))
		json_object_set_new(desired, "SecurityGroupEgress", json_pack("[o]", ec2_rule_allow_all()));
	else
		normalise_rules(egress);
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	size_t from = out->n;
	int err = sg_read_all(c, parents, out, d);
	return err ? err : read_rules(c, out, from, d);
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	struct live_set one = LIVE_SET_INIT;
	int err = sg_read_one(c, id, live_set_add(&one, api.type_name), d);
	if (!err)
		err = read_rules(c, &one, 0, d);
	if (!err) {
		*out = one.v[0];
		one.n = 0;
	}
	live_set_release(&one);
	return err;
}

/* Only the rules change in place: the rest goes to the generic update,
 * which refuses it before anything changed. */
static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	bool ingress = false, egress = false;
	struct strvec other = STRVEC_INIT;
	for (size_t i = 0; i < nchanged; i++) {
		if (!strcmp(changed[i], "SecurityGroupIngress"))
			ingress = true;
		else if (!strcmp(changed[i], "SecurityGroupEgress"))
			egress = true;
		else
			strvec_push(&other, changed[i]);
	}
	int err = other.n ? sg_update(c, cur, desired, (const char *const *)other.v, other.n, d) : 0;
	strvec_clear(&other);
	return err ? err : sync_rules(c, cur->id, cur->props, desired, ingress, egress, d);
}

/* What update changes in place: the rules, and what the description's
 * update does. */
static bool updates(const char *prop)
{
	return !strcmp(prop, "SecurityGroupIngress") || !strcmp(prop, "SecurityGroupEgress") ||
	       rta_updates(&api, prop);
}

const struct rtype rtype_ec2_securitygroup = {
	.type_name = "AWS::EC2::SecurityGroup",
	.tag_filter = "ec2:security-group",
	.owns_arn = sg_owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.check = sg_check,
	.create = sg_create,
	.update = update,
	.updates = updates,
	.set_tags = sg_set_tags,
	.remove = sg_remove,
};
