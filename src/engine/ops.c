/* One operation on one instance, as apply and destroy run them: create,
 * update, delete (retried while something depends on it, then confirmed),
 * release (retain), tags, and the waits in between. Each records what it
 * made for the resolver and the state cache. */
#include "util/common.h"
#include "engine/ops.h"
#include "engine/sidefx.h"
#include "engine/resolve.h"

#include "engine/diff.h"
#include "util/fsutil.h"

static void on_waiting(void *ctx, const char *what, long budget_ms)
{
	struct op_ctx *oc = ctx;
	if (oc->e->o.ev.op_waiting)
		oc->e->o.ev.op_waiting(oc->e->o.ev.ctx, oc->op, what, budget_ms);
}

static void on_waited(void *ctx, const char *what, long elapsed_ms, int err)
{
	struct op_ctx *oc = ctx;
	if (oc->e->o.ev.op_waited)
		oc->e->o.ev.op_waited(oc->e->o.ev.ctx, oc->op, what, elapsed_ms, err);
}

void engine_op_start(struct engine *e, struct op_ctx *oc, const char *address, const char *verb)
{
	oc->e = e;
	oc->rt = e->rt;
	oc->rt.waiting = on_waiting;
	oc->rt.waited = on_waited;
	oc->rt.waiting_ctx = oc;
	oc->op = e->o.ev.op_begin ? e->o.ev.op_begin(e->o.ev.ctx, address, verb) : -1;
}

void engine_op_finish(struct engine *e, struct op_ctx *oc, const char *outcome)
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
	/* The retry budget is --retry-timeout's, not --wait-timeout's. */
	struct rt_ctx retrying = *rt;
	retrying.wait_timeout_ms = 0;
	int err = rt_poll(&retrying, "what depends on it to go", e->o.retry_timeout_ms, 15000,
			  remove_probe, &rc, &pd);
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
int engine_delete_instance(struct engine *e, const struct rt_ctx *rt, const struct rtype *type,
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

static void record_state(struct engine *e, const char *address, const struct live_resource *r,
			 json_t *desired, bool sensitive)
{
	json_t *attrs = engine_mask(r->type, r->props, sensitive);
	json_t *applied = desired ? engine_mask(r->type, desired, sensitive) : json_object();
	pthread_mutex_lock(&e->lock);
	statefile_set(&e->state, address, r->type, r->id, attrs, applied);
	pthread_mutex_unlock(&e->lock);
}

void engine_forget_state(struct engine *e, const char *address)
{
	pthread_mutex_lock(&e->lock);
	statefile_remove(&e->state, address);
	pthread_mutex_unlock(&e->lock);
}

int engine_evaluate(struct engine *e, const struct plan_change *c, json_t **out, struct diags *d)
{
	struct spec_resolver res;
	engine_resolver(e, &res);
	json_t *desired = NULL;
	int err = spec_eval_resource(e->spec, (size_t)c->spec_index, &res, &desired, NULL, d);
	if (err)
		return err;
	const struct rtype *rt = engine_rtype(e, c->type);
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

int engine_do_create(struct engine *e, const struct rt_ctx *rt, const struct plan_change *c,
		     json_t *desired, const char *old_id, struct diags *d)
{
	const struct rtype *type = engine_rtype(e, c->type);
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

int engine_do_update(struct engine *e, const struct rt_ctx *rt, const struct plan_change *c,
		     json_t *desired, const struct live_resource *cur, struct diags *d)
{
	const struct rtype *type = engine_rtype(e, c->type);
	const struct spec_resource *sr = &e->spec->resources[c->spec_index];
	/* Other workers add to the state while this one runs: copy under the
	 * lock what the diff needs. */
	pthread_mutex_lock(&e->lock);
	struct state_resource *st = statefile_get(&e->state, c->address);
	json_t *applied = st && st->applied ? json_deep_copy(st->applied) : NULL;
	pthread_mutex_unlock(&e->lock);
	struct diff_input in = { sr->schema, desired, cur->props, applied,
				 &sr->ignore_changes, type->update != NULL, sr->retain, cur->retain,
				 type->updates, type->removes };
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
	} else if (np || (cur->repair_reason && type->update)) {
		/* A repair (live_resource.repair_reason) goes through the
		 * type's update even when no property changed. */
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

int engine_do_forget(struct engine *e, const struct rt_ctx *rt, const struct rtype *type,
		     const struct live_resource *cur, struct diags *d)
{
	json_t *keys = json_pack("[s, s, s]", TAG_STACK, TAG_ID, TAG_RETAIN);
	int err = engine_set_tags(rt, type, cur, NULL, keys, d);
	json_decref(keys);
	return err;
}

struct live_resource *engine_live_for_change(struct engine *e, const struct plan_change *c)
{
	struct live_resource *r = c->id ? engine_find_live_id(e, c->type, c->id) : NULL;
	return r ? r : engine_find_live(e, c->type, c->address);
}
