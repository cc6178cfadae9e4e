/* AWS::Logs::LogGroup over the CloudWatch Logs API.
 *
 * Refresh: the tagging API lists the stack's log groups (ARN and tags, 100
 * a page); DescribeLogGroups with up to 50 logGroupIdentifiers a call then
 * gives their settings. LogGroupName is the physical id. Tags go through
 * the tagging API (the engine's default). A description (generic.h, `api`
 * below) with its own reads and create. */
#include "util/common.h"
#include "resources/resource.h"

#include "aws/client.h"
#include "resources/generic.h"
#include "resources/typeutil.h"
#include "util/buf.h"

/* What fits a description (generic.h): the ARN, the property map, the
 * changes in place (retention set after the create; retention and the key
 * removed by calls of their own), the delete and the default name. The
 * rest is the log group's own: DescribeLogGroups filters by prefix for one
 * name and by up to 50 identifiers (checked against what was asked) for
 * many, and tags are a map in CreateLogGroup. */
static const struct rtype_api api = {
	.type_name = "AWS::Logs::LogGroup", .service = "logs", .style = RTA_SERVICE,
	.kind = "log-group", .arn_sep = ':',
	.item_id = "logGroupName", .item_arn = "logGroupArn",
	.gone = (const char *const[]){ "ResourceNotFoundException", NULL },
	.exists = (const char *const[]){ "ResourceAlreadyExistsException", NULL },
	.delete_op = "DeleteLogGroup", .delete_id = "logGroupName",
	.props = (const struct rta_prop[]){
		{ "LogGroupName", "logGroupName", RTA_CREATE | RTA_ID, NULL, NULL },
		{ "RetentionInDays", "retentionInDays", RTA_READ | RTA_AFTER | RTA_CLEAR,
		  "PutRetentionPolicy", "DeleteRetentionPolicy" },
		{ "KmsKeyId", "kmsKeyId", RTA_CREATE | RTA_READ | RTA_CLEAR, "AssociateKmsKey",
		  "DisassociateKmsKey" },
		{ "LogGroupClass", "logGroupClass", RTA_CREATE | RTA_READ, NULL, NULL },
		{ "DeletionProtectionEnabled", "deletionProtectionEnabled",
		  RTA_CREATE | RTA_READ | RTA_BOOL, "PutLogGroupDeletionProtection", "false" },
		/* CloudFormation's Arn is the ":*" form DescribeLogGroups
		 * calls `arn`; the tagging API wants the bare logGroupArn. */
		{ "Arn", "arn", RTA_READ, NULL, NULL },
		{ 0 } },
	.name_prop = "LogGroupName", .name_max = 512,
	.update_ids = (const char *const[]){ "PutLogGroupDeletionProtection",
					     "logGroupIdentifier", NULL },
};

static int owns_arn(const char *arn)
{
	return rta_owns_arn(&api, arn);
}

/* The tagging API's key of an ARN: the name, without DescribeLogGroups'
 * ":*". */
static char *name_from_arn(const char *arn)
{
	const char *p = strstr(arn, ":log-group:");
	if (!p)
		return NULL;
	p += strlen(":log-group:");
	size_t n = strlen(p);
	if (n >= 2 && !strcmp(p + n - 2, ":*"))
		n -= 2;
	return xstrndup(p, n);
}

static void fill_from_describe(struct live_resource *r, json_t *g)
{
	rta_fill(&api, NULL, r, g, NULL);
}

/* DescribeLogGroups for a batch of names (see read_all). */
static int describe_names(const struct rt_ctx *c, json_t *names, json_t **groups, struct diags *d)
{
	json_t *params = json_pack("{s:O}", "logGroupIdentifiers", names);
	/* logGroupIdentifiers excludes every other filter, limit included,
	 * so the page size is the service's (50). */
	int err = rt_call_all(c, "logs", "DescribeLogGroups", params, "logGroups", groups, d);
	json_decref(params);
	if (!err)
		tu_keep_named(*groups, "logGroupName", names, NULL, "logs DescribeLogGroups");
	return err;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	/* The API takes at most 50 identifiers a call. */
	static const struct tu_tagged_read tr = {
		.type = &rtype_logs_loggroup,
		.key_of_arn = name_from_arn,
		.batch = 50,
		.describe = describe_names,
		.key_member = "logGroupName",
		.fill = fill_from_describe,
	};
	(void)parents;
	return tu_read_tagged(c, &tr, out, d);
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *groups = NULL, *tags = NULL, *found = NULL;
	json_t *params = json_pack("{s:s}", "logGroupNamePrefix", id);
	int err = rt_call_all(c, "logs", "DescribeLogGroups", params, "logGroups", &groups, d);
	json_decref(params);
	if (err)
		return err;
	size_t i;
	json_t *g;
	json_array_foreach(groups, i, g)
	{
		const char *name = json_string_value(json_object_get(g, "logGroupName"));
		if (name && !strcmp(name, id))
			found = g;
	}
	if (!found) {
		json_decref(groups);
		return BERTH_ENOTFOUND;
	}
	memset(out, 0, sizeof(*out));
	out->type = rtype_logs_loggroup.type_name;
	out->detailed = true;
	fill_from_describe(out, found);
	json_decref(groups);
	err = tu_list_tags(c, "logs", "resourceArn", out->arn, api.gone, "tags", &tags, d);
	if (err) {
		live_resource_release(out);
		return err;
	}
	rt_apply_tags(out, tags);
	return 0;
}

/* The groups among `ids` that exist: DescribeLogGroups 50 names a call, and
 * the tags of those found (plan's look before creating them). */
static int read_named(const struct rt_ctx *c, const char *const *ids, size_t n,
		      struct live_set *out, struct diags *d)
{
	int err = 0;
	for (size_t at = 0; at < n && !err; at += 50) {
		json_t *names = json_array(), *groups = NULL, *g;
		for (size_t i = at; i < n && i < at + 50; i++)
			json_array_append_new(names, json_string(ids[i]));
		err = describe_names(c, names, &groups, d);
		json_decref(names);
		size_t i;
		json_array_foreach(groups, i, g) {
			if (err)
				break;
			struct live_resource *r = live_set_add(out, rtype_logs_loggroup.type_name);
			r->detailed = true;
			fill_from_describe(r, g);
			json_t *tags = NULL;
			err = tu_list_tags(c, "logs", "resourceArn", r->arn, api.gone, "tags", &tags, d);
			if (!err) {
				rt_apply_tags(r, tags ? tags : json_object());
			} else if (err == BERTH_ENOTFOUND) {
				/* Deleted since it was described: not there. */
				live_resource_release(r);
				out->n--;
				err = 0;
			}
		}
		json_decref(groups);
	}
	return err;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	rta_normalise(&api, stack, address, desired);
}

/* The log group CreateLogGroup (and PutRetentionPolicy) just made, as
 * DescribeLogGroups and ListTagsForResource would read it: both calls are
 * synchronous, the request gives every setting and tag, and the class and
 * deletion protection AWS reports when none is given are its defaults. Only
 * the ARN is not in the answer; it is built from the account and partition
 * (STS), and without them live stays empty, for the engine to read back. */
static void fill_created(const struct rt_ctx *c, const char *name, json_t *props, json_t *tags,
			 struct live_resource *live)
{
	char tmp[64], tmp2[64];
	json_t *days = json_object_get(props, "RetentionInDays");
	const char *region = c->aws ? aws_client_region(c->aws) : NULL;
	if (!c->account || !c->partition || !region || (days && !json_is_integer(days)))
		return;
	live->type = rtype_logs_loggroup.type_name;
	live->id = xstrdup(name);
	live->arn = xasprintf("arn:%s:logs:%s:%s:log-group:%s", c->partition, region, c->account, name);
	const char *cls = rt_str(props, "LogGroupClass", tmp2);
	live->props = json_pack("{s:s, s:s, s:b}", "LogGroupName", name, "LogGroupClass",
				cls ? cls : "STANDARD", "DeletionProtectionEnabled",
				rt_bool(props, "DeletionProtectionEnabled", false));
	if (days)
		json_object_set(live->props, "RetentionInDays", days);
	const char *key = rt_str(props, "KmsKeyId", tmp);
	if (key)
		json_object_set_new(live->props, "KmsKeyId", json_string(key));
	json_object_set_new(live->props, "Arn", json_sprintf("%s:*", live->arn));
	live->detailed = true;
	rt_apply_tags(live, json_deep_copy(tags));
}

static int create_impl(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		       char **id_out, struct live_resource *live, struct diags *d)
{
	int err = 0;
	const char *name = json_string_value(json_object_get(props, "LogGroupName"));
	if (!name) {
		diags_add(d, DIAG_ERROR, "AWS::Logs::LogGroup: LogGroupName is not known");
		return BERTH_EINVAL;
	}
	/* The members in the order berth always sent them: name, tags, the
	 * rest. */
	json_t *params = json_pack("{s:s, s:O}", "logGroupName", name, "tags", tags);
	json_t *own = rta_create_params(&api, props);
	json_object_update(params, own);
	json_decref(own);
	err = rt_call_expect(c, "logs", "CreateLogGroup", params, NULL, api.exists, NULL, d);
	json_decref(params);
	bool adopted = err == RT_EXPECTED;
	if (adopted) {
		/* A retry after a crash, or someone else's log group: only ours
		 * (same stack and address) is adopted. */
		struct live_resource cur;
		char *what = xasprintf("log group %s (it exists) to be readable", name);
		err = rt_read_existing(c, what, read_one, name, &cur, d);
		free(what);
		if (err)
			return err;
		const char *st = json_string_value(json_object_get(cur.tags, TAG_STACK));
		bool ours = st && cur.address && !strcmp(st, c->stack) && !strcmp(cur.address, address);
		live_resource_release(&cur);
		if (!ours) {
			struct diag *dg = diags_add(d, DIAG_ERROR,
						    "log group %s already exists and is not this resource's", name);
			diag_set_detail(dg, "it is not tagged %s=%s, %s=%s; take it into the stack with "
				       "`berth import %s %s` or `adopt: true`, choose another "
				       "LogGroupName, or delete the existing log group",
				       TAG_STACK, c->stack, TAG_ID, address, address, name);
			return BERTH_ECONFLICT;
		}
	} else if (err) {
		return err;
	}
	if ((err = rta_set_after(&api, c, name, props, d)))
		return err;
	if (live && !adopted)
		fill_created(c, name, props, tags, live);
	*id_out = xstrdup(name);
	return 0;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	return create_impl(c, address, props, tags, id_out, NULL, d);
}

/* What update (rta_update) changes in place: the description says. */
static bool logs_loggroup_updates(const char *prop)
{
	return rta_updates(&api, prop);
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	return rta_update(&api, c, cur, desired, changed, nchanged, d);
}

static int remove_group(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	return rta_remove(&api, c, cur, d);
}

const struct rtype rtype_logs_loggroup = {
	.type_name = "AWS::Logs::LogGroup",
	.tag_filter = "logs:log-group",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.read_named = read_named,
	.normalise = normalise,
	.create = create,
	.create_known = create_impl,
	.update = update,
	.updates = logs_loggroup_updates,
	.remove = remove_group,
	.delete_sync = true,
};
