/* AWS::Grafana::Workspace over the Amazon Managed Grafana API.
 *
 * Refresh: the tagging API lists the stack's workspaces (ARN and tags); one
 * DescribeWorkspace each then gives their settings, since ListWorkspaces
 * leaves out the access and permission types, data sources and role a plan
 * must compare (a stack has one or two workspaces). The workspace id
 * ("g-...") is the physical id. Settings UpdateWorkspace takes change in
 * place, each change waiting for ACTIVE; the authentication providers and
 * the Grafana version have their own APIs, which berth does not drive yet.
 * Deleting a workspace deletes its data sources, dashboards and API keys. */
#include "util/common.h"
#include "resources/generic.h"
#include "resources/typeutil.h"
#include "resources/propagation.h"

#include "schema/needs.h"

#define NAME_MAX_LEN 255

/* What a description (generic.h) says of it: the get, the ready status
 * and its wait, the delete (ConflictException while CREATING or UPDATING
 * is retried by the engine). The property map below is its own: empty
 * strings and lists read as absent, lists always sent. */
/* Amazon Managed Grafana gives no reason for a failed status
 * (degradedWorkspaceReason is for DEGRADED only); the role it must assume
 * is the usual cause, so it is named. */
static void failed_detail(struct diag *dg, const char *status, json_t *ws)
{
	if (!strstr(status, "FAILED"))
		return;
	const char *role = json_string_value(json_object_get(ws, "workspaceRoleArn"));
	diag_set_detail(dg, "AWS gives no reason for this status%s%s%s",
			role ? "; the workspace's role is " : "", role ? role : "",
			role ? ", which must exist and trust grafana.amazonaws.com" : "");
}

static const struct rtype_api api = {
	.type_name = "AWS::Grafana::Workspace", .service = "grafana", .kind = "workspace",
	.what = "Grafana workspace",
	.get_op = "DescribeWorkspace", .get_id = "workspaceId", .get_item = "workspace",
	.gone = (const char *const[]){ "ResourceNotFoundException", NULL },
	.status = "status", .ready = "ACTIVE",
	.failed = (const char *const[]){ "FAILED", "CREATION_FAILED", "UPDATE_FAILED",
					 "UPGRADE_FAILED", "DELETION_FAILED",
					 "LICENSE_REMOVAL_FAILED", "VERSION_UPDATE_FAILED",
					 "DELETING", NULL },
	/* No botocore waiter for Grafana; its CREATING lasts minutes: look at
	 * most every 15 s, as AWS's waiters do for other slow kinds. */
	.wait_ms = 30L * 60 * 1000, .wait_interval_ms = 15000, .waiting = "workspace ACTIVE",
	.delete_op = "DeleteWorkspace", .delete_id = "workspaceId",
	.failed_detail = failed_detail,
};

/* CloudFormation property <-> DescribeWorkspace member <-> Create/Update
 * member. `list`: an array of strings; `in_update`: UpdateWorkspace takes it. */
static const struct {
	const char *prop, *describe, *param;
	bool list, in_update;
} fields[] = {
	{ "AccountAccessType", "accountAccessType", "accountAccessType", false, true },
	{ "DataSources", "dataSources", "workspaceDataSources", true, true },
	{ "Description", "description", "workspaceDescription", false, true },
	{ "GrafanaVersion", "grafanaVersion", "grafanaVersion", false, false },
	{ "Name", "name", "workspaceName", false, true },
	{ "NotificationDestinations", "notificationDestinations", "workspaceNotificationDestinations", true, true },
	{ "OrganizationRoleName", "organizationRoleName", "organizationRoleName", false, true },
	{ "OrganizationalUnits", "organizationalUnits", "workspaceOrganizationalUnits", true, true },
	{ "PermissionType", "permissionType", "permissionType", false, true },
	{ "RoleArn", "workspaceRoleArn", "workspaceRoleArn", false, true },
	{ "StackSetName", "stackSetName", "stackSetName", false, true },
};

/* "arn:aws:grafana:REGION:ACCOUNT:/workspaces/g-..." */
static int owns_arn(const char *arn)
{
	const char *p = strstr(arn, ":grafana:");
	return p && strstr(p, ":/workspaces/") != NULL;
}

static const char *id_from_arn(const char *arn)
{
	const char *p = strstr(arn, ":/workspaces/");
	return p ? p + strlen(":/workspaces/") : arn;
}

static void fill(struct live_resource *r, json_t *ws, const char *arn)
{
	if (!r->props)
		r->props = json_object();
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		json_t *v = json_object_get(ws, fields[i].describe);
		json_object_del(r->props, fields[i].prop);
		if (v && (fields[i].list ? json_array_size(v) > 0 : json_is_string(v) && *json_string_value(v)))
			json_object_set(r->props, fields[i].prop, v);
	}
	json_t *auth = json_object_get(ws, "authentication");
	json_t *providers = json_object_get(auth, "providers");
	if (json_is_array(providers))
		json_object_set(r->props, "AuthenticationProviders", providers);
	json_t *saml = json_object_get(auth, "samlConfigurationStatus");
	if (json_is_string(saml))
		json_object_set(r->props, "SamlConfigurationStatus", saml);
	static const char *const attrs[][2] = { { "Id", "id" }, { "Endpoint", "endpoint" },
						{ "Status", "status" } };
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		json_t *v = json_object_get(ws, attrs[i][1]);
		if (json_is_string(v))
			json_object_set(r->props, attrs[i][0], v);
	}
	const char *id = json_string_value(json_object_get(ws, "id"));
	if (id && !r->id)
		r->id = xstrdup(id);
	if (arn && !r->arn)
		r->arn = xstrdup(arn);
	/* A workspace that never came up takes no UpdateWorkspace (it needs
	 * ACTIVE) and never will: the plan replaces it rather than leave the
	 * user to delete it by hand. */
	const char *st = json_string_value(json_object_get(ws, "status"));
	free(r->replace_reason);
	r->replace_reason = st && (!strcmp(st, "CREATION_FAILED") || !strcmp(st, "FAILED"))
				    ? xasprintf("the workspace is %s and cannot be updated, only "
						"deleted and created again", st)
				    : NULL;
}

/* A workspace the tagging API listed, with the listed tags; one deleted
 * since the listing, or being deleted, is skipped. */
static int read_listed(const struct rt_ctx *c, const char *arn, json_t *tags,
		       struct live_resource *out, struct diags *d)
{
	json_t *ws = NULL;
	int err = rtg_get(&api, c, id_from_arn(arn), &ws, d);
	if (err)
		return err;
	const char *st = json_string_value(json_object_get(ws, "status"));
	if (st && !strcmp(st, "DELETING")) {
		json_decref(ws);
		return BERTH_ENOTFOUND;
	}
	tu_live_init(out, &rtype_grafana_workspace, false);
	fill(out, ws, arn);
	rt_apply_tags(out, rt_tags_to_map(tags));
	json_decref(ws);
	return 0;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	return tu_read_tagged_each(c, &rtype_grafana_workspace, read_listed, out, d);
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *ws = NULL;
	int err = rtg_get(&api, c, id, &ws, d);
	if (err)
		return err;
	tu_live_init(out, &rtype_grafana_workspace, true);
	fill(out, ws, NULL);
	/* DescribeWorkspace gives no ARN: read_all's tagging listing does, and
	 * tag changes work on instances read by refresh. */
	rt_apply_tags(out, rt_tags_to_map(json_object_get(ws, "tags")));
	json_decref(ws);
	return 0;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	tu_default_name(desired, "Name", stack, address, NAME_MAX_LEN);
}

static int wait_ready(const struct rt_ctx *c, const char *id, struct diags *d)
{
	return rtg_wait_ready(&api, c, id, d);
}

static void put_field(json_t *params, size_t i, json_t *props)
{
	json_t *v = json_object_get(props, fields[i].prop);
	if (fields[i].list) {
		json_object_set_new(params, fields[i].param,
				    json_is_array(v) ? json_deep_copy(v) : json_array());
	} else if (v && !json_is_null(v)) {
		char tmp[64];
		const char *s = rt_str(props, fields[i].prop, tmp);
		if (s)
			json_object_set_new(params, fields[i].param, json_string(s));
	}
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	char *found = NULL;
	int err = schema_needs_diags("AWS::Grafana::Workspace", props, d);
	if (err)
		return err;
	/* CreateWorkspace's client token would hand back a deleted workspace
	 * after a replacement; the stack and address tags identify ours. */
	if ((err = rt_find_tagged(c, "grafana", address, &found, d)))
		return err;
	if (found && owns_arn(found)) {
		json_t *ws = NULL;
		err = rtg_get(&api, c, id_from_arn(found), &ws, d);
		const char *st = err ? NULL : json_string_value(json_object_get(ws, "status"));
		bool usable = !err && !(st && !strcmp(st, "DELETING"));
		if (usable)
			*id_out = xstrdup(id_from_arn(found));
		json_decref(ws);
		free(found);
		if (err < 0 && err != BERTH_ENOTFOUND)
			return err;
		if (usable)
			return 0;
	} else {
		free(found);
	}
	json_t *params = json_pack("{s:O}", "tags", tags), *res = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (json_object_get(props, fields[i].prop))
			put_field(params, i, props);
	json_t *providers = json_object_get(props, "AuthenticationProviders");
	json_object_set_new(params, "authenticationProviders",
			    json_is_array(providers) ? json_deep_copy(providers) : json_array());
	char tmp[64];
	const char *token = rt_str(props, "ClientToken", tmp);
	if (token)
		json_object_set_new(params, "clientToken", json_string(token));
	err = rt_call_propagated(c, "grafana", "CreateWorkspace", params, &res, d);
	json_decref(params);
	if (err)
		return err;
	const char *id = json_string_value(json_object_get(json_object_get(res, "workspace"), "id"));
	if (!id) {
		json_decref(res);
		diags_add(d, DIAG_ERROR, "CreateWorkspace answered without the workspace's id");
		return BERTH_EAWS;
	}
	*id_out = xstrdup(id);
	json_decref(res);
	return 0;
}

/* What update changes in place: the fields UpdateWorkspace takes. */
static bool updates(const char *prop)
{
	for (size_t j = 0; j < ARRAY_SIZE(fields); j++)
		if (!strcmp(fields[j].prop, prop))
			return fields[j].in_update;
	return false;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	int err = 0;
	json_t *params = json_pack("{s:s}", "workspaceId", cur->id);
	for (size_t k = 0; k < nchanged; k++) {
		size_t i = ARRAY_SIZE(fields);
		for (size_t j = 0; j < ARRAY_SIZE(fields); j++)
			if (!strcmp(fields[j].prop, changed[k]))
				i = j;
		if (i == ARRAY_SIZE(fields) || !fields[i].in_update) {
			diags_add(d, DIAG_ERROR,
				  "AWS::Grafana::Workspace: berth cannot change %s in place yet", changed[k]);
			err = BERTH_EINVAL;
			goto cleanup;
		}
		json_t *v = json_object_get(desired, fields[i].prop);
		if (!fields[i].list && (!v || json_is_null(v))) {
			diags_add(d, DIAG_ERROR,
				  "AWS::Grafana::Workspace: UpdateWorkspace cannot remove %s; give it a value",
				  changed[k]);
			err = BERTH_EINVAL;
			goto cleanup;
		}
		put_field(params, i, desired);
	}
	/* UpdateWorkspace needs ACTIVE, and leaves it UPDATING. */
	if ((err = wait_ready(c, cur->id, d)))
		goto cleanup;
	if ((err = rt_call_propagated(c, "grafana", "UpdateWorkspace", params, NULL, d)))
		goto cleanup;
	err = wait_ready(c, cur->id, d);
cleanup:
	json_decref(params);
	return err;
}

static int remove_workspace(const struct rt_ctx *c, const struct live_resource *cur,
			    struct diags *d)
{
	return rtg_remove(&api, c, cur, d);
}

/* Settings that go together (schema/needs.c, which validate checks), again
 * on the values plan knows: CreateWorkspace would refuse them. */
static int check(json_t *desired, struct diags *d)
{
	return schema_needs_diags("AWS::Grafana::Workspace", desired, d);
}

const struct rtype rtype_grafana_workspace = {
	.type_name = "AWS::Grafana::Workspace",
	.tag_filter = "grafana",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.create = create,
	.update = update,
	.updates = updates,
	.remove = remove_workspace,
	.wait_ready = wait_ready,
	.check = check,
};
