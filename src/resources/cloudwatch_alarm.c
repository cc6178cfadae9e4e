/* AWS::CloudWatch::Alarm (metric alarms) over the CloudWatch API.
 *
 * Refresh: the tagging API lists the stack's alarms (ARN and tags, 100 a
 * page); DescribeAlarms with up to 100 AlarmNames a call gives their
 * settings. AlarmName is the physical id. Create and update are both
 * PutMetricAlarm with the full desired definition (the API has no partial
 * update: what a put leaves out goes back to AWS's default); tags go
 * through CloudWatch's TagResource/UntagResource, since PutMetricAlarm
 * ignores tags for an alarm that exists. */
#include "util/common.h"
#include "resources/resource.h"

#include "resources/typeutil.h"

#define ALARM_NAME_MAX 255

/* "arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME" */
static int owns_arn(const char *arn)
{
	const char *p = strstr(arn, ":cloudwatch:");
	return p && strstr(p, ":alarm:") != NULL;
}

static const char *name_in_arn(const char *arn)
{
	const char *p = arn ? strstr(arn, ":alarm:") : NULL;
	return p ? p + strlen(":alarm:") : NULL;
}

/* Settings that map one to one between the CloudFormation property and
 * the API member (same name in both). */
static const char *const same_name[] = {
	"AlarmDescription", "ComparisonOperator", "DatapointsToAlarm", "EvaluateLowSampleCountPercentile",
	"EvaluationPeriods", "ExtendedStatistic", "MetricName", "Namespace", "Period", "Statistic",
	"Threshold", "ThresholdMetricId", "TreatMissingData", "Unit",
};
static const char *const action_lists[] = { "AlarmActions", "InsufficientDataActions", "OKActions" };

/* One MetricAlarms item in CloudFormation form, AWS's "unset" values left
 * out so that a spec that does not set them sees no drift. */
static void fill_from_describe(struct live_resource *r, json_t *a)
{
	json_t *p = json_object(), *v;
	const char *name = json_string_value(json_object_get(a, "AlarmName"));
	json_object_set_new(p, "AlarmName", json_string(name ? name : ""));
	const char *arn = json_string_value(json_object_get(a, "AlarmArn"));
	if (arn)
		json_object_set_new(p, "Arn", json_string(arn));
	for (size_t i = 0; i < ARRAY_SIZE(same_name); i++) {
		v = json_object_get(a, same_name[i]);
		if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
			continue;
		/* "missing" is the default: unset and missing are the same alarm. */
		if (!strcmp(same_name[i], "TreatMissingData") && json_is_string(v) &&
		    !strcmp(json_string_value(v), "missing"))
			continue;
		json_object_set(p, same_name[i], v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(action_lists); i++)
		if ((v = json_object_get(a, action_lists[i])) && json_array_size(v))
			json_object_set(p, action_lists[i], v);
	if ((v = json_object_get(a, "Dimensions")) && json_array_size(v))
		json_object_set(p, "Dimensions", v);
	v = json_object_get(a, "ActionsEnabled");
	json_object_set_new(p, "ActionsEnabled", json_boolean(!v || json_is_true(v)));
	json_decref(r->props);
	r->props = p;
	free(r->id);
	r->id = xstrdup(name ? name : "");
	free(r->arn);
	r->arn = arn ? xstrdup(arn) : NULL;
}

static int describe_names(const struct rt_ctx *c, json_t *names, json_t **alarms, struct diags *d)
{
	json_t *params = json_pack("{s:O, s:[s]}", "AlarmNames", names, "AlarmTypes", "MetricAlarm");
	int err = rt_call_all(c, "cloudwatch", "DescribeAlarms", params, "MetricAlarms", alarms, d);
	json_decref(params);
	if (!err)
		tu_keep_named(*alarms, "AlarmName", names, NULL, "cloudwatch DescribeAlarms");
	return err;
}

static char *name_of_arn(const char *arn)
{
	const char *name = name_in_arn(arn);
	return name ? xstrdup(name) : NULL;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	/* DescribeAlarms takes at most 100 names a call. */
	static const struct tu_tagged_read tr = {
		.type = &rtype_cloudwatch_alarm,
		.key_of_arn = name_of_arn,
		.batch = 100,
		.describe = describe_names,
		.key_member = "AlarmName",
		.fill = fill_from_describe,
	};
	(void)parents;
	return tu_read_tagged(c, &tr, out, d);
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *alarms = NULL, *names = json_pack("[s]", id), *tags = NULL;
	int err = describe_names(c, names, &alarms, d);
	json_decref(names);
	if (err)
		return err;
	json_t *a = json_array_get(alarms, 0);
	if (!a) {
		json_decref(alarms);
		return BERTH_ENOTFOUND;
	}
	memset(out, 0, sizeof(*out));
	out->type = rtype_cloudwatch_alarm.type_name;
	out->detailed = true;
	fill_from_describe(out, a);
	json_decref(alarms);
	static const char *const gone[] = { "ResourceNotFound", "ResourceNotFoundException", NULL };
	err = tu_list_tags(c, "cloudwatch", "ResourceARN", out->arn, gone, "Tags", &tags, d);
	if (err) {
		live_resource_release(out);
		return err;
	}
	rt_apply_tags(out, tags);
	return 0;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	/* "missing" is AWS's default and reads back as unset (see
	 * fill_from_describe): the same alarm either way. */
	json_t *tmd = json_object_get(desired, "TreatMissingData");
	if (json_is_string(tmd) && !strcmp(json_string_value(tmd), "missing"))
		json_object_del(desired, "TreatMissingData");
	if (json_object_get(desired, "AlarmName"))
		return;
	char *name = rt_default_name(stack, address, ALARM_NAME_MAX);
	json_object_set_new(desired, "AlarmName", json_string(name));
	free(name);
}

/* A number given as 50 or "50" (CloudFormation accepts both). */
static json_t *number(json_t *v, bool integer)
{
	if (json_is_number(v))
		return integer ? json_integer((json_int_t)json_number_value(v)) : json_real(json_number_value(v));
	if (json_is_string(v)) {
		char *end;
		double x = strtod(json_string_value(v), &end);
		if (end != json_string_value(v) && !*end)
			return integer ? json_integer((json_int_t)x) : json_real(x);
	}
	return NULL;
}

/* The full PutMetricAlarm request for `props`. */
static json_t *put_params(json_t *props, const char *name, struct diags *d)
{
	json_t *params = json_pack("{s:s}", "AlarmName", name), *v;
	for (size_t i = 0; i < ARRAY_SIZE(same_name); i++) {
		const char *k = same_name[i];
		if (!(v = json_object_get(props, k)) || json_is_null(v))
			continue;
		bool is_int = !strcmp(k, "DatapointsToAlarm") || !strcmp(k, "EvaluationPeriods") ||
			      !strcmp(k, "Period");
		if (is_int || !strcmp(k, "Threshold")) {
			json_t *n = number(v, is_int);
			if (!n) {
				diags_add(d, DIAG_ERROR, "AWS::CloudWatch::Alarm: %s is not a number", k);
				json_decref(params);
				return NULL;
			}
			json_object_set_new(params, k, n);
		} else {
			char *s = rt_attr_string(v);
			json_object_set_new(params, k, json_string(s ? s : ""));
			free(s);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(action_lists); i++)
		json_object_set_new(params, action_lists[i],
				    json_is_array(json_object_get(props, action_lists[i])) ?
					    json_incref(json_object_get(props, action_lists[i])) :
					    json_array());
	if (json_is_array(v = json_object_get(props, "Dimensions")))
		json_object_set(params, "Dimensions", v);
	json_object_set_new(params, "ActionsEnabled", json_boolean(rt_bool(props, "ActionsEnabled", true)));
	return params;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	int err = 0;
	const char *name = json_string_value(json_object_get(props, "AlarmName"));
	if (!name) {
		diags_add(d, DIAG_ERROR, "AWS::CloudWatch::Alarm: AlarmName is not known");
		return BERTH_EINVAL;
	}
	/* PutMetricAlarm overwrites an alarm of the same name, so look first:
	 * ours (a retry after a crash) is put again, someone else's is left
	 * alone. */
	struct live_resource cur;
	err = read_one(c, name, &cur, d);
	if (!err) {
		const char *st = json_string_value(json_object_get(cur.tags, TAG_STACK));
		bool ours = st && cur.address && !strcmp(st, c->stack) && !strcmp(cur.address, address);
		live_resource_release(&cur);
		if (!ours) {
			struct diag *dg = diags_add(d, DIAG_ERROR,
						    "alarm %s already exists and is not this resource's", name);
			diag_set_detail(dg, "it is not tagged %s=%s, %s=%s; take it into the stack with "
				       "`berth import %s %s` or `adopt: true`, choose another AlarmName, "
				       "or delete the existing alarm", TAG_STACK, c->stack, TAG_ID, address,
				       address, name);
			return BERTH_ECONFLICT;
		}
	} else if (err != BERTH_ENOTFOUND) {
		return err;
	}
	json_t *params = put_params(props, name, d);
	if (!params)
		return BERTH_EINVAL;
	json_object_set_new(params, "Tags", rt_tags_to_list(tags, false));
	err = rt_call(c, "cloudwatch", "PutMetricAlarm", params, NULL, d);
	json_decref(params);
	if (err)
		return err;
	*id_out = xstrdup(name);
	return 0;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	(void)changed;
	(void)nchanged;
	int err = 0;
	json_t *params = put_params(desired, cur->id, d);
	if (!params)
		return BERTH_EINVAL;
	err = rt_call(c, "cloudwatch", "PutMetricAlarm", params, NULL, d);
	json_decref(params);
	return err;
}

static int set_tags(const struct rt_ctx *c, const struct live_resource *cur, json_t *add,
		    json_t *remove_keys, struct diags *d)
{
	int err = 0;
	if (json_array_size(remove_keys)) {
		json_t *params = json_pack("{s:s, s:O}", "ResourceARN", cur->arn ? cur->arn : "",
					   "TagKeys", remove_keys);
		err = rt_call(c, "cloudwatch", "UntagResource", params, NULL, d);
		json_decref(params);
		if (err)
			return err;
	}
	if (json_object_size(add)) {
		json_t *params = json_pack("{s:s, s:o}", "ResourceARN", cur->arn ? cur->arn : "",
					   "Tags", rt_tags_to_list(add, false));
		err = rt_call(c, "cloudwatch", "TagResource", params, NULL, d);
		json_decref(params);
	}
	return err;
}

static int remove_alarm(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	static const char *const gone[] = { "ResourceNotFound", NULL };
	json_t *params = json_pack("{s:[s]}", "AlarmNames", cur->id);
	int err = rt_call_expect(c, "cloudwatch", "DeleteAlarms", params, NULL, gone, NULL, d);
	json_decref(params);
	return err == RT_EXPECTED ? 0 : err;
}

const struct rtype rtype_cloudwatch_alarm = {
	.type_name = "AWS::CloudWatch::Alarm",
	.tag_filter = "cloudwatch:alarm",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.create = create,
	.update = update,
	.set_tags = set_tags,
	.remove = remove_alarm,
};
