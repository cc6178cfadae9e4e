/* See server.h. */
#include "util/common.h"
#include "server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

const char *test_python(void)
{
	return getenv("BERTH_PYTHON") ? getenv("BERTH_PYTHON") : "python3";
}

char *test_source_path(const char *rel)
{
	const char *src = getenv("BERTH_SOURCE_DIR") ? getenv("BERTH_SOURCE_DIR") : ".";
	return xasprintf("%s/%s", src, rel);
}

void test_server_start(struct test_server *s, char *const argv[], const char *marker)
{
	char line[256] = "";
	const char *at;
	int fds[2];
	memset(s, 0, sizeof(*s));
	if (pipe(fds))
		abort();
	s->pid = fork();
	if (s->pid < 0)
		abort();
	if (s->pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(fds[1], 1);
		if (null >= 0)
			dup2(null, 2);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	s->out = fdopen(fds[0], "r");
	if (!s->out || !fgets(line, sizeof(line), s->out) || !(at = strstr(line, marker)) ||
	    sscanf(at + strlen(marker), "%d", &s->port) != 1) {
		fprintf(stderr, "%s did not start: '%s'\n", argv[1], line);
		abort();
	}
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
}

void test_emulator_start(struct test_server *s)
{
	char *start = test_source_path("tests/emulator/start");
	char *argv[] = { (char *)test_python(), start, "--port", "0", "--quiet", "--credentials",
			 "AKIDTEST:secret-for-tests", NULL };
	test_server_start(s, argv, "listening on http://127.0.0.1:");
	free(start);
}

void test_aws_env(void)
{
	setenv("HOME", "/nonexistent-berth-home", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret-for-tests", 1);
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_ENDPOINT_URL");
}

void test_server_stop(struct test_server *s)
{
	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
	if (s->out)
		fclose(s->out);
	s->out = NULL;
}
