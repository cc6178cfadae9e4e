/* One operation on one instance (ops.c), as apply and destroy run them:
 * the engine's write primitives. Engine-internal. */
#ifndef BERTH_ENGINE_OPS_H
#define BERTH_ENGINE_OPS_H

#include "engine/engine_int.h"

/* An operation in progress: its own rt_ctx, whose waits report progress
 * as operation `op` (engine_events.op_begin's number). */
struct op_ctx {
	struct rt_ctx rt;
	struct engine *e;
	int op;
};
void engine_op_start(struct engine *e, struct op_ctx *oc, const char *address, const char *verb);
void engine_op_finish(struct engine *e, struct op_ctx *oc, const char *outcome);

/* Deletes cur (retrying while AWS says something depends on it) and, when
 * `confirm`, reads it again until it is gone; notes first what AWS made on
 * its behalf (sidefx.c), `cause` naming it. */
int engine_delete_instance(struct engine *e, const struct rt_ctx *rt, const struct rtype *type,
			   struct live_resource *cur, const char *cause, bool confirm,
			   struct diags *d);
/* The change's desired properties, evaluated now, normalised and fully
 * known (an error otherwise). */
int engine_evaluate(struct engine *e, const struct plan_change *c, json_t **out, struct diags *d);
/* Creates (old_id: the instance a create_before_destroy replaces, whose id
 * the new one must not have), updates in place, or releases (retain) one
 * instance, recording the result for the resolver and the state cache. */
int engine_do_create(struct engine *e, const struct rt_ctx *rt, const struct plan_change *c,
		     json_t *desired, const char *old_id, struct diags *d);
int engine_do_update(struct engine *e, const struct rt_ctx *rt, const struct plan_change *c,
		     json_t *desired, const struct live_resource *cur, struct diags *d);
int engine_do_forget(struct engine *e, const struct rt_ctx *rt, const struct rtype *type,
		     const struct live_resource *cur, struct diags *d);
/* The tags an instance should carry (the spec's Tags in `desired`,
 * which may be NULL, plus berth's), and setting them on one. */
json_t *engine_wanted_tags(struct engine *e, const char *address, json_t *desired, bool retain);
int engine_set_tags(const struct rt_ctx *rt, const struct rtype *type,
		    const struct live_resource *cur, json_t *add, json_t *remove_keys,
		    struct diags *d);
/* Removes address from the state cache (thread-safe). */
void engine_forget_state(struct engine *e, const char *address);
/* The live instance a change is about (by id, else by address), or NULL. */
struct live_resource *engine_live_for_change(struct engine *e, const struct plan_change *c);

#endif
