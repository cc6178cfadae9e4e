/* The type registry: lookups, nested shapes, flags from the CloudFormation
 * schemas, suggestions, and the value checker's exact messages. */
#include "util/common.h"
#include "harness.h"
#include "resources/resource.h"
#include "schema/schema.h"
#include "util/buf.h"
#include "util/value.h"

#include <jansson.h>

static const struct schema_prop *prop_path(const char *type, const char *const *names, size_t n)
{
	const struct schema_resource *r = schema_find(type);
	const struct schema_shape *s;
	const struct schema_prop *p = NULL;
	if (!r)
		return NULL;
	s = r->shape;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(names[i], "*")) {
			if (!s || (s->kind != SK_ARRAY && s->kind != SK_MAP))
				return NULL;
			s = s->items;
			continue;
		}
		p = schema_shape_prop(s, names[i]);
		if (!p)
			return NULL;
		s = p->shape;
	}
	return p;
}
#define PROP(type, ...) \
	prop_path(type, (const char *const[]){ __VA_ARGS__ }, \
		  sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

TEST(find_exact_and_unknown)
{
	const struct schema_resource *r = schema_find("AWS::ECS::Cluster");
	CHECK(r != NULL);
	CHECK_STR(r->type_name, "AWS::ECS::Cluster");
	CHECK(r->shape->kind == SK_OBJECT);
	CHECK(schema_find("AWS::ECS::Clustr") == NULL);
	CHECK(schema_find("") == NULL);
	CHECK(schema_find(NULL) == NULL);
}

TEST(all_sorted_and_findable)
{
	size_t n = 0;
	const struct schema_resource *const *all = schema_all(&n);
	CHECK(n >= 34);
	CHECK(n <= 256); /* schema_suggest's bound */
	for (size_t i = 0; i < n; i++) {
		CHECK(schema_find(all[i]->type_name) == all[i]);
		if (i)
			CHECK(strcmp(all[i - 1]->type_name, all[i]->type_name) < 0);
		/* props sorted so schema_shape_prop can bisect */
		for (size_t j = 1; j < all[i]->shape->nprops; j++)
			CHECK(strcmp(all[i]->shape->props[j - 1].name, all[i]->shape->props[j].name) < 0);
	}
	CHECK(schema_find("Berth::Grafana::Dashboard") != NULL);
	CHECK(schema_find("Berth::Grafana::DataSource") != NULL);
	CHECK(schema_find("Berth::Grafana::Permissions") != NULL);
	CHECK(schema_find("AWS::Logs::QueryDefinition") != NULL);
}

TEST(suggest_type)
{
	CHECK_STR(schema_suggest("AWS::ECS::Clustr"), "AWS::ECS::Cluster");
	CHECK_STR(schema_suggest("aws::ecs::cluster"), "AWS::ECS::Cluster");
	CHECK_STR(schema_suggest("AWS::EC2::Vpc"), "AWS::EC2::VPC");
	CHECK(schema_suggest("Totally::Different::Thing") == NULL);
}

TEST(nested_container_port_is_integer)
{
	const struct schema_prop *p = PROP("AWS::ECS::TaskDefinition", "ContainerDefinitions", "*",
					   "PortMappings", "*", "ContainerPort");
	CHECK(p != NULL);
	CHECK(p->shape->kind == SK_INTEGER);
	p = PROP("AWS::ECS::TaskDefinition", "ContainerDefinitions");
	CHECK(p->shape->kind == SK_ARRAY);
	CHECK(p->shape->items->kind == SK_OBJECT);
	/* nested required */
	p = PROP("AWS::ECS::TaskDefinition", "ContainerDefinitions", "*", "Image");
	CHECK(p && (p->flags & SP_REQUIRED));
	/* maps: DockerLabels is name -> string */
	p = PROP("AWS::ECS::TaskDefinition", "ContainerDefinitions", "*", "DockerLabels");
	CHECK(p && p->shape->kind == SK_MAP && p->shape->items->kind == SK_STRING);
}

TEST(create_only_flags)
{
	const struct schema_prop *p = PROP("AWS::Logs::LogGroup", "LogGroupName");
	CHECK(p && (p->flags & SP_CREATE_ONLY));
	p = PROP("AWS::ECS::Service", "ServiceName");
	CHECK(p && (p->flags & SP_CREATE_ONLY));
	p = PROP("AWS::ECS::Service", "DesiredCount");
	CHECK(p && !(p->flags & SP_CREATE_ONLY));
	p = PROP("AWS::EC2::VPC", "InstanceTenancy");
	CHECK(p && (p->flags & SP_COND_CREATE_ONLY));
}

TEST(read_only_attributes)
{
	const struct schema_prop *p = PROP("AWS::ECS::Cluster", "Arn");
	CHECK(p && (p->flags & SP_READ_ONLY));
	p = PROP("AWS::APS::Workspace", "PrometheusEndpoint");
	CHECK(p && (p->flags & SP_READ_ONLY));
	p = PROP("AWS::ECS::Cluster", "ClusterName");
	CHECK(p && !(p->flags & SP_READ_ONLY));
	/* a nested pointer: /properties/VpcEncryptionControl/State */
	p = PROP("AWS::EC2::VPC", "VpcEncryptionControl", "State");
	CHECK(p && (p->flags & SP_READ_ONLY));
}

TEST(write_only_and_sensitive)
{
	const struct schema_prop *p = PROP("AWS::ElasticLoadBalancingV2::Listener", "DefaultActions",
					   "*", "AuthenticateOidcConfig", "ClientSecret");
	CHECK(p && (p->flags & SP_WRITE_ONLY) && (p->flags & SP_SENSITIVE));
	/* the same definition elsewhere gets no flags from that pointer */
	p = PROP("AWS::Grafana::Workspace", "ClientToken");
	CHECK(p && (p->flags & SP_WRITE_ONLY) && !(p->flags & SP_SENSITIVE));
}

TEST(policy_documents_are_json)
{
	const struct schema_prop *p = PROP("AWS::IAM::Role", "AssumeRolePolicyDocument");
	CHECK(p && p->shape->kind == SK_JSON && (p->flags & SP_REQUIRED));
	p = PROP("AWS::IAM::Policy", "PolicyDocument");
	CHECK(p && p->shape->kind == SK_JSON);
	p = PROP("AWS::IAM::Role", "Policies", "*", "PolicyDocument");
	CHECK(p && p->shape->kind == SK_JSON);
}

TEST(tagging_defaults_and_ids)
{
	const struct schema_resource *r = schema_find("AWS::ECS::Service");
	CHECK(r->taggable);
	CHECK_STR(r->tags_property, "Tags");
	CHECK(!r->tags_as_map);
	CHECK_INT(r->nprimary, 2);
	CHECK_STR(r->primary_id[0], "ServiceArn");
	CHECK_STR(r->primary_id[1], "Cluster");
	CHECK(!schema_find("AWS::EC2::Route")->taggable);
	CHECK(!schema_find("AWS::IAM::Policy")->taggable);
	CHECK(schema_find("AWS::ServiceDiscovery::PrivateDnsNamespace")->taggable);
	CHECK_STR(PROP("AWS::IAM::Role", "Path")->default_json, "\"/\"");
	CHECK_STR(PROP("AWS::CloudWatch::Alarm", "ActionsEnabled")->default_json, "true");
	CHECK(PROP("AWS::ECS::Cluster", "Tags")->shape->unordered);
}

TEST(name_property_only_for_types_named_by_the_spec)
{
	/* The types plan can look up by name before a create (and adopt). */
	static const char *const named[][2] = {
		{ "AWS::CloudWatch::Alarm", "AlarmName" },
		{ "AWS::ECS::Cluster", "ClusterName" },
		{ "AWS::IAM::Role", "RoleName" },
		{ "AWS::Logs::LogGroup", "LogGroupName" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(named); i++) {
		const char *p = schema_name_property(schema_find(named[i][0]));
		CHECK(p != NULL);
		if (p)
			CHECK_STR(p, named[i][1]);
	}
	/* AWS assigns the id, it is an ARN made from the name, the id has two
	 * parts, or the type carries no tags. */
	static const char *const unnamed[] = { "AWS::EC2::VPC", "AWS::SNS::Topic", "AWS::ECS::Service",
					       "AWS::IAM::Policy", "AWS::ECS::TaskDefinition" };
	for (size_t i = 0; i < ARRAY_SIZE(unnamed); i++)
		CHECK(schema_name_property(schema_find(unnamed[i])) == NULL);
	CHECK(schema_name_property(NULL) == NULL);
}

TEST(shape_suggest)
{
	const struct schema_shape *s = schema_find("AWS::CloudWatch::Alarm")->shape;
	CHECK_STR(schema_shape_suggest(s, "Namespcae"), "Namespace");
	CHECK(schema_shape_suggest(s, "Zzzzzzzzzzzzzzzzz") == NULL);
	CHECK(schema_shape_prop(s, "Namespace") != NULL);
	CHECK(schema_shape_prop(s, "namespace") == NULL);
}

/* ---- the checker ---- */

struct collected {
	struct buf text; /* "path: message\n" per problem */
	json_t *last_value;
};

static void collect(void *ctx, json_t *value, const char *path, const char *message)
{
	struct collected *c = ctx;
	buf_addf(&c->text, "%s: %s\n", path, message);
	c->last_value = value;
}

/* Like the spec loader's marker: an object with one reserved key. */
static bool unknown_marker(void *ctx, json_t *value)
{
	return json_is_object(value) && json_object_get(value, "\x01unknown");
}

static size_t check_json(const char *type, const char *text, struct collected *out)
{
	struct schema_check_ops ops = { collect, unknown_marker, out };
	json_error_t err;
	json_t *v = json_loads(text, 0, &err);
	size_t n;
	if (!v) {
		fprintf(stderr, "bad test JSON: %s\n", err.text);
		abort();
	}
	n = schema_check_properties(schema_find(type), v, &ops);
	json_decref(v);
	out->last_value = NULL; /* freed with v */
	return n;
}

TEST(check_accepts_valid_alarm)
{
	struct collected c = { BUF_INIT, NULL };
	size_t n = check_json("AWS::CloudWatch::Alarm",
			      "{\"Namespace\": \"AWS/ECS\", \"MetricName\": \"CPUUtilization\","
			      " \"Dimensions\": [{\"Name\": \"ClusterName\", \"Value\": \"${cluster.ClusterName}\"}],"
			      " \"Threshold\": 50, \"ComparisonOperator\": \"GreaterThanThreshold\","
			      " \"EvaluationPeriods\": 1, \"Period\": 60, \"Statistic\": \"Average\","
			      " \"AlarmActions\": [\"${alarm-topic.TopicArn}\"]}", &c);
	CHECK_STR(c.text.ptr, "");
	CHECK_INT(n, 0);
	buf_release(&c.text);
}

TEST(check_messages)
{
	struct collected c = { BUF_INIT, NULL };
	size_t n = check_json("AWS::CloudWatch::Alarm",
			      "{\"Namespcae\": \"AWS/ECS\", \"Threshold\": \"high\","
			      " \"Statistic\": \"Averag\", \"ComparisonOperator\": \"Bigger\","
			      " \"Arn\": \"x\", \"EvaluationPeriods\": 1.5,"
			      " \"Dimensions\": [{\"Name\": \"ClusterName\"}], \"ActionsEnabled\": \"yes\"}", &c);
	CHECK_INT(n, 8);
	CHECK_CONTAINS(c.text.ptr, "Namespcae: unknown property 'Namespcae'; did you mean 'Namespace'?\n");
	CHECK_CONTAINS(c.text.ptr, "Threshold: 'Threshold': expected a number, got a string\n");
	CHECK_CONTAINS(c.text.ptr, "Statistic: 'Statistic' must be one of: SampleCount, Average, Sum, Minimum, Maximum; did you mean 'Average'?\n");
	CHECK_CONTAINS(c.text.ptr, "ComparisonOperator: 'ComparisonOperator' must be one of: ");
	CHECK_CONTAINS(c.text.ptr, "Arn: 'Arn' is read-only");
	CHECK_CONTAINS(c.text.ptr, "EvaluationPeriods: 'EvaluationPeriods': expected an integer, got a number\n");
	CHECK_CONTAINS(c.text.ptr, "Dimensions[0]: missing required property 'Value'\n");
	CHECK_CONTAINS(c.text.ptr, "ActionsEnabled: 'ActionsEnabled': expected a boolean (true or false), got a string\n");
	buf_release(&c.text);
}

TEST(check_required_and_nested)
{
	struct collected c = { BUF_INIT, NULL };
	size_t n = check_json("AWS::ECS::TaskDefinition",
			      "{\"Family\": \"web\", \"ContainerDefinitions\": [{\"Name\": \"app\","
			      " \"Image\": \"nginx\", \"PortMappings\": [{\"ContainerPort\": \"eighty\"},"
			      " {\"ContainerPort\": 80, \"HostPort\": \"${var.port}\"}]}]}", &c);
	CHECK_INT(n, 1);
	CHECK_STR(c.text.ptr, "ContainerDefinitions[0].PortMappings[0].ContainerPort: "
			      "'ContainerPort': expected an integer, got a string\n");
	buf_reset(&c.text);
	n = check_json("AWS::ECS::Service", "{\"ServiceName\": \"web\"}", &c);
	CHECK_INT(n, 0); /* nothing required at the top level of ECS::Service */
	n = check_json("AWS::SNS::Subscription", "{\"Protocol\": \"email\"}", &c);
	CHECK_INT(n, 1);
	CHECK_STR(c.text.ptr, ": missing required property 'TopicArn'\n");
	buf_release(&c.text);
}

TEST(check_unknown_values_and_scalars)
{
	struct collected c = { BUF_INIT, NULL };
	/* the caller's marker, "${" strings for lists, numbers for strings */
	size_t n = check_json("AWS::EC2::Subnet",
			      "{\"VpcId\": {\"\\u0001unknown\": true}, \"MapPublicIpOnLaunch\": {\"\\u0001unknown\": true},"
			      " \"AvailabilityZone\": 7, \"Tags\": \"${var.tags}\"}", &c);
	CHECK_STR(c.text.ptr, "");
	CHECK_INT(n, 0);
	buf_release(&c.text);
}

TEST(check_ranges_and_lengths)
{
	struct collected c = { BUF_INIT, NULL };
	size_t n = check_json("AWS::CloudFormation::Stack",
			      "{\"StackName\": \"s\", \"TimeoutInMinutes\": 0, \"Description\": \"\"}", &c);
	CHECK_INT(n, 2);
	CHECK_CONTAINS(c.text.ptr, "TimeoutInMinutes: 'TimeoutInMinutes' must be at least 1, not 0\n");
	CHECK_CONTAINS(c.text.ptr, "Description: 'Description' must have between 1 and 1024 characters, not 0\n");
	buf_reset(&c.text);
	n = check_json("AWS::ECS::Service", "{\"ServiceName\": \"web\", \"DeploymentConfiguration\":"
		       " {\"BakeTimeInMinutes\": 99999}}", &c);
	CHECK_INT(n, 1);
	CHECK_STR(c.text.ptr, "DeploymentConfiguration.BakeTimeInMinutes: 'BakeTimeInMinutes' must be between 0 and 1440, not 99999\n");
	buf_reset(&c.text);
	n = check_json("AWS::IAM::Role", "{\"AssumeRolePolicyDocument\": 5}", &c);
	CHECK_INT(n, 1);
	CHECK_STR(c.text.ptr, "AssumeRolePolicyDocument: 'AssumeRolePolicyDocument': expected a JSON document (an object or a string), got an integer\n");
	buf_release(&c.text);
}

TEST(check_missing_properties_object)
{
	struct collected c = { BUF_INIT, NULL };
	struct schema_check_ops ops = { collect, NULL, &c };
	CHECK_INT(schema_check_properties(schema_find("AWS::EC2::Subnet"), NULL, &ops), 1);
	CHECK_STR(c.text.ptr, ": missing required property 'VpcId'\n");
	CHECK_INT(schema_check_properties(schema_find("AWS::ECS::Cluster"), NULL, NULL), 0);
	buf_release(&c.text);
}

TEST(check_reports_offending_value)
{
	struct schema_check_ops ops;
	struct collected c = { BUF_INIT, NULL };
	json_t *v = json_pack("{s:s, s:i}", "ClusterName", "x", "Bogus", 3);
	ops.report = collect;
	ops.is_unknown = NULL;
	ops.ctx = &c;
	CHECK_INT(schema_check_properties(schema_find("AWS::ECS::Cluster"), v, &ops), 1);
	CHECK(c.last_value == json_object_get(v, "Bogus"));
	json_decref(v);
	buf_release(&c.text);
}

/* CloudFormation intrinsics ({"Ref": ...}, {"Fn::Sub": ...}) stand for values
 * known only at deploy time, as berth's own unknown markers do. */
static bool cfn_intrinsic(void *ctx, json_t *value)
{
	const char *key;
	json_t *v;
	if (!json_is_object(value) || json_object_size(value) != 1)
		return false;
	json_object_foreach(value, key, v)
		return !strcmp(key, "Ref") || !strncmp(key, "Fn::", 4);
	return false;
}

TEST(workshop_cloudformation_template_checks_clean)
{
	/* The workshop's real CloudWatch agent template: every resource's
	 * properties must pass, or the checker would reject working specs. */
	const char *env = getenv("BERTH_SOURCE_DIR");
	char *path = xasprintf("%s/specs/files/cwagent-ecs-instance-metric-cfn.json", env ? env : ".");
	json_t *doc = json_load_file(path, 0, NULL), *res;
	struct collected c = { BUF_INIT, NULL };
	struct schema_check_ops ops = { collect, cfn_intrinsic, &c };
	const char *id;
	size_t checked = 0;
	free(path);
	CHECK(doc != NULL);
	json_object_foreach(json_object_get(doc, "Resources"), id, res) {
		const struct schema_resource *r =
			schema_find(json_string_value(json_object_get(res, "Type")));
		CHECK(r != NULL);
		schema_check_properties(r, json_object_get(res, "Properties"), &ops);
		checked++;
	}
	json_decref(doc);
	CHECK_INT(checked, 4);
	CHECK_STR(c.text.ptr, "");
	buf_release(&c.text);
}

TEST(berth_types)
{
	struct collected c = { BUF_INIT, NULL };
	size_t n = check_json("Berth::Grafana::Permissions",
			      "{\"WorkspaceId\": \"g-1\", \"Admins\": [{\"Type\": \"SSO_USR\", \"Id\": \"u\"}]}", &c);
	CHECK_INT(n, 1);
	CHECK_STR(c.text.ptr, "Admins[0].Type: 'Type' must be one of: SSO_GROUP, SSO_USER; did you mean 'SSO_USER'?\n");
	CHECK(PROP("Berth::Grafana::DataSource", "Uid")->flags & SP_READ_ONLY);
	CHECK(PROP("Berth::Grafana::Dashboard", "Inputs")->shape->kind == SK_MAP);
	buf_release(&c.text);
}

/* The table of properties berth refuses (schema/support.c) names real,
 * writable top-level properties of types berth has: a typo there would
 * silently let a property through validate. */
TEST(unsupported_table_names_real_properties)
{
	const char *type = NULL, *prop;
	size_t n = 0;
	for (size_t i = 0; (prop = schema_unsupported_prop(i, &type)); i++, n++) {
		const struct schema_resource *r = schema_find(type);
		const struct schema_prop *p = r ? schema_shape_prop(r->shape, prop) : NULL;
		if (!p || (p->flags & SP_READ_ONLY) || !rtype_find(type))
			fprintf(stderr, "  %s %s: not a writable property of a registered type\n", type,
				prop);
		CHECK(p && !(p->flags & SP_READ_ONLY) && rtype_find(type));
	}
	CHECK(n > 50);
	const char *hint;
	json_t *t = json_true(), *f = json_false(), *u = value_unknown();
	CHECK(schema_unsupported("AWS::CloudWatch::Alarm", "Metrics", u, &hint));
	CHECK(!schema_unsupported("AWS::CloudWatch::Alarm", "Metrics", json_null(), &hint));
	CHECK(!schema_unsupported("AWS::CloudWatch::Alarm", "MetricName", t, &hint));
	CHECK(schema_unsupported("AWS::Logs::LogGroup", "BearerTokenAuthenticationEnabled", t, &hint));
	CHECK(!schema_unsupported("AWS::Logs::LogGroup", "BearerTokenAuthenticationEnabled", f, &hint));
	CHECK(schema_unsupported("AWS::Logs::LogGroup", "BearerTokenAuthenticationEnabled", u, &hint));
	/* An allow-list type: what is not listed is refused. */
	CHECK(schema_unsupported("AWS::EC2::Instance", "Monitoring", t, &hint));
	CHECK(!schema_unsupported("AWS::EC2::Instance", "ImageId", t, &hint));
	json_decref(t);
	json_decref(f);
	json_decref(u);
}

/* validate does not call a required property missing when berth fills it
 * (schema_defaulted), and that list must be what the type files' normalise
 * really fills: the spec layer no longer asks them. */
TEST(defaulted_required_properties_match_normalise)
{
	size_t n;
	const struct rtype *const *all = rtype_all(&n);
	for (size_t i = 0; i < n; i++) {
		const struct schema_resource *r = schema_find(all[i]->type_name);
		if (!r)
			continue;
		json_t *filled = json_object();
		if (all[i]->normalise)
			all[i]->normalise("stack", "thing", filled);
		for (size_t k = 0; k < r->shape->nprops; k++) {
			const struct schema_prop *p = &r->shape->props[k];
			if (!(p->flags & SP_REQUIRED) || (p->flags & SP_READ_ONLY))
				continue;
			bool fills = json_object_get(filled, p->name) != NULL;
			if (fills != schema_defaulted(r->type_name, p->name))
				fprintf(stderr, "  %s %s: normalise %s it\n", r->type_name, p->name,
					fills ? "fills" : "does not fill");
			CHECK(fills == schema_defaulted(r->type_name, p->name));
		}
		json_decref(filled);
	}
}

TEST_MAIN()
