/* Inside the schema module: the table that types_gen.c (generated) defines and
 * schema.c searches. Not for use outside src/schema/. */
#ifndef BERTH_SCHEMA_INT_H
#define BERTH_SCHEMA_INT_H

#include "schema/schema.h"

/* Every type, AWS's (generated) and berth's own (types_berth.c), sorted by
 * type name in byte order so schema_find can bisect. */
extern const struct schema_resource *const schema_types[];
extern const size_t schema_types_count;

#endif
