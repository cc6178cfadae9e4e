/* Destroy: one walk backwards over everything of the stack, then a sweep
 * by tag that deletes what is left and says what could not go. */
#include "util/common.h"
#include "engine/run_int.h"
#include "engine/sidefx.h"

/* The sweep: anything still tagged with the stack, read again through every
 * registered type, deleted once more; then the tagging API's word on what
 * is left. For types whose delete is synchronous (delete_sync) this
 * reading is also the confirmation of the walk's deletions: one listing per
 * type rather than one read per instance. */
static int sweep(struct engine *e, struct run_result *out, struct diags *d)
{
	size_t nall = e->o.types->n, nt = 0;
	const struct rtype *const *all = e->o.types->v;
	const struct rtype **types = xcalloc(nall + 1, sizeof(*types));
	for (size_t t = 0; t < nall; t++)
		if (all[t]->tag_filter)
			types[nt++] = all[t];
	/* One unfiltered tagging listing serves every type's reading (as in
	 * a refresh), and, when nothing is left to delete, the final word. */
	json_t *tagged = NULL;
	int err = e->o.types->stack_tagged(&e->rt, &tagged, d);
	struct live_set *left = xcalloc(nt + 1, sizeof(*left));
	bool deleted = false;
	if (err)
		goto cleanup;
	if ((err = engine_read_types(e, types, nt, tagged, left, d)))
		goto cleanup;
	for (size_t t = 0; t < nt; t++) {
		const struct rtype *type = types[t];
		struct diags td = DIAGS_INIT;
		for (size_t i = 0; i < left[t].n; i++) {
			struct live_resource *r = &left[t].v[i];
			const char *addr = r->address ? r->address : r->id;
			if (r->retain) {
				strvec_pushf(&out->remaining, "%s (%s %s): retained, but berth's tags could not be removed",
					     addr, r->type, r->id ? r->id : "?");
				continue;
			}
			struct op_ctx oc;
			engine_op_start(e, &oc, addr, "destroying (sweep)");
			struct diags od = DIAGS_INIT;
			int derr = engine_delete_instance(e, &oc.rt, type, r, addr, true, &od);
			engine_op_finish(e, &oc, derr ? "destruction failed" : "destroyed");
			if (derr) {
				strvec_pushf(&out->remaining, "%s (%s %s): %s", addr, r->type,
					     r->id ? r->id : "?",
					     od.n ? od.items[od.n - 1].summary : berth_strerror(derr));
			} else {
				out->swept++;
			}
			deleted = true;
			diags_move(&td, &od);
			diags_release(&od);
		}
		diags_move(d, &td);
		diags_release(&td);
	}
	if (deleted) {
		json_decref(tagged);
		tagged = NULL;
		if ((err = e->o.types->stack_tagged(&e->rt, &tagged, d)))
			goto cleanup;
	}
	size_t i;
	json_t *m;
	json_array_foreach(tagged, i, m) {
		const char *arn = json_string_value(json_object_get(m, "ResourceARN"));
		if (!arn)
			continue;
		bool listed = false;
		for (size_t k = 0; k < out->remaining.n; k++)
			listed |= strstr(out->remaining.v[k], arn) != NULL;
		if (listed)
			continue;
		/* What a berth type owns was read through that type above (which
		 * confirms existence: the tagging API may still list what was just
		 * deleted); anything it failed to delete is listed already. A type
		 * whose reading skips instances AWS keeps in another status (task
		 * definitions deregistered but not deleted) says itself whether
		 * this one is still there, whatever its status, unless AWS
		 * documents that status as gone. */
		const struct rtype *type = rtype_registry_for_arn(e->o.types, arn);
		if (type && type->sweep_leftover) {
			char *why = NULL;
			struct diags ld = DIAGS_INIT;
			int lerr = type->sweep_leftover(&e->rt, arn, &why, &ld);
			if (lerr < 0)
				strvec_pushf(&out->remaining, "%s (%s): could not tell whether it is gone: %s",
					     arn, type->type_name,
					     ld.n ? ld.items[ld.n - 1].summary : berth_strerror(lerr));
			else if (lerr == 1)
				strvec_pushf(&out->remaining, "%s (%s): still tagged %s=%s, %s", arn,
					     type->type_name, TAG_STACK, e->stack, why);
			free(why);
			diags_release(&ld);
			continue;
		}
		if (type)
			continue;
		strvec_pushf(&out->remaining, "%s: tagged %s=%s, and berth has no resource type for it",
			     arn, TAG_STACK, e->stack);
	}
cleanup:
	json_decref(tagged);
	for (size_t t = 0; t < nt; t++)
		live_set_release(&left[t]);
	free(left);
	free(types);
	return err;
}

int engine_destroy(struct engine *e, const struct plan *p, struct run_result *out,
		   struct diags *d)
{
	memset(out, 0, sizeof(*out));
	strvec_init(&out->remaining);
	strvec_init(&out->retained);
	int err = engine_walk_removals(e, p, true, out, d);
	if (err)
		return err;
	for (size_t i = 0; i < out->n; i++) {
		struct op_result *o = &out->v[i];
		if (o->action == PA_FORGET && o->outcome == OP_DONE)
			strvec_pushf(&out->retained, "%s (%s)", o->address, o->type);
		else if (o->outcome != OP_DONE)
			strvec_pushf(&out->remaining, "%s (%s): %s", o->address, o->type,
				     o->outcome == OP_FAILED && o->diags.n ? o->diags.items[0].summary
				     : o->outcome == OP_SKIPPED ? "skipped: something it depends on could not be deleted"
				     : o->outcome == OP_CANCELED ? "interrupted before it started"
								 : "not deleted");
	}
	if (!out->interrupted && !out->failed)
		err = sweep(e, out, d);
	engine_remove_side_effects(e, out, d);
	engine_save_state(e, d);
	if (err)
		return err;
	if (out->interrupted)
		return BERTH_ECANCELED;
	return out->remaining.n || out->failed ? BERTH_ERROR : 0;
}
