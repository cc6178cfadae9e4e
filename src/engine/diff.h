/* Diff: what must happen to one resource, as a pure function of its desired
 * properties, its live properties and its type's schema (STYLE.md 8). No
 * AWS, no I/O, no globals: the unit tests drive it with tables.
 *
 * How values compare: schema/compare.h (schema-driven, so the same for
 * every type); read-only properties (attributes) and write-only ones (AWS
 * never returns them) are not compared, a property absent on one side
 * compares as the schema's default, and an unknown desired value
 * (util/value.h) is a change "(known after apply)".
 * Which properties are compared: those the spec sets, the tags (always
 * berth's), those the live side has that carry a schema default, and those
 * the spec set the last time
 * (`applied`, from the state cache), so removing a property from the spec
 * puts it back to AWS's default while properties berth never managed stay
 * untouched.
 * What replaces: a changed create-only property, or one the type does not
 * change in place (diff_input.updates; a type without an update: any
 * change but the tags), so that an update planned is one apply makes. */
#ifndef BERTH_ENGINE_DIFF_H
#define BERTH_ENGINE_DIFF_H

#include <jansson.h>
#include <stdbool.h>

#include "schema/compare.h" /* its callers compare values too */
#include "util/strvec.h"

struct schema_resource;

enum diff_action { DIFF_NOOP, DIFF_CREATE, DIFF_UPDATE, DIFF_REPLACE };

struct diff_result {
	enum diff_action action;
	struct strvec changed;       /* top-level properties that differ, sorted */
	struct strvec replace_paths; /* the ones forcing a replacement: create-only,
				      * or not changed in place by the type */
	struct strvec unknown;       /* the changed ones whose new value is unknown */
	/* The changed ones the schema lets change but the type's update does
	 * not (diff_input.updates said no): also in replace_paths. */
	struct strvec not_updated;
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
	/* With updatable: whether the type changes this property in place
	 * (rtype.updates); NULL: every property the schema lets change. */
	bool (*updates)(const char *prop);
};

/* Fills *out (initialised by the caller). */
void diff_resource(const struct diff_input *in, struct diff_result *out);

#endif
