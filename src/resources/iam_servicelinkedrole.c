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
 * asynchronous deletion and waits for its status (rtg_iam_slr_deletion).
 * Reading one, the description, the deletion and the change of
 * Description are a description's (generic.h). */
#include "util/common.h"
#include "resources/resource.h"

#include "resources/generic.h"

static const char *const identity[] = { "AWSServiceName", "CustomSuffix", NULL };

/* From the path /aws-service-role/SERVICE/ and the name
 * AWSServiceRoleForX[_SUFFIX]. */
static void fill_more(struct live_resource *r, json_t *role)
{
	const char *name = json_string_value(json_object_get(role, "RoleName"));
	const char *path = json_string_value(json_object_get(role, "Path"));
	if (path && !strncmp(path, "/aws-service-role/", 18)) {
		const char *svc = path + 18;
		const char *end = strchr(svc, '/');
		json_object_set_new(r->props, "AWSServiceName",
				    json_stringn(svc, end ? (size_t)(end - svc) : strlen(svc)));
	}
	const char *us = name ? strchr(name, '_') : NULL;
	if (us && us[1])
		json_object_set_new(r->props, "CustomSuffix", json_string(us + 1));
	/* Kept on destroy unless the spec says otherwise (the plan compares
	 * this with the spec's retain). */
	r->retain = true;
	r->detailed = true;
}

static const struct rtype_api api = {
	.type_name = "AWS::IAM::ServiceLinkedRole", .service = "iam", .style = RTA_SERVICE,
	.kind = "role", .what = "service-linked role",
	.get_op = "GetRole", .get_id = "RoleName", .get_item = "Role",
	.item_id = "RoleName", .item_arn = "Arn",
	.gone = (const char *const[]){ "NoSuchEntity", NULL },
	.delete_op = "DeleteServiceLinkedRole", .delete_id = "RoleName",
	.operation = &rtg_iam_slr_deletion,
	.props = (const struct rta_prop[]){
		{ "AWSServiceName", "AWSServiceName", RTA_CREATE, NULL, NULL },
		{ "CustomSuffix", "CustomSuffix", RTA_CREATE, NULL, NULL },
		{ "Description", "Description", RTA_CREATE | RTA_READ, "UpdateRoleDescription",
		  "\"\"" },
		{ "RoleName", "RoleName", RTA_READ, NULL, NULL },
		{ 0 } },
	.fill_more = fill_more,
};

/* The account's service-linked roles under `prefix` (*roles, a new array). */
static int list_roles(const struct rt_ctx *c, const char *prefix, json_t **roles,
		      struct diags *d)
{
	json_t *params = json_pack("{s:s}", "PathPrefix", prefix);
	int err = rt_call_all(c, "iam", "ListRoles", params, "Roles", roles, d);
	json_decref(params);
	return err;
}

/* Not the stack's: no tags, no address. */
static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	json_t *roles = NULL;
	int err = list_roles(c, "/aws-service-role/", &roles, d);
	size_t i;
	json_t *role;
	json_array_foreach(err ? NULL : roles, i, role)
		rtg_fill(&api, NULL, live_set_add(out, api.type_name), role, NULL);
	json_decref(roles);
	(void)parents;
	return err;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *role = NULL;
	int err = rtg_get(&api, c, id, &role, d);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	rtg_fill(&api, NULL, out, role, NULL);
	json_decref(role);
	return 0;
}

/* The role's name for a service: IAM's rule is AWSServiceRoleFor + the
 * service's own short name, which only IAM knows; so the existing role is
 * looked up by path instead. */
static int find_for_service(const struct rt_ctx *c, const char *service, const char *suffix,
			    char **name_out, struct diags *d)
{
	char *prefix = xasprintf("/aws-service-role/%s/", service);
	json_t *roles = NULL;
	int err = list_roles(c, prefix, &roles, d);
	free(prefix);
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
	char t1[64], t2[64];
	const char *service = rt_str(props, "AWSServiceName", t1);
	const char *suffix = rt_str(props, "CustomSuffix", t2);
	if (!service) {
		diags_add(d, DIAG_ERROR, "AWS::IAM::ServiceLinkedRole: AWSServiceName is required");
		return BERTH_EINVAL;
	}
	json_t *params = rtg_create_params(&api, props), *res = NULL;
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

/* What update (rta_update) changes in place: the description says. */
static bool iam_servicelinkedrole_updates(const char *prop)
{
	return rta_updates(&api, prop);
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	return rta_update(&api, c, cur, desired, changed, nchanged, d);
}

static int remove_slr(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	return rtg_remove(&api, c, cur, d);
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

const struct rtype rtype_iam_servicelinkedrole = {
	.type_name = "AWS::IAM::ServiceLinkedRole",
	.identity = identity,
	.read_all = read_all,
	.read_one = read_one,
	.create = create,
	.update = update,
	.updates = iam_servicelinkedrole_updates,
	.set_tags = set_tags,
	.remove = remove_slr,
	.unowned_listing = true,
};
