/* Berth::Grafana::Dashboard: a dashboard imported into an Amazon Managed
 * Grafana workspace (POST /api/dashboards/import) with its __inputs mapped,
 * as the workshop imports AMP_ECS_Task_Monitoring.json.
 *
 * Dashboards cannot be tagged: they are found through the stack's Grafana
 * workspaces (in the refresh's one session per workspace, shared with the
 * data sources: a search, then one GET per dashboard, no AWS call) and matched to the spec by
 * (WorkspaceId, Uid). The uid is the dashboard JSON's, or one berth derives
 * from the stack and address (normalise) and puts into the JSON, so a retried
 * import replaces the first attempt's instead of adding a copy.
 *
 * What Grafana stores is not what was imported, so the spec's DashboardJson,
 * Inputs and FolderUid are write-only and the diff compares ContentHash
 * instead: normalise computes it (grafana_dashboard_hash) from the spec, the
 * import records it inside the dashboard, refresh reads it back. A changed
 * JSON or input, or an edit saved in Grafana's editor (which drops the
 * recorded hash), re-imports the dashboard; nothing else does. */
#include "util/common.h"
#include "resources/grafana_child.h"

#include "util/value.h"

#define UID_MAX 40

static const char *const identity[] = { "WorkspaceId", "Uid", NULL };

/* The dashboard model in props (a JSON value or a string holding one), as
 * a new reference, or NULL. */
static json_t *dashboard_of(json_t *props)
{
	json_t *v = json_object_get(props, "DashboardJson");
	if (json_is_string(v))
		return json_loads(json_string_value(v), 0, NULL);
	return json_is_object(v) ? json_deep_copy(v) : NULL;
}

/* What an import of props sends: the model with its uid set (new
 * reference), the inputs (borrowing from props) and the folder. */
struct import_args {
	json_t *dashboard;
	struct grafana_input *inputs;
	size_t n;
	const char *folder;
	char folder_tmp[64];
};

static void import_args_release(struct import_args *a)
{
	json_decref(a->dashboard);
	free(a->inputs);
	memset(a, 0, sizeof(*a));
}

static int import_args_get(json_t *props, const char *uid, struct import_args *a, struct diags *d)
{
	memset(a, 0, sizeof(*a));
	a->dashboard = dashboard_of(props);
	if (!a->dashboard) {
		diags_add(d, DIAG_ERROR,
			  "Berth::Grafana::Dashboard: DashboardJson is not a JSON object (give the model, "
			  "or ${file(\"dashboard.json\")})");
		return BERTH_EINVAL;
	}
	if (uid)
		json_object_set_new(a->dashboard, "uid", json_string(uid));
	json_t *inputs = json_object_get(props, "Inputs");
	a->inputs = xcalloc(json_object_size(inputs) + 1, sizeof(*a->inputs));
	const char *k;
	json_t *v;
	json_object_foreach(inputs, k, v) {
		if (!json_is_string(v)) {
			diags_add(d, DIAG_ERROR, "Berth::Grafana::Dashboard: Inputs.%s is not a string", k);
			import_args_release(a);
			return BERTH_EINVAL;
		}
		a->inputs[a->n].name = k;
		a->inputs[a->n].value = json_string_value(v);
		a->n++;
	}
	a->folder = rt_str(props, "FolderUid", a->folder_tmp);
	if (a->folder && !*a->folder)
		a->folder = NULL;
	return 0;
}

/* The uid (from the JSON, else derived) and the content hash the live
 * dashboard must carry. Neither when the JSON or the inputs are not known
 * yet (a data source still to be created): the plan shows a change. */
static void normalise(const char *stack, const char *address, json_t *desired)
{
	json_t *dj = json_object_get(desired, "DashboardJson");
	json_object_del(desired, "ContentHash");
	if (!dj || value_has_unknown(dj))
		return;
	json_t *model = dashboard_of(desired);
	if (!model)
		return;
	const char *juid = json_string_value(json_object_get(model, "uid"));
	char *uid = juid && *juid ? xstrdup(juid) : rt_default_name(stack, address, UID_MAX);
	json_object_set_new(desired, "Uid", json_string(uid));
	json_decref(model);
	json_t *inputs = json_object_get(desired, "Inputs");
	struct import_args a;
	struct diags quiet = DIAGS_INIT;
	if (!value_has_unknown(inputs) && !value_has_unknown(json_object_get(desired, "FolderUid")) &&
	    !import_args_get(desired, uid, &a, &quiet)) {
		char hash[GRAFANA_HASH_LEN + 1];
		grafana_dashboard_hash(a.dashboard, a.inputs, a.n, a.folder, hash);
		json_object_set_new(desired, "ContentHash", json_string(hash));
		import_args_release(&a);
	}
	diags_release(&quiet);
	free(uid);
}

/* At plan time: the model is a JSON object, and Inputs and the model's
 * __inputs name the same inputs (what the import would refuse, after the
 * data source and everything before it were made). */
static int check(json_t *desired, struct diags *d)
{
	json_t *dj = json_object_get(desired, "DashboardJson");
	if (!dj || value_has_unknown(dj))
		return 0;
	json_t *model = dashboard_of(desired);
	if (!model) {
		diags_add(d, DIAG_ERROR,
			  "Berth::Grafana::Dashboard: DashboardJson is not a JSON object (give the model, "
			  "or ${file(\"dashboard.json\")})");
		return BERTH_EINVAL;
	}
	json_t *inputs = json_object_get(desired, "Inputs");
	int err = 0;
	if (!value_is_unknown(inputs)) {
		json_t *declared = json_object_get(model, "__inputs"), *in;
		size_t i;
		json_array_foreach(declared, i, in) {
			const char *name = json_string_value(json_object_get(in, "name"));
			if (name && !json_object_get(inputs, name)) {
				struct diag *dg = diags_add(d, DIAG_ERROR,
							    "Berth::Grafana::Dashboard: the dashboard's input %s has no value in Inputs",
							    name);
				diag_set_detail(dg, "map it, e.g. Inputs: {%s: ${DATASOURCE.Uid}}", name);
				err = BERTH_EINVAL;
			}
		}
		const char *k;
		json_t *v;
		json_object_foreach(inputs, k, v) {
			bool known = false;
			json_array_foreach(declared, i, in)
				known |= json_is_string(json_object_get(in, "name")) &&
					 !strcmp(json_string_value(json_object_get(in, "name")), k);
			if (!known) {
				diags_add(d, DIAG_ERROR,
					  "Berth::Grafana::Dashboard: Inputs.%s is not one of the dashboard's __inputs", k);
				err = BERTH_EINVAL;
			}
		}
	}
	json_decref(model);
	return err;
}

static void fill(struct live_resource *r, const char *ws, const char *uid, json_t *got)
{
	json_t *dash = json_object_get(got, "dashboard"), *meta = json_object_get(got, "meta");
	json_t *p = json_pack("{s:s, s:s}", "WorkspaceId", ws, "Uid", uid);
	json_t *v;
	if (json_is_string(v = json_object_get(dash, "title")))
		json_object_set(p, "Title", v);
	if (json_is_integer(v = json_object_get(dash, "version")))
		json_object_set(p, "Version", v);
	if (json_is_string(v = json_object_get(meta, "url")))
		json_object_set(p, "Url", v);
	const char *hash = grafana_dashboard_live_hash(got);
	if (hash)
		json_object_set_new(p, "ContentHash", json_string(hash));
	r->props = p;
	r->id = gchild_join_id(ws, uid);
	r->parent_id = xstrdup(ws);
	r->detailed = true;
}

static int read_workspace(const struct rt_ctx *c, struct grafana_session *g,
			  const struct live_resource *ws, struct live_set *out, struct diags *d)
{
	json_t *hits = NULL;
	int err = grafana_search(g, NULL, "dash-db", &hits, d);
	size_t i;
	json_t *h;
	(void)c;
	json_array_foreach(hits, i, h) {
		const char *uid = json_string_value(json_object_get(h, "uid"));
		json_t *got = NULL;
		if (!uid || err)
			continue;
		err = grafana_dashboard_get(g, uid, &got, d);
		if (err == BERTH_ENOTFOUND) { /* deleted since the search */
			err = 0;
			continue;
		}
		if (!err)
			fill(live_set_add(out, rtype_grafana_dashboard.type_name), ws->id, uid, got);
		json_decref(got);
	}
	json_decref(hits);
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
	return gchild_read_one(c, id, &rtype_grafana_dashboard, grafana_dashboard_get, fill, out,
			       d);
}

/* One import in its own session. */
static int import(const struct rt_ctx *c, const char *ws, json_t *props, const char *uid,
		  bool overwrite, char **uid_out, struct diags *d)
{
	struct import_args a;
	struct grafana_session *g = NULL;
	struct grafana_import_result res = { 0 };
	int err = import_args_get(props, uid, &a, d);
	if (err)
		return err;
	err = gchild_open_existing(c, ws, &g, d);
	if (!err) {
		err = grafana_dashboard_import(g, a.dashboard, a.inputs, a.n, a.folder, overwrite, &res, d);
		err = gchild_close(g, err, d);
	}
	if (!err && uid_out)
		*uid_out = xstrdup(res.uid ? res.uid : uid);
	if (!err)
		grafana_import_result_release(&res);
	import_args_release(&a);
	return err;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	(void)address;
	(void)tags;
	char t1[64], t2[64];
	const char *ws = rt_str(props, "WorkspaceId", t1), *uid = rt_str(props, "Uid", t2);
	if (!ws || !uid) {
		diags_add(d, DIAG_ERROR, "Berth::Grafana::Dashboard: WorkspaceId and DashboardJson are required");
		return BERTH_EINVAL;
	}
	char *got = NULL;
	int err = import(c, ws, props, uid, rt_bool(props, "Overwrite", true), &got, d);
	if (err)
		return err;
	*id_out = gchild_join_id(ws, got);
	free(got);
	return 0;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	(void)changed;
	(void)nchanged;
	char *ws = NULL, *uid = NULL;
	int err = gchild_split_id(cur->id, &ws, &uid, d);
	if (err)
		return err;
	/* It is ours: the import replaces it whatever Overwrite says. */
	err = import(c, ws, desired, uid, true, NULL, d);
	free(ws);
	free(uid);
	return err;
}

static int remove_dashboard(const struct rt_ctx *c, const struct live_resource *cur,
			    struct diags *d)
{
	return gchild_remove(c, cur->id, grafana_dashboard_delete, d);
}

const struct rtype rtype_grafana_dashboard = {
	.type_name = "Berth::Grafana::Dashboard",
	.parent_type = "AWS::Grafana::Workspace",
	.identity = identity,
	.refresh_when_used = true,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.create = create,
	.update = update,
	.remove = remove_dashboard,
	.check = check,
	.wait_gone = gchild_wait_gone,
};
