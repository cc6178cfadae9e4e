/* Shared by the EC2 type files; see ec2_common.h. */
#include "util/common.h"
#include "resources/ec2_common.h"

#include <ctype.h>
#include <time.h>
#include <unistd.h>

#include "aws/client.h"
#include "util/buf.h"
#include "util/cidr.h"

json_t *ec2_stack_filters(const struct rt_ctx *c, const char *address)
{
	json_t *f = json_pack("[{s:s, s:[s]}]", "Name", "tag:" TAG_STACK, "Values", c->stack);
	if (address) {
		/* The tag holds the address encoded (rt_tag_encode). */
		char *tag = rt_tag_encode(address);
		json_array_append_new(f, json_pack("{s:s, s:[s]}", "Name", "tag:" TAG_ID, "Values", tag));
		free(tag);
	}
	return f;
}

json_t *ec2_tag_specs(const char *kind, json_t *tags)
{
	if (!tags)
		return NULL;
	return json_pack("[{s:s, s:o}]", "ResourceType", kind, "Tags", rt_tags_to_list(tags, false));
}

json_t *ec2_tags_map(json_t *item)
{
	json_t *list = json_object_get(item, "Tags");
	if (!list)
		list = json_object_get(item, "TagSet");
	return rt_tags_to_map(list);
}

int ec2_set_tags(const struct rt_ctx *c, const struct live_resource *cur, json_t *add,
		 json_t *remove_keys, struct diags *d)
{
	int err = 0;
	if (json_object_size(add)) {
		json_t *params = json_pack("{s:[s], s:o}", "Resources", cur->id, "Tags",
					   rt_tags_to_list(add, false));
		err = rt_call(c, "ec2", "CreateTags", params, NULL, d);
		json_decref(params);
	}
	if (!err && json_array_size(remove_keys)) {
		json_t *keys = json_array(), *k;
		size_t i;
		json_array_foreach(remove_keys, i, k)
			json_array_append_new(keys, json_pack("{s:O}", "Key", k));
		json_t *params = json_pack("{s:[s], s:o}", "Resources", cur->id, "Tags", keys);
		err = rt_call(c, "ec2", "DeleteTags", params, NULL, d);
		json_decref(params);
	}
	return err;
}

char *ec2_arn(const struct rt_ctx *c, const char *account, const char *kind, const char *id)
{
	if (!account || !*account || !id)
		return NULL;
	return xasprintf("arn:aws:ec2:%s:%s:%s/%s", aws_client_region(c->aws), account, kind, id);
}

bool ec2_arn_is(const char *arn, const char *kind)
{
	const char *p = strstr(arn, ":ec2:");
	if (!p)
		return false;
	/* arn:PARTITION:ec2:REGION:ACCOUNT:KIND/ID */
	const char *slash = strchr(p, '/');
	const char *colon = slash ? slash : p;
	while (colon > p && *colon != ':')
		colon--;
	size_t n = strlen(kind);
	return slash && (size_t)(slash - colon - 1) == n && !strncmp(colon + 1, kind, n);
}

static bool own_item(const struct rt_ctx *c, json_t *item, const char *address, json_t *extra)
{
	json_t *tags = ec2_tags_map(item);
	bool ours = rt_tags_ours(c, tags, address) && (!extra || ec2_item_matches(item, extra));
	json_decref(tags);
	return ours;
}

/* The first item whose tags say it is this stack's `address`: the filters
 * asked for exactly that, but a server that ignored them would answer with
 * other instances (another NAT gateway of the stack, another stack's), and
 * taking the first of those would adopt it and never create this one. */
static json_t *first_own_item(const struct rt_ctx *c, json_t *res, const char *list_key,
			      const char *address, json_t *extra)
{
	json_t *list = json_object_get(res, list_key), *item;
	size_t i, j;
	json_array_foreach(list, i, item) {
		if (!strcmp(list_key, "Reservations")) {
			json_t *inst;
			json_array_foreach(json_object_get(item, "Instances"), j, inst)
				if (own_item(c, inst, address, extra))
					return inst;
		} else if (own_item(c, item, address, extra)) {
			return item;
		}
	}
	return NULL;
}

int ec2_find_tagged(const struct rt_ctx *c, const char *op, const char *filter_key,
		    const char *list_key, const char *id_key, const char *address, json_t *extra,
		    char **id_out, struct diags *d)
{
	json_t *filters = ec2_stack_filters(c, address);
	if (extra)
		json_array_extend(filters, extra);
	json_t *params = json_pack("{s:o}", filter_key, filters), *res = NULL;
	int err = rt_call(c, "ec2", op, params, &res, d);
	json_decref(params);
	if (err)
		return err;
	json_t *item = first_own_item(c, res, list_key, address, extra);
	const char *id = json_string_value(json_object_get(item, id_key));
	if (id)
		*id_out = xstrdup(id);
	json_decref(res);
	return id ? 0 : BERTH_ENOTFOUND;
}

void ec2_client_token(const char *address, char out[64])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint32_t h = 2166136261u;
	for (const char *p = address; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(out, 64, "berth-%08x-%lx-%lx-%lx", h, (long)ts.tv_sec, (long)ts.tv_nsec,
		 (long)getpid());
}

void ec2_canonicalise_cidr(json_t *props, const char *key)
{
	char *canon = cidr_canonical_ipv4(json_string_value(json_object_get(props, key)));
	if (canon)
		json_object_set_new(props, key, json_string(canon));
	free(canon);
}

static char *dupz(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct diag *ec2_aws_error(struct diags *d, const struct diags *aws, const char *code,
			   const char *summary)
{
	const struct diag *src = aws && aws->n ? &aws->items[0] : NULL;
	struct diag *dg = diags_add(d, DIAG_ERROR, "%s", summary);
	dg->aws_code = xstrdup(code);
	dg->aws_service = xstrdup("ec2");
	if (src) {
		free(dg->aws_service);
		dg->aws_service = dupz(src->aws_service ? src->aws_service : "ec2");
		dg->aws_operation = dupz(src->aws_operation);
		dg->request_id = dupz(src->request_id);
		dg->http_status = src->http_status;
		diag_set_detail(dg, "AWS: %s", src->summary ? src->summary : code);
	}
	return dg;
}

int ec2_dependency_error(const struct rt_ctx *c, const char *what, const char *filter,
			 const char *id, const struct diags *aws, struct diags *d)
{
	json_t *params = json_pack("{s:[{s:s, s:[s]}]}", "Filters", "Name", filter, "Values", id);
	json_t *enis = NULL;
	struct diags tmp = DIAGS_INIT;
	int err = rt_call_all(c, "ec2", "DescribeNetworkInterfaces", params, "NetworkInterfaces",
			      &enis, &tmp);
	json_decref(params);
	struct buf b = BUF_INIT, summary = BUF_INIT;
	size_t i;
	json_t *e;
	json_array_foreach(enis, i, e) {
		const char *eid = json_string_value(json_object_get(e, "NetworkInterfaceId"));
		const char *desc = json_string_value(json_object_get(e, "Description"));
		const char *status = json_string_value(json_object_get(e, "Status"));
		buf_addf(&b, "%s%s (%s%s%s)", b.len ? ", " : "", eid ? eid : "?",
			 desc && *desc ? desc : "no description", status ? ", " : "",
			 status ? status : "");
	}
	if (b.len)
		buf_addf(&summary, "%s is still in use by network interface%s %s", what,
			 json_array_size(enis) > 1 ? "s" : "", b.ptr);
	else
		buf_addf(&summary, "%s still has dependencies", what);
	struct diag *dg = ec2_aws_error(d, aws, "DependencyViolation", summary.ptr);
	const char *aws_text = aws && aws->n && aws->items[0].summary ? aws->items[0].summary
								     : "DependencyViolation";
	if (b.len)
		diag_set_detail(dg, "AWS: %s\nthe interfaces belong to what still runs there (ECS "
			       "tasks, load balancers, NAT gateways, instances); AWS removes "
			       "requester-managed ones some minutes after their owner goes", aws_text);
	else if (err && tmp.n)
		diag_set_detail(dg, "AWS: %s\nlisting its network interfaces failed too: %s", aws_text,
				tmp.items[0].summary);
	diags_release(&tmp);
	buf_release(&b);
	buf_release(&summary);
	json_decref(enis);
	return BERTH_EAWS;
}

int ec2_delete_call(const struct rt_ctx *c, const char *op, json_t *params,
		    const char *const *gone, const char *const *retry, struct diags *aws,
		    struct diags *d)
{
	struct diags tmp = DIAGS_INIT;
	int err = rt_call(c, "ec2", op, params, NULL, &tmp);
	if (err == BERTH_EAWS) {
		for (size_t i = 0; i < tmp.n; i++) {
			const char *got = tmp.items[i].aws_code;
			for (size_t k = 0; got && gone && gone[k]; k++)
				if (!strcmp(got, gone[k])) {
					diags_release(&tmp);
					return 0;
				}
			for (size_t k = 0; got && retry && retry[k]; k++)
				if (!strcmp(got, retry[k])) {
					if (aws)
						diags_move(aws, &tmp);
					diags_release(&tmp);
					return 1;
				}
		}
	}
	diags_move(d, &tmp);
	diags_release(&tmp);
	return err;
}

void ec2_copy_str(json_t *dst, const char *dst_key, json_t *src, const char *src_key)
{
	json_t *v = json_object_get(src, src_key);
	if (json_is_string(v) && *json_string_value(v))
		json_object_set(dst, dst_key, v);
}

/* ---- security group rules ---- */

static const char *protocol_name(const char *p, char buf[16])
{
	static const char *const names[][2] = { { "6", "tcp" }, { "17", "udp" }, { "1", "icmp" },
						{ "58", "icmpv6" }, { "all", "-1" } };
	size_t n = 0;
	for (; p[n] && n < 15; n++)
		buf[n] = (char)tolower((unsigned char)p[n]);
	buf[n] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(buf, names[i][0]))
			return names[i][1];
	return buf;
}

static bool port_number(json_t *v, long long *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	if (json_is_real(v)) {
		*out = (long long)json_real_value(v);
		return true;
	}
	if (json_is_string(v)) {
		char *end;
		*out = strtoll(json_string_value(v), &end, 10);
		return *json_string_value(v) && !*end;
	}
	return false;
}

void ec2_rule_normalise(json_t *rule)
{
	if (!json_is_object(rule))
		return;
	char tmp[64], buf[16];
	const char *proto = rt_str(rule, "IpProtocol", tmp);
	if (proto && !json_is_object(json_object_get(rule, "IpProtocol"))) {
		proto = protocol_name(proto, buf);
		json_object_set_new(rule, "IpProtocol", json_string(proto));
	} else {
		proto = NULL; /* unknown yet */
	}
	bool ported = proto && (!strcmp(proto, "tcp") || !strcmp(proto, "udp"));
	static const char *const ports[] = { "FromPort", "ToPort" };
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
		long long n;
		json_t *v = json_object_get(rule, ports[i]);
		if (!v || !port_number(v, &n))
			continue;
		if (proto && (!strcmp(proto, "-1") || (!ported && n == -1)))
			json_object_del(rule, ports[i]);
		else
			json_object_set_new(rule, ports[i], json_integer(n));
	}
	ec2_canonicalise_cidr(rule, "CidrIp");
	json_t *desc = json_object_get(rule, "Description");
	if (json_is_string(desc) && !*json_string_value(desc))
		json_object_del(rule, "Description");
}

json_t *ec2_rule_from_api(json_t *item)
{
	bool egress = json_is_true(json_object_get(item, "IsEgress"));
	json_t *r = json_object();
	ec2_copy_str(r, "IpProtocol", item, "IpProtocol");
	json_t *v;
	if ((v = json_object_get(item, "FromPort")) && json_is_integer(v))
		json_object_set(r, "FromPort", v);
	if ((v = json_object_get(item, "ToPort")) && json_is_integer(v))
		json_object_set(r, "ToPort", v);
	ec2_copy_str(r, "CidrIp", item, "CidrIpv4");
	ec2_copy_str(r, "CidrIpv6", item, "CidrIpv6");
	ec2_copy_str(r, egress ? "DestinationPrefixListId" : "SourcePrefixListId", item, "PrefixListId");
	json_t *ref = json_object_get(item, "ReferencedGroupInfo");
	ec2_copy_str(r, egress ? "DestinationSecurityGroupId" : "SourceSecurityGroupId", ref, "GroupId");
	/* Another account's group: only then is the owner part of the rule
	 * (a spec names its own account's groups without it). */
	const char *user = json_string_value(json_object_get(ref, "UserId"));
	const char *owner = json_string_value(json_object_get(item, "GroupOwnerId"));
	if (!egress && user && owner && strcmp(user, owner))
		json_object_set_new(r, "SourceSecurityGroupOwnerId", json_string(user));
	ec2_copy_str(r, "Description", item, "Description");
	ec2_rule_normalise(r);
	return r;
}

void ec2_read_ipv6_blocks(json_t *props, json_t *item)
{
	json_t *v6 = json_array(), *a;
	size_t i;
	json_array_foreach(json_object_get(item, "Ipv6CidrBlockAssociationSet"), i, a)
		if (json_is_string(json_object_get(a, "Ipv6CidrBlock")))
			json_array_append(v6, json_object_get(a, "Ipv6CidrBlock"));
	json_object_set_new(props, "Ipv6CidrBlocks", v6);
}

json_t *ec2_rule_allow_all(void)
{
	return json_pack("{s:s, s:s}", "IpProtocol", "-1", "CidrIp", "0.0.0.0/0");
}

json_t *ec2_rule_permission(json_t *rule, bool egress, struct diags *d)
{
	char t1[64], t2[64], buf[16];
	const char *proto = rt_str(rule, "IpProtocol", t1);
	if (!proto) {
		diags_add(d, DIAG_ERROR, "a security group rule needs IpProtocol");
		return NULL;
	}
	proto = protocol_name(proto, buf);
	json_t *p = json_pack("{s:s}", "IpProtocol", proto);
	long long n;
	bool ported = !strcmp(proto, "tcp") || !strcmp(proto, "udp");
	if (strcmp(proto, "-1")) {
		json_t *from = json_object_get(rule, "FromPort"), *to = json_object_get(rule, "ToPort");
		if (from && port_number(from, &n))
			json_object_set_new(p, "FromPort", json_integer(n));
		else if (!ported)
			json_object_set_new(p, "FromPort", json_integer(-1));
		if (to && port_number(to, &n))
			json_object_set_new(p, "ToPort", json_integer(n));
		else if (!ported)
			json_object_set_new(p, "ToPort", json_integer(-1));
	}
	const char *desc = rt_str(rule, "Description", t2);
	static const struct {
		const char *prop, *list, *member;
	} peers[] = {
		{ "CidrIp", "IpRanges", "CidrIp" },
		{ "CidrIpv6", "Ipv6Ranges", "CidrIpv6" },
		{ "SourcePrefixListId", "PrefixListIds", "PrefixListId" },
		{ "DestinationPrefixListId", "PrefixListIds", "PrefixListId" },
		{ "SourceSecurityGroupId", "UserIdGroupPairs", "GroupId" },
		{ "DestinationSecurityGroupId", "UserIdGroupPairs", "GroupId" },
	};
	size_t found = 0;
	for (size_t i = 0; i < ARRAY_SIZE(peers); i++) {
		char t[64];
		const char *v = rt_str(rule, peers[i].prop, t);
		if (!v)
			continue;
		if ((!strncmp(peers[i].prop, "Source", 6) && egress) ||
		    (!strncmp(peers[i].prop, "Destination", 11) && !egress))
			continue;
		json_t *peer = json_pack("{s:s}", peers[i].member, v);
		if (desc)
			json_object_set_new(peer, "Description", json_string(desc));
		if (!strcmp(peers[i].member, "GroupId")) {
			char t3[64];
			const char *owner = rt_str(rule, "SourceSecurityGroupOwnerId", t3);
			if (owner && !egress)
				json_object_set_new(peer, "UserId", json_string(owner));
		}
		json_object_set_new(p, peers[i].list, json_pack("[o]", peer));
		found++;
	}
	if (found != 1) {
		json_decref(p);
		diags_add(d, DIAG_ERROR, "a security group %s rule needs exactly one of CidrIp, CidrIpv6, "
			  "%sPrefixListId or %sSecurityGroupId; %zu given",
			  egress ? "egress" : "ingress", egress ? "Destination" : "Source",
			  egress ? "Destination" : "Source", found);
		return NULL;
	}
	return p;
}
