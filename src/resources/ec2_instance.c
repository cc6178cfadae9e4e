/* AWS::EC2::Instance over the EC2 API: enough for the workshop's load-test
 * host (image, type, subnet, security groups, instance profile, user data,
 * key pair, tags).
 *
 * Refresh: one DescribeInstances filtered by the stack tag and by the
 * states that still exist (terminated instances stay listed for a while).
 * UserData needs a DescribeInstanceAttribute per instance, so it is a detail
 * property. Create waits for `running`; delete terminates and waits for
 * `terminated`, after which the instance's network interface is gone and
 * its subnet and security groups can go too. Everything but tags replaces
 * the instance (CloudFormation can stop and modify some; berth does not
 * yet). */
#include "util/common.h"
#include "resources/ec2_common.h"
#include "util/value.h"

#include <ctype.h>

#include "schema/needs.h"
#include "util/buf.h"

#define INSTANCE_WAIT_MS (15L * 60 * 1000)

static const char *const detail_props[] = { "UserData", NULL };
static const char *const inst_gone[] = { "InvalidInstanceID.NotFound", NULL };

static int owns_arn(const char *arn)
{
	return ec2_arn_is(arn, "instance");
}

static void fill(const struct rt_ctx *c, struct live_resource *r, json_t *i, const char *owner)
{
	const char *id = json_string_value(json_object_get(i, "InstanceId"));
	r->type = "AWS::EC2::Instance";
	r->id = xstrdup(id ? id : "");
	r->arn = ec2_arn(c, owner, "instance", id);
	r->props = json_pack("{s:s}", "InstanceId", r->id);
	static const char *const keys[][2] = {
		{ "ImageId", "ImageId" }, { "InstanceType", "InstanceType" }, { "SubnetId", "SubnetId" },
		{ "KeyName", "KeyName" }, { "VpcId", "VpcId" }, { "PrivateIp", "PrivateIpAddress" },
		{ "PrivateIpAddress", "PrivateIpAddress" }, { "PublicIp", "PublicIpAddress" },
		{ "PrivateDnsName", "PrivateDnsName" }, { "PublicDnsName", "PublicDnsName" },
	};
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
		ec2_copy_str(r->props, keys[k][0], i, keys[k][1]);
	json_t *placement = json_object_get(i, "Placement");
	ec2_copy_str(r->props, "AvailabilityZone", placement, "AvailabilityZone");
	ec2_copy_str(r->props, "Tenancy", placement, "Tenancy");
	json_t *groups = json_array(), *g;
	size_t k;
	json_array_foreach(json_object_get(i, "SecurityGroups"), k, g)
		json_array_append(groups, json_object_get(g, "GroupId"));
	json_object_set_new(r->props, "SecurityGroupIds", groups);
	/* CloudFormation takes the instance profile's name; AWS gives its ARN
	 * (arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME). */
	const char *profile = json_string_value(json_object_get(json_object_get(i, "IamInstanceProfile"), "Arn"));
	if (profile && strrchr(profile, '/'))
		json_object_set_new(r->props, "IamInstanceProfile", json_string(strrchr(profile, '/') + 1));
	json_t *state = json_object_get(json_object_get(i, "State"), "Name");
	if (json_is_string(state))
		json_object_set_new(r->props, "State", json_pack("{s:O}", "Name", state));
	rt_apply_tags(r, ec2_tags_map(i));
	r->detailed = false;
}

static json_t *live_states(void)
{
	return json_pack("{s:s, s:[s, s, s, s, s]}", "Name", "instance-state-name", "Values", "pending",
			 "running", "stopping", "stopped", "shutting-down");
}

static int list(const struct rt_ctx *c, json_t *params, struct live_set *out, struct diags *d)
{
	json_t *res = NULL;
	int err = rt_call_all(c, "ec2", "DescribeInstances", params, "Reservations", &res, d);
	if (err)
		return err;
	size_t i, k;
	json_t *rv, *inst;
	json_array_foreach(res, i, rv) {
		const char *owner = json_string_value(json_object_get(rv, "OwnerId"));
		json_array_foreach(json_object_get(rv, "Instances"), k, inst)
			fill(c, live_set_add(out, "AWS::EC2::Instance"), inst, owner);
	}
	json_decref(res);
	return 0;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	json_t *filters = ec2_stack_filters(c, NULL);
	json_array_append_new(filters, live_states());
	json_t *params = json_pack("{s:o}", "Filters", filters);
	int err = list(c, params, out, d);
	json_decref(params);
	return err;
}

static int read_detail(const struct rt_ctx *c, struct live_resource *r, struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:s, s:s}", "InstanceId", r->id, "Attribute",
						"userData");
	int err = rt_call_expect(c, "ec2", "DescribeInstanceAttribute", params, &res, inst_gone, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	json_t *v = json_object_get(json_object_get(res, "UserData"), "Value");
	if (json_is_string(v) && *json_string_value(v))
		json_object_set(r->props, "UserData", v);
	else
		json_object_del(r->props, "UserData");
	json_decref(res);
	r->detailed = true;
	return 0;
}

/* The instance in any state (terminated ones included), or BERTH_ENOTFOUND. */
static int describe(const struct rt_ctx *c, const char *id, struct live_set *out,
		    struct diags *d)
{
	json_t *params = json_pack("{s:[s]}", "InstanceIds", id);
	struct diags tmp = DIAGS_INIT;
	int err = list(c, params, out, &tmp);
	json_decref(params);
	if (err) {
		for (size_t i = 0; i < tmp.n; i++)
			for (size_t k = 0; tmp.items[i].aws_code && inst_gone[k]; k++)
				if (!strcmp(tmp.items[i].aws_code, inst_gone[k]))
					err = BERTH_ENOTFOUND;
		if (err != BERTH_ENOTFOUND)
			diags_move(d, &tmp);
	}
	diags_release(&tmp);
	if (!err && out->n != 1)
		err = BERTH_ENOTFOUND;
	return err;
}

static const char *state_of(const struct live_resource *r)
{
	return json_string_value(json_object_get(json_object_get(r->props, "State"), "Name"));
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	struct live_set one = LIVE_SET_INIT;
	int err = describe(c, id, &one, d);
	if (!err) {
		const char *state = state_of(&one.v[0]);
		if (state && !strcmp(state, "terminated"))
			err = BERTH_ENOTFOUND;
	}
	if (!err)
		err = read_detail(c, &one.v[0], d);
	if (!err) {
		*out = one.v[0];
		one.n = 0;
	}
	live_set_release(&one);
	return err;
}

/* Text that is not base64 is encoded: CloudFormation wants UserData in
 * base64 (Fn::Base64), and the spec language has no such function, so a
 * plain script is taken as the script itself. Base64 text passes as it is. */
static bool is_base64(const char *s)
{
	size_t n = strlen(s), pad = 0;
	if (!n || n % 4)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '=') {
			if (i < n - 2)
				return false;
			pad++;
		} else if (pad || !(isalnum((unsigned char)ch) || ch == '+' || ch == '/')) {
			return false;
		}
	}
	return true;
}

static char *base64(const char *s)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		buf_addch(&b, tbl[(v >> 18) & 63]);
		buf_addch(&b, tbl[(v >> 12) & 63]);
		buf_addch(&b, i + 1 < n ? tbl[(v >> 6) & 63] : '=');
		buf_addch(&b, i + 2 < n ? tbl[v & 63] : '=');
	}
	return buf_detach(&b, NULL);
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	(void)stack;
	(void)address;
	const char *ud = json_string_value(json_object_get(desired, "UserData"));
	if (ud && !is_base64(ud)) {
		char *enc = base64(ud);
		json_object_set_new(desired, "UserData", json_string(enc));
		free(enc);
	}
}

/* At plan time, on values validate could not know: an image that is
 * missing or empty (schema/needs.c; what berth cannot set at all is
 * refused by validate: schema/support.c). */
static int check(json_t *props, struct diags *d)
{
	return schema_needs_diags("AWS::EC2::Instance", props, d);
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	int err = schema_needs_diags("AWS::EC2::Instance", props, d);
	if (err)
		return err;
	char t1[64];
	const char *image = rt_str(props, "ImageId", t1);
	if (!image) { /* the schema's string, so given as something else */
		diags_add(d, DIAG_ERROR, "AWS::EC2::Instance: ImageId is not a string");
		return BERTH_EINVAL;
	}
	char *id = NULL;
	json_t *states = json_pack("[o]", live_states());
	err = ec2_find_tagged(c, "DescribeInstances", "Filters", "Reservations", "InstanceId", address,
			      states, &id, d);
	json_decref(states);
	if (err == BERTH_ENOTFOUND) {
		char token[64];
		ec2_client_token(address, token);
		json_t *params = json_pack("{s:s, s:i, s:i, s:s, s:o}", "ImageId", image, "MinCount", 1,
					   "MaxCount", 1, "ClientToken", token, "TagSpecifications",
					   ec2_tag_specs("instance", tags));
		static const char *const keys[] = { "InstanceType", "SubnetId", "KeyName", "UserData",
						    "PrivateIpAddress" };
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			char t[64];
			json_t *v = json_object_get(props, keys[i]);
			const char *s = json_is_string(v) ? json_string_value(v) : rt_str(props, keys[i], t);
			if (s)
				json_object_set_new(params, keys[i], json_string(s));
		}
		if (json_array_size(json_object_get(props, "SecurityGroupIds")))
			json_object_set(params, "SecurityGroupIds", json_object_get(props, "SecurityGroupIds"));
		char t2[64];
		const char *zone = rt_str(props, "AvailabilityZone", t2);
		if (zone)
			json_object_set_new(params, "Placement", json_pack("{s:s}", "AvailabilityZone", zone));
		char t3[64];
		const char *profile = rt_str(props, "IamInstanceProfile", t3);
		if (profile)
			json_object_set_new(params, "IamInstanceProfile",
					    json_pack("{s:s}", strncmp(profile, "arn:", 4) ? "Name" : "Arn",
						      profile));
		json_t *res = NULL;
		err = rt_call(c, "ec2", "RunInstances", params, &res, d);
		json_decref(params);
		if (!err)
			id = xstrdup(json_string_value(json_object_get(
				json_array_get(json_object_get(res, "Instances"), 0), "InstanceId")));
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
	struct live_set one = LIVE_SET_INIT;
	int err = describe(w->c, w->id, &one, d);
	if (err == BERTH_ENOTFOUND) {
		/* Just launched instances can take a moment to be listed. */
		return w->gone ? 0 : 1;
	}
	if (err)
		return err;
	const char *state = state_of(&one.v[0]);
	int r = 1;
	if (w->gone)
		r = state && !strcmp(state, "terminated") ? 0 : 1;
	else if (state && !strcmp(state, "running"))
		r = 0;
	else if (state && strcmp(state, "pending")) {
		diags_add(d, DIAG_ERROR, "instance %s is %s instead of running", w->id, state);
		r = BERTH_ERROR;
	}
	live_set_release(&one);
	return r;
}

static int wait_ready(const struct rt_ctx *c, const char *id, struct diags *d)
{
	struct wait_ctx w = { c, id, false };
	return rt_poll(c, "the instance to be running", INSTANCE_WAIT_MS, 10000, probe, &w, d);
}

static int wait_gone(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	struct wait_ctx w = { c, cur->id, true };
	return rt_poll(c, "the instance to be terminated", INSTANCE_WAIT_MS, 10000, probe, &w, d);
}

static int remove_instance(const struct rt_ctx *c, const struct live_resource *cur,
			   struct diags *d)
{
	json_t *params = json_pack("{s:[s]}", "InstanceIds", cur->id);
	int err = ec2_delete_call(c, "TerminateInstances", params, inst_gone, NULL, NULL, d);
	json_decref(params);
	return err;
}

const struct rtype rtype_ec2_instance = {
	.type_name = "AWS::EC2::Instance",
	.tag_filter = "ec2:instance",
	.owns_arn = owns_arn,
	.detail_props = detail_props,
	.read_all = read_all,
	.read_one = read_one,
	.read_detail = read_detail,
	.normalise = normalise,
	.check = check,
	.create = create,
	.set_tags = ec2_set_tags,
	.remove = remove_instance,
	.wait_ready = wait_ready,
	.wait_gone = wait_gone,
};
