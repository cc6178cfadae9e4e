/* Walking a plan: apply and destroy run its changes with the parallel
 * walker (graph/walk.h) over graphs built by graph/transform.h. Each
 * operation resolves its properties just in time, reports through its own
 * diagnostics, and records what it made so dependents resolve against real
 * values. A failure skips only what depends on it; cancellation lets
 * in-flight operations finish. Removals are a walk of their own (children
 * before parents). */
#include "util/common.h"
#include "engine/run_int.h"
#include "engine/adopt.h"
#include "engine/resolve.h"

#include "aws/error.h"
#include "graph/transform.h"
#include "graph/walk.h"
#include "repos/repos.h"

/* Whether deleting `cur` must be confirmed by reading it again until it is
 * gone. Not in a destroy for types whose delete is synchronous: destroy
 * ends with a sweep that reads every taggable type again (one listing per
 * type) and deletes what is left, so that listing is their confirmation and
 * a read per instance would only repeat it. Nor for instances their parent
 * takes along (gone_with_parent) when this destroy deletes that parent too:
 * the parent's own confirmation covers them. */
static bool confirm_each(const struct run *r, const struct rtype *type,
			 const struct live_resource *cur)
{
	if (!r->destroy)
		return true;
	if (type->delete_sync && type->tag_filter)
		return false;
	if (!type->gone_with_parent || !type->parent_type || !cur->parent_id)
		return true;
	for (size_t k = 0; k < r->p->n; k++) {
		const struct plan_change *pc = &r->p->v[k];
		if (pc->action == PA_DELETE && !pc->excluded && pc->id &&
		    !strcmp(pc->type, type->parent_type) && !strcmp(pc->id, cur->parent_id))
			return false;
	}
	return true;
}

static const char *const verbs[][3] = {
	/* action: in progress, done, failed */
	[PA_NOOP] = { "reading", "unchanged", "failed" },
	[PA_CREATE] = { "creating", "created", "creation failed" },
	[PA_UPDATE] = { "updating", "updated", "update failed" },
	[PA_REPLACE] = { "replacing", "replaced", "replacement failed" },
	[PA_DELETE] = { "destroying", "destroyed", "destruction failed" },
	[PA_FORGET] = { "releasing (retain)", "left in AWS (retain)", "release failed" },
};

/* A repo node: clone or check out the pinned ref (apply's part of
 * `repos:`); what depends on ${repo.NAME.path} waits for it. */
static int sync_repo(struct run *r, size_t node)
{
	struct engine *e = r->e;
	const struct spec_repo *sr = &e->spec->repos[r->repo[node]];
	struct op_result *op = &r->ops[node];
	struct repo_opts ro = { .project_dir = e->spec->project_dir, .allow_network = true };
	struct repo_def def = { sr->name, sr->url, sr->ref };
	struct repo_status st;
	if (repo_status(&ro, &def, &st, &op->diags))
		return WALK_FAIL;
	enum repo_action action = st.action;
	repo_status_release(&st);
	if (action == REPO_ACTION_NONE)
		return WALK_OK;
	char *label = xasprintf("repo.%s", sr->name);
	struct op_ctx oc;
	engine_op_start(e, &oc, label, action == REPO_ACTION_CLONE ? "cloning" : "updating");
	unsigned did = 0;
	char commit[41] = "";
	int err = repo_sync(&ro, &def, &did, commit, &op->diags);
	engine_op_finish(e, &oc, err ? "failed" : action == REPO_ACTION_CLONE ? "cloned" : "checked out");
	free(label);
	return err ? WALK_FAIL : WALK_OK;
}

static int run_node(void *ctx, size_t node)
{
	struct run *r = ctx;
	struct engine *e = r->e;
	long ci = r->change[node];
	if (ci < 0 && r->repo && r->repo[node] >= 0)
		return sync_repo(r, node);
	if (ci < 0)
		return WALK_OK;
	const struct plan_change *c = &r->p->v[ci];
	if (c->excluded)
		return WALK_SKIP;
	if (c->action == PA_NOOP)
		return WALK_OK;
	struct op_result *op = &r->ops[node];
	const struct rtype *type = engine_rtype(e, c->type);
	struct op_ctx oc;
	if (atomic_load(&e->creds_expired)) {
		struct diag *dg = diags_add(&op->diags, DIAG_ERROR, "%s: not attempted: the AWS "
					    "credentials have expired", c->address);
		diag_set_address(dg, c->address);
		return WALK_FAIL;
	}
	if (r->delete_old && r->delete_old[node]) {
		/* The old instance of a replacement: goes after the old instances
		 * of what depends on it, before the new one is made. */
		struct live_resource *old_inst = engine_live_for_change(e, c);
		engine_op_start(e, &oc, c->address, "destroying (to be replaced)");
		int derr = old_inst ? engine_delete_instance(e, &oc.rt, type, old_inst, c->address, true, &op->diags) : 0;
		for (size_t i = 0; i < op->diags.n; i++)
			if (!op->diags.items[i].address)
				diag_set_address(&op->diags.items[i], c->address);
		engine_op_finish(e, &oc, derr ? "destruction failed" : "destroyed (to be replaced)");
		return derr ? WALK_FAIL : WALK_OK;
	}
	bool old_gone = r->has_delete_node && r->has_delete_node[node];
	engine_op_start(e, &oc, c->address, old_gone ? "creating (replacement)" : verbs[c->action][0]);
	struct diags *d = &op->diags;
	struct live_resource *cur = engine_live_for_change(e, c);
	json_t *desired = NULL;
	int err = 0;
	switch (c->action) {
	case PA_CREATE:
		if (!(err = engine_evaluate(e, c, &desired, d)))
			err = engine_do_create(e, &oc.rt, c, desired, NULL, d);
		break;
	case PA_UPDATE:
		if (c->adopt) {
			/* adopt: true: take the instance in, then update it as any. */
			struct live_resource adopted;
			if (!(err = engine_evaluate(e, c, &desired, d)) &&
			    !(err = engine_adopt(e, &oc.rt, c, &adopted, d))) {
				err = engine_do_update(e, &oc.rt, c, desired, &adopted, d);
				live_resource_release(&adopted);
			}
		} else if (!cur) {
			diags_add(d, DIAG_ERROR, "%s: the live instance is gone; run plan again", c->address);
			err = BERTH_ENOTFOUND;
		} else if (!(err = engine_evaluate(e, c, &desired, d)))
			err = engine_do_update(e, &oc.rt, c, desired, cur, d);
		break;
	case PA_REPLACE:
		if ((err = engine_evaluate(e, c, &desired, d)))
			break;
		if (c->cbd) {
			err = engine_do_create(e, &oc.rt, c, desired, cur ? cur->id : NULL, d);
			if (!err && cur && r->deposed) {
				/* Its dependents still use it: removed after the walk. */
				pthread_mutex_lock(&e->lock);
				live_resource_copy(live_set_add(r->deposed, cur->type), cur);
				strvec_push(r->deposed_address, c->address);
				pthread_mutex_unlock(&e->lock);
			} else if (!err && cur) {
				err = engine_delete_instance(e, &oc.rt, type, cur, c->address, true, d);
			}
		} else {
			if (cur && !old_gone)
				err = engine_delete_instance(e, &oc.rt, type, cur, c->address, true, d);
			if (!err)
				err = engine_do_create(e, &oc.rt, c, desired, NULL, d);
		}
		break;
	case PA_DELETE:
		if (cur)
			err = engine_delete_instance(e, &oc.rt, type, cur, c->address,
					      confirm_each(r, type, cur), d);
		if (!err) {
			engine_forget_known(e, c->address);
			engine_forget_state(e, c->address);
		}
		break;
	case PA_FORGET:
		if (cur)
			err = engine_do_forget(e, &oc.rt, type, cur, d);
		if (!err)
			engine_forget_state(e, c->address);
		break;
	case PA_NOOP:
		break;
	}
	json_decref(desired);
	for (size_t i = 0; i < d->n; i++) {
		if (!d->items[i].address)
			diag_set_address(&d->items[i], c->address);
		if (aws_error_is_expired_credentials(d->items[i].aws_code))
			atomic_store(&e->creds_expired, true);
	}
	engine_op_finish(e, &oc, verbs[c->action][err ? 2 : 1]);
	return err ? WALK_FAIL : WALK_OK;
}

/* Adds the result of one walk to *out. */
static void collect(struct run *r, const struct walk_result *wr, const char *const *names,
		    struct run_result *out)
{
	for (size_t i = 0; i < r->n; i++) {
		long ci = r->change[i];
		bool repo = ci < 0 && r->repo && r->repo[i] >= 0;
		if (ci < 0 && !repo)
			continue;
		/* The old instance's node of a replacement is reported only when
		 * it did not succeed; the replacement's node tells the rest. */
		if (r->delete_old && r->delete_old[i] && wr->nodes[i].state != WALK_FAILED) {
			diags_release(&r->ops[i].diags);
			continue;
		}
		if (repo && wr->nodes[i].state == WALK_DONE && !r->ops[i].diags.n)
			continue; /* a repository brought up to date is not a resource change */
		const struct plan_change *c = repo ? NULL : &r->p->v[ci];
		if (c && (c->action == PA_NOOP || c->excluded)) {
			diags_release(&r->ops[i].diags);
			continue;
		}
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		struct op_result *o = &out->v[out->n++];
		*o = r->ops[i];
		memset(&r->ops[i], 0, sizeof(r->ops[i]));
		o->address = xstrdup(c ? c->address : names[i]);
		o->type = xstrdup(c ? c->type : "git repository");
		o->action = c ? c->action : PA_UPDATE;
		o->cbd = c && c->cbd;
		o->repo = repo;
		switch (wr->nodes[i].state) {
		case WALK_DONE: o->outcome = OP_DONE; out->done++; break;
		case WALK_FAILED: o->outcome = OP_FAILED; out->failed++; break;
		case WALK_SKIPPED:
			o->outcome = OP_SKIPPED;
			out->skipped++;
			if (wr->nodes[i].cause != WALK_NONE)
				o->cause = xstrdup(names[wr->nodes[i].cause]);
			break;
		case WALK_CANCELED: o->outcome = OP_CANCELED; out->canceled++; break;
		default: o->outcome = OP_NONE; break;
		}
	}
	if (wr->canceled)
		out->interrupted = true;
}

int engine_walk(struct run *r, struct graph_edges *g, const char *const *names, bool reverse,
		struct run_result *out, struct diags *d)
{
	r->ops = xcalloc(r->n + 1, sizeof(*r->ops));
	struct walk_graph wg = graph_edges_walk(g, names);
	/* longest_first: waits hold their slot for minutes (a NAT gateway, a
	 * service settling, a subnet retried while ENIs linger), so slots run
	 * short; what heads the longest chain should not queue behind leaves. */
	struct walk_opts wo = { .parallelism = r->e->o.parallelism, .reverse = reverse,
				.fn = run_node, .fn_ctx = r, .cancel = r->e->o.cancel,
				.longest_first = true };
	struct walk_result wr = WALK_RESULT_INIT;
	int err = walk_run(&wg, &wo, &wr, d);
	if (!err) {
		collect(r, &wr, names, out);
		walk_result_release(&wr);
	}
	for (size_t i = 0; i < r->n; i++)
		diags_release(&r->ops[i].diags);
	free(r->ops);
	r->ops = NULL;
	return err;
}

/* Removals (changes not in the spec graph) as their own walk: an instance
 * found through a parent goes before the parent. */
int engine_walk_removals(struct engine *e, const struct plan *p, bool all,
			 struct run_result *out, struct diags *d)
{
	struct run r = { .e = e, .p = p, .destroy = all };
	r.change = xcalloc(p->n + 1, sizeof(long));
	const char **names = xcalloc(p->n + 1, sizeof(char *));
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_change *c = &p->v[i];
		if (c->action != PA_DELETE && c->action != PA_FORGET)
			continue;
		if (!all && c->spec_index >= 0)
			continue;
		r.change[r.n] = (long)i;
		names[r.n++] = c->address;
	}
	struct graph_edges g;
	graph_edges_init(&g, r.n);
	/* child -> parent edges; walked in reverse, children go first. */
	const char **ids = xcalloc(r.n + 1, sizeof(char *));
	const char **parents = xcalloc(r.n + 1, sizeof(char *));
	for (size_t a = 0; a < r.n; a++) {
		const struct plan_change *ca = &p->v[r.change[a]];
		struct live_resource *la = engine_live_for_change(e, ca);
		ids[a] = ca->id;
		parents[a] = la ? la->parent_id : NULL;
	}
	graph_parent_edges(ids, parents, &g);
	free(ids);
	free(parents);
	/* Spec dependencies between removed resources (destroy with a spec). */
	if (all && e->spec) {
		long *node_of = xcalloc(r.n + 1, sizeof(long));
		for (size_t a = 0; a < r.n; a++) {
			long si = p->v[r.change[a]].spec_index;
			node_of[a] = si >= 0 ? (long)e->spec->resources[si].graph_node : -1;
		}
		graph_nearest_edges(&e->spec->graph, node_of, &g);
		free(node_of);
	}
	int err = r.n ? engine_walk(&r, &g, names, true, out, d) : 0;
	graph_edges_release(&g);
	free(names);
	free(r.change);
	return err;
}

int engine_save_state(struct engine *e, struct diags *d)
{
	if (!e->o.state_dir)
		return 0;
	struct diags sd = DIAGS_INIT;
	int err = statefile_save(e->o.state_dir, &e->state, engine_sensitive_pointers, e, &sd);
	if (err) {
		/* The cache is not the truth: a failed save is a warning. */
		for (size_t i = 0; i < sd.n; i++)
			sd.items[i].severity = DIAG_WARNING;
	}
	diags_move(d, &sd);
	diags_release(&sd);
	return 0;
}

void run_result_release(struct run_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].address);
		free(r->v[i].type);
		free(r->v[i].cause);
		diags_release(&r->v[i].diags);
	}
	free(r->v);
	strvec_clear(&r->remaining);
	strvec_clear(&r->retained);
	memset(r, 0, sizeof(*r));
}

int engine_run_status(const struct run_result *r)
{
	if (r->interrupted)
		return BERTH_ECANCELED;
	return r->failed || r->skipped || r->canceled ? BERTH_ERROR : 0;
}

/* Reads every one of `types` at once with read_all (no parents: taggable
 * types, which do not depend on each other) into out[i], from `tagged`
 * (the whole stack's tagging listing, rt_ctx.stack_tagged) when not NULL.
 * Their diagnostics go to d. */
struct types_job {
	struct engine *e;
	const struct rtype *const *types;
	struct live_set *out;
	struct diags *diags;
};

static int read_type(void *ctx, size_t node)
{
	struct types_job *job = ctx;
	struct live_set none = LIVE_SET_INIT;
	const struct rtype *rt = job->types[node];
	int err = rt->read_all(&job->e->rt, &none, &job->out[node], &job->diags[node]);
	/* As in the refresh: the stack filter's answer is checked. */
	if (!err && rt->tag_filter && !rt->unowned_listing)
		rt_keep_stack(&job->e->rt, &job->out[node]);
	return err ? WALK_FAIL : WALK_OK;
}

int engine_read_types(struct engine *e, const struct rtype *const *types, size_t nt,
		      json_t *tagged, struct live_set *out, struct diags *d)
{
	struct diags *per = xcalloc(nt + 1, sizeof(*per));
	const char **names = xcalloc(nt + 1, sizeof(char *));
	size_t *ndeps = xcalloc(nt + 1, sizeof(size_t));
	const size_t **deps = xcalloc(nt + 1, sizeof(size_t *));
	for (size_t t = 0; t < nt; t++)
		names[t] = types[t]->type_name;
	struct walk_graph g = { nt, ndeps, deps, names };
	struct types_job job = { e, types, out, per };
	struct walk_opts wo = { .parallelism = nt ? nt : 1, .fn = read_type, .fn_ctx = &job,
				.cancel = e->o.cancel };
	struct walk_result wr = WALK_RESULT_INIT;
	e->rt.stack_tagged = tagged;
	int err = walk_run(&g, &wo, &wr, d);
	e->rt.stack_tagged = NULL;
	if (!err) {
		err = walk_result_status(&wr);
		if (err == BERTH_ERROR)
			err = BERTH_EAWS;
		walk_result_release(&wr);
	}
	for (size_t t = 0; t < nt; t++) {
		diags_move(d, &per[t]);
		diags_release(&per[t]);
	}
	free(per);
	free(names);
	free(ndeps);
	free(deps);
	return err;
}
