/* The pieces plan.c is made of: --target and --exclude (targets.c),
 * removals and drift (removals.c), and refresh.c's rule for detail reads.
 * Engine-internal. */
#ifndef BERTH_ENGINE_PLAN_INT_H
#define BERTH_ENGINE_PLAN_INT_H

#include "engine/engine_int.h"
#include "engine/planval.h"

/* targets.c: marks what --target / --exclude leave out (c->excluded), with
 * notes for what they bring along; BERTH_EINVAL for an unknown address. */
int engine_plan_targets(struct engine *e, struct plan *p, struct diags *d);
/* removals.c: the live instances the spec no longer names (every one
 * when destroy_all), and duplicates, as deletions or releases; drift
 * against the state cache for --refresh-only. */
void engine_plan_removals(struct engine *e, struct plan *p, bool destroy_all);
void engine_plan_drift(struct engine *e, struct plan *p);
/* refresh.c: whether a plan needs rt's detail properties for an instance
 * (the spec or the last apply set one). */
bool engine_needs_detail(const struct rtype *rt, json_t *desired, json_t *applied);

#endif
