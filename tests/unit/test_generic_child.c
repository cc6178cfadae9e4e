/* The pure parts of resources/generic_child.c: which entries of a parent's
 * describe answer are instances, their ids and properties, and ids read
 * back into their parts. The descriptions here take the fields the EC2
 * type files give; the calls themselves are covered end to end
 * (e2e.types_ec2, e2e.workshop). */
#include "util/common.h"
#include "harness.h"

#include "resources/generic_child.h"

static const struct rtype_child route = {
	.type_name = "AWS::EC2::Route", .list = "RouteTables", .parent_id = "RouteTableId",
	.entries = "Routes",
	.skip = (const struct rtc_skip[]){
		{ "Origin", (const char *const[]){ "CreateRoute", NULL }, true },
		{ "GatewayId", (const char *const[]){ "local", NULL }, false }, { 0 } },
	.id_format = "{RouteTableId}|{DestinationCidrBlock}",
	.props = (const struct rta_prop[]){
		{ "RouteTableId", "RouteTableId", RTA_READ | RTA_PARENT, NULL, NULL },
		{ "DestinationCidrBlock", "DestinationCidrBlock", RTA_READ | RTA_CIDR, NULL, NULL },
		{ "CidrBlock", "DestinationCidrBlock", RTA_READ, NULL, NULL },
		{ "GatewayId", "GatewayId", RTA_READ | RTA_ONEOF, "ReplaceRoute", NULL },
		{ "NatGatewayId", "NatGatewayId", RTA_READ | RTA_ONEOF, "ReplaceRoute", NULL },
		{ 0 } },
	.args = (const char *const[]){ "RouteTableId", "DestinationCidrBlock", NULL },
};

static const struct rtype_child association = {
	.type_name = "AWS::EC2::SubnetRouteTableAssociation", .parent_id = "RouteTableId",
	.entries = "Associations",
	.skip = (const struct rtc_skip[]){
		{ "Main", (const char *const[]){ "true", NULL }, false },
		{ "AssociationState.State",
		  (const char *const[]){ "disassociated", "disassociating", NULL }, false },
		{ 0 } },
	.item_id = "RouteTableAssociationId",
	.props = (const struct rta_prop[]){
		{ "Id", NULL, RTA_ID, NULL, NULL },
		{ "RouteTableId", "RouteTableId", RTA_READ, NULL, NULL },
		{ "SubnetId", "SubnetId", RTA_READ, NULL, NULL },
		{ 0 } },
	.args = (const char *const[]){ "RouteTableId", "SubnetId", NULL },
};

static const struct rtype_child attachment = {
	.type_name = "AWS::EC2::VPCGatewayAttachment", .parent_id = "InternetGatewayId",
	.entries = "Attachments",
	.skip = (const struct rtc_skip[]){
		{ "State", (const char *const[]){ "detached", "detaching", NULL }, false }, { 0 } },
	.id_format = "IGW|{VpcId}",
	.props = (const struct rta_prop[]){
		{ "VpcId", "VpcId", RTA_READ, NULL, NULL },
		{ "InternetGatewayId", "InternetGatewayId", RTA_READ | RTA_PARENT, NULL, NULL },
		{ "AttachmentType", "IGW", RTA_CONST, NULL, NULL },
		{ 0 } },
	.args = (const char *const[]){ "InternetGatewayId", "VpcId", NULL },
};

/* Flat entries (a security group's rules), with AWS's ids and tags. */
static const struct rtype_child rule = {
	.type_name = "AWS::EC2::SecurityGroupIngress",
	.skip = (const struct rtc_skip[]){
		{ "IsEgress", (const char *const[]){ "true", NULL }, false }, { 0 } },
	.item_id = "SecurityGroupRuleId", .item_arn = "SecurityGroupRuleArn",
	.props = (const struct rta_prop[]){
		{ "Id", NULL, RTA_ID, NULL, NULL },
		{ "GroupId", "GroupId", RTA_READ, NULL, NULL },
		{ 0 } },
	.args = (const char *const[]){ "GroupId", NULL },
	.tag_kind = "security-group-rule",
};

static struct live_set entries(const struct rtype_child *a, const char *items)
{
	struct live_set out = LIVE_SET_INIT;
	json_t *v = json_loads(items, 0, NULL);
	CHECK(v != NULL);
	rtc_entries(a, v, &out);
	json_decref(v);
	return out;
}

static void check_props(const struct live_resource *r, const char *want)
{
	json_t *w = json_loads(want, 0, NULL);
	CHECK(w != NULL);
	if (!json_equal(r->props, w)) {
		char *got = json_dumps(r->props, JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(stderr, "props: %s\n want: %s\n", got, want);
		free(got);
		CHECK(false);
	}
	json_decref(w);
}

/* The local route and propagated ones are AWS's; an IPv6 route has no
 * DestinationCidrBlock, which berth does not make yet: only the route
 * CreateRoute made is an instance, with CloudFormation's id. */
TEST(routes_of_a_table)
{
	struct live_set s = entries(&route,
		"[{\"RouteTableId\": \"rtb-1\", \"Routes\": ["
		"{\"DestinationCidrBlock\": \"10.0.0.0/16\", \"GatewayId\": \"local\","
		" \"Origin\": \"CreateRouteTable\", \"State\": \"active\"},"
		"{\"DestinationCidrBlock\": \"0.0.0.0/0\", \"GatewayId\": \"igw-1\","
		" \"Origin\": \"CreateRoute\", \"State\": \"active\"},"
		"{\"DestinationCidrBlock\": \"192.168.0.0/16\", \"GatewayId\": \"vgw-1\","
		" \"Origin\": \"EnableVgwRoutePropagation\"},"
		"{\"DestinationIpv6CidrBlock\": \"::/0\", \"GatewayId\": \"igw-1\","
		" \"Origin\": \"CreateRoute\"}]},"
		" {\"RouteTableId\": \"rtb-2\", \"Routes\": ["
		"{\"DestinationCidrBlock\": \"0.0.0.0/0\", \"NatGatewayId\": \"nat-1\"}]}]");
	CHECK_INT(s.n, 2);
	CHECK_STR(s.v[0].id, "rtb-1|0.0.0.0/0");
	CHECK_STR(s.v[0].parent_id, "rtb-1");
	CHECK_STR(s.v[0].type, "AWS::EC2::Route");
	check_props(&s.v[0], "{\"RouteTableId\": \"rtb-1\", \"DestinationCidrBlock\": \"0.0.0.0/0\","
			     " \"CidrBlock\": \"0.0.0.0/0\", \"GatewayId\": \"igw-1\"}");
	CHECK_STR(s.v[1].id, "rtb-2|0.0.0.0/0");
	check_props(&s.v[1], "{\"RouteTableId\": \"rtb-2\", \"DestinationCidrBlock\": \"0.0.0.0/0\","
			     " \"CidrBlock\": \"0.0.0.0/0\", \"NatGatewayId\": \"nat-1\"}");
	live_set_release(&s);
}

/* The main association, gateway associations and those on their way out
 * are not a subnet's association. */
TEST(associations_of_a_table)
{
	struct live_set s = entries(&association,
		"[{\"RouteTableId\": \"rtb-1\", \"Associations\": ["
		"{\"Main\": true, \"RouteTableAssociationId\": \"rtbassoc-m\", \"RouteTableId\": \"rtb-1\"},"
		"{\"Main\": false, \"RouteTableAssociationId\": \"rtbassoc-g\", \"RouteTableId\": \"rtb-1\","
		" \"GatewayId\": \"igw-1\"},"
		"{\"Main\": false, \"RouteTableAssociationId\": \"rtbassoc-d\", \"RouteTableId\": \"rtb-1\","
		" \"SubnetId\": \"subnet-2\", \"AssociationState\": {\"State\": \"disassociating\"}},"
		"{\"Main\": false, \"RouteTableAssociationId\": \"rtbassoc-1\", \"RouteTableId\": \"rtb-1\","
		" \"SubnetId\": \"subnet-1\", \"AssociationState\": {\"State\": \"associated\"}}]}]");
	CHECK_INT(s.n, 1);
	CHECK_STR(s.v[0].id, "rtbassoc-1");
	CHECK_STR(s.v[0].parent_id, "rtb-1");
	check_props(&s.v[0], "{\"Id\": \"rtbassoc-1\", \"RouteTableId\": \"rtb-1\","
			     " \"SubnetId\": \"subnet-1\"}");
	live_set_release(&s);
}

TEST(attachments_of_a_gateway)
{
	struct live_set s = entries(&attachment,
		"[{\"InternetGatewayId\": \"igw-1\", \"Attachments\": ["
		"{\"VpcId\": \"vpc-old\", \"State\": \"detaching\"},"
		"{\"VpcId\": \"vpc-1\", \"State\": \"available\"}]},"
		" {\"InternetGatewayId\": \"igw-2\"}]");
	CHECK_INT(s.n, 1);
	CHECK_STR(s.v[0].id, "IGW|vpc-1");
	CHECK_STR(s.v[0].parent_id, "igw-1");
	check_props(&s.v[0], "{\"VpcId\": \"vpc-1\", \"InternetGatewayId\": \"igw-1\","
			     " \"AttachmentType\": \"IGW\"}");
	live_set_release(&s);
}

TEST(flat_entries_with_tags)
{
	struct live_set s = entries(&rule,
		"[{\"SecurityGroupRuleId\": \"sgr-e\", \"GroupId\": \"sg-1\", \"IsEgress\": true},"
		" {\"SecurityGroupRuleId\": \"sgr-1\", \"GroupId\": \"sg-1\", \"IsEgress\": false,"
		"  \"SecurityGroupRuleArn\": \"arn:aws:ec2:r:1:security-group-rule/sgr-1\","
		"  \"Tags\": [{\"Key\": \"berth:stack\", \"Value\": \"net\"},"
		"            {\"Key\": \"berth:id\", \"Value\": \"self\"}]}]");
	CHECK_INT(s.n, 1);
	CHECK_STR(s.v[0].id, "sgr-1");
	CHECK_STR(s.v[0].arn, "arn:aws:ec2:r:1:security-group-rule/sgr-1");
	CHECK_STR(s.v[0].address, "self");
	CHECK(s.v[0].parent_id == NULL);
	check_props(&s.v[0], "{\"Id\": \"sgr-1\", \"GroupId\": \"sg-1\"}");
	CHECK(rtc_owns_arn(&rule, "arn:aws:ec2:r:1:security-group-rule/sgr-1"));
	CHECK(!rtc_owns_arn(&route, "arn:aws:ec2:r:1:security-group-rule/sgr-1"));
	live_set_release(&s);
}

static void check_parts(const char *fmt, const char *id, const char *want)
{
	json_t *parts = rtc_id_parts(fmt, id);
	if (!want) {
		CHECK(parts == NULL);
		return;
	}
	json_t *w = json_loads(want, 0, NULL);
	CHECK(parts && json_equal(parts, w));
	json_decref(parts);
	json_decref(w);
}

/* The ids in users' state files read back into what they are made of. */
TEST(ids_read_back)
{
	check_parts("{RouteTableId}|{DestinationCidrBlock}", "rtb-1|10.0.0.0/16",
		    "{\"RouteTableId\": \"rtb-1\", \"DestinationCidrBlock\": \"10.0.0.0/16\"}");
	check_parts("{RouteTableId}|{DestinationCidrBlock}", "rtb-1", NULL);
	check_parts("IGW|{VpcId}", "IGW|vpc-1", "{\"VpcId\": \"vpc-1\"}");
	check_parts("IGW|{VpcId}", "igw|vpc-1", NULL);
	check_parts("IGW|{VpcId}", "IG", NULL);
}

TEST(destination_made_canonical)
{
	json_t *desired = json_pack("{s:s}", "DestinationCidrBlock", "10.0.1.7/24");
	rtc_normalise(&route, desired);
	CHECK_STR(json_string_value(json_object_get(desired, "DestinationCidrBlock")),
		  "10.0.1.0/24");
	json_decref(desired);
}

TEST_MAIN()
