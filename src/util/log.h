/* The logger: the one piece of global mutable state berth allows (set once by
 * main before any thread starts; writes are serialised by a mutex). Library
 * code logs what it does at VERBOSE/DEBUG; results go through diagnostics. */
#ifndef BERTH_LOG_H
#define BERTH_LOG_H

#include <stdio.h>

enum log_level {
	LOG_QUIET = 0,
	LOG_ERROR = 1,
	LOG_WARN = 2,
	LOG_INFO = 3,
	LOG_VERBOSE = 4, /* -v: each AWS call, each phase */
	LOG_DEBUG = 5    /* --debug: bodies, redacted */
};

/* Where log lines go: stderr by default; a --log-file gets everything at the
 * file's level independently of the terminal's level. */
void log_setup(enum log_level stderr_level, FILE *file, enum log_level file_level);
int log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Secrets out of everything berth writes. A value registered here (a
 * sensitive variable's value, the credentials' secret key and session token,
 * a web identity token) is replaced by LOG_SECRET_MASK in every log line and,
 * through log_mask(), in everything the CLI prints, in the forms it takes on
 * the wire as well as raw: URL-encoded (query and form bodies, SigV4
 * canonical strings), JSON-escaped and XML-escaped. Thread-safe; a value
 * registered twice is kept once.
 *
 * Values shorter than LOG_SECRET_MIN characters are not registered: masking
 * "1" or "us" would punch holes into timestamps, ids and words all over the
 * output (and the holes would reveal the secret by where they are), while a
 * 1-3 character secret is no secret at all. Returns 1 when registered, 0 when
 * ignored (too short, or already known). */
#define LOG_SECRET_MIN 4
#define LOG_SECRET_MASK "<secret>"
int log_add_secret(const char *value);
/* Forgets every registered secret (tests). */
void log_clear_secrets(void);
struct buf;
/* Appends s[0..len) to out with every registered secret masked. When `final`
 * is false, stops before a tail of s that could be the beginning of a secret
 * still being written (a stream split mid-secret) and returns how many bytes
 * of s it consumed; the caller keeps the rest for the next call. When `final`
 * is true it consumes everything and returns len. */
size_t log_mask(struct buf *out, const char *s, size_t len, int final);
/* Whether any secret is registered (lets writers skip the scan). */
int log_have_secrets(void);

#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_verbose(...) log_msg(LOG_VERBOSE, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
