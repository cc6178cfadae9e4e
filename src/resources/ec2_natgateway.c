/* AWS::EC2::NatGateway over the EC2 API, as a description (generic.h).
 *
 * Refresh: one DescribeNatGateways filtered by the stack tag and by the
 * states that still exist (AWS keeps listing `deleted` and `failed` ones
 * for about an hour; they are history, not live). Create waits until the
 * gateway is `available` (a `failed` one is an error with AWS's reason);
 * delete waits until it is `deleted`, which is when AWS lets go of its
 * network interface and Elastic IP. The Elastic IP is its own resource:
 * deleting the gateway releases nothing it does not own. */
#include "util/common.h"
#include "resources/ec2_common.h"
#include "resources/generic.h"

/* The primary address's allocation, private IP and interface. */
static void read_address(json_t *props, json_t *item)
{
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(item, "NatGatewayAddresses"), i, a) {
		if (!json_is_true(json_object_get(a, "IsPrimary")) && i > 0)
			continue;
		ec2_copy_str(props, "AllocationId", a, "AllocationId");
		ec2_copy_str(props, "PrivateIpAddress", a, "PrivateIp");
		ec2_copy_str(props, "EniId", a, "NetworkInterfaceId");
	}
}

static const struct rtype_api api = {
	.type_name = "AWS::EC2::NatGateway", .service = "ec2", .style = RTA_EC2,
	.kind = "natgateway",
	.describe_op = "DescribeNatGateways", .describe_ids = "NatGatewayIds",
	.list = "NatGateways", .item_id = "NatGatewayId",
	.gone = (const char *const[]){ "NatGatewayNotFound", "InvalidNatGatewayID.NotFound", NULL },
	.filter_key = "Filter",
	.live_filter = "{\"Name\": \"state\", \"Values\": [\"pending\", \"available\", \"deleting\"]}",
	.status = "State", .ready = "available", .what = "NAT gateway",
	.failed = (const char *const[]){ "failed", "deleted", "deleting", NULL },
	.history = (const char *const[]){ "deleted", "failed", NULL },
	.failure_message = "FailureMessage", .failure_code = "FailureCode",
	.wait_ms = 20L * 60 * 1000, /* AWS documents a few minutes; allow for slow days */
	.create_op = "CreateNatGateway", .create_item = "NatGateway", .client_token = "ClientToken",
	.delete_op = "DeleteNatGateway", .delete_id = "NatGatewayId",
	.read_more = read_address,
};
RTA_FUNCS(nat, api)
RTA_WAIT_FUNCS(nat, api)

const struct rtype rtype_ec2_natgateway = {
	.type_name = "AWS::EC2::NatGateway",
	.tag_filter = "ec2:natgateway",
	RTA_CALLBACKS(nat, false),
	RTA_WAITS(nat),
};
