/* What the types declare as side effects (rtype.side_effects): the log
 * groups the awslogs driver creates (awslogs-create-group, as Go's
 * ParseBool reads it), for a task definition and for the task definitions
 * in a CloudFormation stack's template, with the intrinsics it resolves;
 * the cluster's Container Insights group. */
#include "util/common.h"

#include "engine/sidefx.h"
#include "resources/resource.h"
#include "resources/typeutil.h"
#include "spec/spec.h"
#include "util/buf.h"
#include "harness.h"

static json_t *load(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, 0, &err);
	if (!v)
		fprintf(stderr, "bad JSON in test: %s (line %d)\n", err.text, err.line);
	return v;
}

/* The groups `type` declares for (id, props), joined by ",". */
static char *declared(const struct rtype *type, const char *id, json_t *props)
{
	struct strvec out = STRVEC_INIT;
	type->side_effects(id, props, &out);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < out.n; i++)
		buf_addf(&b, "%s%s", i ? "," : "", out.v[i]);
	strvec_clear(&out);
	return buf_detach(&b, NULL);
}

TEST(create_group_spellings)
{
	CHECK(tu_awslogs_create_on("true"));
	CHECK(tu_awslogs_create_on("True"));
	CHECK(tu_awslogs_create_on("TRUE"));
	CHECK(tu_awslogs_create_on("1"));
	CHECK(tu_awslogs_create_on("t"));
	CHECK(!tu_awslogs_create_on("false"));
	CHECK(!tu_awslogs_create_on("yes"));
	CHECK(!tu_awslogs_create_on(""));
	CHECK(!tu_awslogs_create_on(NULL));
}

TEST(task_definition_declares_created_groups_only)
{
	json_t *props = load(
		"{\"ContainerDefinitions\": ["
		" {\"Name\": \"a\", \"LogConfiguration\": {\"LogDriver\": \"awslogs\", \"Options\":"
		"   {\"awslogs-group\": \"/ecs/a\", \"awslogs-create-group\": \"true\"}}},"
		" {\"Name\": \"b\", \"LogConfiguration\": {\"LogDriver\": \"awslogs\", \"Options\":"
		"   {\"awslogs-group\": \"/ecs/b\"}}},"
		" {\"Name\": \"c\", \"LogConfiguration\": {\"LogDriver\": \"awslogs\", \"Options\":"
		"   {\"awslogs-group\": \"/ecs/c\", \"awslogs-create-group\": \"false\"}}},"
		" {\"Name\": \"d\", \"LogConfiguration\": {\"LogDriver\": \"awsfirelens\", \"Options\":"
		"   {\"awslogs-group\": \"/ecs/d\", \"awslogs-create-group\": \"true\"}}},"
		" {\"Name\": \"e\", \"LogConfiguration\": {\"LogDriver\": \"awslogs\", \"Options\":"
		"   {\"awslogs-group\": \"/ecs/a\", \"awslogs-create-group\": \"True\"}}},"
		" {\"Name\": \"f\"}]}");
	char *s = declared(&rtype_ecs_taskdefinition, "arn:x", props);
	CHECK_STR(s, "/ecs/a");
	free(s);
	/* A desired instance whose group is not known yet declares nothing. */
	json_t *opts = json_object_get(json_object_get(json_object_get(
		json_array_get(json_object_get(props, "ContainerDefinitions"), 0),
		"LogConfiguration"), "Options"), "awslogs-group");
	CHECK(opts);
	json_object_set_new(json_object_get(json_object_get(json_array_get(json_object_get(
		props, "ContainerDefinitions"), 0), "LogConfiguration"), "Options"),
		"awslogs-group", value_unknown());
	json_array_remove(json_object_get(props, "ContainerDefinitions"), 4);
	s = declared(&rtype_ecs_taskdefinition, NULL, props);
	CHECK_STR(s, "");
	free(s);
	json_decref(props);
}

TEST(cluster_declares_its_insights_group)
{
	json_t *props = load("{\"ClusterName\": \"wanted\"}");
	char *s = declared(&rtype_ecs_cluster, "live", props);
	CHECK_STR(s, "/aws/ecs/containerinsights/live/performance");
	free(s);
	s = declared(&rtype_ecs_cluster, NULL, props);
	CHECK_STR(s, "/aws/ecs/containerinsights/wanted/performance");
	free(s);
	json_decref(props);
}

/* A template's task definitions: literals, Ref to a given or defaulted
 * parameter or a pseudo parameter, Fn::Sub; not Fn::Join, not a group the
 * template manages itself. */
#define TD(group, create)                                                                    \
	"{\"Type\": \"AWS::ECS::TaskDefinition\", \"Properties\": {\"ContainerDefinitions\": [" \
	"{\"Name\": \"x\", \"LogConfiguration\": {\"LogDriver\": \"awslogs\", \"Options\": "    \
	"{\"awslogs-group\": " group ", \"awslogs-create-group\": " create "}}}]}}"

TEST(stack_template_groups_and_intrinsics)
{
	const char *tmpl =
		"{\"Parameters\": {\"Given\": {\"Type\": \"String\"},"
		"                 \"Defaulted\": {\"Type\": \"String\", \"Default\": \"/ecs/default\"},"
		"                 \"Create\": {\"Type\": \"String\", \"Default\": \"True\"}},"
		" \"Resources\": {"
		"  \"Literal\": " TD("\"/ecs/ecs-cwagent-daemon-service\"", "\"True\"") ","
		"  \"RefGiven\": " TD("{\"Ref\": \"Given\"}", "{\"Ref\": \"Create\"}") ","
		"  \"RefDefault\": " TD("{\"Ref\": \"Defaulted\"}", "\"true\"") ","
		"  \"Sub\": " TD("{\"Fn::Sub\": \"/ecs/${AWS::StackName}-${AWS::Region}-${!x}\"}", "\"1\"") ","
		"  \"SubUnknown\": " TD("{\"Fn::Sub\": \"/ecs/${Res.Arn}\"}", "\"true\"") ","
		"  \"Join\": " TD("{\"Fn::Join\": [\"\", [\"/ecs/\", \"j\"]]}", "\"true\"") ","
		"  \"NoCreate\": " TD("\"/ecs/nocreate\"", "\"false\"") ","
		"  \"Managed\": " TD("\"/ecs/managed\"", "\"true\"") ","
		"  \"ManagedGroup\": {\"Type\": \"AWS::Logs::LogGroup\","
		"                    \"Properties\": {\"LogGroupName\": \"/ecs/managed\"}}}}";
	json_t *doc = load(tmpl);
	CHECK(doc);
	json_t *props = json_pack("{s:s, s:s, s:{s:s}, s:O}", "StackName", "agent", "StackId",
				  "arn:aws:cloudformation:us-west-2:123456789012:stack/agent/abc",
				  "Parameters", "Given", "/ecs/given", "TemplateBody", doc);
	char *s = declared(&rtype_cloudformation_stack, "arn", props);
	CHECK_STR(s, "/ecs/ecs-cwagent-daemon-service,/ecs/given,/ecs/default,"
		     "/ecs/agent-us-west-2-${x}");
	free(s);
	/* The body as JSON text (as GetTemplate and fetch() give it) reads the
	 * same; YAML text is not read. */
	char *text = json_dumps(doc, JSON_PRESERVE_ORDER);
	json_object_set_new(props, "TemplateBody", json_string(text));
	free(text);
	s = declared(&rtype_cloudformation_stack, "arn", props);
	CHECK(strstr(s, "/ecs/given") != NULL);
	free(s);
	json_object_set_new(props, "TemplateBody", json_string("Resources:\n  X: {Type: AWS::ECS::TaskDefinition}\n"));
	s = declared(&rtype_cloudformation_stack, "arn", props);
	CHECK_STR(s, "");
	free(s);
	json_decref(props);
	json_decref(doc);
}

/* A group is deleted only when it cannot predate its cause (5 minutes of
 * clock skew allowed); an unknown cause keeps it; an absent group is
 * deleted (nothing to lose). */
TEST(judge_keeps_groups_older_than_their_cause)
{
	const long long cause = 1764000000000LL; /* 2025-11-24T16:00:00Z */
	CHECK(sidefx_judge(cause + 1000, cause) == SFX_DELETE);
	CHECK(sidefx_judge(cause + 86400000LL, cause) == SFX_DELETE);
	CHECK(sidefx_judge(cause, cause) == SFX_DELETE);
	/* Made just before its cause by the clocks: skew, still AWS's. */
	CHECK(sidefx_judge(cause - 60000, cause) == SFX_DELETE);
	CHECK(sidefx_judge(cause - SIDEFX_SKEW_MS, cause) == SFX_DELETE);
	/* Older than the skew explains: someone else's. */
	CHECK(sidefx_judge(cause - SIDEFX_SKEW_MS - 1, cause) == SFX_KEEP_OLDER);
	CHECK(sidefx_judge(cause - 3600000LL, cause) == SFX_KEEP_OLDER);
	CHECK(sidefx_judge(1, cause) == SFX_KEEP_OLDER);
	/* Cause of unknown age, or a group AWS gives no time for: kept. */
	CHECK(sidefx_judge(cause, 0) == SFX_KEEP_UNKNOWN);
	CHECK(sidefx_judge(-1, cause) == SFX_KEEP_UNKNOWN);
	/* No group: deleting it costs nothing, whatever the cause. */
	CHECK(sidefx_judge(0, cause) == SFX_DELETE);
	CHECK(sidefx_judge(0, 0) == SFX_DELETE);
	CHECK(SIDEFX_SKEW_MS == 300000LL);
}

/* The times the types give: a task definition's registeredAt, a stack's
 * CreationTime, as the protocol layer hands them (ISO-8601 strings). */
TEST(creation_times_parse)
{
	json_t *v = json_string("2025-11-24T16:00:00Z");
	CHECK(tu_time_ms(v) == 1764000000000LL);
	json_decref(v);
	v = json_string("2025-11-24T16:00:00.123456Z");
	CHECK(tu_time_ms(v) == 1764000000000LL);
	json_decref(v);
	v = json_string("not a time");
	CHECK(tu_time_ms(v) == 0);
	json_decref(v);
	CHECK(tu_time_ms(NULL) == 0);
}

TEST_MAIN()
