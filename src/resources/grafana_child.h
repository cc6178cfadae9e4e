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

#endif
