/* The spec functions: results, and the exact error text for bad calls. Files
 * live in a fresh temporary project folder per test; fetch() is exercised
 * with file:// URLs (libcurl reads them like any download). */
#include "util/common.h"
#include "harness.h"
#include "scratch.h"
#include "spec/func.h"
#include "util/buf.h"
#include "util/diag.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

struct fixture {
	char root[64];      /* the temporary folder */
	char *project;      /* root/project */
	char *spec_dir;     /* root/project/specs */
	char *cache;        /* root/project/.berth/cache (not created) */
	struct spec_func_ctx ctx;
	struct diags d;
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

static void fixture_init(struct fixture *fx)
{
	char *p;
	snprintf(fx->root, sizeof(fx->root), "/tmp/berth-func-XXXXXX");
	if (!mkdtemp(fx->root))
		abort();
	fx->project = xasprintf("%s/project", fx->root);
	fx->spec_dir = xasprintf("%s/specs", fx->project);
	fx->cache = xasprintf("%s/.berth/cache", fx->project);
	if (mkdir(fx->project, 0755) || mkdir(fx->spec_dir, 0755))
		abort();
	fx->ctx.project_dir = fx->project;
	fx->ctx.spec_dir = fx->spec_dir;
	fx->ctx.cache_dir = fx->cache;
	fx->ctx.allow_network = true;
	diags_init(&fx->d);
	p = xasprintf("%s/hello.txt", fx->spec_dir);
	write_file(p, "hello\n");
	free(p);
	p = xasprintf("%s/secret.txt", fx->root);
	write_file(p, "outside\n");
	free(p);
}

static void fixture_release(struct fixture *fx)
{
	scratch_remove(fx->root);
	free(fx->project);
	free(fx->spec_dir);
	free(fx->cache);
	diags_release(&fx->d);
}

/* Calls NAME with the JSON array ARGS; returns the result as compact JSON
 * text (caller frees) or NULL, leaving the error in fx->d. */
static char *call(struct fixture *fx, const char *name, const char *args_json, int *rc_out)
{
	json_error_t err;
	json_t *args = json_loads(args_json, 0, &err), *out = NULL;
	char *text = NULL;
	int rc;
	if (!args) {
		fprintf(stderr, "bad test JSON %s: %s\n", args_json, err.text);
		abort();
	}
	rc = spec_func_call(&fx->ctx, name, args, &out, &fx->d);
	if (rc_out)
		*rc_out = rc;
	if (!rc) {
		text = json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
		json_decref(out);
	}
	json_decref(args);
	return text;
}

static const char *last_error(struct fixture *fx)
{
	return fx->d.n ? fx->d.items[fx->d.n - 1].summary : "(no error)";
}

#define CHECK_CALL(fx, name, args, expect) \
	do { \
		char *got_ = call(fx, name, args, NULL); \
		if (!got_) \
			TEST_FAIL_("%s%s failed: %s", name, args, last_error(fx)); \
		int same_ = !strcmp(got_, expect); \
		if (!same_) \
			fprintf(stderr, "  got %s\n", got_); \
		free(got_); \
		CHECK(same_); \
	} while (0)

#define CHECK_CALL_ERR(fx, name, args, code, message) \
	do { \
		int rc_ = 0; \
		char *got_ = call(fx, name, args, &rc_); \
		if (got_) { \
			free(got_); \
			TEST_FAIL_("%s%s succeeded", name, args); \
		} \
		CHECK_INT(rc_, code); \
		CHECK_STR(last_error(fx), message); \
	} while (0)

/* For errors whose text holds temporary paths: the caller checks parts. */
#define CHECK_CALL_FAILS(fx, name, args, code) \
	do { \
		int rc_ = 0; \
		char *got_ = call(fx, name, args, &rc_); \
		if (got_) { \
			free(got_); \
			TEST_FAIL_("%s%s succeeded", name, args); \
		} \
		CHECK_INT(rc_, code); \
	} while (0)

TEST(cidrsubnet_terraform_semantics)
{
	struct fixture fx;
	fixture_init(&fx);
	CHECK_CALL(&fx, "cidrsubnet", "[\"10.0.0.0/24\", 3, 5]", "\"10.0.0.160/27\"");
	CHECK_CALL(&fx, "cidrsubnet", "[\"10.0.0.0/16\", 8, 2]", "\"10.0.2.0/24\"");
	CHECK_CALL(&fx, "cidrsubnet", "[\"172.16.0.0/12\", 4, 2]", "\"172.18.0.0/16\"");
	CHECK_CALL(&fx, "cidrsubnet", "[\"10.1.2.3/16\", 0, 0]", "\"10.1.0.0/16\"");
	CHECK_CALL(&fx, "cidrsubnet", "[\"0.0.0.0/0\", 1, 1]", "\"128.0.0.0/1\"");
	CHECK_CALL(&fx, "cidrsubnet", "[\"10.0.0.0/24\", 8, 255]", "\"10.0.0.255/32\"");
	CHECK_CALL(&fx, "cidrsubnet", "[\"10.0.0.0/24\", \"2\", \"3\"]", "\"10.0.0.192/26\"");
	CHECK_CALL_ERR(&fx, "cidrsubnet", "[\"10.0.0.0/24\", 3, 8]", BERTH_EINVAL,
		       "cidrsubnet(\"10.0.0.0/24\", 3, 8): network number 8 does not fit in 3 new bits (0 to 7)");
	CHECK_CALL_ERR(&fx, "cidrsubnet", "[\"10.0.0.0/24\", 9, 0]", BERTH_EINVAL,
		       "cidrsubnet(\"10.0.0.0/24\", 9, 0): /24 plus 9 new bits is /33, longer than /32 (at most 8 new bits)");
	CHECK_CALL_ERR(&fx, "cidrsubnet", "[\"10.0.0.0/24\", -1, 0]", BERTH_EINVAL,
		       "cidrsubnet(\"10.0.0.0/24\", -1, 0): the number of new bits must not be negative, not -1");
	CHECK_CALL_ERR(&fx, "cidrsubnet", "[\"10.0.0.0/24\", 2, -1]", BERTH_EINVAL,
		       "cidrsubnet(\"10.0.0.0/24\", 2, -1): network number -1 does not fit in 2 new bits (0 to 3)");
	CHECK_CALL_ERR(&fx, "cidrsubnet", "[\"10.0.0.256/24\", 2, 1]", BERTH_EINVAL,
		       "cidrsubnet(\"10.0.0.256/24\", 2, 1): '10.0.0.256/24' is not an IPv4 CIDR like 10.0.0.0/16");
	CHECK_CALL_ERR(&fx, "cidrsubnet", "[\"10.0.0.0\", 2, 1]", BERTH_EINVAL,
		       "cidrsubnet(\"10.0.0.0\", 2, 1): '10.0.0.0' is not an IPv4 CIDR like 10.0.0.0/16");
	CHECK_CALL_ERR(&fx, "cidrsubnet", "[\"fd00::/8\", 8, 1]", BERTH_EINVAL,
		       "cidrsubnet(\"fd00::/8\", 8, 1): only IPv4 CIDRs are supported, not 'fd00::/8'");
	CHECK_CALL_ERR(&fx, "cidrsubnet", "[\"10.0.0.0/24\", \"x\", 1]", BERTH_EINVAL,
		       "cidrsubnet(\"10.0.0.0/24\", \"x\", 1): the number of new bits (argument 2) must be a whole number");
	CHECK_CALL_ERR(&fx, "cidrsubnet", "[\"10.0.0.0/24\", 3]", BERTH_EINVAL,
		       "cidrsubnet(\"10.0.0.0/24\", 3): takes 3 arguments, not 2: cidrsubnet(CIDR, NEWBITS, NUM)");
	fixture_release(&fx);
}

TEST(json_is_compact_and_sorted)
{
	struct fixture fx;
	fixture_init(&fx);
	CHECK_CALL(&fx, "json", "[{\"b\": 1, \"a\": [true, null, \"x\"]}]",
		   "\"{\\\"a\\\":[true,null,\\\"x\\\"],\\\"b\\\":1}\"");
	CHECK_CALL(&fx, "json", "[\"s\"]", "\"\\\"s\\\"\"");
	CHECK_CALL(&fx, "json", "[3]", "\"3\"");
	fixture_release(&fx);
}

TEST(join_lists)
{
	struct fixture fx;
	fixture_init(&fx);
	CHECK_CALL(&fx, "join", "[\",\", [\"a\", \"b\", 3, true]]", "\"a,b,3,true\"");
	CHECK_CALL(&fx, "join", "[\", \", []]", "\"\"");
	CHECK_CALL(&fx, "join", "[\"-\", [\"only\"]]", "\"only\"");
	CHECK_CALL_ERR(&fx, "join", "[\",\", \"abc\"]", BERTH_EINVAL,
		       "join(\",\", \"abc\"): the second argument must be a list");
	CHECK_CALL_ERR(&fx, "join", "[\",\", [\"a\", [1]]]", BERTH_EINVAL,
		       "join(\",\", [\"a\",[1]]): item 1 of the list is a list; join takes strings, numbers and booleans");
	CHECK_CALL_ERR(&fx, "join", "[1, [\"a\"]]", BERTH_EINVAL,
		       "join(1, [\"a\"]): the separator (argument 1) must be a string, not a number");
	fixture_release(&fx);
}

TEST(file_reads_and_refuses_escapes)
{
	struct fixture fx;
	char *link, *abs, *args;
	fixture_init(&fx);
	CHECK_CALL(&fx, "file", "[\"hello.txt\"]", "\"hello\\n\"");
	CHECK_CALL(&fx, "file", "[\"./../specs/hello.txt\"]", "\"hello\\n\"");
	CHECK_CALL_FAILS(&fx, "file", "[\"../../secret.txt\"]", BERTH_EINVAL);
	CHECK_CONTAINS(last_error(&fx), "file(\"../../secret.txt\"): ../../secret.txt is outside the project folder");
	/* a symlink inside the project pointing out of it */
	link = xasprintf("%s/escape.txt", fx.spec_dir);
	abs = xasprintf("%s/secret.txt", fx.root);
	CHECK(symlink(abs, link) == 0);
	CHECK_CALL_FAILS(&fx, "file", "[\"escape.txt\"]", BERTH_EINVAL);
	CHECK_CONTAINS(last_error(&fx), "escape.txt is outside the project folder");
	CHECK_CONTAINS(last_error(&fx), "symlink");
	/* an absolute path is the user's explicit choice */
	args = xasprintf("[\"%s\"]", abs);
	CHECK_CALL(&fx, "file", args, "\"outside\\n\"");
	CHECK_CALL_FAILS(&fx, "file", "[\"missing.txt\"]", BERTH_ENOTFOUND);
	CHECK_CONTAINS(last_error(&fx), "file(\"missing.txt\"): cannot open ");
	CHECK_CONTAINS(last_error(&fx), "missing.txt: No such file or directory");
	CHECK_CALL_ERR(&fx, "file", "[\".\"]", BERTH_EINVAL, "file(\".\"): . is not a regular file");
	CHECK_CALL_ERR(&fx, "file", "[\"\"]", BERTH_EINVAL, "file(\"\"): the path is empty");
	free(args);
	free(link);
	free(abs);
	fixture_release(&fx);
}

TEST(file_refuses_binary)
{
	struct fixture fx;
	char *p;
	FILE *f;
	fixture_init(&fx);
	p = xasprintf("%s/bin.dat", fx.spec_dir);
	f = fopen(p, "wb");
	fwrite("a\0b", 1, 3, f);
	fclose(f);
	CHECK_CALL_ERR(&fx, "file", "[\"bin.dat\"]", BERTH_EINVAL,
		       "file(\"bin.dat\"): bin.dat is binary (has NUL bytes), not text");
	f = fopen(p, "wb");
	fwrite("\xff\xfe", 1, 2, f);
	fclose(f);
	CHECK_CALL_ERR(&fx, "file", "[\"bin.dat\"]", BERTH_EINVAL,
		       "file(\"bin.dat\"): bin.dat is not UTF-8 text");
	free(p);
	fixture_release(&fx);
}

TEST(template_fills_placeholders)
{
	struct fixture fx;
	char *p;
	fixture_init(&fx);
	CHECK_CALL(&fx, "template", "[\"endpoint: {{endpoint}}\\nregion: {{ region }}\\n\","
		   " {\"endpoint\": \"https://aps/x\", \"region\": \"us-west-2\"}]",
		   "\"endpoint: https://aps/x\\nregion: us-west-2\\n\"");
	CHECK_CALL(&fx, "template", "[\"{{n}} x {{n}} = {{sq}} {{ not a placeholder }}\", {\"n\": 3, \"sq\": 9.5}]",
		   "\"3 x 3 = 9.5 {{ not a placeholder }}\"");
	/* a path: read from the spec's folder */
	p = xasprintf("%s/conf.yaml", fx.spec_dir);
	write_file(p, "exporters:\n  endpoint: {{endpoint}}\n  region: {{region}}\n");
	CHECK_CALL(&fx, "template", "[\"conf.yaml\", {\"endpoint\": \"E\", \"region\": \"R\"}]",
		   "\"exporters:\\n  endpoint: E\\n  region: R\\n\"");
	CHECK_CALL_ERR(&fx, "template", "[\"a {{x}} {{y}} {{x}}\", {}]", BERTH_EINVAL,
		       "template(\"a {{x}} {{y}} {{x}}\", {}): no value for placeholders 'x', 'y'");
	CHECK_CALL_ERR(&fx, "template", "[\"a {{x}}\", {\"x\": 1, \"z\": 2}]", BERTH_EINVAL,
		       "template(\"a {{x}}\", {\"x\":1,\"z\":2}): 'z' is not used by the template (no {{NAME}} placeholder)");
	CHECK_CALL_ERR(&fx, "template", "[\"a {{x}}\", {\"x\": [1]}]", BERTH_EINVAL,
		       "template(\"a {{x}}\", {\"x\":[1]}): the value for 'x' must be a string, number or boolean; use json(...) for a list or object");
	CHECK_CALL_FAILS(&fx, "template", "[\"conf.yml\", {\"x\": 1}]", BERTH_ENOTFOUND);
	CHECK_CONTAINS(last_error(&fx), "template(\"conf.yml\", {\"x\":1}): no file 'conf.yml' in /tmp/");
	CHECK_CONTAINS(last_error(&fx), ", and as template text it has no {{NAME}} placeholder");
	CHECK_CALL_ERR(&fx, "template", "[\"a\", [1]]", BERTH_EINVAL,
		       "template(\"a\", [1]): the values (argument 2) must be a map of NAME: VALUE");
	free(p);
	fixture_release(&fx);
}

TEST(template_workshop_adot_config)
{
	/* The workshop's real ADOT collector config uses {{endpoint}} and
	 * {{region}}; given by absolute path. */
	struct fixture fx;
	const char *env = getenv("BERTH_SOURCE_DIR");
	char *shared = realpath(env ? env : ".", NULL);
	char *args, *got;
	fixture_init(&fx);
	CHECK(shared != NULL);
	args = xasprintf("[\"%s/specs/files/ecs-fargate-adot-config.yaml\", {\"endpoint\": "
			 "\"https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-1/api/v1/remote_write\","
			 " \"region\": \"us-west-2\"}]", shared);
	free(shared);
	got = call(&fx, "template", args, NULL);
	if (!got)
		TEST_FAIL_("template failed: %s", last_error(&fx));
	CHECK(strstr(got, "endpoint: https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-1/api/v1/remote_write"));
	CHECK(strstr(got, "region: us-west-2"));
	CHECK(!strstr(got, "{{"));
	free(got);
	free(args);
	fixture_release(&fx);
}

TEST(unknown_function_suggests)
{
	struct fixture fx;
	fixture_init(&fx);
	CHECK_CALL_ERR(&fx, "cidrsubnt", "[]", BERTH_ENOTFOUND,
		       "unknown function 'cidrsubnt'; did you mean 'cidrsubnet'?");
	CHECK_CALL_ERR(&fx, "frobnicate", "[]", BERTH_ENOTFOUND,
		       "unknown function 'frobnicate' (berth has cidrsubnet, fetch, file, join, json, template)");
	CHECK_STR(spec_func_suggest("tempalte"), "template");
	CHECK(spec_func_suggest("zzzzzzzz") == NULL);
	CHECK(spec_func_exists("fetch"));
	CHECK(!spec_func_exists("fetc"));
	fixture_release(&fx);
}

/* sha256("hello\n") */
#define HELLO_SHA "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"

TEST(fetch_downloads_verifies_and_caches)
{
	struct fixture fx;
	char *src, *args, *cached;
	fixture_init(&fx);
	src = xasprintf("%s/hello.txt", fx.spec_dir);
	cached = xasprintf("%s/%s", fx.cache, HELLO_SHA);

	/* validate (no network) before anything is cached */
	fx.ctx.allow_network = false;
	args = xasprintf("[\"file://%s\", \"%s\"]", src, HELLO_SHA);
	CHECK_CALL_FAILS(&fx, "fetch", args, BERTH_ENET);
	CHECK_CONTAINS(last_error(&fx), "not downloaded yet (no ");
	CHECK_CONTAINS(last_error(&fx), "and this command does not use the network");

	fx.ctx.allow_network = true;
	CHECK_CALL(&fx, "fetch", args, "\"hello\\n\"");
	CHECK(access(cached, R_OK) == 0);

	/* cached: works without the network even when the source is gone */
	CHECK(unlink(src) == 0);
	fx.ctx.allow_network = false;
	CHECK_CALL(&fx, "fetch", args, "\"hello\\n\"");
	free(args);
	/* uppercase and the sha256= / sha256: forms */
	args = xasprintf("[\"file://%s\", \"sha256:5891B5B522D5DF086D0FF0B110FBD9D21BB4FC7163AF34D08286A2E846F6BE03\"]", src);
	CHECK_CALL(&fx, "fetch", args, "\"hello\\n\"");
	free(args);

	/* a tampered cache is refused */
	write_file(cached, "evil\n");
	args = xasprintf("[\"file://%s\", \"sha256=%s\"]", src, HELLO_SHA);
	CHECK_CALL_FAILS(&fx, "fetch", args, BERTH_EIO);
	CHECK_CONTAINS(last_error(&fx), "; delete it to download again");
	free(args);
	free(src);
	free(cached);
	fixture_release(&fx);
}

TEST(fetch_hash_mismatch_and_bad_args)
{
	struct fixture fx;
	char *src, *args, *cached;
	const char *wrong = "0000000000000000000000000000000000000000000000000000000000000000";
	fixture_init(&fx);
	src = xasprintf("%s/hello.txt", fx.spec_dir);
	args = xasprintf("[\"file://%s\", \"%s\"]", src, wrong);
	CHECK_CALL_FAILS(&fx, "fetch", args, BERTH_EINVAL);
	CHECK_CONTAINS(last_error(&fx), "SHA-256 mismatch: the download has " HELLO_SHA
		       ", the spec expects 0000000000000000000000000000000000000000000000000000000000000000");
	cached = xasprintf("%s/%s", fx.cache, wrong);
	CHECK(access(cached, F_OK) != 0); /* nothing cached on a mismatch */
	free(args);
	args = xasprintf("[\"file://%s/nope.txt\", \"%s\"]", fx.spec_dir, HELLO_SHA);
	CHECK_CALL_FAILS(&fx, "fetch", args, BERTH_ENET);
	CHECK_CONTAINS(last_error(&fx), "download failed: ");
	free(args);
	CHECK_CALL_ERR(&fx, "fetch", "[\"http://x\", \"abc\"]", BERTH_EINVAL,
		       "fetch(\"http://x\", \"abc\"): the SHA-256 (argument 2) must be 64 hexadecimal digits, not 'abc'");
	free(src);
	free(cached);
	fixture_release(&fx);
}

/* A tiny HTTP server on 127.0.0.1 for fetch(): /hello answers "hello\n",
 * /moved redirects there, anything else is 404, /quit ends the thread. One
 * request per connection (Connection: close), enough for libcurl. */
struct http_server {
	int fd;
	int port;
	_Atomic int requests; /* read by the test while the server runs */
	pthread_t thread;
};

static void *http_serve(void *arg)
{
	struct http_server *srv = arg;
	for (;;) {
		char req[2048];
		size_t len = 0;
		const char *resp;
		int c = accept(srv->fd, NULL, NULL);
		bool quit;
		if (c < 0)
			return NULL;
		while (len < sizeof(req) - 1) {
			ssize_t r = read(c, req + len, sizeof(req) - 1 - len);
			if (r <= 0)
				break;
			len += (size_t)r;
			req[len] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[len] = '\0';
		quit = !strncmp(req, "GET /quit ", 10);
		if (!quit)
			srv->requests++;
		if (!strncmp(req, "GET /hello ", 11))
			resp = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n";
		else if (!strncmp(req, "GET /tofile ", 12))
			resp = "HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		else if (!strncmp(req, "GET /moved ", 11))
			resp = "HTTP/1.1 302 Found\r\nLocation: /hello\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		else
			resp = "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope";
		if (write(c, resp, strlen(resp)) < 0)
			quit = true;
		close(c);
		if (quit)
			return NULL;
	}
}

static void http_start(struct http_server *srv)
{
	struct sockaddr_in a = { 0 };
	socklen_t alen = sizeof(a);
	srv->requests = 0;
	srv->fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (srv->fd < 0 || bind(srv->fd, (struct sockaddr *)&a, sizeof(a)) || listen(srv->fd, 8) ||
	    getsockname(srv->fd, (struct sockaddr *)&a, &alen))
		abort();
	srv->port = ntohs(a.sin_port);
	if (pthread_create(&srv->thread, NULL, http_serve, srv))
		abort();
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	return size * nmemb;
}

static void http_stop(struct http_server *srv)
{
	char *url = xasprintf("http://127.0.0.1:%d/quit", srv->port);
	CURL *h = curl_easy_init();
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_perform(h);
	curl_easy_cleanup(h);
	free(url);
	pthread_join(srv->thread, NULL);
	close(srv->fd);
}

TEST(fetch_over_http)
{
	struct fixture fx;
	struct http_server srv;
	char *args;
	fixture_init(&fx);
	http_start(&srv);

	args = xasprintf("[\"http://127.0.0.1:%d/moved\", \"%s\"]", srv.port, HELLO_SHA);
	CHECK_CALL(&fx, "fetch", args, "\"hello\\n\"");
	CHECK_INT(srv.requests, 2); /* the redirect and the file */
	/* the second call is served from the cache */
	CHECK_CALL(&fx, "fetch", args, "\"hello\\n\"");
	CHECK_INT(srv.requests, 2);
	free(args);

	args = xasprintf("[\"http://127.0.0.1:%d/missing\", \"sha256=%s\"]", srv.port,
			 "1111111111111111111111111111111111111111111111111111111111111111");
	CHECK_CALL_FAILS(&fx, "fetch", args, BERTH_ENET);
	CHECK_CONTAINS(last_error(&fx), "/missing\", \"sha256=1111");
	CHECK_CONTAINS(last_error(&fx), "): download failed: ");
	CHECK_CONTAINS(last_error(&fx), "404");
	free(args);

	/* a web server may not redirect to a local file */
	args = xasprintf("[\"http://127.0.0.1:%d/tofile\", \"%s\"]", srv.port,
			 "2222222222222222222222222222222222222222222222222222222222222222");
	CHECK_CALL_FAILS(&fx, "fetch", args, BERTH_ENET);
	CHECK_CONTAINS(last_error(&fx), "download failed: ");
	free(args);
	CHECK_CALL_FAILS(&fx, "fetch", "[\"ftp://127.0.0.1/x\", \"3333333333333333333333333333333333333333333333333333333333333333\"]", BERTH_ENET);
	CHECK_CONTAINS(last_error(&fx), "download failed: ");

	http_stop(&srv);
	fixture_release(&fx);
}

int main(int argc, char **argv)
{
	int rc;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = test_main_(argc, argv);
	curl_global_cleanup();
	return rc;
}
