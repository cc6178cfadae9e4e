/* Side effects (sidefx.c): the log groups AWS makes for instances, listed
 * by plan and deleted at the end of a run. Engine-internal. */
#ifndef BERTH_ENGINE_SIDEFX_H
#define BERTH_ENGINE_SIDEFX_H

#include "engine/engine_int.h"

/* The groups r declares (reading its details
 * first when needed), to note before removing it; then, once it is gone,
 * sidefx_removed records it and them as candidates (thread-safe). */
int sidefx_declared(const struct rt_ctx *rt, const struct rtype *type, struct live_resource *r,
		    struct strvec *out, struct diags *d);
void sidefx_removed(struct engine *e, const struct rtype *type, const struct live_resource *cur,
		    const struct strvec *groups, const char *cause, long long cause_ms);
/* When r came to be, for sidefx_judge: its own time
 * (type->side_effects_since, else r->created_ms), else the state cache's
 * time for it (stamped once berth had recorded it: later than the truth,
 * so it can only keep a group too many). 0 when neither is known. Read
 * before r goes (its cache entry goes with it). */
long long sidefx_cause_time(struct engine *e, const struct rt_ctx *rt, const struct rtype *type,
			    const struct live_resource *r);
/* Whether a side-effect group may go: a group made more than
 * SIDEFX_SKEW_MS before its cause (created_ms, or the state cache's time)
 * cannot be AWS's doing for it: someone else's, or an earlier instance's of
 * the same name, and nothing the user owns is lost unasked. group_ms 0: the
 * group is not there (deleting it costs nothing); cause_ms 0: unknown. */
#define SIDEFX_SKEW_MS (5LL * 60 * 1000)
enum sidefx_verdict { SFX_DELETE, SFX_KEEP_OLDER, SFX_KEEP_UNKNOWN };
enum sidefx_verdict sidefx_judge(long long group_ms, long long cause_ms);

/* Lists in p->side_effects the groups the plan's removals would delete. */
void engine_plan_side_effects(struct engine *e, struct plan *p, struct diags *d);
/* At the end of a run: deletes the candidates no remaining or desired
 * instance declares; a failure is a failed result of its own in out. */
int engine_remove_side_effects(struct engine *e, struct run_result *out, struct diags *d);

#endif
