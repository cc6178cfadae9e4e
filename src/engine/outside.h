/* Untaggable children of parents outside the stack (outside.c): a route in
 * a route table passed in by --var, an attachment to an existing gateway.
 * Refresh finds children by listing the stack's own parents, which cannot
 * show these; they are read one by one instead. Engine-internal. */
#ifndef BERTH_ENGINE_OUTSIDE_H
#define BERTH_ENGINE_OUTSIDE_H

#include "engine/engine_int.h"

/* Refresh: every instance the state cache records of an untaggable type
 * with parent_prop, whose recorded parent is not one of the stack's and
 * which no listing showed, read by its id (one call each) and added to the
 * live set, address NULL, when it still connects what the cache recorded.
 * Before the live index is built. 0 or the read's error. */
int engine_read_outside_children(struct engine *e, struct diags *d);

/* Plan and destroy, for the spec resource sr of type rt that nothing live
 * matched and the cache has no id for (the cache was lost, or this is the
 * first apply): the instance that connects what `desired` connects, under
 * a parent that is not the stack's, read by rt->read_identity. Taken (added
 * to the live set, indexed, *out) only when the spec would change nothing
 * on it: berth cannot tell one the stack made from one the user made. Another is not taken, and *other is its id (new
 * string), for plan to say that create will refuse it. Nothing looked up
 * for a value not known yet or a parent of the stack's own. 0 or the
 * read's error. */
int engine_find_outside_child(struct engine *e, const struct rtype *rt,
			      const struct spec_resource *sr, json_t *desired,
			      struct live_resource **out, char **other, struct diags *d);

/* Apply: untaggable instances the plan found and left unchanged that the
 * cache has no record of (it was lost) are recorded, as if apply had made
 * them: a later change of target is then an update, and the next plan
 * reads them by id rather than looking them up again. How many. */
size_t engine_record_found_children(struct engine *e, const struct plan *p);

/* `berth import ADDRESS ID` for an untaggable type with parent_prop, whose
 * instance (read by ID) is under a parent that is not the stack's: records
 * it at ADDRESS in the state cache (out->recorded), which is how refresh
 * then finds it, and saves the cache. Refused when the parent is the
 * stack's (plan finds it by its properties) or the cache has it at another
 * address. */
int engine_import_outside_child(struct engine *e, const struct spec_resource *sr,
				const struct rtype *rt, const char *id, struct import_result *out,
				struct diags *d);

#endif
