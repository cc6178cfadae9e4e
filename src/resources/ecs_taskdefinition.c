/* AWS::ECS::TaskDefinition over the ECS API.
 *
 * A task definition is immutable: every change registers a new revision of
 * the family. So every property is create-only and the type replaces
 * create-before-destroy by default: the new revision is registered, the
 * services that use it move to it, and only then is the old revision
 * deregistered (the engine defers that until after the walk).
 *
 * Refresh: the tagging API lists the stack's task definition ARNs (one per
 * revision); each costs a DescribeTaskDefinition (ECS has no batch
 * describe). Deregistered revisions (INACTIVE) are not usable, so a
 * refresh skips them, but they are not gone: removing a revision
 * deregisters and then deletes it, and destroy's sweep deletes any
 * INACTIVE revision still tagged with the stack (sweep_leftover).
 *
 * ECS fills in defaults in its answers (essential true, cpu 0, protocol
 * tcp, hostPort = containerPort under awsvpc, empty lists); canonical()
 * removes them from both the spec's and AWS's side so that the plan after
 * an apply is empty. */
#include "util/common.h"
#include "resources/resource.h"

#include <math.h>

#include "schema/compare.h"
#include "schema/needs.h"
#include "resources/typeutil.h"
#include "schema/schema.h"
#include "util/value.h"

#define FAMILY_MAX 255

/* ECS members whose values are maps with data keys. */
static const char *const opaque[] = { "options", "dockerLabels", "driverOpts", "labels", NULL };
static const char *const client_error[] = { "ClientException", NULL };

/* "arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REV" */
static int owns_arn(const char *arn)
{
	return strstr(arn, ":ecs:") && strstr(arn, ":task-definition/");
}

static bool is_true(json_t *v)
{
	return json_is_true(v) || (json_is_string(v) && !strcasecmp(json_string_value(v), "true"));
}

static bool number_is(json_t *v, double x)
{
	if (json_is_number(v))
		return json_number_value(v) == x;
	if (json_is_string(v)) {
		char *end;
		double y = strtod(json_string_value(v), &end);
		return *json_string_value(v) && !*end && y == x;
	}
	return false;
}

/* An integer member given as "128" becomes 128; a known non-number stays
 * (ECS will say what is wrong). */
static void as_int(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);
	if (json_is_string(v)) {
		char *end;
		long long x = strtoll(json_string_value(v), &end, 10);
		if (*json_string_value(v) && !*end)
			json_object_set_new(o, name, json_integer(x));
	} else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v))) {
		json_object_set_new(o, name, json_integer((json_int_t)json_real_value(v)));
	}
}

/* Removes what ECS fills in by default from one container definition (CFN
 * form, modified in place), so the spec's and AWS's forms compare equal. */
static void canonical_container(json_t *ct, bool awsvpc)
{
	if (!json_is_object(ct) || value_is_unknown(ct))
		return;
	as_int(ct, "Cpu");
	as_int(ct, "Memory");
	as_int(ct, "MemoryReservation");
	if (is_true(json_object_get(ct, "Essential")))
		json_object_del(ct, "Essential");
	if (number_is(json_object_get(ct, "Cpu"), 0))
		json_object_del(ct, "Cpu");
	json_t *vc = json_object_get(ct, "VersionConsistency");
	if (json_is_string(vc) && !strcmp(json_string_value(vc), "enabled"))
		json_object_del(ct, "VersionConsistency");
	size_t i;
	json_t *pm;
	json_array_foreach(json_object_get(ct, "PortMappings"), i, pm) {
		if (!json_is_object(pm) || value_is_unknown(pm))
			continue;
		as_int(pm, "ContainerPort");
		as_int(pm, "HostPort");
		json_t *proto = json_object_get(pm, "Protocol");
		if (json_is_string(proto) && !strcmp(json_string_value(proto), "tcp"))
			json_object_del(pm, "Protocol");
		json_t *cp = json_object_get(pm, "ContainerPort"), *hp = json_object_get(pm, "HostPort");
		if (awsvpc && json_is_integer(cp) && json_is_integer(hp) &&
		    json_integer_value(cp) == json_integer_value(hp))
			json_object_del(pm, "HostPort");
	}
	/* Environment values are strings to ECS; YAML may say 3000. */
	json_t *env;
	json_array_foreach(json_object_get(ct, "Environment"), i, env) {
		json_t *v = json_object_get(env, "Value");
		char *s = json_is_string(v) || !v || value_has_unknown(v) ? NULL : rt_attr_string(v);
		if (s)
			json_object_set_new(env, "Value", json_string(s));
		free(s);
	}
}

static bool is_awsvpc(json_t *props)
{
	const char *m = json_string_value(json_object_get(props, "NetworkMode"));
	return m && (!strcmp(m, "awsvpc") || !strcmp(m, "host"));
}

static void canonical(json_t *props)
{
	bool awsvpc = is_awsvpc(props);
	size_t i;
	json_t *ct;
	json_array_foreach(json_object_get(props, "ContainerDefinitions"), i, ct)
		canonical_container(ct, awsvpc);
	/* Task-level cpu and memory are strings to ECS. */
	static const char *const strs[] = { "Cpu", "Memory" };
	for (size_t k = 0; k < ARRAY_SIZE(strs); k++) {
		json_t *v = json_object_get(props, strs[k]);
		if (v && !json_is_string(v) && !value_has_unknown(v)) {
			char *s = rt_attr_string(v);
			if (s)
				json_object_set_new(props, strs[k], json_string(s));
			free(s);
		}
	}
}

/* One DescribeTaskDefinition answer in CloudFormation form. */
static void fill_taskdef(struct live_resource *r, json_t *td)
{
	static const char *const top[] = { "family", "containerDefinitions", "cpu", "memory",
					   "networkMode", "requiresCompatibilities", "taskRoleArn",
					   "executionRoleArn", "volumes", "placementConstraints",
					   "runtimePlatform", "ephemeralStorage", "pidMode", "ipcMode",
					   "proxyConfiguration", "enableFaultInjection" };
	json_t *api = json_object();
	for (size_t i = 0; i < ARRAY_SIZE(top); i++)
		tu_copy(api, top[i], td, top[i]);
	json_decref(r->props);
	r->props = tu_recase(api, false, opaque);
	json_decref(api);
	canonical(r->props);
	const char *arn = json_string_value(json_object_get(td, "taskDefinitionArn"));
	json_object_set_new(r->props, "TaskDefinitionArn", json_string(arn ? arn : ""));
	free(r->id);
	r->id = xstrdup(arn ? arn : "");
	free(r->arn);
	r->arn = xstrdup(arn ? arn : "");
	r->created_ms = tu_time_ms(json_object_get(td, "registeredAt"));
}

/* DescribeTaskDefinition of ref (an ARN or a family), with its tags when
 * `tags`: 0 and *res (the answer), BERTH_ENOTFOUND when ECS describes no
 * such revision. */
static int describe_call(const struct rt_ctx *c, const char *ref, bool tags, json_t **res,
			 struct diags *d)
{
	json_t *params = tags ? json_pack("{s:s, s:[s]}", "taskDefinition", ref, "include", "TAGS")
			      : json_pack("{s:s}", "taskDefinition", ref);
	int err = rt_call_expect(c, "ecs", "DescribeTaskDefinition", params, res, client_error, NULL, d);
	json_decref(params);
	return err == RT_EXPECTED ? BERTH_ENOTFOUND : err;
}

/* One task definition by ARN or family: 0 and *out, BERTH_ENOTFOUND when it
 * does not exist or is INACTIVE. */
static int describe(const struct rt_ctx *c, const char *ref, struct live_resource *out,
		    struct diags *d)
{
	json_t *res = NULL;
	int err = describe_call(c, ref, true, &res, d);
	if (err)
		return err;
	json_t *td = json_object_get(res, "taskDefinition");
	const char *status = json_string_value(json_object_get(td, "status"));
	if (!status || strcmp(status, "ACTIVE")) {
		json_decref(res);
		return BERTH_ENOTFOUND;
	}
	tu_live_init(out, &rtype_ecs_taskdefinition, true);
	fill_taskdef(out, td);
	rt_apply_tags(out, tu_tags_map_lc(json_object_get(res, "tags")));
	json_decref(res);
	return 0;
}

/* DescribeTaskDefinition answers the tags itself: the listed ones are not
 * needed. */
static int read_listed(const struct rt_ctx *c, const char *arn, json_t *tags,
		       struct live_resource *out, struct diags *d)
{
	(void)tags;
	return describe(c, arn, out, d);
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	return tu_read_tagged_each(c, &rtype_ecs_taskdefinition, read_listed, out, d);
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	return describe(c, id, out, d);
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	tu_default_name(desired, "Family", stack, address, FAMILY_MAX);
	canonical(desired);
}

/* Fargate's networking and task sizes (schema/needs.c, which validate
 * checks), again on the values plan knows. */
static int check_fargate(json_t *props, struct diags *d)
{
	return schema_needs_diags("AWS::ECS::TaskDefinition", props, d);
}

/* The family's latest ACTIVE revision is this resource's and registers
 * exactly `props`: a create retried after a crash. */
static bool same_revision(const struct rt_ctx *c, const char *address, json_t *props,
			  struct live_resource *cur)
{
	const char *st = json_string_value(json_object_get(cur->tags, TAG_STACK));
	if (!st || strcmp(st, c->stack) || !cur->address || strcmp(cur->address, address))
		return false;
	const struct schema_resource *sch = schema_find(rtype_ecs_taskdefinition.type_name);
	const char *k;
	json_t *v;
	json_object_foreach(props, k, v) {
		const struct schema_prop *p = sch ? schema_shape_prop(sch->shape, k) : NULL;
		if (!strcmp(k, "Tags") || (p && (p->flags & SP_READ_ONLY)))
			continue;
		if (schema_compare(p ? p->shape : NULL, v, json_object_get(cur->props, k)) != SCHEMA_EQUAL)
			return false;
	}
	return true;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	int err = check_fargate(props, d);
	if (err)
		return err;
	const char *family = json_string_value(json_object_get(props, "Family"));
	if (!family || !json_array_size(json_object_get(props, "ContainerDefinitions"))) {
		diags_add(d, DIAG_ERROR, "AWS::ECS::TaskDefinition: Family and ContainerDefinitions must be known");
		return BERTH_EINVAL;
	}
	struct live_resource cur;
	err = describe(c, family, &cur, d);
	if (!err) {
		bool same = same_revision(c, address, props, &cur);
		if (same)
			*id_out = xstrdup(cur.id);
		live_resource_release(&cur);
		if (same)
			return 0;
	} else if (err != BERTH_ENOTFOUND) {
		return err;
	}
	json_t *cfn = json_deep_copy(props);
	json_object_del(cfn, "Tags");
	json_object_del(cfn, "TaskDefinitionArn");
	json_t *params = tu_recase(cfn, true, opaque);
	json_decref(cfn);
	json_object_set_new(params, "tags", tu_tags_list_lc(tags));
	json_t *res = NULL;
	err = rt_call(c, "ecs", "RegisterTaskDefinition", params, &res, d);
	json_decref(params);
	if (err)
		return err;
	err = tu_answer_id(res, "taskDefinition", "taskDefinitionArn", "RegisterTaskDefinition",
			   id_out, d);
	json_decref(res);
	return err;
}

/* The groups its awslogs containers have the ECS agent create: literal
 * values only (a spec's references are resolved by then). Revisions of a
 * family usually share them; the engine keeps a group some other instance
 * still declares. */
static void side_effects(const char *id, json_t *props, struct strvec *log_groups)
{
	(void)id;
	tu_awslogs_created_groups(json_object_get(props, "ContainerDefinitions"), NULL, NULL,
				  log_groups);
}

/* Revisions of a family share their groups: the agent made them for
 * whichever revision ran first, so they are as old as the family's first
 * revision at most. Revision 1 stays describable once deregistered
 * (INACTIVE); when it was deleted, cur's own time is all there is. */
static long long side_effects_since(const struct rt_ctx *c, const struct live_resource *cur,
				    struct diags *d)
{
	const char *family = json_string_value(json_object_get(cur->props, "Family"));
	if (!family)
		return cur->created_ms;
	char *ref = xasprintf("%s:1", family);
	json_t *res = NULL;
	int err = describe_call(c, ref, false, &res, d);
	free(ref);
	long long t = err ? 0 : tu_time_ms(json_object_get(json_object_get(res, "taskDefinition"),
							   "registeredAt"));
	json_decref(res);
	return t && (!cur->created_ms || t < cur->created_ms) ? t : cur->created_ms;
}

/* A revision's status by ARN: 0 and *status (new string), or
 * BERTH_ENOTFOUND once ECS no longer describes it (deleted). */
static int taskdef_status(const struct rt_ctx *c, const char *arn, char **status,
			  struct diags *d)
{
	json_t *res = NULL;
	int err = describe_call(c, arn, false, &res, d);
	if (err)
		return err;
	const char *s = json_string_value(json_object_get(json_object_get(res, "taskDefinition"), "status"));
	*status = xstrdup(s ? s : "?");
	json_decref(res);
	return 0;
}

/* Whether a status means the revision is gone for berth's purposes.
 * DELETE_IN_PROGRESS is: ECS documents that it "periodically verifies that
 * the target task definition is not being referenced by any active tasks
 * or deployments, and then deletes the task definition permanently"; it
 * costs nothing, cannot be used again, and only tasks that are themselves
 * being stopped hold it back. INACTIVE is not: ECS keeps a deregistered
 * revision, with its tags, indefinitely. */
static bool status_gone(const char *status)
{
	return !strcmp(status, "DELETE_IN_PROGRESS");
}

/* Deregistering, then DeleteTaskDefinitions (which takes only INACTIVE
 * revisions). Without the delete, every revision would stay INACTIVE with
 * its tags for ever. Services still running a revision keep running it in
 * either status. The delete answers refusals as `failures`, not as an
 * error: a refused revision is checked again, and is gone only if it is. */
static int remove_taskdef(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	json_t *params = json_pack("{s:s}", "taskDefinition", cur->id);
	int err = rt_call_expect(c, "ecs", "DeregisterTaskDefinition", params, NULL, client_error,
				 NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return 0;
	if (err)
		return err;
	json_t *res = NULL;
	params = json_pack("{s:[s]}", "taskDefinitions", cur->id);
	err = rt_call(c, "ecs", "DeleteTaskDefinitions", params, &res, d);
	json_decref(params);
	if (err)
		return err;
	json_t *failure = json_array_get(json_object_get(res, "failures"), 0);
	if (failure) {
		char *status = NULL;
		struct diags sd = DIAGS_INIT;
		int serr = taskdef_status(c, cur->id, &status, &sd);
		if (serr == BERTH_ENOTFOUND || (!serr && status_gone(status))) {
			err = 0;
		} else {
			const char *reason = json_string_value(json_object_get(failure, "reason"));
			const char *detail = json_string_value(json_object_get(failure, "detail"));
			struct diag *dg = diags_add(d, DIAG_ERROR, "ECS did not delete task definition %s: %s",
						    cur->id, reason ? reason : "no reason given");
			if (detail)
				diag_set_detail(dg, "%s", detail);
			err = BERTH_EAWS;
		}
		diags_release(&sd);
		free(status);
	}
	json_decref(res);
	return err;
}

/* A tagged revision that read_all skipped (it reads ACTIVE ones only): an
 * INACTIVE one is deleted now (a revision an earlier berth only
 * deregistered, or one deregistered by hand), and is left if that fails. */
static int sweep_leftover(const struct rt_ctx *c, const char *arn, char **left, struct diags *d)
{
	char *status = NULL;
	int err = taskdef_status(c, arn, &status, d);
	if (err == BERTH_ENOTFOUND)
		return 0;
	if (err)
		return err;
	if (status_gone(status)) {
		free(status);
		return 0;
	}
	struct live_resource cur = { .type = rtype_ecs_taskdefinition.type_name, .id = (char *)arn };
	struct diags rd = DIAGS_INIT;
	err = remove_taskdef(c, &cur, &rd);
	if (err) {
		*left = xasprintf("%s, not deleted: %s", status,
				  rd.n ? rd.items[rd.n - 1].summary : berth_strerror(err));
		err = 1;
	}
	diags_release(&rd);
	free(status);
	return err;
}

const struct rtype rtype_ecs_taskdefinition = {
	.type_name = "AWS::ECS::TaskDefinition",
	.tag_filter = "ecs:task-definition",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.create = create,
	.set_tags = tu_ecs_set_tags,
	.remove = remove_taskdef,
	.sweep_leftover = sweep_leftover,
	.check = check_fargate,
	.create_before_destroy = true,
	.side_effects = side_effects,
	.side_effects_since = side_effects_since,
};
