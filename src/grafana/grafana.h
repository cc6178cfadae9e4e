/* A client for an Amazon Managed Grafana workspace's own HTTP API (Grafana's
 * /api/...), for the Berth::Grafana::DataSource and Dashboard types.
 *
 * Authentication: grafana_session_open makes a short-lived ADMIN credential
 * through the AWS API and grafana_session_close deletes it. On Grafana 9 and
 * later that is a token (CreateWorkspaceServiceAccountToken, deleted with
 * DeleteWorkspaceServiceAccountToken) of the workspace's service account
 * GRAFANA_SERVICE_ACCOUNT, which berth creates (role ADMIN) the first time
 * and then reuses and keeps: AWS documents service accounts as the
 * successor of API keys, which Grafana Labs deprecates. A workspace on
 * Grafana 8.4 has no service accounts (AWS refuses them), so there the
 * credential is an API key (CreateWorkspaceApiKey / DeleteWorkspaceApiKey).
 * The credential is a secret: it is never logged, never put in a diagnostic
 * (even a message Grafana sends back has it masked), and its memory is
 * zeroed when the session ends. Callers always close what they opened, on
 * every path:
 *
 *     struct grafana_session *g = NULL;
 *     if ((rc = grafana_session_open(aws, ws_id, ws_endpoint, "10.4", &g, d)) < 0)
 *             return rc;                    // nothing to close: no credential exists
 *     rc = grafana_datasource_create(g, ...);
 *     close_rc = grafana_session_close(g, d);  // deletes it, also after a failure
 *
 * Where requests go: the workspace endpoint (g-abc.grafana-workspace.REGION.
 * amazonaws.com) over https. When the AWS client's grafana endpoint is
 * configured (--endpoint-url, AWS_ENDPOINT_URL_GRAFANA, AWS_ENDPOINT_URL, the
 * profile's services section): a local emulator or a proxy, the requests are
 * sent to that address instead, still with "Host: <workspace endpoint>" (and
 * its URL scheme and path prefix), so the emulator can tell workspaces apart
 * by Host exactly as AWS does and the code path is the same for both.
 *
 * A session owns one curl handle (connections are reused across calls) and is
 * used by one thread at a time; the aws_client it borrows is thread-safe and
 * must outlive it. TLS certificates are verified; redirects are not followed
 * (the bearer key must go nowhere else).
 *
 * Results are jansson values in Grafana's own shapes (the HTTP API
 * reference): returned values are new references the caller decrefs; json_t
 * arguments are borrowed. HTTP failures carry Grafana's "message" and the
 * HTTP status (struct diag .http_status) and map to: 401/403 BERTH_EAUTH,
 * 404 BERTH_ENOTFOUND, 409/412 BERTH_ECONFLICT, 400/422 BERTH_EINVAL, other
 * statuses BERTH_ERROR, transport failures BERTH_ENET. */
#ifndef BERTH_GRAFANA_H
#define BERTH_GRAFANA_H

#include <stdbool.h>
#include <jansson.h>

#include "aws/client.h"
#include "util/diag.h"

struct grafana_session;

/* The name of the workspace service account whose tokens berth uses. */
#define GRAFANA_SERVICE_ACCOUNT "berth"

/* How long a session's token or key lives. Short, so that a key whose deletion failed
 * (berth killed, network gone) stops working soon by itself; a 401 during a
 * long apply is answered by one renewal (see below). */
#define GRAFANA_KEY_SECONDS 1800

/* Opens a session on workspace workspace_id ("g-abc123") whose endpoint is
 * endpoint (the workspace's "endpoint" attribute, a host name; "https://" and
 * a trailing '/' are accepted and dropped) and whose grafanaVersion is
 * grafana_version ("8.4", "10.4"; NULL when not known: taken as current).
 * Creates the credential last, so a failure before it leaves nothing behind
 * (but the reusable service account) and a failure after it deletes it.
 * *out is set only on success. Errors: BERTH_EINVAL (bad id or endpoint),
 * the aws_call codes of the grafana calls. */
int grafana_session_open(struct aws_client *aws, const char *workspace_id, const char *endpoint,
			 const char *grafana_version, struct grafana_session **out,
			 struct diags *d);

/* Deletes the session's token or key and frees everything (its memory
 * zeroed). NULL is a no-op returning 0. One already gone is 0. If the deletion fails
 * the session is still freed; the return is the error code, and the
 * diagnostics (all DIAG_WARNING: the work is done, and the key expires by
 * itself) say which key is left and until when. */
int grafana_session_close(struct grafana_session *s, struct diags *d);

/* The token's or API key's name (not secret; in logs and warnings), e.g.
 * "berth-1732464000-9f2c41d0". Changes when it is renewed. */
const char *grafana_session_key_name(const struct grafana_session *s);

/* A request to the workspace API: method and path ("/api/search?query=x",
 * already escaped), body borrowed (NULL: none). On a 2xx answer returns 0 and
 * sets *out (may be NULL to discard) to the parsed body (json null for an
 * empty one). A 401 is answered once per request by renewing the token or
 * key (the old one is deleted) and retrying: they expire during long applies. The
 * typed operations below are built on this; it is public for the rare call
 * they do not cover. */
int grafana_request(struct grafana_session *s, const char *method, const char *path,
		    json_t *body, json_t **out, struct diags *d);

/* ---- data sources ---- */

/* The data source named name: 0 with *out (GET /api/datasources/name/NAME),
 * or BERTH_ENOTFOUND with no diagnostic when there is none. */
int grafana_datasource_find(struct grafana_session *s, const char *name, json_t **out,
			    struct diags *d);
/* By uid, likewise. */
int grafana_datasource_get(struct grafana_session *s, const char *uid, json_t **out,
			   struct diags *d);
/* Creates ds (POST /api/datasources); *uid_out (optional, caller frees) gets
 * the new data source's uid. */
int grafana_datasource_create(struct grafana_session *s, json_t *ds, char **uid_out,
			      struct diags *d);
/* Replaces the data source uid with ds (PUT /api/datasources/uid/UID; ds is
 * the whole definition, name and type included). */
int grafana_datasource_update(struct grafana_session *s, const char *uid, json_t *ds,
			      struct diags *d);
/* Deletes it; one already gone is 0 (destroy's goal is reached). */
int grafana_datasource_delete(struct grafana_session *s, const char *uid, struct diags *d);

/* The definition of a Prometheus data source for an AMP workspace, queried
 * with SigV4: url is the workspace's prometheusEndpoint
 * ("https://aps-workspaces.REGION.amazonaws.com/workspaces/ws-.../"),
 * auth_type "workspace-iam-role" (the Grafana workspace's role, what AMG
 * uses) or "default" (the SDK chain), region the AMP workspace's region. New
 * reference: { name, type: prometheus, access: proxy, url, isDefault,
 * jsonData: { httpMethod: POST, sigV4Auth: true, sigV4AuthType, sigV4Region } }. */
json_t *grafana_prometheus_datasource(const char *name, const char *url, const char *region,
				      const char *auth_type, bool is_default);

/* ---- dashboards ---- */

/* One value for a dashboard's __inputs entry (borrowed strings). */
struct grafana_input {
	const char *name;      /* the __inputs name, "DS_PROMETHEUS_WS-..." */
	const char *type;      /* NULL: "datasource" */
	const char *plugin_id; /* NULL: "prometheus" */
	const char *value;     /* for a data source: its uid */
};

/* Where berth records, inside the stored dashboard, the hash of what it
 * imported: Grafana keeps unknown top-level keys of a dashboard as they are
 * (its import only drops __inputs), and its editor drops them when a person
 * saves the dashboard, which then reads as drift, as it should. The import
 * API has no version message to hold it. */
#define GRAFANA_HASH_KEY "berthContentHash"

/* "sha256:<64 hex>" of the canonical JSON (sorted keys, compact) of
 * dashboard (without GRAFANA_HASH_KEY), the inputs sorted by name, and the
 * folder uid: what decides whether a re-import would change anything.
 * out must hold GRAFANA_HASH_LEN + 1 bytes. */
#define GRAFANA_HASH_LEN 71
void grafana_dashboard_hash(const json_t *dashboard, const struct grafana_input *inputs,
			    size_t n_inputs, const char *folder_uid, char *out);

/* The hash a live dashboard carries (the "dashboard" of a
 * grafana_dashboard_get answer, or that answer itself); NULL when it has none
 * (imported by something else, or edited and saved in Grafana since). The
 * pointer borrows from live. */
const char *grafana_dashboard_live_hash(const json_t *live);

struct grafana_import_result {
	char *uid;   /* the dashboard's uid */
	char *url;   /* its path in the workspace ("/d/uid/slug"), or NULL */
	long long id;
	char hash[GRAFANA_HASH_LEN + 1]; /* what was recorded */
};
void grafana_import_result_release(struct grafana_import_result *r);

/* Imports dashboard (POST /api/dashboards/import) with its __inputs mapped by
 * inputs, into folder_uid (NULL: General), replacing a dashboard of the same
 * uid when overwrite. Every declared input needs a value and every value a
 * declared input (BERTH_EINVAL naming them, before any request). Records
 * the content hash (GRAFANA_HASH_KEY). *out (optional) is filled only on
 * success; release it. */
int grafana_dashboard_import(struct grafana_session *s, const json_t *dashboard,
			     const struct grafana_input *inputs, size_t n_inputs,
			     const char *folder_uid, bool overwrite,
			     struct grafana_import_result *out, struct diags *d);

/* GET /api/dashboards/uid/UID: 0 with *out = { dashboard, meta }, or
 * BERTH_ENOTFOUND with no diagnostic. */
int grafana_dashboard_get(struct grafana_session *s, const char *uid, json_t **out,
			  struct diags *d);
/* Deletes it; one already gone is 0. */
int grafana_dashboard_delete(struct grafana_session *s, const char *uid, struct diags *d);

/* GET /api/search: query (NULL: any) and type ("dash-db", "dash-folder",
 * NULL: both); *out is the array of hits. */
int grafana_search(struct grafana_session *s, const char *query, const char *type, json_t **out,
		   struct diags *d);

#endif
