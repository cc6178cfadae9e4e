/* The engine's write side: apply and destroy walk a plan with the parallel
 * walker (graph/walk.h). Each operation resolves its properties just in
 * time, reports through its own diagnostics, and records what it made so
 * dependents resolve against real values. A failure skips only what depends
 * on it; cancellation lets in-flight operations finish.
 *
 * Apply runs in two walks: removals first (things no longer in the spec,
 * children before parents), then the spec graph forwards. Destroy is one
 * walk backwards over everything of the stack, then a sweep by tag. */
#include "util/common.h"
#include "engine/engine_int.h"

#include "aws/client.h"
#include "aws/error.h"
#include "engine/diff.h"
#include "graph/walk.h"
#include "schema/schema.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "repos/repos.h"

struct run {
	struct engine *e;
	const struct plan *p;
	/* Walk nodes: a plan change index or -1 (data, repos, no-ops). */
	long *change;
	size_t n;
	struct op_result *ops;
	bool destroy;
	long *repo;      /* walk node -> index in spec->repos, or -1; may be NULL */
	/* Walk nodes that delete the old instance of a replaced resource (not
	 * create_before_destroy) ahead of its replacement: true for those. The
	 * replacement's own node then only creates. May be NULL. */
	bool *delete_old;
	bool *has_delete_node; /* per walk node: its old instance has its own node */
	/* create_before_destroy replacements: the old instances, removed after
	 * the walk so that their dependents moved first (under e->lock). */
	struct live_set *deposed;
	struct strvec *deposed_address;
};

/* ---- small pieces ---- */

struct op_ctx {
	struct rt_ctx rt;
	struct engine *e;
	int op;
};

static void on_waiting(void *ctx, const char *what)
{
	struct op_ctx *oc = ctx;
	if (oc->e->o.ev.op_waiting)
		oc->e->o.ev.op_waiting(oc->e->o.ev.ctx, oc->op, what);
}

static void op_start(struct engine *e, struct op_ctx *oc, const char *address, const char *verb)
{
	oc->e = e;
	oc->rt = e->rt;
	oc->rt.waiting = on_waiting;
	oc->rt.waiting_ctx = oc;
	oc->op = e->o.ev.op_begin ? e->o.ev.op_begin(e->o.ev.ctx, address, verb) : -1;
}

static void op_finish(struct engine *e, struct op_ctx *oc, const char *outcome)
{
	if (e->o.ev.op_end)
		e->o.ev.op_end(e->o.ev.ctx, oc->op, outcome);
}

struct probe_ctx {
	const struct rt_ctx *rt;
	const struct rtype *type;
	const char *id;
	bool want_gone;
	struct live_resource found;
	bool have;
};

static int probe(void *ctx, struct diags *d)
{
	struct probe_ctx *pc = ctx;
	struct live_resource r;
	int err = pc->type->read_one(pc->rt, pc->id, &r, d);
	if (err == BERTH_ENOTFOUND)
		return pc->want_gone ? 0 : 1;
	if (err)
		return err;
	if (pc->want_gone) {
		live_resource_release(&r);
		return 1;
	}
	if (pc->have)
		live_resource_release(&pc->found);
	pc->found = r;
	pc->have = true;
	return 0;
}

/* Waits until the instance can be read (and the type says it is ready),
 * and returns it. */
static int wait_ready(struct engine *e, const struct rt_ctx *rt, const struct rtype *type,
		      const char *id, struct live_resource *out, struct diags *d)
{
	int err;
	if (type->wait_ready && (err = type->wait_ready(rt, id, d)))
		return err;
	struct probe_ctx pc = { rt, type, id, false, { 0 }, false };
	err = rt_poll(rt, "it to be readable", e->o.wait_timeout_ms, 5000, probe, &pc, d);
	if (err) {
		if (pc.have)
			live_resource_release(&pc.found);
		return err;
	}
	*out = pc.found;
	return 0;
}

/* Waits until reading it says it is gone: the confirmation of a delete. */
static int wait_gone(struct engine *e, const struct rt_ctx *rt, const struct rtype *type,
		     const struct live_resource *cur, struct diags *d)
{
	if (type->wait_gone)
		return type->wait_gone(rt, cur, d);
	if (!cur->id)
		return 0;
	struct probe_ctx pc = { rt, type, cur->id, true, { 0 }, false };
	return rt_poll(rt, "it to be gone", e->o.wait_timeout_ms, 5000, probe, &pc, d);
}

static bool retryable_delete(const struct diags *d)
{
	static const char *const codes[] = { "DependencyViolation", "ResourceInUse",
					     "ResourceInUseException", "ResourceConflictException",
					     "ConflictException", "DeleteConflict",
					     "OperationAbortedException", NULL };
	for (size_t i = 0; i < d->n; i++)
		for (size_t k = 0; d->items[i].aws_code && codes[k]; k++)
			if (!strcmp(d->items[i].aws_code, codes[k]))
				return true;
	return false;
}

struct remove_ctx {
	const struct rt_ctx *rt;
	const struct rtype *type;
	const struct live_resource *cur;
	struct diags last;
};

static int remove_probe(void *ctx, struct diags *d)
{
	struct remove_ctx *rc = ctx;
	diags_release(&rc->last);
	int err = rc->type->remove(rc->rt, rc->cur, &rc->last);
	if (!err) {
		diags_move(d, &rc->last); /* warnings */
		return 0;
	}
	if (retryable_delete(&rc->last))
		return 1; /* something still depends on it: try again later */
	diags_move(d, &rc->last);
	return err;
}

/* Deletes with retries while AWS says something still depends on it, then
 * confirms by reading again (unless `confirm` is false: the caller confirms
 * otherwise). */
static int delete_confirmed(struct engine *e, const struct rt_ctx *rt, const struct rtype *type,
			    const struct live_resource *cur, bool confirm, struct diags *d)
{
	struct remove_ctx rc = { rt, type, cur, DIAGS_INIT };
	struct diags pd = DIAGS_INIT;
	int err = rt_poll(rt, "what depends on it to go", e->o.retry_timeout_ms, 15000, remove_probe,
			  &rc, &pd);
	if (err == BERTH_ETIMEOUT && rc.last.n) {
		/* The last AWS error says why; the time spent retrying is detail. */
		struct diag *last = &rc.last.items[rc.last.n - 1];
		if (!last->detail)
			diag_set_detail(last, "still refused after %lds of retries",
					e->o.retry_timeout_ms / 1000);
		diags_move(d, &rc.last);
		diags_release(&pd);
	} else {
		diags_move(d, &pd);
	}
	diags_release(&pd);
	diags_release(&rc.last);
	if (err)
		return err;
	return confirm ? wait_gone(e, rt, type, cur, d) : 0;
}

/* delete_confirmed, noting first what AWS made on the instance's behalf
 * (read before it goes: a stack's template is gone with it); once it is
 * gone, those are candidates for the end of the run (sidefx.c), `cause` its
 * address. */
static int delete_instance(struct engine *e, const struct rt_ctx *rt, const struct rtype *type,
			   struct live_resource *cur, const char *cause, bool confirm,
			   struct diags *d)
{
	struct strvec groups = STRVEC_INIT;
	int serr = sidefx_declared(rt, type, cur, &groups, d);
	if (serr) {
		strvec_clear(&groups);
		return serr;
	}
	long long since = groups.n ? sidefx_cause_time(e, rt, type, cur) : 0;
	int err = delete_confirmed(e, rt, type, cur, confirm, d);
	if (!err)
		sidefx_removed(e, type, cur, &groups, cause, since);
	strvec_clear(&groups);
	return err;
}

int engine_set_tags(const struct rt_ctx *rt, const struct rtype *type,
		    const struct live_resource *cur, json_t *add, json_t *remove_keys,
		    struct diags *d)
{
	if (type->set_tags)
		return type->set_tags(rt, cur, add, remove_keys, d);
	if (!cur->arn) {
		diags_add(d, DIAG_ERROR, "%s has no ARN to tag", cur->id ? cur->id : "resource");
		return BERTH_ERROR;
	}
	int err = 0;
	json_t *res = NULL;
	if (json_object_size(add)) {
		json_t *params = json_pack("{s:[s], s:O}", "ResourceARNList", cur->arn, "Tags", add);
		err = rt_call(rt, "resourcegroupstaggingapi", "TagResources", params, &res, d);
		json_decref(params);
	}
	if (!err && json_array_size(remove_keys)) {
		json_decref(res);
		res = NULL;
		json_t *params = json_pack("{s:[s], s:O}", "ResourceARNList", cur->arn, "TagKeys",
					   remove_keys);
		err = rt_call(rt, "resourcegroupstaggingapi", "UntagResources", params, &res, d);
		json_decref(params);
	}
	if (!err && json_object_size(json_object_get(res, "FailedResourcesMap"))) {
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(res, "FailedResourcesMap"), k, v) {
			struct diag *dg = diags_add(d, DIAG_ERROR, "tagging %s failed: %s", k,
						    json_string_value(json_object_get(v, "ErrorMessage")) ?
							    json_string_value(json_object_get(v, "ErrorMessage")) : "");
			dg->aws_code = json_string_value(json_object_get(v, "ErrorCode")) ?
					       xstrdup(json_string_value(json_object_get(v, "ErrorCode"))) : NULL;
		}
		err = BERTH_EAWS;
	}
	json_decref(res);
	return err;
}

/* The tags a resource should carry: the spec's, plus berth's. */
json_t *engine_wanted_tags(struct engine *e, const char *address, json_t *desired, bool retain)
{
	json_t *m = rt_tags_to_map(json_object_get(desired, "Tags"));
	json_object_set_new(m, TAG_STACK, json_string(e->stack));
	char *enc = rt_tag_encode(address);
	json_object_set_new(m, TAG_ID, json_string(enc));
	free(enc);
	if (retain)
		json_object_set_new(m, TAG_RETAIN, json_string("true"));
	if (e->o.expires)
		json_object_set_new(m, TAG_EXPIRES, json_string(e->o.expires));
	if (e->o.expires && e->o.owner)
		json_object_set_new(m, TAG_OWNER, json_string(e->o.owner));
	return m;
}

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
			const struct rtype *type = rtype_find(r->type);
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

static void record_state(struct engine *e, const char *address, const struct live_resource *r,
			 json_t *desired, bool sensitive)
{
	json_t *attrs = engine_mask(r->type, r->props, sensitive);
	json_t *applied = desired ? engine_mask(r->type, desired, sensitive) : json_object();
	pthread_mutex_lock(&e->lock);
	statefile_set(&e->state, address, r->type, r->id, attrs, applied);
	pthread_mutex_unlock(&e->lock);
}

static void forget_state(struct engine *e, const char *address)
{
	pthread_mutex_lock(&e->lock);
	statefile_remove(&e->state, address);
	pthread_mutex_unlock(&e->lock);
}

/* ---- operations ---- */

static int evaluate(struct engine *e, const struct plan_change *c, json_t **out, struct diags *d)
{
	struct spec_resolver res;
	engine_resolver(e, &res);
	json_t *desired = NULL;
	int err = spec_eval_resource(e->spec, (size_t)c->spec_index, &res, &desired, NULL, d);
	if (err)
		return err;
	const struct rtype *rt = rtype_find(c->type);
	if (rt->normalise)
		rt->normalise(e->stack, c->address, desired);
	if (value_has_unknown(desired)) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "%s: some values are still unknown at apply time",
					    c->address);
		diag_set_detail(dg, "a resource it refers to did not report them");
		json_decref(desired);
		return BERTH_ERROR;
	}
	*out = desired;
	return 0;
}

static int do_create(struct engine *e, const struct rt_ctx *rt, const struct plan_change *c,
		     json_t *desired, const char *old_id, struct diags *d)
{
	const struct rtype *type = rtype_find(c->type);
	const struct spec_resource *sr = &e->spec->resources[c->spec_index];
	json_t *tags = type->tag_filter ? engine_wanted_tags(e, c->address, desired, sr->retain) : NULL;
	char *id = NULL;
	struct live_resource live = { 0 };
	/* When berth created it and who: `berth reap --older-than` ages a
	 * stack by its oldest resource (the tagging API gives no creation
	 * times), and reap names the owner also of stacks without expires:.
	 * berth:created is set here only: updates never add, change or remove
	 * it; berth:owner is moved only with the expiry. */
	if (tags) {
		char now[21];
		fs_iso8601_now(now);
		json_object_set_new(tags, TAG_CREATED, json_string(now));
		if (e->o.owner && !json_object_get(tags, TAG_OWNER))
			json_object_set_new(tags, TAG_OWNER, json_string(e->o.owner));
	}
	int err = type->create_known ?
			  type->create_known(rt, c->address, desired, tags, &id, &live, d) :
			  type->create(rt, c->address, desired, tags, &id, d);
	json_decref(tags);
	if (err) {
		live_resource_release(&live);
		return err;
	}
	if (old_id && !strcmp(old_id, id)) {
		struct diag *dg = diags_add(d, DIAG_ERROR,
					    "create_before_destroy: the new instance would have the old one's id %s",
					    id);
		diag_set_detail(dg, "give it another name, or drop create_before_destroy");
		free(id);
		live_resource_release(&live);
		return BERTH_ECONFLICT;
	}
	/* What the create determined needs no reading back; anything else is
	 * read until it is readable (and ready, for types that say). */
	if (!live.type) {
		live_resource_release(&live);
		err = wait_ready(e, rt, type, id, &live, d);
	} else if (type->wait_ready && (err = type->wait_ready(rt, id, d))) {
		live_resource_release(&live); /* known, but not usable yet */
	} else {
		/* Not read back: apply waits at its end until the listings show
		 * it, for all such instances at once. */
		pthread_mutex_lock(&e->lock);
		json_t *ids = json_object_get(e->unlisted, type->type_name);
		if (!ids)
			json_object_set_new(e->unlisted, type->type_name, ids = json_object());
		json_object_set_new(ids, id, json_true());
		pthread_mutex_unlock(&e->lock);
	}
	free(id);
	if (err)
		return err;
	engine_set_known(e, c->address, live.id, live.props);
	record_state(e, c->address, &live, desired, c->sensitive);
	live_resource_release(&live);
	return 0;
}

static int do_update(struct engine *e, const struct rt_ctx *rt, const struct plan_change *c,
		     json_t *desired, const struct live_resource *cur, struct diags *d)
{
	const struct rtype *type = rtype_find(c->type);
	const struct spec_resource *sr = &e->spec->resources[c->spec_index];
	/* Other workers add to the state while this one runs: copy under the
	 * lock what the diff needs. */
	pthread_mutex_lock(&e->lock);
	struct state_resource *st = statefile_get(&e->state, c->address);
	json_t *applied = st && st->applied ? json_deep_copy(st->applied) : NULL;
	pthread_mutex_unlock(&e->lock);
	struct diff_input in = { sr->schema, desired, cur->props, applied,
				 &sr->ignore_changes, type->update != NULL, sr->retain, cur->retain };
	struct diff_result dr;
	diff_result_init(&dr);
	diff_resource(&in, &dr);
	int err = 0;
	if (dr.action == DIFF_REPLACE) {
		struct diag *dg = diags_add(d, DIAG_ERROR,
					    "%s: now needs replacing (values known only at apply time changed)",
					    c->address);
		diag_set_detail(dg, "run plan and apply again");
		err = BERTH_ECONFLICT;
		goto cleanup;
	}
	const char **props = xcalloc(dr.changed.n + 1, sizeof(char *));
	size_t np = 0;
	bool tags_changed = false;
	for (size_t i = 0; i < dr.changed.n; i++) {
		if (!strcmp(dr.changed.v[i], "Tags"))
			tags_changed = true;
		else
			props[np++] = dr.changed.v[i];
	}
	if (np && !type->update) {
		diags_add(d, DIAG_ERROR, "%s cannot be changed in place", c->type);
		err = BERTH_EINVAL;
	} else if (np) {
		err = type->update(rt, cur, desired, props, np, d);
	}
	free(props);
	if (!err && tags_changed) {
		json_t *want = engine_wanted_tags(e, c->address, desired, sr->retain);
		json_t *add = json_object(), *del = json_array();
		const char *k;
		json_t *v;
		json_object_foreach(want, k, v)
			if (!json_equal(v, json_object_get(cur->tags, k)))
				json_object_set(add, k, v);
		json_object_foreach(cur->tags, k, v)
			if (!json_object_get(want, k) && strncmp(k, "aws:", 4) &&
			    strcmp(k, TAG_CREATED) && strcmp(k, TAG_OWNER))
				json_array_append_new(del, json_string(k));
		err = engine_set_tags(rt, type, cur, add, del, d);
		json_decref(want);
		json_decref(add);
		json_decref(del);
	}
	if (err)
		goto cleanup;
	struct live_resource live;
	if ((err = wait_ready(e, rt, type, cur->id, &live, d)))
		goto cleanup;
	engine_set_known(e, c->address, live.id, live.props);
	record_state(e, c->address, &live, desired, c->sensitive);
	live_resource_release(&live);
cleanup:
	json_decref(applied);
	diff_result_release(&dr);
	return err;
}

static int do_forget(struct engine *e, const struct rt_ctx *rt, const struct rtype *type,
		     const struct live_resource *cur, struct diags *d)
{
	json_t *keys = json_pack("[s, s, s]", TAG_STACK, TAG_ID, TAG_RETAIN);
	int err = engine_set_tags(rt, type, cur, NULL, keys, d);
	json_decref(keys);
	return err;
}

static struct live_resource *live_for_change(struct engine *e, const struct plan_change *c)
{
	struct live_resource *r = c->id ? engine_find_live_id(e, c->type, c->id) : NULL;
	return r ? r : engine_find_live(e, c->type, c->address);
}

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
	op_start(e, &oc, label, action == REPO_ACTION_CLONE ? "cloning" : "updating");
	unsigned did = 0;
	char commit[41] = "";
	int err = repo_sync(&ro, &def, &did, commit, &op->diags);
	op_finish(e, &oc, err ? "failed" : action == REPO_ACTION_CLONE ? "cloned" : "checked out");
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
	const struct rtype *type = rtype_find(c->type);
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
		struct live_resource *old_inst = live_for_change(e, c);
		op_start(e, &oc, c->address, "destroying (to be replaced)");
		int derr = old_inst ? delete_instance(e, &oc.rt, type, old_inst, c->address, true, &op->diags) : 0;
		for (size_t i = 0; i < op->diags.n; i++)
			if (!op->diags.items[i].address)
				diag_set_address(&op->diags.items[i], c->address);
		op_finish(e, &oc, derr ? "destruction failed" : "destroyed (to be replaced)");
		return derr ? WALK_FAIL : WALK_OK;
	}
	bool old_gone = r->has_delete_node && r->has_delete_node[node];
	op_start(e, &oc, c->address, old_gone ? "creating (replacement)" : verbs[c->action][0]);
	struct diags *d = &op->diags;
	struct live_resource *cur = live_for_change(e, c);
	json_t *desired = NULL;
	int err = 0;
	switch (c->action) {
	case PA_CREATE:
		if (!(err = evaluate(e, c, &desired, d)))
			err = do_create(e, &oc.rt, c, desired, NULL, d);
		break;
	case PA_UPDATE:
		if (c->adopt) {
			/* adopt: true: take the instance in, then update it as any. */
			struct live_resource adopted;
			if (!(err = evaluate(e, c, &desired, d)) &&
			    !(err = engine_adopt(e, &oc.rt, c, &adopted, d))) {
				err = do_update(e, &oc.rt, c, desired, &adopted, d);
				live_resource_release(&adopted);
			}
		} else if (!cur) {
			diags_add(d, DIAG_ERROR, "%s: the live instance is gone; run plan again", c->address);
			err = BERTH_ENOTFOUND;
		} else if (!(err = evaluate(e, c, &desired, d)))
			err = do_update(e, &oc.rt, c, desired, cur, d);
		break;
	case PA_REPLACE:
		if ((err = evaluate(e, c, &desired, d)))
			break;
		if (c->cbd) {
			err = do_create(e, &oc.rt, c, desired, cur ? cur->id : NULL, d);
			if (!err && cur && r->deposed) {
				/* Its dependents still use it: removed after the walk. */
				pthread_mutex_lock(&e->lock);
				live_resource_copy(live_set_add(r->deposed, cur->type), cur);
				strvec_push(r->deposed_address, c->address);
				pthread_mutex_unlock(&e->lock);
			} else if (!err && cur) {
				err = delete_instance(e, &oc.rt, type, cur, c->address, true, d);
			}
		} else {
			if (cur && !old_gone)
				err = delete_instance(e, &oc.rt, type, cur, c->address, true, d);
			if (!err)
				err = do_create(e, &oc.rt, c, desired, NULL, d);
		}
		break;
	case PA_DELETE:
		if (cur)
			err = delete_instance(e, &oc.rt, type, cur, c->address,
					      confirm_each(r, type, cur), d);
		if (!err) {
			engine_forget_known(e, c->address);
			forget_state(e, c->address);
		}
		break;
	case PA_FORGET:
		if (cur)
			err = do_forget(e, &oc.rt, type, cur, d);
		if (!err)
			forget_state(e, c->address);
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
	op_finish(e, &oc, verbs[c->action][err ? 2 : 1]);
	return err ? WALK_FAIL : WALK_OK;
}

/* ---- walks ---- */

struct edges {
	size_t *ndeps;
	size_t **deps;
	size_t n;
};

static void edges_init(struct edges *g, size_t n)
{
	g->n = n;
	g->ndeps = xcalloc(n + 1, sizeof(size_t));
	g->deps = xcalloc(n + 1, sizeof(size_t *));
}

static void edges_add(struct edges *g, size_t from, size_t to)
{
	g->deps[from] = xrealloc(g->deps[from], (g->ndeps[from] + 1) * sizeof(size_t));
	g->deps[from][g->ndeps[from]++] = to;
}

static void edges_release(struct edges *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->deps[i]);
	free(g->deps);
	free(g->ndeps);
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

static int walk(struct run *r, struct edges *g, const char *const *names, bool reverse,
		struct run_result *out, struct diags *d)
{
	r->ops = xcalloc(r->n + 1, sizeof(*r->ops));
	struct walk_graph wg = { r->n, g->ndeps, (const size_t *const *)g->deps, names };
	struct walk_opts wo = { .parallelism = r->e->o.parallelism, .reverse = reverse,
				.fn = run_node, .fn_ctx = r, .cancel = r->e->o.cancel };
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
static int walk_removals(struct engine *e, const struct plan *p, bool all,
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
	struct edges g;
	edges_init(&g, r.n);
	/* child -> parent edges; walked in reverse, children go first. */
	for (size_t a = 0; a < r.n; a++) {
		const struct plan_change *ca = &p->v[r.change[a]];
		struct live_resource *la = live_for_change(e, ca);
		if (!la || !la->parent_id)
			continue;
		for (size_t b = 0; b < r.n; b++) {
			const struct plan_change *cb = &p->v[r.change[b]];
			/* a != b: a child may share its parent's id (a Grafana
			 * workspace's permissions are known by the workspace id). */
			if (a != b && cb->id && !strcmp(cb->id, la->parent_id))
				edges_add(&g, a, b);
		}
	}
	/* Spec dependencies between removed resources (destroy with a spec). */
	if (all && e->spec) {
		const struct dag *dg = &e->spec->graph;
		long *of_node = xmalloc((dg->nnodes + 1) * sizeof(long));
		for (size_t k = 0; k < dg->nnodes; k++)
			of_node[k] = -1;
		for (size_t a = 0; a < r.n; a++) {
			long si = p->v[r.change[a]].spec_index;
			if (si >= 0)
				of_node[e->spec->resources[si].graph_node] = (long)a;
		}
		/* From each removed resource, follow dependencies through
		 * resources that do not exist to the nearest ones that do. */
		bool *seen = xcalloc(dg->nnodes + 1, 1);
		size_t *stack = xcalloc(dg->nnodes + 1, sizeof(size_t));
		for (size_t a = 0; a < r.n; a++) {
			long si = p->v[r.change[a]].spec_index;
			if (si < 0)
				continue;
			memset(seen, 0, dg->nnodes);
			size_t sp = 0;
			stack[sp++] = e->spec->resources[si].graph_node;
			while (sp) {
				size_t nd = stack[--sp];
				for (size_t j = 0; j < dg->nodes[nd].nout; j++) {
					size_t to = dg->edges[dg->nodes[nd].out_start + j].to;
					if (seen[to])
						continue;
					seen[to] = true;
					if (of_node[to] >= 0)
						edges_add(&g, a, (size_t)of_node[to]);
					else
						stack[sp++] = to;
				}
			}
		}
		free(seen);
		free(stack);
		free(of_node);
	}
	int err = r.n ? walk(&r, &g, names, true, out, d) : 0;
	edges_release(&g);
	free(names);
	free(r.change);
	return err;
}

static int save_state(struct engine *e, struct diags *d)
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

static int run_status(const struct run_result *r)
{
	if (r->interrupted)
		return BERTH_ECANCELED;
	return r->failed || r->skipped || r->canceled ? BERTH_ERROR : 0;
}

/* The old instances of create_before_destroy replacements, now that the
 * walk moved their dependents to the new ones: each is one more delete
 * operation in the result ("ADDRESS (old ID)"). */
static void remove_deposed(struct engine *e, struct live_set *deposed,
			   const struct strvec *addresses, struct run_result *out)
{
	for (size_t i = 0; i < deposed->n; i++) {
		struct live_resource *cur = &deposed->v[i];
		const struct rtype *type = rtype_find(cur->type);
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
		op_start(e, &oc, addr, "destroying (replaced)");
		int err = delete_instance(e, &oc.rt, type, cur, addresses->v[i], true, &o->diags);
		for (size_t k = 0; k < o->diags.n; k++)
			if (!o->diags.items[k].address)
				diag_set_address(&o->diags.items[k], addresses->v[i]);
		op_finish(e, &oc, err ? "destruction failed" : "destroyed");
		if (err) {
			o->outcome = OP_FAILED;
			out->failed++;
		} else {
			o->outcome = OP_DONE;
			out->done++;
		}
	}
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

static int read_types(struct engine *e, const struct rtype *const *types, size_t nt,
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
		types[t++] = rtype_find(name);
	json_t *tagged = NULL;
	int err = rt_tagged_resources(&e->rt, NULL, &tagged, d);
	if (!err)
		err = read_types(e, types, nt, tagged, found, d);
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

int engine_apply(struct engine *e, const struct plan *p, struct run_result *out,
		 struct diags *d)
{
	struct live_set deposed = LIVE_SET_INIT;
	struct strvec deposed_address = STRVEC_INIT;
	memset(out, 0, sizeof(*out));
	strvec_init(&out->remaining);
	strvec_init(&out->retained);
	int err = walk_removals(e, p, false, out, d);
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
		struct edges g;
		edges_init(&g, total);
		for (size_t k = 0; k < dg->nedges; k++)
			edges_add(&g, dg->edges[k].from, dg->edges[k].to);
		bool *seen = xcalloc(nn + 1, 1);
		size_t *stack = xcalloc(nn + 1, sizeof(size_t));
		for (size_t k = 0; k < nn; k++) {
			if (!extra_of[k])
				continue;
			edges_add(&g, k, extra_of[k]); /* new after old */
			/* Every replaced resource k depends on, transitively: its old
			 * instance waits for k's old instance to go. */
			memset(seen, 0, nn);
			size_t sp = 0;
			stack[sp++] = k;
			while (sp) {
				size_t nd = stack[--sp];
				for (size_t j = 0; j < dg->nodes[nd].nout; j++) {
					size_t to = dg->edges[dg->nodes[nd].out_start + j].to;
					if (seen[to])
						continue;
					seen[to] = true;
					stack[sp++] = to;
					if (extra_of[to])
						edges_add(&g, extra_of[to], extra_of[k]);
				}
			}
		}
		free(seen);
		free(stack);
		err = walk(&r, &g, names, false, out, d);
		edges_release(&g);
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
	save_state(e, d);
	if (err)
		return err;
	return run_status(out);
}

/* The sweep: anything still tagged with the stack, read again through every
 * registered type, deleted once more; then the tagging API's word on what
 * is left. For types whose delete is synchronous (delete_sync) this
 * reading is also the confirmation of the walk's deletions: one listing per
 * type rather than one read per instance. */
static int sweep(struct engine *e, struct run_result *out, struct diags *d)
{
	size_t nall, nt = 0;
	const struct rtype *const *all = rtype_all(&nall);
	const struct rtype **types = xcalloc(nall + 1, sizeof(*types));
	for (size_t t = 0; t < nall; t++)
		if (all[t]->tag_filter)
			types[nt++] = all[t];
	/* One unfiltered tagging listing serves every type's reading (as in
	 * a refresh), and, when nothing is left to delete, the final word. */
	json_t *tagged = NULL;
	int err = rt_tagged_resources(&e->rt, NULL, &tagged, d);
	struct live_set *left = xcalloc(nt + 1, sizeof(*left));
	bool deleted = false;
	if (err)
		goto cleanup;
	if ((err = read_types(e, types, nt, tagged, left, d)))
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
			op_start(e, &oc, addr, "destroying (sweep)");
			struct diags od = DIAGS_INIT;
			int derr = delete_instance(e, &oc.rt, type, r, addr, true, &od);
			op_finish(e, &oc, derr ? "destruction failed" : "destroyed");
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
		if ((err = rt_tagged_resources(&e->rt, NULL, &tagged, d)))
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
		const struct rtype *type = rtype_for_arn(arn);
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
	int err = walk_removals(e, p, true, out, d);
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
	save_state(e, d);
	if (err)
		return err;
	if (out->interrupted)
		return BERTH_ECANCELED;
	return out->remaining.n || out->failed ? BERTH_ERROR : 0;
}
