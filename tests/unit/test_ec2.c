/* The pure parts of the EC2 types as case tables: canonical CIDRs, EC2 ARNs,
 * security group rules (CloudFormation's normalisation, the API's rules in
 * CloudFormation form, IpPermissions), and that what normalise makes of a
 * spec compares equal, under the schema, to what refresh reads back. */
#include "util/common.h"
#include "harness.h"

#include "engine/diff.h"
#include "resources/ec2_common.h"
#include "resources/resource.h"
#include "schema/schema.h"
#include "util/diag.h"

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	if (!v) {
		fprintf(stderr, "bad JSON in test: %s: %s\n", text, e.text);
		abort();
	}
	return v;
}

/* A parsed value freed at the next call (or with NULL): for one-line checks. */
static json_t *J_tmp(const char *text)
{
	static json_t *last;
	json_decref(last);
	last = text ? J(text) : NULL;
	return last;
}

static void check_json(json_t *got, const char *want)
{
	json_t *w = J(want);
	char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	char *ws = json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	CHECK_STR(g, ws);
	free(g);
	free(ws);
	json_decref(w);
}

TEST(arn_kinds)
{
	CHECK(ec2_arn_is("arn:aws:ec2:us-west-2:123456789012:vpc/vpc-1", "vpc"));
	CHECK(!ec2_arn_is("arn:aws:ec2:us-west-2:123456789012:vpc/vpc-1", "subnet"));
	CHECK(ec2_arn_is("arn:aws:ec2:us-west-2:1:security-group-rule/sgr-1", "security-group-rule"));
	CHECK(!ec2_arn_is("arn:aws:ec2:us-west-2:1:security-group-rule/sgr-1", "security-group"));
	CHECK(ec2_arn_is("arn:aws-cn:ec2:cn-north-1:1:natgateway/nat-1", "natgateway"));
	CHECK(!ec2_arn_is("arn:aws:sns:us-west-2:1:vpc/x", "vpc"));
	CHECK(!ec2_arn_is("arn:aws:ec2:us-west-2:1:vpc", "vpc"));
}

TEST(rule_normalise)
{
	static const char *const cases[][2] = {
		{ "{\"IpProtocol\":\"6\",\"FromPort\":\"80\",\"ToPort\":80,\"CidrIp\":\"10.0.0.1/8\"}",
		  "{\"IpProtocol\":\"tcp\",\"FromPort\":80,\"ToPort\":80,\"CidrIp\":\"10.0.0.0/8\"}" },
		{ "{\"IpProtocol\":-1,\"FromPort\":0,\"ToPort\":65535,\"CidrIp\":\"0.0.0.0/0\"}",
		  "{\"IpProtocol\":\"-1\",\"CidrIp\":\"0.0.0.0/0\"}" },
		{ "{\"IpProtocol\":\"all\",\"CidrIp\":\"0.0.0.0/0\",\"Description\":\"\"}",
		  "{\"IpProtocol\":\"-1\",\"CidrIp\":\"0.0.0.0/0\"}" },
		{ "{\"IpProtocol\":\"icmp\",\"FromPort\":-1,\"ToPort\":-1,\"CidrIp\":\"0.0.0.0/0\"}",
		  "{\"IpProtocol\":\"icmp\",\"CidrIp\":\"0.0.0.0/0\"}" },
		{ "{\"IpProtocol\":\"1\",\"FromPort\":8,\"ToPort\":-1,\"CidrIp\":\"0.0.0.0/0\"}",
		  "{\"IpProtocol\":\"icmp\",\"FromPort\":8,\"CidrIp\":\"0.0.0.0/0\"}" },
		{ "{\"IpProtocol\":\"UDP\",\"FromPort\":53,\"ToPort\":53,\"SourceSecurityGroupId\":\"sg-1\"}",
		  "{\"IpProtocol\":\"udp\",\"FromPort\":53,\"ToPort\":53,\"SourceSecurityGroupId\":\"sg-1\"}" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *r = J(cases[i][0]);
		ec2_rule_normalise(r);
		check_json(r, cases[i][1]);
		json_decref(r);
	}
}

TEST(rule_from_api)
{
	static const char *const cases[][2] = {
		{ "{\"GroupId\":\"sg-1\",\"GroupOwnerId\":\"1\",\"IsEgress\":true,\"IpProtocol\":\"-1\","
		  "\"FromPort\":-1,\"ToPort\":-1,\"CidrIpv4\":\"0.0.0.0/0\"}",
		  "{\"IpProtocol\":\"-1\",\"CidrIp\":\"0.0.0.0/0\"}" },
		{ "{\"GroupId\":\"sg-1\",\"GroupOwnerId\":\"1\",\"IsEgress\":false,\"IpProtocol\":\"tcp\","
		  "\"FromPort\":3000,\"ToPort\":3000,\"ReferencedGroupInfo\":{\"GroupId\":\"sg-2\",\"UserId\":\"1\"},"
		  "\"Description\":\"from the frontend\"}",
		  "{\"IpProtocol\":\"tcp\",\"FromPort\":3000,\"ToPort\":3000,\"SourceSecurityGroupId\":\"sg-2\","
		  "\"Description\":\"from the frontend\"}" },
		{ "{\"GroupId\":\"sg-1\",\"GroupOwnerId\":\"1\",\"IsEgress\":false,\"IpProtocol\":\"tcp\","
		  "\"FromPort\":443,\"ToPort\":443,\"ReferencedGroupInfo\":{\"GroupId\":\"sg-9\",\"UserId\":\"2\"}}",
		  "{\"IpProtocol\":\"tcp\",\"FromPort\":443,\"ToPort\":443,\"SourceSecurityGroupId\":\"sg-9\","
		  "\"SourceSecurityGroupOwnerId\":\"2\"}" },
		{ "{\"GroupId\":\"sg-1\",\"IsEgress\":true,\"IpProtocol\":\"tcp\",\"FromPort\":443,"
		  "\"ToPort\":443,\"PrefixListId\":\"pl-1\"}",
		  "{\"IpProtocol\":\"tcp\",\"FromPort\":443,\"ToPort\":443,\"DestinationPrefixListId\":\"pl-1\"}" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *item = J(cases[i][0]);
		json_t *r = ec2_rule_from_api(item);
		check_json(r, cases[i][1]);
		json_decref(r);
		json_decref(item);
	}
}

TEST(rule_permission)
{
	struct diags d = DIAGS_INIT;
	json_t *r = J("{\"IpProtocol\":\"6\",\"FromPort\":3000,\"ToPort\":3000,"
		      "\"SourceSecurityGroupId\":\"sg-2\",\"Description\":\"x\"}");
	json_t *p = ec2_rule_permission(r, false, &d);
	check_json(p, "{\"IpProtocol\":\"tcp\",\"FromPort\":3000,\"ToPort\":3000,"
		      "\"UserIdGroupPairs\":[{\"GroupId\":\"sg-2\",\"Description\":\"x\"}]}");
	json_decref(p);
	json_decref(r);

	r = J("{\"IpProtocol\":\"icmp\",\"CidrIp\":\"10.0.0.0/8\"}");
	p = ec2_rule_permission(r, true, &d);
	check_json(p, "{\"IpProtocol\":\"icmp\",\"FromPort\":-1,\"ToPort\":-1,"
		      "\"IpRanges\":[{\"CidrIp\":\"10.0.0.0/8\"}]}");
	json_decref(p);
	json_decref(r);

	r = J("{\"IpProtocol\":\"-1\",\"CidrIp\":\"0.0.0.0/0\"}");
	p = ec2_rule_permission(r, true, &d);
	check_json(p, "{\"IpProtocol\":\"-1\",\"IpRanges\":[{\"CidrIp\":\"0.0.0.0/0\"}]}");
	json_decref(p);
	json_decref(r);
	CHECK_INT(d.n, 0);

	/* No peer, or two: an error, not a half rule. */
	r = J("{\"IpProtocol\":\"tcp\",\"FromPort\":1,\"ToPort\":1}");
	CHECK(ec2_rule_permission(r, false, &d) == NULL);
	json_decref(r);
	r = J("{\"IpProtocol\":\"tcp\",\"FromPort\":1,\"ToPort\":1,\"CidrIp\":\"0.0.0.0/0\","
	      "\"SourceSecurityGroupId\":\"sg-1\"}");
	CHECK(ec2_rule_permission(r, false, &d) == NULL);
	json_decref(r);
	/* A Source peer on an egress rule is not a peer there. */
	r = J("{\"IpProtocol\":\"tcp\",\"FromPort\":1,\"ToPort\":1,\"SourceSecurityGroupId\":\"sg-1\"}");
	CHECK(ec2_rule_permission(r, true, &d) == NULL);
	json_decref(r);
	CHECK_INT(d.n, 3);
	CHECK_CONTAINS(d.items[0].summary, "exactly one of CidrIp");
	diags_release(&d);
}

/* What the spec says, normalised by the type, against what refresh reads
 * back (rules from the API, AWS's default egress rule): equal, so a plan
 * right after apply is empty. */
TEST(security_group_round_trip_has_no_diff)
{
	const struct rtype *rt = rtype_find("AWS::EC2::SecurityGroup");
	const struct schema_resource *sch = schema_find("AWS::EC2::SecurityGroup");
	CHECK(rt && sch);
	json_t *desired = J("{\"GroupDescription\":\"d\",\"VpcId\":\"vpc-1\","
			    "\"SecurityGroupIngress\":[{\"IpProtocol\":\"6\",\"FromPort\":80,\"ToPort\":\"80\","
			    "\"CidrIp\":\"0.0.0.0/0\"},{\"IpProtocol\":-1,\"SourceSecurityGroupId\":\"sg-2\"}]}");
	rt->normalise("st", "web", desired);
	CHECK_STR(json_string_value(json_object_get(desired, "GroupName")), "st-web");
	check_json(json_object_get(desired, "SecurityGroupEgress"),
		   "[{\"IpProtocol\":\"-1\",\"CidrIp\":\"0.0.0.0/0\"}]");

	json_t *live = J("{\"GroupDescription\":\"d\",\"VpcId\":\"vpc-1\",\"GroupName\":\"st-web\","
			 "\"GroupId\":\"sg-1\",\"Id\":\"sg-1\",\"SecurityGroupIngress\":[],"
			 "\"SecurityGroupEgress\":[]}");
	static const char *const api[] = {
		"{\"GroupId\":\"sg-1\",\"GroupOwnerId\":\"1\",\"IsEgress\":false,\"IpProtocol\":\"-1\","
		"\"FromPort\":-1,\"ToPort\":-1,\"ReferencedGroupInfo\":{\"GroupId\":\"sg-2\",\"UserId\":\"1\"}}",
		"{\"GroupId\":\"sg-1\",\"GroupOwnerId\":\"1\",\"IsEgress\":false,\"IpProtocol\":\"tcp\","
		"\"FromPort\":80,\"ToPort\":80,\"CidrIpv4\":\"0.0.0.0/0\"}",
		"{\"GroupId\":\"sg-1\",\"GroupOwnerId\":\"1\",\"IsEgress\":true,\"IpProtocol\":\"-1\","
		"\"FromPort\":-1,\"ToPort\":-1,\"CidrIpv4\":\"0.0.0.0/0\"}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(api); i++) {
		json_t *item = J(api[i]);
		json_array_append_new(json_object_get(live, json_is_true(json_object_get(item, "IsEgress"))
								   ? "SecurityGroupEgress" : "SecurityGroupIngress"),
				      ec2_rule_from_api(item));
		json_decref(item);
	}
	struct diff_input in = { sch, desired, live, NULL, NULL, true, false, false,
				 rtype_ec2_securitygroup.updates };
	struct diff_result dr;
	diff_result_init(&dr);
	diff_resource(&in, &dr);
	CHECK_INT(dr.action, DIFF_NOOP);
	diff_result_release(&dr);

	/* One rule's port changes: an update of the ingress list only. */
	json_object_set_new(json_array_get(json_object_get(desired, "SecurityGroupIngress"), 0),
			    "FromPort", json_integer(8080));
	diff_result_init(&dr);
	diff_resource(&in, &dr);
	CHECK_INT(dr.action, DIFF_UPDATE);
	CHECK_INT(dr.changed.n, 1);
	CHECK_STR(dr.changed.v[0], "SecurityGroupIngress");
	diff_result_release(&dr);
	json_decref(desired);
	json_decref(live);
}

TEST(instance_user_data_is_base64)
{
	const struct rtype *rt = rtype_find("AWS::EC2::Instance");
	json_t *d = J("{\"UserData\":\"#!/bin/bash\\nyum install -y siege\\n\"}");
	rt->normalise("st", "host", d);
	CHECK_STR(json_string_value(json_object_get(d, "UserData")),
		  "IyEvYmluL2Jhc2gKeXVtIGluc3RhbGwgLXkgc2llZ2UK");
	/* Already base64 (as CloudFormation's Fn::Base64 gives it): kept. */
	rt->normalise("st", "host", d);
	CHECK_STR(json_string_value(json_object_get(d, "UserData")),
		  "IyEvYmluL2Jhc2gKeXVtIGluc3RhbGwgLXkgc2llZ2UK");
	json_object_set_new(d, "UserData", json_string("ab"));
	rt->normalise("st", "host", d);
	CHECK_STR(json_string_value(json_object_get(d, "UserData")), "YWI=");
	json_decref(d);
}

TEST(registry_has_the_ec2_types)
{
	static const char *const names[] = {
		"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::InternetGateway",
		"AWS::EC2::VPCGatewayAttachment", "AWS::EC2::RouteTable", "AWS::EC2::Route",
		"AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::EIP", "AWS::EC2::NatGateway",
		"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::Instance",
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct rtype *rt = rtype_find(names[i]);
		CHECK(rt != NULL);
		CHECK(schema_find(names[i]) != NULL);
		/* Found by tag, or through a parent that is. */
		CHECK((rt->tag_filter && rt->owns_arn) || (rt->parent_type && rt->identity));
	}
	CHECK(rtype_for_arn("arn:aws:ec2:us-west-2:1:subnet/subnet-1") == rtype_find("AWS::EC2::Subnet"));
	CHECK(rtype_for_arn("arn:aws:ec2:us-west-2:1:security-group-rule/sgr-1") ==
	      rtype_find("AWS::EC2::SecurityGroupIngress"));
}

TEST(answers_are_checked_against_their_filters)
{
	json_t *f = J("[{\"Name\": \"tag:berth:stack\", \"Values\": [\"demo\"]},"
		      " {\"Name\": \"tag:berth:id\", \"Values\": [\"nat=5B2=5D\"]},"
		      " {\"Name\": \"state\", \"Values\": [\"pending\", \"available\"]}]");
	json_t *ours = J("{\"State\": \"available\", \"Tags\": [{\"Key\": \"berth:stack\","
			 " \"Value\": \"demo\"}, {\"Key\": \"berth:id\", \"Value\": \"nat=5B2=5D\"}]}");
	json_t *sibling = J("{\"State\": \"available\", \"Tags\": [{\"Key\": \"berth:stack\","
			    " \"Value\": \"demo\"}, {\"Key\": \"berth:id\", \"Value\": \"nat=5B0=5D\"}]}");
	json_t *deleted = J("{\"State\": \"deleted\", \"Tags\": [{\"Key\": \"berth:stack\","
			    " \"Value\": \"demo\"}, {\"Key\": \"berth:id\", \"Value\": \"nat=5B2=5D\"}]}");
	json_t *untagged = J("{\"State\": \"available\"}");
	CHECK(ec2_item_matches(ours, f));
	CHECK(!ec2_item_matches(sibling, f));
	CHECK(!ec2_item_matches(deleted, f));
	CHECK(!ec2_item_matches(untagged, f));
	/* A name means different members in different listings. */
	json_t *g = J("[{\"Name\": \"group-id\", \"Values\": [\"sg-1\"]}]");
	CHECK(ec2_item_matches(J_tmp("{\"GroupId\": \"sg-1\"}"), g));
	CHECK(ec2_item_matches(J_tmp("{\"Groups\": [{\"GroupId\": \"sg-2\"}, {\"GroupId\": \"sg-1\"}]}"), g));
	CHECK(!ec2_item_matches(J_tmp("{\"Groups\": [{\"GroupId\": \"sg-2\"}]}"), g));
	json_t *a = J("[{\"Name\": \"attachment.vpc-id\", \"Values\": [\"vpc-1\"]},"
		      " {\"Name\": \"is-default\", \"Values\": [\"false\"]}]");
	CHECK(ec2_item_matches(J_tmp("{\"Attachments\": [{\"VpcId\": \"vpc-1\"}], \"IsDefault\": false}"), a));
	CHECK(!ec2_item_matches(J_tmp("{\"Attachments\": [{\"VpcId\": \"vpc-9\"}], \"IsDefault\": false}"), a));
	CHECK(!ec2_item_matches(J_tmp("{\"Attachments\": [{\"VpcId\": \"vpc-1\"}], \"IsDefault\": true}"), a));
	/* A filter berth does not know is trusted, as before. */
	json_t *u = J("[{\"Name\": \"owner-id\", \"Values\": [\"1\"]}]");
	CHECK(ec2_item_matches(untagged, u));
	/* Instances: filtered inside each reservation, empty ones dropped. */
	json_t *st = J("[{\"Name\": \"instance-state-name\", \"Values\": [\"running\"]}]");
	json_t *res = J("[{\"Instances\": [{\"InstanceId\": \"i-1\", \"State\": {\"Name\": \"running\"}},"
			" {\"InstanceId\": \"i-2\", \"State\": {\"Name\": \"terminated\"}}]},"
			" {\"Instances\": [{\"InstanceId\": \"i-3\", \"State\": {\"Name\": \"terminated\"}}]}]");
	json_t *kept = ec2_keep_matching("DescribeInstances", res, st);
	check_json(kept, "[{\"Instances\": [{\"InstanceId\": \"i-1\", \"State\": {\"Name\": \"running\"}}]}]");
	json_decref(kept);
	json_t *list = json_pack("[O, O, O]", sibling, deleted, ours);
	kept = ec2_keep_matching("DescribeNatGateways", list, f);
	CHECK_INT(json_array_size(kept), 1);
	CHECK(json_array_get(kept, 0) == ours);
	json_decref(kept);
	json_decref(list);
	json_t *all[] = { f, ours, sibling, deleted, untagged, g, a, u, st, res };
	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		json_decref(all[i]);
	J_tmp(NULL);
}

TEST_MAIN()
