/* AWS::EC2::EIP over the EC2 API (VPC addresses from Amazon's pool), as a
 * description (generic.h).
 *
 * Refresh: one DescribeAddresses filtered by the stack tag. The physical id
 * is the AllocationId; DescribeAddresses gives no owner, so no ARN is built
 * (the sweep has the tagging API's). Releasing an address still associated
 * (a NAT gateway being deleted lets go of its address only once it is
 * `deleted`) is reported as a dependency, so the engine waits and retries. */
#include "util/common.h"
#include "resources/generic.h"

/* CloudFormation's transform: any Domain means a VPC address now. */
static void domain_vpc(json_t *desired)
{
	if (json_is_string(json_object_get(desired, "Domain")))
		json_object_set_new(desired, "Domain", json_string("vpc"));
}

static const struct rtype_api api = {
	.type_name = "AWS::EC2::EIP", .service = "ec2", .style = RTA_EC2, .kind = "elastic-ip",
	.describe_op = "DescribeAddresses", .describe_ids = "AllocationIds", .list = "Addresses",
	.item_id = "AllocationId",
	.gone = (const char *const[]){ "InvalidAllocationID.NotFound", "InvalidAddress.NotFound",
				       NULL },
	.create_op = "AllocateAddress", .create_fixed = "{\"Domain\": \"vpc\"}",
	.delete_op = "ReleaseAddress", .delete_id = "AllocationId", .what = "Elastic IP",
	/* Busy while its NAT gateway goes: still associated, AuthFailure while
	 * the gateway is `deleting` (kubernetes/kops#1604) and its ENI's
	 * NotFound right after (terraform-provider-aws#49299). */
	.busy = (const char *const[]){ "InvalidIPAddress.InUse", "AuthFailure",
				       "InvalidNetworkInterfaceID.NotFound", NULL },
	.normalise_more = domain_vpc,
};
RTA_FUNCS(eip, api)

const struct rtype rtype_ec2_eip = {
	.type_name = "AWS::EC2::EIP",
	.tag_filter = "ec2:elastic-ip",
	RTA_CALLBACKS(eip, false),
};
