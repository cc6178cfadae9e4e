/* Apply: removals first (things no longer in the spec, children before
 * parents), then the spec graph forwards, with a node of its own for the
 * old instance of each replacement; then the old instances of
 * create_before_destroy replacements, a wait until listings show what was
 * made without reading back, side effects, the expiry tags, the cache. */
#include "util/common.h"
#include "engine/run_int.h"
#include "engine/plan_int.h"
#include "engine/outside.h"
#include "engine/sidefx.h"

#include "graph/transform.h"

/* Sets the run's expiry on live resources that carry another one (an
 * apply that extends the stack's life). A failure is an error of the run,
 * not of a resource. */
static int retag_expiry(struct engine *e, struct diags *d)
{
	int err = 0;
	for (size_t t = 0; t < e->ntypes; t++)
		for (size_t i = 0; i < e->live[t].n; i++) {
			struct live_resource *r = &e->live[t].v[i];
			if (!engine_needs_retag(e, r))
				continue;
			const struct rtype *type = engine_rtype(e, r->type);
			if (!type || !type->tag_filter)
				continue;
			json_t *add = json_pack("{s:s}", TAG_EXPIRES, e->o.expires);
			if (e->o.owner)
				json_object_set_new(add, TAG_OWNER, json_string(e->o.owner));
			int r_err = engine_set_tags(&e->rt, type, r, add, NULL, d);
			json_decref(add);
			if (r_err)
				err = r_err;
			else
				json_object_set_new(r->tags, TAG_EXPIRES, json_string(e->o.expires));
		}
	return err;
}

/* The old instances of create_before_destroy replacements, now that the
 * walk moved their dependents to the new ones: each is one more delete
 * operation in the result ("ADDRESS (old ID)"). */
static void remove_deposed(struct engine *e, struct live_set *deposed,
			   const struct strvec *addresses, struct run_result *out)
{
	for (size_t i = 0; i < deposed->n; i++) {
		struct live_resource *cur = &deposed->v[i];
		const struct rtype *type = engine_rtype(e, cur->type);
		char *addr = xasprintf("%s (old %s)", addresses->v[i], cur->id ? cur->id : "instance");
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		struct op_result *o = &out->v[out->n++];
		memset(o, 0, sizeof(*o));
		o->address = addr;
		o->type = xstrdup(cur->type);
		o->action = PA_DELETE;
		if (out->interrupted || (e->o.cancel && atomic_load(e->o.cancel))) {
			o->outcome = OP_CANCELED;
			out->canceled++;
			continue;
		}
		struct op_ctx oc;
		engine_op_start(e, &oc, addr, "destroying (replaced)");
		int err = engine_delete_instance(e, &oc.rt, type, cur, addresses->v[i], true, &o->diags);
		for (size_t k = 0; k < o->diags.n; k++)
			if (!o->diags.items[k].address)
				diag_set_address(&o->diags.items[k], addresses->v[i]);
		engine_op_finish(e, &oc, err ? "destruction failed" : "destroyed");
		if (err) {
			o->outcome = OP_FAILED;
			out->failed++;
		} else {
			o->outcome = OP_DONE;
			out->done++;
		}
	}
}

/* One look at the listings a refresh makes (the whole stack through the
 * tagging API, then each type's read_all over it) for the instances apply
 * made without reading back: 0 when every one is listed, 1 to look again. */
static int listed_probe(void *ctx, struct diags *d)
{
	struct engine *e = ctx;
	size_t nt = json_object_size(e->unlisted), t = 0;
	const struct rtype **types = xcalloc(nt + 1, sizeof(*types));
	struct live_set *found = xcalloc(nt + 1, sizeof(*found));
	const char *name;
	json_t *ids;
	void *tmp;
	json_object_foreach(e->unlisted, name, ids)
		types[t++] = engine_rtype(e, name);
	json_t *tagged = NULL;
	int err = e->o.types->stack_tagged(&e->rt, &tagged, d);
	if (!err)
		err = engine_read_types(e, types, nt, tagged, found, d);
	for (t = 0; t < nt; t++) {
		ids = json_object_get(e->unlisted, types[t]->type_name);
		for (size_t i = 0; !err && i < found[t].n; i++)
			if (found[t].v[i].id)
				json_object_del(ids, found[t].v[i].id);
		live_set_release(&found[t]);
	}
	json_object_foreach_safe(e->unlisted, tmp, name, ids)
		if (!json_object_size(ids))
			json_object_del(e->unlisted, name);
	json_decref(tagged);
	free(types);
	free(found);
	if (err)
		return err;
	return json_object_size(e->unlisted) ? 1 : 0;
}

/* AWS's reads lag its writes: a plan right after apply must still find
 * what apply made. Types that read back each new instance (wait_ready)
 * wait for it one by one; for the ones create_known did not read back,
 * this waits once, with the listings the next refresh will make, polled
 * until they show them all (one listing per type a look, not a read per
 * instance). */
static int wait_listed(struct engine *e, struct diags *d)
{
	if (!json_object_size(e->unlisted))
		return 0;
	return rt_poll(&e->rt, "what apply made to be listed", e->o.wait_timeout_ms, 5000,
		       listed_probe, e, d);
}

int engine_apply_unchanged(struct engine *e, const struct plan *p, struct diags *d)
{
	return engine_record_found_children(e, p) ? engine_save_state(e, d) : 0;
}

int engine_apply(struct engine *e, const struct plan *p, struct run_result *out,
		 struct diags *d)
{
	struct live_set deposed = LIVE_SET_INIT;
	struct strvec deposed_address = STRVEC_INIT;
	memset(out, 0, sizeof(*out));
	strvec_init(&out->remaining);
	strvec_init(&out->retained);
	int err = engine_walk_removals(e, p, false, out, d);
	if (err)
		return err;
	if (!out->interrupted && !(e->o.cancel && atomic_load(e->o.cancel))) {
		const struct dag *dg = &e->spec->graph;
		struct run r = { .e = e, .p = p, .n = dg->nnodes, .deposed = &deposed,
				 .deposed_address = &deposed_address };
		r.change = xcalloc(dg->nnodes + 1, sizeof(long));
		const char **names = xcalloc(dg->nnodes + 1, sizeof(char *));
		for (size_t k = 0; k < dg->nnodes; k++) {
			r.change[k] = -1;
			names[k] = dg->nodes[k].label;
		}
		for (size_t i = 0; i < p->n; i++)
			if (p->v[i].spec_index >= 0 && p->v[i].action != PA_DELETE &&
			    p->v[i].action != PA_FORGET)
				r.change[e->spec->resources[p->v[i].spec_index].graph_node] = (long)i;
		r.repo = xcalloc(dg->nnodes + 1, sizeof(long));
		for (size_t k = 0; k < dg->nnodes; k++)
			r.repo[k] = -1;
		for (size_t k = 0; k < e->spec->nrepos; k++)
			r.repo[e->spec->repos[k].graph_node] = (long)k;
		/* Replacements (not create_before_destroy) get a second node that
		 * deletes the old instance: it waits for the old instances of
		 * replaced resources that depend on this one (a subnet's old
		 * instance goes after the instances in it), and the new instance
		 * waits for it. As Terraform orders destroy-then-create. */
		size_t nn = dg->nnodes, total = nn;
		size_t *extra_of = xcalloc(nn + 1, sizeof(size_t)); /* graph node -> walk node, 0: none */
		for (size_t k = 0; k < nn; k++) {
			long ci = r.change[k];
			if (ci >= 0 && p->v[ci].action == PA_REPLACE && !p->v[ci].cbd && !p->v[ci].excluded)
				extra_of[k] = total++;
		}
		if (total > nn) {
			r.change = xrealloc(r.change, (total + 1) * sizeof(long));
			r.repo = xrealloc(r.repo, (total + 1) * sizeof(long));
			names = xrealloc(names, (total + 1) * sizeof(char *));
		}
		r.delete_old = xcalloc(total + 1, sizeof(bool));
		r.has_delete_node = xcalloc(total + 1, sizeof(bool));
		struct strvec old_names = STRVEC_INIT;
		for (size_t k = 0; k < nn; k++)
			if (extra_of[k]) {
				r.change[extra_of[k]] = r.change[k];
				r.repo[extra_of[k]] = -1;
				r.delete_old[extra_of[k]] = true;
				r.has_delete_node[k] = true;
				strvec_pushf(&old_names, "%s (old)", dg->nodes[k].label);
			}
		for (size_t k = 0, j = 0; k < nn; k++)
			if (extra_of[k])
				names[extra_of[k]] = old_names.v[j++];
		r.n = total;
		struct graph_edges g;
		graph_edges_init(&g, total);
		graph_apply_edges(dg, extra_of, &g);
		err = engine_walk(&r, &g, names, false, out, d);
		graph_edges_release(&g);
		strvec_clear(&old_names);
		free(extra_of);
		free(names);
		free(r.change);
		free(r.repo);
		free(r.delete_old);
		free(r.has_delete_node);
	} else {
		out->interrupted = true;
	}
	remove_deposed(e, &deposed, &deposed_address, out);
	live_set_release(&deposed);
	strvec_clear(&deposed_address);
	if (!err && !out->interrupted)
		err = wait_listed(e, d);
	/* Even after a failure or an interruption: what was removed is gone,
	 * and its groups would have nobody left to declare them. */
	engine_remove_side_effects(e, out, d);
	if (!err && !out->interrupted)
		err = retag_expiry(e, d);
	engine_record_found_children(e, p);
	engine_save_state(e, d);
	if (err)
		return err;
	return engine_run_status(out);
}
