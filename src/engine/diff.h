/* Diff: what must happen to one resource, as a pure function of its desired
 * properties, its live properties and its type's schema (STYLE.md 8). No
 * AWS, no I/O, no globals: the unit tests drive it with tables.
 *
 * How values compare (schema-driven, so the same for every type):
 *   - read-only properties (attributes) and write-only ones (AWS never
 *     returns them) are not compared;
 *   - a property absent on one side compares as the schema's default, and
 *     absent, null, [] and {} are the same;
 *   - arrays the schema marks as sets (insertionOrder false) compare as
 *     multisets; SK_JSON documents (policies) compare as parsed JSON, given
 *     as a string or a value; strings, numbers and booleans compare the way
 *     CloudFormation accepts them (8080 equals "8080", "true" equals true);
 *   - an unknown desired value (spec_unknown) is a change "(known after
 *     apply)".
 * Which properties are compared: those the spec sets, the tags (always
 * berth's), those the live side has that carry a schema default, and those
 * the spec set the last time
 * (`applied`, from the state cache), so removing a property from the spec
 * puts it back to AWS's default while properties berth never managed stay
 * untouched. */
#ifndef BERTH_ENGINE_DIFF_H
#define BERTH_ENGINE_DIFF_H

#include <jansson.h>
#include <stdbool.h>

#include "util/strvec.h"

struct schema_shape;
struct schema_resource;

enum diff_eq { DIFF_EQUAL = 0, DIFF_CHANGED = 1, DIFF_UNKNOWN = 2 };

/* Compares a desired value with a live one under `shape` (NULL: any). */
enum diff_eq diff_values(const struct schema_shape *shape, json_t *desired, json_t *live);

enum diff_action { DIFF_NOOP, DIFF_CREATE, DIFF_UPDATE, DIFF_REPLACE };

struct diff_result {
	enum diff_action action;
	struct strvec changed;       /* top-level properties that differ, sorted */
	struct strvec replace_paths; /* the create-only ones among them */
	struct strvec unknown;       /* the changed ones whose new value is unknown */
};

void diff_result_init(struct diff_result *r);
void diff_result_release(struct diff_result *r);

struct diff_input {
	const struct schema_resource *schema;
	json_t *desired;          /* evaluated properties (unknown markers allowed) */
	json_t *live;             /* live properties, or NULL when nothing exists */
	json_t *applied;          /* properties the spec set when last applied, or NULL */
	const struct strvec *ignore_changes; /* top-level names, or NULL */
	bool updatable;           /* the type can change something in place */
	bool want_retain, live_retain; /* the berth:retain tag, desired and live */
};

/* Fills *out (initialised by the caller). */
void diff_resource(const struct diff_input *in, struct diff_result *out);

#endif
