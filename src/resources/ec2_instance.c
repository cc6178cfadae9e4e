/* AWS::EC2::Instance over the EC2 API, as a description (generic.h) with
 * what only an instance does: enough for the workshop's load-test host
 * (image, type, subnet, security groups, instance profile, user data, key
 * pair, tags).
 *
 * Refresh: one DescribeInstances filtered by the stack tag and by the
 * states that still exist (terminated instances stay listed for a while:
 * history). UserData needs a DescribeInstanceAttribute per instance, so it
 * is a detail property. Create waits for `running`; delete terminates and
 * waits for `terminated`, after which the instance's network interface is
 * gone and its subnet and security groups can go too. Everything but tags
 * replaces the instance (CloudFormation can stop and modify some; berth
 * does not yet). */
#include "util/common.h"
#include "resources/ec2_common.h"
#include "resources/generic.h"
#include "util/value.h"

#include <ctype.h>

#include "util/buf.h"

static const char *const inst_gone[] = { "InvalidInstanceID.NotFound", NULL };

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

static void normalise_more(json_t *desired)
{
	const char *ud = json_string_value(json_object_get(desired, "UserData"));
	if (ud && !is_base64(ud)) {
		char *enc = base64(ud);
		json_object_set_new(desired, "UserData", json_string(enc));
		free(enc);
	}
}

/* What the property map cannot say: CloudFormation's flat properties
 * nested as RunInstances takes them, the instance profile's name or ARN,
 * and the request's members in the order berth has always sent them (the
 * same bytes on the wire: each member moved to the end in turn). */
static void create_more(json_t *params, json_t *props)
{
	static const char *const order[] = { "ImageId", "MinCount", "MaxCount", "ClientToken",
					     "TagSpecifications", "InstanceType", "SubnetId",
					     "KeyName", "UserData", "PrivateIpAddress" };
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		json_t *v = json_incref(json_object_get(params, order[i]));
		if (v) {
			json_object_del(params, order[i]);
			json_object_set_new(params, order[i], v);
		}
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
}

/* The instance's zone, tenancy, groups, profile name (CloudFormation takes
 * the name; AWS gives the ARN, arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME)
 * and state. */
static void read_more(json_t *props, json_t *i)
{
	json_t *placement = json_object_get(i, "Placement");
	ec2_copy_str(props, "AvailabilityZone", placement, "AvailabilityZone");
	ec2_copy_str(props, "Tenancy", placement, "Tenancy");
	json_t *groups = json_array(), *g;
	size_t k;
	json_array_foreach(json_object_get(i, "SecurityGroups"), k, g)
		json_array_append(groups, json_object_get(g, "GroupId"));
	json_object_set_new(props, "SecurityGroupIds", groups);
	const char *profile = json_string_value(json_object_get(json_object_get(i, "IamInstanceProfile"), "Arn"));
	if (profile && strrchr(profile, '/'))
		json_object_set_new(props, "IamInstanceProfile", json_string(strrchr(profile, '/') + 1));
	json_t *state = json_object_get(json_object_get(i, "State"), "Name");
	if (json_is_string(state))
		json_object_set_new(props, "State", json_pack("{s:O}", "Name", state));
}

#define CR (RTA_CREATE | RTA_READ)
static const struct rtype_api api = {
	.type_name = "AWS::EC2::Instance", .service = "ec2", .style = RTA_EC2, .kind = "instance",
	.what = "instance",
	.describe_op = "DescribeInstances", .describe_ids = "InstanceIds",
	.list = "Reservations", .sublist = "Instances", .item_id = "InstanceId",
	.gone = (const char *const[]){ "InvalidInstanceID.NotFound", NULL },
	.live_filter = "{\"Name\": \"instance-state-name\", \"Values\": [\"pending\", "
		       "\"running\", \"stopping\", \"stopped\", \"shutting-down\"]}",
	.status = "State.Name", .ready = "running",
	.failed = (const char *const[]){ "stopping", "stopped", "shutting-down", "terminated",
					 NULL },
	.history = (const char *const[]){ "terminated", NULL }, .wait_ms = 15L * 60 * 1000,
	.create_op = "RunInstances", .create_item = "Instances", .client_token = "ClientToken",
	.create_fixed = "{\"MinCount\": 1, \"MaxCount\": 1}", .create_more = create_more,
	.delete_op = "TerminateInstances", .delete_id = "InstanceIds", .delete_list = true,
	.props = (const struct rta_prop[]){
		{ .cfn = "InstanceId", .flags = RTA_ID },
		{ .cfn = "ImageId", .api = "ImageId", .flags = CR },
		{ .cfn = "InstanceType", .api = "InstanceType", .flags = CR },
		{ .cfn = "SubnetId", .api = "SubnetId", .flags = CR },
		{ .cfn = "KeyName", .api = "KeyName", .flags = CR },
		{ .cfn = "VpcId", .api = "VpcId", .flags = RTA_READ },
		{ .cfn = "PrivateIp", .api = "PrivateIpAddress", .flags = RTA_READ },
		{ .cfn = "PrivateIpAddress", .api = "PrivateIpAddress", .flags = CR },
		{ .cfn = "PublicIp", .api = "PublicIpAddress", .flags = RTA_READ },
		{ .cfn = "PrivateDnsName", .api = "PrivateDnsName", .flags = RTA_READ },
		{ .cfn = "PublicDnsName", .api = "PublicDnsName", .flags = RTA_READ },
		{ .cfn = "UserData", .api = "UserData", .flags = RTA_CREATE },
		{ 0 } },
	.read_more = read_more,
	.normalise_more = normalise_more,
};
RTA_FUNCS(inst, api)
RTA_WAIT_FUNCS(inst, api)

/* The listing leaves UserData to read_detail. */
static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	size_t from = out->n;
	int err = inst_read_all(c, parents, out, d);
	for (size_t i = from; i < out->n; i++)
		out->v[i].detailed = false;
	return err;
}

/* The generic read, then the detail (UserData). */
static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	int err = inst_read_one(c, id, out, d);
	if (!err && (err = read_detail(c, out, d)))
		live_resource_release(out);
	return err;
}

const struct rtype rtype_ec2_instance = {
	.type_name = "AWS::EC2::Instance",
	.tag_filter = "ec2:instance",
	.owns_arn = inst_owns_arn,
	.detail_props = (const char *const[]){ "UserData", NULL },
	.read_all = read_all,
	.read_one = read_one,
	.read_detail = read_detail,
	.normalise = inst_normalise,
	.check = inst_check, /* with schema/needs.c: ImageId given, not empty */
	.create = inst_create,
	.update = NULL, /* everything but tags replaces */
	.set_tags = inst_set_tags,
	.remove = inst_remove,
	RTA_WAITS(inst),
};
