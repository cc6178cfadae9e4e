/* AWS::APS::Workspace over the Amazon Managed Service for Prometheus API
 * (botocore "amp", signing name "aps").
 *
 * Refresh: the tagging API lists the stack's workspaces (ARN and tags, 100 a
 * page) and one paginated ListWorkspaces gives their alias and status; no
 * call per workspace. ListWorkspaces has no prometheusEndpoint, so refresh
 * derives it from the ARN as AMP documents it
 * (https://aps-workspaces.REGION.DOMAIN/workspaces/ID/); read_one, which
 * runs after every create and update, takes AMP's own value.
 *
 * The ARN is the physical id (the schema's primary identifier). Alias
 * changes in place (UpdateWorkspaceAlias, then the workspace is UPDATING
 * until ACTIVE again); KmsKeyArn is create-only. CreateWorkspace has a client
 * token, but AMP forgets it only after a while, so a replacement within that
 * time would get the deleted workspace back: the find-by-tag before create
 * makes retries idempotent instead.
 *
 * RemoteWriteUrl is berth's attribute (see tools/gen_schema.py): the URL a
 * collector writes samples to, PrometheusEndpoint + "api/v1/remote_write",
 * which the workshop templates into the ADOT collector's configuration. */
#include "util/common.h"
#include "resources/resource.h"

#include "util/buf.h"

#define WAIT_MS (20L * 60 * 1000)

static const char *const not_found[] = { "ResourceNotFoundException", NULL };

/* "arn:aws:aps:REGION:ACCOUNT:workspace/ws-..." */
static int owns_arn(const char *arn)
{
	const char *p = strstr(arn, ":aps:");
	return p && strstr(p, ":workspace/") != NULL;
}

static const char *id_from_arn(const char *arn)
{
	const char *p = strstr(arn, ":workspace/");
	return p ? p + strlen(":workspace/") : arn;
}

/* AMP's documented endpoint for a workspace, from its ARN's partition and
 * region. NULL when the ARN is not one. */
static char *endpoint_from_arn(const char *arn)
{
	char part[32] = "", region[32] = "";
	if (sscanf(arn, "arn:%31[^:]:aps:%31[^:]:", part, region) != 2)
		return NULL;
	const char *domain = !strcmp(part, "aws-cn") ? "amazonaws.com.cn" : "amazonaws.com";
	struct buf b = BUF_INIT;
	buf_addf(&b, "https://aps-workspaces.%s.%s/workspaces/%s/", region, domain, id_from_arn(arn));
	return buf_detach(&b, NULL);
}

static void set_endpoint(json_t *props, const char *endpoint)
{
	if (!endpoint || !*endpoint)
		return;
	json_object_set_new(props, "PrometheusEndpoint", json_string(endpoint));
	struct buf b = BUF_INIT;
	buf_adds(&b, endpoint);
	if (endpoint[strlen(endpoint) - 1] != '/')
		buf_addch(&b, '/');
	buf_adds(&b, "api/v1/remote_write");
	json_object_set_new(props, "RemoteWriteUrl", json_string(b.ptr));
	buf_release(&b);
}

static const char *status_of(json_t *ws)
{
	const char *s = json_string_value(json_object_get(json_object_get(ws, "status"), "statusCode"));
	return s ? s : "";
}

/* A ListWorkspaces summary or a DescribeWorkspace description, in
 * CloudFormation form. */
static void fill(struct live_resource *r, json_t *ws)
{
	if (!r->props)
		r->props = json_object();
	const char *arn = json_string_value(json_object_get(ws, "arn"));
	const char *id = json_string_value(json_object_get(ws, "workspaceId"));
	json_t *v;
	if ((v = json_object_get(ws, "alias")) && json_is_string(v))
		json_object_set(r->props, "Alias", v);
	if ((v = json_object_get(ws, "kmsKeyArn")) && json_is_string(v))
		json_object_set(r->props, "KmsKeyArn", v);
	if (arn)
		json_object_set_new(r->props, "Arn", json_string(arn));
	if (id)
		json_object_set_new(r->props, "WorkspaceId", json_string(id));
	const char *endpoint = json_string_value(json_object_get(ws, "prometheusEndpoint"));
	if (endpoint) {
		set_endpoint(r->props, endpoint);
	} else if (arn) {
		char *derived = endpoint_from_arn(arn);
		set_endpoint(r->props, derived);
		free(derived);
	}
	if (arn && !r->id) {
		r->id = xstrdup(arn);
		r->arn = xstrdup(arn);
	}
	/* A workspace whose creation failed takes no update and never becomes
	 * ACTIVE: the plan replaces it rather than leave the user to delete
	 * it by hand. */
	free(r->replace_reason);
	r->replace_reason = !strcmp(status_of(ws), "CREATION_FAILED")
				    ? xstrdup("the workspace is CREATION_FAILED and cannot be updated, "
					      "only deleted and created again")
				    : NULL;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	json_t *tagged = NULL, *all = NULL, *tags_by_arn = json_object();
	int err = rt_tagged_resources(c, "aps:workspace", &tagged, d);
	if (err)
		goto cleanup;
	size_t i;
	json_t *m;
	json_array_foreach(tagged, i, m) {
		const char *arn = json_string_value(json_object_get(m, "ResourceARN"));
		if (arn && owns_arn(arn))
			json_object_set_new(tags_by_arn, arn, rt_tags_to_map(json_object_get(m, "Tags")));
	}
	/* Nothing tagged: no listing either, so a stack without workspaces pays
	 * one call. */
	if (!json_object_size(tags_by_arn))
		goto cleanup;
	err = rt_call_all(c, "amp", "ListWorkspaces", NULL, "workspaces", &all, d);
	if (err)
		goto cleanup;
	json_array_foreach(all, i, m) {
		const char *arn = json_string_value(json_object_get(m, "arn"));
		json_t *tags = arn ? json_object_get(tags_by_arn, arn) : NULL;
		/* A DELETING workspace is on its way out: not live for the plan. */
		if (!tags || !strcmp(status_of(m), "DELETING"))
			continue;
		struct live_resource *r = live_set_add(out, rtype_aps_workspace.type_name);
		fill(r, m);
		rt_apply_tags(r, json_incref(tags));
	}
cleanup:
	json_decref(tagged);
	json_decref(all);
	json_decref(tags_by_arn);
	return err;
}

/* DescribeWorkspace: 0 and *out, RT_EXPECTED when there is no such workspace. */
static int describe(const struct rt_ctx *c, const char *arn, json_t **out, struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:s}", "workspaceId", id_from_arn(arn));
	int err = rt_call_expect(c, "amp", "DescribeWorkspace", params, &res, not_found, NULL, d);
	json_decref(params);
	if (err)
		return err;
	*out = json_incref(json_object_get(res, "workspace"));
	json_decref(res);
	return 0;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *ws = NULL;
	int err = describe(c, id, &ws, d);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->type = rtype_aps_workspace.type_name;
	out->detailed = true;
	fill(out, ws);
	rt_apply_tags(out, rt_tags_to_map(json_object_get(ws, "tags")));
	json_decref(ws);
	return 0;
}

struct status_probe {
	const struct rt_ctx *c;
	const char *arn;
	bool seen; /* described once: not found after that is gone, before it is lag */
};

static int active_probe(void *ctx, struct diags *d)
{
	struct status_probe *p = ctx;
	json_t *ws = NULL;
	int err = describe(p->c, p->arn, &ws, d);
	if (err == RT_EXPECTED && !p->seen)
		return 1; /* eventually consistent: a new workspace may not show yet */
	if (err == RT_EXPECTED) {
		diags_add(d, DIAG_ERROR, "AMP workspace %s disappeared while berth waited for it",
			  id_from_arn(p->arn));
		return BERTH_ENOTFOUND;
	}
	if (err)
		return err;
	p->seen = true;
	const char *st = status_of(ws);
	int rc = 1;
	if (!strcmp(st, "ACTIVE")) {
		rc = 0;
	} else if (!strcmp(st, "CREATION_FAILED") || !strcmp(st, "DELETING")) {
		struct diag *dg = diags_add(d, DIAG_ERROR,
					    "AMP workspace %s is %s while berth waited for it to be ACTIVE",
					    id_from_arn(p->arn), st);
		/* AMP gives no reason for a status (WorkspaceStatus has its
		 * code only); a customer managed key AMP cannot use is the
		 * documented way for a creation to fail. */
		const char *key = json_string_value(json_object_get(ws, "kmsKeyArn"));
		if (!strcmp(st, "CREATION_FAILED"))
			diag_set_detail(dg, "AWS gives no reason for this status%s%s%s", key ? "; the "
					"workspace is encrypted with KMS key " : "", key ? key : "",
					key ? ", which AMP must be able to use" : "");
		rc = BERTH_EAWS;
	}
	json_decref(ws);
	return rc;
}

static int wait_active(const struct rt_ctx *c, const char *arn, struct diags *d)
{
	struct status_probe p = { c, arn, false };
	if (c->waiting)
		c->waiting(c->waiting_ctx, "workspace ACTIVE", 0);
	return rt_poll(c, "the AMP workspace to be ACTIVE", WAIT_MS, 5000, active_probe, &p, d);
}

static int wait_ready(const struct rt_ctx *c, const char *id, struct diags *d)
{
	return wait_active(c, id, d);
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	char tmp[64];
	char *found = NULL;
	json_t *res = NULL, *params = NULL;
	int err = 0;
	/* An earlier attempt (a crash, a lost answer) made it already. */
	if ((err = rt_find_tagged(c, "aps:workspace", address, &found, d)))
		return err;
	if (found) {
		json_t *ws = NULL;
		err = describe(c, found, &ws, d);
		bool usable = !err && strcmp(status_of(ws), "DELETING") != 0;
		json_decref(ws);
		if (err < 0) {
			free(found);
			return err;
		}
		if (usable) {
			*id_out = found;
			return 0;
		}
		free(found);
	}
	params = json_pack("{s:O}", "tags", tags);
	const char *s;
	if ((s = rt_str(props, "Alias", tmp)))
		json_object_set_new(params, "alias", json_string(s));
	if ((s = rt_str(props, "KmsKeyArn", tmp)))
		json_object_set_new(params, "kmsKeyArn", json_string(s));
	err = rt_call(c, "amp", "CreateWorkspace", params, &res, d);
	json_decref(params);
	if (err)
		return err;
	const char *arn = json_string_value(json_object_get(res, "arn"));
	if (!arn) {
		json_decref(res);
		diags_add(d, DIAG_ERROR, "CreateWorkspace answered without the workspace's ARN");
		return BERTH_EAWS;
	}
	*id_out = xstrdup(arn);
	json_decref(res);
	return 0;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	int err = 0;
	for (size_t i = 0; i < nchanged; i++) {
		if (strcmp(changed[i], "Alias")) {
			diags_add(d, DIAG_ERROR, "AWS::APS::Workspace: berth cannot change %s in place yet",
				  changed[i]);
			return BERTH_EINVAL;
		}
		/* The alias can change only while ACTIVE (an earlier update may
		 * still be settling). */
		if ((err = wait_active(c, cur->id, d)))
			return err;
		char tmp[64];
		const char *alias = rt_str(desired, "Alias", tmp);
		json_t *params = json_pack("{s:s}", "workspaceId", id_from_arn(cur->id));
		if (alias)
			json_object_set_new(params, "alias", json_string(alias));
		err = rt_call(c, "amp", "UpdateWorkspaceAlias", params, NULL, d);
		json_decref(params);
		if (err)
			return err;
	}
	/* UPDATING until ACTIVE: what depends on it may need it usable. */
	return nchanged ? wait_active(c, cur->id, d) : 0;
}

static int remove_workspace(const struct rt_ctx *c, const struct live_resource *cur,
			    struct diags *d)
{
	/* ConflictException (still CREATING or UPDATING) is retried by the
	 * engine. */
	json_t *params = json_pack("{s:s}", "workspaceId", id_from_arn(cur->id));
	int err = rt_call_expect(c, "amp", "DeleteWorkspace", params, NULL, not_found, NULL, d);
	json_decref(params);
	return err == RT_EXPECTED ? 0 : err;
}

const struct rtype rtype_aps_workspace = {
	.type_name = "AWS::APS::Workspace",
	.tag_filter = "aps:workspace",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.create = create,
	.update = update,
	.remove = remove_workspace,
	.wait_ready = wait_ready,
};
