/* AWS::EC2::VPC over the EC2 API.
 *
 * Refresh: DescribeVpcs filtered by the stack tag, then (only when VPCs
 * exist) one DescribeSecurityGroups and one DescribeNetworkAcls over all of
 * them for the DefaultSecurityGroup / DefaultNetworkAcl attributes. The DNS
 * settings need one DescribeVpcAttribute call each per VPC, so they are
 * detail properties, read only for VPCs whose spec sets them. */
#include "util/common.h"
#include "resources/ec2_common.h"

#include "util/buf.h"

static const char *const detail_props[] = { "EnableDnsSupport", "EnableDnsHostnames", NULL };
static const char *const vpc_gone[] = { "InvalidVpcID.NotFound", NULL };

static int owns_arn(const char *arn)
{
	return ec2_arn_is(arn, "vpc");
}

static void fill(const struct rt_ctx *c, struct live_resource *r, json_t *v)
{
	const char *id = json_string_value(json_object_get(v, "VpcId"));
	r->type = "AWS::EC2::VPC";
	r->id = xstrdup(id ? id : "");
	r->arn = ec2_arn(c, json_string_value(json_object_get(v, "OwnerId")), "vpc", id);
	r->props = json_object();
	json_object_set_new(r->props, "VpcId", json_string(r->id));
	ec2_copy_str(r->props, "CidrBlock", v, "CidrBlock");
	ec2_copy_str(r->props, "InstanceTenancy", v, "InstanceTenancy");
	json_t *assoc = json_array(), *a;
	size_t i;
	json_array_foreach(json_object_get(v, "CidrBlockAssociationSet"), i, a)
		json_array_append(assoc, json_object_get(a, "AssociationId"));
	json_object_set_new(r->props, "CidrBlockAssociations", assoc);
	json_t *v6 = json_array();
	json_array_foreach(json_object_get(v, "Ipv6CidrBlockAssociationSet"), i, a)
		if (json_is_string(json_object_get(a, "Ipv6CidrBlock")))
			json_array_append(v6, json_object_get(a, "Ipv6CidrBlock"));
	json_object_set_new(r->props, "Ipv6CidrBlocks", v6);
	rt_apply_tags(r, ec2_tags_map(v));
	r->detailed = false;
}

/* DefaultSecurityGroup and DefaultNetworkAcl for every VPC in `set` from
 * `from` on: two calls in all. */
static int read_defaults(const struct rt_ctx *c, struct live_set *set, size_t from,
			 struct diags *d)
{
	if (set->n <= from)
		return 0;
	json_t *ids = json_array();
	for (size_t i = from; i < set->n; i++)
		json_array_append_new(ids, json_string(set->v[i].id));
	json_t *groups = NULL, *acls = NULL;
	json_t *params = json_pack("{s:[{s:s, s:O}, {s:s, s:[s]}]}", "Filters", "Name", "vpc-id",
				   "Values", ids, "Name", "group-name", "Values", "default");
	int err = rt_call_all(c, "ec2", "DescribeSecurityGroups", params, "SecurityGroups", &groups, d);
	json_decref(params);
	if (!err) {
		params = json_pack("{s:[{s:s, s:O}, {s:s, s:[s]}]}", "Filters", "Name", "vpc-id",
				   "Values", ids, "Name", "default", "Values", "true");
		err = rt_call_all(c, "ec2", "DescribeNetworkAcls", params, "NetworkAcls", &acls, d);
		json_decref(params);
	}
	for (size_t i = from; !err && i < set->n; i++) {
		struct live_resource *r = &set->v[i];
		size_t k;
		json_t *g;
		json_array_foreach(groups, k, g)
			if (json_equal(json_object_get(g, "VpcId"), json_object_get(r->props, "VpcId")))
				json_object_set(r->props, "DefaultSecurityGroup", json_object_get(g, "GroupId"));
		json_array_foreach(acls, k, g)
			if (json_equal(json_object_get(g, "VpcId"), json_object_get(r->props, "VpcId")))
				json_object_set(r->props, "DefaultNetworkAcl", json_object_get(g, "NetworkAclId"));
	}
	json_decref(groups);
	json_decref(acls);
	json_decref(ids);
	return err;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	json_t *vpcs = NULL, *params = json_pack("{s:o}", "Filters", ec2_stack_filters(c, NULL));
	int err = rt_call_all(c, "ec2", "DescribeVpcs", params, "Vpcs", &vpcs, d);
	json_decref(params);
	if (err)
		return err;
	size_t from = out->n, i;
	json_t *v;
	json_array_foreach(vpcs, i, v)
		fill(c, live_set_add(out, "AWS::EC2::VPC"), v);
	json_decref(vpcs);
	return read_defaults(c, out, from, d);
}

static int read_detail(const struct rt_ctx *c, struct live_resource *r, struct diags *d)
{
	static const char *const attrs[][2] = { { "enableDnsSupport", "EnableDnsSupport" },
						{ "enableDnsHostnames", "EnableDnsHostnames" } };
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		json_t *res = NULL, *params = json_pack("{s:s, s:s}", "VpcId", r->id, "Attribute",
							attrs[i][0]);
		int err = rt_call_expect(c, "ec2", "DescribeVpcAttribute", params, &res, vpc_gone, NULL, d);
		json_decref(params);
		if (err == RT_EXPECTED)
			return BERTH_ENOTFOUND;
		if (err)
			return err;
		json_t *val = json_object_get(json_object_get(res, attrs[i][1]), "Value");
		json_object_set_new(r->props, attrs[i][1], json_boolean(json_is_true(val)));
		json_decref(res);
	}
	r->detailed = true;
	return 0;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:[s]}", "VpcIds", id);
	int err = rt_call_expect(c, "ec2", "DescribeVpcs", params, &res, vpc_gone, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	json_t *v = json_array_get(json_object_get(res, "Vpcs"), 0);
	if (!v) {
		json_decref(res);
		return BERTH_ENOTFOUND;
	}
	struct live_set one = LIVE_SET_INIT;
	fill(c, live_set_add(&one, "AWS::EC2::VPC"), v);
	json_decref(res);
	err = read_defaults(c, &one, 0, d);
	if (!err)
		err = read_detail(c, &one.v[0], d);
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
	ec2_canonicalise_cidr(desired, "CidrBlock");
}

static int set_attribute(const struct rt_ctx *c, const char *id, const char *name, bool on,
			 struct diags *d)
{
	json_t *params = json_pack("{s:s, s:{s:b}}", "VpcId", id, name, "Value", on);
	int err = rt_call(c, "ec2", "ModifyVpcAttribute", params, NULL, d);
	json_decref(params);
	return err;
}

/* DNS hostnames need DNS support: turn support on first and off last.
 * `only_changed`: touch only the settings named in changed[]. */
static int apply_dns(const struct rt_ctx *c, const char *id, json_t *desired,
		     const char *const *changed, size_t nchanged, struct diags *d)
{
	bool set_support = !changed, set_hostnames = !changed;
	for (size_t i = 0; changed && i < nchanged; i++) {
		set_support |= !strcmp(changed[i], "EnableDnsSupport");
		set_hostnames |= !strcmp(changed[i], "EnableDnsHostnames");
	}
	/* Absent means AWS's default: support on, hostnames off. */
	bool support = rt_bool(desired, "EnableDnsSupport", true);
	bool hostnames = rt_bool(desired, "EnableDnsHostnames", false);
	if (!changed) {
		set_support = json_object_get(desired, "EnableDnsSupport") != NULL;
		set_hostnames = json_object_get(desired, "EnableDnsHostnames") != NULL;
	}
	int err = 0;
	if (set_support && support)
		err = set_attribute(c, id, "EnableDnsSupport", true, d);
	if (!err && set_hostnames)
		err = set_attribute(c, id, "EnableDnsHostnames", hostnames, d);
	if (!err && set_support && !support)
		err = set_attribute(c, id, "EnableDnsSupport", false, d);
	return err;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	char tmp[64];
	const char *cidr = rt_str(props, "CidrBlock", tmp);
	if (!cidr) {
		diags_add(d, DIAG_ERROR, "AWS::EC2::VPC: berth needs CidrBlock (IPAM pools are not supported)");
		return BERTH_EINVAL;
	}
	/* A VPC has no name to collide on: a crash after CreateVpc is found
	 * again by its tags, which CreateVpc sets in the same call. */
	char *id = NULL;
	int err = ec2_find_tagged(c, "DescribeVpcs", "Filters", "Vpcs", "VpcId", address, NULL, &id, d);
	if (err == BERTH_ENOTFOUND) {
		json_t *params = json_pack("{s:s, s:o}", "CidrBlock", cidr, "TagSpecifications",
					   ec2_tag_specs("vpc", tags)), *res = NULL;
		char t2[64];
		const char *tenancy = rt_str(props, "InstanceTenancy", t2);
		if (tenancy)
			json_object_set_new(params, "InstanceTenancy", json_string(tenancy));
		err = rt_call(c, "ec2", "CreateVpc", params, &res, d);
		json_decref(params);
		if (!err)
			id = xstrdup(json_string_value(json_object_get(json_object_get(res, "Vpc"), "VpcId")));
		json_decref(res);
	}
	if (err)
		return err;
	err = apply_dns(c, id, props, NULL, 0, d);
	if (err) {
		free(id);
		return err;
	}
	*id_out = id;
	return 0;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	for (size_t i = 0; i < nchanged; i++)
		if (strcmp(changed[i], "EnableDnsSupport") && strcmp(changed[i], "EnableDnsHostnames")) {
			diags_add(d, DIAG_ERROR, "AWS::EC2::VPC: berth cannot change %s in place",
				  changed[i]);
			return BERTH_EINVAL;
		}
	return apply_dns(c, cur->id, desired, changed, nchanged, d);
}

/* What still keeps a VPC: the things DeleteVpc's DependencyViolation does
 * not name. Each listing is one call filtered by vpc-id; AWS's own parts
 * (the default group, the main route table) are left out. Appends
 * "subnets subnet-1, subnet-2; ..." to b. */
static void vpc_blockers(const struct rt_ctx *c, const char *vpc, struct buf *b)
{
	static const struct {
		const char *op, *list, *id, *filter, *what;
	} kinds[] = {
		{ "DescribeSubnets", "Subnets", "SubnetId", "vpc-id", "subnets" },
		{ "DescribeSecurityGroups", "SecurityGroups", "GroupId", "vpc-id", "security groups" },
		{ "DescribeRouteTables", "RouteTables", "RouteTableId", "vpc-id", "route tables" },
		{ "DescribeInternetGateways", "InternetGateways", "InternetGatewayId",
		  "attachment.vpc-id", "internet gateways" },
		{ "DescribeNetworkInterfaces", "NetworkInterfaces", "NetworkInterfaceId", "vpc-id",
		  "network interfaces" },
	};
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		json_t *items = NULL, *params = json_pack("{s:[{s:s, s:[s]}]}", "Filters", "Name",
							 kinds[k].filter, "Values", vpc);
		struct diags tmp = DIAGS_INIT;
		int err = rt_call_all(c, "ec2", kinds[k].op, params, kinds[k].list, &items, &tmp);
		json_decref(params);
		diags_release(&tmp);
		if (err)
			continue;
		struct buf ids = BUF_INIT;
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it) {
			const char *name = json_string_value(json_object_get(it, "GroupName"));
			if (name && !strcmp(name, "default"))
				continue;
			bool main_table = false;
			size_t a;
			json_t *as;
			json_array_foreach(json_object_get(it, "Associations"), a, as)
				main_table |= json_is_true(json_object_get(as, "Main"));
			if (main_table)
				continue;
			const char *id = json_string_value(json_object_get(it, kinds[k].id));
			buf_addf(&ids, "%s%s", ids.len ? ", " : "", id ? id : "?");
		}
		if (ids.len)
			buf_addf(b, "%s%s %s", b->len ? "; " : "", kinds[k].what, ids.ptr);
		buf_release(&ids);
		json_decref(items);
	}
}

static int remove_vpc(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	static const char *const retry[] = { "DependencyViolation", NULL };
	struct diags aws = DIAGS_INIT;
	json_t *params = json_pack("{s:s}", "VpcId", cur->id);
	int err = ec2_delete_call(c, "DeleteVpc", params, vpc_gone, retry, &aws, d);
	json_decref(params);
	if (err != RT_EXPECTED)
		return err;
	struct buf b = BUF_INIT;
	vpc_blockers(c, cur->id, &b);
	char *summary = b.len ? xasprintf("VPC %s still contains %s", cur->id, b.ptr)
			      : xasprintf("VPC %s still has dependencies", cur->id);
	ec2_aws_error(d, &aws, "DependencyViolation", summary);
	free(summary);
	buf_release(&b);
	diags_release(&aws);
	return BERTH_EAWS;
}

const struct rtype rtype_ec2_vpc = {
	.type_name = "AWS::EC2::VPC",
	.tag_filter = "ec2:vpc",
	.owns_arn = owns_arn,
	.detail_props = detail_props,
	.read_all = read_all,
	.read_one = read_one,
	.read_detail = read_detail,
	.normalise = normalise,
	.create = create,
	.update = update,
	.set_tags = ec2_set_tags,
	.remove = remove_vpc,
};
