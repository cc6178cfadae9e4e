/* AWS::EC2::Route over the EC2 API.
 *
 * Routes cannot be tagged: they are found through the stack's route tables
 * (one DescribeRouteTables for all of them) and matched to spec addresses
 * by (RouteTableId, DestinationCidrBlock). The physical id is
 * "RTB|CIDR", as CloudFormation's. The target changes in place with
 * ReplaceRoute. The local route and propagated ones are AWS's, not ours. */
#include "util/common.h"
#include "resources/generic_child.h"

/* The targets a route can have (CloudFormation and API names agree). */
#define TARGET(name) { name, name, RTA_READ | RTA_ONEOF, "ReplaceRoute", NULL }

static const struct rtype_child api = {
	.type_name = "AWS::EC2::Route",
	.describe_op = "DescribeRouteTables", .list = "RouteTables",
	.parent_id = "RouteTableId", .parent_filter = "route-table-id", .entries = "Routes",
	.skip = (const struct rtc_skip[]){
		{ "Origin", (const char *const[]){ "CreateRoute", NULL }, true },
		{ "GatewayId", (const char *const[]){ "local", NULL }, false }, { 0 } },
	.id_format = "{RouteTableId}|{DestinationCidrBlock}",
	.by_id = { NULL, "RouteTableIds", "RouteTableId" },
	.props = (const struct rta_prop[]){
		{ "RouteTableId", "RouteTableId", RTA_READ | RTA_PARENT, NULL, NULL },
		{ "DestinationCidrBlock", "DestinationCidrBlock", RTA_READ | RTA_CIDR, NULL, NULL },
		{ "CidrBlock", "DestinationCidrBlock", RTA_READ, NULL, NULL },
		TARGET("GatewayId"), TARGET("NatGatewayId"), TARGET("InstanceId"),
		TARGET("NetworkInterfaceId"), TARGET("VpcPeeringConnectionId"),
		TARGET("TransitGatewayId"), TARGET("EgressOnlyInternetGatewayId"),
		TARGET("LocalGatewayId"), TARGET("CarrierGatewayId"), TARGET("CoreNetworkArn"),
		{ 0 } },
	.args = (const char *const[]){ "RouteTableId", "DestinationCidrBlock", NULL },
	.needs_why = " (IPv6 and prefix-list destinations are not supported yet)",
	.create_op = "CreateRoute", .exists = (const char *const[]){ "RouteAlreadyExists", NULL },
	.conflict = "route table already has a route to {DestinationCidrBlock} with another target",
	.conflict_why = "berth does not take over routes it did not make; remove it or point "
			"the spec at it",
	.unreadable = "route {RouteTableId}|{DestinationCidrBlock} exists but cannot be read",
	.delete_op = "DeleteRoute",
	.gone = (const char *const[]){ "InvalidRoute.NotFound", "InvalidRouteTableID.NotFound",
				       NULL },
};
RTC_FUNCS(route, api)

const struct rtype rtype_ec2_route = {
	.type_name = "AWS::EC2::Route",
	.parent_type = "AWS::EC2::RouteTable",
	.identity = (const char *const[]){ "RouteTableId", "DestinationCidrBlock", NULL },
	.parent_prop = "RouteTableId",
	RTC_CALLBACKS(route, true),
};
