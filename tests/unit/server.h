/* A server a unit test starts as a child process (the emulator, a stub):
 * on 127.0.0.1, its port read from its first line of output. Shared by
 * the tests that drive berth's clients against one. */
#ifndef BERTH_TESTS_UNIT_SERVER_H
#define BERTH_TESTS_UNIT_SERVER_H

#include <stdio.h>
#include <sys/types.h>

struct test_server {
	pid_t pid;
	FILE *out; /* its stdout, open while it runs (no SIGPIPE) */
	int port;
	char url[64]; /* http://127.0.0.1:PORT */
};

/* BERTH_PYTHON, else python3. */
const char *test_python(void);
/* BERTH_SOURCE_DIR/rel (else ./rel): new string. */
char *test_source_path(const char *rel);
/* Starts argv (stderr discarded) and reads the port after `marker` in its
 * first stdout line; aborts when it does not start. */
void test_server_start(struct test_server *s, char *const argv[], const char *marker);
/* The emulator (tests/emulator/start), with the test credentials
 * AKIDTEST:secret-for-tests. */
void test_emulator_start(struct test_server *s);
/* The environment of a client that talks to such a server only: no
 * ~/.aws, no IMDS, no profile or endpoint from outside, the test keys. */
void test_aws_env(void);
/* Stops it and waits for it. */
void test_server_stop(struct test_server *s);

#endif
