/* AWS::EC2::SubnetRouteTableAssociation over the EC2 API.
 *
 * Associations cannot be tagged: they are found through the stack's route
 * tables (one DescribeRouteTables for all of them) and matched to spec
 * addresses by SubnetId, since a subnet has at most one explicit
 * association. Both properties are create-only, so there is no update. */
#include "util/common.h"
#include "resources/generic_child.h"

static const struct rtype_child api = {
	.type_name = "AWS::EC2::SubnetRouteTableAssociation",
	.describe_op = "DescribeRouteTables", .list = "RouteTables",
	.parent_id = "RouteTableId", .parent_filter = "route-table-id",
	.entries = "Associations",
	.skip = (const struct rtc_skip[]){
		{ "Main", (const char *const[]){ "true", NULL }, false },
		{ "AssociationState.State",
		  (const char *const[]){ "disassociated", "disassociating", NULL }, false },
		{ 0 } },
	.item_id = "RouteTableAssociationId", .create_id = "AssociationId",
	.by_id = { "association.route-table-association-id", NULL, NULL },
	.by_key = { "association.subnet-id", NULL, "SubnetId" },
	.props = (const struct rta_prop[]){
		{ "Id", NULL, RTA_ID, NULL, NULL },
		{ "RouteTableId", "RouteTableId", RTA_READ, NULL, NULL },
		{ "SubnetId", "SubnetId", RTA_READ, NULL, NULL },
		{ 0 } },
	.args = (const char *const[]){ "RouteTableId", "SubnetId", NULL },
	.create_op = "AssociateRouteTable",
	.exists = (const char *const[]){ "Resource.AlreadyAssociated", NULL },
	.conflict = "subnet {SubnetId} is already associated with route table {=RouteTableId}",
	.conflict_why = "a subnet has one route table; remove the other association first",
	.unreadable = "subnet {SubnetId} is associated with a route table, but the association "
		      "cannot be read",
	.delete_op = "DisassociateRouteTable", .delete_id = "AssociationId",
	.gone = (const char *const[]){ "InvalidAssociationID.NotFound", NULL },
};
RTC_FUNCS(subnet_assoc, api)

const struct rtype rtype_ec2_subnetroutetableassociation = {
	.type_name = "AWS::EC2::SubnetRouteTableAssociation",
	.parent_type = "AWS::EC2::RouteTable",
	.identity = (const char *const[]){ "SubnetId", NULL },
	.parent_prop = "RouteTableId",
	RTC_CALLBACKS(subnet_assoc, false),
};
