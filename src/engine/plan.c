/* Plan: the diff of every spec resource against its live instance, in
 * dependency order (a pure function of the refreshed state), then removals,
 * targets, name checks and side effects; the destroy plan; counts and
 * fingerprints. Side-effect free: it only reads. */
#include "util/common.h"
#include "engine/plan_int.h"
#include "engine/adopt.h"
#include "engine/data.h"
#include "engine/sidefx.h"
#include "engine/resolve.h"
#include "engine/outside.h"

#include "engine/diff.h"
#include "graph/transform.h"
#include "util/buf.h"
#include "repos/repos.h"

/* The detail_stamp rule (resource.h): when nothing that could change the
 * detail properties has happened since the last apply, and the spec still
 * asks for the applied values, those are the live values; copies them into
 * live->props and returns true. */
static bool detail_from_cache(const struct rtype *rt, struct live_resource *live,
			      const struct state_resource *st, json_t *desired, json_t *applied)
{
	if (!rt->detail_stamp || !st || !applied || !live->id || !st->id || strcmp(live->id, st->id))
		return false;
	for (size_t i = 0; rt->detail_stamp[i]; i++)
		if (schema_compare(NULL, json_object_get(live->props, rt->detail_stamp[i]),
				json_object_get(st->attributes, rt->detail_stamp[i])) != SCHEMA_EQUAL)
			return false;
	for (size_t i = 0; rt->detail_props[i]; i++) {
		json_t *want = json_object_get(desired, rt->detail_props[i]);
		if (value_has_unknown(want) ||
		    schema_compare(NULL, want, json_object_get(applied, rt->detail_props[i])) != SCHEMA_EQUAL)
			return false;
	}
	for (size_t i = 0; rt->detail_props[i]; i++) {
		json_t *v = json_object_get(applied, rt->detail_props[i]);
		if (v)
			json_object_set_new(live->props, rt->detail_props[i], json_deep_copy(v));
	}
	return true;
}

static void count_plan(struct plan *p)
{
	p->nadd = p->nchange = p->ndestroy = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].excluded)
			continue;
		switch (p->v[i].action) {
		case PA_CREATE: p->nadd++; break;
		case PA_UPDATE: p->nchange++; break;
		case PA_REPLACE: p->nadd++; p->ndestroy++; break;
		case PA_DELETE: p->ndestroy++; break;
		default: break;
		}
	}
}

static void count_retag(struct engine *e, struct plan *p)
{
	for (size_t t = 0; t < e->ntypes; t++)
		for (size_t i = 0; i < e->live[t].n; i++)
			if (engine_needs_retag(e, &e->live[t].v[i]))
				p->nretag++;
	if (p->nretag)
		strvec_pushf(&p->notes, "expires: %zu existing resource%s will be tagged "
			     "berth:expires=%s", p->nretag, p->nretag == 1 ? "" : "s", e->o.expires);
}

/* The live state a plan was made from, hashed. */
static void live_fingerprint(struct engine *e, char out[65])
{
	json_t *all = json_object();
	for (size_t t = 0; t < e->ntypes; t++)
		for (size_t i = 0; i < e->live[t].n; i++) {
			struct live_resource *r = &e->live[t].v[i];
			char *key = xasprintf("%s %s %s", r->type, r->id ? r->id : "-",
					      r->address ? r->address : "-");
			json_object_set_new(all, key, json_pack("{s:O?, s:O?, s:b}", "props", r->props,
								"tags", r->tags, "retain", r->retain));
			free(key);
		}
	char *txt = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
	engine_sha256_hex(txt, strlen(txt), out);
	free(txt);
	json_decref(all);
}

static void changes_fingerprint(const struct plan *p, char out[65])
{
	json_t *a = json_array();
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_change *c = &p->v[i];
		if (c->excluded || c->action == PA_NOOP)
			continue;
		json_t *after = c->after ? engine_mask(c->type, c->after, c->sensitive) : json_null();
		json_array_append_new(a, json_pack("[s, s, o]", c->address, plan_action_name(c->action),
						   after));
	}
	char *txt = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
	engine_sha256_hex(txt, strlen(txt), out);
	free(txt);
	json_decref(a);
}

/* The spec's repositories: what apply's repo_sync would do to each (plan
 * changes nothing; it may ask the remote where a branch or tag points). */
static int plan_repos(struct engine *e, struct plan *p, struct diags *d)
{
	for (size_t i = 0; i < e->spec->nrepos; i++) {
		const struct spec_repo *r = &e->spec->repos[i];
		struct repo_opts ro = { .project_dir = e->spec->project_dir, .allow_network = true };
		struct repo_def def = { r->name, r->url, r->ref };
		struct repo_status st;
		int err = repo_status(&ro, &def, &st, d);
		if (err)
			return err;
		char *url = repo_redact_url(r->url);
		if (st.action != REPO_ACTION_NONE) {
			p->nrepos_changing++;
			strvec_pushf(&p->repos, "%s: %s %s at %s%s%s%s", r->name, repo_action_name(st.action),
				     url, r->ref ? r->ref : "the default branch", st.reason ? " (" : "",
				     st.reason ? st.reason : "", st.reason ? ")" : "");
		}
		if (st.dirty)
			strvec_pushf(&p->notes, "repo %s has local changes (%zu file%s); apply will refuse "
				     "to check out over them", r->name, st.dirty_files.n,
				     st.dirty_files.n == 1 ? "" : "s");
		if (st.cloned && !st.url_matches)
			strvec_pushf(&p->notes, "repo %s: the clone's origin is not %s; apply will refuse "
				     "(remove %s to clone again)", r->name, url, st.path);
		free(url);
		repo_status_release(&st);
	}
	return 0;
}

/* Why a change replaces, in words: the create-only properties ("X cannot
 * change in place"), then those the schema lets change but berth's update
 * does not ("berth cannot change Y in place"), or the type as a whole.
 * New string. */
static char *replace_reason(const struct diff_result *dr, const char *type)
{
	struct buf b = BUF_INIT;
	size_t schema_n = 0;
	for (size_t j = 0; j < dr->replace_paths.n; j++) {
		const char *name = dr->replace_paths.v[j];
		if (strvec_find(&dr->not_updated, name) < 0)
			buf_addf(&b, "%s%s", schema_n++ ? ", " : "", name);
	}
	if (schema_n)
		buf_adds(&b, " cannot change in place");
	for (size_t j = 0; j < dr->not_updated.n; j++)
		buf_addf(&b, "%s%s", j ? ", " : schema_n ? ", and berth cannot change " :
			 "berth cannot change ", dr->not_updated.v[j]);
	if (dr->not_updated.n)
		buf_adds(&b, " in place");
	char *r = b.len ? xasprintf("%s: forces replacement", b.ptr)
			: xasprintf("%s cannot be updated in place", type);
	buf_release(&b);
	return r;
}

int engine_plan(struct engine *e, bool refresh_only, struct plan **out, struct diags *d)
{
	const struct spec *s = e->spec;
	struct plan *p = xcalloc(1, sizeof(*p));
	p->stack = xstrdup(e->stack);
	p->refresh_only = refresh_only;
	strvec_init(&p->notes);
	strvec_init(&p->side_effects);
	int err = 0;
	if (!s) {
		diags_add(d, DIAG_ERROR, "a plan needs a spec");
		err = BERTH_EINVAL;
		goto done;
	}
	if ((err = engine_read_account(e, d)))
		goto done;
	if ((err = engine_read_data(e, d)))
		goto done;
	if (!refresh_only && (err = plan_repos(e, p, d)))
		goto done;
	if (refresh_only) {
		engine_assign_addresses(e);
		engine_plan_drift(e, p);
		goto done;
	}
	struct spec_resolver res;
	engine_resolver(e, &res);
	size_t norder;
	size_t *order = graph_topo_order(&s->graph, &norder);
	for (size_t k = 0; k < norder; k++) {
		long i = e->node_res[order[k]];
		if (i < 0)
			continue;
		const struct spec_resource *sr = &s->resources[i];
		const struct rtype *rt = engine_rtype(e, sr->type);
		json_t *desired = NULL;
		bool sens = false;
		struct diags rd = DIAGS_INIT;
		if (spec_eval_resource(s, (size_t)i, &res, &desired, &sens, &rd)) {
			diags_move(d, &rd);
			diags_release(&rd);
			err = BERTH_EINVAL;
			continue;
		}
		diags_release(&rd);
		if (rt->normalise)
			rt->normalise(e->stack, sr->address, desired);
		if (rt->check) {
			struct diags cd = DIAGS_INIT;
			if (rt->check(desired, &cd)) {
				for (size_t j = 0; j < cd.n; j++)
					if (!cd.items[j].address)
						diag_set_address(&cd.items[j], sr->address);
				diags_move(d, &cd);
				diags_release(&cd);
				json_decref(desired);
				err = BERTH_EINVAL;
				continue;
			}
			diags_release(&cd);
		}
		struct live_resource *live = engine_find_live(e, sr->type, sr->address);
		if (!live && rt->identity)
			live = engine_match_untagged(e, rt, sr->address, desired);
		if (!live && rt->identity) {
			/* No cache: under a parent outside the stack, found by
			 * what the spec says it connects. */
			char *other = NULL;
			int r = engine_find_outside_child(e, rt, sr, desired, &live, &other, d);
			if (r) {
				err = r;
				json_decref(desired);
				continue;
			}
			const char *parent = json_string_value(json_object_get(desired, rt->parent_prop));
			if (live)
				strvec_pushf(&p->notes, "%s: the state cache has no record of it; %s %s "
					     "under %s (not the stack's) is what the spec says, so it "
					     "is taken as this address's", sr->address, sr->type,
					     live->id ? live->id : "", parent);
			else if (other)
				strvec_pushf(&p->notes, "%s: %s %s under %s (not the stack's) holds "
					     "other values than the spec's, and the state cache has no "
					     "record that this stack made it: apply will refuse to take "
					     "it over. If it is this stack's (the cache was lost) or should "
					     "be, take it with `berth import %s '%s'`", sr->address, sr->type,
					     other, parent, sr->address, other);
			free(other);
		}
		struct state_resource *st = statefile_get(&e->state, sr->address);
		json_t *applied = st && !strcmp(st->type, sr->type) ? st->applied : NULL;
		if (live && rt->read_detail && !live->detailed && engine_needs_detail(rt, desired, applied) &&
		    !(sr->sensitive || sens) && detail_from_cache(rt, live, st, desired, applied)) {
			live->detailed = true;
		} else if (live && rt->read_detail && !live->detailed &&
			   engine_needs_detail(rt, desired, applied)) {
			int r = rt->read_detail(&e->rt, live, d);
			if (r && r != BERTH_ENOTFOUND) {
				err = r;
				json_decref(desired);
				continue;
			}
			live->detailed = true;
		}
		if (live && rt->identity && !live->address) {
			live->address = xstrdup(sr->address);
			engine_index_live(e, (size_t)engine_type_index(e, rt->type_name),
					  (size_t)(live - e->live[engine_type_index(e, rt->type_name)].v));
		}
		struct diff_input in = { sr->schema, desired, live ? live->props : NULL, applied,
					 &sr->ignore_changes, rt->update != NULL, sr->retain,
					 live ? live->retain : false, rt->updates, rt->removes };
		struct diff_result dr;
		diff_result_init(&dr);
		diff_resource(&in, &dr);
		static const enum plan_action map[] = { PA_NOOP, PA_CREATE, PA_UPDATE, PA_REPLACE };
		struct plan_change *c = engine_plan_add(p, sr->address, sr->type, map[dr.action]);
		c->spec_index = i;
		c->sensitive = sr->sensitive || sens;
		c->cbd = sr->create_before_destroy || rt->create_before_destroy;
		c->before = live ? json_deep_copy(live->props) : NULL;
		c->after = desired;
		c->id = live && live->id ? xstrdup(live->id) : NULL;
		if (live && live->note)
			c->note = xstrdup(live->note);
		for (size_t j = 0; j < dr.changed.n; j++)
			strvec_push(&c->changed, dr.changed.v[j]);
		for (size_t j = 0; j < dr.replace_paths.n; j++)
			strvec_push(&c->replace_paths, dr.replace_paths.v[j]);
		for (size_t j = 0; j < dr.unknown.n; j++)
			strvec_push(&c->unknown, dr.unknown.v[j]);
		if (live && live->replace_reason && c->action != PA_CREATE) {
			/* The type says the instance cannot be updated at all. */
			c->action = PA_REPLACE;
			c->reason = xstrdup(live->replace_reason);
		} else if (c->action == PA_REPLACE) {
			c->reason = replace_reason(&dr, sr->type);
		} else if (live && live->repair_reason && rt->update &&
			   (c->action == PA_NOOP || c->action == PA_UPDATE)) {
			/* The type must bring it back before it takes any change
			 * (and does so even when nothing else differs). */
			c->action = PA_UPDATE;
			c->reason = xstrdup(live->repair_reason);
		} else if (live && live->last_failure && c->action == PA_UPDATE) {
			c->reason = xstrdup(live->last_failure); /* making it again */
		}
		if (c->action == PA_NOOP || c->action == PA_UPDATE) {
			/* Dependents see live values, with this resource's
			 * changing properties at their new values. */
			json_t *known = json_deep_copy(live->props);
			const char *key;
			json_t *v;
			json_object_foreach(desired, key, v)
				if (!value_has_unknown(v))
					json_object_set(known, key, v);
			engine_set_known(e, sr->address, live->id, known);
			json_decref(known);
		}
		diff_result_release(&dr);
	}
	free(order);
	if (err)
		goto done;
	engine_plan_removals(e, p, false);
	count_retag(e, p);
	err = engine_plan_targets(e, p, d);
	if (!err)
		err = engine_plan_names(e, p, d);
	if (!err)
		engine_plan_side_effects(e, p, d);
done:
	if (err) {
		plan_free(p);
		return err;
	}
	count_plan(p);
	live_fingerprint(e, p->live_fingerprint);
	changes_fingerprint(p, p->changes_fingerprint);
	*out = p;
	return 0;
}

int engine_plan_destroy(struct engine *e, struct plan **out, struct diags *d)
{
	struct plan *p = xcalloc(1, sizeof(*p));
	p->stack = xstrdup(e->stack);
	p->destroy = true;
	strvec_init(&p->notes);
	strvec_init(&p->side_effects);
	engine_assign_addresses(e);
	engine_plan_removals(e, p, true);
	engine_plan_side_effects(e, p, d);
	count_plan(p);
	live_fingerprint(e, p->live_fingerprint);
	changes_fingerprint(p, p->changes_fingerprint);
	*out = p;
	return 0;
}
