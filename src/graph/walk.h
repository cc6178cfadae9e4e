/* The walker: runs one callback per node of a dependency graph on a thread pool,
 * starting each node as soon as everything it waits for is done, at most
 * `parallelism` at once. Apply walks dependencies first; destroy walks the same
 * graph reversed (dependents first). A failure skips only what waits on it,
 * transitively; everything else still runs.
 *
 * The walker knows nothing about resources: a node is an index, the work is the
 * caller's callback, and the outcome is plain data (struct walk_result). */
#ifndef BERTH_GRAPH_WALK_H
#define BERTH_GRAPH_WALK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/diag.h"

/* "No node": the cause of a node that was not skipped because of a failure. */
#define WALK_NONE SIZE_MAX

/* The input graph, as arrays: node i depends on deps[i][0 .. ndeps[i]-1] (each
 * an index < n; duplicates are allowed). deps[i] may be NULL when ndeps[i] is 0;
 * ndeps and deps may both be NULL for a graph without edges. names is optional
 * (NULL, or n strings) and only used to word diagnostics. The walker copies what
 * it needs; the arrays only have to live through walk_run. */
struct walk_graph {
	size_t n;
	const size_t *ndeps;
	const size_t *const *deps;
	const char *const *names;
};

/* What a node's callback returns. */
enum walk_verdict {
	WALK_OK = 0,   /* done: nodes waiting on it may start */
	WALK_FAIL = 1, /* failed: every node waiting on it, transitively, is skipped */
	/* Nothing to do for this node (excluded by --target, retained, ...). The
	 * node ends SKIPPED with cause WALK_NONE and, unlike a failure, does not
	 * hold back the nodes waiting on it: it counts as done for them. */
	WALK_SKIP = 2
};

/* Final state of a node. */
enum walk_state {
	WALK_NOT_RUN = 0, /* never reached (only when walk_run failed before starting) */
	WALK_DONE,
	WALK_FAILED,
	WALK_SKIPPED,  /* cause: the failed node it waited on, or WALK_NONE (WALK_SKIP) */
	WALK_CANCELED  /* canceled before it started */
};

enum walk_event_kind {
	WALK_EV_START,   /* the callback is about to run */
	WALK_EV_DONE,
	WALK_EV_FAILED,
	WALK_EV_SKIPPED, /* returned WALK_SKIP, or a node it waits on failed (see cause) */
	WALK_EV_CANCELED
};

struct walk_event {
	enum walk_event_kind kind;
	size_t node;
	size_t cause;  /* for WALK_EV_SKIPPED: the failed node, or WALK_NONE */
	int64_t at_ms; /* monotonic milliseconds (walk_now_ms) */
};

/* The node's work. Runs on a pool thread, concurrently with other nodes'
 * callbacks (so it must be thread-safe and report through its own per-node
 * diagnostics, not shared ones). Returns an enum walk_verdict; any other value
 * counts as WALK_FAIL. */
typedef int (*walk_fn)(void *ctx, size_t node);

/* State changes, for progress display. Always called from the thread that
 * called walk_run (the coordinator), never from pool threads and never with the
 * walker's lock held, so calls never overlap and the callback may take its own
 * locks or print through the CLI; it must not block for long, because while it
 * runs no new node starts. */
typedef void (*walk_progress_fn)(void *ctx, const struct walk_event *ev);

struct walk_opts {
	size_t parallelism; /* >= 1; more than n is fine */
	bool reverse;       /* walk reversed edges: a node waits for its dependents */
	walk_fn fn;
	void *fn_ctx;
	walk_progress_fn progress; /* optional */
	void *progress_ctx;
	/* Optional cancellation flag, typically set to 1 from a SIGINT handler
	 * (storing to a lock-free atomic is async-signal-safe). Once it is nonzero,
	 * callbacks in flight finish and their results are kept, no further node
	 * starts, and every node not started ends CANCELED. The flag is read
	 * before each start: since nothing starts between completions, there is
	 * no need to wake the walker when it is set. */
	const atomic_int *cancel;
	/* Among nodes ready at once, the one heading the longest chain of nodes
	 * waiting on it (transitively, counted in nodes) starts first; ties by
	 * lower index. With parallelism to spare it changes nothing; when more
	 * are ready than may run, the start of a long chain (a VPC before a log
	 * group) does not queue behind nodes nothing waits for. */
	bool longest_first;
};

struct walk_node_result {
	enum walk_state state;
	size_t cause;      /* see enum walk_state; WALK_NONE otherwise */
	int64_t start_ms;  /* monotonic ms when the callback was handed out; -1 if never */
	int64_t end_ms;    /* when it returned; -1 if never */
};

struct walk_result {
	size_t n;
	struct walk_node_result *nodes; /* n entries, owned */
	size_t n_done, n_failed, n_skipped, n_canceled;
	bool canceled;      /* the cancel flag was seen */
	size_t max_running; /* most callbacks handed out at once */
};

#define WALK_RESULT_INIT { 0, NULL, 0, 0, 0, 0, false, 0 }

/* Checks the graph (every edge in range, no cycle: else BERTH_EINVAL with a
 * diagnostic naming the bad edge or the cycle, deterministically) and walks it.
 *
 * Among nodes ready at the same moment the lower index starts first (unless
 * longest_first, see walk_opts). Returns 0
 * when the walk ran to its end, whatever the nodes' outcomes: failures and
 * cancellation are data in *out (see walk_result_status). BERTH_EINVAL for a bad
 * graph or options, BERTH_ERROR if no thread could be created; *out is set only
 * on success and must then be released with walk_result_release. */
int walk_run(const struct walk_graph *g, const struct walk_opts *opts,
	     struct walk_result *out, struct diags *d);

/* 0 when every node is DONE or skipped by its own choice, BERTH_ECANCELED when
 * the walk was canceled, else BERTH_ERROR (some node failed). */
int walk_result_status(const struct walk_result *r);

void walk_result_release(struct walk_result *r);

/* Checks a graph without walking it (what walk_run does first). */
int walk_validate(const struct walk_graph *g, struct diags *d);

/* Monotonic clock in milliseconds, the time base of walk events and results. */
int64_t walk_now_ms(void);

const char *walk_state_name(enum walk_state s);

#endif
