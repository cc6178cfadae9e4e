/* AWS::ElasticLoadBalancingV2::Listener over the ELBv2 API.
 *
 * Listeners are found through their load balancer (one DescribeListeners
 * per load balancer of the stack) and matched to spec addresses by
 * (LoadBalancerArn, Port), which ELB keeps unique. Port, protocol, default
 * actions and TLS settings change in place (ModifyListener).
 *
 * AWS answers a forward action given as TargetGroupArn with an equivalent
 * ForwardConfig (one group, weight 1, stickiness off) and numbers the
 * actions (Order); canonical() drops both so the plan after an apply is
 * empty. A description (generic.h, generic_arn.c). */
#include "util/common.h"

#include "resources/generic.h"
#include "resources/typeutil.h"
#include "util/value.h"

static void canonical(json_t *props)
{
	json_t *actions = json_object_get(props, "DefaultActions"), *a;
	size_t i;
	json_array_foreach(actions, i, a) {
		if (!json_is_object(a) || value_is_unknown(a))
			continue;
		json_t *order = json_object_get(a, "Order");
		if (order && !value_is_unknown(order) && tu_int(a, "Order", -1) == (long long)i + 1)
			json_object_del(a, "Order");
		const char *tg = json_string_value(json_object_get(a, "TargetGroupArn"));
		json_t *fc = json_object_get(a, "ForwardConfig");
		if (!tg || !json_is_object(fc))
			continue;
		json_t *groups = json_object_get(fc, "TargetGroups");
		json_t *g = json_array_get(groups, 0);
		json_t *st = json_object_get(fc, "TargetGroupStickinessConfig");
		const char *gtg = json_string_value(json_object_get(g, "TargetGroupArn"));
		bool sticky = st && rt_bool(st, "Enabled", false);
		if (json_array_size(groups) == 1 && gtg && !strcmp(gtg, tg) && !sticky &&
		    tu_int(g, "Weight", 1) == 1)
			json_object_del(a, "ForwardConfig");
	}
}

static void read_more(json_t *props, json_t *item)
{
	(void)item;
	canonical(props);
}

/* Every setting goes with ModifyListener, as CreateListener takes them. */
#define SET (RTA_CREATE | RTA_READ | RTA_GROUP)
static const struct rtype_api api = {
	.type_name = "AWS::ElasticLoadBalancingV2::Listener", .service = "elbv2",
	.arn_service = "elasticloadbalancing", .style = RTA_SERVICE, .kind = "listener",
	.describe_op = "DescribeListeners", .describe_ids = "ListenerArns",
	.parent_member = "LoadBalancerArn", .list = "Listeners", .item_id = "ListenerArn",
	.item_arn = "ListenerArn",
	.gone = (const char *const[]){ "ListenerNotFound", "LoadBalancerNotFound", NULL },
	/* CreateListener is idempotent for the same settings: a retry after
	 * a crash gets the same listener. */
	.create_op = "CreateListener", .create_item = "Listeners",
	.hints = (const struct rta_hint[]){
		{ "TargetGroupAssociationLimit",
		  "a target group serves one load balancer; give this listener its own" },
		{ 0 } },
	.delete_op = "DeleteListener", .delete_id = "ListenerArn",
	.props = (const struct rta_prop[]){
		{ "ListenerArn", "ListenerArn", RTA_READ, NULL, NULL },
		{ "LoadBalancerArn", "LoadBalancerArn", RTA_CREATE | RTA_READ, NULL, NULL },
		{ "Port", "Port", SET | RTA_INT, "ModifyListener", NULL },
		{ "Protocol", "Protocol", SET, "ModifyListener", NULL },
		{ "DefaultActions", "DefaultActions", SET, "ModifyListener", NULL },
		{ "Certificates", "Certificates", SET, "ModifyListener", NULL },
		{ "SslPolicy", "SslPolicy", SET, "ModifyListener", NULL },
		{ "AlpnPolicy", "AlpnPolicy", SET, "ModifyListener", NULL },
		{ 0 } },
	.read_more = read_more,
	.normalise_more = canonical,
};
RTA_ARN_FUNCS(elbv2_listener, api, rtype_elbv2_listener)

const struct rtype rtype_elbv2_listener = {
	.type_name = "AWS::ElasticLoadBalancingV2::Listener",
	.parent_type = "AWS::ElasticLoadBalancingV2::LoadBalancer",
	.identity = (const char *const[]){ "LoadBalancerArn", "Port", NULL },
	.parent_prop = "LoadBalancerArn", /* one outside the stack: read by the cached ARN */
	RTA_ARN_CHILD_CALLBACKS(elbv2_listener),
};
