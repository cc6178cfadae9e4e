/* AWS::EC2::NatGateway over the EC2 API.
 *
 * Refresh: one DescribeNatGateways filtered by the stack tag and by the
 * states that still exist (AWS keeps listing `deleted` and `failed` ones
 * for about an hour; they are history, not live). Create waits until the
 * gateway is `available` (a `failed` one is an error with AWS's reason);
 * delete waits until it is `deleted`, which is when AWS lets go of its
 * network interface and Elastic IP. The Elastic IP is its own resource:
 * deleting the gateway releases nothing it does not own. */
#include "util/common.h"
#include "resources/ec2_common.h"

#include "util/buf.h"

/* AWS documents a few minutes; allow for slow days. */
#define NAT_WAIT_MS (20L * 60 * 1000)

static const char *const nat_gone[] = { "NatGatewayNotFound", "InvalidNatGatewayID.NotFound", NULL };

static int owns_arn(const char *arn)
{
	return ec2_arn_is(arn, "natgateway");
}

static void fill(struct live_resource *r, json_t *n)
{
	const char *id = json_string_value(json_object_get(n, "NatGatewayId"));
	r->type = "AWS::EC2::NatGateway";
	r->id = xstrdup(id ? id : "");
	r->props = json_pack("{s:s}", "NatGatewayId", r->id);
	ec2_copy_str(r->props, "SubnetId", n, "SubnetId");
	ec2_copy_str(r->props, "VpcId", n, "VpcId");
	ec2_copy_str(r->props, "ConnectivityType", n, "ConnectivityType");
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(n, "NatGatewayAddresses"), i, a) {
		if (!json_is_true(json_object_get(a, "IsPrimary")) && i > 0)
			continue;
		ec2_copy_str(r->props, "AllocationId", a, "AllocationId");
		ec2_copy_str(r->props, "PrivateIpAddress", a, "PrivateIp");
		ec2_copy_str(r->props, "EniId", a, "NetworkInterfaceId");
	}
	rt_apply_tags(r, ec2_tags_map(n));
}

static json_t *live_states(void)
{
	return json_pack("{s:s, s:[s, s, s]}", "Name", "state", "Values", "pending", "available",
			 "deleting");
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	json_t *filters = ec2_stack_filters(c, NULL);
	json_array_append_new(filters, live_states());
	json_t *items = NULL, *params = json_pack("{s:o}", "Filter", filters);
	int err = rt_call_all(c, "ec2", "DescribeNatGateways", params, "NatGateways", &items, d);
	json_decref(params);
	if (err)
		return err;
	size_t i;
	json_t *n;
	json_array_foreach(items, i, n)
		fill(live_set_add(out, "AWS::EC2::NatGateway"), n);
	json_decref(items);
	return 0;
}

/* The gateway as AWS lists it (any state), or BERTH_ENOTFOUND. */
static int describe(const struct rt_ctx *c, const char *id, json_t **out, struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:[s]}", "NatGatewayIds", id);
	int err = rt_call_expect(c, "ec2", "DescribeNatGateways", params, &res, nat_gone, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	json_t *n = json_array_get(json_object_get(res, "NatGateways"), 0);
	if (!n) {
		json_decref(res);
		return BERTH_ENOTFOUND;
	}
	*out = json_incref(n);
	json_decref(res);
	return 0;
}

static bool is_history(json_t *n)
{
	const char *state = json_string_value(json_object_get(n, "State"));
	return state && (!strcmp(state, "deleted") || !strcmp(state, "failed"));
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *n = NULL;
	int err = describe(c, id, &n, d);
	if (err)
		return err;
	if (is_history(n)) {
		json_decref(n);
		return BERTH_ENOTFOUND;
	}
	memset(out, 0, sizeof(*out));
	out->detailed = true;
	fill(out, n);
	json_decref(n);
	return 0;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	static const char *const unsupported[] = { "SecondaryAllocationIds",
						   "SecondaryPrivateIpAddresses",
						   "SecondaryPrivateIpAddressCount", "AvailabilityMode",
						   "AvailabilityZoneAddresses", NULL };
	for (size_t i = 0; unsupported[i]; i++)
		if (json_object_get(props, unsupported[i])) {
			diags_add(d, DIAG_ERROR, "AWS::EC2::NatGateway: berth does not set %s yet",
				  unsupported[i]);
			return BERTH_EINVAL;
		}
	char t1[64];
	const char *subnet = rt_str(props, "SubnetId", t1);
	if (!subnet) {
		diags_add(d, DIAG_ERROR, "AWS::EC2::NatGateway: SubnetId is required");
		return BERTH_EINVAL;
	}
	char *id = NULL;
	json_t *states = json_pack("[o]", live_states());
	int err = ec2_find_tagged(c, "DescribeNatGateways", "Filter", "NatGateways", "NatGatewayId",
				  address, states, &id, d);
	json_decref(states);
	if (err == BERTH_ENOTFOUND) {
		char token[64];
		ec2_client_token(address, token);
		json_t *params = json_pack("{s:s, s:s, s:o}", "SubnetId", subnet, "ClientToken", token,
					   "TagSpecifications", ec2_tag_specs("natgateway", tags));
		static const char *const keys[] = { "AllocationId", "ConnectivityType",
						    "PrivateIpAddress" };
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			char t[64];
			const char *v = rt_str(props, keys[i], t);
			if (v)
				json_object_set_new(params, keys[i], json_string(v));
		}
		json_t *res = NULL;
		err = rt_call(c, "ec2", "CreateNatGateway", params, &res, d);
		json_decref(params);
		if (!err)
			id = xstrdup(json_string_value(json_object_get(json_object_get(res, "NatGateway"),
								       "NatGatewayId")));
		json_decref(res);
	}
	if (err)
		return err;
	*id_out = id;
	return 0;
}

struct wait_ctx {
	const struct rt_ctx *c;
	const char *id;
	bool gone;
};

static int probe(void *ctx, struct diags *d)
{
	struct wait_ctx *w = ctx;
	json_t *n = NULL;
	int err = describe(w->c, w->id, &n, d);
	if (err == BERTH_ENOTFOUND)
		return w->gone ? 0 : 1;
	if (err)
		return err;
	const char *state = json_string_value(json_object_get(n, "State"));
	int r = 1;
	if (w->gone) {
		r = is_history(n) ? 0 : 1;
	} else if (state && !strcmp(state, "available")) {
		r = 0;
	} else if (state && (!strcmp(state, "failed") || !strcmp(state, "deleted") ||
			     !strcmp(state, "deleting"))) {
		const char *why = json_string_value(json_object_get(n, "FailureMessage"));
		const char *code = json_string_value(json_object_get(n, "FailureCode"));
		struct diag *dg = diags_add(d, DIAG_ERROR, "NAT gateway %s is %s%s%s", w->id, state,
					    why ? ": " : "", why ? why : "");
		if (code) {
			dg->aws_code = xstrdup(code);
			dg->aws_service = xstrdup("ec2");
		}
		r = BERTH_EAWS;
	}
	json_decref(n);
	return r;
}

static int wait_ready(const struct rt_ctx *c, const char *id, struct diags *d)
{
	struct wait_ctx w = { c, id, false };
	return rt_poll(c, "the NAT gateway to be available", NAT_WAIT_MS, 10000, probe, &w, d);
}

static int wait_gone(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	struct wait_ctx w = { c, cur->id, true };
	return rt_poll(c, "the NAT gateway to be deleted", NAT_WAIT_MS, 10000, probe, &w, d);
}

static int remove_nat(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	json_t *params = json_pack("{s:s}", "NatGatewayId", cur->id);
	int err = ec2_delete_call(c, "DeleteNatGateway", params, nat_gone, NULL, NULL, d);
	json_decref(params);
	return err;
}

const struct rtype rtype_ec2_natgateway = {
	.type_name = "AWS::EC2::NatGateway",
	.tag_filter = "ec2:natgateway",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.create = create,
	.set_tags = ec2_set_tags,
	.remove = remove_nat,
	.wait_ready = wait_ready,
	.wait_gone = wait_gone,
};
