/* Shared by the types inside a Grafana workspace: ids and sessions (see
 * grafana_child.h). */
#include "util/common.h"
#include "resources/grafana_child.h"

#include "util/buf.h"

int gchild_split_id(const char *id, char **ws, char **uid, struct diags *d)
{
	const char *bar = id ? strchr(id, '|') : NULL;
	if (!bar || bar == id || !bar[1]) {
		diags_add(d, DIAG_ERROR, "'%s' is not a Grafana object id (WORKSPACE|UID)", id ? id : "");
		return BERTH_EINVAL;
	}
	*ws = xstrndup(id, (size_t)(bar - id));
	*uid = xstrdup(bar + 1);
	return 0;
}

char *gchild_join_id(const char *ws, const char *uid)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s|%s", ws, uid);
	return buf_detach(&b, NULL);
}

/* version: the workspace's grafanaVersion when endpoint is given (NULL:
 * unknown); found with the endpoint otherwise. */
static int open_session(const struct rt_ctx *c, const char *ws, const char *endpoint,
			const char *version, struct grafana_session **out, struct diags *d)
{
	json_t *res = NULL;
	if (!endpoint) {
		static const char *const gone[] = { "ResourceNotFoundException", NULL };
		json_t *params = json_pack("{s:s}", "workspaceId", ws);
		int err = rt_call_expect(c, "grafana", "DescribeWorkspace", params, &res, gone, NULL, d);
		json_decref(params);
		if (err == RT_EXPECTED)
			return BERTH_ENOTFOUND;
		if (err)
			return err;
		json_t *w = json_object_get(res, "workspace");
		const char *st = json_string_value(json_object_get(w, "status"));
		if (st && !strcmp(st, "DELETING")) {
			json_decref(res);
			return BERTH_ENOTFOUND;
		}
		endpoint = json_string_value(json_object_get(w, "endpoint"));
		version = json_string_value(json_object_get(w, "grafanaVersion"));
		if (!endpoint) {
			json_decref(res);
			diags_add(d, DIAG_ERROR, "Grafana workspace %s has no endpoint yet", ws);
			return BERTH_EAWS;
		}
	}
	int err = grafana_session_open(c->aws, ws, endpoint, version, out, d);
	json_decref(res);
	return err;
}

int gchild_open(const struct rt_ctx *c, const char *ws, const char *endpoint,
		struct grafana_session **out, struct diags *d)
{
	return open_session(c, ws, endpoint, NULL, out, d);
}

int gchild_close(struct grafana_session *s, int err, struct diags *d)
{
	grafana_session_close(s, d);
	return err;
}

bool gchild_workspace_active(const struct live_resource *ws)
{
	const char *st = json_string_value(json_object_get(ws->props, "Status"));
	const char *endpoint = json_string_value(json_object_get(ws->props, "Endpoint"));
	return ws->id && endpoint && (!st || !strcmp(st, "ACTIVE") || !strcmp(st, "UPDATING"));
}

struct open_args {
	const struct rt_ctx *c;
	const char *ws, *endpoint, *version;
};

static int open_shared(void *arg, void **obj, struct diags *d)
{
	struct open_args *a = arg;
	struct grafana_session *g = NULL;
	int err = open_session(a->c, a->ws, a->endpoint, a->version, &g, d);
	if (!err)
		*obj = g;
	return err;
}

static void close_shared(void *obj, struct diags *d)
{
	grafana_session_close(obj, d);
}

static void shared_key(struct buf *b, const char *ws)
{
	buf_addf(b, "grafana-session:%s", ws);
}

int gchild_borrow(const struct rt_ctx *c, const struct live_resource *wsr,
		  struct grafana_session **out, struct diags *d)
{
	const char *ws = wsr->id;
	const char *endpoint = json_string_value(json_object_get(wsr->props, "Endpoint"));
	const char *version = json_string_value(json_object_get(wsr->props, "GrafanaVersion"));
	if (!c->shared)
		return open_session(c, ws, endpoint, version, out, d);
	struct open_args a = { c, ws, endpoint, version };
	struct buf key = BUF_INIT;
	void *obj = NULL;
	shared_key(&key, ws);
	int err = rt_shared_get(c, key.ptr, open_shared, &a, close_shared, &obj, d);
	buf_release(&key);
	if (!err)
		*out = obj;
	return err;
}

int gchild_return(const struct rt_ctx *c, const char *ws, struct grafana_session *s, int err,
		  struct diags *d)
{
	if (!c->shared)
		return gchild_close(s, err, d);
	struct buf key = BUF_INIT;
	shared_key(&key, ws);
	rt_shared_put(c, key.ptr);
	buf_release(&key);
	return err;
}
