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
 * empty. */
#include "util/common.h"
#include "resources/resource.h"

#include "resources/typeutil.h"
#include "util/value.h"

static const char *const identity[] = { "LoadBalancerArn", "Port", NULL };
static const char *const not_found[] = { "ListenerNotFound", "LoadBalancerNotFound", NULL };

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

static void fill_listener(struct live_resource *r, json_t *l)
{
	if (!r->props)
		r->props = json_object();
	json_t *p = r->props;
	static const char *const same[] = { "ListenerArn", "LoadBalancerArn", "Port", "Protocol",
					    "DefaultActions", "Certificates", "SslPolicy",
					    "AlpnPolicy" };
	for (size_t i = 0; i < ARRAY_SIZE(same); i++)
		tu_copy(p, same[i], l, same[i]);
	canonical(p);
	const char *arn = json_string_value(json_object_get(l, "ListenerArn"));
	const char *lb = json_string_value(json_object_get(l, "LoadBalancerArn"));
	free(r->id);
	r->id = xstrdup(arn ? arn : "");
	free(r->arn);
	r->arn = xstrdup(arn ? arn : "");
	free(r->parent_id);
	r->parent_id = lb ? xstrdup(lb) : NULL;
	r->detailed = true;
}

static int describe(const struct rt_ctx *c, const char *key, const char *value, json_t **out,
		    struct diags *d)
{
	json_t *params = !strcmp(key, "ListenerArns") ? json_pack("{s:[s]}", key, value)
						       : json_pack("{s:s}", key, value);
	int err = tu_describe_list(c, "elbv2", "DescribeListeners", params, not_found, "Listeners",
				   out, d);
	json_decref(params);
	return err;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	for (size_t i = 0; i < parents->n; i++) {
		json_t *ls = NULL, *l;
		int err = describe(c, "LoadBalancerArn", parents->v[i].id, &ls, d);
		if (err)
			return err;
		size_t k;
		json_array_foreach(ls, k, l)
			fill_listener(live_set_add(out, rtype_elbv2_listener.type_name), l);
		json_decref(ls);
	}
	return 0;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *ls = NULL;
	int err = describe(c, "ListenerArns", id, &ls, d);
	if (err)
		return err;
	json_t *l = json_array_get(ls, 0);
	if (!l) {
		json_decref(ls);
		return BERTH_ENOTFOUND;
	}
	memset(out, 0, sizeof(*out));
	out->type = rtype_elbv2_listener.type_name;
	fill_listener(out, l);
	json_decref(ls);
	return 0;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	(void)stack;
	(void)address;
	canonical(desired);
}

/* Listener settings as API parameters (the names are the same). */
static void add_settings(json_t *params, json_t *props)
{
	if (json_object_get(props, "Port"))
		json_object_set_new(params, "Port", json_integer(tu_int(props, "Port", 0)));
	static const char *const same[] = { "Protocol", "DefaultActions", "Certificates",
					    "SslPolicy", "AlpnPolicy" };
	for (size_t i = 0; i < ARRAY_SIZE(same); i++)
		tu_copy(params, same[i], props, same[i]);
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	int err = 0;
	char tmp[64];
	const char *lb = rt_str(props, "LoadBalancerArn", tmp);
	if (!lb) {
		diags_add(d, DIAG_ERROR, "AWS::ElasticLoadBalancingV2::Listener: LoadBalancerArn is not known");
		return BERTH_EINVAL;
	}
	json_t *params = json_pack("{s:s}", "LoadBalancerArn", lb);
	add_settings(params, props);
	/* CreateListener is idempotent for the same settings: a retry after a
	 * crash gets the same listener. */
	json_t *res = NULL;
	err = rt_call(c, "elbv2", "CreateListener", params, &res, d);
	json_decref(params);
	if (err) {
		if (d->n && d->items[d->n - 1].aws_code &&
		    !strcmp(d->items[d->n - 1].aws_code, "TargetGroupAssociationLimit"))
			diag_set_detail(&d->items[d->n - 1],
					"a target group serves one load balancer; give this listener its own");
		return err;
	}
	const char *arn = json_string_value(json_object_get(
		json_array_get(json_object_get(res, "Listeners"), 0), "ListenerArn"));
	if (!arn) {
		diags_add(d, DIAG_ERROR, "CreateListener answered without a ListenerArn");
		err = BERTH_EAWS;
	} else {
		*id_out = xstrdup(arn);
	}
	json_decref(res);
	(void)address;
	(void)tags;
	return err;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	int err = 0;
	for (size_t i = 0; i < nchanged; i++) {
		static const char *const ok[] = { "Port", "Protocol", "DefaultActions", "Certificates",
						  "SslPolicy", "AlpnPolicy", NULL };
		bool known = false;
		for (size_t k = 0; ok[k]; k++)
			known |= !strcmp(ok[k], changed[i]);
		if (!known) {
			diags_add(d, DIAG_ERROR,
				  "AWS::ElasticLoadBalancingV2::Listener: berth cannot change %s in place",
				  changed[i]);
			return BERTH_EINVAL;
		}
	}
	json_t *params = json_pack("{s:s}", "ListenerArn", cur->id);
	add_settings(params, desired);
	err = rt_call(c, "elbv2", "ModifyListener", params, NULL, d);
	json_decref(params);
	return err;
}

static int remove_listener(const struct rt_ctx *c, const struct live_resource *cur,
			   struct diags *d)
{
	json_t *params = json_pack("{s:s}", "ListenerArn", cur->id);
	int err = rt_call_expect(c, "elbv2", "DeleteListener", params, NULL, not_found, NULL, d);
	json_decref(params);
	return err == RT_EXPECTED ? 0 : err;
}

const struct rtype rtype_elbv2_listener = {
	.type_name = "AWS::ElasticLoadBalancingV2::Listener",
	.parent_type = "AWS::ElasticLoadBalancingV2::LoadBalancer",
	.identity = identity,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.create = create,
	.update = update,
	.remove = remove_listener,
};
