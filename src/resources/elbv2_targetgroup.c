/* AWS::ElasticLoadBalancingV2::TargetGroup over the ELBv2 API, as a
 * description (generic.h, generic_arn.c).
 *
 * Refresh: the tagging API lists the stack's target groups with their tags;
 * DescribeTargetGroups (20 ARNs a call) gives the settings. The id is the
 * ARN; the name is unique, looked up before a create and at plan. The
 * health check settings change in place, all together (ModifyTargetGroup);
 * a setting removed from the spec goes back to the default AWS applies for
 * the group's protocol (health_default), which is also what AWS reports when
 * the spec never set it, so neither case shows a diff. Targets are ECS's
 * business (it registers its tasks), so berth does not manage them. A
 * target group cannot be deleted while a listener forwards to it: the
 * listener goes first (the graph orders it), and if something else holds it
 * the delete is retried and finally reported with AWS's ResourceInUse. */
#include "util/common.h"

#include "resources/generic.h"
#include "resources/typeutil.h"

/* The health check setting AWS applies for a group when none is given
 * (ELBv2 API reference, CreateTargetGroup), as a new value; NULL when AWS
 * leaves it unset. The group's protocol decides. */
static json_t *health_default(json_t *desired, json_t *live, const char *name)
{
	char tmp[64];
	const char *proto = rt_str(json_object_get(desired, "Protocol") ? desired : live,
				   "Protocol", tmp);
	bool http = proto && (!strcmp(proto, "HTTP") || !strcmp(proto, "HTTPS"));
	if (!strcmp(name, "HealthCheckEnabled"))
		return json_true();
	if (!strcmp(name, "HealthCheckIntervalSeconds"))
		return json_integer(30);
	if (!strcmp(name, "HealthCheckPort"))
		return json_string("traffic-port");
	if (!strcmp(name, "HealthCheckProtocol"))
		return json_string(http ? proto : "TCP");
	if (!strcmp(name, "HealthCheckTimeoutSeconds"))
		return json_integer(http ? 5 : 10);
	if (!strcmp(name, "HealthyThresholdCount"))
		return json_integer(5);
	if (!strcmp(name, "UnhealthyThresholdCount"))
		return json_integer(2);
	if (!strcmp(name, "HealthCheckPath"))
		return http ? json_string("/") : NULL;
	if (!strcmp(name, "Matcher"))
		return http ? json_pack("{s:s}", "HttpCode", "200") : NULL;
	return NULL;
}

/* "targetgroup/NAME/ID", the ARN's end. */
static void read_more(json_t *props, json_t *item)
{
	const char *arn = json_string_value(json_object_get(item, "TargetGroupArn"));
	const char *full = arn ? strstr(arn, ":targetgroup/") : NULL;
	if (full)
		json_object_set_new(props, "TargetGroupFullName", json_string(full + 1));
}

#define CR (RTA_CREATE | RTA_READ)
#define HEALTH (CR | RTA_GROUP)
static const struct rtype_api api = {
	.type_name = "AWS::ElasticLoadBalancingV2::TargetGroup", .service = "elbv2",
	.arn_service = "elasticloadbalancing", .style = RTA_SERVICE, .kind = "targetgroup",
	.what = "target group",
	.describe_op = "DescribeTargetGroups", .describe_ids = "TargetGroupArns",
	.describe_names = "Names", .list = "TargetGroups", .item_id = "TargetGroupArn",
	.item_arn = "TargetGroupArn", .item_name = "TargetGroupName", .batch = 20,
	.gone = (const char *const[]){ "TargetGroupNotFound", NULL },
	.create_op = "CreateTargetGroup", .create_item = "TargetGroups",
	.delete_op = "DeleteTargetGroup", .delete_id = "TargetGroupArn",
	.hints = (const struct rta_hint[]){
		{ "ResourceInUse",
		  "a listener or rule still forwards to it; the listener must go first" },
		{ 0 } },
	RTA_ELBV2_TAGS,
	.props = (const struct rta_prop[]){
		{ "Name", "Name", RTA_CREATE, NULL, NULL },
		{ "Name", "TargetGroupName", RTA_READ, NULL, NULL },
		{ "TargetGroupName", "TargetGroupName", RTA_READ, NULL, NULL },
		{ "TargetGroupArn", "TargetGroupArn", RTA_READ, NULL, NULL },
		{ "Protocol", "Protocol", CR, NULL, NULL },
		{ "ProtocolVersion", "ProtocolVersion", CR, NULL, NULL },
		{ "VpcId", "VpcId", CR, NULL, NULL },
		{ "TargetType", "TargetType", CR, NULL, NULL },
		{ "IpAddressType", "IpAddressType", CR, NULL, NULL },
		{ "Port", "Port", CR | RTA_INT, NULL, NULL },
		{ "HealthCheckEnabled", "HealthCheckEnabled", HEALTH | RTA_BOOL,
		  "ModifyTargetGroup", NULL },
		{ "HealthCheckIntervalSeconds", "HealthCheckIntervalSeconds", HEALTH | RTA_INT,
		  "ModifyTargetGroup", NULL },
		{ "HealthCheckPath", "HealthCheckPath", HEALTH, "ModifyTargetGroup", NULL },
		{ "HealthCheckPort", "HealthCheckPort", HEALTH, "ModifyTargetGroup", NULL },
		{ "HealthCheckProtocol", "HealthCheckProtocol", HEALTH, "ModifyTargetGroup", NULL },
		{ "HealthCheckTimeoutSeconds", "HealthCheckTimeoutSeconds", HEALTH | RTA_INT,
		  "ModifyTargetGroup", NULL },
		{ "HealthyThresholdCount", "HealthyThresholdCount", HEALTH | RTA_INT,
		  "ModifyTargetGroup", NULL },
		{ "UnhealthyThresholdCount", "UnhealthyThresholdCount", HEALTH | RTA_INT,
		  "ModifyTargetGroup", NULL },
		{ "Matcher", "Matcher", HEALTH, "ModifyTargetGroup", NULL },
		{ "LoadBalancerArns", "LoadBalancerArns", RTA_READ, NULL, NULL },
		{ 0 } },
	.read_more = read_more,
	.dflt_of = health_default,
	.name_prop = "Name", .name_max = 32, .name_dash = true,
};
RTA_ARN_FUNCS(elbv2_tg, api, rtype_elbv2_targetgroup)

const struct rtype rtype_elbv2_targetgroup = {
	.type_name = "AWS::ElasticLoadBalancingV2::TargetGroup",
	.tag_filter = "elasticloadbalancing:targetgroup",
	RTA_ARN_CALLBACKS(elbv2_tg),
};
