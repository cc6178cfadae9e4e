/* The engine: refresh (read live state by tags) -> diff -> plan -> apply or
 * destroy, and outputs (DESIGN.md §5). It never prints: progress goes
 * through the callbacks in struct engine_events, problems into diagnostics,
 * and results are plain data (struct plan, struct run_result) that cli/
 * renders.
 *
 * Typical use (cmd_apply.c, through cli/stack.c):
 *   opts.types = rtype_registry_aws();  the resource types (tests: fakes)
 *   engine_new(&e, &opts, d);
 *   engine_refresh(e, d);             parallel per type, batched, counted
 *   engine_plan(e, &plan, d);         pure diff over the refreshed state
 *   ... show the plan, ask ...
 *   engine_apply(e, plan, &result, d);
 *   engine_outputs(e, &outputs, d);
 *   engine_free(e); */
#ifndef BERTH_ENGINE_ENGINE_H
#define BERTH_ENGINE_ENGINE_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "util/diag.h"
#include "util/strvec.h"

struct aws_client;
struct rtype_registry;
struct spec;

enum plan_action {
	PA_NOOP,
	PA_CREATE,
	PA_UPDATE,  /* in place */
	PA_REPLACE, /* delete and create (or the reverse with create_before_destroy) */
	PA_DELETE,
	PA_FORGET   /* retained: left in AWS, berth's tags removed */
};
const char *plan_action_name(enum plan_action a); /* "create", "update", ... */

/* One resource's change: a value that can be shown, saved and applied. */
struct plan_change {
	char *address;
	char *type;
	enum plan_action action;
	json_t *before;    /* live properties (normalised), or NULL (create) */
	json_t *after;     /* desired properties (may hold unknowns), or NULL (delete) */
	char *reason;      /* why, in words, or NULL */
	struct strvec changed;       /* top-level properties that differ */
	struct strvec replace_paths; /* the ones that force the replacement */
	struct strvec unknown;       /* changed ones known only after apply */
	char *id;          /* physical id of the live instance, or NULL */
	char *note;        /* "pending confirmation (not drift)", ... */
	bool sensitive;    /* values come from sensitive variables: never shown */
	bool cbd;          /* create_before_destroy */
	bool excluded;     /* left out by --target / --exclude */
	bool adopt;        /* PA_UPDATE of an instance no stack owns (adopt: true):
			    * apply tags it as this stack's first; id names it */
	long spec_index;   /* index in spec->resources, -1 when not in the spec */
};

/* Drift for --refresh-only: what changed outside berth since the last apply
 * (from the state cache), per resource. */
struct plan_drift {
	char *address;
	char *type;
	char *what;        /* "changed", "deleted outside berth", "not in the state cache" */
	json_t *before;    /* cached, or NULL */
	json_t *after;     /* live, or NULL */
	bool sensitive;
};

struct plan {
	char *stack;
	bool destroy;      /* a destroy plan */
	bool refresh_only;
	struct plan_change *v;
	size_t n, alloc;
	struct plan_drift *drift;
	size_t ndrift, drift_alloc;
	size_t nadd, nchange, ndestroy;
	struct strvec notes;      /* "--target x: also planning its dependencies: y" */
	/* The spec's repos that apply will clone, fetch or check out, one line
	 * each ("demo: clone https://... at f01153e"), and how many. */
	struct strvec repos;
	size_t nrepos_changing;
	/* Log groups AWS made for instances the plan removes, which the run
	 * deletes at its end: "NAME (AWS made it for ADDRESS)". */
	struct strvec side_effects;
	/* Live resources whose berth:expires differs from the run's (apply
	 * re-tags them): how many. */
	size_t nretag;
	char live_fingerprint[65];    /* sha256 of the live state the plan was made from */
	char changes_fingerprint[65]; /* sha256 of the planned changes (secrets excluded) */
};

void plan_free(struct plan *p);
bool plan_has_changes(const struct plan *p);
/* The plan as JSON (docs/plan-json.md): unknowns are null and listed, and
 * sensitive values are "(sensitive)". vars: the non-sensitive variable
 * values to record (borrowed, may be NULL); spec_file likewise. */
json_t *plan_to_json(const struct plan *p, const char *spec_file, json_t *vars);
/* The identifying parts of a saved plan: 0, or BERTH_EINVAL with a
 * diagnostic for something that is not a berth plan of a known version. */
int plan_file_check(json_t *saved, struct diags *d);

/* Progress callbacks; each may be NULL. op_* are called from worker threads
 * (concurrently); note from the calling thread. */
struct engine_events {
	void *ctx;
	int (*op_begin)(void *ctx, const char *address, const char *action);
	/* A wait of the operation starts: what for, with what budget (ms). */
	void (*op_waiting)(void *ctx, int op, const char *what, long budget_ms);
	void (*op_end)(void *ctx, int op, const char *outcome);
	void (*note)(void *ctx, const char *msg);
	/* That wait ended after elapsed_ms; err 0: what it waited for came. */
	void (*op_waited)(void *ctx, int op, const char *what, long elapsed_ms, int err);
};

struct engine_opts {
	struct aws_client *aws;
	/* The resource types (resources/resource.h): rtype_registry_aws(), or
	 * fake ones in tests. Required; borrowed, must outlive the engine. */
	const struct rtype_registry *types;
	const struct spec *spec;  /* NULL: by stack name only (destroy --stack, state) */
	const char *stack;        /* the spec's when NULL */
	const char *state_dir;    /* the .berth folder (state cache); NULL: none */
	size_t parallelism;       /* 0: 10 */
	long wait_timeout_ms;     /* readiness/gone waits; 0: 10 minutes */
	long retry_timeout_ms;    /* dependency retries on delete; 0: 10 minutes */
	const atomic_int *cancel; /* SIGINT/SIGTERM */
	struct engine_events ev;
	const char *const *targets;  /* --target (addresses or names) */
	size_t ntargets;
	const char *const *excludes; /* --exclude */
	size_t nexcludes;
	/* A plan follows the refresh (plan, apply, output): the refresh also
	 * reads what the plan needs besides the listings (the account, the
	 * detail properties the spec sets) as soon as it can, overlapping
	 * the listings. Off for destroy, which needs neither. */
	bool plan_reads;
	/* Apply tags every resource with berth:expires=EXPIRES (RFC 3339) and
	 * berth:owner=OWNER, and re-tags live ones whose tag differs; NULL:
	 * leave those tags as they are. OWNER without EXPIRES: only what apply
	 * creates is tagged berth:owner (who made it, for `berth reap`). */
	const char *expires;
	const char *owner;
};

struct engine;

int engine_new(struct engine **out, const struct engine_opts *o, struct diags *d);
void engine_free(struct engine *e);

/* Points the state cache at another folder (the S3 backend's local copy)
 * before refresh; dir is borrowed and must outlive the engine. */
void engine_set_state_dir(struct engine *e, const char *dir);

/* The account the client's credentials belong to (STS GetCallerIdentity,
 * asked once per engine and reused by the plan). *out is owned by the engine;
 * BERTH_EAWS/BERTH_ENET/... when STS cannot answer, or BERTH_EAWS when its
 * answer names no account. The stack lock is keyed by it. */
int engine_account(struct engine *e, const char **out, struct diags *d);

/* Reads the stack's live state: every type the spec uses (without a spec:
 * every registered type), one thread per type, parents before the
 * untaggable types found through them. Warnings (a corrupt cache) go to d
 * as DIAG_WARNING. */
int engine_refresh(struct engine *e, struct diags *d);
/* The AWS calls made so far: {"total": N, "by_operation": {"svc:Op": N}}
 * (new reference). */
json_t *engine_calls(struct engine *e);

/* The plan that makes AWS match the spec (needs engine_refresh). */
int engine_plan(struct engine *e, bool refresh_only, struct plan **out, struct diags *d);
/* The plan that removes everything of the stack (retained resources are
 * forgotten instead). */
int engine_plan_destroy(struct engine *e, struct plan **out, struct diags *d);

enum op_outcome { OP_NONE, OP_DONE, OP_FAILED, OP_SKIPPED, OP_CANCELED };

struct op_result {
	char *address;
	char *type;
	enum plan_action action;
	enum op_outcome outcome;
	char *cause;         /* OP_SKIPPED: the failed resource it waited on */
	bool cbd;            /* a create_before_destroy replacement: its old
			      * instance is removed by an operation of its own */
	bool repo;           /* a git repository brought up to date, not a resource */
	struct diags diags;  /* this operation's errors and warnings */
};

struct run_result {
	struct op_result *v;
	size_t n;
	size_t done, failed, skipped, canceled;
	bool interrupted;
	/* destroy: what is still there at the end ("ADDRESS (TYPE ID): why") */
	struct strvec remaining;
	struct strvec retained;  /* destroy: left in AWS on purpose */
	size_t swept;            /* destroy: deleted by the final sweep by tag */
};
void run_result_release(struct run_result *r);

/* Carries out a plan made by engine_plan on this engine. 0 when every
 * operation succeeded; BERTH_ERROR when some failed (details in *out, which
 * is always filled), BERTH_ECANCELED when interrupted. Saves the state
 * cache. */
int engine_apply(struct engine *e, const struct plan *p, struct run_result *out,
		 struct diags *d);
/* The apply of a plan with no changes (engine_apply is not called): keeps
 * in the state cache the untaggable instances plan found with no record
 * there (the cache was lost), and saves it only then. 0 or the save's
 * error. */
int engine_apply_unchanged(struct engine *e, const struct plan *p, struct diags *d);
/* Carries out a destroy plan, then sweeps by tag and checks that nothing of
 * the stack is left (out->remaining lists what is). */
int engine_destroy(struct engine *e, const struct plan *p, struct run_result *out,
		   struct diags *d);

/* `berth import ADDRESS ID`: tags the instance ID (of the type the spec
 * gives ADDRESS) berth:stack and berth:id=ADDRESS, so the stack has it from
 * now on; nothing else about it changes (plan then shows what apply would
 * change to match the spec). Refuses an address that already has another
 * instance, an untaggable type, and an instance another stack or address
 * owns unless `force`. Needs engine_refresh. */
struct import_result {
	char *type, *id;
	bool already;                   /* it was this address's already */
	char *from_stack, *from_address; /* --force: whose it was, or NULL */
	/* Appended: an untaggable instance under a parent outside the stack,
	 * recorded in the state cache rather than tagged. */
	bool recorded;
};
void import_result_release(struct import_result *r);
int engine_import(struct engine *e, const char *address, const char *id, bool force,
		  struct import_result *out, struct diags *d);

/* The spec's outputs, evaluated over the live state (needs refresh or
 * apply): {"NAME": {"value": V, "sensitive": B, "description": S}}, with
 * values not known (a resource missing) null and listed as "unknown": true. */
int engine_outputs(struct engine *e, json_t **out, struct diags *d);

/* Gives untaggable live instances the spec names their addresses (matched
 * by identity) and makes every live value known to the resolver, without
 * planning. engine_plan does it as part of its diff. */
void engine_assign_addresses(struct engine *e);

/* The live resources of the stack found by refresh, as
 * [{"address", "type", "id", "properties", "note", "retain"}] sorted by
 * address; sensitive properties masked. For `berth state`. detail: also
 * read the properties refresh skips. */
int engine_state_json(struct engine *e, bool detail, json_t **out, struct diags *d);

#endif
