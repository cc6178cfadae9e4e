/* The pure parts of elbec2's description mechanisms (generic_arn.c,
 * generic_ec2.c, generic.c): ELBv2's ARNs with another service's name,
 * integers and grouped members in a create request, ELB's default names,
 * and instances listed inside reservations. The calls are covered end to
 * end (e2e.types_ecs, e2e.types_ec2, e2e.workshop). */
#include "util/common.h"
#include "harness.h"

#include "resources/generic.h"

#include <ctype.h>

static const struct rtype_api tg = {
	.type_name = "AWS::ElasticLoadBalancingV2::TargetGroup", .service = "elbv2",
	.arn_service = "elasticloadbalancing", .style = RTA_SERVICE, .kind = "targetgroup",
	.props = (const struct rta_prop[]){
		{ "Name", "Name", RTA_CREATE, NULL, NULL },
		{ "Port", "Port", RTA_CREATE | RTA_READ | RTA_INT, NULL, NULL },
		{ "HealthCheckEnabled", "HealthCheckEnabled",
		  RTA_CREATE | RTA_READ | RTA_GROUP | RTA_BOOL, "ModifyTargetGroup", NULL },
		{ "TargetGroupArn", "TargetGroupArn", RTA_READ, NULL, NULL },
		{ 0 } },
	.name_prop = "Name", .name_max = 32, .name_dash = true,
};
static const struct rtype_api instance = {
	.type_name = "AWS::EC2::Instance", .service = "ec2", .style = RTA_EC2,
	.kind = "instance", .list = "Reservations", .sublist = "Instances",
	.item_id = "InstanceId",
};

TEST(arn_of_another_service)
{
	CHECK(rta_arn_owns(&tg, "arn:aws:elasticloadbalancing:us-west-2:1:targetgroup/web/0a1b"));
	/* The botocore name is not the ARN's. */
	CHECK(!rta_arn_owns(&tg, "arn:aws:elbv2:us-west-2:1:targetgroup/web/0a1b"));
	CHECK(!rta_arn_owns(&tg, "arn:aws:elasticloadbalancing:us-west-2:1:loadbalancer/app/w/1"));
	CHECK(!rta_arn_owns(&tg, "arn:aws:elasticloadbalancing:us-west-2:1:targetgroupx/w/1"));
	CHECK(!rta_arn_owns(&tg, "arn:aws:elasticloadbalancing"));
}

/* Ports as integers whatever the spec gave (a variable is text); booleans
 * from "true"; read-only members left out. */
TEST(create_params_typed)
{
	json_t *props = json_pack("{s:s, s:s, s:s, s:s}", "Name", "web", "Port", "8080",
				  "HealthCheckEnabled", "true", "TargetGroupArn", "arn:x");
	json_t *params = rta_create_params(&tg, props);
	json_t *want = json_pack("{s:s, s:i, s:b}", "Name", "web", "Port", 8080,
				 "HealthCheckEnabled", 1);
	CHECK(json_equal(params, want));
	json_decref(want);
	json_decref(params);
	json_decref(props);
	json_t *n = json_integer(443), *v = rta_int(n);
	CHECK(json_integer_value(v) == 443);
	json_decref(v);
	json_decref(n);
}

static void check_name(const char *stack, const char *address, const char *want)
{
	json_t *desired = json_object();
	rta_arn_normalise(&tg, stack, address, desired);
	const char *got = json_string_value(json_object_get(desired, "Name"));
	CHECK_STR(got, want);
	json_decref(desired);
}

/* ELB names: letters, digits and single '-', none at the end, at most 32. */
TEST(elb_default_names)
{
	check_name("demo", "web", "demo-web");
	check_name("demo", "web_tg", "demo-web-tg");
	check_name("demo", "tg[\"a\"]", "demo-tg-a");
	json_t *desired = json_object();
	rta_arn_normalise(&tg, "a-rather-long-stack-name", "and.an.even.longer_address[0]",
			  desired);
	const char *name = json_string_value(json_object_get(desired, "Name"));
	CHECK(name && strlen(name) <= 32);
	for (const char *p = name; p && *p; p++)
		CHECK(isalnum((unsigned char)*p) || *p == '-');
	CHECK(name && name[strlen(name) - 1] != '-');
	json_decref(desired);
	/* A name the spec gives is kept. */
	desired = json_pack("{s:s}", "Name", "Mine_1");
	rta_arn_normalise(&tg, "demo", "web", desired);
	CHECK_STR(json_string_value(json_object_get(desired, "Name")), "Mine_1");
	json_decref(desired);
}

/* DescribeInstances: the instances of every reservation, each with its
 * reservation's OwnerId (for the ARN) unless it has its own. */
TEST(instances_flattened)
{
	json_t *list = json_pack(
		"[{s:s, s:[{s:s}, {s:s, s:s}]}, {s:s, s:[]}, {s:s, s:[{s:s}]}]", "OwnerId", "111",
		"Instances", "InstanceId", "i-1", "InstanceId", "i-2", "OwnerId", "999", "OwnerId",
		"222", "Instances", "OwnerId", "333", "Instances", "InstanceId", "i-3");
	json_t *flat = rta_flatten(&instance, list);
	json_t *want = json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]", "InstanceId", "i-1",
				 "OwnerId", "111", "InstanceId", "i-2", "OwnerId", "999",
				 "InstanceId", "i-3", "OwnerId", "333");
	CHECK(json_equal(flat, want));
	/* The listing itself is left as it was. */
	CHECK(!json_object_get(json_array_get(json_object_get(json_array_get(list, 0), "Instances"),
					      0), "OwnerId"));
	json_decref(want);
	json_decref(flat);
	json_decref(list);
}

TEST_MAIN()
