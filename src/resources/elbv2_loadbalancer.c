/* AWS::ElasticLoadBalancingV2::LoadBalancer over the ELBv2 API, as a
 * description (generic.h, generic_arn.c).
 *
 * Refresh: the tagging API lists the stack's load balancers with their
 * tags; DescribeLoadBalancers (20 ARNs a call) gives the rest. The physical
 * id is the ARN; the name is unique, looked up before a create and at plan.
 * A create waits until the state is active (a few minutes in AWS); subnets,
 * security groups and the IP address type change in place. Deleting is
 * immediate, but the load balancer's network interfaces linger a while:
 * the subnets' and groups' deletes retry. */
#include "util/common.h"

#include "resources/generic.h"
#include "resources/typeutil.h"

/* Subnets from the zones the load balancer is in, and "app/NAME/ID", the
 * ARN's end. */
static void read_more(json_t *props, json_t *item)
{
	json_t *subnets = json_array(), *az;
	size_t i;
	json_array_foreach(json_object_get(item, "AvailabilityZones"), i, az)
		if (json_is_string(json_object_get(az, "SubnetId")))
			json_array_append(subnets, json_object_get(az, "SubnetId"));
	json_object_set_new(props, "Subnets", subnets);
	const char *arn = json_string_value(json_object_get(item, "LoadBalancerArn"));
	const char *full = arn ? strstr(arn, ":loadbalancer/") : NULL;
	if (full)
		json_object_set_new(props, "LoadBalancerFullName",
				    json_string(full + strlen(":loadbalancer/")));
}

#define CR (RTA_CREATE | RTA_READ)
static const struct rtype_api api = {
	.type_name = "AWS::ElasticLoadBalancingV2::LoadBalancer", .service = "elbv2",
	.arn_service = "elasticloadbalancing", .style = RTA_SERVICE, .kind = "loadbalancer",
	.what = "load balancer",
	.describe_op = "DescribeLoadBalancers", .describe_ids = "LoadBalancerArns",
	.describe_names = "Names", .list = "LoadBalancers", .item_id = "LoadBalancerArn",
	.item_arn = "LoadBalancerArn", .item_name = "LoadBalancerName", .batch = 20,
	.gone = (const char *const[]){ "LoadBalancerNotFound", NULL },
	.status = "State.Code", .ready = "active",
	.failed = (const char *const[]){ "failed", NULL }, .failure_message = "State.Reason",
	.wait_ms = 20L * 60 * 1000, .wait_interval_ms = 15000,
	.create_op = "CreateLoadBalancer", .create_item = "LoadBalancers",
	.delete_op = "DeleteLoadBalancer", .delete_id = "LoadBalancerArn",
	RTA_ELBV2_TAGS,
	.props = (const struct rta_prop[]){
		{ "Name", "Name", RTA_CREATE, NULL, NULL },
		{ "Name", "LoadBalancerName", RTA_READ, NULL, NULL },
		{ "LoadBalancerName", "LoadBalancerName", RTA_READ, NULL, NULL },
		{ "LoadBalancerArn", "LoadBalancerArn", RTA_READ, NULL, NULL },
		{ "DNSName", "DNSName", RTA_READ, NULL, NULL },
		{ "CanonicalHostedZoneID", "CanonicalHostedZoneId", RTA_READ, NULL, NULL },
		{ "Subnets", "Subnets", RTA_CREATE, "SetSubnets", "[]" },
		{ "SecurityGroups", "SecurityGroups", CR, "SetSecurityGroups", "[]" },
		{ "Scheme", "Scheme", CR, NULL, NULL },
		{ "Type", "Type", CR, NULL, NULL },
		{ "IpAddressType", "IpAddressType", CR, "SetIpAddressType", "\"ipv4\"" },
		{ 0 } },
	.read_more = read_more,
	.name_prop = "Name", .name_max = 32, .name_dash = true,
};
RTA_ARN_FUNCS(elbv2_lb, api, rtype_elbv2_loadbalancer)

const struct rtype rtype_elbv2_loadbalancer = {
	.type_name = "AWS::ElasticLoadBalancingV2::LoadBalancer",
	.tag_filter = "elasticloadbalancing:loadbalancer",
	RTA_ARN_CALLBACKS(elbv2_lb),
	.wait_ready = elbv2_lb_wait_ready,
};
