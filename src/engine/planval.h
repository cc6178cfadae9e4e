/* The plan as a value (planval.c). Engine-internal. */
#ifndef BERTH_ENGINE_PLANVAL_H
#define BERTH_ENGINE_PLANVAL_H

#include "engine/engine_int.h"

/* Appends a change (zeroed, spec_index -1). */
struct plan_change *engine_plan_add(struct plan *p, const char *address, const char *type,
				    enum plan_action a);

#endif
