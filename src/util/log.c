/* Logger implementation; see log.h for why it is the only global state. */
#include "util/common.h"
#include "util/log.h"
#include "util/buf.h"

#include <pthread.h>
#include <stdarg.h>
#include <time.h>

static struct {
	enum log_level stderr_level;
	FILE *file;
	enum log_level file_level;
	pthread_mutex_t lock;
} logger = { LOG_WARN, NULL, LOG_QUIET, PTHREAD_MUTEX_INITIALIZER };

void log_setup(enum log_level stderr_level, FILE *file, enum log_level file_level)
{
	logger.stderr_level = stderr_level;
	logger.file = file;
	logger.file_level = file ? file_level : LOG_QUIET;
}

int log_enabled(enum log_level level)
{
	return level <= logger.stderr_level || level <= logger.file_level;
}

static const char *level_name(enum log_level level)
{
	switch (level) {
	case LOG_ERROR: return "error";
	case LOG_WARN: return "warning";
	case LOG_INFO: return "info";
	case LOG_VERBOSE: return "verbose";
	case LOG_DEBUG: return "debug";
	default: return "log";
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	struct buf line = BUF_INIT;
	va_list ap;
	struct timespec ts;
	struct tm tm;

	if (!log_enabled(level))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	buf_addf(&line, "%02d:%02d:%02d.%03ld berth %s: ", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, ts.tv_nsec / 1000000, level_name(level));
	va_start(ap, fmt);
	buf_vaddf(&line, fmt, ap);
	va_end(ap);
	buf_rtrim(&line);
	buf_addch(&line, '\n');

	pthread_mutex_lock(&logger.lock);
	if (level <= logger.stderr_level)
		fputs(line.ptr, stderr);
	if (logger.file && level <= logger.file_level) {
		fputs(line.ptr, logger.file);
		fflush(logger.file);
	}
	pthread_mutex_unlock(&logger.lock);
	buf_release(&line);
}
