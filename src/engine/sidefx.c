/* Side effects: the CloudWatch Logs groups AWS creates for an instance and
 * nobody deletes (rtype.side_effects: a cluster's Container Insights group,
 * the groups a task definition's awslogs driver creates, those of the task
 * definitions in a CloudFormation template).
 *
 * A group is not one instance's: every revision of a task definition family
 * usually logs to the same group, a replaced task definition's new revision
 * is registered before the old one goes, and a spec may manage the group
 * itself as an AWS::Logs::LogGroup. So nothing is deleted as an instance
 * goes: a run notes what the instances it removed declared (candidates),
 * and at its end deletes a candidate only when
 *   - no live instance that stays (not removed by this run) declares it,
 *   - no desired instance (what the run created or updated, e->known)
 *     declares it, and
 *   - no AWS::Logs::LogGroup of the stack or the spec manages that name
 *     (that one follows its own lifecycle: destroyed, or kept by retain).
 * and, as a group's name says nothing of who made it (a user's own
 * /ecs/web, a group left by an earlier cluster of the same name), only when
 *   - the group is not older than its cause (sidefx_judge; the cause's time
 *     is a stack's CreationTime, the registeredAt of a task definition
 *     family's first revision, a cluster's berth:created tag, else the
 *     state cache's time for it): a group made before its cause cannot be
 *     AWS's doing for it, so it is kept, with a note saying so.
 * A plan makes the same decision over what it would remove, and lists the
 * groups. A group already gone is not an error. */
#include "util/common.h"
#include "engine/sidefx.h"
#include "util/duration.h"

#define LOG_GROUP_TYPE "AWS::Logs::LogGroup"

static char *removed_key(const char *type, const char *id)
{
	return xasprintf("%s\x1f%s", type, id ? id : "");
}

/* The groups r declares, reading its details first when the type keeps
 * what side_effects looks at there (a stack's template). ENOTFOUND: gone,
 * declares nothing. */
int sidefx_declared(const struct rt_ctx *rt, const struct rtype *type, struct live_resource *r,
		    struct strvec *out, struct diags *d)
{
	if (!type->side_effects)
		return 0;
	if (type->read_detail && !r->detailed) {
		int err = type->read_detail(rt, r, d);
		if (err == BERTH_ENOTFOUND)
			return 0;
		if (err)
			return err;
		r->detailed = true;
	}
	type->side_effects(r->id, r->props, out);
	return 0;
}

/* The clock skew sidefx_judge allows. A group AWS made for an instance is
 * made after it (the first task's start, Container Insights' first
 * metrics), seconds to days later; only clocks make it look earlier: AWS's
 * services stamp times on different hosts, and a cluster's berth:created
 * or the state cache's time is berth's clock, which SigV4 keeps within
 * minutes of AWS's (a request signed further off is refused). 5 minutes
 * covers that; a group made by someone else in the 5 minutes before its
 * cause is the one case left to the name alone. */
enum sidefx_verdict sidefx_judge(long long group_ms, long long cause_ms)
{
	if (!group_ms)
		return SFX_DELETE;
	if (!cause_ms || group_ms < 0)
		return SFX_KEEP_UNKNOWN;
	return group_ms < cause_ms - SIDEFX_SKEW_MS ? SFX_KEEP_OLDER : SFX_DELETE;
}

long long sidefx_cause_time(struct engine *e, const struct rt_ctx *rt, const struct rtype *type,
			    const struct live_resource *r)
{
	long long t = r->created_ms;
	if (type->side_effects_since) {
		/* Not knowing is no error: the instance's own time stands. */
		struct diags ld = DIAGS_INIT;
		t = type->side_effects_since(rt, r, &ld);
		diags_release(&ld);
	}
	if (t)
		return t;
	/* Otherwise the cache's entry, stamped (by berth's clock) when berth
	 * recorded the instance, so after it was made: a later bound than
	 * the truth, which can only keep a group too many. */
	pthread_mutex_lock(&e->lock);
	const struct state_resource *st = r->address ? statefile_get(&e->state, r->address) : NULL;
	time_t u;
	if (st && st->id && r->id && !strcmp(st->id, r->id) && st->updated &&
	    !time_parse_rfc3339(st->updated, &u) && u > 0)
		t = (long long)u * 1000;
	pthread_mutex_unlock(&e->lock);
	return t;
}

void sidefx_removed(struct engine *e, const struct rtype *type, const struct live_resource *cur,
		    const struct strvec *groups, const char *cause, long long cause_ms)
{
	if (!type->side_effects)
		return;
	char *key = removed_key(cur->type, cur->id);
	pthread_mutex_lock(&e->lock);
	json_object_set_new(e->fx.removed, key, json_true());
	for (size_t i = 0; i < groups->n; i++) {
		strvec_push(&e->fx.groups, groups->v[i]);
		strvec_push(&e->fx.causes, cause);
		json_array_append_new(e->fx.cause_ms, json_integer(cause_ms));
	}
	pthread_mutex_unlock(&e->lock);
	free(key);
}

/* One desired instance: a type, its id (NULL when not made yet), its
 * properties. */
struct desired_inst {
	const struct rtype *type;
	const char *id;
	json_t *props;
};

/* The candidates of fx nobody keeps: pushed to out_groups with the address
 * of the instance that declared each (out_causes), once each, and to
 * out_ms the earliest known time of the instances that declared it: a
 * group younger than any of them may be AWS's doing. */
static int orphans(struct engine *e, const struct sidefx *fx, const struct desired_inst *want,
		   size_t nwant, struct strvec *out_groups, struct strvec *out_causes,
		   json_t *out_ms, struct diags *d)
{
	if (!fx->groups.n)
		return 0;
	struct strvec keep = STRVEC_INIT, managed = STRVEC_INIT;
	int err = 0;
	for (size_t t = 0; t < e->ntypes && !err; t++) {
		const struct rtype *type = e->types[t];
		bool is_lg = !strcmp(type->type_name, LOG_GROUP_TYPE);
		for (size_t i = 0; i < e->live[t].n && !err; i++) {
			struct live_resource *r = &e->live[t].v[i];
			if (is_lg && r->id)
				strvec_push(&managed, r->id);
			char *key = removed_key(r->type, r->id);
			bool gone = json_object_get(fx->removed, key) != NULL;
			free(key);
			if (!gone)
				err = sidefx_declared(&e->rt, type, r, &keep, d);
		}
	}
	for (size_t i = 0; i < nwant && !err; i++) {
		if (!strcmp(want[i].type->type_name, LOG_GROUP_TYPE)) {
			const char *n = json_string_value(json_object_get(want[i].props, "LogGroupName"));
			if (n || want[i].id)
				strvec_push(&managed, n ? n : want[i].id);
		}
		if (want[i].type->side_effects)
			want[i].type->side_effects(want[i].id, want[i].props, &keep);
	}
	/* The spec's log groups, even those not made (a failed create). */
	for (size_t i = 0; e->spec && i < e->spec->nresources && !err; i++) {
		const struct spec_resource *sr = &e->spec->resources[i];
		json_t *n = json_object_get(sr->properties, "LogGroupName");
		if (!strcmp(sr->type, LOG_GROUP_TYPE) && json_is_string(n))
			strvec_push(&managed, json_string_value(n));
	}
	if (err) {
		/* Not knowing what stays, delete nothing. */
		struct diag *dg = diags_add(d, DIAG_WARNING,
					    "log groups AWS created for removed resources were left: "
					    "could not read what still uses them");
		diag_set_detail(dg, "run destroy (or apply) again to remove them");
	}
	for (size_t i = 0; i < fx->groups.n && !err; i++) {
		const char *g = fx->groups.v[i];
		json_int_t t = json_integer_value(json_array_get(fx->cause_ms, i));
		if (strvec_find(&keep, g) >= 0 || strvec_find(&managed, g) >= 0)
			continue;
		long at = strvec_find(out_groups, g);
		if (at >= 0) {
			json_int_t was = json_integer_value(json_array_get(out_ms, (size_t)at));
			if (t && (!was || t < was))
				json_array_set_new(out_ms, (size_t)at, json_integer(t));
			continue;
		}
		strvec_push(out_groups, g);
		strvec_push(out_causes, fx->causes.v[i]);
		json_array_append_new(out_ms, json_integer(t));
	}
	strvec_clear(&keep);
	strvec_clear(&managed);
	return err;
}

/* When log group `name` was made (ms since the epoch) into *ms: 0 when
 * there is no such group, -1 when the answer does not say; the registry's
 * to ask (AWS's DescribeLogGroups, or a fake). A registry that cannot
 * tell keeps every group. */
static int group_created(const struct engine *e, const char *name, long long *ms,
			 struct diags *d)
{
	if (!e->o.types->log_group_created) {
		diags_add(d, DIAG_ERROR, "no way to read log groups here");
		return BERTH_EINVAL;
	}
	return e->o.types->log_group_created(&e->rt, name, ms, d);
}

/* Drops from groups (and causes, ms, parallel) those sidefx_judge keeps,
 * with a note for each; a group whose age cannot be read is kept too. */
static void keep_older(const struct engine *e, struct strvec *groups, struct strvec *causes,
		       json_t *ms, struct diags *d)
{
	struct strvec g2 = STRVEC_INIT, c2 = STRVEC_INIT;
	for (size_t i = 0; i < groups->n; i++) {
		const char *g = groups->v[i], *cause = causes->v[i];
		long long gms;
		struct diags ld = DIAGS_INIT;
		int err = group_created(e, g, &gms, &ld);
		if (err) {
			struct diag *dg = diags_add(d, DIAG_WARNING,
						    "log group %s (AWS made it for %s) kept: "
						    "could not read when it was created", g, cause);
			diag_set_detail(dg, "%s", ld.n ? ld.items[ld.n - 1].summary : berth_strerror(err));
			diags_release(&ld);
			continue;
		}
		diags_release(&ld);
		switch (sidefx_judge(gms, json_integer_value(json_array_get(ms, i)))) {
		case SFX_KEEP_OLDER: {
			struct diag *dg = diags_add(d, DIAG_NOTE, "log group %s predates %s: kept", g,
						    cause);
			diag_set_detail(dg, "AWS did not make it for %s (it is older); delete it "
					    "yourself if nobody needs it", cause);
			break;
		}
		case SFX_KEEP_UNKNOWN: {
			struct diag *dg = diags_add(d, DIAG_NOTE,
						    "log group %s kept: cannot tell whether it predates %s",
						    g, cause);
			diag_set_detail(dg, "neither AWS nor berth recorded when %s was created; "
					    "delete the group yourself if nobody needs it", cause);
			break;
		}
		case SFX_DELETE:
			strvec_push(&g2, g);
			strvec_push(&c2, cause);
			break;
		}
	}
	strvec_clear(groups);
	strvec_clear(causes);
	*groups = g2;
	*causes = c2;
}

void engine_plan_side_effects(struct engine *e, struct plan *p, struct diags *d)
{
	struct sidefx fx;
	sidefx_init(&fx);
	struct desired_inst *want = xcalloc(p->n + 1, sizeof(*want));
	size_t nwant = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_change *c = &p->v[i];
		const struct rtype *type = engine_rtype(e, c->type);
		if (c->excluded || !type)
			continue;
		if (c->after && (c->action == PA_CREATE || c->action == PA_REPLACE ||
				 c->action == PA_UPDATE))
			want[nwant++] = (struct desired_inst){ type, NULL, c->after };
		if (c->action != PA_DELETE && c->action != PA_REPLACE)
			continue;
		struct live_resource *cur = c->id ? engine_find_live_id(e, c->type, c->id) : NULL;
		if (!cur)
			cur = engine_find_live(e, c->type, c->address);
		if (!cur || !type->side_effects)
			continue;
		struct strvec groups = STRVEC_INIT;
		struct diags rd = DIAGS_INIT;
		if (sidefx_declared(&e->rt, type, cur, &groups, &rd)) {
			/* The plan still stands; only the list is short. */
			for (size_t k = 0; k < rd.n; k++)
				rd.items[k].severity = DIAG_WARNING;
		}
		diags_move(d, &rd);
		diags_release(&rd);
		char *key = removed_key(cur->type, cur->id);
		json_object_set_new(fx.removed, key, json_true());
		free(key);
		long long t = groups.n ? sidefx_cause_time(e, &e->rt, type, cur) : 0;
		for (size_t k = 0; k < groups.n; k++) {
			strvec_push(&fx.groups, groups.v[k]);
			strvec_push(&fx.causes, c->address);
			json_array_append_new(fx.cause_ms, json_integer(t));
		}
		strvec_clear(&groups);
	}
	struct strvec groups = STRVEC_INIT, causes = STRVEC_INIT;
	json_t *ms = json_array();
	if (!orphans(e, &fx, want, nwant, &groups, &causes, ms, d))
		keep_older(e, &groups, &causes, ms, d);
	json_decref(ms);
	for (size_t i = 0; i < groups.n; i++)
		strvec_pushf(&p->side_effects, "%s (AWS made it for %s)", groups.v[i], causes.v[i]);
	strvec_clear(&groups);
	strvec_clear(&causes);
	free(want);
	sidefx_release(&fx);
}

int engine_remove_side_effects(struct engine *e, struct run_result *out, struct diags *d)
{
	size_t n = e->spec ? e->spec->nresources : 0;
	struct desired_inst *want = xcalloc(n + 1, sizeof(*want));
	size_t nwant = 0;
	/* What the run made or kept, as the resolver knows it. */
	for (size_t i = 0; i < n; i++) {
		const struct spec_resource *sr = &e->spec->resources[i];
		json_t *k = json_object_get(e->known, sr->address);
		const struct rtype *type = engine_rtype(e, sr->type);
		if (!k || !type)
			continue;
		want[nwant++] = (struct desired_inst){ type,
						       json_string_value(json_object_get(k, "id")),
						       json_object_get(k, "props") };
	}
	struct strvec groups = STRVEC_INIT, causes = STRVEC_INIT;
	json_t *ms = json_array();
	int err = orphans(e, &e->fx, want, nwant, &groups, &causes, ms, d);
	free(want);
	if (!err)
		keep_older(e, &groups, &causes, ms, d);
	json_decref(ms);
	for (size_t i = 0; i < groups.n; i++) {
		char *label = xasprintf("log group %s", groups.v[i]);
		char *verb = xasprintf("destroying (AWS made it for %s)", causes.v[i]);
		int op = e->o.ev.op_begin ? e->o.ev.op_begin(e->o.ev.ctx, label, verb) : -1;
		struct diags od = DIAGS_INIT;
		int r = e->o.types->log_group_delete
				? e->o.types->log_group_delete(&e->rt, groups.v[i], &od)
				: BERTH_EINVAL;
		if (e->o.ev.op_end)
			e->o.ev.op_end(e->o.ev.ctx, op, r < 0 ? "destruction failed" : "destroyed");
		if (r < 0) {
			/* A result of its own, so that the run says it failed. */
			out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
			struct op_result *o = &out->v[out->n++];
			memset(o, 0, sizeof(*o));
			o->address = xstrdup(label);
			o->type = xstrdup(LOG_GROUP_TYPE);
			o->action = PA_DELETE;
			o->outcome = OP_FAILED;
			for (size_t k = 0; k < od.n; k++)
				if (!od.items[k].address)
					diag_set_address(&od.items[k], label);
			strvec_pushf(&out->remaining, "%s (made by AWS for %s): %s", label, causes.v[i],
				     od.n ? od.items[od.n - 1].summary : berth_strerror(r));
			diags_move(&o->diags, &od);
			out->failed++;
		}
		diags_release(&od);
		free(label);
		free(verb);
	}
	if (err)
		strvec_pushf(&out->remaining, "log groups AWS made for removed resources (%s): "
			     "could not read what still uses them", e->fx.groups.v[0]);
	strvec_clear(&groups);
	strvec_clear(&causes);
	/* Decided: a later run starts afresh. */
	sidefx_release(&e->fx);
	sidefx_init(&e->fx);
	return err;
}
