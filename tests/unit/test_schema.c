/* The type registry: lookups, nested shapes, flags from the CloudFormation
 * schemas, suggestions and the tables berth adds (support.c); values are checked
 * against shapes by the spec layer (spec/check.c, pinned by tests/spec). */
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

TEST(berth_types)
{
	const struct schema_prop *t = PROP("Berth::Grafana::Permissions", "Admins", "*", "Type");
	CHECK(t && t->shape->kind == SK_STRING && t->shape->nenum == 2);
	CHECK(PROP("Berth::Grafana::DataSource", "Uid")->flags & SP_READ_ONLY);
	CHECK(PROP("Berth::Grafana::Dashboard", "Inputs")->shape->kind == SK_MAP);
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
