/* Data entries (data.c). Engine-internal. */
#ifndef BERTH_ENGINE_DATA_H
#define BERTH_ENGINE_DATA_H

#include "engine/engine_int.h"

/* Evaluates the spec's data entries into e->data. */
int engine_read_data(struct engine *e, struct diags *d);

#endif
