/* Berth::Grafana::Permissions: which IAM Identity Center users and groups
 * hold the Admin, Editor and Viewer roles in an Amazon Managed Grafana
 * workspace (UpdatePermissions / ListPermissions).
 *
 * One instance per workspace, which cannot be tagged: it is found through
 * the stack's workspaces (one paginated ListPermissions each) and its
 * physical id is the workspace's. Where the spec declares permissions berth
 * owns the workspace's whole list (a user or group not listed loses its
 * role); where it declares none the type is not even read
 * (refresh_when_used), so roles given in the console are left alone. A
 * workspace without AWS_SSO authentication has no permissions to read. */
#include "util/common.h"
#include "resources/grafana_child.h"
#include "resources/typeutil.h"

static const char *const identity[] = { "WorkspaceId", NULL };
static const char *const not_found[] = { "ResourceNotFoundException", NULL };

static const struct {
	const char *prop, *role;
} roles[] = {
	{ "Admins", "ADMIN" },
	{ "Editors", "EDITOR" },
	{ "Viewers", "VIEWER" },
};

/* ListPermissions for workspace ws: 0 and *out = {"TYPE ID": {role, type,
 * id}}, RT_EXPECTED when the workspace does not exist. */
static int list_current(const struct rt_ctx *c, const char *ws, json_t **out, struct diags *d)
{
	json_t *params = json_pack("{s:s}", "workspaceId", ws), *items = NULL;
	int err = rt_call_all_expect(c, "grafana", "ListPermissions", params, "permissions",
				     not_found, &items, d);
	json_decref(params);
	if (err)
		return err;
	json_t *cur = json_object();
	size_t i;
	json_t *p;
	json_array_foreach(items, i, p) {
		json_t *user = json_object_get(p, "user");
		const char *type = json_string_value(json_object_get(user, "type"));
		const char *id = json_string_value(json_object_get(user, "id"));
		const char *role = json_string_value(json_object_get(p, "role"));
		if (!type || !id || !role)
			continue;
		char key[512];
		snprintf(key, sizeof(key), "%s %s", type, id);
		json_object_set_new(cur, key, json_pack("{s:s, s:s, s:s}", "role", role, "type", type,
							"id", id));
	}
	json_decref(items);
	*out = cur;
	return 0;
}

/* The CloudFormation form of a ListPermissions view: {Admins: [{Id, Type}]...},
 * empty roles left out. */
static json_t *props_from(const char *ws, json_t *cur)
{
	json_t *props = json_pack("{s:s}", "WorkspaceId", ws);
	for (size_t r = 0; r < ARRAY_SIZE(roles); r++) {
		json_t *list = json_array();
		const char *key;
		json_t *v;
		json_object_foreach(cur, key, v)
			if (!strcmp(json_string_value(json_object_get(v, "role")), roles[r].role))
				json_array_append_new(list, json_pack("{s:O, s:O}", "Id", json_object_get(v, "id"),
								      "Type", json_object_get(v, "type")));
		if (json_array_size(list))
			json_object_set_new(props, roles[r].prop, list);
		else
			json_decref(list);
	}
	return props;
}

static bool sso_enabled(const struct live_resource *ws)
{
	json_t *providers = json_object_get(ws->props, "AuthenticationProviders");
	size_t i;
	json_t *p;
	json_array_foreach(providers, i, p)
		if (json_is_string(p) && !strcmp(json_string_value(p), "AWS_SSO"))
			return true;
	return false;
}

/* The instance of workspace ws whose roles are cur (list_current's). */
static void fill(struct live_resource *r, const char *ws, json_t *cur)
{
	r->id = xstrdup(ws);
	r->parent_id = xstrdup(ws);
	r->props = props_from(ws, cur);
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	for (size_t i = 0; i < parents->n; i++) {
		const struct live_resource *ws = &parents->v[i];
		const char *st = json_string_value(json_object_get(ws->props, "Status"));
		if (!ws->id || !sso_enabled(ws) || (st && strcmp(st, "ACTIVE") && strcmp(st, "UPDATING")))
			continue;
		json_t *cur = NULL;
		int err = list_current(c, ws->id, &cur, d);
		if (err == RT_EXPECTED)
			continue;
		if (err)
			return err;
		/* No roles at all: nothing berth made (it never leaves an empty
		 * list; see create). */
		if (json_object_size(cur))
			fill(live_set_add(out, rtype_grafana_permissions.type_name), ws->id, cur);
		json_decref(cur);
	}
	return 0;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *cur = NULL;
	int err = list_current(c, id, &cur, d);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	tu_live_init(out, &rtype_grafana_permissions, true);
	fill(out, id, cur);
	json_decref(cur);
	return 0;
}

/* One UpdatePermissions instruction: `action` for the user or group of v
 * ({role, type, id}). */
static json_t *instruction(const char *action, json_t *v)
{
	return json_pack("{s:s, s:O, s:[{s:O, s:O}]}", "action", action, "role",
			 json_object_get(v, "role"), "users", "id", json_object_get(v, "id"), "type",
			 json_object_get(v, "type"));
}

/* Makes the workspace's roles those of `desired` (NULL: none) in one
 * UpdatePermissions call: ADD for users whose role differs (ADD replaces a
 * user's role), REVOKE for those berth no longer lists. */
static int apply_roles(const struct rt_ctx *c, const char *ws, json_t *desired, struct diags *d)
{
	json_t *cur = NULL, *want = json_object(), *batch = json_array(), *res = NULL;
	int err = list_current(c, ws, &cur, d);
	if (err == RT_EXPECTED) {
		/* Removing the roles of a workspace that is gone is done. */
		err = desired ? BERTH_ENOTFOUND : 0;
		if (desired)
			diags_add(d, DIAG_ERROR, "Grafana workspace %s does not exist", ws);
		goto cleanup;
	}
	if (err)
		goto cleanup;
	for (size_t r = 0; desired && r < ARRAY_SIZE(roles); r++) {
		size_t i;
		json_t *g;
		json_array_foreach(json_object_get(desired, roles[r].prop), i, g) {
			char t1[64], t2[64];
			const char *id = rt_str(g, "Id", t1), *type = rt_str(g, "Type", t2);
			if (!id || !type)
				continue;
			char key[512];
			snprintf(key, sizeof(key), "%s %s", type, id);
			if (json_object_get(want, key)) {
				diags_add(d, DIAG_ERROR, "%s %s is listed twice; a user or group has one role",
					  type, id);
				err = BERTH_EINVAL;
				goto cleanup;
			}
			json_object_set_new(want, key, json_pack("{s:s, s:s, s:s}", "role", roles[r].role,
								 "type", type, "id", id));
		}
	}
	const char *key;
	json_t *v;
	json_object_foreach(want, key, v) {
		json_t *have = json_object_get(cur, key);
		if (!have || !json_equal(json_object_get(have, "role"), json_object_get(v, "role")))
			json_array_append_new(batch, instruction("ADD", v));
	}
	json_object_foreach(cur, key, v)
		if (!json_object_get(want, key))
			json_array_append_new(batch, instruction("REVOKE", v));
	if (!json_array_size(batch))
		goto cleanup;
	json_t *params = json_pack("{s:s, s:O}", "workspaceId", ws, "updateInstructionBatch", batch);
	err = rt_call(c, "grafana", "UpdatePermissions", params, &res, d);
	json_decref(params);
	if (err)
		goto cleanup;
	/* Per-instruction failures come back in a 200 answer. */
	json_t *errors = json_object_get(res, "errors");
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e) {
		const char *msg = json_string_value(json_object_get(e, "message"));
		diags_add(d, DIAG_ERROR, "UpdatePermissions on %s: %s", ws, msg ? msg : "failed");
		err = BERTH_EAWS;
	}
cleanup:
	json_decref(cur);
	json_decref(want);
	json_decref(batch);
	json_decref(res);
	return err;
}

static bool any_role(json_t *props)
{
	for (size_t r = 0; r < ARRAY_SIZE(roles); r++)
		if (json_array_size(json_object_get(props, roles[r].prop)))
			return true;
	return false;
}

/* At plan time: at least one role (see create). */
static int check(json_t *desired, struct diags *d)
{
	for (size_t r = 0; r < ARRAY_SIZE(roles); r++)
		if (json_object_get(desired, roles[r].prop))
			return 0; /* a list, possibly not known yet */
	diags_add(d, DIAG_ERROR,
		  "Berth::Grafana::Permissions: give at least one of Admins, Editors, Viewers");
	return BERTH_EINVAL;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	(void)address;
	(void)tags;
	char tmp[64];
	const char *ws = rt_str(props, "WorkspaceId", tmp);
	if (!ws) {
		diags_add(d, DIAG_ERROR, "Berth::Grafana::Permissions: WorkspaceId is not known");
		return BERTH_EINVAL;
	}
	/* An empty list cannot be found again (refresh sees no roles as no
	 * instance), so it would be created on every apply. */
	if (!any_role(props)) {
		diags_add(d, DIAG_ERROR,
			  "Berth::Grafana::Permissions: give at least one of Admins, Editors, Viewers");
		return BERTH_EINVAL;
	}
	int err = apply_roles(c, ws, props, d);
	if (err)
		return err;
	*id_out = xstrdup(ws);
	return 0;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	(void)changed;
	(void)nchanged;
	if (!any_role(desired)) {
		diags_add(d, DIAG_ERROR,
			  "Berth::Grafana::Permissions: give at least one of Admins, Editors, Viewers "
			  "(or remove the resource to revoke every role)");
		return BERTH_EINVAL;
	}
	return apply_roles(c, cur->id, desired, d);
}

static int remove_permissions(const struct rt_ctx *c, const struct live_resource *cur,
			      struct diags *d)
{
	/* A workspace gone first (destroy --stack, a crash) took its roles. */
	return apply_roles(c, cur->id, NULL, d);
}

const struct rtype rtype_grafana_permissions = {
	.type_name = "Berth::Grafana::Permissions",
	.parent_type = "AWS::Grafana::Workspace",
	.identity = identity,
	.refresh_when_used = true,
	.read_all = read_all,
	.read_one = read_one,
	.create = create,
	.update = update,
	.remove = remove_permissions,
	/* UpdatePermissions is synchronous and its answer reports each
	 * failure, so a successful removal needs no second reading. */
	.wait_gone = gchild_wait_gone,
	.check = check,
};
