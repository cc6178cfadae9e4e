/* Bounds AWS enforces that the CloudFormation registry schemas leave out
 * (see schema.h, schema_api_bounds). Taken from the API models (botocore's
 * "min"/"max") and, where the model has none, from the API reference's
 * documented limits; each entry names where. Kept as data, sorted by type
 * and path. */
#include "util/common.h"
#include "schema/schema.h"

struct api_bounds {
	const char *type, *path;
	double min, max; /* numbers: value; strings: length in characters */
};

static const struct api_bounds api_bounds[] = {
	/* monitoring-2010-08-01 PutMetricAlarm: AlarmName min 1 max 255. */
	{ "AWS::CloudWatch::Alarm", "AlarmName", 1, 255 },
	/* PutMetricAlarm: DatapointsToAlarm, EvaluationPeriods, Period min 1
	 * (Integer: at most 2^31-1). */
	{ "AWS::CloudWatch::Alarm", "DatapointsToAlarm", 1, 2147483647 },
	{ "AWS::CloudWatch::Alarm", "EvaluationPeriods", 1, 2147483647 },
	{ "AWS::CloudWatch::Alarm", "Period", 1, 2147483647 },
	/* SNS CreateTopic: "Topic names must ... be between 1 and 256
	 * characters long" (the model has no max; the schema says it in
	 * words only). */
	{ "AWS::SNS::Topic", "TopicName", 1, 256 },
};

bool schema_api_bounds(const char *type, const char *path, double *min, double *max)
{
	for (size_t i = 0; i < ARRAY_SIZE(api_bounds); i++)
		if (!strcmp(api_bounds[i].type, type) && !strcmp(api_bounds[i].path, path)) {
			*min = api_bounds[i].min;
			*max = api_bounds[i].max;
			return true;
		}
	return false;
}
