/* aws_call and aws_call_all against a small HTTP server in this process:
 * retries (with the sleep injected, so the test is fast), the diagnostic of a
 * failed call, pagination and its bound, connection reuse through the curl
 * share, and many threads sharing one client. Signatures are checked by the
 * end-to-end tests, whose server uses botocore. */
#include "util/common.h"
#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "aws/client.h"
#include "resources/resource.h"
#include "util/buf.h"

/* ---- the server ---- */

enum mode {
	MODE_OK,           /* ListClusters: one page */
	MODE_FAIL_TWICE,   /* 500, 500, then 200 */
	MODE_THROTTLE,     /* always 400 ThrottlingException */
	MODE_DENIED,       /* 400 AccessDeniedException */
	MODE_PAGES,        /* three pages: t1, t2, end */
	MODE_ENDLESS,      /* a new token every time */
	MODE_SAME_TOKEN,   /* the same token every time */
	MODE_DROP_FIRST,   /* close the first connection without answering */
	MODE_PROXY_502     /* an HTML page from a proxy */
};

struct server {
	int fd, port;
	pthread_t thread;
	pthread_mutex_t lock;
	enum mode mode;
	int hits, connections;
	struct buf last_body; /* body of the latest request */
	char last_target[128];
	char last_auth[512];
	int stop;
};

static struct server srv;

static void respond(int fd, int status, const char *body, bool close_after)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "HTTP/1.1 %d X\r\nContent-Type: application/x-amz-json-1.1\r\n"
		 "x-amzn-RequestId: req-%d\r\nContent-Length: %zu\r\n%s\r\n%s",
		 status, srv.hits, strlen(body), close_after ? "Connection: close\r\n" : "", body);
	if (write(fd, b.ptr, b.len) < 0) {
		/* the client went away: nothing to do */
	}
	buf_release(&b);
}

/* Reads one request; 0 at EOF. */
static int read_request(int fd, struct buf *head, struct buf *body)
{
	char c[4096];
	buf_reset(head);
	buf_reset(body);
	while (!strstr(head->ptr, "\r\n\r\n")) {
		ssize_t n = read(fd, c, 1);
		if (n <= 0)
			return 0;
		buf_addch(head, c[0]);
	}
	const char *cl = strcasestr(head->ptr, "\ncontent-length:");
	size_t want = cl ? (size_t)atol(cl + 16) : 0;
	while (body->len < want) {
		ssize_t n = read(fd, c, want - body->len < sizeof(c) ? want - body->len : sizeof(c));
		if (n <= 0)
			return 0;
		buf_add(body, c, (size_t)n);
	}
	return 1;
}

static void answer(int fd, const struct buf *head, const struct buf *body, bool *closed)
{
	pthread_mutex_lock(&srv.lock);
	int hit = ++srv.hits;
	enum mode mode = srv.mode;
	buf_reset(&srv.last_body);
	buf_addbuf(&srv.last_body, body);
	const char *target = strstr(head->ptr, "X-Amz-Target: ");
	snprintf(srv.last_target, sizeof(srv.last_target), "%.*s",
		 target ? (int)strcspn(target + 14, "\r") : 0, target ? target + 14 : "");
	const char *auth = strstr(head->ptr, "Authorization: ");
	snprintf(srv.last_auth, sizeof(srv.last_auth), "%.*s",
		 auth ? (int)strcspn(auth + 15, "\r") : 0, auth ? auth + 15 : "");
	pthread_mutex_unlock(&srv.lock);

	char page[256];
	switch (mode) {
	case MODE_OK:
		respond(fd, 200, "{\"clusterArns\":[\"arn:a\"]}", false);
		break;
	case MODE_FAIL_TWICE:
		if (hit <= 2)
			respond(fd, 500, "{\"__type\":\"InternalFailure\",\"message\":\"oops\"}", false);
		else
			respond(fd, 200, "{\"clusterArns\":[\"arn:a\"]}", false);
		break;
	case MODE_THROTTLE:
		respond(fd, 400, "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}",
			false);
		break;
	case MODE_DENIED:
		respond(fd, 400, "{\"__type\":\"AccessDeniedException\",\"message\":\"no\"}", false);
		break;
	case MODE_PAGES:
		if (hit < 3)
			snprintf(page, sizeof(page), "{\"clusterArns\":[\"arn:%d\"],\"nextToken\":\"t%d\"}",
				 hit, hit);
		else
			snprintf(page, sizeof(page), "{\"clusterArns\":[\"arn:%d\"]}", hit);
		respond(fd, 200, page, false);
		break;
	case MODE_ENDLESS:
		snprintf(page, sizeof(page), "{\"clusterArns\":[],\"nextToken\":\"t%d\"}", hit);
		respond(fd, 200, page, false);
		break;
	case MODE_SAME_TOKEN:
		respond(fd, 200, "{\"clusterArns\":[\"x\"],\"nextToken\":\"again\"}", false);
		break;
	case MODE_PROXY_502:
		respond(fd, 502, "<html><body>Bad Gateway</body></html>", false);
		break;
	case MODE_DROP_FIRST:
		if (hit == 1) {
			*closed = true; /* no answer at all */
			return;
		}
		respond(fd, 200, "{\"clusterArns\":[\"arn:a\"]}", false);
		break;
	}
}

static void *connection_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct buf head = BUF_INIT, body = BUF_INIT;
	bool closed = false;
	while (!closed && read_request(fd, &head, &body))
		answer(fd, &head, &body, &closed);
	close(fd);
	buf_release(&head);
	buf_release(&body);
	return NULL;
}

static void *server_main(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(srv.fd, NULL, NULL);
		if (c < 0)
			return NULL;
		pthread_mutex_lock(&srv.lock);
		int stop = srv.stop;
		srv.connections++;
		pthread_mutex_unlock(&srv.lock);
		if (stop) {
			close(c);
			return NULL;
		}
		pthread_t t;
		pthread_create(&t, NULL, connection_main, (void *)(intptr_t)c);
		pthread_detach(t);
	}
}

static void server_start(void)
{
	struct sockaddr_in a = { 0 };
	socklen_t len = sizeof(a);
	static int started;
	if (started)
		return;
	started = 1;
	pthread_mutex_init(&srv.lock, NULL);
	buf_init(&srv.last_body, 0);
	srv.fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(srv.fd, (struct sockaddr *)&a, sizeof(a)) || listen(srv.fd, 64))
		abort();
	getsockname(srv.fd, (struct sockaddr *)&a, &len);
	srv.port = ntohs(a.sin_port);
	pthread_create(&srv.thread, NULL, server_main, NULL);
}

static void server_reset(enum mode m)
{
	pthread_mutex_lock(&srv.lock);
	srv.mode = m;
	srv.hits = 0;
	srv.connections = 0;
	pthread_mutex_unlock(&srv.lock);
}

/* ---- the client ---- */

static int sleeps;
static double slept;
static void fake_sleep(void *ctx, double s)
{
	(void)ctx;
	__atomic_add_fetch(&sleeps, 1, __ATOMIC_SEQ_CST);
	slept += s;
}
static double half(void *ctx)
{
	(void)ctx;
	return 0.5;
}

static struct aws_client *new_client(int max_attempts)
{
	struct aws_client *c = NULL;
	struct aws_client_config cfg = { 0 };
	struct diags d = DIAGS_INIT;
	char url[64];
	server_start();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", srv.port);
	setenv("HOME", "/nonexistent-berth-home", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret-for-tests", 1);
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_MAX_ATTEMPTS");
	cfg.region = "us-west-2";
	cfg.endpoint_url = url;
	cfg.max_attempts = max_attempts;
	if (aws_client_new(&c, &cfg, &d) < 0) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "  %s\n", d.items[i].summary);
		abort();
	}
	diags_release(&d);
	aws_client_set_retry_hooks(c, fake_sleep, half, NULL);
	sleeps = 0;
	slept = 0;
	return c;
}

TEST(call_succeeds_and_parses)
{
	struct aws_client *c = new_client(0);
	struct diags d = DIAGS_INIT;
	json_t *out = NULL;
	server_reset(MODE_OK);
	CHECK_INT(aws_call(c, "ecs", "ListClusters", NULL, &out, &d), 0);
	CHECK_STR(json_string_value(json_array_get(json_object_get(out, "clusterArns"), 0)), "arn:a");
	CHECK_STR(srv.last_target, "AmazonEC2ContainerServiceV20141113.ListClusters");
	CHECK_CONTAINS(srv.last_auth, "Credential=AKIDTEST/");
	CHECK_CONTAINS(srv.last_auth, "/us-west-2/ecs/aws4_request");
	CHECK_INT(srv.hits, 1);
	json_decref(out);
	aws_client_free(c);
}

TEST(transient_errors_are_retried)
{
	struct aws_client *c = new_client(0);
	struct diags d = DIAGS_INIT;
	json_t *out = NULL;
	server_reset(MODE_FAIL_TWICE);
	CHECK_INT(aws_call(c, "ecs", "ListClusters", NULL, &out, &d), 0);
	CHECK_INT(srv.hits, 3);
	CHECK_INT(sleeps, 2);
	CHECK(slept == 0.5 * 1 + 0.5 * 2); /* rand * 2^0, rand * 2^1 */
	CHECK_INT(d.n, 0);
	json_decref(out);
	aws_client_free(c);
}

TEST(throttling_gives_up_after_max_attempts)
{
	struct aws_client *c = new_client(4);
	struct diags d = DIAGS_INIT;
	json_t *out = NULL;
	server_reset(MODE_THROTTLE);
	CHECK_INT(aws_call(c, "ecs", "ListClusters", NULL, &out, &d), BERTH_EAWS);
	CHECK(out == NULL);
	CHECK_INT(srv.hits, 4);
	CHECK_INT(sleeps, 3);
	CHECK_INT(d.n, 1);
	CHECK_STR(d.items[0].summary,
		  "ecs ListClusters failed: ThrottlingException: Rate exceeded");
	CHECK_CONTAINS(d.items[0].detail, "gave up after 4 attempts");
	CHECK_STR(d.items[0].aws_code, "ThrottlingException");
	CHECK_STR(d.items[0].aws_service, "ecs");
	CHECK_STR(d.items[0].aws_operation, "ListClusters");
	CHECK_STR(d.items[0].request_id, "req-4");
	CHECK_INT(d.items[0].http_status, 400);
	diags_release(&d);
	aws_client_free(c);
}

TEST(an_answer_without_aws_error_says_the_status)
{
	struct aws_client *c = new_client(2);
	struct diags d = DIAGS_INIT;
	json_t *out = NULL;
	server_reset(MODE_PROXY_502);
	CHECK_INT(aws_call(c, "ecs", "ListClusters", NULL, &out, &d), BERTH_EAWS);
	CHECK_INT(srv.hits, 2);
	CHECK_STR(d.items[0].summary, "ecs ListClusters failed: HTTP 502: not an AWS answer (a proxy "
				      "or captive portal?); it begins: \"<html><body>Bad Gateway"
				      "</body></html>\"");
	CHECK_INT(d.items[0].http_status, 502);
	CHECK(d.items[0].aws_code == NULL);
	diags_release(&d);
	aws_client_free(c);
}

TEST(max_attempts_from_env_and_profile)
{
	struct aws_client *c = new_client(0); /* sets up the environment */
	struct aws_client_config cfg = { 0 };
	struct diags d = DIAGS_INIT;
	json_t *out = NULL;
	char path[] = "/tmp/berth-cfg-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "[default]\nmax_attempts = 2\n";
	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	aws_client_free(c);
	c = NULL;

	cfg.region = "us-west-2";
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", srv.port);
	cfg.endpoint_url = url;
	setenv("AWS_MAX_ATTEMPTS", "zero", 1);
	CHECK_INT(aws_client_new(&c, &cfg, &d), BERTH_EINVAL);
	CHECK_STR(d.items[0].summary, "max attempts 'zero' (from AWS_MAX_ATTEMPTS) is not a "
				      "whole number from 1 to 100");
	diags_release(&d);
	/* Overflow is a clear error, not a wrapped number. */
	setenv("AWS_MAX_ATTEMPTS", "18446744073709551617", 1);
	CHECK_INT(aws_client_new(&c, &cfg, &d), BERTH_EINVAL);
	CHECK_CONTAINS(d.items[0].summary, "'18446744073709551617' (from AWS_MAX_ATTEMPTS) is not");
	diags_release(&d);
	/* --max-retries wins over the variable, and is checked the same way. */
	cfg.max_retries = "4294967296";
	CHECK_INT(aws_client_new(&c, &cfg, &d), BERTH_EINVAL);
	CHECK_STR(d.items[0].summary, "--max-retries '4294967296' is not a whole number from 0 to 99");
	diags_release(&d);
	cfg.max_retries = "-1";
	CHECK_INT(aws_client_new(&c, &cfg, &d), BERTH_EINVAL);
	diags_release(&d);
	cfg.max_retries = "0";
	CHECK_INT(aws_client_new(&c, &cfg, &d), 0);
	const char *source = NULL;
	CHECK_INT(aws_client_max_attempts(c, &source), 1);
	CHECK_STR(source, "--max-retries");
	aws_client_set_retry_hooks(c, fake_sleep, half, NULL);
	server_reset(MODE_THROTTLE);
	CHECK_INT(aws_call(c, "ecs", "ListClusters", NULL, &out, &d), BERTH_EAWS);
	CHECK_INT(srv.hits, 1);
	CHECK_CONTAINS(d.items[0].detail, "--max-retries");
	aws_client_free(c);
	c = NULL;
	diags_release(&d);
	cfg.max_retries = NULL;
	/* A misspelled mode is an error naming the closest one. */
	unsetenv("AWS_MAX_ATTEMPTS");
	setenv("AWS_RETRY_MODE", "adaptiv", 1);
	CHECK_INT(aws_client_new(&c, &cfg, &d), BERTH_EINVAL);
	CHECK_STR(d.items[0].summary, "retry mode 'adaptiv' (from AWS_RETRY_MODE) is not "
				      "standard or adaptive");
	CHECK_STR(d.items[0].detail, "did you mean adaptive?");
	diags_release(&d);
	setenv("AWS_RETRY_MODE", "adaptive", 1);
	CHECK_INT(aws_client_new(&c, &cfg, &d), 0);
	CHECK_STR(aws_client_retry_mode(c), "adaptive");
	CHECK_INT(aws_client_max_attempts(c, &source), 25);
	CHECK_STR(source, "default");
	aws_client_free(c);
	c = NULL;
	unsetenv("AWS_RETRY_MODE");

	/* The profile's max_attempts applies when the variable is unset. */
	unsetenv("AWS_MAX_ATTEMPTS");
	setenv("AWS_CONFIG_FILE", path, 1);
	CHECK_INT(aws_client_new(&c, &cfg, &d), 0);
	aws_client_set_retry_hooks(c, fake_sleep, half, NULL);
	server_reset(MODE_THROTTLE);
	CHECK_INT(aws_call(c, "ecs", "ListClusters", NULL, &out, &d), BERTH_EAWS);
	CHECK_INT(srv.hits, 2);
	CHECK_INT(aws_client_max_attempts(c, &source), 2);
	CHECK_STR(source, "profile");
	CHECK_STR(aws_client_retry_mode(c), "standard");
	aws_client_free(c);
	diags_release(&d);
	unsetenv("AWS_CONFIG_FILE");
	unlink(path);
}

TEST(client_errors_are_not_retried)
{
	struct aws_client *c = new_client(0);
	struct diags d = DIAGS_INIT;
	json_t *out = NULL;
	server_reset(MODE_DENIED);
	CHECK_INT(aws_call(c, "ecs", "ListClusters", NULL, &out, &d), BERTH_EAWS);
	CHECK_INT(srv.hits, 1);
	CHECK_INT(sleeps, 0);
	CHECK_STR(d.items[0].aws_code, "AccessDeniedException");
	diags_release(&d);
	aws_client_free(c);
}

TEST(bad_params_never_reach_the_network)
{
	struct aws_client *c = new_client(0);
	struct diags d = DIAGS_INIT;
	json_t *out = NULL;
	json_t *p = json_pack("{s:i}", "maxResultz", 5);
	server_reset(MODE_OK);
	CHECK_INT(aws_call(c, "ecs", "ListClusters", p, &out, &d), BERTH_EINVAL);
	CHECK_INT(srv.hits, 0);
	diags_release(&d);
	CHECK_INT(aws_call(c, "ecs", "ListClustrs", NULL, &out, &d), BERTH_EINVAL);
	CHECK_STR(d.items[0].summary, "berth's models have no operation ListClustrs in service ecs");
	CHECK_STR(d.items[0].detail, "did you mean ListClusters?");
	CHECK_INT(aws_call(c, "nosuch", "X", NULL, &out, &d), BERTH_EINVAL);
	CHECK_CONTAINS(d.items[1].summary, "does not know the AWS service 'nosuch'");
	CHECK_INT(srv.hits, 0);
	diags_release(&d);
	json_decref(p);
	aws_client_free(c);
}

TEST(dropped_connection_is_retried)
{
	struct aws_client *c = new_client(0);
	struct diags d = DIAGS_INIT;
	json_t *out = NULL;
	server_reset(MODE_DROP_FIRST);
	CHECK_INT(aws_call(c, "ecs", "ListClusters", NULL, &out, &d), 0);
	CHECK_INT(srv.hits, 2);
	CHECK_INT(sleeps, 1);
	json_decref(out);
	aws_client_free(c);
}

TEST(pages_are_followed_and_concatenated)
{
	struct aws_client *c = new_client(0);
	struct diags d = DIAGS_INIT;
	json_t *items = NULL;
	json_t *p = json_pack("{s:i}", "maxResults", 1);
	server_reset(MODE_PAGES);
	CHECK_INT(aws_call_all(c, "ecs", "ListClusters", p, NULL, &items, &d), 0);
	CHECK_INT(srv.hits, 3);
	CHECK_INT(json_array_size(items), 3);
	CHECK_STR(json_string_value(json_array_get(items, 2)), "arn:3");
	/* Written as botocore writes JSON bodies (json.dumps: ", " and ": "). */
	CHECK_STR(srv.last_body.ptr, "{\"maxResults\": 1, \"nextToken\": \"t2\"}");
	/* The caller's params are left alone. */
	CHECK(json_object_get(p, "nextToken") == NULL);
	json_decref(items);
	json_decref(p);
	aws_client_free(c);
}

TEST(endless_pagination_is_bounded)
{
	struct aws_client *c = new_client(0);
	struct diags d = DIAGS_INIT;
	json_t *items = NULL;
	server_reset(MODE_ENDLESS);
	CHECK_INT(aws_call_all(c, "ecs", "ListClusters", NULL, NULL, &items, &d), BERTH_EAWS);
	CHECK(items == NULL);
	CHECK_INT(srv.hits, AWS_MAX_PAGES);
	CHECK_STR(d.items[0].summary, "ecs ListClusters: more than 1000 pages");
	diags_release(&d);

	server_reset(MODE_SAME_TOKEN);
	CHECK_INT(aws_call_all(c, "ecs", "ListClusters", NULL, NULL, &items, &d), BERTH_EAWS);
	CHECK_INT(srv.hits, 2);
	CHECK_CONTAINS(d.items[0].summary, "the next-page token did not change");
	diags_release(&d);
	aws_client_free(c);
}

/* The resources layer pages through the client's one pagination path and
 * counts every page as a call (ListClusters was paginated by the client
 * and counted once). */
TEST(rt_calls_count_every_page)
{
	struct aws_client *c = new_client(0);
	struct rt_calls calls;
	rt_calls_init(&calls);
	struct rt_ctx rc = { .aws = c, .stack = "s", .calls = &calls };
	struct diags d = DIAGS_INIT;
	json_t *items = NULL;
	server_reset(MODE_PAGES);
	CHECK_INT(rt_call_all(&rc, "ecs", "ListClusters", NULL, NULL, &items, &d), 0);
	CHECK_INT(json_array_size(items), 3);
	CHECK_INT(srv.hits, 3);
	CHECK_INT(calls.total, 3);
	CHECK_INT(json_integer_value(json_object_get(calls.by_op, "ecs:ListClusters")), 3);
	json_decref(items);
	items = NULL;

	/* A page that never ends is still bounded, and every page counted. */
	server_reset(MODE_SAME_TOKEN);
	CHECK_INT(rt_call_all(&rc, "ecs", "ListClusters", NULL, NULL, &items, &d), BERTH_EAWS);
	CHECK(items == NULL);
	CHECK_INT(calls.total, 5);
	diags_release(&d);
	rt_calls_release(&calls);
	aws_client_free(c);
}

TEST(connections_are_reused)
{
	struct aws_client *c = new_client(0);
	struct diags d = DIAGS_INIT;
	server_reset(MODE_OK);
	for (int i = 0; i < 5; i++) {
		json_t *out = NULL;
		CHECK_INT(aws_call(c, "ecs", "ListClusters", NULL, &out, &d), 0);
		json_decref(out);
	}
	CHECK_INT(srv.hits, 5);
	CHECK_INT(srv.connections, 1);
	aws_client_free(c);
}

static void *worker(void *arg)
{
	struct aws_client *c = arg;
	long failures = 0;
	for (int i = 0; i < 10; i++) {
		struct diags d = DIAGS_INIT;
		json_t *out = NULL;
		if (aws_call(c, "ecs", "ListClusters", NULL, &out, &d) < 0)
			failures++;
		json_decref(out);
		diags_release(&d);
	}
	return (void *)failures;
}

TEST(one_client_many_threads)
{
	struct aws_client *c = new_client(0);
	pthread_t t[8];
	long failures = 0;
	server_reset(MODE_OK);
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, worker, c);
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(t[i], &r);
		failures += (long)r;
	}
	CHECK_INT(failures, 0);
	CHECK_INT(srv.hits, 80);
	CHECK(srv.connections <= 8);
	aws_client_free(c);
}

int main(int argc, char **argv)
{
	json_set_alloc_funcs(xmalloc, free);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = test_main_(argc, argv);
	curl_global_cleanup();
	return rc;
}
