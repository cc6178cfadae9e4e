/* AWS::EC2::Subnet over the EC2 API.
 *
 * Refresh: one DescribeSubnets filtered by the stack tag. MapPublicIpOnLaunch
 * is the setting changed in place (ModifySubnetAttribute); everything that
 * places the subnet (VPC, zone, CIDR) forces a replacement. Deletion fails
 * with DependencyViolation while network interfaces remain in the subnet
 * (ECS tasks, NAT gateways, load balancers take minutes to let go of
 * theirs); the engine retries, and the error names those interfaces. */
#include "util/common.h"
#include "resources/ec2_common.h"

static const char *const subnet_gone[] = { "InvalidSubnetID.NotFound", NULL };

static int owns_arn(const char *arn)
{
	return ec2_arn_is(arn, "subnet");
}

static void fill(struct live_resource *r, json_t *s)
{
	const char *id = json_string_value(json_object_get(s, "SubnetId"));
	r->type = "AWS::EC2::Subnet";
	r->id = xstrdup(id ? id : "");
	const char *arn = json_string_value(json_object_get(s, "SubnetArn"));
	r->arn = arn ? xstrdup(arn) : NULL;
	r->props = json_object();
	json_object_set_new(r->props, "SubnetId", json_string(r->id));
	static const char *const keys[] = { "VpcId", "CidrBlock", "AvailabilityZone",
					    "AvailabilityZoneId", "OutpostArn" };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		ec2_copy_str(r->props, keys[i], s, keys[i]);
	static const char *const flags[] = { "MapPublicIpOnLaunch", "AssignIpv6AddressOnCreation",
					     "EnableDns64", "Ipv6Native" };
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (json_is_boolean(json_object_get(s, flags[i])))
			json_object_set(r->props, flags[i], json_object_get(s, flags[i]));
	json_t *v6 = json_array(), *a;
	size_t i;
	json_array_foreach(json_object_get(s, "Ipv6CidrBlockAssociationSet"), i, a)
		if (json_is_string(json_object_get(a, "Ipv6CidrBlock")))
			json_array_append(v6, json_object_get(a, "Ipv6CidrBlock"));
	json_object_set_new(r->props, "Ipv6CidrBlocks", v6);
	rt_apply_tags(r, ec2_tags_map(s));
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	json_t *items = NULL, *params = json_pack("{s:o}", "Filters", ec2_stack_filters(c, NULL));
	int err = rt_call_all(c, "ec2", "DescribeSubnets", params, "Subnets", &items, d);
	json_decref(params);
	if (err)
		return err;
	size_t i;
	json_t *s;
	json_array_foreach(items, i, s)
		fill(live_set_add(out, "AWS::EC2::Subnet"), s);
	json_decref(items);
	return 0;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:[s]}", "SubnetIds", id);
	int err = rt_call_expect(c, "ec2", "DescribeSubnets", params, &res, subnet_gone, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	json_t *s = json_array_get(json_object_get(res, "Subnets"), 0);
	if (!s) {
		json_decref(res);
		return BERTH_ENOTFOUND;
	}
	memset(out, 0, sizeof(*out));
	out->detailed = true;
	fill(out, s);
	json_decref(res);
	return 0;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	(void)stack;
	(void)address;
	ec2_canonicalise_cidr(desired, "CidrBlock");
}

static int set_map_public(const struct rt_ctx *c, const char *id, bool on, struct diags *d)
{
	json_t *params = json_pack("{s:s, s:{s:b}}", "SubnetId", id, "MapPublicIpOnLaunch", "Value", on);
	int err = rt_call(c, "ec2", "ModifySubnetAttribute", params, NULL, d);
	json_decref(params);
	return err;
}

static int check_supported(json_t *props, struct diags *d)
{
	static const char *const unsupported[] = { "Ipv6CidrBlock", "Ipv4IpamPoolId", "Ipv6IpamPoolId",
						   "Ipv4NetmaskLength", "Ipv6NetmaskLength",
						   "EnableLniAtDeviceIndex", "PrivateDnsNameOptionsOnLaunch",
						   NULL };
	for (size_t i = 0; unsupported[i]; i++)
		if (json_object_get(props, unsupported[i])) {
			diags_add(d, DIAG_ERROR, "AWS::EC2::Subnet: berth does not set %s yet",
				  unsupported[i]);
			return BERTH_EINVAL;
		}
	return 0;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	char t1[64], t2[64];
	int err = check_supported(props, d);
	if (err)
		return err;
	const char *vpc = rt_str(props, "VpcId", t1), *cidr = rt_str(props, "CidrBlock", t2);
	if (!vpc || !cidr) {
		diags_add(d, DIAG_ERROR, "AWS::EC2::Subnet: berth needs VpcId and CidrBlock");
		return BERTH_EINVAL;
	}
	char *id = NULL;
	err = ec2_find_tagged(c, "DescribeSubnets", "Filters", "Subnets", "SubnetId", address, NULL,
			      &id, d);
	if (err == BERTH_ENOTFOUND) {
		json_t *params = json_pack("{s:s, s:s, s:o}", "VpcId", vpc, "CidrBlock", cidr,
					   "TagSpecifications", ec2_tag_specs("subnet", tags)), *res = NULL;
		static const char *const keys[] = { "AvailabilityZone", "AvailabilityZoneId",
						    "OutpostArn" };
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			char t[64];
			const char *v = rt_str(props, keys[i], t);
			if (v)
				json_object_set_new(params, keys[i], json_string(v));
		}
		if (json_object_get(props, "Ipv6Native"))
			json_object_set_new(params, "Ipv6Native",
					    json_boolean(rt_bool(props, "Ipv6Native", false)));
		err = rt_call(c, "ec2", "CreateSubnet", params, &res, d);
		json_decref(params);
		if (!err)
			id = xstrdup(json_string_value(json_object_get(json_object_get(res, "Subnet"), "SubnetId")));
		json_decref(res);
	}
	if (err)
		return err;
	if (rt_bool(props, "MapPublicIpOnLaunch", false) && (err = set_map_public(c, id, true, d))) {
		free(id);
		return err;
	}
	*id_out = id;
	return 0;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	for (size_t i = 0; i < nchanged; i++) {
		int err;
		if (!strcmp(changed[i], "MapPublicIpOnLaunch"))
			err = set_map_public(c, cur->id, rt_bool(desired, "MapPublicIpOnLaunch", false), d);
		else {
			diags_add(d, DIAG_ERROR, "AWS::EC2::Subnet: berth cannot change %s in place",
				  changed[i]);
			err = BERTH_EINVAL;
		}
		if (err)
			return err;
	}
	return 0;
}

static int remove_subnet(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	static const char *const retry[] = { "DependencyViolation", NULL };
	struct diags aws = DIAGS_INIT;
	json_t *params = json_pack("{s:s}", "SubnetId", cur->id);
	int err = ec2_delete_call(c, "DeleteSubnet", params, subnet_gone, retry, &aws, d);
	json_decref(params);
	if (err != RT_EXPECTED)
		return err;
	char *what = xasprintf("subnet %s", cur->id);
	err = ec2_dependency_error(c, what, "subnet-id", cur->id, &aws, d);
	free(what);
	diags_release(&aws);
	return err;
}

const struct rtype rtype_ec2_subnet = {
	.type_name = "AWS::EC2::Subnet",
	.tag_filter = "ec2:subnet",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.create = create,
	.update = update,
	.set_tags = ec2_set_tags,
	.remove = remove_subnet,
};
