/* Progress of long operations (apply, destroy): which resources are in flight,
 * what each is waiting for, and for how long.
 *
 * Two renderings of the same events:
 *   - on a terminal, the in-flight operations are a block of lines redrawn in
 *     place (ANSI cursor movement), at most about 4 times a second, with
 *     finished operations and notes printed as permanent lines above it;
 *   - in a pipe or a log, plain lines, one per state change:
 *       module.net.nat[0]: creating...
 *       module.net.nat[0]: waiting for available (up to 20m00s)      after 1 s of it
 *       module.net.nat[0]: creating... (waiting for available, 10s)   every 10 s
 *       module.net.nat[0]: waited 1m11.3s for available
 *       module.net.nat[0]: created (1m12s)
 *
 * Every function is thread-safe (one mutex per renderer): walker callbacks on
 * pool threads call begin/waiting/end directly. Time comes from an injectable
 * clock so tests can pin the output exactly. */
#ifndef BERTH_CLI_PROGRESS_H
#define BERTH_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct progress;

/* Monotonic milliseconds. */
typedef int64_t (*progress_clock_fn)(void *ctx);

struct progress_opts {
	FILE *out;
	bool tty;   /* redraw in place; false: plain lines */
	int width;  /* terminal columns: in-place lines are cut to fit (0: never cut) */
	progress_clock_fn clock; /* NULL: the monotonic clock */
	void *clock_ctx;
	int64_t plain_every_ms;  /* plain mode: repeat in-flight lines this often; 0: 10000 */
	int64_t redraw_min_ms;   /* terminal mode: least time between redraws; 0: 250 */
	/* Plain mode: a wait is announced once it has lasted this long, so the
	 * many waits that end at the next look print nothing; 0: 1000; < 0:
	 * at once. */
	int64_t wait_quiet_ms;
};

/* A renderer writing to opts->out (which it does not own or close). */
struct progress *progress_new(const struct progress_opts *opts);

/* Flushes what is pending, removes the in-flight block from the terminal,
 * stops the ticker if one runs, and frees. NULL is a no-op. */
void progress_free(struct progress *p);

/* An operation starts: "ADDRESS: ACTION..." (action: "creating", "deleting").
 * Returns its handle for the calls below. */
int progress_begin(struct progress *p, const char *address, const char *action);

/* What the operation now waits for ("available", "services stable"); NULL
 * when it waits for nothing in particular. Shown with the next periodic line
 * or redraw, not printed on its own. */
void progress_waiting(struct progress *p, int op, const char *what);

/* A wait of the operation begins: what for ("the load balancer to be
 * active") and its budget in ms (0: not known). Plain mode prints
 * "ADDRESS: waiting for WHAT (up to BUDGET)" once it has lasted
 * wait_quiet_ms; called again before progress_wait_end, it renames the same
 * wait. On a terminal, the in-flight block shows it. */
void progress_wait_begin(struct progress *p, int op, const char *what, int64_t budget_ms);

/* That wait ends (ok: what it waited for came). Plain mode, when it lasted
 * wait_quiet_ms (its start printed now if no tick did): "ADDRESS: waited
 * 3.4s for WHAT" (or "stopped waiting after 3.4s for WHAT"). */
void progress_wait_end(struct progress *p, int op, bool ok);

/* The operation ends: "ADDRESS: OUTCOME (ELAPSED)" (outcome: "created",
 * "creation failed"). Details of a failure are for the diagnostics. */
void progress_end(struct progress *p, int op, const char *outcome);

/* A line that is not about one operation (a warning, "Apply complete"),
 * printed so it does not break the in-place block. */
void progress_note(struct progress *p, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Prints what time alone makes due: in plain mode the periodic lines, on a
 * terminal a redraw of the elapsed times (only when the text changed). Call
 * it a few times a second, or let progress_start_ticker do it. */
void progress_tick(struct progress *p);

/* Starts a thread calling progress_tick every 250 ms until progress_free.
 * Returns 0, or -1 if the thread could not start (progress then still works,
 * but periodic output waits for the next event). */
int progress_start_ticker(struct progress *p);

/* "35s", "1m12s", "1h02m03s": how elapsed times are written. */
void progress_format_duration(char *out, size_t len, int64_t ms);
/* How long a finished operation took: tenths under ten seconds ("0.4s",
 * "9.9s"), where whole seconds would call most creates "0s"; else as above. */
void progress_format_took(char *out, size_t len, int64_t ms);

#endif
