/* The ECS, load balancing, Cloud Map and IAM type files' pure parts: which
 * ARNs each owns (the sweep hands tagged ARNs to types by them), and the
 * shared helpers (policy documents as IAM sends them, ECS member names). */
#include "util/common.h"

#include "resources/resource.h"
#include "resources/typeutil.h"
#include "harness.h"

TEST(arns_go_to_their_types)
{
	static const struct {
		const char *arn;
		const struct rtype *want;
	} cases[] = {
		{ "arn:aws:ecs:us-west-2:1:cluster/container-demo", &rtype_ecs_cluster },
		{ "arn:aws:ecs:us-west-2:1:service/container-demo/ecsdemo-frontend", &rtype_ecs_service },
		{ "arn:aws:ecs:us-west-2:1:task-definition/web:3", &rtype_ecs_taskdefinition },
		{ "arn:aws:elasticloadbalancing:us-west-2:1:loadbalancer/app/fe/50dc6c495c0c9188",
		  &rtype_elbv2_loadbalancer },
		{ "arn:aws:elasticloadbalancing:us-west-2:1:targetgroup/fe/73e2d6bc24d8a067",
		  &rtype_elbv2_targetgroup },
		{ "arn:aws:servicediscovery:us-west-2:1:namespace/ns-abc", &rtype_sd_privatednsnamespace },
		{ "arn:aws:servicediscovery:us-west-2:1:service/srv-abc", &rtype_sd_service },
		{ "arn:aws:iam::1:role/demo-exec", &rtype_iam_role },
		{ "arn:aws:iam::1:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS", NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK(rtype_for_arn(cases[i].arn) == cases[i].want);
}

TEST(policy_documents_decode)
{
	json_t *enc = json_string("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D");
	json_t *doc = tu_policy_doc(enc);
	CHECK(json_is_object(doc));
	CHECK(!strcmp(json_string_value(json_object_get(doc, "Version")), "2012-10-17"));
	json_t *plain = json_string("{\"Version\":\"2012-10-17\",\"Statement\":[]}");
	json_t *doc2 = tu_policy_doc(plain);
	CHECK(json_equal(doc, doc2));
	char *text = tu_doc_text(doc);
	CHECK(!strcmp(text, "{\"Statement\":[],\"Version\":\"2012-10-17\"}"));
	free(text);
	CHECK(tu_policy_doc(NULL) == NULL);
	json_decref(enc);
	json_decref(plain);
	json_decref(doc);
	json_decref(doc2);
}

TEST(ecs_names_recase_but_not_map_keys)
{
	json_t *cfn = json_pack("{s:[{s:s, s:{s:s, s:{s:s}}}]}", "ContainerDefinitions", "Name", "web",
				"LogConfiguration", "LogDriver", "awslogs", "Options",
				"awslogs-group", "/ecs/web");
	static const char *const opaque[] = { "options", NULL };
	json_t *api = tu_recase(cfn, true, opaque);
	json_t *ct = json_array_get(json_object_get(api, "containerDefinitions"), 0);
	CHECK(!strcmp(json_string_value(json_object_get(ct, "name")), "web"));
	json_t *opts = json_object_get(json_object_get(ct, "logConfiguration"), "options");
	CHECK(json_is_string(json_object_get(opts, "awslogs-group")));
	json_t *back = tu_recase(api, false, opaque);
	CHECK(json_equal(back, cfn));
	json_t *tags = json_pack("[{s:s, s:s}]", "key", "a", "value", "b");
	json_t *map = tu_tags_map_lc(tags);
	CHECK(!strcmp(json_string_value(json_object_get(map, "a")), "b"));
	json_t *again = tu_tags_list_lc(map);
	CHECK(json_equal(again, tags));
	json_decref(cfn);
	json_decref(api);
	json_decref(back);
	json_decref(tags);
	json_decref(map);
	json_decref(again);
}

TEST_MAIN()
