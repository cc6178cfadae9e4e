/* The pure parts of resources/generic_get.c: ARNs of a service whose ARNs
 * name another (AMP), the property map with nested members, integers and
 * policy documents, read and sent, and the ARN as the physical id. The
 * calls themselves are covered end to end (e2e.types_ecs, e2e.retries,
 * e2e.types_grafana, e2e.workshop). */
#include "util/common.h"
#include "harness.h"

#include "resources/generic.h"

static const struct rtype_api amp = {
	.type_name = "AWS::APS::Workspace", .service = "amp", .arn_service = "aps",
	.style = RTA_SERVICE, .kind = "workspace", .get_arn_id = true,
	.item_id = "workspaceId", .item_arn = "arn",
	.props = (const struct rta_prop[]){
		{ "Alias", "alias", RTA_CREATE | RTA_READ, "UpdateWorkspaceAlias", NULL },
		{ "WorkspaceId", "workspaceId", RTA_READ, NULL, NULL },
		{ 0 } },
};

static json_t *ttl(const char *cfn, json_t *props, bool update)
{
	(void)cfn;
	json_t *soa = json_object_get(props, "Soa");
	return soa || update ? json_pack("{s:i}", "TTL", soa ? 60 : 15) : NULL;
}

static const struct rtype_api nested = {
	.type_name = "AWS::Test::Nested", .service = "test", .style = RTA_SERVICE, .kind = "thing",
	.item_id = "Id", .item_arn = "Arn",
	.props = (const struct rta_prop[]){
		{ "HostedZoneId", "Properties.Dns.HostedZoneId", RTA_READ | RTA_PATH, NULL, NULL },
		{ "Properties.Dns.SOA", "Properties.Dns.SOA", RTA_CREATE | RTA_READ | RTA_PATH,
		  NULL, NULL },
		{ "MaxSessionDuration", "MaxSessionDuration", RTA_CREATE | RTA_READ | RTA_INT,
		  NULL, NULL },
		{ "Policy", "Policy", RTA_CREATE | RTA_DOC, NULL, NULL },
		{ "Soa", "Soa", RTA_CREATE | RTA_HOOK, NULL, NULL },
		{ 0 } },
	.api_value = ttl,
};

TEST(owns_arn_of_another_service_name)
{
	CHECK(rtg_owns_arn(&amp, "arn:aws:aps:us-west-2:1:workspace/ws-1"));
	CHECK(!rtg_owns_arn(&amp, "arn:aws:amp:us-west-2:1:workspace/ws-1"));
	CHECK(!rtg_owns_arn(&amp, "arn:aws:grafana:us-west-2:1:workspace/g-1"));
	/* The description itself is left as it was. */
	CHECK_STR(amp.service, "amp");
}

TEST(fill_nested_and_documents)
{
	json_t *item = json_pack("{s:s, s:s, s:{s:{s:s, s:{s:i}}}, s:i, s:s}", "Id", "ns-1", "Arn",
				 "arn:aws:test:r:1:thing/ns-1", "Properties", "Dns", "HostedZoneId",
				 "Z1", "SOA", "TTL", 60, "MaxSessionDuration", 3600, "Policy",
				 "%7B%22Version%22%3A%222012-10-17%22%7D");
	struct live_resource r = { 0 };
	rtg_fill(&nested, NULL, &r, item, NULL);
	CHECK_STR(r.id, "ns-1");
	CHECK_STR(json_string_value(json_object_get(r.props, "HostedZoneId")), "Z1");
	json_t *soa = json_object_get(json_object_get(json_object_get(r.props, "Properties"), "Dns"),
				      "SOA");
	CHECK(json_integer_value(json_object_get(soa, "TTL")) == 60);
	CHECK(json_integer_value(json_object_get(r.props, "MaxSessionDuration")) == 3600);
	/* IAM's URL-encoded text read back as the document. */
	CHECK_STR(json_string_value(json_object_get(json_object_get(r.props, "Policy"), "Version")),
		  "2012-10-17");
	CHECK(json_object_size(r.props) == 4);
	live_resource_release(&r);
	json_decref(item);
}

TEST(fill_arn_as_id)
{
	json_t *item = json_pack("{s:s, s:s, s:s}", "workspaceId", "ws-1", "arn",
				 "arn:aws:aps:r:1:workspace/ws-1", "alias", "prom");
	struct live_resource r = { 0 };
	rtg_fill(&amp, NULL, &r, item, NULL);
	CHECK_STR(r.id, "arn:aws:aps:r:1:workspace/ws-1");
	CHECK_STR(r.arn, "arn:aws:aps:r:1:workspace/ws-1");
	CHECK_STR(json_string_value(json_object_get(r.props, "WorkspaceId")), "ws-1");
	CHECK_STR(json_string_value(json_object_get(r.props, "Alias")), "prom");
	live_resource_release(&r);
	json_decref(item);
}

TEST(create_params)
{
	json_t *props = json_pack("{s:{s:{s:{s:i}}}, s:s, s:{s:s}, s:s}", "Properties", "Dns",
				  "SOA", "TTL", 30, "MaxSessionDuration", "7200", "Policy", "Version",
				  "2012-10-17", "HostedZoneId", "Z1");
	json_t *params = rtg_create_params(&nested, props);
	json_t *soa = json_object_get(json_object_get(json_object_get(params, "Properties"), "Dns"),
				      "SOA");
	CHECK(json_integer_value(json_object_get(soa, "TTL")) == 30);
	CHECK(json_integer_value(json_object_get(params, "MaxSessionDuration")) == 7200);
	CHECK_STR(json_string_value(json_object_get(params, "Policy")),
		  "{\"Version\":\"2012-10-17\"}");
	/* Read-only, and a hook that leaves its property out. */
	CHECK(!json_object_get(params, "HostedZoneId"));
	CHECK(!json_object_get(params, "Soa"));
	CHECK(json_object_size(params) == 3);
	json_decref(params);
	json_object_set_new(props, "Soa", json_true());
	params = rtg_create_params(&nested, props);
	CHECK(json_integer_value(json_object_get(json_object_get(params, "Soa"), "TTL")) == 60);
	json_decref(params);
	json_decref(props);
}

TEST(documents_given_as_text_are_values)
{
	json_t *desired = json_pack("{s:s}", "Policy", "{\"Version\": \"2012-10-17\"}");
	rtg_normalise(&nested, "demo", "role", desired);
	CHECK(json_is_object(json_object_get(desired, "Policy")));
	json_decref(desired);
}

TEST_MAIN()
