/* AWS::ElasticLoadBalancingV2::TargetGroup over the ELBv2 API.
 *
 * Refresh: the tagging API lists the stack's target groups with their tags;
 * DescribeTargetGroups (20 ARNs a call) gives the settings. The health
 * check settings change in place (ModifyTargetGroup); a setting removed
 * from the spec goes back to the default AWS applies for the group's
 * protocol (health_default), which is also what AWS reports when the spec
 * never set it, so neither case shows a diff. Targets are ECS's business
 * (it registers its tasks), so berth does not manage them. A target group
 * cannot be deleted while a listener forwards to it: the listener goes
 * first (the graph orders it), and if something else holds it the delete
 * is retried and finally reported with AWS's ResourceInUse. */
#include "util/common.h"
#include "resources/resource.h"

#include <ctype.h>

#include "resources/typeutil.h"

#define TG_NAME_MAX 32

static const char *const not_found[] = { "TargetGroupNotFound", NULL };

/* "arn:aws:elasticloadbalancing:R:A:targetgroup/NAME/ID" */
static int owns_arn(const char *arn)
{
	return strstr(arn, ":elasticloadbalancing:") && strstr(arn, ":targetgroup/");
}

/* Health check properties: CloudFormation and API share these names. */
static const char *const health_props[] = {
	"HealthCheckEnabled", "HealthCheckIntervalSeconds", "HealthCheckPath", "HealthCheckPort",
	"HealthCheckProtocol", "HealthCheckTimeoutSeconds", "HealthyThresholdCount",
	"UnhealthyThresholdCount", "Matcher",
};

static void fill_tg(struct live_resource *r, json_t *tg)
{
	if (!r->props)
		r->props = json_object();
	json_t *p = r->props;
	const char *arn = json_string_value(json_object_get(tg, "TargetGroupArn"));
	tu_copy(p, "Name", tg, "TargetGroupName");
	tu_copy(p, "TargetGroupName", tg, "TargetGroupName");
	tu_copy(p, "TargetGroupArn", tg, "TargetGroupArn");
	static const char *const same[] = { "Port", "Protocol", "ProtocolVersion", "VpcId",
					    "TargetType", "IpAddressType", "LoadBalancerArns" };
	for (size_t i = 0; i < ARRAY_SIZE(same); i++)
		tu_copy(p, same[i], tg, same[i]);
	for (size_t i = 0; i < ARRAY_SIZE(health_props); i++)
		tu_copy(p, health_props[i], tg, health_props[i]);
	const char *full = arn ? strstr(arn, ":targetgroup/") : NULL;
	if (full)
		json_object_set_new(p, "TargetGroupFullName", json_string(full + 1));
	free(r->id);
	r->id = xstrdup(arn ? arn : "");
	free(r->arn);
	r->arn = xstrdup(arn ? arn : "");
}

static int describe(const struct rt_ctx *c, json_t *arns, const char *name, json_t **out,
		    struct diags *d)
{
	json_t *names = arns ? NULL : json_pack("[s]", name);
	json_t *params = arns ? json_pack("{s:O}", "TargetGroupArns", arns)
			      : json_pack("{s:O}", "Names", names);
	int err = tu_describe_list(c, "elbv2", "DescribeTargetGroups", params, not_found, "TargetGroups",
				   out, d);
	json_decref(params);
	if (!err)
		tu_keep_named(*out, arns ? "TargetGroupArn" : "TargetGroupName", arns ? arns : names,
			      NULL, "elbv2 DescribeTargetGroups");
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
		.type = &rtype_elbv2_targetgroup,
		.batch = 20,
		.describe = describe_arns,
		.key_member = "TargetGroupArn",
		.fill = fill_tg,
	};
	(void)parents;
	return tu_read_tagged(c, &tr, out, d);
}

static int read_tg(const struct rt_ctx *c, const char *arn, const char *name,
		   struct live_resource *out, struct diags *d)
{
	json_t *tgs = NULL, *arns = arn ? json_pack("[s]", arn) : NULL;
	int err = describe(c, arns, name, &tgs, d);
	json_decref(arns);
	if (err)
		return err;
	json_t *tg = json_array_get(tgs, 0);
	if (!tg) {
		json_decref(tgs);
		return BERTH_ENOTFOUND;
	}
	memset(out, 0, sizeof(*out));
	out->type = rtype_elbv2_targetgroup.type_name;
	out->detailed = true;
	fill_tg(out, tg);
	json_decref(tgs);
	json_t *res = NULL, *params = json_pack("{s:[s]}", "ResourceArns", out->id);
	/* Just deleted: still described a moment, its tags already gone. */
	static const char *const gone[] = { "TargetGroupNotFound", NULL };
	err = rt_call_expect(c, "elbv2", "DescribeTags", params, &res, gone, NULL, d);
	json_decref(params);
	if (err) {
		live_resource_release(out);
		return err == RT_EXPECTED ? BERTH_ENOTFOUND : err;
	}
	json_t *desc = json_array_get(json_object_get(res, "TagDescriptions"), 0);
	rt_apply_tags(out, rt_tags_to_map(json_object_get(desc, "Tags")));
	json_decref(res);
	return 0;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	return read_tg(c, id, NULL, out, d);
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	if (json_object_get(desired, "Name"))
		return;
	char *name = rt_default_name(stack, address, TG_NAME_MAX);
	for (char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p))
			*p = '-';
	size_t n = strlen(name);
	while (n && name[n - 1] == '-')
		name[--n] = 0;
	json_object_set_new(desired, "Name", json_string(name));
	free(name);
}

/* The health check setting AWS applies for a group when none is given
 * (ELBv2 API reference, CreateTargetGroup), as a new value; NULL when AWS
 * leaves it unset. */
static json_t *health_default(json_t *props, const char *name)
{
	char tmp[64];
	const char *proto = rt_str(props, "Protocol", tmp);
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

static void add_health(json_t *params, json_t *props, bool defaults)
{
	for (size_t i = 0; i < ARRAY_SIZE(health_props); i++) {
		json_t *v = json_object_get(props, health_props[i]);
		if (v) {
			json_t *x = json_deep_copy(v);
			/* The API wants integers and booleans where YAML may say "30". */
			if (json_is_string(x) && strcmp(health_props[i], "HealthCheckPath") &&
			    strcmp(health_props[i], "HealthCheckPort") &&
			    strcmp(health_props[i], "HealthCheckProtocol")) {
				json_t *w = json_pack("{s:O}", "v", x);
				json_decref(x);
				x = !strcmp(health_props[i], "HealthCheckEnabled")
					    ? json_boolean(rt_bool(w, "v", true))
					    : json_integer(tu_int(w, "v", 0));
				json_decref(w);
			}
			json_object_set_new(params, health_props[i], x);
		} else if (defaults) {
			json_t *dv = health_default(props, health_props[i]);
			if (dv)
				json_object_set_new(params, health_props[i], dv);
		}
	}
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	int err = 0;
	const char *name = json_string_value(json_object_get(props, "Name"));
	if (!name) {
		diags_add(d, DIAG_ERROR, "AWS::ElasticLoadBalancingV2::TargetGroup: Name is not known");
		return BERTH_EINVAL;
	}
	struct live_resource cur;
	err = read_tg(c, NULL, name, &cur, d);
	if (!err) {
		err = tu_check_ours(c, cur.tags, address, "target group", name, d);
		if (!err)
			*id_out = xstrdup(cur.id);
		live_resource_release(&cur);
		return err;
	}
	if (err != BERTH_ENOTFOUND)
		return err;
	json_t *params = json_pack("{s:s, s:o}", "Name", name, "Tags", rt_tags_to_list(tags, false));
	static const char *const same[] = { "Protocol", "ProtocolVersion", "VpcId", "TargetType",
					    "IpAddressType" };
	for (size_t i = 0; i < ARRAY_SIZE(same); i++)
		tu_copy(params, same[i], props, same[i]);
	if (json_object_get(props, "Port"))
		json_object_set_new(params, "Port", json_integer(tu_int(props, "Port", 0)));
	add_health(params, props, false);
	json_t *res = NULL;
	err = rt_call(c, "elbv2", "CreateTargetGroup", params, &res, d);
	json_decref(params);
	if (err)
		return err;
	const char *arn = json_string_value(json_object_get(
		json_array_get(json_object_get(res, "TargetGroups"), 0), "TargetGroupArn"));
	if (!arn) {
		diags_add(d, DIAG_ERROR, "CreateTargetGroup answered without a TargetGroupArn");
		err = BERTH_EAWS;
	} else {
		*id_out = xstrdup(arn);
	}
	json_decref(res);
	return err;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	int err = 0;
	for (size_t i = 0; i < nchanged; i++) {
		bool ok = false;
		for (size_t k = 0; k < ARRAY_SIZE(health_props); k++)
			ok |= !strcmp(health_props[k], changed[i]);
		if (!ok) {
			diags_add(d, DIAG_ERROR,
				  "AWS::ElasticLoadBalancingV2::TargetGroup: berth cannot change %s in place",
				  changed[i]);
			return BERTH_EINVAL;
		}
	}
	/* The group's protocol decides the defaults of what the spec left out. */
	json_t *full = json_deep_copy(desired);
	if (!json_object_get(full, "Protocol"))
		tu_copy(full, "Protocol", cur->props, "Protocol");
	json_t *params = json_pack("{s:s}", "TargetGroupArn", cur->id);
	add_health(params, full, true);
	json_decref(full);
	err = rt_call(c, "elbv2", "ModifyTargetGroup", params, NULL, d);
	json_decref(params);
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

static int remove_tg(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	json_t *params = json_pack("{s:s}", "TargetGroupArn", cur->id);
	int err = rt_call_expect(c, "elbv2", "DeleteTargetGroup", params, NULL, not_found, NULL, d);
	json_decref(params);
	if (err == BERTH_EAWS && d->n && d->items[d->n - 1].aws_code &&
	    !strcmp(d->items[d->n - 1].aws_code, "ResourceInUse") && !d->items[d->n - 1].detail)
		diag_set_detail(&d->items[d->n - 1],
				"a listener or rule still forwards to it; the listener must go first");
	return err == RT_EXPECTED ? 0 : err;
}

/* Plan's look before it promises creates: names are unique in the account
 * and region, and the ARN holds an id AWS picks. */
static int read_named(const struct rt_ctx *c, const char *const *names, size_t n,
		      struct live_set *out, struct diags *d)
{
	return tu_read_listed_named(c, &rtype_elbv2_targetgroup, "elbv2", "DescribeTargetGroups", "TargetGroups", "TargetGroupName",
				    "TargetGroupArn", names, n, out, d);
}

const struct rtype rtype_elbv2_targetgroup = {
	.type_name = "AWS::ElasticLoadBalancingV2::TargetGroup",
	.tag_filter = "elasticloadbalancing:targetgroup",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.read_named = read_named,
	.normalise = normalise,
	.create = create,
	.update = update,
	.set_tags = set_tags,
	.remove = remove_tg,
};
