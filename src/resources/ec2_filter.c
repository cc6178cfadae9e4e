/* Checks an EC2 Describe answer against the Filters the request carried, so
 * that berth believes only what it asked for: a server that ignored a filter
 * (an emulator, a proxy, an AWS-compatible cloud) would otherwise hand over
 * another stack's resources, a deleted NAT gateway, or another VPC's default
 * security group, and berth would adopt them. Only the filters berth sends
 * are known here; an unknown one is trusted, as before. */
#include "util/common.h"
#include "resources/ec2_common.h"

#include "util/log.h"

/* The item member each filter name berth uses tests ("A.B": member B of
 * object A; "A[].B": member B of any element of array A; "X|Y": either,
 * as a name means different members in different listings: group-id is a
 * security group's GroupId, and a network interface's Groups[].GroupId). */
static const char *const field_of[][2] = {
	{ "attachment.vpc-id", "Attachments[].VpcId" },
	{ "default", "IsDefault" },
	{ "group-id", "GroupId|Groups[].GroupId" },
	{ "group-name", "GroupName" },
	{ "instance-state-name", "State.Name" },
	{ "internet-gateway-id", "InternetGatewayId" },
	{ "is-default", "IsDefault" },
	{ "route-table-id", "RouteTableId" },
	{ "state", "State" },
	{ "subnet-id", "SubnetId" },
	{ "vpc-id", "VpcId" },
};

static bool value_in(json_t *v, json_t *values)
{
	char text[32];
	const char *s = NULL;
	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_boolean(v))
		s = json_is_true(v) ? "true" : "false";
	else if (json_is_integer(v)) {
		snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(v));
		s = text;
	}
	size_t i;
	json_t *want;
	json_array_foreach(values, i, want)
		if (s && json_is_string(want) && !strcmp(s, json_string_value(want)))
			return true;
	return false;
}

static bool path_matches(json_t *item, const char *path, json_t *values);

/* Whether one of the "|"-separated paths of item holds one of values. */
static bool any_path_matches(json_t *item, const char *paths, json_t *values)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", paths);
	char *save = NULL;
	for (char *p = strtok_r(buf, "|", &save); p; p = strtok_r(NULL, "|", &save))
		if (path_matches(item, p, values))
			return true;
	return false;
}

/* Whether the member at `path` of item holds one of values. */
static bool path_matches(json_t *item, const char *path, json_t *values)
{
	const char *dot = strchr(path, '.');
	if (!dot)
		return value_in(json_object_get(item, path), values);
	size_t n = (size_t)(dot - path);
	char head[64];
	if (n >= sizeof(head))
		return false;
	memcpy(head, path, n);
	head[n] = 0;
	if (n > 2 && !strcmp(head + n - 2, "[]")) {
		head[n - 2] = 0;
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(item, head), i, e)
			if (path_matches(e, dot + 1, values))
				return true;
		return false;
	}
	return path_matches(json_object_get(item, head), dot + 1, values);
}

bool ec2_item_matches(json_t *item, json_t *filters)
{
	size_t i;
	json_t *f;
	json_array_foreach(filters, i, f) {
		const char *name = json_string_value(json_object_get(f, "Name"));
		json_t *values = json_object_get(f, "Values");
		if (!name || !json_is_array(values))
			continue;
		if (!strncmp(name, "tag:", 4)) {
			json_t *tags = ec2_tags_map(item);
			bool ok = value_in(json_object_get(tags, name + 4), values);
			json_decref(tags);
			if (!ok)
				return false;
			continue;
		}
		for (size_t k = 0; k < ARRAY_SIZE(field_of); k++)
			if (!strcmp(name, field_of[k][0])) {
				if (!any_path_matches(item, field_of[k][1], values))
					return false;
				break;
			}
	}
	return true;
}

json_t *ec2_keep_matching(const char *op, json_t *items, json_t *filters)
{
	json_t *kept = json_array(), *item;
	size_t i, dropped = 0;
	bool reservations = !strcmp(op, "DescribeInstances");
	json_array_foreach(items, i, item) {
		if (reservations) {
			/* Filters apply to the instances of each reservation. */
			json_t *insts = json_array(), *inst;
			size_t j;
			json_array_foreach(json_object_get(item, "Instances"), j, inst) {
				if (ec2_item_matches(inst, filters))
					json_array_append(insts, inst);
				else
					dropped++;
			}
			if (json_array_size(insts)) {
				json_t *r = json_copy(item);
				json_object_set_new(r, "Instances", insts);
				json_array_append_new(kept, r);
			} else {
				json_decref(insts);
			}
		} else if (ec2_item_matches(item, filters)) {
			json_array_append(kept, item);
		} else {
			dropped++;
		}
	}
	if (dropped)
		log_verbose("ec2 %s answered %zu item%s its filters exclude; ignored", op, dropped,
			    dropped == 1 ? "" : "s");
	return kept;
}
