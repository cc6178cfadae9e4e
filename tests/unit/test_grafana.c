/* grafana: sessions and operations against tests/unit/grafana_stub.py, a
 * local stand-in for the AWS grafana API and one workspace's Grafana API on
 * one port (told apart by Host, as the emulator does). The stub insists on
 * Host = the workspace endpoint and a live bearer key, so every passing call
 * also proves the routing (CURLOPT_CONNECT_TO) and the key handling. */
#include "util/common.h"
#include "harness.h"
#include "aws/client.h"
#include "grafana/grafana.h"
#include "util/buf.h"
#include "util/diag.h"

#include "unit/server.h"

#include <curl/curl.h>
#include <unistd.h>

#define WS "g-abc0123456"
#define WS_ENDPOINT "g-abc0123456.grafana-workspace.us-west-2.amazonaws.com"
#define DS_INPUT "DS_PROMETHEUS_WS-647C2794-32A4-4DED-95E1-59BC7ECD633C"

struct fixture {
	struct test_server srv;
	struct aws_client *aws;
	struct diags d;
};

static void start_stub(struct fixture *fx)
{
	char *script = test_source_path("tests/unit/grafana_stub.py");
	char *argv[] = { (char *)test_python(), script, NULL };
	test_server_start(&fx->srv, argv, "PORT ");
	free(script);
}

/* use_env: route through AWS_ENDPOINT_URL_GRAFANA instead of --endpoint-url.
 * emulator: the emulator instead of the stub. */
static void fixture_start(struct fixture *fx, bool use_env, bool emulator)
{
	struct aws_client_config cfg;
	memset(fx, 0, sizeof(*fx));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (emulator)
		test_emulator_start(&fx->srv);
	else
		start_stub(fx);
	test_aws_env();
	unsetenv("AWS_ENDPOINT_URL_GRAFANA");
	memset(&cfg, 0, sizeof(cfg));
	cfg.region = "us-west-2";
	cfg.max_attempts = 1;
	if (use_env)
		setenv("AWS_ENDPOINT_URL_GRAFANA", fx->srv.url, 1);
	else
		cfg.endpoint_url = fx->srv.url;
	diags_init(&fx->d);
	if (aws_client_new(&fx->aws, &cfg, &fx->d) < 0)
		abort();
}

static void fixture_init_with(struct fixture *fx, bool use_env)
{
	fixture_start(fx, use_env, false);
}

static void fixture_init(struct fixture *fx)
{
	fixture_init_with(fx, false);
}

static void fixture_release(struct fixture *fx)
{
	aws_client_free(fx->aws);
	test_server_stop(&fx->srv);
	unsetenv("AWS_ENDPOINT_URL_GRAFANA");
	diags_release(&fx->d);
	curl_global_cleanup();
}

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
	buf_add(ud, p, s * n);
	return s * n;
}

/* A call to the stub's control API; the answer as JSON (new reference). */
static json_t *stub(struct fixture *fx, const char *path, const char *post)
{
	CURL *h = curl_easy_init();
	struct buf b = BUF_INIT;
	char *url = xasprintf("%s%s", fx->srv.url, path);
	json_t *j;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	if (post)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, post);
	if (curl_easy_perform(h) != CURLE_OK)
		abort();
	curl_easy_cleanup(h);
	j = json_loads(b.ptr, 0, NULL);
	buf_release(&b);
	free(url);
	return j;
}

static size_t log_count(json_t *log, const char *field)
{
	return json_array_size(json_object_get(log, field));
}

/* Every diagnostic's text. */
static char *diag_text(const struct diags *d)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < d->n; i++)
		buf_addf(&b, "%s\n%s\n", d->items[i].summary,
			 d->items[i].detail ? d->items[i].detail : "");
	return buf_detach(&b, NULL);
}

/* No key the stub ever handed out appears in any diagnostic. */
static void check_no_key_in(struct fixture *fx, json_t *log)
{
	char *text = diag_text(&fx->d);
	json_t *keys = json_object_get(log, "key_values");
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k) {
		CHECK(strlen(json_string_value(k)) > 20);
		CHECK(!strstr(text, json_string_value(k)));
	}
	free(text);
}

static json_t *load_workshop_dashboard(void)
{
	const char *src = getenv("BERTH_SOURCE_DIR") ? getenv("BERTH_SOURCE_DIR") : ".";
	char *path = xasprintf("%s/specs/files/AMP_ECS_Task_Monitoring.json", src);
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);
	if (!j) {
		fprintf(stderr, "%s: %s\n", path, err.text);
		abort();
	}
	free(path);
	return j;
}

TEST(session_creates_and_deletes_one_key)
{
	struct fixture fx;
	struct grafana_session *g = NULL;
	json_t *hits = NULL, *log, *calls, *c;
	size_t i;
	fixture_init(&fx);
	CHECK_INT(grafana_session_open(fx.aws, WS, WS_ENDPOINT, "8.4", &g, &fx.d), 0);
	CHECK(!strncmp(grafana_session_key_name(g), "berth-", 6));
	CHECK_INT(grafana_search(g, NULL, "dash-db", &hits, &fx.d), 0);
	CHECK_INT(json_array_size(hits), 0);
	json_decref(hits);
	CHECK_INT(grafana_session_close(g, &fx.d), 0);
	CHECK_INT(fx.d.n, 0);

	log = stub(&fx, "/_stub/log", NULL);
	CHECK_INT(log_count(log, "keys_created"), 1);
	CHECK_INT(log_count(log, "keys_deleted"), 1);
	CHECK_STR(json_string_value(json_array_get(json_object_get(log, "keys_created"), 0)),
		  json_string_value(json_array_get(json_object_get(log, "keys_deleted"), 0)));
	CHECK_INT(json_integer_value(json_object_get(log, "live_keys")), 0);
	/* AWS calls signed, workspace calls with the workspace's Host and the key. */
	calls = json_object_get(log, "calls");
	CHECK_INT(json_array_size(calls), 3);
	json_array_foreach(calls, i, c) {
		const char *host = json_string_value(json_object_get(c, "host"));
		const char *auth = json_string_value(json_object_get(c, "auth"));
		if (i == 1) {
			CHECK_STR(host, WS_ENDPOINT);
			CHECK_STR(auth, "Bearer");
			CHECK_STR(json_string_value(json_object_get(c, "path")),
				  "/api/search?type=dash-db");
		} else {
			CHECK_STR(auth, "AWS4-HMAC-SHA256");
		}
	}
	json_decref(log);
	fixture_release(&fx);
}

TEST(endpoint_from_environment_and_url_form)
{
	struct fixture fx;
	struct grafana_session *g = NULL;
	json_t *hits = NULL, *log;
	fixture_init_with(&fx, true);
	/* The console's form of the endpoint is accepted too. */
	CHECK_INT(grafana_session_open(fx.aws, WS, "https://" WS_ENDPOINT "/", "8.4", &g, &fx.d), 0);
	CHECK_INT(grafana_search(g, "ECS", NULL, &hits, &fx.d), 0);
	json_decref(hits);
	CHECK_INT(grafana_session_close(g, &fx.d), 0);
	log = stub(&fx, "/_stub/log", NULL);
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(log, "calls"), 1),
						    "host")), WS_ENDPOINT);
	json_decref(log);
	CHECK_INT(fx.d.n, 0);
	fixture_release(&fx);
}

TEST(datasource_lifecycle)
{
	struct fixture fx;
	struct grafana_session *g = NULL;
	json_t *ds, *got = NULL, *jd;
	char *uid = NULL;
	fixture_init(&fx);
	CHECK_INT(grafana_session_open(fx.aws, WS, WS_ENDPOINT, "8.4", &g, &fx.d), 0);

	CHECK_INT(grafana_datasource_find(g, "AMP ecs-workshop", &got, &fx.d), BERTH_ENOTFOUND);
	CHECK_INT(fx.d.n, 0); /* "not there" is an answer, not an error */

	ds = grafana_prometheus_datasource(
		"AMP ecs-workshop",
		"https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-647c2794/", "us-west-2",
		"workspace-iam-role", true);
	CHECK_INT(grafana_datasource_create(g, ds, &uid, &fx.d), 0);
	CHECK(uid && *uid);
	CHECK_INT(grafana_datasource_find(g, "AMP ecs-workshop", &got, &fx.d), 0);
	CHECK_STR(json_string_value(json_object_get(got, "uid")), uid);
	CHECK_STR(json_string_value(json_object_get(got, "type")), "prometheus");
	CHECK_STR(json_string_value(json_object_get(got, "access")), "proxy");
	jd = json_object_get(got, "jsonData");
	CHECK_STR(json_string_value(json_object_get(jd, "httpMethod")), "POST");
	CHECK(json_is_true(json_object_get(jd, "sigV4Auth")));
	CHECK_STR(json_string_value(json_object_get(jd, "sigV4AuthType")), "workspace-iam-role");
	CHECK_STR(json_string_value(json_object_get(jd, "sigV4Region")), "us-west-2");
	json_decref(got);
	got = NULL;

	/* A second create of the same name: Grafana's 409 and message. */
	CHECK_INT(grafana_datasource_create(g, ds, NULL, &fx.d), BERTH_ECONFLICT);
	CHECK_CONTAINS(fx.d.items[0].summary,
		       "POST /api/datasources failed with HTTP 409: data source with the same name already exists");
	CHECK_INT(fx.d.items[0].http_status, 409);
	diags_release(&fx.d);

	json_object_set_new(json_object_get(ds, "jsonData"), "sigV4AuthType", json_string("default"));
	CHECK_INT(grafana_datasource_update(g, uid, ds, &fx.d), 0);
	CHECK_INT(grafana_datasource_get(g, uid, &got, &fx.d), 0);
	CHECK_STR(json_string_value(json_object_get(json_object_get(got, "jsonData"), "sigV4AuthType")),
		  "default");
	json_decref(got);
	got = NULL;

	CHECK_INT(grafana_datasource_delete(g, uid, &fx.d), 0);
	CHECK_INT(grafana_datasource_get(g, uid, &got, &fx.d), BERTH_ENOTFOUND);
	CHECK_INT(grafana_datasource_delete(g, uid, &fx.d), 0); /* already gone */
	CHECK_INT(fx.d.n, 0);
	json_decref(ds);
	free(uid);
	CHECK_INT(grafana_session_close(g, &fx.d), 0);
	fixture_release(&fx);
}

TEST(import_workshop_dashboard_with_input_mapped)
{
	struct fixture fx;
	struct grafana_session *g = NULL;
	struct grafana_input in = { DS_INPUT, NULL, NULL, "amp-ds-uid" };
	struct grafana_import_result res;
	json_t *dash = load_workshop_dashboard(), *live = NULL, *hits = NULL;
	char want[GRAFANA_HASH_LEN + 1], other[GRAFANA_HASH_LEN + 1], *text;
	fixture_init(&fx);
	CHECK_INT(grafana_session_open(fx.aws, WS, WS_ENDPOINT, "8.4", &g, &fx.d), 0);

	CHECK_INT(grafana_dashboard_import(g, dash, &in, 1, NULL, true, &res, &fx.d), 0);
	CHECK_STR(res.uid, "DnWHgZ3Gk");
	CHECK_STR(res.url, "/d/DnWHgZ3Gk/ecs-task-monitoring");
	grafana_dashboard_hash(dash, &in, 1, NULL, want);
	CHECK_STR(res.hash, want);
	CHECK_INT(strlen(want), GRAFANA_HASH_LEN);

	CHECK_INT(grafana_dashboard_get(g, "DnWHgZ3Gk", &live, &fx.d), 0);
	CHECK_STR(grafana_dashboard_live_hash(live), want);
	text = json_dumps(json_object_get(live, "dashboard"), JSON_COMPACT);
	/* Grafana put the data source's uid where the input was referenced. */
	CHECK(!strstr(text, "${" DS_INPUT "}"));
	CHECK_CONTAINS(text, "\"datasource\":\"amp-ds-uid\"");
	CHECK(!strstr(text, "__inputs"));
	free(text);
	json_decref(live);
	live = NULL;

	/* Re-import is needed only when something changed: the hash is stable,
	 * and moves with the JSON, the inputs or the folder. */
	grafana_dashboard_hash(dash, &in, 1, NULL, other);
	CHECK_STR(other, want);
	in.value = "another-uid";
	grafana_dashboard_hash(dash, &in, 1, NULL, other);
	CHECK(strcmp(other, want) != 0);
	in.value = "amp-ds-uid";
	grafana_dashboard_hash(dash, &in, 1, "folder1", other);
	CHECK(strcmp(other, want) != 0);
	json_object_set_new(dash, "title", json_string("ECS Task Monitoring 2"));
	grafana_dashboard_hash(dash, &in, 1, NULL, other);
	CHECK(strcmp(other, want) != 0);

	CHECK_INT(grafana_search(g, "ecs task", "dash-db", &hits, &fx.d), 0);
	CHECK_INT(json_array_size(hits), 1);
	json_decref(hits);

	CHECK_INT(grafana_dashboard_delete(g, res.uid, &fx.d), 0);
	CHECK_INT(grafana_dashboard_get(g, res.uid, &live, &fx.d), BERTH_ENOTFOUND);
	CHECK_INT(grafana_dashboard_delete(g, res.uid, &fx.d), 0);
	CHECK_INT(fx.d.n, 0);
	grafana_import_result_release(&res);
	json_decref(dash);
	CHECK_INT(grafana_session_close(g, &fx.d), 0);
	fixture_release(&fx);
}

TEST(import_refuses_unmapped_and_unknown_inputs_before_any_request)
{
	struct fixture fx;
	struct grafana_session *g = NULL;
	struct grafana_input typo = { "DS_PROMETHEUS_WS-647C2794-32A4-4DED-95E1-59BC7ECD633", NULL,
				      NULL, "x" };
	json_t *dash = load_workshop_dashboard(), *log;
	char *text;
	fixture_init(&fx);
	CHECK_INT(grafana_session_open(fx.aws, WS, WS_ENDPOINT, "8.4", &g, &fx.d), 0);
	CHECK_INT(grafana_dashboard_import(g, dash, NULL, 0, NULL, true, NULL, &fx.d), BERTH_EINVAL);
	CHECK_STR(fx.d.items[0].summary, "dashboard input '" DS_INPUT "' has no value");
	diags_release(&fx.d);
	CHECK_INT(grafana_dashboard_import(g, dash, &typo, 1, NULL, true, NULL, &fx.d), BERTH_EINVAL);
	text = diag_text(&fx.d);
	CHECK_CONTAINS(text, "the dashboard declares no input '" "DS_PROMETHEUS_WS-647C2794-32A4-4DED-95E1-59BC7ECD633'");
	CHECK_CONTAINS(text, "did you mean '" DS_INPUT "'?");
	free(text);
	CHECK_INT(grafana_session_close(g, &fx.d), 0);
	log = stub(&fx, "/_stub/log", NULL);
	CHECK_INT(log_count(log, "calls"), 2); /* the key's create and delete only */
	json_decref(log);
	json_decref(dash);
	fixture_release(&fx);
}

TEST(failed_operation_still_deletes_the_key_once)
{
	struct fixture fx;
	struct grafana_session *g = NULL;
	struct grafana_input in = { DS_INPUT, NULL, NULL, "amp-ds-uid" };
	json_t *dash = load_workshop_dashboard(), *log;
	fixture_init(&fx);
	json_decref(stub(&fx, "/_stub/fail",
			 "{\"method\":\"POST\",\"path\":\"/api/dashboards/import\",\"status\":500,"
			 "\"message\":\"database is locked\"}"));
	CHECK_INT(grafana_session_open(fx.aws, WS, WS_ENDPOINT, "8.4", &g, &fx.d), 0);
	CHECK_INT(grafana_dashboard_import(g, dash, &in, 1, NULL, true, NULL, &fx.d), BERTH_ERROR);
	CHECK_STR(fx.d.items[0].summary, "Grafana workspace g-abc0123456: POST /api/dashboards/import "
					 "failed with HTTP 500: database is locked");
	CHECK_INT(fx.d.items[0].http_status, 500);
	CHECK_INT(grafana_session_close(g, &fx.d), 0);
	log = stub(&fx, "/_stub/log", NULL);
	CHECK_INT(log_count(log, "keys_created"), 1);
	CHECK_INT(log_count(log, "keys_deleted"), 1);
	check_no_key_in(&fx, log);
	json_decref(log);
	json_decref(dash);
	fixture_release(&fx);
}

TEST(expired_key_is_renewed_once)
{
	struct fixture fx;
	struct grafana_session *g = NULL;
	json_t *hits = NULL, *log;
	char *first;
	fixture_init(&fx);
	json_decref(stub(&fx, "/_stub/reject_keys", "{\"count\":1}"));
	CHECK_INT(grafana_session_open(fx.aws, WS, WS_ENDPOINT, "8.4", &g, &fx.d), 0);
	first = xstrdup(grafana_session_key_name(g));
	CHECK_INT(grafana_search(g, NULL, NULL, &hits, &fx.d), 0);
	CHECK(strcmp(first, grafana_session_key_name(g)) != 0);
	json_decref(hits);
	CHECK_INT(grafana_session_close(g, &fx.d), 0);
	CHECK_INT(fx.d.n, 0);
	log = stub(&fx, "/_stub/log", NULL);
	/* Each key made is deleted exactly once, the rejected one at renewal. */
	CHECK_INT(log_count(log, "keys_created"), 2);
	CHECK_INT(log_count(log, "keys_deleted"), 2);
	CHECK_STR(json_string_value(json_array_get(json_object_get(log, "keys_deleted"), 0)), first);
	CHECK_INT(json_integer_value(json_object_get(log, "live_keys")), 0);
	json_decref(log);
	free(first);
	fixture_release(&fx);
}

TEST(unauthorized_is_a_clear_error_and_keys_are_cleaned_up)
{
	struct fixture fx;
	struct grafana_session *g = NULL;
	json_t *got = NULL, *log;
	char *text;
	fixture_init(&fx);
	json_decref(stub(&fx, "/_stub/reject_keys", "{\"count\":-1}"));
	CHECK_INT(grafana_session_open(fx.aws, WS, WS_ENDPOINT, "8.4", &g, &fx.d), 0);
	CHECK_INT(grafana_datasource_find(g, "x", &got, &fx.d), BERTH_EAUTH);
	CHECK_INT(fx.d.n, 1);
	CHECK_STR(fx.d.items[0].summary, "Grafana workspace g-abc0123456: GET /api/datasources/name/x "
					 "failed with HTTP 401: Invalid API key");
	CHECK_INT(fx.d.items[0].http_status, 401);
	CHECK_CONTAINS(fx.d.items[0].detail, "grafana:CreateWorkspaceApiKey");
	CHECK_INT(grafana_session_close(g, &fx.d), 0);
	log = stub(&fx, "/_stub/log", NULL);
	CHECK_INT(log_count(log, "keys_created"), 2);
	CHECK_INT(log_count(log, "keys_deleted"), 2);
	CHECK_INT(json_integer_value(json_object_get(log, "live_keys")), 0);
	check_no_key_in(&fx, log);
	text = diag_text(&fx.d);
	CHECK(!strstr(text, "Bearer"));
	free(text);
	json_decref(log);
	fixture_release(&fx);
}

TEST(close_with_key_already_gone_is_fine)
{
	struct fixture fx;
	struct grafana_session *g = NULL;
	fixture_init(&fx);
	CHECK_INT(grafana_session_open(fx.aws, WS, WS_ENDPOINT, "8.4", &g, &fx.d), 0);
	json_decref(stub(&fx, "/_stub/drop_keys", "{}"));
	CHECK_INT(grafana_session_close(g, &fx.d), 0);
	CHECK_INT(fx.d.n, 0);
	fixture_release(&fx);
}

TEST(close_when_deletion_fails_warns_with_the_key_name_only)
{
	struct fixture fx;
	struct grafana_session *g = NULL;
	json_t *log;
	char *name, *text, *want;
	fixture_init(&fx);
	json_decref(stub(&fx, "/_stub/fail",
			 "{\"method\":\"DELETE\",\"path\":\"*apikey\",\"status\":500,"
			 "\"message\":\"internal failure\"}"));
	CHECK_INT(grafana_session_open(fx.aws, WS, WS_ENDPOINT, "8.4", &g, &fx.d), 0);
	name = xstrdup(grafana_session_key_name(g));
	CHECK(grafana_session_close(g, &fx.d) < 0);
	CHECK(fx.d.n >= 1);
	CHECK_INT(diags_count(&fx.d, DIAG_ERROR), 0);
	text = diag_text(&fx.d);
	want = xasprintf("could not delete the temporary API key %s of Grafana workspace g-abc0123456; "
			 "it expires by itself at 20", name);
	CHECK_CONTAINS(text, want);
	log = stub(&fx, "/_stub/log", NULL);
	check_no_key_in(&fx, log);
	json_decref(log);
	free(want);
	free(text);
	free(name);
	fixture_release(&fx);
}

TEST(open_fails_cleanly)
{
	struct fixture fx;
	struct grafana_session *g = NULL;
	json_t *log;
	fixture_init(&fx);
	/* Refused before anything is created. */
	CHECK_INT(grafana_session_open(fx.aws, WS, "evil.example.com:1@127.0.0.1", "8.4", &g, &fx.d),
		  BERTH_EINVAL);
	CHECK_INT(grafana_session_open(fx.aws, "../ws", WS_ENDPOINT, "8.4", &g, &fx.d), BERTH_EINVAL);
	CHECK(g == NULL);
	diags_release(&fx.d);
	/* AWS says no: no key, nothing to delete. */
	CHECK_INT(grafana_session_open(fx.aws, "g-missing", "g-missing.grafana-workspace.us-west-2.amazonaws.com",
				       "8.4", &g, &fx.d), BERTH_EAWS);
	CHECK(g == NULL);
	CHECK_STR(fx.d.items[0].aws_code, "ResourceNotFoundException");
	CHECK_INT(grafana_session_close(NULL, &fx.d), 0);
	log = stub(&fx, "/_stub/log", NULL);
	CHECK_INT(log_count(log, "keys_created"), 0);
	CHECK_INT(log_count(log, "calls"), 1);
	json_decref(log);
	fixture_release(&fx);
}

TEST(aws_default_endpoint_is_reported_as_default)
{
	/* With no endpoint configured, the session must address the workspace
	 * itself: checked through the failure of the key call (the default AWS
	 * endpoint is not reachable here), so only the routing decision. */
	struct aws_client_config cfg;
	struct aws_client *aws = NULL;
	struct diags d = DIAGS_INIT;
	char *url = NULL, *source = NULL;
	setenv("HOME", "/nonexistent-berth-home", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret-for-tests", 1);
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_GRAFANA");
	memset(&cfg, 0, sizeof(cfg));
	cfg.region = "us-west-2";
	CHECK_INT(aws_client_new(&aws, &cfg, &d), 0);
	CHECK_INT(aws_client_endpoint(aws, "grafana", &url, &source, &d), 0);
	CHECK_STR(source, "default");
	CHECK_STR(url, "https://grafana.us-west-2.amazonaws.com");
	free(url);
	free(source);
	aws_client_free(aws);
	diags_release(&d);
}

/* The number of calls to grafana:OP the emulator counted. */
static long emulator_calls(struct fixture *fx, const char *op)
{
	json_t *calls = stub(fx, "/_emulator/calls", NULL);
	char *key = xasprintf("grafana:%s", op);
	long n = (long)json_integer_value(json_object_get(json_object_get(calls, "by_operation"), key));
	free(key);
	json_decref(calls);
	return n;
}

/* The same client against the project's AWS emulator (tests/emulator): a
 * workspace of Grafana `version` made through the AWS API, then the session,
 * a data source and the workshop's dashboard on the emulator's Grafana HTTP
 * API (reached by Host, as here). Grafana 9 and later: a token of the
 * service account "berth", made once and reused by the second session, the
 * tokens deleted at close and no API key ever made; 8.4: API keys only (the
 * emulator refuses service accounts there, as AWS does). */
static void against_the_emulator(const char *version)
{
	struct fixture fx;
	struct grafana_session *g = NULL;
	struct grafana_import_result res;
	struct grafana_input in = { DS_INPUT, NULL, NULL, NULL };
	json_t *params, *resp = NULL, *dash, *live = NULL;
	char *ws = NULL, *endpoint = NULL, *uid = NULL;
	bool tokens = strcmp(version, "8.4") != 0;
	setenv("BERTH_EMULATOR_DELAY", "0", 1);
	fixture_start(&fx, false, true);
	params = json_pack("{s:s, s:[s], s:s, s:s, s:s}", "accountAccessType", "CURRENT_ACCOUNT",
			   "authenticationProviders", "AWS_SSO", "permissionType", "SERVICE_MANAGED",
			   "workspaceName", "ecs-workshop", "grafanaVersion", version);
	CHECK_INT(aws_call(fx.aws, "grafana", "CreateWorkspace", params, &resp, &fx.d), 0);
	ws = xstrdup(json_string_value(json_object_get(json_object_get(resp, "workspace"), "id")));
	json_decref(resp);
	json_decref(params);
	for (int i = 0; i < 100 && !endpoint; i++) {
		json_t *w;
		params = json_pack("{s:s}", "workspaceId", ws);
		CHECK_INT(aws_call(fx.aws, "grafana", "DescribeWorkspace", params, &resp, &fx.d), 0);
		w = json_object_get(resp, "workspace");
		if (!strcmp(json_string_value(json_object_get(w, "status")), "ACTIVE"))
			endpoint = xstrdup(json_string_value(json_object_get(w, "endpoint")));
		json_decref(resp);
		json_decref(params);
		if (!endpoint)
			usleep(50000);
	}
	CHECK(endpoint != NULL);

	CHECK_INT(grafana_session_open(fx.aws, ws, endpoint, version, &g, &fx.d), 0);
	params = grafana_prometheus_datasource(
		"AMP ecs-workshop", "https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-1/",
		"us-west-2", "workspace-iam-role", true);
	CHECK_INT(grafana_datasource_create(g, params, &uid, &fx.d), 0);
	json_decref(params);
	dash = load_workshop_dashboard();
	in.value = uid;
	CHECK_INT(grafana_dashboard_import(g, dash, &in, 1, NULL, true, &res, &fx.d), 0);
	CHECK_INT(grafana_dashboard_get(g, res.uid, &live, &fx.d), 0);
	CHECK_STR(grafana_dashboard_live_hash(live), res.hash);
	json_decref(live);
	CHECK_INT(grafana_dashboard_delete(g, res.uid, &fx.d), 0);
	CHECK_INT(grafana_session_close(g, &fx.d), 0);
	/* A second session: the service account is found, not made again. */
	g = NULL;
	CHECK_INT(grafana_session_open(fx.aws, ws, endpoint, version, &g, &fx.d), 0);
	CHECK_INT(grafana_datasource_delete(g, uid, &fx.d), 0);
	CHECK_INT(grafana_session_close(g, &fx.d), 0);
	CHECK_INT(fx.d.n, 0);

	CHECK_INT(emulator_calls(&fx, "CreateWorkspaceServiceAccount"), tokens ? 1 : 0);
	CHECK_INT(emulator_calls(&fx, "ListWorkspaceServiceAccounts"), tokens ? 2 : 0);
	CHECK_INT(emulator_calls(&fx, "CreateWorkspaceServiceAccountToken"), tokens ? 2 : 0);
	CHECK_INT(emulator_calls(&fx, "DeleteWorkspaceServiceAccountToken"), tokens ? 2 : 0);
	CHECK_INT(emulator_calls(&fx, "CreateWorkspaceApiKey"), tokens ? 0 : 2);
	CHECK_INT(emulator_calls(&fx, "DeleteWorkspaceApiKey"), tokens ? 0 : 2);
	if (tokens) {
		/* Kept for the next run, with no token left on it. */
		json_t *answer = NULL, *list, *toks = NULL;
		const char *sa_id;
		params = json_pack("{s:s}", "workspaceId", ws);
		CHECK_INT(aws_call(fx.aws, "grafana", "ListWorkspaceServiceAccounts", params, &answer,
				   &fx.d), 0);
		json_decref(params);
		list = json_object_get(answer, "serviceAccounts");
		CHECK_INT(json_array_size(list), 1);
		CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "name")), "berth");
		CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "grafanaRole")),
			  "ADMIN");
		sa_id = json_string_value(json_object_get(json_array_get(list, 0), "id"));
		params = json_pack("{s:s, s:s}", "workspaceId", ws, "serviceAccountId", sa_id);
		CHECK_INT(aws_call(fx.aws, "grafana", "ListWorkspaceServiceAccountTokens", params,
				   &toks, &fx.d), 0);
		CHECK_INT(json_array_size(json_object_get(toks, "serviceAccountTokens")), 0);
		json_decref(toks);

		/* A token that stops working mid-session (expired, or deleted by
		 * someone) is replaced once: the request then succeeds. */
		json_t *hits = NULL, *t;
		size_t ti;
		g = NULL;
		CHECK_INT(grafana_session_open(fx.aws, ws, endpoint, version, &g, &fx.d), 0);
		CHECK_INT(aws_call(fx.aws, "grafana", "ListWorkspaceServiceAccountTokens", params,
				   &toks, &fx.d), 0);
		CHECK_INT(json_array_size(json_object_get(toks, "serviceAccountTokens")), 1);
		json_array_foreach(json_object_get(toks, "serviceAccountTokens"), ti, t) {
			json_t *del = json_pack("{s:s, s:s, s:O}", "workspaceId", ws, "serviceAccountId",
						sa_id, "tokenId", json_object_get(t, "id")), *dr = NULL;
			CHECK_INT(aws_call(fx.aws, "grafana", "DeleteWorkspaceServiceAccountToken", del,
					   &dr, &fx.d), 0);
			json_decref(dr);
			json_decref(del);
		}
		json_decref(toks);
		CHECK_INT(grafana_search(g, NULL, NULL, &hits, &fx.d), 0);
		json_decref(hits);
		CHECK_INT(grafana_session_close(g, &fx.d), 0);
		CHECK_INT(fx.d.n, 0);
		CHECK_INT(emulator_calls(&fx, "CreateWorkspaceServiceAccountToken"), 4);
		CHECK_INT(emulator_calls(&fx, "CreateWorkspaceServiceAccount"), 1);
		json_decref(params);
		json_decref(answer);
	}
	grafana_import_result_release(&res);
	json_decref(dash);
	free(uid);
	free(ws);
	free(endpoint);
	fixture_release(&fx);
}

TEST(emulator_service_account_tokens_on_grafana_10)
{
	against_the_emulator("10.4");
}

TEST(emulator_api_keys_on_grafana_8)
{
	against_the_emulator("8.4");
}

TEST_MAIN()
