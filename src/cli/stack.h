/* What the stack commands (plan, apply, destroy, output, state) share: a
 * session that loads the spec, makes the AWS client and the engine, takes
 * the stack lock, wires progress and Ctrl-C; and the views of plans and
 * results (plan_view.c). */
#ifndef BERTH_CLI_STACK_H
#define BERTH_CLI_STACK_H

#include <pthread.h>
#include <stdatomic.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "engine/backend_s3.h"
#include "engine/engine.h"
#include "spec/spec.h"
#include "util/fsutil.h"

struct session {
	struct cli_ctx *ctx;
	struct spec *spec;        /* NULL with --stack and no spec */
	struct aws_client *aws;
	struct engine *eng;
	struct progress *prog;    /* during apply/destroy */
	char *state_dir;          /* PROJECT/.berth */
	char *stack;
	struct fs_lock lock;
	bool locked;
	struct s3_backend *s3;    /* the S3 backend, when the stack has one */
	char *s3_dir;             /* its local copy of the state cache's folder */
	bool s3_locked;
	int lock_wait_s;          /* --lock-timeout, for the waiting message */
	char *expires, *owner;    /* the run's berth:expires and berth:owner, or NULL */
	atomic_int cancel;
	struct diags d;
	const char *command;      /* "plan", "apply", ...: for what Ctrl-C says */
	bool writes;              /* apply or destroy: Ctrl-C has operations to wait for */
	/* Operations begun and not yet ended, for what Ctrl-C says; under mu. */
	pthread_mutex_t mu;
	struct session_op {
		char *address, *action;
		int prog_id;
		bool active;
	} *ops;
	size_t nops, aops;
	/* The thread that says what an interrupt did (signal handlers can
	 * only write fixed bytes). */
	pthread_t watcher;
	int wake[2];
	bool watching;
};

/* Bounds for the numbers a session takes from the command line and the
 * environment: a week of waiting, a thousand operations at once. */
#define SESSION_MAX_TIMEOUT_S (7L * 24 * 3600)
#define SESSION_MAX_PARALLELISM 1000

struct session_opts {
	struct spec_cli *sc;      /* NULL: no spec */
	const char *stack;        /* --stack, when there is no spec */
	const char *lock_command; /* take the lock, naming this command; NULL: none */
	int lock_timeout_s;       /* wait this long for a lock someone holds; 0: fail at once */
	const char *backend_url;  /* --backend s3://BUCKET/PREFIX: over the spec's backend */
	const char *expires;      /* apply --expires (over the spec's expires:) */
	size_t parallelism;
	const char *const *targets;
	size_t ntargets;
	const char *const *excludes;
	size_t nexcludes;
	bool progress;            /* show operation progress */
	long wait_timeout_s;      /* --wait-timeout: every wait's budget; 0:
				   * BERTH_WAIT_TIMEOUT, else each wait its own */
	int retry_timeout_s;      /* deletes refused because something depends on
				   * them are retried this long; 0: BERTH_RETRY_TIMEOUT
				   * or the engine's default (10 minutes) */
	bool plan;                /* a plan follows the refresh (engine_opts.plan_reads) */
	const char *command;      /* "plan", "apply", "destroy", "output", "state" */
	bool vars_optional;       /* destroy: variables without a value do not
				   * stop loading the spec (spec_options) */
};

/* Turns "8h" (from now) or an RFC 3339 time into the RFC 3339 UTC text
 * berth tags with; NULL with a message when it is neither. */
char *session_expiry(struct cli_ctx *ctx, const char *text);
/* Who a run is, for berth:owner and locks: the CI job's URL when the
 * environment names one, else USER@HOST (new string). */
char *session_owner(void);

/* 0, or an exit code already explained on stderr. */
int session_open(struct session *s, struct cli_ctx *ctx, const struct session_opts *o);
/* `berth force-unlock ID`: removes the stack's lock when ID names its
 * holder (the S3 lock's id; the local lock's pid). 0, or -1 (explained). */
int session_force_unlock(struct session *s, const char *id);
/* Releases everything (the lock too) and restores signal handling. */
void session_close(struct session *s);
/* Refresh, with the call counts on stderr when -v. */
int session_refresh(struct session *s);
/* After Ctrl-C: says on stderr that the command stopped and, when
 * nothing_changed, that nothing was changed (else what ran said so), and
 * returns 128 + the signal (EXIT_INTERRUPTED for Ctrl-C); otherwise returns rc
 * as it is. */
int session_exit(struct session *s, int rc, bool nothing_changed);
/* Renders and clears s->d. */
void session_flush_diags(struct session *s);
/* Asks "yes" on the terminal; false (with a message) when stdin is not a
 * terminal or the answer is not yes. */
bool session_confirm(struct session *s, const char *question);

/* plan_view.c */
void view_plan(struct cli_ctx *ctx, const struct plan *p);
void view_run_result(struct cli_ctx *ctx, const struct run_result *r, const char *what);
/* A destroy's (or reap's) result: the summary, what retain left in AWS and
 * what is still there. */
void view_destroy_result(struct cli_ctx *ctx, const struct run_result *r);
void view_outputs(struct cli_ctx *ctx, json_t *outputs);
void view_calls(struct cli_ctx *ctx, json_t *calls, const char *phase);

/* The non-sensitive variable values, for a saved plan (new reference). */
json_t *session_public_vars(const struct session *s);

#endif
