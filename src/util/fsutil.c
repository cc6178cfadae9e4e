/* Private folders, atomic writes, symlink-refusing reads and the stack lock;
 * see fsutil.h for why each is shaped as it is. */
#include "util/common.h"
#include "util/fsutil.h"

#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void fs_iso8601_now(char out[21])
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int fs_user_state_dir(char **out, struct diags *d)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	if (x && x[0] == '/') {
		*out = xasprintf("%s/berth", x);
		return 0;
	}
	if (home && home[0] == '/') {
		*out = xasprintf("%s/.local/state/berth", home);
		return 0;
	}
	diags_add(d, DIAG_ERROR, "no folder for berth's stack locks: neither XDG_STATE_HOME nor "
				 "HOME is set to an absolute path");
	return BERTH_EINVAL;
}

/* The folder part of path ("." when there is none). */
static void dir_of(const char *path, struct buf *out)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		buf_adds(out, ".");
	else if (slash == path)
		buf_adds(out, "/");
	else
		buf_add(out, path, (size_t)(slash - path));
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r, e;
	if (fd < 0)
		return -1;
	r = fsync(fd);
	e = errno;
	close(fd);
	/* Some file systems cannot fsync a folder; they also do not need it. */
	if (r < 0 && (e == EINVAL || e == ENOTSUP))
		r = 0;
	errno = e;
	return r;
}

/* Creates a new file next to `near` (same folder, so a rename is atomic) named
 * .BASE.tmp-PID-RANDOM, writes data, sets mode, fsyncs and closes it. The name
 * goes to *tmp (owned by the caller) only on success. */
static int write_temp(const char *near, const void *data, size_t len, mode_t mode,
		      char **tmp, struct diags *d)
{
	struct buf dir = BUF_INIT, name = BUF_INIT;
	int fd = -1, ret = BERTH_EIO, tries;

	dir_of(near, &dir);
	for (tries = 0; tries < 16; tries++) {
		uint32_t rnd;
		if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			rnd = (uint32_t)time(NULL) ^ ((uint32_t)tries << 16);
		buf_reset(&name);
		buf_addf(&name, "%s/.%s.tmp-%ld-%08x", dir.ptr, base_of(near), (long)getpid(),
			 (unsigned)rnd);
		fd = open(name.ptr, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		diags_add(d, DIAG_ERROR, "cannot create a file in %s: %s", dir.ptr, strerror(errno));
		goto cleanup;
	}
	if (write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		diags_add(d, DIAG_ERROR, "cannot write %s: %s", name.ptr, strerror(errno));
		close(fd);
		unlink(name.ptr);
		goto cleanup;
	}
	if (close(fd) < 0) {
		diags_add(d, DIAG_ERROR, "cannot write %s: %s", name.ptr, strerror(errno));
		unlink(name.ptr);
		goto cleanup;
	}
	*tmp = buf_detach(&name, NULL);
	ret = 0;
cleanup:
	buf_release(&dir);
	buf_release(&name);
	return ret;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		    struct diags *d)
{
	struct buf dir = BUF_INIT;
	char *tmp = NULL;
	int ret;

	if ((ret = write_temp(path, data, len, mode ? mode : 0600, &tmp, d)) < 0)
		goto cleanup;
	ret = BERTH_EIO;
	/* rename replaces a symlink at path rather than following it. */
	if (rename(tmp, path) < 0) {
		diags_add(d, DIAG_ERROR, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		goto cleanup;
	}
	dir_of(path, &dir);
	if (fsync_dir(dir.ptr) < 0) {
		diags_add(d, DIAG_ERROR, "cannot sync folder %s after writing %s: %s", dir.ptr,
			  path, strerror(errno));
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(tmp);
	buf_release(&dir);
	return ret;
}

int fs_mkdir_private(const char *path, struct diags *d)
{
	struct buf prefix = BUF_INIT;
	struct stat st;
	int fd = -1, ret = BERTH_EIO;

	if (!*path) {
		diags_add(d, DIAG_ERROR, "empty folder name");
		return BERTH_EINVAL;
	}
	/* Parents first. Symlinks among them are the user's business (a home
	 * folder reached through one is common); only the last part is ours. */
	for (const char *p = path + 1; *p; p++) {
		if (*p != '/' || p[-1] == '/')
			continue;
		buf_reset(&prefix);
		buf_add(&prefix, path, (size_t)(p - path));
		if (mkdir(prefix.ptr, 0700) < 0 && errno != EEXIST) {
			diags_add(d, DIAG_ERROR, "cannot create folder %s: %s", prefix.ptr,
				  strerror(errno));
			goto cleanup;
		}
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		diags_add(d, DIAG_ERROR, "cannot create folder %s: %s", path, strerror(errno));
		goto cleanup;
	}
	/* Check what is there through a descriptor, so the checks and the chmod
	 * are about the same object even if the name is swapped meanwhile. */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		/* With O_DIRECTORY, Linux reports a symlink as ENOTDIR, not ELOOP. */
		if (e == ELOOP || (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)))
			diags_add(d, DIAG_ERROR, "refusing to use %s: it is a symbolic link", path);
		else if (e == ENOTDIR)
			diags_add(d, DIAG_ERROR, "%s exists and is not a folder", path);
		else
			diags_add(d, DIAG_ERROR, "cannot open folder %s: %s", path, strerror(e));
		goto cleanup;
	}
	if (fstat(fd, &st) < 0) {
		diags_add(d, DIAG_ERROR, "cannot inspect %s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (st.st_uid != geteuid()) {
		struct diag *dg = diags_add(d, DIAG_ERROR,
					    "refusing to use %s: it is owned by uid %ld, not by you (uid %ld)",
					    path, (long)st.st_uid, (long)geteuid());
		diag_set_detail(dg, "berth keeps private state there; remove it or run berth as its owner");
		goto cleanup;
	}
	if ((st.st_mode & 077) && fchmod(fd, st.st_mode & 0700) < 0) {
		diags_add(d, DIAG_ERROR, "cannot make %s private: %s", path, strerror(errno));
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	buf_release(&prefix);
	return ret;
}

int fs_read_nofollow(const char *path, struct buf *out, struct diags *d)
{
	struct stat st;
	char chunk[8192];
	int fd, ret = BERTH_EIO;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return BERTH_ENOTFOUND;
		if (errno == ELOOP)
			diags_add(d, DIAG_ERROR, "refusing to read %s: it is a symbolic link", path);
		else
			diags_add(d, DIAG_ERROR, "cannot read %s: %s", path, strerror(errno));
		return BERTH_EIO;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		diags_add(d, DIAG_ERROR, "cannot read %s: %s", path,
			  S_ISREG(st.st_mode) ? strerror(errno) : "not a regular file");
		goto cleanup;
	}
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			diags_add(d, DIAG_ERROR, "cannot read %s: %s", path, strerror(errno));
			goto cleanup;
		}
		if (!r)
			break;
		buf_add(out, chunk, (size_t)r);
	}
	ret = 0;
cleanup:
	close(fd);
	return ret;
}

/* ---- the stack lock ---- */

struct holder {
	long pid;
	const char *host, *started, *command; /* borrowed from the parsed JSON */
};

/* Parses a lock file; NULL (and why in *why) when it is not one we wrote. */
static json_t *parse_holder(const struct buf *content, struct holder *h, const char **why)
{
	json_error_t jerr;
	json_t *root = json_loadb(content->ptr, content->len, 0, &jerr), *pid;
	if (!root || !json_is_object(root)) {
		*why = "it is not JSON";
		json_decref(root);
		return NULL;
	}
	pid = json_object_get(root, "pid");
	h->host = json_string_value(json_object_get(root, "host"));
	h->started = json_string_value(json_object_get(root, "started"));
	h->command = json_string_value(json_object_get(root, "command"));
	if (!json_is_integer(pid) || json_integer_value(pid) <= 0 || !h->host) {
		*why = "it has no pid or host";
		json_decref(root);
		return NULL;
	}
	h->pid = (long)json_integer_value(pid);
	if (!h->started)
		h->started = "an unknown time";
	if (!h->command)
		h->command = "unknown command";
	return root;
}

static void locked_diag(struct diags *d, const char *name, const char *path,
			const struct holder *h, const char *myhost)
{
	struct buf on = BUF_INIT;
	struct diag *dg;
	if (strcmp(h->host, myhost))
		buf_addf(&on, " on host '%s'", h->host);
	dg = diags_add(d, DIAG_ERROR,
		       "stack '%s' is locked by pid %ld%s (%s) since %s; wait for it or, "
		       "if that process is gone, remove %s",
		       name, h->pid, on.ptr, h->command, h->started, path);
	if (on.len)
		diag_set_detail(dg, "berth cannot tell from here whether a process on "
				    "another host is still running");
	buf_release(&on);
}

/* Holds the stale-lock takeover section: only one process at a time may
 * replace a stale lock, so two that both found it stale cannot both win. A
 * guard left by a process that died inside the section (which lasts
 * microseconds) is removed once it is clearly old. */
static int takeover_guard(const char *guard)
{
	struct stat st;
	int fd = open(guard, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == EEXIST && lstat(guard, &st) == 0 && time(NULL) - st.st_mtime > 10)
		unlink(guard);
	return -1;
}

int fs_lock_acquire(const char *dir, const char *name, const char *command,
		    struct fs_lock *lock, struct diags *d)
{
	struct buf path = BUF_INIT, guard = BUF_INIT, cur = BUF_INIT, again = BUF_INIT;
	char host[256] = "", started[21], *tmp = NULL, *text = NULL;
	json_t *mine = NULL, *theirs = NULL;
	struct holder h;
	const char *why = NULL;
	int ret = BERTH_EIO, r;

	/* The name becomes part of a file name in dir, never a path. */
	if (!*name || name[0] == '.' || strchr(name, '/')) {
		diags_add(d, DIAG_ERROR, "'%s' cannot name a lock file", name);
		ret = BERTH_EINVAL;
		goto cleanup;
	}
	buf_addf(&path, "%s/%s.lock", dir, name);
	buf_addf(&guard, "%s.takeover", path.ptr);
	if (path.len >= sizeof(lock->path)) {
		diags_add(d, DIAG_ERROR, "lock path %s is too long", path.ptr);
		ret = BERTH_EINVAL;
		goto cleanup;
	}
	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "unknown");
	fs_iso8601_now(started);
	mine = json_pack("{s:I, s:s, s:s, s:s}", "pid", (json_int_t)getpid(), "host", host,
			 "started", started, "command", command ? command : "berth");
	text = json_dumps(mine, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		abort(); /* only out of memory */
	if ((ret = write_temp(path.ptr, text, strlen(text), 0600, &tmp, d)) < 0)
		goto cleanup;

	/* A few rounds at most: each round either wins, or finds a live holder,
	 * or sees the lock change under it (released, taken over) and looks again. */
	for (int round = 0; round < 5; round++) {
		if (link(tmp, path.ptr) == 0)
			goto acquired;
		if (errno != EEXIST) {
			diags_add(d, DIAG_ERROR, "cannot create lock %s: %s", path.ptr, strerror(errno));
			ret = BERTH_EIO;
			goto cleanup;
		}
		buf_reset(&cur);
		r = fs_read_nofollow(path.ptr, &cur, d);
		if (r == BERTH_ENOTFOUND)
			continue; /* released meanwhile */
		if (r < 0) {
			/* Most likely a planted symlink: say what to do about it. */
			struct diag *dg = diags_add(d, DIAG_ERROR,
						    "stack '%s' cannot be locked: %s is not a lock berth wrote",
						    name, path.ptr);
			diag_set_detail(dg, "berth neither follows nor replaces it; if no berth process "
					    "is working on this stack, remove %s", path.ptr);
			ret = BERTH_ELOCKED;
			goto cleanup;
		}
		json_decref(theirs);
		theirs = parse_holder(&cur, &h, &why);
		if (!theirs) {
			struct diag *dg = diags_add(d, DIAG_ERROR,
						    "stack '%s' is locked: %s exists but does not say who holds it (%s)",
						    name, path.ptr, why);
			diag_set_detail(dg, "if no berth process is working on this stack, remove %s",
					path.ptr);
			ret = BERTH_ELOCKED;
			goto cleanup;
		}
		if (strcmp(h.host, host) || kill((pid_t)h.pid, 0) == 0 || errno != ESRCH) {
			locked_diag(d, name, path.ptr, &h, host);
			ret = BERTH_ELOCKED;
			goto cleanup;
		}
		/* Stale: its holder is gone. */
		if (takeover_guard(guard.ptr) < 0) {
			diags_add(d, DIAG_ERROR,
				  "stack '%s' is locked: another berth process is taking over its "
				  "stale lock %s; try again", name, path.ptr);
			ret = BERTH_ELOCKED;
			goto cleanup;
		}
		/* Replace the lock only if it is still the stale one we judged;
		 * renaming over it means the lock never disappears meanwhile, so a
		 * plain acquirer's link() cannot slip in. */
		buf_reset(&again);
		r = fs_read_nofollow(path.ptr, &again, d);
		if (r == 0 && again.len == cur.len && !memcmp(again.ptr, cur.ptr, cur.len)) {
			if (rename(tmp, path.ptr) < 0) {
				diags_add(d, DIAG_ERROR, "cannot replace stale lock %s: %s",
					  path.ptr, strerror(errno));
				unlink(guard.ptr);
				ret = BERTH_EIO;
				goto cleanup;
			}
			unlink(guard.ptr);
			diags_add(d, DIAG_WARNING,
				  "took over the lock on stack '%s' from pid %ld (%s, since %s), "
				  "which is no longer running", name, h.pid, h.command, h.started);
			goto acquired;
		}
		unlink(guard.ptr);
		if (r < 0 && r != BERTH_ENOTFOUND) {
			ret = r;
			goto cleanup;
		}
	}
	diags_add(d, DIAG_ERROR, "stack '%s' is locked: %s keeps changing; try again", name,
		  path.ptr);
	ret = BERTH_ELOCKED;
	goto cleanup;

acquired:
	snprintf(lock->path, sizeof(lock->path), "%s", path.ptr);
	ret = 0;
cleanup:
	if (tmp)
		unlink(tmp); /* after link() it is a second name; after rename() gone */
	free(tmp);
	free(text);
	json_decref(mine);
	json_decref(theirs);
	buf_release(&path);
	buf_release(&guard);
	buf_release(&cur);
	buf_release(&again);
	return ret;
}

void fs_lock_release(struct fs_lock *lock)
{
	if (!lock->path[0])
		return;
	unlink(lock->path);
	lock->path[0] = '\0';
}
