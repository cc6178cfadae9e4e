/* Existing instances taken into a stack (adopt.c). Engine-internal. */
#ifndef BERTH_ENGINE_ADOPT_H
#define BERTH_ENGINE_ADOPT_H

#include "engine/engine_int.h"

/* After the diff: for each planned create of a type named by the
 * spec, whether AWS has an instance of that name already; one no stack owns
 * becomes an adoption when the resource says adopt: true, and is otherwise
 * an error naming `berth import` and adopt, as is one another stack owns. */
int engine_plan_names(struct engine *e, struct plan *p, struct diags *d);
/* Apply's first step of an adoption: reads c->id, checks that no other
 * stack took it since the plan, tags it; *out is the instance as tagged. */
int engine_adopt(struct engine *e, const struct rt_ctx *rt, const struct plan_change *c,
		 struct live_resource *out, struct diags *d);

#endif
