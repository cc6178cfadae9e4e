/* The CLI's stdout and stderr go through a masking stream: every byte the CLI
 * prints (diagnostics, plans, outputs, JSON, progress) passes log_mask(), so a
 * registered secret cannot reach the terminal whichever code path printed it.
 * Doing it here, once, beats masking at each of the hundred fprintf calls. */
#include "util/common.h"
#include "cli/cli.h"
#include "util/buf.h"
#include "util/log.h"

#include <unistd.h>

struct masked {
	FILE *under;
	struct buf pending; /* a tail that may be the start of a secret */
};

/* Writes masked text; keeps back only a tail that could be a secret cut in
 * two by the stdio buffer, so prompts and progress without a newline still
 * show at once. */
static ssize_t masked_write(void *cookie, const char *data, size_t len)
{
	struct masked *m = cookie;
	struct buf out = BUF_INIT;
	buf_add(&m->pending, data, len);
	size_t used = log_mask(&out, m->pending.ptr, m->pending.len, 0);
	size_t rest = m->pending.len - used;
	memmove(m->pending.ptr, m->pending.ptr + used, rest);
	buf_setlen(&m->pending, rest);
	if (out.len && fwrite(out.ptr, 1, out.len, m->under) != out.len) {
		buf_release(&out);
		return -1;
	}
	fflush(m->under);
	buf_release(&out);
	return (ssize_t)len;
}

static int masked_close(void *cookie)
{
	struct masked *m = cookie;
	struct buf out = BUF_INIT;
	log_mask(&out, m->pending.ptr, m->pending.len, 1);
	int rc = fwrite(out.ptr, 1, out.len, m->under) == out.len ? 0 : EOF;
	if (fflush(m->under))
		rc = EOF;
	buf_release(&out);
	buf_release(&m->pending);
	free(m);
	return rc;
}

FILE *cli_masked_stream(FILE *under)
{
	struct masked *m = xcalloc(1, sizeof(*m));
	cookie_io_functions_t io = { .write = masked_write, .close = masked_close };
	m->under = under;
	buf_init(&m->pending, 0);
	FILE *f = fopencookie(m, "w", io);
	if (!f) {
		buf_release(&m->pending);
		free(m);
		return NULL;
	}
	/* Line buffered as a terminal is, so stderr and stdout interleave as
	 * people expect; explicit fflush() calls (prompts, progress) still work. */
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}
