/* Logger implementation; see log.h for why it is the only global state. */
#include "util/common.h"
#include "util/log.h"
#include "util/buf.h"

#include <pthread.h>
#include <stdarg.h>
#include <time.h>

/* One encoded form of a registered secret. */
struct secret_form {
	char *s;
	size_t len;
};

static struct {
	enum log_level stderr_level;
	FILE *file;
	enum log_level file_level;
	pthread_mutex_t lock;
	/* Secrets have their own lock so log_msg can mask before taking `lock`. */
	pthread_mutex_t secrets_lock;
	struct secret_form *forms; /* longest first, so the longest match wins */
	size_t nforms, forms_alloc;
	unsigned char first_byte[256]; /* quick reject: no form starts with this byte */
} logger = { LOG_WARN, NULL, LOG_QUIET, PTHREAD_MUTEX_INITIALIZER,
	     PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, { 0 } };

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

/* ---- secrets ---- */

static void url_encode(struct buf *out, const char *s, bool plus_for_space, bool lower)
{
	const char *hex = lower ? "0123456789abcdef" : "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			buf_addch(out, *p);
		} else if (*p == ' ' && plus_for_space) {
			buf_addch(out, '+');
		} else {
			buf_addch(out, '%');
			buf_addch(out, hex[*p >> 4]);
			buf_addch(out, hex[*p & 15]);
		}
	}
}

static void json_escape(struct buf *out, const char *s, bool escape_slash)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': buf_adds(out, "\\\""); break;
		case '\\': buf_adds(out, "\\\\"); break;
		case '\n': buf_adds(out, "\\n"); break;
		case '\r': buf_adds(out, "\\r"); break;
		case '\t': buf_adds(out, "\\t"); break;
		case '\b': buf_adds(out, "\\b"); break;
		case '\f': buf_adds(out, "\\f"); break;
		case '/':
			buf_adds(out, escape_slash ? "\\/" : "/");
			break;
		default:
			if (*p < 0x20)
				buf_addf(out, "\\u%04x", *p);
			else
				buf_addch(out, *p);
		}
	}
}

static void xml_escape(struct buf *out, const char *s)
{
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case '&': buf_adds(out, "&amp;"); break;
		case '<': buf_adds(out, "&lt;"); break;
		case '>': buf_adds(out, "&gt;"); break;
		case '"': buf_adds(out, "&quot;"); break;
		case '\'': buf_adds(out, "&apos;"); break;
		default: buf_addch(out, *p);
		}
	}
}

/* Adds one form unless it is already there; the caller holds secrets_lock. */
static int add_form(const char *s, size_t len)
{
	size_t at = logger.nforms;
	for (size_t i = 0; i < logger.nforms; i++) {
		if (logger.forms[i].len == len && !memcmp(logger.forms[i].s, s, len))
			return 0;
		if (at == logger.nforms && logger.forms[i].len < len)
			at = i;
	}
	ALLOC_GROW(logger.forms, logger.nforms + 1, logger.forms_alloc);
	memmove(&logger.forms[at + 1], &logger.forms[at],
		(logger.nforms - at) * sizeof(*logger.forms));
	logger.forms[at].s = xstrndup(s, len);
	logger.forms[at].len = len;
	logger.nforms++;
	logger.first_byte[(unsigned char)s[0]] = 1;
	return 1;
}

int log_add_secret(const char *value)
{
	struct buf f = BUF_INIT, twice = BUF_INIT;
	int added;

	if (!value || strlen(value) < LOG_SECRET_MIN)
		return 0;
	pthread_mutex_lock(&logger.secrets_lock);
	added = add_form(value, strlen(value));
	if (added) {
		/* The encodings a value takes on its way to and from AWS: query and
		 * form bodies, SigV4's canonical query (encoded twice in the
		 * canonical request), JSON bodies and XML answers. */
		for (int v = 0; v < 4; v++) {
			buf_reset(&f);
			url_encode(&f, value, v & 1, v & 2);
			add_form(f.ptr, f.len);
		}
		buf_reset(&f);
		url_encode(&f, value, false, false);
		url_encode(&twice, f.ptr, false, false);
		add_form(twice.ptr, twice.len);
		for (int v = 0; v < 2; v++) {
			buf_reset(&f);
			json_escape(&f, value, v);
			add_form(f.ptr, f.len);
		}
		buf_reset(&f);
		xml_escape(&f, value);
		add_form(f.ptr, f.len);
	}
	pthread_mutex_unlock(&logger.secrets_lock);
	buf_release(&f);
	buf_release(&twice);
	return added;
}

void log_clear_secrets(void)
{
	pthread_mutex_lock(&logger.secrets_lock);
	for (size_t i = 0; i < logger.nforms; i++)
		free(logger.forms[i].s);
	free(logger.forms);
	logger.forms = NULL;
	logger.nforms = logger.forms_alloc = 0;
	memset(logger.first_byte, 0, sizeof(logger.first_byte));
	pthread_mutex_unlock(&logger.secrets_lock);
}

int log_have_secrets(void)
{
	pthread_mutex_lock(&logger.secrets_lock);
	int have = logger.nforms > 0;
	pthread_mutex_unlock(&logger.secrets_lock);
	return have;
}

size_t log_mask(struct buf *out, const char *s, size_t len, int final)
{
	size_t i = 0, plain = 0;

	pthread_mutex_lock(&logger.secrets_lock);
	while (i < len) {
		const struct secret_form *hit = NULL;
		bool maybe = false;
		if (logger.first_byte[(unsigned char)s[i]]) {
			for (size_t k = 0; k < logger.nforms && !hit; k++) {
				const struct secret_form *f = &logger.forms[k];
				if (f->len <= len - i) {
					if (!memcmp(s + i, f->s, f->len))
						hit = f;
				} else if (!final && !memcmp(s + i, f->s, len - i)) {
					maybe = true;
				}
			}
		}
		if (hit) {
			buf_add(out, s + plain, i - plain);
			buf_adds(out, LOG_SECRET_MASK);
			i += hit->len;
			plain = i;
		} else if (maybe) {
			/* The rest may be a secret cut in two: wait for more. */
			break;
		} else {
			i++;
		}
	}
	buf_add(out, s + plain, i - plain);
	pthread_mutex_unlock(&logger.secrets_lock);
	return i;
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
	{
		/* Log lines quote AWS answers and spec values: no control
		 * character (ESC, BEL, CR) may reach a terminal or a log viewer;
		 * newlines and tabs of multi-line bodies stay. */
		struct buf safe = BUF_INIT;
		for (size_t i = 0; i < line.len; i++) {
			unsigned char c = (unsigned char)line.ptr[i];
			if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
				buf_addf(&safe, "\\x%02x", c);
			else
				buf_addch(&safe, (char)c);
		}
		buf_release(&line);
		line = safe;
	}
	buf_addch(&line, '\n');
	if (log_have_secrets()) {
		struct buf masked = BUF_INIT;
		log_mask(&masked, line.ptr, line.len, 1);
		struct buf plain = line;
		line = masked;
		buf_release(&plain);
	}

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
