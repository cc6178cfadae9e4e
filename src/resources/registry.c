/* The registry of resource types berth can manage, sorted by type name (a
 * new type adds one line here and one file next to this one). */
#include "util/common.h"
#include "resources/resource.h"

#include "resources/datasource.h"
#include "resources/loggroups.h"

static const struct rtype *const types[] = {
	&rtype_aps_workspace,
	&rtype_cloudformation_stack,
	&rtype_cloudwatch_alarm,
	&rtype_ec2_eip,
	&rtype_ec2_instance,
	&rtype_ec2_internetgateway,
	&rtype_ec2_natgateway,
	&rtype_ec2_route,
	&rtype_ec2_routetable,
	&rtype_ec2_securitygroup,
	&rtype_ec2_securitygroupingress,
	&rtype_ec2_subnet,
	&rtype_ec2_subnetroutetableassociation,
	&rtype_ec2_vpc,
	&rtype_ec2_vpcgatewayattachment,
	&rtype_ecr_repository,
	&rtype_ecs_cluster,
	&rtype_ecs_service,
	&rtype_ecs_taskdefinition,
	&rtype_elbv2_listener,
	&rtype_elbv2_loadbalancer,
	&rtype_elbv2_targetgroup,
	&rtype_grafana_workspace,
	&rtype_iam_policy,
	&rtype_iam_role,
	&rtype_iam_servicelinkedrole,
	&rtype_logs_loggroup,
	&rtype_logs_querydefinition,
	&rtype_sns_subscription,
	&rtype_sns_topic,
	&rtype_sd_privatednsnamespace,
	&rtype_sd_service,
	&rtype_grafana_dashboard,
	&rtype_grafana_datasource,
	&rtype_grafana_permissions,
};

static int aws_stack_tagged(const struct rt_ctx *c, json_t **out, struct diags *d)
{
	return rt_tagged_resources(c, NULL, out, d);
}

static int aws_caller(const struct rt_ctx *c, json_t **out, struct diags *d)
{
	return rt_call(c, "sts", "GetCallerIdentity", NULL, out, d);
}

static const struct rtype_registry aws_registry = {
	.v = types,
	.n = ARRAY_SIZE(types),
	.stack_tagged = aws_stack_tagged,
	.caller = aws_caller,
	.data_read = data_read,
	.log_group_created = lg_created,
	.log_group_delete = lg_delete,
};

const struct rtype_registry *rtype_registry_aws(void)
{
	return &aws_registry;
}

const struct rtype *rtype_registry_find(const struct rtype_registry *r, const char *type_name)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(r->v[mid]->type_name, type_name);
		if (!c)
			return r->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct rtype *rtype_registry_for_arn(const struct rtype_registry *r, const char *arn)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i]->owns_arn && r->v[i]->owns_arn(arn))
			return r->v[i];
	return NULL;
}

const struct rtype *rtype_find(const char *type_name)
{
	return rtype_registry_find(&aws_registry, type_name);
}

const struct rtype *const *rtype_all(size_t *n)
{
	*n = ARRAY_SIZE(types);
	return types;
}

const struct rtype *rtype_for_arn(const char *arn)
{
	return rtype_registry_for_arn(&aws_registry, arn);
}
