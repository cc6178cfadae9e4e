/* Shared by the types inside a Grafana workspace: ids and sessions (see
 * grafana_child.h). */
#include "util/common.h"
#include "resources/grafana_child.h"

#include "resources/typeutil.h"
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

int gchild_read_all(const struct rt_ctx *c, const struct live_set *parents,
		    gchild_read_ws_fn read, struct live_set *out, struct diags *d)
{
	for (size_t i = 0; i < parents->n; i++) {
		const struct live_resource *ws = &parents->v[i];
		struct grafana_session *g = NULL;
		if (!gchild_workspace_active(ws))
			continue;
		int err = gchild_borrow(c, ws, &g, d);
		if (!err)
			err = gchild_return(c, ws->id, g, read(c, g, ws, out, d), d);
		if (err)
			return err;
	}
	return 0;
}

int gchild_with(const struct rt_ctx *c, const char *id, gchild_fn fn, void *arg,
		struct diags *d)
{
	char *ws = NULL, *uid = NULL;
	struct grafana_session *g = NULL;
	int err = gchild_split_id(id, &ws, &uid, d);
	if (err)
		return err;
	if (!(err = gchild_open(c, ws, NULL, &g, d)))
		err = gchild_close(g, fn(g, ws, uid, arg, d), d);
	free(ws);
	free(uid);
	return err;
}

struct read_one_args {
	const struct rtype *type;
	gchild_get_fn get;
	void (*fill)(struct live_resource *r, const char *ws, const char *uid, json_t *got);
	struct live_resource *out;
};

static int read_one_in(struct grafana_session *g, const char *ws, const char *uid, void *arg,
		       struct diags *d)
{
	struct read_one_args *a = arg;
	json_t *got = NULL;
	int err = a->get(g, uid, &got, d);
	if (!err) {
		tu_live_init(a->out, a->type, false);
		a->fill(a->out, ws, uid, got);
	}
	json_decref(got);
	return err;
}

int gchild_read_one(const struct rt_ctx *c, const char *id, const struct rtype *type,
		    gchild_get_fn get,
		    void (*fill)(struct live_resource *r, const char *ws, const char *uid,
				 json_t *got),
		    struct live_resource *out, struct diags *d)
{
	struct read_one_args a = { type, get, fill, out };
	return gchild_with(c, id, read_one_in, &a, d);
}

struct remove_args {
	int (*del)(struct grafana_session *g, const char *uid, struct diags *d);
};

static int remove_in(struct grafana_session *g, const char *ws, const char *uid, void *arg,
		     struct diags *d)
{
	struct remove_args *a = arg;
	(void)ws;
	return a->del(g, uid, d);
}

int gchild_remove(const struct rt_ctx *c, const char *id,
		  int (*del)(struct grafana_session *g, const char *uid, struct diags *d),
		  struct diags *d)
{
	struct remove_args a = { del };
	/* Deletes answer a 404 as done, so BERTH_ENOTFOUND is the workspace's:
	 * it went, and its objects with it. */
	int err = gchild_with(c, id, remove_in, &a, d);
	return err == BERTH_ENOTFOUND ? 0 : err;
}

int gchild_open_existing(const struct rt_ctx *c, const char *ws, struct grafana_session **out,
			 struct diags *d)
{
	int err = gchild_open(c, ws, NULL, out, d);
	if (err == BERTH_ENOTFOUND)
		diags_add(d, DIAG_ERROR, "Grafana workspace %s does not exist", ws);
	return err;
}

int gchild_wait_gone(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	(void)c;
	(void)cur;
	(void)d;
	return 0;
}
