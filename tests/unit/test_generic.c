/* The pure parts of resources/generic.c: which ARNs a description owns,
 * the default name in the form a type allows, CIDR normalisation, and the
 * refusal of properties berth does not set. The calls themselves are
 * covered end to end (e2e.types_ecr, e2e.types_ec2). */
#include "util/common.h"
#include "harness.h"

#include "resources/generic.h"

static const struct rtype_api ecr = {
	.type_name = "AWS::ECR::Repository", .service = "ecr", .style = RTA_SERVICE,
	.kind = "repository", .name_prop = "RepositoryName", .name_max = 256, .name_lower = true,
};
static const struct rtype_api subnet = {
	.type_name = "AWS::EC2::Subnet", .service = "ec2", .style = RTA_EC2, .kind = "subnet",
	.props = (const struct rta_prop[]){ { .cfn = "CidrBlock", .flags = RTA_CIDR }, { 0 } },
};
static const struct rtype_api log_group = {
	.type_name = "AWS::Logs::LogGroup", .service = "logs", .style = RTA_SERVICE,
	.kind = "log-group", .arn_sep = ':', .item_id = "logGroupName",
	.item_arn = "logGroupArn",
	.props = (const struct rta_prop[]){
		{ .cfn = "LogGroupName", .api = "logGroupName", .flags = RTA_ID },
		{ .cfn = "RetentionInDays", .api = "retentionInDays", .flags = RTA_READ },
		{ .cfn = "Arn", .api = "arn", .flags = RTA_READ },
		{ 0 } },
};
static const struct rtype_api cluster = {
	.type_name = "AWS::ECS::Cluster", .service = "ecs", .style = RTA_SERVICE,
	.kind = "cluster", .item_id = "clusterName", .item_arn = "clusterArn",
	.props = (const struct rta_prop[]){
		{ .cfn = "ClusterName", .api = "clusterName", .flags = RTA_ID },
		{ .cfn = "ClusterSettings", .api = "settings",
		  .flags = RTA_READ | RTA_RECASE | RTA_NONEMPTY },
		{ .cfn = "CapacityProviders", .api = "capacityProviders",
		  .flags = RTA_READ | RTA_NONEMPTY },
		{ 0 } },
};
/* The cluster's create request: the settings always (RTA_ALWAYS, an empty
 * list being none: RTA_NONEMPTY), then the providers as given, even []. */
static const struct rtype_api cluster_create = {
	.type_name = "AWS::ECS::Cluster", .service = "ecs", .style = RTA_SERVICE,
	.kind = "cluster", .item_id = "clusterName",
	.props = (const struct rta_prop[]){
		{ .cfn = "ClusterName", .api = "clusterName", .flags = RTA_ID },
		{ .cfn = "ClusterSettings", .api = "settings",
		  .flags = RTA_CREATE | RTA_RECASE | RTA_NONEMPTY | RTA_ALWAYS,
		  .dflt = "[{\"name\": \"containerInsights\", \"value\": \"disabled\"}]" },
		{ .cfn = "CapacityProviders", .api = "capacityProviders",
		  .flags = RTA_CREATE | RTA_NONEMPTY, .dflt = "[]" },
		{ 0 } },
};

TEST(owns_arn)
{
	CHECK(rta_owns_arn(&ecr, "arn:aws:ecr:us-west-2:1:repository/team/app"));
	CHECK(rta_owns_arn(&ecr, "arn:aws-cn:ecr:cn-north-1:1:repository/a"));
	CHECK(!rta_owns_arn(&ecr, "arn:aws:ecr:us-west-2:1:repositoryx/a"));
	CHECK(!rta_owns_arn(&ecr, "arn:aws:ecs:us-west-2:1:repository/a"));
	CHECK(!rta_owns_arn(&ecr, "arn:aws:ecr-public:us-west-2:1:repository/a"));
	CHECK(!rta_owns_arn(&ecr, "arn:aws:ecr"));
	CHECK(rta_owns_arn(&subnet, "arn:aws:ec2:us-west-2:1:subnet/subnet-1"));
	CHECK(!rta_owns_arn(&subnet, "arn:aws:ec2:us-west-2:1:vpc/vpc-1"));
	/* CloudWatch Logs puts a colon after the kind. */
	CHECK(rta_owns_arn(&log_group, "arn:aws:logs:us-west-2:1:log-group:/app/web"));
	CHECK(rta_owns_arn(&log_group, "arn:aws:logs:us-west-2:1:log-group:/app/web:*"));
	CHECK(!rta_owns_arn(&log_group, "arn:aws:logs:us-west-2:1:log-group/app"));
	CHECK(!rta_owns_arn(&log_group, "arn:aws:logs:us-west-2:1:destination:d"));
	CHECK(!rta_owns_arn(&ecr, "arn:aws:ecr:us-west-2:1:repository:a"));
}

/* A described item in CloudFormation form: the id, the ARN the tagging API
 * knows, the properties the map reads, and nothing else. */
TEST(fill_log_group)
{
	json_t *item = json_pack("{s:s, s:s, s:s, s:i, s:s}", "logGroupName", "/app/web", "arn",
				 "arn:aws:logs:r:1:log-group:/app/web:*", "logGroupArn",
				 "arn:aws:logs:r:1:log-group:/app/web", "retentionInDays", 7,
				 "storedBytes", "0");
	struct live_resource r = { 0 };
	rta_fill(&log_group, NULL, &r, item, NULL);
	CHECK_STR(r.id, "/app/web");
	CHECK_STR(r.arn, "arn:aws:logs:r:1:log-group:/app/web");
	CHECK_STR(json_string_value(json_object_get(r.props, "LogGroupName")), "/app/web");
	CHECK_STR(json_string_value(json_object_get(r.props, "Arn")),
		  "arn:aws:logs:r:1:log-group:/app/web:*");
	CHECK(json_integer_value(json_object_get(r.props, "RetentionInDays")) == 7);
	CHECK(json_object_size(r.props) == 3);
	live_resource_release(&r);
	json_decref(item);
}

static void check_name(const char *stack, const char *address, const char *want)
{
	json_t *desired = json_object();
	rta_normalise(&ecr, stack, address, desired);
	CHECK_STR(json_string_value(json_object_get(desired, "RepositoryName")), want);
	json_decref(desired);
}

TEST(default_name_in_ecr_form)
{
	check_name("demo", "app", "demo-app");
	check_name("Demo", "Cache_Images", "demo-cache_images");
	/* [ ] and quotes become '-', and ECR allows one separator at a time
	 * and none at the end. */
	check_name("demo", "repos[\"x\"]", "demo-repos-x");
	check_name("demo", "a--b__", "demo-a-b");
	/* A name the spec gives is kept as it is. */
	json_t *desired = json_pack("{s:s}", "RepositoryName", "Mine");
	rta_normalise(&ecr, "demo", "app", desired);
	CHECK_STR(json_string_value(json_object_get(desired, "RepositoryName")), "Mine");
	json_decref(desired);
}

TEST(cidr_made_canonical)
{
	json_t *desired = json_pack("{s:s}", "CidrBlock", "10.0.1.7/24");
	rta_normalise(&subnet, "demo", "a", desired);
	CHECK_STR(json_string_value(json_object_get(desired, "CidrBlock")), "10.0.1.0/24");
	json_decref(desired);
}

TEST(unsupported_refused)
{
	struct diags d = DIAGS_INIT;
	json_t *ok = json_pack("{s:s, s:n}", "RepositoryName", "a", "LifecyclePolicy");
	CHECK_INT(rta_check(&ecr, ok, &d), 0);
	json_t *bad = json_pack("{s:{s:s}}", "LifecyclePolicy", "LifecyclePolicyText", "x");
	CHECK_INT(rta_check(&ecr, bad, &d), BERTH_EINVAL);
	CHECK_INT(d.n, 1);
	CHECK_CONTAINS(d.items[0].summary, "berth does not set LifecyclePolicy yet");
	diags_release(&d);
	json_decref(ok);
	json_decref(bad);
	/* The list is src/schema/support.c's, with its allowed values and
	 * hints. */
	d = (struct diags)DIAGS_INIT;
	ok = json_pack("{s:b}", "BearerTokenAuthenticationEnabled", 0);
	CHECK_INT(rta_check(&log_group, ok, &d), 0);
	bad = json_pack("{s:b}", "BearerTokenAuthenticationEnabled", 1);
	CHECK_INT(rta_check(&log_group, bad, &d), BERTH_EINVAL);
	CHECK_INT(d.n, 1);
	CHECK_CONTAINS(d.items[0].summary,
		       "AWS::Logs::LogGroup: berth does not set BearerTokenAuthenticationEnabled yet; "
		       "bearer-token log ingestion is not supported yet; leave it out or give false");
	diags_release(&d);
	json_decref(ok);
	json_decref(bad);
}
/* ECS answers [] for "none": not read back, so a spec without the
 * property plans no change. */
TEST(fill_skips_empty_lists)
{
	json_t *item = json_pack("{s:s, s:[{s:s, s:s}], s:[]}", "clusterName", "c", "settings",
				 "name", "containerInsights", "value", "enabled",
				 "capacityProviders");
	struct live_resource r = { 0 };
	rta_fill(&cluster, NULL, &r, item, json_object());
	json_t *want = json_pack("{s:s, s:[{s:s, s:s}]}", "ClusterName", "c", "ClusterSettings",
				 "Name", "containerInsights", "Value", "enabled");
	CHECK(json_equal(r.props, want));
	CHECK(r.arn == NULL);
	live_resource_release(&r);
	json_decref(item);
	json_decref(want);
}

static void check_create(json_t *props, const char *want_text)
{
	json_t *got = rta_create_params(&cluster_create, props);
	char *text = json_dumps(got, JSON_COMPACT);
	if (strcmp(text, want_text))
		fprintf(stderr, "got %s\nwant %s\n", text, want_text);
	CHECK(!strcmp(text, want_text));
	free(text);
	json_decref(got);
	json_decref(props);
}

TEST(create_sends_always_properties_as_their_default)
{
	check_create(json_pack("{s:s}", "ClusterName", "c"),
		     "{\"settings\":[{\"name\":\"containerInsights\",\"value\":\"disabled\"}]}");
	check_create(json_pack("{s:[], s:[]}", "ClusterSettings", "CapacityProviders"),
		     "{\"settings\":[{\"name\":\"containerInsights\",\"value\":\"disabled\"}],"
		     "\"capacityProviders\":[]}");
	check_create(json_pack("{s:[s], s:[{s:s, s:s}]}", "CapacityProviders", "FARGATE",
			       "ClusterSettings", "Name", "containerInsights", "Value", "enabled"),
		     "{\"settings\":[{\"name\":\"containerInsights\",\"value\":\"enabled\"}],"
		     "\"capacityProviders\":[\"FARGATE\"]}");
}

TEST_MAIN()
