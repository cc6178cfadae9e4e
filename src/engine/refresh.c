/* Refresh: reads the stack's live state, one thread per type in scope,
 * parents before the untaggable types found through them, batched; the
 * account and the detail reads a plan needs overlap the listings. Then
 * drops what CloudFormation stacks own, fills ids from the cache and
 * builds the live index. */
#include "util/common.h"
#include "engine/plan_int.h"

#include "engine/diff.h"
#include "engine/outside.h"
#include "graph/transform.h"
#include "graph/walk.h"
#include "util/buf.h"
#include "util/log.h"

static void prefetch_details(struct engine *e, size_t t);

struct refresh_job {
	struct engine *e;
	struct diags *diags; /* one per type, and one for the account */
};

static int refresh_one(void *ctx, size_t node)
{
	struct refresh_job *job = ctx;
	struct engine *e = job->e;
	size_t n = e->ntypes;
	/* A plan's refresh has more nodes: the account, then one per type
	 * for its detail reads, after that type's listing. */
	if (node == n)
		return engine_read_account(e, &job->diags[node]) ? WALK_FAIL : WALK_OK;
	if (node > n) {
		prefetch_details(e, node - n - 1);
		return WALK_OK;
	}
	const struct rtype *rt = e->types[node];
	struct live_set empty = LIVE_SET_INIT;
	const struct live_set *parents = &empty;
	if (rt->parent_type) {
		long p = engine_type_index(e, rt->parent_type);
		if (p >= 0)
			parents = &e->live[p];
	}
	int err = rt->read_all(&e->rt, parents, &e->live[node], &job->diags[node]);
	/* A taggable type's listing was filtered by berth:stack; what the
	 * answer says is checked, not the filter trusted. */
	if (!err && rt->tag_filter && !rt->unowned_listing)
		rt_keep_stack(&e->rt, &e->live[node]);
	return err ? WALK_FAIL : WALK_OK;
}

/* Pending subscriptions (and the like) hide their id; the cache remembers
 * it from the create. Matched by identity properties. */
static void fill_ids_from_cache(struct engine *e)
{
	for (size_t t = 0; t < e->ntypes; t++) {
		const struct rtype *rt = e->types[t];
		if (!rt->identity)
			continue;
		for (size_t i = 0; i < e->live[t].n; i++) {
			struct live_resource *r = &e->live[t].v[i];
			if (r->id)
				continue;
			for (size_t k = 0; k < e->state.n; k++) {
				struct state_resource *sr = &e->state.res[k];
				if (strcmp(sr->type, rt->type_name) || !sr->id)
					continue;
				bool same = true;
				for (size_t p = 0; rt->identity[p] && same; p++)
					same = schema_compare(NULL, json_object_get(sr->attributes, rt->identity[p]),
							   json_object_get(r->props, rt->identity[p])) ==
					       SCHEMA_EQUAL;
				if (same) {
					r->id = xstrdup(sr->id);
					r->arn = xstrdup(sr->id);
					break;
				}
			}
		}
	}
}

/* CloudFormation passes a stack's tags on to every resource it makes, so
 * the resources of a stack berth manages carry berth:stack and the stack's
 * berth:id too. They are the stack's, not berth's: deleting the stack
 * deletes them, and taken as berth's own they would show as instances of
 * other types at the stack's address, for plan to destroy. Dropped here, for
 * every type at once. */
static void drop_stack_members(struct engine *e)
{
	long st = engine_type_index(e, "AWS::CloudFormation::Stack");
	if (st < 0 || !e->live[st].n)
		return;
	for (size_t t = 0; t < e->ntypes; t++) {
		if ((long)t == st)
			continue;
		struct live_set *s = &e->live[t];
		size_t keep = 0;
		for (size_t i = 0; i < s->n; i++) {
			bool member = false;
			for (size_t k = 0; s->v[i].address && k < e->live[st].n && !member; k++)
				member = e->live[st].v[k].address &&
					 !strcmp(e->live[st].v[k].address, s->v[i].address);
			if (member) {
				live_resource_release(&s->v[i]);
				continue;
			}
			if (keep != i)
				s->v[keep] = s->v[i];
			keep++;
		}
		s->n = keep;
	}
}

/* AWS's listings lag its writes, the tagging API's most: a plan right after
 * apply may not yet see in a listing what apply made (and read back by its
 * id), and would plan to make it again. The cache remembers what apply
 * made: an instance of a refreshed, taggable type that it holds and no
 * listing showed is read by its id before berth believes it gone — one call
 * each, only when something is missing — and taken only when its tags say
 * it is this stack's and this address's. */
static int read_unlisted_cached(struct engine *e, struct diags *d)
{
	for (size_t k = 0; k < e->state.n; k++) {
		const struct state_resource *sr = &e->state.res[k];
		if (!sr->id || !sr->address || !sr->type)
			continue;
		long t = engine_type_index(e, sr->type);
		if (t < 0 || !e->types[t]->read_one || !e->types[t]->tag_filter)
			continue;
		bool listed = false;
		for (size_t i = 0; i < e->live[t].n && !listed; i++)
			listed = e->live[t].v[i].address &&
				 !strcmp(e->live[t].v[i].address, sr->address);
		if (listed)
			continue;
		struct live_resource cur;
		memset(&cur, 0, sizeof(cur));
		int err = e->types[t]->read_one(&e->rt, sr->id, &cur, d);
		if (err == BERTH_ENOTFOUND)
			continue;
		if (err)
			return err;
		if (cur.tags && rt_tags_ours(&e->rt, cur.tags, sr->address)) {
			log_verbose("refresh: %s (%s) not listed yet: read by its id", sr->address,
				    sr->id);
			live_resource_copy(live_set_add(&e->live[t], e->types[t]->type_name), &cur);
		}
		live_resource_release(&cur);
	}
	return 0;
}

/* The other side of the same lag: a listing may still show, for a while,
 * what was deleted a moment ago (the apply that just removed it from the
 * spec, or a destroy of part of the stack), and the plan would delete it
 * again, or call it drift. An instance the spec does not name and the
 * cache does not hold (berth deleted it, or never made it here) is read by
 * its id before berth plans its removal: a ghost is not found by id. No
 * call in a plan whose spec names everything listed, as a no-change plan
 * does; none for destroy, whose deletes take a ghost's "not found" as done. */
static int drop_listed_ghosts(struct engine *e, struct diags *d)
{
	if (!e->spec)
		return 0;
	for (size_t t = 0; t < e->ntypes; t++) {
		const struct rtype *type = e->types[t];
		struct live_set *s = &e->live[t];
		if (!type->read_one || type->unowned_listing)
			continue;
		size_t keep = 0;
		for (size_t i = 0; i < s->n; i++) {
			struct live_resource *r = &s->v[i];
			bool check = r->id != NULL;
			if (check && r->address) {
				long si = spec_find_resource(e->spec, r->address);
				check = (si < 0 || strcmp(e->spec->resources[si].type, r->type)) &&
					!statefile_get(&e->state, r->address);
			}
			for (size_t k = 0; check && !r->address && k < e->state.n; k++)
				check = !(e->state.res[k].id && !strcmp(e->state.res[k].id, r->id));
			int err = 0;
			if (check) {
				struct live_resource cur;
				memset(&cur, 0, sizeof(cur));
				err = type->read_one(&e->rt, r->id, &cur, d);
				live_resource_release(&cur);
			}
			if (err == BERTH_ENOTFOUND) {
				log_verbose("refresh: %s %s is listed but gone (deleted a moment ago)",
					    r->type, r->id);
				live_resource_release(r);
				continue;
			}
			if (err)
				return err;
			if (keep != i)
				s->v[keep] = s->v[i];
			keep++;
		}
		s->n = keep;
	}
	return 0;
}

int engine_refresh(struct engine *e, struct diags *d)
{
	int err = 0;
	if (e->o.state_dir) {
		struct diags sd = DIAGS_INIT;
		struct statefile sf;
		int r = statefile_load(e->o.state_dir, e->stack, &sf, &sd);
		if (!r) {
			statefile_release(&e->state);
			e->state = sf;
		} else if (r == BERTH_ECONFLICT) {
			diags_move(d, &sd);
			diags_release(&sd);
			return r;
		} else if (r != BERTH_ENOTFOUND) {
			for (size_t i = 0; i < sd.n; i++)
				sd.items[i].severity = DIAG_WARNING;
			diags_add(&sd, DIAG_NOTE, "the state cache is only a cache: going on without it");
			diags_move(d, &sd);
		}
		diags_release(&sd);
	}

	json_t *stack_tagged = NULL;
	if (e->spec && !e->live && (err = engine_widen_scope(e, &stack_tagged, d)))
		return err;
	if (!e->live)
		e->live = xcalloc(e->ntypes + 1, sizeof(*e->live));
	size_t n = e->ntypes;
	long *parent_of = xcalloc(n + 1, sizeof(long));
	const char **names = xcalloc(2 * n + 1, sizeof(char *));
	struct diags *per = xcalloc(n + 1, sizeof(struct diags));
	for (size_t i = 0; i < n; i++) {
		names[i] = e->types[i]->type_name;
		parent_of[i] = e->types[i]->parent_type
				       ? engine_type_index(e, e->types[i]->parent_type)
				       : -1;
		live_set_release(&e->live[i]);
	}
	/* What a plan reads besides the listings, beside them rather than
	 * after: the account (the resolver's `account`), and per type the
	 * detail properties the spec sets, as soon as that type is listed. A
	 * child type's listing waits for its parent's listing only, so
	 * read_detail may run while children read the instance (it changes
	 * only props and detailed). */
	if (e->o.plan_reads) {
		names[n] = "sts:GetCallerIdentity";
		for (size_t i = 0; i < n; i++)
			names[n + 1 + i] = e->types[i]->type_name;
	}
	struct graph_edges ge;
	graph_refresh_edges(parent_of, n, e->o.plan_reads, &ge);
	struct walk_graph g = graph_edges_walk(&ge, names);
	struct refresh_job job = { e, per };
	struct walk_opts wo = { .parallelism = ge.n ? ge.n : 1, .fn = refresh_one, .fn_ctx = &job,
				.cancel = e->o.cancel };
	struct walk_result wr = WALK_RESULT_INIT;
	if (e->o.ev.note)
		e->o.ev.note(e->o.ev.ctx, "Refreshing live state...");
	/* Objects the types share while reading (a Grafana session per
	 * workspace), closed as soon as the reading is done. */
	struct rt_shared shared;
	rt_shared_init(&shared);
	e->rt.shared = &shared;
	e->rt.stack_tagged = stack_tagged;
	err = walk_run(&g, &wo, &wr, d);
	e->rt.shared = NULL;
	e->rt.stack_tagged = NULL;
	json_decref(stack_tagged);
	rt_shared_release(&shared, d);
	if (!err) {
		/* What was not read because what it is found through failed: one
		 * note after the errors, which say why. */
		struct buf skipped = BUF_INIT;
		for (size_t i = 0; i < n; i++) {
			if (wr.nodes[i].state == WALK_SKIPPED && wr.nodes[i].cause != WALK_NONE)
				buf_addf(&skipped, "%s%s (needs %s)", skipped.len ? ", " : "",
					 e->types[i]->type_name, e->types[wr.nodes[i].cause]->type_name);
			diags_move(d, &per[i]);
		}
		diags_move(d, &per[n]);
		if (skipped.len)
			diags_add(d, DIAG_NOTE, "not read, because reading what they belong to "
				  "failed: %s", skipped.ptr);
		buf_release(&skipped);
		err = walk_result_status(&wr);
		if (err == BERTH_ERROR)
			err = BERTH_EAWS;
		walk_result_release(&wr);
	}
	for (size_t i = 0; i <= n; i++)
		diags_release(&per[i]);
	free(per);
	graph_edges_release(&ge);
	free(parent_of);
	free(names);
	if (!err)
		err = read_unlisted_cached(e, d);
	if (!err)
		err = drop_listed_ghosts(e, d);
	if (!err)
		err = engine_read_outside_children(e, d);
	if (err)
		return err;
	drop_stack_members(e);
	fill_ids_from_cache(e);
	json_decref(e->live_index);
	e->live_index = json_object();
	for (size_t t = 0; t < n; t++)
		for (size_t i = 0; i < e->live[t].n; i++)
			engine_index_live(e, t, i);
	engine_index_keepers(e);
	e->refreshed = true;
	if (log_enabled(LOG_VERBOSE)) {
		for (size_t i = 0; i < n; i++)
			log_verbose("refresh: %s: %zu live", e->types[i]->type_name, e->live[i].n);
	}
	return 0;
}

bool engine_needs_detail(const struct rtype *rt, json_t *desired, json_t *applied)
{
	for (size_t i = 0; rt->detail_props && rt->detail_props[i]; i++)
		if (json_object_get(desired, rt->detail_props[i]) ||
		    json_object_get(applied, rt->detail_props[i]))
			return true;
	return false;
}

/* Reads the detail of every live instance of one type that plan will need
 * it for, `parallelism` at once. Called by the refresh as soon as the
 * type's listing ends, so these reads overlap the other types' listings
 * rather than following them, and engine_plan's loop (which runs in
 * dependency order, one resource at a time, because each desired value may
 * refer to the ones before it) finds them done. Which instances need it is
 * decided from the spec's properties as loaded (their keys are there even
 * when a value is not known yet) and the last applied values: at worst one
 * read too many. A failed read is left for the loop, which reads again and
 * reports it. Types with a detail_stamp are left to the loop too: it may
 * take their details from the cache with no call at all. */
struct detail_job {
	struct engine *e;
	struct live_resource **live;
	const struct rtype *rt;
};

static int detail_one(void *ctx, size_t node)
{
	struct detail_job *job = ctx;
	struct diags nd = DIAGS_INIT;
	int r = job->rt->read_detail(&job->e->rt, job->live[node], &nd);
	diags_release(&nd);
	if (!r || r == BERTH_ENOTFOUND)
		job->live[node]->detailed = true;
	return WALK_OK;
}

static void prefetch_details(struct engine *e, size_t t)
{
	const struct spec *s = e->spec;
	const struct rtype *rt = e->types[t];
	struct live_set *ls = &e->live[t];
	if (!s || !rt->read_detail || rt->detail_stamp || !ls->n)
		return;
	/* The live index is built when the whole refresh ends: this type's
	 * instances by address, here. */
	json_t *by_address = json_object();
	for (size_t i = 0; i < ls->n; i++)
		if (ls->v[i].address)
			json_object_set_new(by_address, ls->v[i].address, json_integer((json_int_t)i));
	size_t n = 0;
	struct live_resource **live = xcalloc(s->nresources + 1, sizeof(*live));
	for (size_t i = 0; i < s->nresources; i++) {
		const struct spec_resource *sr = &s->resources[i];
		if (strcmp(sr->type, rt->type_name))
			continue;
		json_t *at = json_object_get(by_address, sr->address);
		if (!at)
			continue;
		struct live_resource *l = &ls->v[json_integer_value(at)];
		if (l->detailed)
			continue;
		struct state_resource *st = statefile_get(&e->state, sr->address);
		json_t *applied = st && !strcmp(st->type, sr->type) ? st->applied : NULL;
		if (!engine_needs_detail(rt, sr->properties, applied))
			continue;
		live[n++] = l;
	}
	json_decref(by_address);
	if (n > 1) {
		struct graph_edges ge;
		graph_independent_edges(n, &ge);
		const char **names = xcalloc(n, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			names[i] = live[i]->address;
		struct walk_graph g = graph_edges_walk(&ge, names);
		struct detail_job job = { e, live, rt };
		struct walk_opts wo = { .parallelism = e->o.parallelism, .fn = detail_one,
					.fn_ctx = &job, .cancel = e->o.cancel };
		struct walk_result wr = WALK_RESULT_INIT;
		struct diags wd = DIAGS_INIT;
		if (!walk_run(&g, &wo, &wr, &wd))
			walk_result_release(&wr);
		diags_release(&wd);
		graph_edges_release(&ge);
		free(names);
	}
	free(live);
}
