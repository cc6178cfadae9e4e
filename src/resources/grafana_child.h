/* What the types inside a Grafana workspace (Berth::Grafana::DataSource and
 * Dashboard) share: their physical ids ("WORKSPACE|UID", the schema's two
 * primary identifiers in CloudFormation's joined form) and opening an API-key
 * session on their workspace. Internal to src/resources/. */
#ifndef BERTH_RESOURCES_GRAFANA_CHILD_H
#define BERTH_RESOURCES_GRAFANA_CHILD_H

#include "grafana/grafana.h"
#include "resources/resource.h"

/* "g-abc|uid" -> ws and uid (new strings, on success only). BERTH_EINVAL
 * with a diagnostic when id has no '|'. */
int gchild_split_id(const char *id, char **ws, char **uid, struct diags *d);
/* "WS|UID", new string. */
char *gchild_join_id(const char *ws, const char *uid);

/* Opens a session on workspace ws. endpoint: the workspace's, when the
 * caller knows it; NULL: DescribeWorkspace finds it, and its grafanaVersion,
 * which decides between a service account token and an API key.
 * BERTH_ENOTFOUND (no diagnostic) when the workspace does not exist. */
int gchild_open(const struct rt_ctx *c, const char *ws, const char *endpoint,
		struct grafana_session **out, struct diags *d);

/* Closes s (NULL: no-op) and folds the result into err: a failed close only
 * warns (the key expires by itself), so err is returned as it is. */
int gchild_close(struct grafana_session *s, int err, struct diags *d);

/* For read_all: a session on refreshed workspace ws (endpoint and Grafana
 * version known from its properties). During
 * a refresh it is the one session every type reading ws shares (c->shared:
 * one token or API key per workspace per refresh, deleted when the refresh ends);
 * otherwise a session of its own. Give it back with gchild_return, which
 * passes err through. */
int gchild_borrow(const struct rt_ctx *c, const struct live_resource *ws,
		  struct grafana_session **out, struct diags *d);
int gchild_return(const struct rt_ctx *c, const char *ws, struct grafana_session *s, int err,
		  struct diags *d);

/* Whether a refreshed workspace can serve its Grafana API now. */
bool gchild_workspace_active(const struct live_resource *ws);

/* read_all of a child type: read(c, g, ws, out, d) for each active
 * workspace among parents, in the session gchild_borrow lends for it;
 * stops at the first error. */
typedef int (*gchild_read_ws_fn)(const struct rt_ctx *c, struct grafana_session *g,
				 const struct live_resource *ws, struct live_set *out,
				 struct diags *d);
int gchild_read_all(const struct rt_ctx *c, const struct live_set *parents,
		    gchild_read_ws_fn read, struct live_set *out, struct diags *d);

/* Runs fn(g, WS, UID, arg, d) on the object `id` ("WS|UID") in a session
 * of its own, opened on WS and closed after: BERTH_ENOTFOUND (no
 * diagnostic, fn not run) when the workspace does not exist. */
typedef int (*gchild_fn)(struct grafana_session *g, const char *ws, const char *uid, void *arg,
			 struct diags *d);
int gchild_with(const struct rt_ctx *c, const char *id, gchild_fn fn, void *arg,
		struct diags *d);

/* gchild_open for a write that needs the workspace: one that does not
 * exist is BERTH_ENOTFOUND with a diagnostic saying so. */
int gchild_open_existing(const struct rt_ctx *c, const char *ws, struct grafana_session **out,
			 struct diags *d);

/* read_one of a child type by its id: get(g, UID, &got, d) in a session of
 * its own (BERTH_ENOTFOUND when the workspace or the object is gone), then
 * out (zeroed, of `type`) filled by fill(out, WS, UID, got). */
typedef int (*gchild_get_fn)(struct grafana_session *g, const char *uid, json_t **out,
			     struct diags *d);
int gchild_read_one(const struct rt_ctx *c, const char *id, const struct rtype *type,
		    gchild_get_fn get,
		    void (*fill)(struct live_resource *r, const char *ws, const char *uid,
				 json_t *got),
		    struct live_resource *out, struct diags *d);

/* remove of a child type: del(g, UID, d) in a session of its own; a
 * workspace already gone took the object with it (0). */
int gchild_remove(const struct rt_ctx *c, const char *id,
		  int (*del)(struct grafana_session *g, const char *uid, struct diags *d),
		  struct diags *d);

/* wait_gone of the child types: the DELETE answer (a 404 counts as gone)
 * is the confirmation, so no second session just to read it again. */
int gchild_wait_gone(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d);

#endif
