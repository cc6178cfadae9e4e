/* AWS::EC2::Subnet over the EC2 API, as a description (generic.h).
 *
 * Refresh: one DescribeSubnets filtered by the stack tag. MapPublicIpOnLaunch
 * is the setting changed in place (ModifySubnetAttribute, also right after
 * the create); everything that places the subnet (VPC, zone, CIDR) forces a
 * replacement. Deletion fails with DependencyViolation while network
 * interfaces remain in the subnet (ECS tasks, NAT gateways, load balancers
 * take minutes to let go of theirs); the engine retries, and the error
 * names those interfaces. */
#include "util/common.h"
#include "resources/ec2_common.h"
#include "resources/generic.h"

static const struct rtype_api api = {
	.type_name = "AWS::EC2::Subnet", .service = "ec2", .style = RTA_EC2, .kind = "subnet",
	.describe_op = "DescribeSubnets", .describe_ids = "SubnetIds", .list = "Subnets",
	.item_id = "SubnetId", .item_arn = "SubnetArn",
	.gone = (const char *const[]){ "InvalidSubnetID.NotFound", NULL },
	.create_op = "CreateSubnet", .create_item = "Subnet",
	.delete_op = "DeleteSubnet", .delete_id = "SubnetId", .eni_filter = "subnet-id",
	.read_more = ec2_read_ipv6_blocks,
};
RTA_FUNCS(subnet, api)

const struct rtype rtype_ec2_subnet = {
	.type_name = "AWS::EC2::Subnet",
	.tag_filter = "ec2:subnet",
	RTA_CALLBACKS(subnet, true),
};
