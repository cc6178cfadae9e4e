/* What a spec may read from the machine it runs on. A spec can come from a
 * pull request that CI plans with the pipeline's credentials, so the files
 * it names (file(), template(), module sources, -f, --var-file) are read only
 * when they are regular files of a bounded size and not one of the places
 * credentials are known to live. Nothing here prints; reasons are returned
 * as text for the caller's diagnostic, never the file's content. */
#ifndef BERTH_SPEC_GUARD_H
#define BERTH_SPEC_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "util/buf.h"

/* Largest spec, module or --var-file berth reads, and largest file() or
 * template() file: far above any real one, far below what would hurt. */
#define SPEC_MAX_FILE_BYTES (16u << 20)
/* All that file(), template() and fetch() return in one spec, together. */
#define SPEC_MAX_READ_TOTAL (256u << 20)

/* Why `real` (a path as realpath(3) gives it) must not be read by a spec, or
 * NULL when it may: the AWS shared credentials and config files (also where
 * AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE point), anything under a
 * .ssh folder, a process's environment (/proc/PID/environ, also through a
 * task folder). The result is a static string. */
const char *spec_guard_refused(const char *real);

/* Reads the file at path into out (appending) when it is a regular file of
 * at most max bytes, checked on the open descriptor before reading (a FIFO,
 * /dev/zero or a 3 GB sparse file is refused without reading it). Returns 0,
 * or a negative enum berth_err with a short reason appended to why ("it is
 * not a regular file", "it is larger than 16 MiB", strerror(errno)). */
int spec_guard_read(const char *path, size_t max, struct buf *out, struct buf *why);

/* How a spec's string value is quoted in a message: in single quotes, at
 * most SPEC_SHOWN_MAX characters with control characters escaped (\n, \x1b),
 * then "... (N bytes)" when cut; and not at all, only a note saying so, when
 * it holds a text that file(), template() or fetch() read (the strings of
 * the JSON array `hidden`, which may be NULL). Caller frees. */
#define SPEC_SHOWN_MAX 40
/* Whether s holds one of the strings of `hidden` that has 4 bytes or more
 * (shorter ones, as with secrets, would match by chance and hide nothing). */
bool spec_holds_read_text(const char *s, const json_t *hidden);
char *spec_shown_value(const char *s, const json_t *hidden);

#endif
