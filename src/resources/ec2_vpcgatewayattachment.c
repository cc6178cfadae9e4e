/* AWS::EC2::VPCGatewayAttachment over the EC2 API (internet gateways; VPN
 * gateways are not supported yet).
 *
 * Attachments cannot be tagged: they are found through the stack's internet
 * gateways (one DescribeInternetGateways for all of them) and matched to
 * spec addresses by VpcId, since a VPC has at most one internet gateway.
 * The physical id is "IGW|VPC" as CloudFormation's. Changing the gateway
 * detaches the old one and attaches the new. Removing detaches, which AWS
 * refuses (DependencyViolation) while the VPC still has public addresses
 * mapped (NAT gateways, instances): the engine retries until they go. */
#include "util/common.h"
#include "resources/generic_child.h"

static const struct rtype_child api = {
	.type_name = "AWS::EC2::VPCGatewayAttachment",
	.describe_op = "DescribeInternetGateways", .list = "InternetGateways",
	.parent_id = "InternetGatewayId", .parent_filter = "internet-gateway-id",
	.entries = "Attachments",
	.skip = (const struct rtc_skip[]){
		{ "State", (const char *const[]){ "detached", "detaching", NULL }, false }, { 0 } },
	.id_format = "IGW|{VpcId}", .by_id = { "attachment.vpc-id", NULL, "VpcId" },
	.props = (const struct rta_prop[]){
		{ "VpcId", "VpcId", RTA_READ, NULL, NULL },
		{ "InternetGatewayId", "InternetGatewayId", RTA_READ | RTA_PARENT,
		  "AttachInternetGateway", NULL },
		{ "AttachmentType", "IGW", RTA_CONST, NULL, NULL },
		{ 0 } },
	.args = (const char *const[]){ "InternetGatewayId", "VpcId", NULL },
	.needs_why = " (VPN gateways are not supported yet)",
	.create_op = "AttachInternetGateway",
	.conflict = "VPC {VpcId} already has internet gateway {=InternetGatewayId} attached",
	.conflict_why = "a VPC has one internet gateway; detach the other one first",
	.delete_op = "DetachInternetGateway",
	.gone = (const char *const[]){ "Gateway.NotAttached", "InvalidInternetGatewayID.NotFound",
				       "InvalidVpcID.NotFound", NULL },
	.blocked = "internet gateway {InternetGatewayId} (attached to {VpcId})",
	.blocked_filter = "vpc-id", .blocked_prop = "VpcId",
};
RTC_FUNCS(igw_attachment, api)

const struct rtype rtype_ec2_vpcgatewayattachment = {
	.type_name = "AWS::EC2::VPCGatewayAttachment",
	.parent_type = "AWS::EC2::InternetGateway",
	.identity = (const char *const[]){ "VpcId", NULL },
	.parent_prop = "InternetGatewayId",
	RTC_CALLBACKS(igw_attachment, true),
};
