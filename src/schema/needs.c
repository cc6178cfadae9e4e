/* What berth needs beyond the schemas (needs.h), as rows: one source for
 * validate (spec/check.c), plan (the types' `check`) and create. Sorted by
 * type. */
#include "util/common.h"
#include "schema/needs.h"

#include <strings.h>

#include "util/buf.h"
#include "util/value.h"

enum need_kind {
	NEED_ANY,      /* one of props is given */
	NEED_ALL,      /* every one of props is given */
	NEED_ONE,      /* exactly one of props is given */
	NEED_NONE,     /* none of props is given (berth does not send them) */
	NEED_NONEMPTY, /* props[0], when a string, is not empty */
	NEED_EQUALS,   /* props[0] is the string `value` */
	NEED_FARGATE,  /* props[0] (Cpu) and props[1] (Memory), when given, are a
			* pair Fargate runs (fargate_combos) */
};

struct need {
	const char *type;
	/* NULL: the row is about the top-level properties; else about each
	 * item (an object) of this top-level list. */
	const char *list;
	/* Only when the property `when` is the string `when_value` or a list
	 * holding it; NULL: always. */
	const char *when, *when_value;
	enum need_kind kind;
	const char *props[11];
	const char *value;
	const char *message;
};

static const struct need needs[] = {
	{ "AWS::CloudFormation::Stack", NULL, NULL, NULL, NEED_ANY, { "TemplateBody", "TemplateURL" },
	  NULL, "give TemplateBody or TemplateURL" },
	{ "AWS::EC2::Instance", NULL, NULL, NULL, NEED_ANY, { "ImageId" }, NULL,
	  "berth needs ImageId (launch templates are not supported yet)" },
	/* A spec that makes the instance optional takes its AMI from a
	 * variable empty by default: turned on without the AMI, it fails
	 * here, not halfway through an apply. */
	{ "AWS::EC2::Instance", NULL, NULL, NULL, NEED_NONEMPTY, { "ImageId" }, NULL,
	  "ImageId is empty; give the id of an AMI (ami-...)" },
	{ "AWS::EC2::NatGateway", NULL, NULL, NULL, NEED_ANY, { "SubnetId" }, NULL,
	  "berth needs SubnetId" },
	/* ec2_route.c sends DestinationCidrBlock and one target (support.c
	 * refuses the other destinations). */
	{ "AWS::EC2::Route", NULL, NULL, NULL, NEED_ANY, { "DestinationCidrBlock" }, NULL,
	  "berth needs DestinationCidrBlock (IPv6 and prefix-list destinations are not supported yet)" },
	{ "AWS::EC2::Route", NULL, NULL, NULL, NEED_ONE,
	  { "GatewayId", "NatGatewayId", "InstanceId", "NetworkInterfaceId", "VpcPeeringConnectionId",
	    "TransitGatewayId", "EgressOnlyInternetGatewayId", "LocalGatewayId", "CarrierGatewayId",
	    "CoreNetworkArn" },
	  NULL, "give exactly one target (GatewayId, NatGatewayId, InstanceId, NetworkInterfaceId, ...)" },
	/* A group outside a VPC is EC2-Classic's or the default VPC's. */
	{ "AWS::EC2::SecurityGroup", NULL, NULL, NULL, NEED_ANY, { "VpcId" }, NULL, "berth needs VpcId" },
	/* ec2_common.c's ec2_rule_permission: one peer per rule, by id. */
	{ "AWS::EC2::SecurityGroup", "SecurityGroupEgress", NULL, NULL, NEED_ONE,
	  { "CidrIp", "CidrIpv6", "DestinationPrefixListId", "DestinationSecurityGroupId" }, NULL,
	  "give exactly one of CidrIp, CidrIpv6, DestinationPrefixListId or DestinationSecurityGroupId" },
	{ "AWS::EC2::SecurityGroup", "SecurityGroupIngress", NULL, NULL, NEED_ONE,
	  { "CidrIp", "CidrIpv6", "SourcePrefixListId", "SourceSecurityGroupId" }, NULL,
	  "give exactly one of CidrIp, CidrIpv6, SourcePrefixListId or SourceSecurityGroupId" },
	{ "AWS::EC2::SecurityGroup", "SecurityGroupIngress", NULL, NULL, NEED_NONE,
	  { "SourceSecurityGroupName" }, NULL,
	  "berth does not set SourceSecurityGroupName yet; names are for default VPCs only; give "
	  "SourceSecurityGroupId" },
	{ "AWS::EC2::SecurityGroupIngress", NULL, NULL, NULL, NEED_ANY, { "GroupId" }, NULL,
	  "berth needs GroupId (GroupName is for default VPCs only)" },
	{ "AWS::EC2::SecurityGroupIngress", NULL, NULL, NULL, NEED_ONE,
	  { "CidrIp", "CidrIpv6", "SourcePrefixListId", "SourceSecurityGroupId" }, NULL,
	  "give exactly one of CidrIp, CidrIpv6, SourcePrefixListId or SourceSecurityGroupId" },
	{ "AWS::EC2::Subnet", NULL, NULL, NULL, NEED_ANY, { "CidrBlock" }, NULL, "berth needs CidrBlock" },
	{ "AWS::EC2::VPC", NULL, NULL, NULL, NEED_ANY, { "CidrBlock" }, NULL,
	  "berth needs CidrBlock (IPAM pools are not supported)" },
	{ "AWS::EC2::VPCGatewayAttachment", NULL, NULL, NULL, NEED_ANY, { "InternetGatewayId" }, NULL,
	  "berth needs InternetGatewayId (VPN gateways are not supported yet)" },
	{ "AWS::ECS::TaskDefinition", NULL, "RequiresCompatibilities", "FARGATE", NEED_EQUALS,
	  { "NetworkMode" }, "awsvpc", "Fargate needs NetworkMode: awsvpc" },
	{ "AWS::ECS::TaskDefinition", NULL, "RequiresCompatibilities", "FARGATE", NEED_ALL,
	  { "Cpu", "Memory" }, NULL, "Fargate needs task-level Cpu and Memory" },
	{ "AWS::ECS::TaskDefinition", NULL, "RequiresCompatibilities", "FARGATE", NEED_FARGATE,
	  { "Cpu", "Memory" }, NULL, NULL },
	/* CreateWorkspace refuses ORGANIZATION access without the units. */
	{ "AWS::Grafana::Workspace", NULL, "AccountAccessType", "ORGANIZATION", NEED_ANY,
	  { "OrganizationalUnits" }, NULL, "AccountAccessType ORGANIZATION needs OrganizationalUnits" },
};

/* The task sizes Fargate runs: for each Cpu (units), Memory (MiB) from lo
 * to hi in steps of step; step 0: 512, 1024 or 2048. */
static const struct {
	long cpu, lo, hi, step;
} fargate_combos[] = {
	{ 256, 512, 2048, 0 }, { 512, 1024, 4096, 1024 }, { 1024, 2048, 8192, 1024 },
	{ 2048, 4096, 16384, 1024 }, { 4096, 8192, 30720, 1024 },
	{ 8192, 16384, 61440, 4096 }, { 16384, 32768, 122880, 8192 },
};

static bool given(const json_t *v)
{
	return v && !json_is_null(v);
}

/* A string, or a number as text (Cpu: 256); NULL otherwise. */
static const char *text_of(const json_t *v, char buf[32])
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	return NULL;
}

/* "256", "0.25 vCPU", "1 vCPU" -> CPU units; "512", "2 GB" -> MiB; -1 when
 * not a size. */
static long parse_units(const char *s)
{
	char *end;
	double x = strtod(s, &end);
	if (end == s || x < 0)
		return -1;
	while (*end == ' ')
		end++;
	if (!strcasecmp(end, "vcpu") || !strcasecmp(end, "gb"))
		x *= 1024;
	else if (*end)
		return -1;
	return (long)x;
}

/* Whether row n concerns props; not when its condition is not known yet. */
static bool applies(const struct need *n, const json_t *props)
{
	if (!n->when)
		return true;
	const json_t *w = json_object_get(props, n->when);
	if (value_has_unknown(w))
		return false;
	if (json_is_string(w))
		return !strcmp(json_string_value(w), n->when_value);
	size_t i;
	const json_t *x;
	json_array_foreach(w, i, x)
		if (json_is_string(x) && !strcmp(json_string_value(x), n->when_value))
			return true;
	return false;
}

static size_t fargate_sizes(const char *type, const json_t *props, const char *cpu_prop,
			    const char *mem_prop, schema_need_fn report, void *ctx)
{
	struct schema_need_at at_cpu = { NULL, 0, cpu_prop }, at_mem = { NULL, 0, mem_prop };
	char t1[32], t2[32];
	const json_t *cv = json_object_get(props, cpu_prop), *mv = json_object_get(props, mem_prop);
	const char *cs = text_of(cv, t1), *ms = text_of(mv, t2);
	if (!cs || !ms || value_has_unknown(cv) || value_has_unknown(mv))
		return 0; /* missing: NEED_ALL's; unknown: checked again when known */
	long cpu = parse_units(cs), mem = parse_units(ms);
	for (size_t k = 0; k < ARRAY_SIZE(fargate_combos); k++) {
		if (fargate_combos[k].cpu != cpu)
			continue;
		long lo = fargate_combos[k].lo, hi = fargate_combos[k].hi, step = fargate_combos[k].step;
		bool ok = step ? mem >= lo && mem <= hi && (mem - lo) % step == 0
			       : mem == 512 || mem == 1024 || mem == 2048;
		if (ok)
			return 0;
		char *summary = xasprintf("%s: Fargate does not run Cpu %s with Memory %s", type, cs,
					  ms);
		char *detail = step ? xasprintf("with Cpu %ld, Memory must be %ld to %ld in steps of "
						"%ld (MiB)", cpu, lo, hi, step)
				    : xstrdup("with Cpu 256, Memory must be 512, 1024 or 2048 (MiB)");
		report(ctx, &at_mem, summary, detail);
		free(summary);
		free(detail);
		return 1;
	}
	char *summary = xasprintf("%s: Fargate does not run Cpu %s", type, cs);
	report(ctx, &at_cpu, summary,
	       "Cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384 (or \"1 vCPU\" ...)");
	free(summary);
	return 1;
}

static size_t given_count(const struct need *n, const json_t *props)
{
	size_t have = 0;
	for (size_t k = 0; k < ARRAY_SIZE(n->props) && n->props[k]; k++)
		have += given(json_object_get(props, n->props[k]));
	return have;
}

/* Whether row n holds for props: true when it does or cannot tell yet. *at
 * is the property to report at (NULL: the properties). */
static bool holds(const struct need *n, const json_t *props, const char **at)
{
	*at = NULL;
	size_t count = 0, have = given_count(n, props);
	while (count < ARRAY_SIZE(n->props) && n->props[count])
		count++;
	const json_t *v = json_object_get(props, n->props[0]);
	switch (n->kind) {
	case NEED_ANY:
		return have > 0;
	case NEED_ALL:
		return have == count;
	case NEED_ONE:
		/* at the second one given; at the properties when none is */
		for (size_t k = 0, seen = 0; have > 1 && k < count; k++)
			if (given(json_object_get(props, n->props[k])) && ++seen == 2)
				*at = n->props[k];
		return have == 1;
	case NEED_NONE:
		for (size_t k = 0; have && k < count && !*at; k++)
			if (given(json_object_get(props, n->props[k])))
				*at = n->props[k];
		return have == 0;
	case NEED_NONEMPTY:
		*at = n->props[0];
		return !json_is_string(v) || json_string_length(v) > 0;
	case NEED_EQUALS:
		*at = given(v) ? n->props[0] : NULL;
		return value_has_unknown(v) ||
		       (json_is_string(v) && !strcmp(json_string_value(v), n->value));
	case NEED_FARGATE:
		return true; /* fargate_sizes */
	}
	return true;
}

/* Row n on obj: the properties, or item `item` of the list n->list. */
static size_t check_row(const char *type, const struct need *n, const json_t *obj, size_t item,
			schema_need_fn report, void *ctx)
{
	struct schema_need_at at = { n->list, item, NULL };
	if (holds(n, obj, &at.prop))
		return 0;
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s: ", type);
	if (n->list)
		buf_addf(&b, "%s[%zu]: ", n->list, item);
	buf_addf(&b, "%s", n->message);
	if (n->kind == NEED_ONE)
		buf_addf(&b, "; %zu given", given_count(n, obj));
	report(ctx, &at, b.ptr, NULL);
	buf_release(&b);
	return 1;
}

size_t schema_needs_check(const char *type, const json_t *props, schema_need_fn report, void *ctx)
{
	size_t problems = 0;
	for (size_t i = 0; i < ARRAY_SIZE(needs); i++) {
		const struct need *n = &needs[i];
		if (strcmp(n->type, type) || !applies(n, props))
			continue;
		if (n->kind == NEED_FARGATE) {
			problems += fargate_sizes(type, props, n->props[0], n->props[1], report, ctx);
		} else if (!n->list) {
			problems += check_row(type, n, props, 0, report, ctx);
		} else {
			const json_t *list = json_object_get(props, n->list), *x;
			size_t k;
			if (value_is_unknown(list))
				continue;
			json_array_foreach(list, k, x)
				if (json_is_object(x) && !value_is_unknown(x))
					problems += check_row(type, n, x, k, report, ctx);
		}
	}
	return problems;
}

static void add_diag(void *ctx, const struct schema_need_at *at, const char *summary,
		     const char *detail)
{
	(void)at;
	struct diag *dg = diags_add(ctx, DIAG_ERROR, "%s", summary);
	if (detail)
		diag_set_detail(dg, "%s", detail);
}

int schema_needs_diags(const char *type, const json_t *props, struct diags *d)
{
	return schema_needs_check(type, props, add_diag, d) ? BERTH_EINVAL : 0;
}

const char *const *schema_needs_row(size_t i, const char **type, const char **list)
{
	if (i >= ARRAY_SIZE(needs))
		return NULL;
	*type = needs[i].type;
	*list = needs[i].list;
	return needs[i].props;
}
