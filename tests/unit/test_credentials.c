/* The credential chain's order and the cache's refresh rules, with
 * credential_process (a /bin/sh script) as the source and an injected clock. */
#include "util/common.h"
#include "harness.h"
#include "scratch.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/config.h"
#include "aws/credentials.h"
#include "util/buf.h"

static time_t fake_now_value;
static time_t fake_now(void) { return __atomic_load_n(&fake_now_value, __ATOMIC_SEQ_CST); }

static char dir[] = "/tmp/berth-creds-XXXXXX";

static void write_file(const char *name, const char *text, int mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, (mode_t)mode);
	free(path);
}

/* The scratch folder is shared by every test in this binary, so it goes
 * when the process ends, failed tests included (they longjmp out). */
static void remove_dir(void)
{
	scratch_remove(dir);
}

static void setup(void)
{
	static int done;
	static const char *const vars[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_SHARED_CREDENTIALS_FILE",
	};
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
		unsetenv(vars[i]);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("HOME", "/nonexistent-berth-home", 1);
	if (done)
		return;
	done = 1;
	if (!mkdtemp(dir))
		abort();
	atexit(remove_dir);
	/* Counts its runs, prints the expiration the test put in a file, and
	 * fails while a "fail" file exists. */
	char *script = xasprintf(
		"#!/bin/sh\n"
		"cd %s || exit 9\n"
		"[ -e fail ] && { echo 'token expired' >&2; exit 2; }\n"
		"n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count\n"
		"printf '{\"Version\": 1, \"AccessKeyId\": \"AKID%%s\", \"SecretAccessKey\": \"s\", "
		"\"SessionToken\": \"t\", \"Expiration\": \"%%s\"}' $n \"$(cat expiration)\"\n", dir);
	write_file("creds.sh", script, 0700);
	free(script);
	char *cfg = xasprintf("[default]\ncredential_process = %s/creds.sh\n"
			      "[profile static]\naws_access_key_id = AKIDSTATIC\n"
			      "aws_secret_access_key = secret\n", dir);
	write_file("config", cfg, 0600);
	free(cfg);
}

static int runs(void)
{
	char *path = xasprintf("%s/count", dir);
	struct buf b = BUF_INIT;
	int n = buf_read_file(&b, path) < 0 ? 0 : atoi(b.ptr);
	buf_release(&b);
	free(path);
	return n;
}

static void reset_runs(void)
{
	char *path = xasprintf("%s/count", dir);
	unlink(path);
	free(path);
	path = xasprintf("%s/fail", dir);
	unlink(path);
	free(path);
}

/* 2030-01-01T00:00:00Z */
#define EXPIRY 1893456000

struct fixture {
	struct aws_config cfg;
	struct aws_credentials_env env;
	struct aws_credentials_provider *p;
};

static int fixture_open(struct fixture *f, const char *profile, struct diags *d)
{
	char *cfg = xasprintf("%s/config", dir);
	setenv("AWS_CONFIG_FILE", cfg, 1);
	free(cfg);
	memset(f, 0, sizeof(*f));
	if (aws_config_load(&f->cfg, profile, d) < 0)
		return -1;
	f->env.cfg = &f->cfg;
	f->env.now = fake_now;
	return aws_credentials_provider_new(&f->p, &f->env, d);
}

static void fixture_close(struct fixture *f)
{
	aws_credentials_provider_free(f->p);
	aws_config_release(&f->cfg);
}

static const char *current_key(struct fixture *f, int *rc, struct diags *d)
{
	static char key[64];
	struct aws_credentials c = { 0 };
	*rc = aws_credentials_get(f->p, &c, d);
	snprintf(key, sizeof(key), "%s", c.access_key_id ? c.access_key_id : "(none)");
	aws_credentials_release(&c);
	return key;
}

TEST(process_credentials_refresh_before_expiry)
{
	struct fixture f;
	struct diags d = DIAGS_INIT;
	int rc;
	setup();
	reset_runs();
	write_file("expiration", "2030-01-01T00:00:00Z", 0600);
	fake_now_value = EXPIRY - 3600;
	CHECK_INT(fixture_open(&f, NULL, &d), 0);
	CHECK_STR(aws_credentials_source(f.p), "process");
	CHECK_INT(runs(), 1); /* fetched once when the chain was resolved */
	CHECK_STR(current_key(&f, &rc, &d), "AKID1");

	fake_now_value = EXPIRY - 16 * 60; /* outside the 15-minute window */
	CHECK_STR(current_key(&f, &rc, &d), "AKID1");
	CHECK_INT(runs(), 1);

	fake_now_value = EXPIRY - 14 * 60; /* inside: refreshed */
	CHECK_STR(current_key(&f, &rc, &d), "AKID2");
	CHECK_INT(runs(), 2);

	/* A failed refresh keeps the old keys while more than 10 minutes remain... */
	write_file("fail", "", 0600);
	fake_now_value = EXPIRY - 12 * 60;
	CHECK_STR(current_key(&f, &rc, &d), "AKID2");
	CHECK_INT(rc, 0);
	CHECK_INT(d.n, 0);
	/* ...and is an error after that, naming the cause. */
	fake_now_value = EXPIRY - 9 * 60;
	current_key(&f, &rc, &d);
	CHECK_INT(rc, BERTH_EAUTH);
	CHECK_CONTAINS(d.items[0].summary, "exited with status 2");
	CHECK_STR(d.items[0].detail, "token expired");
	diags_release(&d);
	fixture_close(&f);
}

struct thread_arg {
	struct fixture *f;
	int failures;
};

static void *get_many(void *p)
{
	struct thread_arg *a = p;
	for (int i = 0; i < 20; i++) {
		struct aws_credentials c = { 0 };
		struct diags d = DIAGS_INIT;
		if (aws_credentials_get(a->f->p, &c, &d) < 0 || !c.access_key_id)
			a->failures++;
		aws_credentials_release(&c);
		diags_release(&d);
	}
	return NULL;
}

TEST(concurrent_gets_refresh_once)
{
	struct fixture f;
	struct diags d = DIAGS_INIT;
	pthread_t t[8];
	struct thread_arg a[8];
	setup();
	reset_runs();
	write_file("expiration", "2030-01-01T00:00:00Z", 0600);
	fake_now_value = EXPIRY - 3600;
	CHECK_INT(fixture_open(&f, NULL, &d), 0);
	/* The next credentials last six hours more. */
	write_file("expiration", "2030-01-01T06:00:00Z", 0600);
	fake_now_value = EXPIRY - 5 * 60;
	for (int i = 0; i < 8; i++) {
		a[i].f = &f;
		a[i].failures = 0;
		pthread_create(&t[i], NULL, get_many, &a[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT(a[i].failures, 0);
	}
	CHECK_INT(runs(), 2);
	fixture_close(&f);
}

TEST(env_keys_win_unless_profile_is_explicit)
{
	struct fixture f;
	struct diags d = DIAGS_INIT;
	int rc;
	setup();
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	setenv("AWS_PROFILE", "static", 1);
	CHECK_INT(fixture_open(&f, NULL, &d), 0);
	CHECK_STR(aws_credentials_source(f.p), "env");
	CHECK_STR(current_key(&f, &rc, &d), "AKIDENV");
	fixture_close(&f);
	CHECK_INT(fixture_open(&f, "static", &d), 0);
	CHECK_STR(aws_credentials_source(f.p), "profile static");
	CHECK_STR(current_key(&f, &rc, &d), "AKIDSTATIC");
	fixture_close(&f);
	setup();
}

TEST(half_set_env_keys_are_an_error)
{
	struct fixture f;
	struct diags d = DIAGS_INIT;
	setup();
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	CHECK(fixture_open(&f, NULL, &d) < 0);
	CHECK_STR(d.items[0].summary, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
	diags_release(&d);
	aws_config_release(&f.cfg);
	setup();
}

TEST(process_without_shell_and_bad_output)
{
	struct fixture f;
	struct diags d = DIAGS_INIT;
	setup();
	/* Quotes group words; $(...) is not expanded because there is no shell. */
	write_file("args.sh", "#!/bin/sh\n[ \"$1\" = 'a b' ] && [ \"$2\" = '$(id)' ] || exit 5\n"
			      "echo '{\"Version\": 2}'\n", 0700);
	char *cfg = xasprintf("[default]\ncredential_process = %s/args.sh \"a b\" '$(id)'\n", dir);
	write_file("config", cfg, 0600);
	free(cfg);
	CHECK(fixture_open(&f, NULL, &d) < 0);
	CHECK_CONTAINS(d.items[0].summary, "unsupported \"Version\"");
	diags_release(&d);
	aws_config_release(&f.cfg);

	cfg = xasprintf("[default]\ncredential_process = %s/args.sh \"unterminated\n", dir);
	write_file("config", cfg, 0600);
	free(cfg);
	CHECK(fixture_open(&f, NULL, &d) < 0);
	CHECK_STR(d.items[0].summary, "credential_process has an unterminated quote");
	diags_release(&d);
	aws_config_release(&f.cfg);

	write_file("config", "[default]\ncredential_process = /nonexistent/berth-helper\n", 0600);
	CHECK(fixture_open(&f, NULL, &d) < 0);
	CHECK_CONTAINS(d.items[0].summary, "exited with status 127");
	diags_release(&d);
	aws_config_release(&f.cfg);
	/* Restore the shared config for the other tests. */
	cfg = xasprintf("[default]\ncredential_process = %s/creds.sh\n"
			"[profile static]\naws_access_key_id = AKIDSTATIC\n"
			"aws_secret_access_key = secret\n", dir);
	write_file("config", cfg, 0600);
	free(cfg);
}

TEST(role_profile_problems_are_located)
{
	struct fixture f;
	struct diags d = DIAGS_INIT;
	setup();
	write_file("config", "[profile r]\nrole_arn = arn:aws:iam::1:role/x\n", 0600);
	CHECK(fixture_open(&f, "r", &d) < 0);
	CHECK_STR(d.items[0].summary, "profile 'r' has role_arn but no source_profile, "
				      "credential_source or web_identity_token_file");
	CHECK_CONTAINS(d.items[0].detail, "/config:2");
	diags_release(&d);
	aws_config_release(&f.cfg);

	write_file("config", "[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = gone\n",
		   0600);
	CHECK(fixture_open(&f, "r", &d) < 0);
	CHECK_STR(d.items[0].summary, "source_profile 'gone' does not exist");
	diags_release(&d);
	aws_config_release(&f.cfg);

	write_file("config", "[profile r]\nrole_arn = arn:aws:iam::1:role/x\n"
			     "credential_source = Ec2\n", 0600);
	CHECK(fixture_open(&f, "r", &d) < 0);
	CHECK_CONTAINS(d.items[0].summary, "unknown credential_source 'Ec2'");
	diags_release(&d);
	aws_config_release(&f.cfg);
	char *cfg = xasprintf("[default]\ncredential_process = %s/creds.sh\n"
			      "[profile static]\naws_access_key_id = AKIDSTATIC\n"
			      "aws_secret_access_key = secret\n", dir);
	write_file("config", cfg, 0600);
	free(cfg);
}

TEST_MAIN()
