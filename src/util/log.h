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

#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_verbose(...) log_msg(LOG_VERBOSE, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
