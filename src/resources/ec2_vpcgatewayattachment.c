/* AWS::EC2::VPCGatewayAttachment over the EC2 API (internet gateways; VPN
 * gateways are not supported yet).
 *
 * Attachments cannot be tagged: they are found through the stack's internet
 * gateways (one DescribeInternetGateways for all of them) and matched to
 * spec addresses by VpcId, since a VPC has at most one internet gateway.
 * The physical id is "IGW|VPC" as CloudFormation's. Changing the gateway
 * detaches the old one and attaches the new. Removing detaches, which AWS
 * refuses (DependencyViolation) while the VPC still has public addresses
 * mapped (NAT gateways, instances): the engine retries until they go. */
#include "util/common.h"
#include "resources/ec2_common.h"

static const char *const identity[] = { "VpcId", NULL };

static void fill(struct live_resource *r, const char *igw, const char *vpc)
{
	r->type = "AWS::EC2::VPCGatewayAttachment";
	r->id = xasprintf("IGW|%s", vpc);
	r->parent_id = xstrdup(igw);
	r->props = json_pack("{s:s, s:s, s:s}", "VpcId", vpc, "InternetGatewayId", igw,
			     "AttachmentType", "IGW");
}

static int list(const struct rt_ctx *c, json_t *filters, struct live_set *out, struct diags *d)
{
	json_t *items = NULL, *params = json_pack("{s:o}", "Filters", filters);
	int err = rt_call_all(c, "ec2", "DescribeInternetGateways", params, "InternetGateways",
			      &items, d);
	json_decref(params);
	if (err)
		return err;
	size_t i, k;
	json_t *g, *a;
	json_array_foreach(items, i, g) {
		const char *igw = json_string_value(json_object_get(g, "InternetGatewayId"));
		json_array_foreach(json_object_get(g, "Attachments"), k, a) {
			const char *vpc = json_string_value(json_object_get(a, "VpcId"));
			const char *state = json_string_value(json_object_get(a, "State"));
			if (igw && vpc && !(state && (!strcmp(state, "detached") || !strcmp(state, "detaching"))))
				fill(live_set_add(out, "AWS::EC2::VPCGatewayAttachment"), igw, vpc);
		}
	}
	json_decref(items);
	return 0;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	if (!parents->n)
		return 0;
	json_t *ids = json_array();
	for (size_t i = 0; i < parents->n; i++)
		json_array_append_new(ids, json_string(parents->v[i].id));
	return list(c, json_pack("[{s:s, s:o}]", "Name", "internet-gateway-id", "Values", ids), out, d);
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	if (strncmp(id, "IGW|", 4)) {
		diags_add(d, DIAG_ERROR, "'%s' is not an internet gateway attachment id (IGW|VPC)", id);
		return BERTH_EINVAL;
	}
	struct live_set found = LIVE_SET_INIT;
	int err = list(c, json_pack("[{s:s, s:[s]}]", "Name", "attachment.vpc-id", "Values", id + 4),
		       &found, d);
	if (!err) {
		err = BERTH_ENOTFOUND;
		for (size_t i = 0; i < found.n && err; i++)
			if (!strcmp(found.v[i].id, id)) {
				*out = found.v[i];
				memset(&found.v[i], 0, sizeof(found.v[i]));
				err = 0;
			}
	}
	live_set_release(&found);
	return err;
}

static int attach(const struct rt_ctx *c, const char *igw, const char *vpc, struct diags *d)
{
	json_t *params = json_pack("{s:s, s:s}", "InternetGatewayId", igw, "VpcId", vpc);
	int err = rt_call(c, "ec2", "AttachInternetGateway", params, NULL, d);
	json_decref(params);
	return err;
}

static int detach(const struct rt_ctx *c, const char *igw, const char *vpc, struct diags *d)
{
	static const char *const gone[] = { "Gateway.NotAttached", "InvalidInternetGatewayID.NotFound",
					    "InvalidVpcID.NotFound", NULL };
	static const char *const retry[] = { "DependencyViolation", NULL };
	struct diags aws = DIAGS_INIT;
	json_t *params = json_pack("{s:s, s:s}", "InternetGatewayId", igw, "VpcId", vpc);
	int err = ec2_delete_call(c, "DetachInternetGateway", params, gone, retry, &aws, d);
	json_decref(params);
	if (err != RT_EXPECTED)
		return err;
	/* Mapped public addresses: name the interfaces that hold them. */
	char *what = xasprintf("internet gateway %s (attached to %s)", igw, vpc);
	err = ec2_dependency_error(c, what, "vpc-id", vpc, &aws, d);
	free(what);
	diags_release(&aws);
	return err;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	(void)address;
	(void)tags;
	char t1[64], t2[64];
	const char *vpc = rt_str(props, "VpcId", t1), *igw = rt_str(props, "InternetGatewayId", t2);
	if (!vpc || !igw) {
		diags_add(d, DIAG_ERROR, "AWS::EC2::VPCGatewayAttachment: berth needs VpcId and "
			  "InternetGatewayId (VPN gateways are not supported yet)");
		return BERTH_EINVAL;
	}
	char *id = xasprintf("IGW|%s", vpc);
	/* Idempotent: attached already to this gateway is done. */
	struct live_resource cur;
	int err = read_one(c, id, &cur, d);
	if (!err) {
		const char *with = json_string_value(json_object_get(cur.props, "InternetGatewayId"));
		bool same = with && !strcmp(with, igw);
		if (!same) {
			struct diag *dg = diags_add(d, DIAG_ERROR, "VPC %s already has internet gateway %s attached",
						    vpc, with ? with : "?");
			diag_set_detail(dg, "a VPC has one internet gateway; detach the other one first");
			err = BERTH_ECONFLICT;
		}
		live_resource_release(&cur);
	} else if (err == BERTH_ENOTFOUND) {
		err = attach(c, igw, vpc, d);
	}
	if (err) {
		free(id);
		return err;
	}
	*id_out = id;
	return 0;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	for (size_t i = 0; i < nchanged; i++)
		if (strcmp(changed[i], "InternetGatewayId")) {
			diags_add(d, DIAG_ERROR, "AWS::EC2::VPCGatewayAttachment: berth cannot change %s in place",
				  changed[i]);
			return BERTH_EINVAL;
		}
	char t1[64];
	const char *igw = rt_str(desired, "InternetGatewayId", t1);
	const char *vpc = json_string_value(json_object_get(cur->props, "VpcId"));
	const char *old = json_string_value(json_object_get(cur->props, "InternetGatewayId"));
	if (!igw || !vpc || !old) {
		diags_add(d, DIAG_ERROR, "AWS::EC2::VPCGatewayAttachment: berth needs InternetGatewayId");
		return BERTH_EINVAL;
	}
	int err = detach(c, old, vpc, d);
	return err ? err : attach(c, igw, vpc, d);
}

static int remove_attachment(const struct rt_ctx *c, const struct live_resource *cur,
			     struct diags *d)
{
	const char *vpc = json_string_value(json_object_get(cur->props, "VpcId"));
	const char *igw = json_string_value(json_object_get(cur->props, "InternetGatewayId"));
	if (!vpc || !igw)
		return 0;
	return detach(c, igw, vpc, d);
}

const struct rtype rtype_ec2_vpcgatewayattachment = {
	.type_name = "AWS::EC2::VPCGatewayAttachment",
	.parent_type = "AWS::EC2::InternetGateway",
	.identity = identity,
	.read_all = read_all,
	.read_one = read_one,
	.create = create,
	.update = update,
	.remove = remove_attachment,
};
