/* AWS::EC2::InternetGateway over the EC2 API, as a description (generic.h).
 *
 * Only tags to manage. Refresh: one DescribeInternetGateways filtered by the
 * stack tag. A gateway still attached cannot be deleted
 * (DependencyViolation): its AWS::EC2::VPCGatewayAttachment, which depends
 * on it, detaches it first in the reverse walk, and the engine retries
 * meanwhile. */
#include "util/common.h"
#include "resources/generic.h"

static const struct rtype_api api = {
	.type_name = "AWS::EC2::InternetGateway", .service = "ec2", .style = RTA_EC2,
	.kind = "internet-gateway",
	.describe_op = "DescribeInternetGateways", .describe_ids = "InternetGatewayIds",
	.list = "InternetGateways", .item_id = "InternetGatewayId",
	.gone = (const char *const[]){ "InvalidInternetGatewayID.NotFound", NULL },
	.create_op = "CreateInternetGateway", .create_item = "InternetGateway",
	.delete_op = "DeleteInternetGateway", .delete_id = "InternetGatewayId",
};
RTA_FUNCS(igw, api)

const struct rtype rtype_ec2_internetgateway = {
	.type_name = "AWS::EC2::InternetGateway",
	.tag_filter = "ec2:internet-gateway",
	RTA_CALLBACKS(igw, false),
};
