/* AWS::EC2::InternetGateway over the EC2 API.
 *
 * Only tags to manage. Refresh: one DescribeInternetGateways filtered by the
 * stack tag. A gateway still attached cannot be deleted
 * (DependencyViolation): its AWS::EC2::VPCGatewayAttachment, which depends
 * on it, detaches it first in the reverse walk, and the engine retries
 * meanwhile. */
#include "util/common.h"
#include "resources/ec2_common.h"

static const char *const igw_gone[] = { "InvalidInternetGatewayID.NotFound", NULL };

static int owns_arn(const char *arn)
{
	return ec2_arn_is(arn, "internet-gateway");
}

static void fill(const struct rt_ctx *c, struct live_resource *r, json_t *g)
{
	const char *id = json_string_value(json_object_get(g, "InternetGatewayId"));
	r->type = "AWS::EC2::InternetGateway";
	r->id = xstrdup(id ? id : "");
	r->arn = ec2_arn(c, json_string_value(json_object_get(g, "OwnerId")), "internet-gateway", id);
	r->props = json_pack("{s:s}", "InternetGatewayId", r->id);
	rt_apply_tags(r, ec2_tags_map(g));
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	json_t *items = NULL, *params = json_pack("{s:o}", "Filters", ec2_stack_filters(c, NULL));
	int err = rt_call_all(c, "ec2", "DescribeInternetGateways", params, "InternetGateways",
			      &items, d);
	json_decref(params);
	if (err)
		return err;
	size_t i;
	json_t *g;
	json_array_foreach(items, i, g)
		fill(c, live_set_add(out, "AWS::EC2::InternetGateway"), g);
	json_decref(items);
	return 0;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:[s]}", "InternetGatewayIds", id);
	int err = rt_call_expect(c, "ec2", "DescribeInternetGateways", params, &res, igw_gone, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	json_t *g = json_array_get(json_object_get(res, "InternetGateways"), 0);
	if (!g) {
		json_decref(res);
		return BERTH_ENOTFOUND;
	}
	memset(out, 0, sizeof(*out));
	out->detailed = true;
	fill(c, out, g);
	json_decref(res);
	return 0;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	(void)props;
	char *id = NULL;
	int err = ec2_find_tagged(c, "DescribeInternetGateways", "Filters", "InternetGateways",
				  "InternetGatewayId", address, NULL, &id, d);
	if (err == BERTH_ENOTFOUND) {
		json_t *params = json_pack("{s:o}", "TagSpecifications",
					   ec2_tag_specs("internet-gateway", tags)), *res = NULL;
		err = rt_call(c, "ec2", "CreateInternetGateway", params, &res, d);
		json_decref(params);
		if (!err)
			id = xstrdup(json_string_value(json_object_get(
				json_object_get(res, "InternetGateway"), "InternetGatewayId")));
		json_decref(res);
	}
	if (err)
		return err;
	*id_out = id;
	return 0;
}

static int remove_igw(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	json_t *params = json_pack("{s:s}", "InternetGatewayId", cur->id);
	int err = ec2_delete_call(c, "DeleteInternetGateway", params, igw_gone, NULL, NULL, d);
	json_decref(params);
	return err;
}

const struct rtype rtype_ec2_internetgateway = {
	.type_name = "AWS::EC2::InternetGateway",
	.tag_filter = "ec2:internet-gateway",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.create = create,
	.set_tags = ec2_set_tags,
	.remove = remove_igw,
};
