/* AWS::CloudWatch::Alarm (metric alarms) over the CloudWatch API.
 *
 * Refresh: the tagging API lists the stack's alarms (ARN and tags, 100 a
 * page); DescribeAlarms with up to 100 AlarmNames a call gives their
 * settings. AlarmName is the physical id. Create and update are both
 * PutMetricAlarm with the full desired definition (the API has no partial
 * update: what a put leaves out goes back to AWS's default); tags go
 * through CloudWatch's TagResource/UntagResource, since PutMetricAlarm
 * ignores tags for an alarm that exists. A description (generic.h) of the
 * put style (generic_put.h). */
#include "util/common.h"
#include "resources/resource.h"

#include "resources/generic.h"

#define CR (RTA_CREATE | RTA_READ | RTA_NONEMPTY)
#define LIST (CR | RTA_ALWAYS)

/* "missing" is AWS's default, read back as unset: the same alarm either
 * way, and a spec that does not set it sees no drift. */
static void drop_missing(json_t *props)
{
	json_t *tmd = json_object_get(props, "TreatMissingData");
	if (json_is_string(tmd) && !strcmp(json_string_value(tmd), "missing"))
		json_object_del(props, "TreatMissingData");
}

static void read_more(json_t *props, json_t *item)
{
	drop_missing(props);
	json_t *v = json_object_get(item, "ActionsEnabled");
	json_object_set_new(props, "ActionsEnabled", json_boolean(!v || json_is_true(v)));
}

/* The members are CloudFormation's names; PutMetricAlarm takes them in
 * this order. */
static const struct rtype_api api = {
	.type_name = "AWS::CloudWatch::Alarm", .service = "cloudwatch", .style = RTA_SERVICE,
	.kind = "alarm", .arn_sep = ':', .what = "alarm",
	.describe_op = "DescribeAlarms", .describe_ids = "AlarmNames", .list = "MetricAlarms",
	.describe_fixed = "{\"AlarmTypes\": [\"MetricAlarm\"]}",
	.item_id = "AlarmName", .item_arn = "AlarmArn",
	.gone = (const char *const[]){ "ResourceNotFound", "ResourceNotFoundException", NULL },
	.create_op = "PutMetricAlarm",
	.delete_op = "DeleteAlarms", .delete_id = "AlarmNames", .delete_list = true,
	.arn_member = "ResourceARN", .tags_member = "Tags", .untag_keys = "TagKeys",
	.create_puts = true, .untag_first = true,
	.props = (const struct rta_prop[]){
		{ "AlarmName", "AlarmName", RTA_CREATE | RTA_ID, NULL, NULL },
		{ "AlarmDescription", "AlarmDescription", CR, NULL, NULL },
		{ "ComparisonOperator", "ComparisonOperator", CR, NULL, NULL },
		{ "DatapointsToAlarm", "DatapointsToAlarm", CR | RTA_INT, NULL, NULL },
		{ "EvaluateLowSampleCountPercentile", "EvaluateLowSampleCountPercentile", CR, NULL,
		  NULL },
		{ "EvaluationPeriods", "EvaluationPeriods", CR | RTA_INT, NULL, NULL },
		{ "ExtendedStatistic", "ExtendedStatistic", CR, NULL, NULL },
		{ "MetricName", "MetricName", CR, NULL, NULL },
		{ "Namespace", "Namespace", CR, NULL, NULL },
		{ "Period", "Period", CR | RTA_INT, NULL, NULL },
		{ "Statistic", "Statistic", CR, NULL, NULL },
		{ "Threshold", "Threshold", CR | RTA_NUMBER, NULL, NULL },
		{ "ThresholdMetricId", "ThresholdMetricId", CR, NULL, NULL },
		{ "TreatMissingData", "TreatMissingData", CR, NULL, NULL },
		{ "Unit", "Unit", CR, NULL, NULL },
		{ "AlarmActions", "AlarmActions", LIST, NULL, "[]" },
		{ "InsufficientDataActions", "InsufficientDataActions", LIST, NULL, "[]" },
		{ "OKActions", "OKActions", LIST, NULL, "[]" },
		{ "Dimensions", "Dimensions", CR, NULL, NULL },
		{ "ActionsEnabled", "ActionsEnabled", RTA_CREATE | RTA_BOOL | RTA_ALWAYS, NULL,
		  "true" },
		{ "Arn", "AlarmArn", RTA_READ, NULL, NULL },
		{ 0 } },
	.read_more = read_more, .normalise_more = drop_missing,
	.name_prop = "AlarmName", .name_max = 255,
};

RTA_FUNCS(alarm, api)

const struct rtype rtype_cloudwatch_alarm = {
	.type_name = "AWS::CloudWatch::Alarm",
	.tag_filter = "cloudwatch:alarm",
	RTA_CALLBACKS(alarm, true),
};
