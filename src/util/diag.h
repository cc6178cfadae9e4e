/* Diagnostics: how every layer below the CLI reports what went wrong (or what the
 * user should know). Never printed here; cli/render.c renders them. A struct
 * diags is owned by one caller and passed down explicitly, so parallel work
 * (apply runs many operations at once) gives each worker its own list. */
#ifndef BERTH_DIAG_H
#define BERTH_DIAG_H

#include <stddef.h>

enum diag_severity { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE };

struct diag {
	enum diag_severity severity;
	char *summary; /* one line, no trailing period needed */
	char *detail;  /* optional further lines, or NULL */
	/* Where in a spec the problem is: file NULL when not about a file. */
	char *file;
	int line, col; /* 1-based; 0 when unknown */
	char *address; /* resource address ("module.net.subnet[0]") or NULL */
	/* AWS errors: all NULL/0 unless the problem came from an AWS answer. */
	char *aws_service, *aws_operation, *aws_code, *request_id;
	int http_status;
};

struct diags {
	struct diag *items;
	size_t n, alloc;
};

#define DIAGS_INIT { NULL, 0, 0 }

void diags_init(struct diags *d);
void diags_release(struct diags *d);

/* Appends a diagnostic with a formatted summary; the returned pointer stays
 * valid until the next add, so set further fields right away. */
struct diag *diags_add(struct diags *d, enum diag_severity sev, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
/* Shorthand for an error at a position in a file. */
struct diag *diags_error_at(struct diags *d, const char *file, int line, int col,
			    const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 5, 6)))
#endif
	;

void diag_set_detail(struct diag *dg, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
void diag_set_loc(struct diag *dg, const char *file, int line, int col);
void diag_set_address(struct diag *dg, const char *address);

size_t diags_count(const struct diags *d, enum diag_severity sev);
static inline int diags_has_errors(const struct diags *d)
{
	return diags_count(d, DIAG_ERROR) > 0;
}
/* Moves every diagnostic of src to the end of dst; src is left empty. */
void diags_move(struct diags *dst, struct diags *src);
/* Sorts by file, line, column (stable), for deterministic output. */
void diags_sort(struct diags *d);

#endif
