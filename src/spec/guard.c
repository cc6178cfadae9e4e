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

bool spec_holds_read_text(const char *s, const json_t *hidden)
{
	size_t i;
	json_t *h;
	json_array_foreach(hidden, i, h) {
		if (json_is_string(h) && json_string_length(h) >= 4 && strstr(s, json_string_value(h)))
			return true;
	}
	return false;
}

char *spec_shown_value(const char *s, const json_t *hidden)
{
	struct buf b = BUF_INIT;
	size_t chars = 0;
	const unsigned char *p = (const unsigned char *)s;
	if (hidden && spec_holds_read_text(s, hidden))
		return xstrdup("(text read by file(), template() or fetch(), not shown)");
	buf_addch(&b, '\'');
	for (; *p && chars < SPEC_SHOWN_MAX; p++) {
		if (*p == '\n')
			buf_adds(&b, "\\n");
		else if (*p == '\t')
			buf_adds(&b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			buf_addf(&b, "\\x%02x", *p);
		else
			buf_addch(&b, (char)*p);
		/* A character is its lead byte and what follows it. */
		if ((p[1] & 0xC0) != 0x80)
			chars++;
	}
	buf_addch(&b, '\'');
	if (*p)
		buf_addf(&b, "... (%zu bytes)", strlen(s));
	return buf_detach(&b, NULL);
}
