/* Berth::Grafana::DataSource: a data source inside an Amazon Managed Grafana
 * workspace, through the workspace's Grafana HTTP API (grafana/grafana.h).
 *
 * Data sources cannot be tagged: they are found through the stack's Grafana
 * workspaces and matched to the spec by (WorkspaceId, Name), Grafana's own
 * uniqueness rule. Reading them needs an API key, so this type joins a
 * refresh only when the spec or the state cache has data sources
 * (refresh_when_used) and shares one session per workspace with the
 * dashboards during a refresh (gchild_borrow); every other operation opens
 * its own session (one key, always deleted).
 *
 * Identity across retries: berth chooses the uid (normalise, from the stack
 * and address) and create first looks the name up, so a create retried after
 * a crash finds the first attempt's data source. A Prometheus data source
 * with SigV4Region is the AMP shape (grafana_prometheus_datasource: SigV4
 * with the workspace's IAM role); JsonData is merged over what berth sets,
 * and refresh leaves out of JsonData what berth set itself, so it compares
 * only what the spec gave. */
#include "util/common.h"
#include "resources/grafana_child.h"

#define UID_MAX 40

static const char *const identity[] = { "WorkspaceId", "Name", NULL };

/* The Grafana definition of props (CloudFormation form; uid may be NULL). */
static json_t *definition(json_t *props, const char *uid)
{
	char t1[64], t2[64], t3[64], t4[64];
	const char *name = rt_str(props, "Name", t1), *type = rt_str(props, "Type", t2);
	const char *url = rt_str(props, "Url", t3), *region = rt_str(props, "SigV4Region", t4);
	bool is_default = rt_bool(props, "IsDefault", false);
	json_t *ds;
	if (type && !strcmp(type, "prometheus") && region) {
		ds = grafana_prometheus_datasource(name ? name : "", url ? url : "", region,
						   "workspace-iam-role", is_default);
	} else {
		ds = json_pack("{s:s, s:s, s:s, s:b, s:{}}", "name", name ? name : "", "type",
			       type ? type : "", "access", "proxy", "isDefault", is_default, "jsonData");
		if (url)
			json_object_set_new(ds, "url", json_string(url));
		if (region) {
			json_t *sig = json_pack("{s:b, s:s, s:s}", "sigV4Auth", 1, "sigV4AuthType",
						"workspace-iam-role", "sigV4Region", region);
			json_object_update(json_object_get(ds, "jsonData"), sig);
			json_decref(sig);
		}
	}
	json_t *extra = json_object_get(props, "JsonData");
	if (json_is_string(extra))
		extra = json_loads(json_string_value(extra), 0, NULL);
	else
		json_incref(extra);
	if (json_is_object(extra))
		json_object_update(json_object_get(ds, "jsonData"), extra);
	json_decref(extra);
	if (uid)
		json_object_set_new(ds, "uid", json_string(uid));
	return ds;
}

/* A Grafana data source in CloudFormation form (its uid is ds's). */
static void fill(struct live_resource *r, const char *ws, const char *uid_asked, json_t *ds)
{
	(void)uid_asked;
	json_t *p = json_object();
	json_object_set_new(p, "WorkspaceId", json_string(ws));
	static const char *const map[][2] = { { "Name", "name" }, { "Type", "type" }, { "Url", "url" },
					      { "Uid", "uid" }, { "Id", "id" },
					      { "IsDefault", "isDefault" } };
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		json_t *v = json_object_get(ds, map[i][1]);
		if (v && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v)))
			json_object_set(p, map[i][0], v);
	}
	json_t *jd = json_object_get(ds, "jsonData");
	json_t *rest = json_is_object(jd) ? json_deep_copy(jd) : json_object();
	if (json_is_true(json_object_get(jd, "sigV4Auth")) &&
	    json_is_string(json_object_get(jd, "sigV4Region")))
		json_object_set(p, "SigV4Region", json_object_get(jd, "sigV4Region"));
	/* What berth itself would set for these values is not the spec's
	 * JsonData: drop the keys whose live value is berth's. */
	json_t *mine = definition(p, NULL);
	const char *k;
	json_t *v, *tmpv;
	json_object_foreach_safe(json_object_get(mine, "jsonData"), tmpv, k, v)
		if (json_equal(json_object_get(rest, k), v))
			json_object_del(rest, k);
	json_decref(mine);
	if (json_object_size(rest))
		json_object_set(p, "JsonData", rest);
	json_decref(rest);
	r->props = p;
	const char *uid = json_string_value(json_object_get(ds, "uid"));
	r->id = gchild_join_id(ws, uid ? uid : "");
	r->parent_id = xstrdup(ws);
	r->detailed = true;
}

static int read_workspace(const struct rt_ctx *c, struct grafana_session *g,
			  const struct live_resource *ws, struct live_set *out, struct diags *d)
{
	json_t *list = NULL;
	int err = grafana_request(g, "GET", "/api/datasources", NULL, &list, d);
	size_t k;
	json_t *ds;
	(void)c;
	json_array_foreach(list, k, ds)
		fill(live_set_add(out, rtype_grafana_datasource.type_name), ws->id, NULL, ds);
	json_decref(list);
	return err;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	return gchild_read_all(c, parents, read_workspace, out, d);
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	return gchild_read_one(c, id, &rtype_grafana_datasource, grafana_datasource_get, fill, out,
			       d);
}

/* berth picks the uid, so a retried create and the dashboards' references
 * get the same one. */
static void normalise(const char *stack, const char *address, json_t *desired)
{
	if (json_is_string(json_object_get(desired, "Uid")))
		return;
	char *uid = rt_default_name(stack, address, UID_MAX);
	json_object_set_new(desired, "Uid", json_string(uid));
	free(uid);
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	(void)address;
	(void)tags;
	char t1[64], t2[64], t3[64];
	const char *ws = rt_str(props, "WorkspaceId", t1), *name = rt_str(props, "Name", t2);
	const char *want_uid = rt_str(props, "Uid", t3);
	if (!ws || !name) {
		diags_add(d, DIAG_ERROR, "Berth::Grafana::DataSource: WorkspaceId and Name are required");
		return BERTH_EINVAL;
	}
	struct grafana_session *g = NULL;
	json_t *existing = NULL, *def = NULL;
	char *uid = NULL;
	int err = gchild_open_existing(c, ws, &g, d);
	if (err)
		return err;
	/* The name is unique in a workspace: one there already is an earlier
	 * attempt's (or the spec now manages it), and is set to the spec. */
	err = grafana_datasource_find(g, name, &existing, d);
	if (!err) {
		uid = xstrdup(json_string_value(json_object_get(existing, "uid")) ?
			      json_string_value(json_object_get(existing, "uid")) : "");
		def = definition(props, uid);
		err = grafana_datasource_update(g, uid, def, d);
	} else if (err == BERTH_ENOTFOUND) {
		def = definition(props, want_uid);
		err = grafana_datasource_create(g, def, &uid, d);
	}
	err = gchild_close(g, err, d);
	if (!err)
		*id_out = gchild_join_id(ws, uid);
	free(uid);
	json_decref(existing);
	json_decref(def);
	return err;
}

/* PUT replaces the whole definition: every property, changed or not. */
static int update_in(struct grafana_session *g, const char *ws, const char *uid, void *desired,
		     struct diags *d)
{
	json_t *def = definition(desired, uid);
	int err = grafana_datasource_update(g, uid, def, d);
	(void)ws;
	json_decref(def);
	return err;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	(void)changed;
	(void)nchanged;
	return gchild_with(c, cur->id, update_in, desired, d);
}

static int remove_datasource(const struct rt_ctx *c, const struct live_resource *cur,
			     struct diags *d)
{
	return gchild_remove(c, cur->id, grafana_datasource_delete, d);
}

const struct rtype rtype_grafana_datasource = {
	.type_name = "Berth::Grafana::DataSource",
	.parent_type = "AWS::Grafana::Workspace",
	.identity = identity,
	.refresh_when_used = true,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.create = create,
	.update = update,
	.remove = remove_datasource,
	.wait_gone = gchild_wait_gone,
};
