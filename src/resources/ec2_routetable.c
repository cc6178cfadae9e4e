/* AWS::EC2::RouteTable over the EC2 API, as a description (generic.h).
 *
 * Refresh: one DescribeRouteTables filtered by the stack tag. Its routes and
 * subnet associations are their own (untaggable) types, found through the
 * table (ec2_route.c, ec2_subnetroutetableassociation.c). A table with
 * associations cannot be deleted (DependencyViolation); they go first in
 * the reverse walk. VpcId is required (the schema says so; validate checks). */
#include "util/common.h"
#include "resources/generic.h"

static const struct rtype_api api = {
	.type_name = "AWS::EC2::RouteTable", .service = "ec2", .style = RTA_EC2,
	.kind = "route-table",
	.describe_op = "DescribeRouteTables", .describe_ids = "RouteTableIds",
	.list = "RouteTables", .item_id = "RouteTableId",
	.gone = (const char *const[]){ "InvalidRouteTableID.NotFound", NULL },
	.create_op = "CreateRouteTable", .create_item = "RouteTable",
	.delete_op = "DeleteRouteTable", .delete_id = "RouteTableId",
};
RTA_FUNCS(rtb, api)

const struct rtype rtype_ec2_routetable = {
	.type_name = "AWS::EC2::RouteTable",
	.tag_filter = "ec2:route-table",
	RTA_CALLBACKS(rtb, false),
};
