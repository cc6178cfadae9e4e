/* AWS::EC2::EIP over the EC2 API (VPC addresses from Amazon's pool).
 *
 * Refresh: one DescribeAddresses filtered by the stack tag. The physical id
 * is the AllocationId. Releasing an address still associated (a NAT
 * gateway being deleted lets go of its address only once it is `deleted`)
 * is reported as a dependency, so the engine waits and retries. */
#include "util/common.h"
#include "resources/ec2_common.h"

static const char *const eip_gone[] = { "InvalidAllocationID.NotFound", "InvalidAddress.NotFound",
					NULL };

static int owns_arn(const char *arn)
{
	return ec2_arn_is(arn, "elastic-ip");
}

static void fill(struct live_resource *r, json_t *a)
{
	const char *id = json_string_value(json_object_get(a, "AllocationId"));
	r->type = "AWS::EC2::EIP";
	r->id = xstrdup(id ? id : "");
	r->props = json_object();
	static const char *const keys[] = { "AllocationId", "PublicIp", "Domain",
					    "NetworkBorderGroup", "PublicIpv4Pool", "InstanceId" };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		ec2_copy_str(r->props, keys[i], a, keys[i]);
	rt_apply_tags(r, ec2_tags_map(a));
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	json_t *items = NULL, *params = json_pack("{s:o}", "Filters", ec2_stack_filters(c, NULL));
	int err = rt_call_all(c, "ec2", "DescribeAddresses", params, "Addresses", &items, d);
	json_decref(params);
	if (err)
		return err;
	size_t i;
	json_t *a;
	json_array_foreach(items, i, a) {
		struct live_resource *r = live_set_add(out, "AWS::EC2::EIP");
		fill(r, a);
		/* DescribeAddresses gives no owner: the ARN from the caller's
		 * account is the tagging API's, used only by the sweep. */
		r->arn = NULL;
	}
	json_decref(items);
	return 0;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:[s]}", "AllocationIds", id);
	int err = rt_call_expect(c, "ec2", "DescribeAddresses", params, &res, eip_gone, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	json_t *a = json_array_get(json_object_get(res, "Addresses"), 0);
	if (!a) {
		json_decref(res);
		return BERTH_ENOTFOUND;
	}
	memset(out, 0, sizeof(*out));
	out->detailed = true;
	fill(out, a);
	json_decref(res);
	return 0;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	(void)stack;
	(void)address;
	/* CloudFormation's transform: any Domain means a VPC address now. */
	if (json_object_get(desired, "Domain") && json_is_string(json_object_get(desired, "Domain")))
		json_object_set_new(desired, "Domain", json_string("vpc"));
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	static const char *const unsupported[] = { "InstanceId", "TransferAddress", "IpamPoolId",
						   "Address", NULL };
	for (size_t i = 0; unsupported[i]; i++)
		if (json_object_get(props, unsupported[i])) {
			diags_add(d, DIAG_ERROR, "AWS::EC2::EIP: berth does not set %s yet", unsupported[i]);
			return BERTH_EINVAL;
		}
	char *id = NULL;
	int err = ec2_find_tagged(c, "DescribeAddresses", "Filters", "Addresses", "AllocationId",
				  address, NULL, &id, d);
	if (err == BERTH_ENOTFOUND) {
		json_t *params = json_pack("{s:s, s:o}", "Domain", "vpc", "TagSpecifications",
					   ec2_tag_specs("elastic-ip", tags)), *res = NULL;
		char t[64];
		const char *v;
		if ((v = rt_str(props, "NetworkBorderGroup", t)))
			json_object_set_new(params, "NetworkBorderGroup", json_string(v));
		if ((v = rt_str(props, "PublicIpv4Pool", t)))
			json_object_set_new(params, "PublicIpv4Pool", json_string(v));
		err = rt_call(c, "ec2", "AllocateAddress", params, &res, d);
		json_decref(params);
		if (!err)
			id = xstrdup(json_string_value(json_object_get(res, "AllocationId")));
		json_decref(res);
	}
	if (err)
		return err;
	*id_out = id;
	return 0;
}

static int remove_eip(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	static const char *const retry[] = { "InvalidIPAddress.InUse", NULL };
	struct diags aws = DIAGS_INIT;
	json_t *params = json_pack("{s:s}", "AllocationId", cur->id);
	int err = ec2_delete_call(c, "ReleaseAddress", params, eip_gone, retry, &aws, d);
	json_decref(params);
	if (err != RT_EXPECTED)
		return err;
	/* Still associated (a NAT gateway being deleted holds it until it is
	 * `deleted`): a dependency that goes away by itself, so it is reported
	 * as one and the engine retries. */
	char *summary = xasprintf("Elastic IP %s is still associated", cur->id);
	ec2_aws_error(d, &aws, "DependencyViolation", summary);
	free(summary);
	diags_release(&aws);
	return BERTH_EAWS;
}

const struct rtype rtype_ec2_eip = {
	.type_name = "AWS::EC2::EIP",
	.tag_filter = "ec2:elastic-ip",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.create = create,
	.set_tags = ec2_set_tags,
	.remove = remove_eip,
};
