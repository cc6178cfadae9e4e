/* AWS::EC2::RouteTable over the EC2 API.
 *
 * Refresh: one DescribeRouteTables filtered by the stack tag. Its routes and
 * subnet associations are their own (untaggable) types, found through the
 * table (ec2_route.c, ec2_subnetroutetableassociation.c). A table with
 * associations cannot be deleted (DependencyViolation); they go first in
 * the reverse walk. */
#include "util/common.h"
#include "resources/ec2_common.h"

static const char *const rtb_gone[] = { "InvalidRouteTableID.NotFound", NULL };

static int owns_arn(const char *arn)
{
	return ec2_arn_is(arn, "route-table");
}

static void fill(const struct rt_ctx *c, struct live_resource *r, json_t *t)
{
	const char *id = json_string_value(json_object_get(t, "RouteTableId"));
	r->type = "AWS::EC2::RouteTable";
	r->id = xstrdup(id ? id : "");
	r->arn = ec2_arn(c, json_string_value(json_object_get(t, "OwnerId")), "route-table", id);
	r->props = json_pack("{s:s}", "RouteTableId", r->id);
	ec2_copy_str(r->props, "VpcId", t, "VpcId");
	rt_apply_tags(r, ec2_tags_map(t));
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	json_t *items = NULL, *params = json_pack("{s:o}", "Filters", ec2_stack_filters(c, NULL));
	int err = rt_call_all(c, "ec2", "DescribeRouteTables", params, "RouteTables", &items, d);
	json_decref(params);
	if (err)
		return err;
	size_t i;
	json_t *t;
	json_array_foreach(items, i, t)
		fill(c, live_set_add(out, "AWS::EC2::RouteTable"), t);
	json_decref(items);
	return 0;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:[s]}", "RouteTableIds", id);
	int err = rt_call_expect(c, "ec2", "DescribeRouteTables", params, &res, rtb_gone, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	json_t *t = json_array_get(json_object_get(res, "RouteTables"), 0);
	if (!t) {
		json_decref(res);
		return BERTH_ENOTFOUND;
	}
	memset(out, 0, sizeof(*out));
	out->detailed = true;
	fill(c, out, t);
	json_decref(res);
	return 0;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	char t1[64];
	const char *vpc = rt_str(props, "VpcId", t1);
	if (!vpc) {
		diags_add(d, DIAG_ERROR, "AWS::EC2::RouteTable: VpcId is required");
		return BERTH_EINVAL;
	}
	char *id = NULL;
	int err = ec2_find_tagged(c, "DescribeRouteTables", "Filters", "RouteTables", "RouteTableId",
				  address, NULL, &id, d);
	if (err == BERTH_ENOTFOUND) {
		json_t *params = json_pack("{s:s, s:o}", "VpcId", vpc, "TagSpecifications",
					   ec2_tag_specs("route-table", tags)), *res = NULL;
		err = rt_call(c, "ec2", "CreateRouteTable", params, &res, d);
		json_decref(params);
		if (!err)
			id = xstrdup(json_string_value(json_object_get(
				json_object_get(res, "RouteTable"), "RouteTableId")));
		json_decref(res);
	}
	if (err)
		return err;
	*id_out = id;
	return 0;
}

static int remove_rtb(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	json_t *params = json_pack("{s:s}", "RouteTableId", cur->id);
	int err = ec2_delete_call(c, "DeleteRouteTable", params, rtb_gone, NULL, NULL, d);
	json_decref(params);
	return err;
}

const struct rtype rtype_ec2_routetable = {
	.type_name = "AWS::EC2::RouteTable",
	.tag_filter = "ec2:route-table",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.create = create,
	.set_tags = ec2_set_tags,
	.remove = remove_rtb,
};
