/* Walking a plan (run.c), shared by apply.c and destroy.c.
 * Engine-internal. */
#ifndef BERTH_ENGINE_RUN_INT_H
#define BERTH_ENGINE_RUN_INT_H

#include "engine/ops.h"
#include "graph/transform.h"

struct run {
	struct engine *e;
	const struct plan *p;
	/* Walk nodes: a plan change index or -1 (data, repos, no-ops). */
	long *change;
	size_t n;
	struct op_result *ops;
	bool destroy;
	long *repo;      /* walk node -> index in spec->repos, or -1; may be NULL */
	/* Walk nodes that delete the old instance of a replaced resource (not
	 * create_before_destroy) ahead of its replacement: true for those. The
	 * replacement's own node then only creates. May be NULL. */
	bool *delete_old;
	bool *has_delete_node; /* per walk node: its old instance has its own node */
	/* create_before_destroy replacements: the old instances, removed after
	 * the walk so that their dependents moved first (under e->lock). */
	struct live_set *deposed;
	struct strvec *deposed_address;
};

/* Walks g (reversed for removals) with run_node over r, adding each
 * operation's outcome to *out. */
int engine_walk(struct run *r, struct graph_edges *g, const char *const *names, bool reverse,
		struct run_result *out, struct diags *d);
/* The plan's removals as a walk of their own, children before parents
 * (all: every removal, as destroy; else those not in the spec). */
int engine_walk_removals(struct engine *e, const struct plan *p, bool all,
			 struct run_result *out, struct diags *d);
/* Saves the state cache; a failure is a warning (it is only a cache). */
int engine_save_state(struct engine *e, struct diags *d);
/* A run's status from its result: 0, BERTH_ERROR or BERTH_ECANCELED. */
int engine_run_status(const struct run_result *r);
/* Reads every one of `types` at once with read_all (no parents: taggable
 * types) into out[i], from `tagged` (the stack's tagging listing) when not
 * NULL; their diagnostics into d. */
int engine_read_types(struct engine *e, const struct rtype *const *types, size_t nt,
		      json_t *tagged, struct live_set *out, struct diags *d);

#endif
