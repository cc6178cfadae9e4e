/* AWS::IAM::ServiceLinkedRole: "make sure the account has it".
 *
 * A service-linked role belongs to the account and the AWS service, not to
 * a stack: it cannot be tagged, other stacks and the service itself (ECS
 * creates AWSServiceRoleForECS with the first cluster) rely on it, and it
 * is kept on destroy by default (the spec layer sets retain). So the type
 * lists the account's service-linked roles (ListRoles under the
 * /aws-service-role/ path, one paged call) and matches them to the spec by
 * AWSServiceName (and CustomSuffix); the others are not the stack's
 * (unowned_listing). Creating one that exists ("has been taken") is
 * success. Deleting, when the spec says retain: false, starts IAM's
 * asynchronous deletion and waits for its status. */
#include "util/common.h"
#include "resources/resource.h"

#include "resources/typeutil.h"

#define DELETION_TIMEOUT_MS (10L * 60 * 1000)

static const char *const identity[] = { "AWSServiceName", "CustomSuffix", NULL };
static const char *const no_such[] = { "NoSuchEntity", NULL };

/* From the path /aws-service-role/SERVICE/ and the name
 * AWSServiceRoleForX[_SUFFIX]. */
static void fill_slr(struct live_resource *r, json_t *role)
{
	if (!r->props)
		r->props = json_object();
	json_t *p = r->props;
	const char *name = json_string_value(json_object_get(role, "RoleName"));
	const char *path = json_string_value(json_object_get(role, "Path"));
	const char *arn = json_string_value(json_object_get(role, "Arn"));
	tu_copy(p, "RoleName", role, "RoleName");
	tu_copy(p, "Description", role, "Description");
	if (path && !strncmp(path, "/aws-service-role/", 18)) {
		const char *svc = path + 18;
		const char *end = strchr(svc, '/');
		json_object_set_new(p, "AWSServiceName",
				    json_stringn(svc, end ? (size_t)(end - svc) : strlen(svc)));
	}
	const char *us = name ? strchr(name, '_') : NULL;
	if (us && us[1])
		json_object_set_new(p, "CustomSuffix", json_string(us + 1));
	free(r->id);
	r->id = xstrdup(name ? name : "");
	free(r->arn);
	r->arn = arn ? xstrdup(arn) : NULL;
	/* Kept on destroy unless the spec says otherwise (the plan compares
	 * this with the spec's retain). */
	r->retain = true;
	r->detailed = true;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	json_t *roles = NULL, *params = json_pack("{s:s}", "PathPrefix", "/aws-service-role/");
	int err = rt_call_all(c, "iam", "ListRoles", params, "Roles", &roles, d);
	json_decref(params);
	if (err)
		return err;
	size_t i;
	json_t *role;
	json_array_foreach(roles, i, role)
		fill_slr(live_set_add(out, rtype_iam_servicelinkedrole.type_name), role);
	json_decref(roles);
	(void)parents;
	return 0;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:s}", "RoleName", id);
	int err = rt_call_expect(c, "iam", "GetRole", params, &res, no_such, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->type = rtype_iam_servicelinkedrole.type_name;
	fill_slr(out, json_object_get(res, "Role"));
	json_decref(res);
	return 0;
}

/* The role's name for a service: IAM's rule is AWSServiceRoleFor + the
 * service's own short name, which only IAM knows; so the existing role is
 * looked up by path instead. */
static int find_for_service(const struct rt_ctx *c, const char *service, const char *suffix,
			    char **name_out, struct diags *d)
{
	char *prefix = xasprintf("/aws-service-role/%s/", service);
	json_t *roles = NULL, *params = json_pack("{s:s}", "PathPrefix", prefix);
	free(prefix);
	int err = rt_call_all(c, "iam", "ListRoles", params, "Roles", &roles, d);
	json_decref(params);
	if (err)
		return err;
	size_t i;
	json_t *role;
	json_array_foreach(roles, i, role) {
		const char *name = json_string_value(json_object_get(role, "RoleName"));
		const char *us = name ? strchr(name, '_') : NULL;
		bool match = suffix ? us && !strcmp(us + 1, suffix) : !us;
		if (name && match) {
			*name_out = xstrdup(name);
			break;
		}
	}
	json_decref(roles);
	return 0;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	char t1[64], t2[64], t3[64];
	const char *service = rt_str(props, "AWSServiceName", t1);
	const char *suffix = rt_str(props, "CustomSuffix", t2);
	const char *desc = rt_str(props, "Description", t3);
	if (!service) {
		diags_add(d, DIAG_ERROR, "AWS::IAM::ServiceLinkedRole: AWSServiceName is required");
		return BERTH_EINVAL;
	}
	json_t *params = json_pack("{s:s}", "AWSServiceName", service), *res = NULL;
	if (suffix)
		json_object_set_new(params, "CustomSuffix", json_string(suffix));
	if (desc)
		json_object_set_new(params, "Description", json_string(desc));
	/* The role exists already (another stack, or the service made it):
	 * IAM says InvalidInput "...has been taken". That is what we want. */
	static const char *const taken[] = { "InvalidInput", "EntityAlreadyExists", NULL };
	char code[64] = "";
	int err = rt_call_expect(c, "iam", "CreateServiceLinkedRole", params, &res, taken, code, d);
	json_decref(params);
	if (err < 0)
		return err;
	if (err == 0) {
		const char *name = json_string_value(json_object_get(json_object_get(res, "Role"),
								     "RoleName"));
		if (name)
			*id_out = xstrdup(name);
		json_decref(res);
		if (name)
			return 0;
	}
	char *name = NULL;
	if ((err = find_for_service(c, service, suffix, &name, d)))
		return err;
	if (!name) {
		diags_add(d, DIAG_ERROR, "IAM refused to create the service-linked role for %s (%s)",
			  service, code);
		return BERTH_EAWS;
	}
	*id_out = name;
	(void)address;
	(void)tags;
	return 0;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	char tmp[64];
	for (size_t i = 0; i < nchanged; i++) {
		if (strcmp(changed[i], "Description")) {
			diags_add(d, DIAG_ERROR,
				  "AWS::IAM::ServiceLinkedRole: berth cannot change %s in place", changed[i]);
			return BERTH_EINVAL;
		}
	}
	const char *desc = rt_str(desired, "Description", tmp);
	json_t *params = json_pack("{s:s, s:s}", "RoleName", cur->id, "Description", desc ? desc : "");
	int err = rt_call(c, "iam", "UpdateRoleDescription", params, NULL, d);
	json_decref(params);
	return err;
}

/* Service-linked roles carry no berth tags: forgetting one is nothing. */
static int set_tags(const struct rt_ctx *c, const struct live_resource *cur, json_t *add,
		    json_t *remove_keys, struct diags *d)
{
	(void)c;
	(void)cur;
	(void)add;
	(void)remove_keys;
	(void)d;
	return 0;
}

struct deletion_ctx {
	const struct rt_ctx *c;
	const char *task;
};

static int deletion_probe(void *ctx, struct diags *d)
{
	struct deletion_ctx *dc = ctx;
	json_t *res = NULL, *params = json_pack("{s:s}", "DeletionTaskId", dc->task);
	int err = rt_call(dc->c, "iam", "GetServiceLinkedRoleDeletionStatus", params, &res, d);
	json_decref(params);
	if (err)
		return err;
	const char *st = json_string_value(json_object_get(res, "Status"));
	int r = 1;
	if (st && !strcmp(st, "SUCCEEDED"))
		r = 0;
	else if (st && !strcmp(st, "FAILED")) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "IAM could not delete the service-linked role");
		json_t *reason = json_object_get(res, "Reason");
		const char *why = json_string_value(json_object_get(reason, "Reason"));
		diag_set_detail(dg, "%s", why ? why : "the service still uses it");
		r = BERTH_EAWS;
	}
	json_decref(res);
	return r;
}

static int remove_slr(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:s}", "RoleName", cur->id);
	int err = rt_call_expect(c, "iam", "DeleteServiceLinkedRole", params, &res, no_such, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return 0;
	if (err)
		return err;
	const char *task = json_string_value(json_object_get(res, "DeletionTaskId"));
	struct deletion_ctx dc = { c, task };
	err = task ? rt_poll(c, "IAM to delete the service-linked role", DELETION_TIMEOUT_MS, 10000,
			     deletion_probe, &dc, d)
		   : 0;
	json_decref(res);
	return err;
}

const struct rtype rtype_iam_servicelinkedrole = {
	.type_name = "AWS::IAM::ServiceLinkedRole",
	.identity = identity,
	.read_all = read_all,
	.read_one = read_one,
	.create = create,
	.update = update,
	.set_tags = set_tags,
	.remove = remove_slr,
	.unowned_listing = true,
};
