/* Unit tests for src/util/fsutil.c: atomic writes, private folders, reads that
 * refuse symlinks, and the stack lock (held, stale, foreign, corrupt, raced). */
#include "util/common.h"
#include "harness.h"
#include "scratch.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/fsutil.h"

#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

TEST(fs_write_atomic_writes_with_exact_mode_and_leaves_no_temp)
{
	char dir[64];
	struct buf p = BUF_INIT, got = BUF_INIT;
	struct diags d = DIAGS_INIT;
	mode_t old = umask(0);
	scratch_make(dir, sizeof(dir), "berth-fsutil");
	buf_addf(&p, "%s/state.json", dir);
	CHECK_INT(fs_write_atomic(p.ptr, "one", 3, 0, &d), 0);
	CHECK_INT(scratch_mode(p.ptr), 0600);
	CHECK_INT(fs_write_atomic(p.ptr, "second", 6, 0640, &d), 0);
	CHECK_INT(scratch_mode(p.ptr), 0640);
	umask(077);
	CHECK_INT(fs_write_atomic(p.ptr, "third\0x", 7, 0644, &d), 0);
	CHECK_INT(scratch_mode(p.ptr), 0644); /* exact, whatever the umask */
	umask(old);
	CHECK_INT(fs_read_nofollow(p.ptr, &got, &d), 0);
	CHECK_INT(got.len, 7);
	CHECK(!memcmp(got.ptr, "third\0x", 7));
	CHECK_INT(scratch_count(dir), 1);
	CHECK_INT(d.n, 0);
	scratch_remove(dir);
	buf_release(&p);
	buf_release(&got);
}

TEST(fs_write_atomic_replaces_a_symlink_instead_of_following_it)
{
	char dir[64];
	struct buf p = BUF_INIT, target = BUF_INIT, got = BUF_INIT;
	struct diags d = DIAGS_INIT;
	struct stat st;
	scratch_make(dir, sizeof(dir), "berth-fsutil");
	buf_addf(&target, "%s/victim", dir);
	buf_addf(&p, "%s/state.json", dir);
	CHECK_INT(fs_write_atomic(target.ptr, "precious", 8, 0, &d), 0);
	CHECK_INT(symlink(target.ptr, p.ptr), 0);
	CHECK_INT(fs_write_atomic(p.ptr, "new", 3, 0, &d), 0);
	CHECK_INT(lstat(p.ptr, &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_INT(fs_read_nofollow(target.ptr, &got, &d), 0);
	CHECK_STR(got.ptr, "precious");
	scratch_remove(dir);
	buf_release(&p);
	buf_release(&target);
	buf_release(&got);
	diags_release(&d);
}

TEST(fs_write_atomic_fails_cleanly_in_a_missing_folder)
{
	char dir[64];
	struct buf p = BUF_INIT;
	struct diags d = DIAGS_INIT;
	scratch_make(dir, sizeof(dir), "berth-fsutil");
	buf_addf(&p, "%s/nope/state.json", dir);
	CHECK_INT(fs_write_atomic(p.ptr, "x", 1, 0, &d), BERTH_EIO);
	CHECK_INT(d.n, 1);
	CHECK_CONTAINS(d.items[0].summary, "cannot create a file in");
	CHECK_CONTAINS(d.items[0].summary, "No such file or directory");
	CHECK_INT(scratch_count(dir), 0);
	scratch_remove(dir);
	buf_release(&p);
	diags_release(&d);
}

TEST(fs_mkdir_private_creates_tightens_and_refuses)
{
	char dir[64];
	struct buf p = BUF_INIT, link = BUF_INIT, file = BUF_INIT;
	struct diags d = DIAGS_INIT;
	scratch_make(dir, sizeof(dir), "berth-fsutil");
	buf_addf(&p, "%s/a/b/.berth", dir);
	CHECK_INT(fs_mkdir_private(p.ptr, &d), 0);
	CHECK_INT(scratch_mode(p.ptr), 0700);
	buf_setlen(&p, strlen(dir) + 2);
	CHECK_INT(scratch_mode(p.ptr), 0700); /* parents too */
	chmod(p.ptr, 0755);
	CHECK_INT(fs_mkdir_private(p.ptr, &d), 0); /* existing is fine, and tightened */
	CHECK_INT(scratch_mode(p.ptr), 0700);
	CHECK_INT(d.n, 0);

	buf_addf(&link, "%s/link", dir);
	CHECK_INT(symlink(p.ptr, link.ptr), 0);
	CHECK_INT(fs_mkdir_private(link.ptr, &d), BERTH_EIO);
	CHECK_CONTAINS(d.items[0].summary, "it is a symbolic link");
	diags_release(&d);

	buf_addf(&file, "%s/file", dir);
	CHECK_INT(fs_write_atomic(file.ptr, "", 0, 0, &d), 0);
	CHECK_INT(fs_mkdir_private(file.ptr, &d), BERTH_EIO);
	CHECK_CONTAINS(d.items[0].summary, "exists and is not a folder");
	diags_release(&d);

	/* Owned by someone else: only testable when we may chown. */
	if (geteuid() == 0 && chown(p.ptr, 65534, 65534) == 0) {
		CHECK_INT(fs_mkdir_private(p.ptr, &d), BERTH_EIO);
		CHECK_CONTAINS(d.items[0].summary, "it is owned by uid 65534, not by you (uid 0)");
		diags_release(&d);
	}
	scratch_remove(dir);
	buf_release(&p);
	buf_release(&link);
	buf_release(&file);
}

TEST(fs_read_nofollow_refuses_symlinks_and_reports_missing)
{
	char dir[64];
	struct buf p = BUF_INIT, link = BUF_INIT, got = BUF_INIT;
	struct diags d = DIAGS_INIT;
	scratch_make(dir, sizeof(dir), "berth-fsutil");
	buf_addf(&p, "%s/f", dir);
	buf_addf(&link, "%s/l", dir);
	CHECK_INT(fs_read_nofollow(p.ptr, &got, &d), BERTH_ENOTFOUND);
	CHECK_INT(d.n, 0);
	CHECK_INT(fs_write_atomic(p.ptr, "data", 4, 0, &d), 0);
	CHECK_INT(symlink(p.ptr, link.ptr), 0);
	CHECK_INT(fs_read_nofollow(link.ptr, &got, &d), BERTH_EIO);
	CHECK_CONTAINS(d.items[0].summary, "refusing to read");
	CHECK_CONTAINS(d.items[0].summary, "it is a symbolic link");
	CHECK_INT(got.len, 0);
	diags_release(&d);
	CHECK_INT(fs_read_nofollow(dir, &got, &d), BERTH_EIO);
	CHECK_CONTAINS(d.items[0].summary, "not a regular file");
	scratch_remove(dir);
	buf_release(&p);
	buf_release(&link);
	buf_release(&got);
	diags_release(&d);
}

static void write_lock(const char *dir, const char *name, long pid, const char *host)
{
	struct buf p = BUF_INIT, body = BUF_INIT;
	struct diags d = DIAGS_INIT;
	buf_addf(&p, "%s/%s.lock", dir, name);
	buf_addf(&body, "{\"pid\": %ld, \"host\": \"%s\", \"started\": \"2026-11-24T16:02:11Z\", "
			"\"command\": \"berth apply\"}", pid, host);
	if (fs_write_atomic(p.ptr, body.ptr, body.len, 0, &d) < 0)
		abort();
	buf_release(&p);
	buf_release(&body);
}

static char *my_host(void)
{
	static char host[256];
	gethostname(host, sizeof(host) - 1);
	return host;
}

/* A pid that certainly belongs to no process: a child that has been reaped. */
static long dead_pid(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return (long)pid;
}

TEST(fs_lock_is_exclusive_and_names_the_holder)
{
	char dir[64], want[512];
	struct fs_lock a = FS_LOCK_INIT, b = FS_LOCK_INIT;
	struct diags d = DIAGS_INIT;
	struct buf p = BUF_INIT, got = BUF_INIT;
	json_t *j;
	scratch_make(dir, sizeof(dir), "berth-fsutil");
	CHECK_INT(fs_lock_acquire(dir, "x", "berth apply", &a, &d), 0);
	CHECK_INT(d.n, 0);
	buf_addf(&p, "%s/x.lock", dir);
	CHECK_STR(a.path, p.ptr);
	CHECK_INT(scratch_mode(p.ptr), 0600);
	CHECK_INT(scratch_count(dir), 1); /* no temp file left */
	CHECK_INT(fs_read_nofollow(p.ptr, &got, &d), 0);
	j = json_loads(got.ptr, 0, NULL);
	CHECK(j != NULL);
	CHECK_INT(json_integer_value(json_object_get(j, "pid")), getpid());
	CHECK_STR(json_string_value(json_object_get(j, "host")), my_host());
	CHECK_STR(json_string_value(json_object_get(j, "command")), "berth apply");
	CHECK_INT(strlen(json_string_value(json_object_get(j, "started"))), 20);

	CHECK_INT(fs_lock_acquire(dir, "x", "berth destroy", &b, &d), BERTH_ELOCKED);
	CHECK(!b.path[0]);
	snprintf(want, sizeof(want),
		 "stack 'x' is locked by pid %ld (berth apply) since %s; wait for it or, "
		 "if that process is gone, remove %s/x.lock",
		 (long)getpid(), json_string_value(json_object_get(j, "started")), dir);
	CHECK_STR(d.items[0].summary, want);
	json_decref(j);
	diags_release(&d);

	CHECK_INT(fs_lock_acquire(dir, "../x", "berth plan", &b, &d), BERTH_EINVAL);
	CHECK_STR(d.items[0].summary, "'../x' cannot name a lock file");
	diags_release(&d);

	/* Another stack is independent. */
	CHECK_INT(fs_lock_acquire(dir, "y", "berth plan", &b, &d), 0);
	fs_lock_release(&b);

	fs_lock_release(&a);
	fs_lock_release(&a); /* idempotent */
	CHECK(!a.path[0]);
	CHECK_INT(scratch_count(dir), 0);
	CHECK_INT(fs_lock_acquire(dir, "x", "berth destroy", &b, &d), 0);
	fs_lock_release(&b);
	scratch_remove(dir);
	buf_release(&p);
	buf_release(&got);
}

TEST(fs_lock_takes_over_a_stale_lock_and_says_so)
{
	char dir[64], want[256];
	struct fs_lock a = FS_LOCK_INIT;
	struct diags d = DIAGS_INIT;
	struct buf p = BUF_INIT, got = BUF_INIT;
	long pid = dead_pid();
	scratch_make(dir, sizeof(dir), "berth-fsutil");
	write_lock(dir, "x", pid, my_host());
	CHECK_INT(fs_lock_acquire(dir, "x", "berth apply", &a, &d), 0);
	CHECK_INT(d.n, 1);
	CHECK_INT(d.items[0].severity, DIAG_WARNING);
	snprintf(want, sizeof(want),
		 "took over the lock on stack 'x' from pid %ld (berth apply, since "
		 "2026-11-24T16:02:11Z), which is no longer running", pid);
	CHECK_STR(d.items[0].summary, want);
	buf_addf(&p, "%s/x.lock", dir);
	CHECK_INT(fs_read_nofollow(p.ptr, &got, &d), 0);
	snprintf(want, sizeof(want), "\"pid\": %ld,", (long)getpid());
	CHECK_CONTAINS(got.ptr, want);
	CHECK_INT(scratch_count(dir), 1); /* no guard or temp left */
	fs_lock_release(&a);
	scratch_remove(dir);
	buf_release(&p);
	buf_release(&got);
	diags_release(&d);
}

TEST(fs_lock_never_takes_a_foreign_or_unreadable_lock)
{
	char dir[64];
	struct fs_lock a = FS_LOCK_INIT;
	struct diags d = DIAGS_INIT;
	struct buf p = BUF_INIT;
	scratch_make(dir, sizeof(dir), "berth-fsutil");
	/* A dead pid, but on another host: berth cannot know, so it waits. */
	write_lock(dir, "x", dead_pid(), "build-box-7");
	CHECK_INT(fs_lock_acquire(dir, "x", "berth apply", &a, &d), BERTH_ELOCKED);
	CHECK_CONTAINS(d.items[0].summary, "is locked by pid ");
	CHECK_CONTAINS(d.items[0].summary, " on host 'build-box-7' (berth apply) since "
					   "2026-11-24T16:02:11Z; wait for it");
	diags_release(&d);

	buf_addf(&p, "%s/x.lock", dir);
	CHECK_INT(fs_write_atomic(p.ptr, "garbage", 7, 0, &d), 0);
	CHECK_INT(fs_lock_acquire(dir, "x", "berth apply", &a, &d), BERTH_ELOCKED);
	CHECK_CONTAINS(d.items[0].summary, "does not say who holds it (it is not JSON)");
	CHECK(d.items[0].detail && strstr(d.items[0].detail, "remove"));
	CHECK(!a.path[0]);
	CHECK_INT(scratch_count(dir), 1);
	scratch_remove(dir);
	buf_release(&p);
	diags_release(&d);
}

TEST(fs_lock_stale_takeover_race_has_one_winner)
{
	/* Several processes find the same stale lock at once; exactly one may
	 * end up holding it. Winners keep holding (stay alive) until every
	 * contender has answered, so later ones see a live holder. */
	for (int round = 0; round < 20; round++) {
		char dir[64];
		int results[2], go[2], wins = 0, locked = 0;
		enum { N = 6 };
		pid_t kids[N];
		scratch_make(dir, sizeof(dir), "berth-fsutil");
		write_lock(dir, "x", dead_pid(), my_host());
		CHECK_INT(pipe(results), 0);
		CHECK_INT(pipe(go), 0);
		for (int i = 0; i < N; i++) {
			kids[i] = fork();
			if (kids[i] == 0) {
				struct fs_lock l = FS_LOCK_INIT;
				struct diags d = DIAGS_INIT;
				char c, r;
				close(go[1]);
				r = fs_lock_acquire(dir, "x", "berth apply", &l, &d) == 0 ? 'W'
				    : 'L';
				if (write(results[1], &r, 1) != 1)
					_exit(2);
				if (read(go[0], &c, 1) < 0)
					_exit(2);
				_exit(0);
			}
		}
		close(results[1]);
		for (int i = 0; i < N; i++) {
			char r = 0;
			CHECK_INT(read(results[0], &r, 1), 1);
			wins += r == 'W';
			locked += r == 'L';
		}
		close(go[1]); /* now the holders may go */
		close(go[0]);
		close(results[0]);
		for (int i = 0; i < N; i++)
			waitpid(kids[i], NULL, 0);
		CHECK_INT(wins, 1);
		CHECK_INT(locked, N - 1);
		scratch_remove(dir);
	}
}

TEST_MAIN()
