/* The generated property maps (props_gen.c, tools/gen_rta_props.py) and
 * how generic.c merges them with a description's own entries. The maps'
 * staleness against the schemas and botocore is e2e.schema's
 * (GeneratedTablesTest). */
#include "util/common.h"
#include "harness.h"

#include "resources/generic.h"

static const struct rta_prop *gen_prop(const char *type, const char *cfn)
{
	const struct rta_gen_type *g = rta_gen_find(type);
	for (const struct rta_prop *p = g ? g->props : NULL; p && p->cfn; p++)
		if (!strcmp(p->cfn, cfn))
			return p;
	return NULL;
}

TEST(table_sorted_and_found)
{
	for (size_t i = 1; i < rta_gen_ntypes; i++)
		CHECK(strcmp(rta_gen_types[i - 1].type_name, rta_gen_types[i].type_name) < 0);
	for (size_t i = 0; i < rta_gen_ntypes; i++)
		CHECK(rta_gen_find(rta_gen_types[i].type_name) == &rta_gen_types[i]);
	CHECK(rta_gen_find("AWS::EC2::Nope") == NULL);
	CHECK(rta_gen_find("") == NULL);
}

/* Members matched without case, through the item's shape name (Arn is
 * repositoryArn) or without it (ClusterSettings is settings); the id
 * member from the primary identifier. */
TEST(members_derived)
{
	const struct rta_gen_type *ecr = rta_gen_find("AWS::ECR::Repository");
	CHECK(ecr != NULL);
	CHECK_STR(ecr->item_id, "repositoryName");
	CHECK_STR(ecr->create_op, "CreateRepository");
	const struct rta_prop *p = gen_prop("AWS::ECR::Repository", "RepositoryName");
	CHECK_STR(p->api, "repositoryName");
	CHECK_INT(p->flags, RTA_CREATE | RTA_READ | RTA_ID);
	p = gen_prop("AWS::ECR::Repository", "Arn");
	CHECK_STR(p->api, "repositoryArn");
	CHECK_INT(p->flags, RTA_READ);
	p = gen_prop("AWS::ECS::Cluster", "ClusterSettings");
	CHECK_STR(p->api, "settings");
	CHECK_STR(gen_prop("AWS::Logs::LogGroup", "Arn")->api, "arn");
	CHECK_STR(rta_gen_find("AWS::EC2::Subnet")->item_id, "SubnetId");
	/* A compound identifier: the id member is the table's. */
	CHECK_STR(rta_gen_find("AWS::EC2::EIP")->item_id, "AllocationId");
	CHECK_INT(gen_prop("AWS::EC2::EIP", "PublicIp")->flags, RTA_READ);
}

/* Sent by create only when the create request has the member; read only
 * when the item has it. */
TEST(create_and_read_derived)
{
	/* CreateLogGroup has no retention: PutRetentionPolicy sets it. */
	CHECK_INT(gen_prop("AWS::Logs::LogGroup", "RetentionInDays")->flags, RTA_READ);
	/* The item has no AllocationId (its addresses do). */
	CHECK_INT(gen_prop("AWS::EC2::NatGateway", "AllocationId")->flags, RTA_CREATE);
	CHECK_INT(gen_prop("AWS::EC2::Subnet", "EnableDns64")->flags, RTA_READ | RTA_BOOL);
	/* Neither: no entry (the VPC's DNS settings are its own hooks'). */
	CHECK(gen_prop("AWS::EC2::VPC", "EnableDnsSupport") == NULL);
	/* Tags are the tag style's, never the map's. */
	CHECK(gen_prop("AWS::EC2::Subnet", "Tags") == NULL);
	CHECK(gen_prop("AWS::ECR::Repository", "Tags") == NULL);
}

/* camelCase structures are recased; EC2's PascalCase ones are not. */
TEST(recase_derived)
{
	CHECK(gen_prop("AWS::ECR::Repository", "ImageScanningConfiguration")->flags & RTA_RECASE);
	CHECK(gen_prop("AWS::ECS::Cluster", "DefaultCapacityProviderStrategy")->flags & RTA_RECASE);
	CHECK(!(gen_prop("AWS::ECS::Cluster", "CapacityProviders")->flags & RTA_RECASE));
	CHECK(!(gen_prop("AWS::ECR::Repository", "RepositoryName")->flags & RTA_RECASE));
}

/* What support.c refuses is neither sent nor read, unless an override
 * reads it; the overrides' update operations and defaults. */
TEST(unsupported_left_out_and_overrides)
{
	CHECK(gen_prop("AWS::Logs::LogGroup", "BearerTokenAuthenticationEnabled") == NULL);
	CHECK(gen_prop("AWS::EC2::Subnet", "Ipv4IpamPoolId") == NULL);
	CHECK(gen_prop("AWS::ECS::Cluster", "Configuration") == NULL);
	CHECK(gen_prop("AWS::ECR::Repository", "LifecyclePolicy") == NULL);
	CHECK_INT(gen_prop("AWS::EC2::EIP", "InstanceId")->flags, RTA_READ);
	const struct rta_prop *p = gen_prop("AWS::EC2::Subnet", "MapPublicIpOnLaunch");
	CHECK_STR(p->update_op, "ModifySubnetAttribute");
	CHECK_STR(p->dflt, "false");
	CHECK((p->flags & (RTA_AFTER | RTA_WRAP | RTA_BOOL)) == (RTA_AFTER | RTA_WRAP | RTA_BOOL));
	CHECK(gen_prop("AWS::EC2::Subnet", "CidrBlock")->flags & RTA_CIDR);
	CHECK_STR(gen_prop("AWS::ECR::Repository", "ImageTagMutability")->dflt, "\"MUTABLE\"");
	CHECK_INT(gen_prop("AWS::EC2::NatGateway", "VpcId")->flags, RTA_READ);
}

/* The create request as the hand-written maps sent it, in their order. */
TEST(create_params_in_order)
{
	static const struct rtype_api subnet = { .type_name = "AWS::EC2::Subnet" };
	json_t *props = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Ipv6Native", "false",
				  "AvailabilityZone", "us-west-2a", "CidrBlock", "10.0.0.0/24",
				  "VpcId", "vpc-1", "MapPublicIpOnLaunch", 1, "Ipv4IpamPoolId",
				  "ipam-pool-1");
	json_t *params = rta_create_params(&subnet, props);
	const char *want[] = { "VpcId", "CidrBlock", "AvailabilityZone", "Ipv6Native" };
	size_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach(params, k, v) {
		CHECK(n < ARRAY_SIZE(want));
		if (n < ARRAY_SIZE(want))
			CHECK_STR(k, want[n]);
		n++;
	}
	CHECK_INT(n, 4);
	CHECK(json_is_false(json_object_get(params, "Ipv6Native")));
	json_decref(params);
	json_decref(props);
}

/* A description's own entry wins over the generated one (and comes
 * first); one with no flags drops it; the rest are the generated ones. */
TEST(description_overrides_merge)
{
	const struct rtype_api repo = {
		.type_name = "AWS::ECR::Repository", .item_id = "repositoryName",
		.item_arn = "repositoryArn",
		.props = (const struct rta_prop[]){
			{ "RepositoryUri", "uri", RTA_READ, NULL, NULL },
			{ .cfn = "EncryptionConfiguration" },
			{ "Extra", "extra", RTA_READ, NULL, NULL },
			{ 0 } },
	};
	const char *seen[16];
	size_t n = 0;
	struct rta_props_iter it;
	const struct rta_prop *p;
	RTA_FOREACH_PROP(&repo, it, p)
		if (n < ARRAY_SIZE(seen))
			seen[n++] = p->cfn;
	CHECK_INT(n, 7);
	CHECK_STR(seen[0], "RepositoryUri");
	CHECK_STR(seen[1], "EncryptionConfiguration");
	CHECK_STR(seen[2], "Extra");
	CHECK_STR(seen[3], "RepositoryName");
	for (size_t i = 3; i < n; i++)
		CHECK(strcmp(seen[i], "RepositoryUri") && strcmp(seen[i], "EncryptionConfiguration"));
	CHECK_STR(rta_prop_find(&repo, "RepositoryUri")->api, "uri");
	CHECK_STR(rta_prop_find(&repo, "ImageTagMutability")->update_op, "PutImageTagMutability");
	CHECK(rta_prop_find(&repo, "Nope") == NULL);
	CHECK(rta_updatable(&repo));

	json_t *item = json_pack("{s:s, s:s, s:s, s:{s:s}, s:s, s:{s:b}}", "repositoryName", "r",
				 "repositoryArn", "arn:aws:ecr:r:1:repository/r", "uri", "u",
				 "encryptionConfiguration", "encryptionType", "AES256", "extra", "x",
				 "imageScanningConfiguration", "scanOnPush", 1);
	struct live_resource r = { 0 };
	rta_fill(&repo, NULL, &r, item, NULL);
	json_t *want = json_pack("{s:s, s:s, s:s, s:s, s:{s:b}}", "RepositoryUri", "u", "Extra",
				 "x", "RepositoryName", "r", "Arn", "arn:aws:ecr:r:1:repository/r",
				 "ImageScanningConfiguration", "ScanOnPush", 1);
	CHECK(json_equal(r.props, want));
	live_resource_release(&r);
	json_decref(item);
	json_decref(want);
}

/* A type the generator does not know keeps exactly its own map. */
TEST(ungenerated_type_own_map_only)
{
	const struct rtype_api topic = {
		.type_name = "AWS::SNS::Topic",
		.props = (const struct rta_prop[]){ { "TopicName", "Name", RTA_CREATE, NULL, NULL },
						    { 0 } },
	};
	size_t n = 0;
	struct rta_props_iter it;
	const struct rta_prop *p;
	RTA_FOREACH_PROP(&topic, it, p)
		n++;
	CHECK_INT(n, 1);
	CHECK(!rta_updatable(&topic));
}

TEST_MAIN()
