/* AWS::EC2::VPC over the EC2 API, as a description (generic.h) with
 * hooks for what only a VPC does.
 *
 * Refresh: DescribeVpcs filtered by the stack tag (the description), then
 * (only when VPCs exist) one DescribeSecurityGroups and one
 * DescribeNetworkAcls over all of them for the DefaultSecurityGroup /
 * DefaultNetworkAcl attributes. The DNS settings need one
 * DescribeVpcAttribute call each per VPC, so they are detail properties,
 * read only for VPCs whose spec sets them; they are set with one
 * ModifyVpcAttribute each, in an order (support before hostnames) the
 * property map cannot say: after the create (after_create) and on update.
 * A refused DeleteVpc names what still blocks it. */
#include "util/common.h"
#include "resources/ec2_common.h"
#include "resources/generic.h"

#include "util/buf.h"

static const char *const detail_props[] = { "EnableDnsSupport", "EnableDnsHostnames", NULL };
static const char *const vpc_gone[] = { "InvalidVpcID.NotFound", NULL };

/* CidrBlockAssociations (their ids) and Ipv6CidrBlocks, [] when none. */
static void read_assocs(json_t *props, json_t *item)
{
	json_t *assoc = json_array(), *a;
	size_t i;
	json_array_foreach(json_object_get(item, "CidrBlockAssociationSet"), i, a)
		json_array_append(assoc, json_object_get(a, "AssociationId"));
	json_object_set_new(props, "CidrBlockAssociations", assoc);
	ec2_read_ipv6_blocks(props, item);
}

static int set_dns(const struct rt_ctx *c, const char *id, json_t *props, struct diags *d);

/* A VPC has no name to collide on: a crash after CreateVpc is found again
 * by its tags, which CreateVpc sets in the same call (find-before-create). */
static const struct rtype_api api = {
	.type_name = "AWS::EC2::VPC", .service = "ec2", .style = RTA_EC2, .kind = "vpc",
	.describe_op = "DescribeVpcs", .describe_ids = "VpcIds", .list = "Vpcs",
	.item_id = "VpcId", .gone = vpc_gone,
	.create_op = "CreateVpc", .create_item = "Vpc",
	.delete_op = "DeleteVpc", .delete_id = "VpcId",
	.props = (const struct rta_prop[]){
		{ .cfn = "VpcId", .flags = RTA_ID },
		{ .cfn = "CidrBlock", .api = "CidrBlock", .flags = RTA_CREATE | RTA_READ | RTA_CIDR },
		{ .cfn = "InstanceTenancy", .api = "InstanceTenancy",
		  .flags = RTA_CREATE | RTA_READ },
		{ 0 } },
	.read_more = read_assocs,
	.after_create = set_dns,
};
RTA_FUNCS(vpc, api)

/* DefaultSecurityGroup and DefaultNetworkAcl for the n VPCs of v: two
 * calls in all. */
static int read_defaults(const struct rt_ctx *c, struct live_resource *v, size_t n,
			 struct diags *d)
{
	if (!n)
		return 0;
	json_t *ids = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(ids, json_string(v[i].id));
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
	for (size_t i = 0; !err && i < n; i++) {
		struct live_resource *r = &v[i];
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
	size_t from = out->n;
	int err = vpc_read_all(c, parents, out, d);
	if (err)
		return err;
	for (size_t i = from; i < out->n; i++)
		out->v[i].detailed = false; /* the DNS settings: read_detail */
	return read_defaults(c, out->v + from, out->n - from, d);
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
	struct live_resource one;
	int err = vpc_read_one(c, id, &one, d);
	if (err)
		return err;
	err = read_defaults(c, &one, 1, d);
	if (!err)
		err = read_detail(c, &one, d);
	if (err)
		live_resource_release(&one);
	else
		*out = one;
	return err;
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
 * changed NULL: the settings the spec gives; else those named in changed[]. */
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

/* The DNS settings the spec gives, on the VPC just created: once EC2
 * knows it. A ModifyVpcAttribute right after CreateVpc may answer
 * InvalidVpcID.NotFound (EC2's eventual consistency, which covers writes
 * naming a new id as well as reads), so the VPC is read back first, as
 * Terraform's provider waits for a new VPC before it sets these. */
static int set_dns(const struct rt_ctx *c, const char *id, json_t *props, struct diags *d)
{
	if (!json_object_get(props, "EnableDnsSupport") &&
	    !json_object_get(props, "EnableDnsHostnames"))
		return 0;
	struct live_resource cur;
	int err = rt_read_existing(c, "the new VPC to be known to EC2", vpc_read_one, id, &cur, d);
	if (err)
		return err;
	live_resource_release(&cur);
	return apply_dns(c, id, props, NULL, 0, d);
}

/* What update changes in place: the DNS settings (ModifyVpcAttribute);
 * the rest (the IPAM pools, the tenancy) replaces. */
static bool updates(const char *prop)
{
	return !strcmp(prop, "EnableDnsSupport") || !strcmp(prop, "EnableDnsHostnames");
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	for (size_t i = 0; i < nchanged; i++)
		if (!updates(changed[i])) {
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
	.owns_arn = vpc_owns_arn,
	.detail_props = detail_props,
	.read_all = read_all,
	.read_one = read_one,
	.read_detail = read_detail,
	.normalise = vpc_normalise,
	.create = vpc_create,
	.update = update,
	.updates = updates,
	.set_tags = vpc_set_tags,
	.remove = remove_vpc,
};
