/* AWS::ElasticLoadBalancingV2::LoadBalancer over the ELBv2 API.
 *
 * Refresh: the tagging API lists the stack's load balancers with their
 * tags; DescribeLoadBalancers (20 ARNs a call) gives the rest. The physical
 * id is the ARN. A create waits until the state is active (a few minutes
 * in AWS); subnets, security groups and the IP address type change in
 * place. Deleting is immediate, but the load balancer's network
 * interfaces linger a while: the subnets' and groups' deletes retry. */
#include "util/common.h"
#include "resources/resource.h"

#include <ctype.h>

#include "resources/typeutil.h"

#define LB_NAME_MAX 32
#define ACTIVE_TIMEOUT_MS (20L * 60 * 1000)

static const char *const not_found[] = { "LoadBalancerNotFound", NULL };

/* "arn:aws:elasticloadbalancing:R:A:loadbalancer/app/NAME/ID" */
static int owns_arn(const char *arn)
{
	return strstr(arn, ":elasticloadbalancing:") && strstr(arn, ":loadbalancer/");
}

static void fill_lb(struct live_resource *r, json_t *lb)
{
	if (!r->props)
		r->props = json_object();
	json_t *p = r->props;
	const char *arn = json_string_value(json_object_get(lb, "LoadBalancerArn"));
	tu_copy(p, "Name", lb, "LoadBalancerName");
	tu_copy(p, "LoadBalancerName", lb, "LoadBalancerName");
	tu_copy(p, "LoadBalancerArn", lb, "LoadBalancerArn");
	tu_copy(p, "DNSName", lb, "DNSName");
	tu_copy(p, "CanonicalHostedZoneID", lb, "CanonicalHostedZoneId");
	tu_copy(p, "Scheme", lb, "Scheme");
	tu_copy(p, "Type", lb, "Type");
	tu_copy(p, "IpAddressType", lb, "IpAddressType");
	tu_copy(p, "SecurityGroups", lb, "SecurityGroups");
	json_t *subnets = json_array(), *az;
	size_t i;
	json_array_foreach(json_object_get(lb, "AvailabilityZones"), i, az)
		if (json_is_string(json_object_get(az, "SubnetId")))
			json_array_append(subnets, json_object_get(az, "SubnetId"));
	json_object_set_new(p, "Subnets", subnets);
	const char *full = arn ? strstr(arn, ":loadbalancer/") : NULL;
	if (full)
		json_object_set_new(p, "LoadBalancerFullName", json_string(full + strlen(":loadbalancer/")));
	free(r->id);
	r->id = xstrdup(arn ? arn : "");
	free(r->arn);
	r->arn = xstrdup(arn ? arn : "");
}

/* DescribeLoadBalancers by ARNs or one name: the answers (new array), []
 * when none exists. */
static int describe(const struct rt_ctx *c, json_t *arns, const char *name, json_t **out,
		    struct diags *d)
{
	json_t *names = arns ? NULL : json_pack("[s]", name);
	json_t *params = arns ? json_pack("{s:O}", "LoadBalancerArns", arns)
			      : json_pack("{s:O}", "Names", names);
	int err = tu_describe_list(c, "elbv2", "DescribeLoadBalancers", params, not_found, "LoadBalancers",
				   out, d);
	json_decref(params);
	if (!err)
		tu_keep_named(*out, arns ? "LoadBalancerArn" : "LoadBalancerName", arns ? arns : names,
			      NULL, "elbv2 DescribeLoadBalancers");
	json_decref(names);
	return err;
}

static int describe_arns(const struct rt_ctx *c, json_t *arns, json_t **out, struct diags *d)
{
	return describe(c, arns, NULL, out, d);
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	static const struct tu_tagged_read tr = {
		.type = &rtype_elbv2_loadbalancer,
		.batch = 20,
		.describe = describe_arns,
		.key_member = "LoadBalancerArn",
		.fill = fill_lb,
	};
	(void)parents;
	return tu_read_tagged(c, &tr, out, d);
}

static int read_tags(const struct rt_ctx *c, const char *arn, json_t **out, struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:[s]}", "ResourceArns", arn);
	/* ELBv2 is eventually consistent: a load balancer just deleted may
	 * still be described while its tags are already gone. */
	static const char *const gone[] = { "LoadBalancerNotFound", NULL };
	int err = rt_call_expect(c, "elbv2", "DescribeTags", params, &res, gone, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	json_t *desc = json_array_get(json_object_get(res, "TagDescriptions"), 0);
	*out = rt_tags_to_map(json_object_get(desc, "Tags"));
	json_decref(res);
	return 0;
}

/* By ARN (arns) or by name. */
static int read_lb(const struct rt_ctx *c, const char *arn, const char *name,
		   struct live_resource *out, struct diags *d)
{
	json_t *lbs = NULL, *arns = arn ? json_pack("[s]", arn) : NULL;
	int err = describe(c, arns, name, &lbs, d);
	json_decref(arns);
	if (err)
		return err;
	json_t *lb = json_array_get(lbs, 0);
	if (!lb) {
		json_decref(lbs);
		return BERTH_ENOTFOUND;
	}
	memset(out, 0, sizeof(*out));
	out->type = rtype_elbv2_loadbalancer.type_name;
	out->detailed = true;
	fill_lb(out, lb);
	json_decref(lbs);
	json_t *tags = NULL;
	if ((err = read_tags(c, out->id, &tags, d))) {
		live_resource_release(out);
		return err;
	}
	rt_apply_tags(out, tags);
	return 0;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	return read_lb(c, id, NULL, out, d);
}

/* ELB names: letters, digits and '-', at most 32, no '-' at either end. */
static char *elb_name(const char *stack, const char *address)
{
	char *name = rt_default_name(stack, address, LB_NAME_MAX);
	for (char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p))
			*p = '-';
	size_t n = strlen(name);
	while (n && name[n - 1] == '-')
		name[--n] = 0;
	return name;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	if (json_object_get(desired, "Name"))
		return;
	char *name = elb_name(stack, address);
	json_object_set_new(desired, "Name", json_string(name));
	free(name);
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	char tmp[64];
	int err = 0;
	const char *name = json_string_value(json_object_get(props, "Name"));
	if (!name) {
		diags_add(d, DIAG_ERROR, "AWS::ElasticLoadBalancingV2::LoadBalancer: Name is not known");
		return BERTH_EINVAL;
	}
	struct live_resource cur;
	err = read_lb(c, NULL, name, &cur, d);
	if (!err) {
		err = tu_check_ours(c, cur.tags, address, "load balancer", name, d);
		if (!err)
			*id_out = xstrdup(cur.id);
		live_resource_release(&cur);
		return err;
	}
	if (err != BERTH_ENOTFOUND)
		return err;
	json_t *params = json_pack("{s:s, s:o}", "Name", name, "Tags", rt_tags_to_list(tags, false));
	tu_copy(params, "Subnets", props, "Subnets");
	tu_copy(params, "SecurityGroups", props, "SecurityGroups");
	const char *s;
	if ((s = rt_str(props, "Scheme", tmp)))
		json_object_set_new(params, "Scheme", json_string(s));
	if ((s = rt_str(props, "Type", tmp)))
		json_object_set_new(params, "Type", json_string(s));
	if ((s = rt_str(props, "IpAddressType", tmp)))
		json_object_set_new(params, "IpAddressType", json_string(s));
	json_t *res = NULL;
	err = rt_call(c, "elbv2", "CreateLoadBalancer", params, &res, d);
	json_decref(params);
	if (err)
		return err;
	const char *arn = json_string_value(json_object_get(
		json_array_get(json_object_get(res, "LoadBalancers"), 0), "LoadBalancerArn"));
	if (!arn) {
		diags_add(d, DIAG_ERROR, "CreateLoadBalancer answered without a LoadBalancerArn");
		err = BERTH_EAWS;
	} else {
		*id_out = xstrdup(arn);
	}
	json_decref(res);
	return err;
}

struct active_ctx {
	const struct rt_ctx *c;
	const char *id;
};

static int active_probe(void *ctx, struct diags *d)
{
	struct active_ctx *ac = ctx;
	json_t *lbs = NULL, *arns = json_pack("[s]", ac->id);
	int err = describe(ac->c, arns, NULL, &lbs, d);
	json_decref(arns);
	if (err)
		return err;
	json_t *state = json_object_get(json_array_get(lbs, 0), "State");
	const char *code = json_string_value(json_object_get(state, "Code"));
	int r = 1;
	if (code && !strcmp(code, "active"))
		r = 0;
	else if (code && !strcmp(code, "failed")) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "the load balancer failed to provision");
		const char *why = json_string_value(json_object_get(state, "Reason"));
		if (why)
			diag_set_detail(dg, "%s", why);
		r = BERTH_EAWS;
	}
	json_decref(lbs);
	return r;
}

static int wait_ready(const struct rt_ctx *c, const char *id, struct diags *d)
{
	struct active_ctx ac = { c, id };
	return rt_poll(c, "the load balancer to be active", ACTIVE_TIMEOUT_MS, 15000, active_probe,
		       &ac, d);
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	int err = 0;
	for (size_t i = 0; i < nchanged && !err; i++) {
		const char *p = changed[i], *op = NULL;
		if (!strcmp(p, "Subnets"))
			op = "SetSubnets";
		else if (!strcmp(p, "SecurityGroups"))
			op = "SetSecurityGroups";
		else if (!strcmp(p, "IpAddressType"))
			op = "SetIpAddressType";
		if (!op) {
			diags_add(d, DIAG_ERROR,
				  "AWS::ElasticLoadBalancingV2::LoadBalancer: berth cannot change %s in place", p);
			return BERTH_EINVAL;
		}
		json_t *v = json_object_get(desired, p);
		json_t *val = v ? json_incref(v) : !strcmp(p, "IpAddressType") ? json_string("ipv4")
									: json_array();
		json_t *params = json_pack("{s:s, s:o}", "LoadBalancerArn", cur->id, p, val);
		err = rt_call(c, "elbv2", op, params, NULL, d);
		json_decref(params);
	}
	return err;
}

static int set_tags(const struct rt_ctx *c, const struct live_resource *cur, json_t *add,
		    json_t *remove_keys, struct diags *d)
{
	int err = 0;
	if (json_object_size(add)) {
		json_t *params = json_pack("{s:[s], s:o}", "ResourceArns", cur->id, "Tags",
					   rt_tags_to_list(add, false));
		err = rt_call(c, "elbv2", "AddTags", params, NULL, d);
		json_decref(params);
	}
	if (!err && json_array_size(remove_keys)) {
		json_t *params = json_pack("{s:[s], s:O}", "ResourceArns", cur->id, "TagKeys", remove_keys);
		err = rt_call(c, "elbv2", "RemoveTags", params, NULL, d);
		json_decref(params);
	}
	return err;
}

static int remove_lb(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	json_t *params = json_pack("{s:s}", "LoadBalancerArn", cur->id);
	int err = rt_call_expect(c, "elbv2", "DeleteLoadBalancer", params, NULL, not_found, NULL, d);
	json_decref(params);
	return err == RT_EXPECTED ? 0 : err;
}

/* Plan's look before it promises creates: names are unique in the account
 * and region, and the ARN holds an id AWS picks. */
static int read_named(const struct rt_ctx *c, const char *const *names, size_t n,
		      struct live_set *out, struct diags *d)
{
	return tu_read_listed_named(c, &rtype_elbv2_loadbalancer, "elbv2", "DescribeLoadBalancers", "LoadBalancers", "LoadBalancerName",
				    "LoadBalancerArn", names, n, out, d);
}

const struct rtype rtype_elbv2_loadbalancer = {
	.type_name = "AWS::ElasticLoadBalancingV2::LoadBalancer",
	.tag_filter = "elasticloadbalancing:loadbalancer",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.read_named = read_named,
	.normalise = normalise,
	.create = create,
	.update = update,
	.set_tags = set_tags,
	.remove = remove_lb,
	.wait_ready = wait_ready,
};
