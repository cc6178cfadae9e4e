/* Untaggable children of parents outside the stack: a route the stack made
 * in a route table passed in by --var, an attachment to an existing
 * gateway. Refresh lists children under the stack's own parents only, and
 * must: listing an outside parent's children as the stack's would plan to
 * delete the user's own routes. So these are read one at a time, as
 * Terraform reads a resource by the id in its state: by the id the cache
 * recorded, or, with no cache, by what the spec says they connect. */
#include "util/common.h"
#include "engine/outside.h"
#include "engine/run_int.h"

#include "engine/diff.h"
#include "util/log.h"

/* Whether `id` is the id of one of the stack's own instances of rt's
 * parent type (as refresh listed them). */
static bool stack_parent(struct engine *e, const struct rtype *rt, const char *id)
{
	long p = engine_type_index(e, rt->parent_type);
	for (size_t i = 0; p >= 0 && id && i < e->live[p].n; i++)
		if (e->live[p].v[i].id && !strcmp(e->live[p].v[i].id, id))
			return true;
	return false;
}

/* Whether r's identity properties and parent_prop are those of `want`. */
static bool connects(const struct rtype *rt, json_t *want, const struct live_resource *r)
{
	if (schema_compare(NULL, json_object_get(want, rt->parent_prop),
			   json_object_get(r->props, rt->parent_prop)) != SCHEMA_EQUAL)
		return false;
	for (size_t p = 0; rt->identity && rt->identity[p]; p++)
		if (schema_compare(NULL, json_object_get(want, rt->identity[p]),
				   json_object_get(r->props, rt->identity[p])) != SCHEMA_EQUAL)
			return false;
	return true;
}

static bool listed(const struct live_set *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].id && !strcmp(s->v[i].id, id))
			return true;
	return false;
}

int engine_read_outside_children(struct engine *e, struct diags *d)
{
	for (size_t k = 0; k < e->state.n; k++) {
		const struct state_resource *sr = &e->state.res[k];
		if (!sr->id || !sr->address || !sr->type)
			continue;
		long t = engine_type_index(e, sr->type);
		if (t < 0)
			continue;
		const struct rtype *rt = e->types[t];
		if (!rt->parent_prop || !rt->read_one || rt->tag_filter || rt->unowned_listing)
			continue;
		/* A child of one of the stack's parents was listed, or is gone:
		 * no call for it. */
		const char *parent = json_string_value(json_object_get(sr->attributes, rt->parent_prop));
		if (!parent || stack_parent(e, rt, parent) || listed(&e->live[t], sr->id))
			continue;
		struct live_resource cur;
		memset(&cur, 0, sizeof(cur));
		int err = rt->read_one(&e->rt, sr->id, &cur, d);
		if (err == BERTH_ENOTFOUND)
			continue;
		if (err)
			return err;
		/* It is the stack's only if it still connects what the stack
		 * made it connect: an id is all the cache has to go on. */
		if (connects(rt, sr->attributes, &cur)) {
			log_verbose("refresh: %s (%s) is under %s, which is not the stack's: read by "
				    "its id", sr->address, sr->id, parent);
			free(cur.address);
			cur.address = NULL;
			*live_set_add(&e->live[t], rt->type_name) = cur;
			continue;
		}
		live_resource_release(&cur);
	}
	return 0;
}

/* Whether the spec would change nothing on `cur`. */
static bool says_the_same(const struct spec_resource *sr, const struct rtype *rt, json_t *desired,
			  const struct live_resource *cur)
{
	struct diff_input in = { sr->schema, desired, cur->props, NULL, &sr->ignore_changes,
				 rt->update != NULL, sr->retain, false, rt->updates };
	struct diff_result dr;
	diff_result_init(&dr);
	diff_resource(&in, &dr);
	bool same = dr.action == DIFF_NOOP;
	diff_result_release(&dr);
	return same;
}

int engine_find_outside_child(struct engine *e, const struct rtype *rt,
			      const struct spec_resource *sr, json_t *desired,
			      struct live_resource **out, char **other, struct diags *d)
{
	*out = NULL;
	*other = NULL;
	if (!rt->parent_prop || !rt->read_identity || rt->tag_filter)
		return 0;
	const struct state_resource *st = statefile_get(&e->state, sr->address);
	if (st && st->id && !strcmp(st->type, rt->type_name))
		return 0; /* recorded, and not found by that id: gone */
	/* Only what is fully known can be looked up; a parent of the stack's
	 * own was listed already. */
	json_t *parent = json_object_get(desired, rt->parent_prop);
	if (!json_is_string(parent) || stack_parent(e, rt, json_string_value(parent)))
		return 0;
	for (size_t p = 0; rt->identity && rt->identity[p]; p++) {
		json_t *v = json_object_get(desired, rt->identity[p]);
		if (!v || value_has_unknown(v))
			return 0;
	}
	struct live_resource cur;
	memset(&cur, 0, sizeof(cur));
	int err = rt->read_identity(&e->rt, desired, &cur, d);
	if (err == BERTH_ENOTFOUND)
		return 0;
	if (err)
		return err;
	/* With no record, berth cannot tell an entry the stack made from one
	 * the user made: it takes only one that is already what the spec
	 * says (as create would: a retry after a crash looks the same).
	 * Another is left to create, which refuses it, and never to destroy. */
	long t = engine_type_index(e, rt->type_name);
	struct live_resource *r = cur.id ? engine_find_live_id(e, rt->type_name, cur.id) : NULL;
	if ((r && r->address) || !says_the_same(sr, rt, desired, &cur)) {
		if (!r)
			*other = cur.id ? xstrdup(cur.id) : xstrdup("");
		live_resource_release(&cur);
		return 0;
	}
	if (r) {
		live_resource_release(&cur);
	} else {
		free(cur.address);
		cur.address = NULL;
		r = live_set_add(&e->live[t], rt->type_name);
		*r = cur;
		engine_index_live(e, (size_t)t, e->live[t].n - 1);
	}
	log_verbose("%s: no record in the state cache; %s %s connects what the spec says, under "
		    "%s, which is not the stack's: taken as this address's", sr->address,
		    rt->type_name, r->id ? r->id : "", json_string_value(parent));
	*out = r;
	return 0;
}

size_t engine_record_found_children(struct engine *e, const struct plan *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_change *c = &p->v[i];
		if (c->action != PA_NOOP || c->excluded || statefile_get(&e->state, c->address))
			continue;
		const struct rtype *rt = engine_rtype(e, c->type);
		struct live_resource *r = engine_find_live(e, c->type, c->address);
		if (!rt || !rt->parent_type || rt->tag_filter || !r || !r->id)
			continue;
		json_t *attrs = engine_mask(r->type, r->props, c->sensitive);
		json_t *applied = c->after ? engine_mask(r->type, c->after, c->sensitive) : json_object();
		pthread_mutex_lock(&e->lock);
		statefile_set(&e->state, c->address, r->type, r->id, attrs, applied);
		pthread_mutex_unlock(&e->lock);
		n++;
	}
	return n;
}

int engine_import_outside_child(struct engine *e, const struct spec_resource *sr,
				const struct rtype *rt, const char *id, struct import_result *out,
				struct diags *d)
{
	struct live_resource cur;
	memset(&cur, 0, sizeof(cur));
	int err = rt->read_one(&e->rt, id, &cur, d);
	if (err == BERTH_ENOTFOUND) {
		diags_add(d, DIAG_ERROR, "there is no %s with the id '%s'", sr->type, id);
		return err;
	}
	if (err)
		return err;
	const char *parent = json_string_value(json_object_get(cur.props, rt->parent_prop));
	if (stack_parent(e, rt, parent)) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "%s %s is under %s %s, which is the "
					    "stack's: nothing to import", sr->type, cur.id,
					    rt->parent_type, parent);
		diag_set_detail(dg, "plan finds it there by its properties");
		err = BERTH_EINVAL;
		goto cleanup;
	}
	for (size_t k = 0; k < e->state.n; k++) {
		const struct state_resource *st = &e->state.res[k];
		if (!st->id || strcmp(st->id, cur.id) || strcmp(st->type, sr->type) ||
		    !strcmp(st->address, sr->address))
			continue;
		struct diag *dg = diags_add(d, DIAG_ERROR, "%s %s is already %s in stack %s",
					    sr->type, cur.id, st->address, e->stack);
		diag_set_detail(dg, "one address per instance: remove %s from the spec and apply "
				"(which deletes it) or rename it first", st->address);
		err = BERTH_ECONFLICT;
		goto cleanup;
	}
	out->type = xstrdup(sr->type);
	out->id = xstrdup(cur.id);
	out->recorded = true;
	const struct state_resource *have = statefile_get(&e->state, sr->address);
	if (have && have->id && !strcmp(have->type, sr->type) && !strcmp(have->id, cur.id)) {
		out->already = true;
		goto cleanup;
	}
	if (have && have->id && engine_find_live_id(e, have->type, have->id)) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "%s is already %s %s in stack %s",
					    sr->address, have->type, have->id, e->stack);
		diag_set_detail(dg, "one instance per address: destroy or rename that one first");
		err = BERTH_ECONFLICT;
		goto cleanup;
	}
	/* It cannot carry tags: the cache is the only place that can say it
	 * is the stack's. Nothing was applied to it yet. */
	statefile_set(&e->state, sr->address, sr->type, cur.id,
		      engine_mask(sr->type, cur.props, sr->sensitive), json_object());
	err = engine_save_state(e, d);
cleanup:
	live_resource_release(&cur);
	return err;
}
