/* schema/needs.c: what berth needs beyond the schemas, as validate, plan
 * and create check it (the corpus, tests/spec/invalid/needs_*, shows the
 * positions validate reports them at). */
#include "util/common.h"
#include "harness.h"

#include "schema/needs.h"
#include "schema/schema.h"
#include "util/value.h"

struct seen {
	size_t n;
	char prop[6][64], summary[6][200], detail[6][200];
};

static void record(void *ctx, const struct schema_need_at *at, const char *summary,
		   const char *detail)
{
	struct seen *s = ctx;
	if (s->n >= 6)
		return;
	if (at->list)
		snprintf(s->prop[s->n], 64, "%s[%zu].%s", at->list, at->item, at->prop ? at->prop : "-");
	else
		snprintf(s->prop[s->n], 64, "%s", at->prop ? at->prop : "-");
	snprintf(s->summary[s->n], 200, "%s", summary);
	snprintf(s->detail[s->n], 200, "%s", detail ? detail : "-");
	s->n++;
}

static struct seen check(const char *type, json_t *props)
{
	struct seen s = { 0 };
	size_t n = schema_needs_check(type, props, record, &s);
	CHECK_INT(n, s.n);
	json_decref(props);
	return s;
}

/* Every row names a type and properties its schema has, settable ones (of
 * the items of a list of objects for a list's row). */
TEST(rows_match_schemas)
{
	const char *type, *list;
	const char *const *props;
	size_t rows = 0;
	for (size_t i = 0; (props = schema_needs_row(i, &type, &list)); i++, rows++) {
		const struct schema_resource *r = schema_find(type);
		CHECK(r != NULL);
		const struct schema_shape *sh = r ? r->shape : NULL;
		if (sh && list) {
			const struct schema_prop *lp = schema_shape_prop(sh, list);
			CHECK(lp && lp->shape->kind == SK_ARRAY && lp->shape->items &&
			      lp->shape->items->kind == SK_OBJECT);
			sh = lp && lp->shape->kind == SK_ARRAY ? lp->shape->items : NULL;
		}
		for (size_t k = 0; sh && props[k]; k++) {
			const struct schema_prop *p = schema_shape_prop(sh, props[k]);
			if (!p || (p->flags & SP_READ_ONLY))
				fprintf(stderr, "%s %s\n", type, props[k]);
			CHECK(p != NULL && !(p->flags & SP_READ_ONLY));
		}
	}
	CHECK(rows >= 18);
}

TEST(one_of_and_missing)
{
	struct seen s = check("AWS::CloudFormation::Stack", json_pack("{s:{}}", "Parameters"));
	CHECK_INT(s.n, 1);
	CHECK_STR(s.prop[0], "-");
	CHECK_STR(s.summary[0], "AWS::CloudFormation::Stack: give TemplateBody or TemplateURL");
	s = check("AWS::CloudFormation::Stack", json_pack("{s:s}", "TemplateURL", "https://x/t"));
	CHECK_INT(s.n, 0);
	/* null is not given */
	s = check("AWS::EC2::Subnet", json_pack("{s:n}", "CidrBlock"));
	CHECK_INT(s.n, 1);
	CHECK_STR(s.summary[0], "AWS::EC2::Subnet: berth needs CidrBlock");
	/* known after apply is given */
	s = check("AWS::EC2::Subnet", json_pack("{s:o}", "CidrBlock", value_unknown()));
	CHECK_INT(s.n, 0);
	s = check("AWS::SNS::Topic", json_object());
	CHECK_INT(s.n, 0);
}

TEST(instance_image)
{
	struct seen s = check("AWS::EC2::Instance", json_pack("{s:s}", "InstanceType", "t3.micro"));
	CHECK_INT(s.n, 1);
	CHECK_CONTAINS(s.summary[0], "berth needs ImageId (launch templates are not supported yet)");
	s = check("AWS::EC2::Instance", json_pack("{s:s}", "ImageId", ""));
	CHECK_INT(s.n, 1);
	CHECK_STR(s.prop[0], "ImageId");
	CHECK_STR(s.summary[0], "AWS::EC2::Instance: ImageId is empty; give the id of an AMI (ami-...)");
	s = check("AWS::EC2::Instance", json_pack("{s:o}", "ImageId", value_unknown()));
	CHECK_INT(s.n, 0);
}

/* Exactly one of: none reported at the properties, two at the second. */
TEST(exactly_one)
{
	const char *rt = "AWS::EC2::Route";
	struct seen s = check(rt, json_pack("{s:s, s:s, s:s}", "RouteTableId", "rtb-1",
					    "DestinationCidrBlock", "0.0.0.0/0", "GatewayId", "igw-1"));
	CHECK_INT(s.n, 0);
	s = check(rt, json_pack("{s:s, s:s}", "RouteTableId", "rtb-1", "DestinationCidrBlock",
				"0.0.0.0/0"));
	CHECK_INT(s.n, 1);
	CHECK_STR(s.prop[0], "-");
	CHECK_STR(s.summary[0], "AWS::EC2::Route: give exactly one target (GatewayId, NatGatewayId, "
				"InstanceId, NetworkInterfaceId, ...); 0 given");
	s = check(rt, json_pack("{s:s, s:s, s:s, s:o}", "DestinationCidrBlock", "0.0.0.0/0",
				"NatGatewayId", "nat-1", "GatewayId", "igw-1", "CoreNetworkArn",
				value_unknown()));
	CHECK_INT(s.n, 1);
	CHECK_STR(s.prop[0], "NatGatewayId");
	CHECK_CONTAINS(s.summary[0], "; 3 given");
	s = check(rt, json_pack("{s:s}", "GatewayId", "igw-1"));
	CHECK_INT(s.n, 1);
	CHECK_STR(s.summary[0], "AWS::EC2::Route: berth needs DestinationCidrBlock (IPv6 and "
				"prefix-list destinations are not supported yet)");
	const char *sgi = "AWS::EC2::SecurityGroupIngress";
	s = check(sgi, json_pack("{s:s, s:s, s:s, s:s}", "GroupId", "sg-1", "IpProtocol", "tcp",
				 "CidrIp", "0.0.0.0/0", "SourceSecurityGroupId", "sg-2"));
	CHECK_INT(s.n, 1);
	CHECK_STR(s.prop[0], "SourceSecurityGroupId");
	CHECK_STR(s.summary[0], "AWS::EC2::SecurityGroupIngress: give exactly one of CidrIp, "
				"CidrIpv6, SourcePrefixListId or SourceSecurityGroupId; 2 given");
	s = check(sgi, json_pack("{s:s, s:s}", "IpProtocol", "tcp", "CidrIpv6", "::/0"));
	CHECK_INT(s.n, 1);
	CHECK_STR(s.summary[0], "AWS::EC2::SecurityGroupIngress: berth needs GroupId (GroupName is "
				"for default VPCs only)");
}

/* A list's rows, for each item, at the item or its property. */
TEST(list_items)
{
	const char *sg = "AWS::EC2::SecurityGroup";
	json_t *g = json_pack("{s:s, s:s, s:[{s:s, s:s}, {s:s, s:s, s:s}, {s:s}, {s:s, s:s}], "
			      "s:[{s:s, s:s}]}",
			      "GroupDescription", "web", "VpcId", "vpc-1", "SecurityGroupIngress",
			      "IpProtocol", "tcp", "CidrIp", "0.0.0.0/0",
			      "IpProtocol", "tcp", "CidrIp", "0.0.0.0/0", "SourceSecurityGroupId", "sg-2",
			      "IpProtocol", "-1",
			      "IpProtocol", "tcp", "SourceSecurityGroupName", "lb",
			      "SecurityGroupEgress", "IpProtocol", "-1", "SourceSecurityGroupId", "sg-3");
	struct seen s = check(sg, g);
	CHECK_INT(s.n, 5);
	CHECK_STR(s.prop[0], "SecurityGroupEgress[0].-");
	CHECK_STR(s.summary[0], "AWS::EC2::SecurityGroup: SecurityGroupEgress[0]: give exactly one of "
				"CidrIp, CidrIpv6, DestinationPrefixListId or DestinationSecurityGroupId; 0 given");
	CHECK_STR(s.prop[1], "SecurityGroupIngress[1].SourceSecurityGroupId");
	CHECK_CONTAINS(s.summary[1], "SecurityGroupIngress[1]: give exactly one of ");
	CHECK_STR(s.prop[2], "SecurityGroupIngress[2].-");
	CHECK_STR(s.prop[3], "SecurityGroupIngress[3].-");
	CHECK_STR(s.prop[4], "SecurityGroupIngress[3].SourceSecurityGroupName");
	/* The name is refused, and the rule has no peer (the name is none). */
	g = json_pack("{s:s, s:[{s:s, s:s}]}", "VpcId", "vpc-1", "SecurityGroupIngress", "IpProtocol",
		      "tcp", "SourceSecurityGroupName", "lb");
	s = check(sg, g);
	CHECK_INT(s.n, 2);
	CHECK_STR(s.prop[1], "SecurityGroupIngress[0].SourceSecurityGroupName");
	CHECK_STR(s.summary[1], "AWS::EC2::SecurityGroup: SecurityGroupIngress[0]: berth does not set "
				"SourceSecurityGroupName yet; names are for default VPCs only; give "
				"SourceSecurityGroupId");
	/* Unknown lists and items pass. */
	g = json_pack("{s:s, s:[o]}", "VpcId", "vpc-1", "SecurityGroupIngress", value_unknown());
	s = check(sg, g);
	CHECK_INT(s.n, 0);
	g = json_pack("{s:s, s:o}", "VpcId", "vpc-1", "SecurityGroupIngress", value_unknown());
	s = check(sg, g);
	CHECK_INT(s.n, 0);
}

static json_t *task(const char *compat, const char *mode, json_t *cpu, json_t *mem)
{
	json_t *t = json_pack("{s:[s]}", "RequiresCompatibilities", compat);
	if (mode)
		json_object_set_new(t, "NetworkMode", json_string(mode));
	if (cpu)
		json_object_set_new(t, "Cpu", cpu);
	if (mem)
		json_object_set_new(t, "Memory", mem);
	return t;
}

TEST(fargate)
{
	const char *td = "AWS::ECS::TaskDefinition";
	struct seen s = check(td, task("FARGATE", "awsvpc", json_string("256"), json_string("512")));
	CHECK_INT(s.n, 0);
	s = check(td, task("FARGATE", "awsvpc", json_string("1 vCPU"), json_string("3 GB")));
	CHECK_INT(s.n, 0);
	s = check(td, task("FARGATE", "awsvpc", json_integer(4096), json_integer(30720)));
	CHECK_INT(s.n, 0);
	/* Only Fargate's. */
	s = check(td, task("EC2", "bridge", NULL, NULL));
	CHECK_INT(s.n, 0);
	s = check(td, task("FARGATE", "bridge", json_string("256"), json_string("512")));
	CHECK_INT(s.n, 1);
	CHECK_STR(s.prop[0], "NetworkMode");
	CHECK_STR(s.summary[0], "AWS::ECS::TaskDefinition: Fargate needs NetworkMode: awsvpc");
	s = check(td, task("FARGATE", NULL, json_string("256"), json_string("512")));
	CHECK_INT(s.n, 1);
	CHECK_STR(s.prop[0], "-");
	s = check(td, task("FARGATE", "awsvpc", NULL, json_string("512")));
	CHECK_INT(s.n, 1);
	CHECK_STR(s.summary[0], "AWS::ECS::TaskDefinition: Fargate needs task-level Cpu and Memory");
	s = check(td, task("FARGATE", "awsvpc", json_string("256"), json_string("4096")));
	CHECK_INT(s.n, 1);
	CHECK_STR(s.prop[0], "Memory");
	CHECK_STR(s.summary[0], "AWS::ECS::TaskDefinition: Fargate does not run Cpu 256 with Memory 4096");
	CHECK_STR(s.detail[0], "with Cpu 256, Memory must be 512, 1024 or 2048 (MiB)");
	s = check(td, task("FARGATE", "awsvpc", json_string("512"), json_string("1536")));
	CHECK_INT(s.n, 1);
	CHECK_STR(s.detail[0], "with Cpu 512, Memory must be 1024 to 4096 in steps of 1024 (MiB)");
	s = check(td, task("FARGATE", "awsvpc", json_integer(300), json_string("1024")));
	CHECK_INT(s.n, 1);
	CHECK_STR(s.prop[0], "Cpu");
	CHECK_STR(s.summary[0], "AWS::ECS::TaskDefinition: Fargate does not run Cpu 300");
	/* Not known yet: checked again when it is. */
	s = check(td, task("FARGATE", "awsvpc", value_unknown(), json_string("4096")));
	CHECK_INT(s.n, 0);
	json_t *t = task("FARGATE", "bridge", json_string("256"), json_string("4096"));
	json_object_set_new(t, "RequiresCompatibilities", value_unknown());
	s = check(td, t);
	CHECK_INT(s.n, 0);
}

TEST(grafana_organization)
{
	const char *ws = "AWS::Grafana::Workspace";
	struct seen s = check(ws, json_pack("{s:s}", "AccountAccessType", "ORGANIZATION"));
	CHECK_INT(s.n, 1);
	CHECK_STR(s.summary[0],
		  "AWS::Grafana::Workspace: AccountAccessType ORGANIZATION needs OrganizationalUnits");
	s = check(ws, json_pack("{s:s, s:[s]}", "AccountAccessType", "ORGANIZATION",
				"OrganizationalUnits", "ou-1"));
	CHECK_INT(s.n, 0);
	s = check(ws, json_pack("{s:s}", "AccountAccessType", "CURRENT_ACCOUNT"));
	CHECK_INT(s.n, 0);
}

TEST(as_diagnostics)
{
	struct diags d = DIAGS_INIT;
	json_t *t = task("FARGATE", "awsvpc", json_string("256"), json_string("4096"));
	CHECK_INT(schema_needs_diags("AWS::ECS::TaskDefinition", t, &d), BERTH_EINVAL);
	CHECK_INT(d.n, 1);
	CHECK_CONTAINS(d.items[0].detail, "512, 1024 or 2048");
	diags_release(&d);
	json_decref(t);
	json_t *ok = json_pack("{s:s}", "CidrBlock", "10.0.0.0/16");
	CHECK_INT(schema_needs_diags("AWS::EC2::VPC", ok, &d), 0);
	CHECK_INT(d.n, 0);
	json_decref(ok);
}

TEST_MAIN()
