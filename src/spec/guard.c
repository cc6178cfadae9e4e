/* Refusing credential files and unbounded reads for specs (see guard.h). */
#include "util/common.h"
#include "spec/guard.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether some component of path is exactly `name`, followed by more path. */
static bool has_folder(const char *path, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = path; (p = strstr(p, name)); p++)
		if ((p == path || p[-1] == '/') && p[n] == '/')
			return true;
	return false;
}

/* /proc/X/environ or /proc/X/task/Y/environ. */
static bool is_proc_environ(const char *path)
{
	const char *p;
	if (strncmp(path, "/proc/", 6))
		return false;
	p = strrchr(path, '/');
	return p && !strcmp(p, "/environ");
}

/* Whether real is where the environment variable `var` points. */
static bool is_env_file(const char *real, const char *var)
{
	const char *v = getenv(var);
	char *r;
	bool same;
	if (!v || !*v)
		return false;
	r = realpath(v, NULL);
	same = r && !strcmp(r, real);
	free(r);
	return same;
}

const char *spec_guard_refused(const char *real)
{
	/* The whole folders, not only the two well-known files: ~/.aws/sso/cache
	 * and ~/.aws/cli/cache hold live session tokens too. */
	if (has_folder(real, ".aws"))
		return "it is in an AWS credentials folder (.aws)";
	if (has_folder(real, ".ssh"))
		return "it is in an SSH key folder (.ssh)";
	if (is_proc_environ(real))
		return "it is a process's environment, which holds credentials";
	if (is_env_file(real, "AWS_SHARED_CREDENTIALS_FILE") || is_env_file(real, "AWS_CONFIG_FILE"))
		return "it is the AWS shared credentials or config file";
	if (is_env_file(real, "AWS_WEB_IDENTITY_TOKEN_FILE"))
		return "it is the web identity token file";
	return NULL;
}

int spec_guard_read(const char *path, size_t max, struct buf *out, struct buf *why)
{
	struct stat st;
	char chunk[8192];
	size_t got = 0;
	int rc = 0;
	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
	 * writer for ever, before fstat could say it is not a file. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		buf_adds(why, strerror(errno));
		return errno == ENOENT ? BERTH_ENOTFOUND : BERTH_EIO;
	}
	if (fstat(fd, &st)) {
		buf_adds(why, strerror(errno));
		rc = BERTH_EIO;
		goto cleanup;
	}
	if (S_ISDIR(st.st_mode)) {
		buf_adds(why, "it is a folder, not a file");
		rc = BERTH_EINVAL;
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_adds(why, "it is not a regular file");
		rc = BERTH_EINVAL;
		goto cleanup;
	}
	if ((unsigned long long)st.st_size > max) {
		buf_addf(why, "it is larger than %zu MiB", max >> 20);
		rc = BERTH_EINVAL;
		goto cleanup;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_adds(why, strerror(errno));
			rc = BERTH_EIO;
			goto cleanup;
		}
		if (n == 0)
			break;
		/* The file may grow while being read (or lie about its size,
		 * as some /proc files do). */
		if ((got += (size_t)n) > max) {
			buf_addf(why, "it is larger than %zu MiB", max >> 20);
			rc = BERTH_EINVAL;
			goto cleanup;
		}
		buf_add(out, chunk, (size_t)n);
	}
cleanup:
	close(fd);
	return rc;
}
