/* credential_process: runs the configured command without a shell (the
 * command line is split into words here, as POSIX sh would split it, quotes
 * and backslashes included) and reads its Version 1 JSON from stdout. */
#include "util/common.h"
#include "aws/credentials_int.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "util/buf.h"
#include "util/strvec.h"

/* Output beyond this is not credentials. */
#define MAX_PROCESS_OUTPUT (1u << 20)

/* Splits like shlex.split (POSIX mode), which botocore uses: whitespace
 * separates words; '...' is literal; "..." allows \" \\ \$ \`; a backslash
 * outside quotes escapes the next character. */
static int split_command(const char *cmd, struct strvec *argv, struct diags *d)
{
	struct buf word = BUF_INIT;
	bool in_word = false;
	const char *p = cmd;
	int rc = 0;

	while (*p) {
		if (*p == ' ' || *p == '\t' || *p == '\n') {
			if (in_word) {
				strvec_push(argv, word.ptr);
				buf_reset(&word);
				in_word = false;
			}
			p++;
		} else if (*p == '\'') {
			const char *end = strchr(p + 1, '\'');
			if (!end)
				goto unterminated;
			buf_add(&word, p + 1, (size_t)(end - p - 1));
			in_word = true;
			p = end + 1;
		} else if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
					p++;
				buf_addch(&word, *p++);
			}
			if (!*p)
				goto unterminated;
			in_word = true;
			p++;
		} else if (*p == '\\' && p[1]) {
			buf_addch(&word, p[1]);
			in_word = true;
			p += 2;
		} else {
			buf_addch(&word, *p++);
			in_word = true;
		}
	}
	if (in_word)
		strvec_push(argv, word.ptr);
	if (!argv->n) {
		diags_add(d, DIAG_ERROR, "credential_process is empty");
		rc = BERTH_EINVAL;
	}
	buf_release(&word);
	return rc;
unterminated:
	diags_add(d, DIAG_ERROR, "credential_process has an unterminated quote");
	buf_release(&word);
	return BERTH_EINVAL;
}

/* Reads both pipes to their end without letting either fill up. */
static int drain(int out_fd, int err_fd, struct buf *out, struct buf *err)
{
	struct pollfd fds[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
	struct buf *bufs[2] = { out, err };
	int open_fds = 2;
	char chunk[4096];

	while (open_fds > 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			if (bufs[i]->len + (size_t)n <= MAX_PROCESS_OUTPUT)
				buf_add(bufs[i], chunk, (size_t)n);
		}
	}
	return 0;
}

int creds_from_process(const char *command, struct aws_credentials *out, struct diags *d)
{
	struct strvec argv = STRVEC_INIT;
	struct buf sout = BUF_INIT, serr = BUF_INIT;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int rc, status = 0;
	pid_t pid;

	if ((rc = split_command(command, &argv, d)) < 0)
		goto cleanup;
	if (pipe(outp) < 0 || pipe(errp) < 0) {
		diags_add(d, DIAG_ERROR, "credential_process: pipe: %s", strerror(errno));
		rc = BERTH_EIO;
		goto cleanup;
	}
	pid = fork();
	if (pid < 0) {
		diags_add(d, DIAG_ERROR, "credential_process: fork: %s", strerror(errno));
		rc = BERTH_EIO;
		goto cleanup;
	}
	if (pid == 0) {
		dup2(outp[1], STDOUT_FILENO);
		dup2(errp[1], STDERR_FILENO);
		close(outp[0]);
		close(outp[1]);
		close(errp[0]);
		close(errp[1]);
		execvp(argv.v[0], argv.v);
		/* Only async-signal-safe calls between fork and _exit. */
		const char msg[] = "cannot run the command\n";
		if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
			/* nothing more to say */
		}
		_exit(127);
	}
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	drain(outp[0], errp[0], &sout, &serr);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		buf_trim(&serr);
		/* First line of stderr only: enough to say why, less to leak. */
		size_t first = strcspn(serr.ptr, "\n");
		struct diag *dg = diags_add(d, DIAG_ERROR, "credential_process '%s' %s %d",
					    argv.v[0],
					    WIFEXITED(status) ? "exited with status" : "was killed by signal",
					    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		if (serr.len)
			diag_set_detail(dg, "%.*s", (int)first, serr.ptr);
		rc = BERTH_EAUTH;
		goto cleanup;
	}
	char *what = xasprintf("credential_process '%s'", argv.v[0]);
	rc = creds_from_json(sout.ptr, sout.len, what, true, out, d);
	free(what);

cleanup:
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	/* stdout held the secret. */
	if (sout.alloc)
		OPENSSL_cleanse(sout.ptr, sout.len);
	buf_release(&sout);
	buf_release(&serr);
	strvec_clear(&argv);
	return rc;
}
