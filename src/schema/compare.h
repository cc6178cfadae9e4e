/* How a desired value compares with a live one under a property's schema
 * shape: the rules every layer that asks "is this the same value?" must
 * share (the engine's diff, a type's find-before-create, the sweep). Pure:
 * no AWS, no I/O; tests/unit/test_diff.c drives it with tables.
 *
 *   - absent, null, [] and {} are the same;
 *   - arrays the schema marks as sets (insertionOrder false) compare as
 *     multisets; SK_JSON documents (policies) compare as parsed JSON, given
 *     as a string or a value; strings, numbers and booleans compare the way
 *     CloudFormation accepts them (8080 equals "8080", "true" equals true);
 *   - an unknown desired value (util/value.h) is SCHEMA_UNKNOWN. */
#ifndef BERTH_SCHEMA_COMPARE_H
#define BERTH_SCHEMA_COMPARE_H

#include <jansson.h>

struct schema_shape;

enum schema_eq { SCHEMA_EQUAL = 0, SCHEMA_CHANGED = 1, SCHEMA_UNKNOWN = 2 };

/* Compares a desired value with a live one under `shape` (NULL: any). Both
 * borrowed. */
enum schema_eq schema_compare(const struct schema_shape *shape, json_t *desired, json_t *live);

#endif
