/* What berth's type files can and cannot set of what the CloudFormation
 * schemas allow (see schema.h, schema_unsupported): kept as data so that
 * `berth validate` refuses, at the property's file:line:col, everything
 * apply would refuse, instead of each type file checking its own list inside
 * create and update. Sorted by type, then property. */
#include "util/common.h"
#include "schema/schema.h"

#include "schema/compare.h"
#include "util/value.h"

/* One property berth does not set. */
struct unsupported {
	const char *type, *prop;
	/* JSON of the one value berth does set (the API's default: berth sends
	 * nothing, which is the same), or NULL: every value is refused. */
	const char *allowed;
	/* What to do instead, or NULL. */
	const char *hint;
};

static const struct unsupported unsupported[] = {
	/* Logging, workspace configuration and alert manager have APIs of their
	 * own that berth does not drive yet. */
	{ "AWS::APS::Workspace", "AlertManagerDefinition", NULL, NULL },
	{ "AWS::APS::Workspace", "LoggingConfiguration", NULL, NULL },
	{ "AWS::APS::Workspace", "QueryLoggingConfiguration", NULL, NULL },
	{ "AWS::APS::Workspace", "WorkspaceConfiguration", NULL, NULL },
	{ "AWS::CloudFormation::Stack", "StackPolicyURL", NULL, NULL },
	{ "AWS::CloudWatch::Alarm", "EvaluationCriteria", NULL, NULL },
	{ "AWS::CloudWatch::Alarm", "EvaluationInterval", NULL, NULL },
	{ "AWS::CloudWatch::Alarm", "EvaluationWindow", NULL, NULL },
	{ "AWS::CloudWatch::Alarm", "Metrics", NULL, "give MetricName, Namespace and Statistic" },
	{ "AWS::EC2::EIP", "Address", NULL, NULL },
	{ "AWS::EC2::EIP", "InstanceId", NULL, NULL },
	{ "AWS::EC2::EIP", "IpamPoolId", NULL, NULL },
	{ "AWS::EC2::EIP", "TransferAddress", NULL, NULL },
	{ "AWS::EC2::NatGateway", "AvailabilityMode", NULL, NULL },
	{ "AWS::EC2::NatGateway", "AvailabilityZoneAddresses", NULL, NULL },
	{ "AWS::EC2::NatGateway", "SecondaryAllocationIds", NULL, NULL },
	{ "AWS::EC2::NatGateway", "SecondaryPrivateIpAddressCount", NULL, NULL },
	{ "AWS::EC2::NatGateway", "SecondaryPrivateIpAddresses", NULL, NULL },
	/* ec2_route.c sends DestinationCidrBlock and one of its targets[]. */
	{ "AWS::EC2::Route", "DestinationIpv6CidrBlock", NULL, "IPv6 destinations are not supported yet" },
	{ "AWS::EC2::Route", "DestinationPrefixListId", NULL, "prefix-list destinations are not supported yet" },
	{ "AWS::EC2::Route", "OdbNetworkArn", NULL, NULL },
	{ "AWS::EC2::Route", "VpcEndpointId", NULL, NULL },
	/* ec2_securitygroupingress.c adds the rule to GroupId's group, from
	 * one peer (schema/needs.c). */
	{ "AWS::EC2::SecurityGroupIngress", "GroupName", NULL,
	  "GroupName is for default VPCs only; give GroupId" },
	{ "AWS::EC2::SecurityGroupIngress", "SourceSecurityGroupName", NULL,
	  "names are for default VPCs only; give SourceSecurityGroupId" },
	/* CreateSubnet takes neither; both are for subnets with IPv6, which
	 * berth does not make. */
	{ "AWS::EC2::Subnet", "AssignIpv6AddressOnCreation", "false", "IPv6 subnets are not supported yet" },
	{ "AWS::EC2::Subnet", "EnableDns64", "false", "IPv6 subnets are not supported yet" },
	{ "AWS::EC2::Subnet", "EnableLniAtDeviceIndex", NULL, NULL },
	{ "AWS::EC2::Subnet", "Ipv4IpamPoolId", NULL, NULL },
	{ "AWS::EC2::Subnet", "Ipv4NetmaskLength", NULL, NULL },
	{ "AWS::EC2::Subnet", "Ipv6CidrBlock", NULL, NULL },
	{ "AWS::EC2::Subnet", "Ipv6IpamPoolId", NULL, NULL },
	{ "AWS::EC2::Subnet", "Ipv6NetmaskLength", NULL, NULL },
	{ "AWS::EC2::Subnet", "PrivateDnsNameOptionsOnLaunch", NULL, NULL },
	{ "AWS::EC2::VPC", "Ipv4IpamPoolId", NULL, "IPAM pools are not supported; give CidrBlock" },
	{ "AWS::EC2::VPC", "Ipv4NetmaskLength", NULL, "IPAM pools are not supported; give CidrBlock" },
	{ "AWS::EC2::VPC", "VpcEncryptionControl", NULL, NULL },
	{ "AWS::EC2::VPCGatewayAttachment", "VpnGatewayId", NULL, "VPN gateways are not supported yet" },
	{ "AWS::ECR::Repository", "LifecyclePolicy", NULL, NULL },
	{ "AWS::ECR::Repository", "RepositoryPolicyText", NULL, NULL },
	{ "AWS::ECS::Cluster", "Configuration", NULL, NULL },
	{ "AWS::ECS::Cluster", "ServiceConnectDefaults", NULL, NULL },
	{ "AWS::ElasticLoadBalancingV2::Listener", "ListenerAttributes", NULL, NULL },
	{ "AWS::ElasticLoadBalancingV2::Listener", "MutualAuthentication", NULL, NULL },
	{ "AWS::ElasticLoadBalancingV2::LoadBalancer", "EnablePrefixForIpv6SourceNat", NULL, NULL },
	{ "AWS::ElasticLoadBalancingV2::LoadBalancer", "Ipv4IpamPoolId", NULL, NULL },
	{ "AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerAttributes", NULL, NULL },
	{ "AWS::ElasticLoadBalancingV2::LoadBalancer", "MinimumLoadBalancerCapacity", NULL, NULL },
	{ "AWS::ElasticLoadBalancingV2::LoadBalancer", "SubnetMappings", NULL, "give Subnets" },
	{ "AWS::ElasticLoadBalancingV2::TargetGroup", "TargetControlPort", NULL, NULL },
	{ "AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupAttributes", NULL, NULL },
	{ "AWS::ElasticLoadBalancingV2::TargetGroup", "Targets", NULL, "ECS registers a service's tasks itself" },
	{ "AWS::Grafana::Workspace", "NetworkAccessControl", NULL, NULL },
	{ "AWS::Grafana::Workspace", "PluginAdminEnabled", NULL, NULL },
	{ "AWS::Grafana::Workspace", "SamlConfiguration", NULL, NULL },
	{ "AWS::Grafana::Workspace", "VpcConfiguration", NULL, NULL },
	{ "AWS::IAM::Policy", "Groups", "[]", "berth puts policies on Roles only" },
	{ "AWS::IAM::Policy", "Users", "[]", "berth puts policies on Roles only" },
	/* ListRoles leaves permissions boundaries out, so reading one back
	 * would cost a GetRole per role on every plan. */
	{ "AWS::IAM::Role", "PermissionsBoundary", NULL, NULL },
	{ "AWS::Logs::LogGroup", "BearerTokenAuthenticationEnabled", "false",
	  "bearer-token log ingestion is not supported yet; leave it out or give false" },
	{ "AWS::Logs::LogGroup", "DataProtectionPolicy", NULL, NULL },
	{ "AWS::Logs::LogGroup", "FieldIndexPolicies", NULL, NULL },
	{ "AWS::Logs::LogGroup", "ResourcePolicyDocument", NULL, NULL },
	{ "AWS::Logs::QueryDefinition", "Parameters", NULL, NULL },
	{ "AWS::SNS::Topic", "DataProtectionPolicy", NULL, NULL },
	{ "AWS::SNS::Topic", "DeliveryStatusLogging", NULL, NULL },
	{ "AWS::SNS::Topic", "Subscription", NULL,
	  "declare each subscription as an AWS::SNS::Subscription resource" },
};

/* Types whose file sets only the properties listed (the rest of a large
 * schema is refused), as opposed to listing what it refuses. */
struct only {
	const char *type;
	const char *const *props;
};

static const char *const ec2_instance_props[] = {
	"AvailabilityZone", "IamInstanceProfile", "ImageId", "InstanceType", "KeyName",
	"PrivateIpAddress", "SecurityGroupIds", "SubnetId", "Tags", "UserData", NULL
};

static const struct only only[] = {
	{ "AWS::EC2::Instance", ec2_instance_props },
};

/* Required properties berth gives a value when the spec leaves them out
 * (the type file's normalise fills a deterministic name), so validate does
 * not call them missing. tests/unit/test_schema.c checks this against the
 * type files. */
static const char *const defaulted[][2] = {
	{ "AWS::CloudFormation::Stack", "StackName" },
};

bool schema_unsupported(const char *type, const char *prop, json_t *value, const char **hint)
{
	const char *allowed;
	*hint = NULL;
	if (!value || json_is_null(value))
		return false; /* null is "not set" */
	enum schema_support sup = schema_support(type, prop, &allowed, hint);
	if (sup != SCHEMA_ONLY)
		return sup == SCHEMA_REFUSED;
	/* A value known only after apply cannot be shown to be the one
	 * allowed, so it is refused too. */
	json_t *ok = json_loads(allowed, JSON_DECODE_ANY, NULL);
	const struct schema_resource *r = schema_find(type);
	const struct schema_prop *p = r ? schema_shape_prop(r->shape, prop) : NULL;
	bool same = !value_has_unknown(value) &&
		    schema_compare(p ? p->shape : NULL, value, ok) == SCHEMA_EQUAL;
	json_decref(ok);
	return !same;
}

enum schema_support schema_support(const char *type, const char *prop, const char **allowed,
				   const char **hint)
{
	*allowed = *hint = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++) {
		const struct unsupported *u = &unsupported[i];
		if (strcmp(u->type, type) || strcmp(u->prop, prop))
			continue;
		*hint = u->hint;
		*allowed = u->allowed;
		return u->allowed ? SCHEMA_ONLY : SCHEMA_REFUSED;
	}
	for (size_t i = 0; i < ARRAY_SIZE(only); i++) {
		if (strcmp(only[i].type, type))
			continue;
		for (size_t k = 0; only[i].props[k]; k++)
			if (!strcmp(only[i].props[k], prop))
				return SCHEMA_TAKEN;
		return SCHEMA_REFUSED;
	}
	return SCHEMA_TAKEN;
}

bool schema_defaulted(const char *type, const char *prop)
{
	for (size_t i = 0; i < ARRAY_SIZE(defaulted); i++)
		if (!strcmp(defaulted[i][0], type) && !strcmp(defaulted[i][1], prop))
			return true;
	return false;
}

const char *schema_unsupported_prop(size_t i, const char **type)
{
	if (i >= ARRAY_SIZE(unsupported))
		return NULL;
	*type = unsupported[i].type;
	return unsupported[i].prop;
}
