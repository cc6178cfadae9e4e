/* Unit tests for src/engine/statefile.c: round trip, permissions, redaction,
 * symlinks, corrupt and future files, and concurrent writers. */
#include "util/common.h"
#include "harness.h"
#include "scratch.h"
#include "engine/statefile.h"
#include "util/buf.h"
#include "util/fsutil.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static json_t *js(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	if (!j)
		abort();
	return j;
}

TEST(statefile_round_trips_with_private_permissions)
{
	char top[64];
	struct buf dir = BUF_INIT, file = BUF_INIT;
	struct statefile s, got;
	struct diags d = DIAGS_INIT;
	struct state_resource *r;
	scratch_make(top, sizeof(top), "berth-state");
	buf_addf(&dir, "%s/.berth", top);
	buf_addf(&file, "%s/ecs-workshop.state.json", dir.ptr);

	statefile_init(&s, "ecs-workshop");
	CHECK_INT(strlen(s.lineage), 36);
	CHECK(s.lineage[14] == '4');
	statefile_set(&s, "cluster", "AWS::ECS::Cluster", "arn:aws:ecs:x:1:cluster/c",
		      js("{\"ClusterName\": \"c\", \"Arn\": \"arn:aws:ecs:x:1:cluster/c\"}"),
		      js("{\"ClusterName\": \"c\"}"));
	statefile_set(&s, "module.net.subnet[0]", "AWS::EC2::Subnet", NULL, NULL, NULL);
	statefile_set(&s, "alarm", "AWS::CloudWatch::Alarm", "cpu", NULL, js("{\"Threshold\": 50}"));
	CHECK_INT(s.n, 3);
	CHECK_STR(s.res[0].address, "alarm"); /* kept sorted */
	CHECK_INT(statefile_save(dir.ptr, &s, NULL, NULL, &d), 0);
	CHECK_INT(d.n, 0);
	CHECK_INT(s.serial, 1);
	CHECK(s.updated != NULL);
	CHECK_INT(scratch_mode(dir.ptr), 0700);
	CHECK_INT(scratch_mode(file.ptr), 0600);
	CHECK_INT(scratch_count(dir.ptr), 1);

	CHECK_INT(statefile_load(dir.ptr, "ecs-workshop", &got, &d), 0);
	CHECK_INT(got.serial, 1);
	CHECK_STR(got.lineage, s.lineage);
	CHECK_STR(got.updated, s.updated);
	CHECK_INT(got.n, 3);
	r = statefile_get(&got, "cluster");
	CHECK(r != NULL);
	CHECK_STR(r->type, "AWS::ECS::Cluster");
	CHECK_STR(r->id, "arn:aws:ecs:x:1:cluster/c");
	CHECK(json_equal(r->attributes, statefile_get(&s, "cluster")->attributes));
	CHECK(json_equal(r->applied, statefile_get(&s, "cluster")->applied));
	r = statefile_get(&got, "module.net.subnet[0]");
	CHECK(r && r->id == NULL && json_object_size(r->attributes) == 0);
	CHECK(statefile_get(&got, "nope") == NULL);

	/* Saving what was loaded continues the same history. */
	CHECK(statefile_remove(&got, "alarm"));
	CHECK(!statefile_remove(&got, "alarm"));
	CHECK_INT(statefile_save(dir.ptr, &got, NULL, NULL, &d), 0);
	CHECK_INT(got.serial, 2);
	statefile_release(&got);
	CHECK_INT(statefile_load(dir.ptr, "ecs-workshop", &got, &d), 0);
	CHECK_INT(got.serial, 2);
	CHECK_INT(got.n, 2);
	CHECK_STR(got.lineage, s.lineage);
	statefile_release(&got);
	statefile_release(&s);
	scratch_remove(top);
	buf_release(&dir);
	buf_release(&file);
}

static const char *const *db_secrets(void *ctx, const char *type)
{
	static const char *const db[] = { "/properties/MasterUserPassword",
					  "/Secrets/*/ValueFrom", "/a~1b", NULL };
	(void)ctx;
	return strcmp(type, "AWS::RDS::DBInstance") ? NULL : db;
}

TEST(statefile_strips_sensitive_values_before_writing)
{
	char top[64];
	struct buf file = BUF_INIT, text = BUF_INIT;
	struct statefile s, got;
	struct diags d = DIAGS_INIT;
	struct state_resource *r;
	json_t *want;
	scratch_make(top, sizeof(top), "berth-state");
	statefile_init(&s, "x");
	statefile_set(&s, "db", "AWS::RDS::DBInstance", "db-1",
		      js("{\"Engine\": \"postgres\", \"MasterUserPassword\": \"hunter2\","
			 " \"Secrets\": [{\"Name\": \"A\", \"ValueFrom\": \"s3cr3t-a\"},"
			 " {\"Name\": \"B\", \"ValueFrom\": \"s3cr3t-b\"}], \"a/b\": \"slashy\"}"),
		      js("{\"MasterUserPassword\": \"hunter2\"}"));
	/* Another type with the same property name is not affected. */
	statefile_set(&s, "other", "AWS::Other::Thing", "o", js("{\"MasterUserPassword\": \"visible\"}"),
		      NULL);
	CHECK_INT(statefile_save(top, &s, db_secrets, NULL, &d), 0);
	buf_addf(&file, "%s/x.state.json", top);
	CHECK_INT(fs_read_nofollow(file.ptr, &text, &d), 0);
	CHECK(!strstr(text.ptr, "hunter2"));
	CHECK(!strstr(text.ptr, "s3cr3t"));
	CHECK(!strstr(text.ptr, "slashy"));
	CHECK_CONTAINS(text.ptr, "postgres");
	CHECK_CONTAINS(text.ptr, "visible");
	/* The caller's copy is untouched. */
	CHECK_STR(json_string_value(json_object_get(statefile_get(&s, "db")->attributes,
						    "MasterUserPassword")), "hunter2");

	CHECK_INT(statefile_load(top, "x", &got, &d), 0);
	r = statefile_get(&got, "db");
	want = js("{\"Engine\": \"postgres\", \"Secrets\": [{\"Name\": \"A\"}, {\"Name\": \"B\"}]}");
	CHECK(json_equal(r->attributes, want));
	json_decref(want);
	CHECK_INT(json_object_size(r->applied), 0);
	statefile_release(&got);
	statefile_release(&s);
	scratch_remove(top);
	buf_release(&file);
	buf_release(&text);
}

TEST(json_strip_pointer_cases)
{
	static const struct {
		const char *doc, *pointer, *want;
		size_t removed;
	} cases[] = {
		{ "{\"a\": 1, \"b\": 2}", "/a", "{\"b\": 2}", 1 },
		{ "{\"a\": {\"b\": 1, \"c\": 2}}", "/a/b", "{\"a\": {\"c\": 2}}", 1 },
		{ "{\"a\": [1, 2, 3]}", "/a/1", "{\"a\": [1, 3]}", 1 },
		{ "{\"a\": [1, 2, 3]}", "/a/01", "{\"a\": [1, 2, 3]}", 0 },
		{ "{\"a\": [1, 2, 3]}", "/a/9", "{\"a\": [1, 2, 3]}", 0 },
		{ "{\"a\": [{\"k\": 1, \"v\": 2}, {\"k\": 3}]}", "/a/*/k",
		  "{\"a\": [{\"v\": 2}, {}]}", 2 },
		{ "{\"m\": {\"x\": {\"s\": 1}, \"y\": {\"s\": 2, \"t\": 3}}}", "/m/*/s",
		  "{\"m\": {\"x\": {}, \"y\": {\"t\": 3}}}", 2 },
		{ "{\"a\": [1, 2]}", "/a/*", "{\"a\": []}", 2 },
		{ "{\"a/b\": 1, \"c~d\": 2}", "/a~1b", "{\"c~d\": 2}", 1 },
		{ "{\"a/b\": 1, \"c~d\": 2}", "/c~0d", "{\"a/b\": 1}", 1 },
		{ "{\"a\": 1}", "/missing/deeper", "{\"a\": 1}", 0 },
		{ "{\"a\": \"scalar\"}", "/a/b", "{\"a\": \"scalar\"}", 0 },
		{ "{\"a\": 1}", "a", "{\"a\": 1}", 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *doc = js(cases[i].doc), *want = js(cases[i].want);
		size_t n = json_strip_pointer(doc, cases[i].pointer);
		if (n != cases[i].removed || !json_equal(doc, want)) {
			char *got = json_dumps(doc, JSON_COMPACT);
			fprintf(stderr, "  case %zu (%s): removed %zu, got %s\n", i,
				cases[i].pointer, n, got);
			free(got);
			CHECK(0);
		}
		json_decref(doc);
		json_decref(want);
	}
}

TEST(statefile_missing_symlinked_and_misnamed)
{
	char top[64];
	struct buf dir = BUF_INIT, file = BUF_INIT, link = BUF_INIT, elsewhere = BUF_INIT;
	struct statefile s, got;
	struct diags d = DIAGS_INIT;
	scratch_make(top, sizeof(top), "berth-state");
	buf_addf(&dir, "%s/.berth", top);
	CHECK_INT(statefile_load(dir.ptr, "x", &got, &d), BERTH_ENOTFOUND);
	CHECK_INT(fs_mkdir_private(dir.ptr, &d), 0);
	CHECK_INT(statefile_load(dir.ptr, "x", &got, &d), BERTH_ENOTFOUND);
	CHECK_INT(d.n, 0);

	/* The state file is a symlink to a valid state file elsewhere. */
	statefile_init(&s, "x");
	buf_addf(&elsewhere, "%s/elsewhere", top);
	CHECK_INT(statefile_save(elsewhere.ptr, &s, NULL, NULL, &d), 0);
	buf_addf(&file, "%s/x.state.json", dir.ptr);
	buf_addf(&link, "%s/x.state.json", elsewhere.ptr);
	CHECK_INT(symlink(link.ptr, file.ptr), 0);
	CHECK_INT(statefile_load(dir.ptr, "x", &got, &d), BERTH_EIO);
	CHECK_CONTAINS(d.items[0].summary, "refusing to read");
	diags_release(&d);

	/* .berth itself is a symlink. */
	buf_reset(&link);
	buf_addf(&link, "%s/.berth2", top);
	CHECK_INT(symlink(elsewhere.ptr, link.ptr), 0);
	CHECK_INT(statefile_load(link.ptr, "x", &got, &d), BERTH_EIO);
	CHECK_CONTAINS(d.items[0].summary, "it is a symbolic link");
	diags_release(&d);
	CHECK_INT(statefile_save(link.ptr, &s, NULL, NULL, &d), BERTH_EIO);
	CHECK_CONTAINS(d.items[0].summary, "it is a symbolic link");
	diags_release(&d);

	CHECK_INT(statefile_load(dir.ptr, "../x", &got, &d), BERTH_EINVAL);
	CHECK_STR(d.items[0].summary, "stack name '../x' cannot name a state file");
	diags_release(&d);
	statefile_release(&s);
	scratch_remove(top);
	buf_release(&dir);
	buf_release(&file);
	buf_release(&link);
	buf_release(&elsewhere);
}

static int parse_msg(const char *text, char *msg, size_t len)
{
	struct statefile got;
	struct diags d = DIAGS_INIT;
	int ret = statefile_parse(text, strlen(text), ".berth/x.state.json", "x", &got, &d);
	snprintf(msg, len, "%s", d.n ? d.items[0].summary : "");
	if (!ret)
		statefile_release(&got);
	diags_release(&d);
	return ret;
}

TEST(statefile_rejects_corrupt_and_future_files)
{
	char msg[512];
	CHECK_INT(parse_msg("{\"format\": 1, \"stack\"", msg, sizeof(msg)), BERTH_EINVAL);
	CHECK_CONTAINS(msg, "state file .berth/x.state.json is corrupt: line 1, column ");
	CHECK_INT(parse_msg("[]", msg, sizeof(msg)), BERTH_EINVAL);
	CHECK_STR(msg, "state file .berth/x.state.json is corrupt: it is not a JSON object");
	CHECK_INT(parse_msg("{\"stack\": \"x\"}", msg, sizeof(msg)), BERTH_EINVAL);
	CHECK_STR(msg, "state file .berth/x.state.json is corrupt: \"format\" is missing or "
		       "not a positive integer");
	CHECK_INT(parse_msg("{\"format\": 2, \"stack\": \"x\"}", msg, sizeof(msg)), BERTH_ECONFLICT);
	CHECK_STR(msg, "state file .berth/x.state.json has format 2, written by a newer berth; "
		       "this berth understands format 1");
	CHECK_INT(parse_msg("{\"format\": 1, \"stack\": \"y\", \"serial\": 1, \"lineage\": "
			    "\"00000000-0000-4000-8000-000000000000\"}", msg, sizeof(msg)),
		  BERTH_EINVAL);
	CHECK_STR(msg, "state file .berth/x.state.json is corrupt: it belongs to stack 'y', not 'x'");
	CHECK_INT(parse_msg("{\"format\": 1, \"stack\": \"x\", \"serial\": -1}", msg, sizeof(msg)),
		  BERTH_EINVAL);
	CHECK_INT(parse_msg("{\"format\": 1, \"stack\": \"x\", \"serial\": 3, \"lineage\": "
			    "\"00000000-0000-4000-8000-000000000000\", \"resources\": {\"a\": "
			    "{\"type\": \"T\", \"id\": 5}}}", msg, sizeof(msg)), BERTH_EINVAL);
	CHECK_STR(msg, "state file .berth/x.state.json is corrupt: resource 'a' lacks a type or "
		       "has a value of the wrong kind");
	CHECK_INT(parse_msg("{\"format\": 1, \"stack\": \"x\", \"serial\": 3, \"lineage\": "
			    "\"00000000-0000-4000-8000-000000000000\", \"resources\": {\"a\": "
			    "{\"type\": \"T\", \"id\": null}}}", msg, sizeof(msg)), 0);
}

/* Several processes save complete, distinct states over and over while this
 * one reads: every read must parse and be entirely one writer's state. */
TEST(statefile_concurrent_writers_never_tear)
{
	enum { WRITERS = 4, SAVES = 40, RESOURCES = 60 };
	char top[64];
	pid_t kids[WRITERS];
	int reads = 0, bad = 0, exited_ok = 0, status;
	struct diags d = DIAGS_INIT;
	scratch_make(top, sizeof(top), "berth-state");
	for (int w = 0; w < WRITERS; w++) {
		kids[w] = fork();
		if (kids[w] == 0) {
			struct statefile s;
			struct diags kd = DIAGS_INIT;
			int rc = 0;
			statefile_init(&s, "race");
			for (int i = 0; i < RESOURCES; i++) {
				char addr[32];
				snprintf(addr, sizeof(addr), "res[%d]", i);
				statefile_set(&s, addr, "AWS::T", addr,
					      json_pack("{s:i, s:s}", "writer", w, "pad",
							"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
					      NULL);
			}
			for (int k = 0; k < SAVES && !rc; k++)
				rc = statefile_save(top, &s, NULL, NULL, &kd) < 0;
			statefile_release(&s);
			diags_release(&kd);
			_exit(rc);
		}
	}
	for (;;) {
		struct statefile got;
		bool running = false;
		int r = statefile_load(top, "race", &got, &d);
		for (int w = 0; w < WRITERS; w++) {
			if (kids[w] <= 0)
				continue;
			if (waitpid(kids[w], &status, WNOHANG) == 0) {
				running = true;
			} else {
				exited_ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
				kids[w] = -1;
			}
		}
		if (r == 0) {
			json_int_t writer = json_integer_value(
				json_object_get(got.res[0].attributes, "writer"));
			reads++;
			bad += got.n != RESOURCES;
			for (size_t i = 0; i < got.n; i++)
				bad += json_integer_value(json_object_get(got.res[i].attributes,
									  "writer")) != writer;
			statefile_release(&got);
		} else if (r != BERTH_ENOTFOUND) {
			bad++;
			diags_release(&d);
		}
		if (!running)
			break;
	}
	CHECK_INT(exited_ok, WRITERS);
	CHECK_INT(bad, 0);
	CHECK(reads > 0);
	CHECK_INT(scratch_count(top), 1); /* no temp file left behind */
	scratch_remove(top);
}

TEST_MAIN()
