/* Existing instances taken into a stack: the look plan takes before it
 * promises to create an instance whose name the spec gives, `adopt: true`
 * at apply, and `berth import ADDRESS ID`. All three turn on who owns an
 * instance, which its berth:stack and berth:id tags say. */
#include "util/common.h"
#include "engine/adopt.h"
#include "engine/ops.h"
#include "engine/outside.h"

#include "engine/diff.h"
#include "graph/walk.h"
#include "schema/schema.h"
#include "util/buf.h"
#include "util/suggest.h"

/* Who the tags say owns r: *stack and *address (new strings) or NULL. */
static void owner_of(const struct live_resource *r, char **stack, char **address)
{
	const char *st = json_string_value(json_object_get(r->tags, TAG_STACK));
	const char *id = json_string_value(json_object_get(r->tags, TAG_ID));
	*stack = st ? xstrdup(st) : NULL;
	*address = id ? rt_tag_decode(id) : NULL;
}

static bool owned_by(const char *stack, const char *address, const char *want_stack,
		     const char *want_address)
{
	return stack && address && !strcmp(stack, want_stack) && !strcmp(address, want_address);
}

/* The name a planned create would take, when its type is named by the spec
 * and AWS can be asked about that name. */
static const char *planned_name(const struct plan_change *c, const struct rtype *rt,
				const struct schema_resource *sch)
{
	const char *prop = schema_given_name(sch);
	if (!prop || !rt || !rt->read_one || !rt->tag_filter)
		return NULL;
	return json_string_value(json_object_get(c->after, prop));
}

/* What plan asks AWS about for the instance named `name`: the name itself
 * (the id, or for a type whose id AWS picks, what read_named and read_one
 * look up by name), or the id rt->name_id derives from it (NULL when it
 * cannot). New string. */
static char *named_id(const struct engine *e, const struct rtype *rt, const char *name)
{
	return rt->name_id ? rt->name_id(&e->rt, name) : xstrdup(name);
}

/* The instance among `found` that a create of `name` (id `id`) would clash
 * with: the one with that id, or, for a type whose id AWS picks (a target
 * group's ARN), the one whose name property `prop` is `name`. */
static struct live_resource *found_named(struct live_set *found, const char *id,
					 const char *prop, const char *name)
{
	for (size_t k = 0; k < found->n; k++) {
		struct live_resource *r = &found->v[k];
		const char *has = json_string_value(json_object_get(r->props, prop));
		if ((id && r->id && !strcmp(r->id, id)) || (has && !strcmp(has, name)))
			return r;
	}
	return NULL;
}

/* An instance that exists and no stack owns, found where the plan meant to
 * create one, with adopt: true: the change becomes "adopt, then update". */
static int plan_adopt(struct plan_change *c, const struct spec_resource *sr,
		      const struct rtype *rt, struct live_resource *cur, struct diags *d)
{
	/* Adopting sets every berth tag, berth:retain included: no need to
	 * show that as a change of its own. */
	struct diff_input in = { sr->schema, c->after, cur->props, NULL, &sr->ignore_changes,
				 rt->update != NULL, sr->retain, sr->retain, rt->updates, rt->removes };
	struct diff_result dr;
	diff_result_init(&dr);
	diff_resource(&in, &dr);
	int err = 0;
	if (cur->replace_reason || cur->repair_reason) {
		/* A stack in ROLLBACK_COMPLETE or UPDATE_ROLLBACK_FAILED:
		 * tagging it is an update it cannot take. */
		struct diag *dg = diags_add(d, DIAG_ERROR, "cannot adopt %s %s: %s", c->type,
					    cur->id, cur->replace_reason ? cur->replace_reason
									 : cur->repair_reason);
		diag_set_address(dg, c->address);
		if (cur->replace_reason)
			diag_set_detail(dg, "delete it, or choose another %s",
					schema_given_name(sr->schema));
		else
			diag_set_detail(dg, "adopting tags it, which it cannot take in this state, and "
					"berth brings back only what it owns: bring it back yourself "
					"first, delete it, or choose another %s",
					schema_given_name(sr->schema));
		err = BERTH_ECONFLICT;
		goto cleanup;
	}
	if (dr.action == DIFF_REPLACE) {
		struct buf b = BUF_INIT;
		for (size_t j = 0; j < dr.replace_paths.n; j++)
			buf_addf(&b, "%s%s", j ? ", " : "", dr.replace_paths.v[j]);
		struct diag *dg = diags_add(d, DIAG_ERROR,
					    "cannot adopt %s %s: %s differs from the spec and cannot "
					    "change in place", c->type, cur->id, b.len ? b.ptr : "a property");
		diag_set_address(dg, c->address);
		diag_set_detail(dg, "adopting it would mean replacing someone's resource; make the "
				"spec match it, or choose another name");
		buf_release(&b);
		err = BERTH_ECONFLICT;
		goto cleanup;
	}
	c->action = PA_UPDATE;
	c->adopt = true;
	free(c->id);
	c->id = xstrdup(cur->id);
	json_decref(c->before);
	c->before = json_deep_copy(cur->props);
	strvec_clear(&c->changed);
	strvec_clear(&c->unknown);
	for (size_t j = 0; j < dr.changed.n; j++)
		strvec_push(&c->changed, dr.changed.v[j]);
	for (size_t j = 0; j < dr.unknown.n; j++)
		strvec_push(&c->unknown, dr.unknown.v[j]);
	free(c->reason);
	c->reason = xasprintf("adopt: true; %s exists and no stack owns it: apply tags it as "
			      "this stack's, then updates it to match", cur->id);
cleanup:
	diff_result_release(&dr);
	return err;
}

/* A create whose name `cur` already has: fine when cur is this address's
 * (reads lag writes: create finds and keeps it), an adoption with adopt:
 * true when no stack owns it, else an error that says the way out. */
static int judge_taken(struct engine *e, struct plan_change *c, const struct spec_resource *sr,
		       const struct rtype *rt, struct live_resource *cur, struct diags *d)
{
	char *stack = NULL, *addr = NULL;
	const char *prop = schema_given_name(sr->schema);
	int err = 0;
	owner_of(cur, &stack, &addr);
	if (owned_by(stack, addr, e->stack, c->address)) {
		/* Ours, and the listing has not shown it yet. */
	} else if (!stack && sr->adopt) {
		err = plan_adopt(c, sr, rt, cur, d);
	} else if (stack) {
		struct diag *dg = diags_add(d, DIAG_ERROR,
					    "%s %s already exists and belongs to stack %s (as %s), so "
					    "apply could not create it", c->type, cur->id, stack,
					    addr ? addr : "an unknown address");
		diag_set_address(dg, c->address);
		diag_set_detail(dg, "choose another %s, or move it into this stack with "
				"`berth import --force %s %s`", prop, c->address, cur->id);
		err = BERTH_ECONFLICT;
	} else {
		/* A retained instance left by an earlier destroy, or one made
		 * outside berth: plan must not promise a create that apply
		 * cannot carry out. */
		struct diag *dg = diags_add(d, DIAG_ERROR,
					    "%s %s already exists outside the stack, so apply could not "
					    "create it", c->type, cur->id);
		diag_set_address(dg, c->address);
		diag_set_detail(dg, "take it in with `berth import %s %s`, or set `adopt: true` on "
				"the resource (apply then tags it and updates it to match), or "
				"choose another %s", c->address, cur->id, prop);
		err = BERTH_ECONFLICT;
	}
	free(stack);
	free(addr);
	return err;
}

/* The ids of the names p's creates of type `rt` would take, each once. */
static void planned_names(struct engine *e, const struct plan *p, const struct rtype *rt,
			  struct strvec *names)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_change *c = &p->v[i];
		if (c->action != PA_CREATE || c->excluded || c->spec_index < 0 ||
		    strcmp(c->type, rt->type_name))
			continue;
		const char *name = planned_name(c, rt, e->spec->resources[c->spec_index].schema);
		char *id = name ? named_id(e, rt, name) : NULL;
		if (id && strvec_find(names, id) < 0)
			strvec_push(names, id);
		free(id);
	}
}

/* One look of engine_plan_names: a type's names in one batch (read_named),
 * or one name (read_one). */
struct name_look {
	const struct rtype *rt;
	size_t type;             /* index into the engine's types */
	const char *const *ids;  /* all the type's names (batch), or one */
	size_t n;
	struct live_set found;
	struct diags d;
	int err;
};

struct name_looks {
	struct engine *e;
	struct name_look *v;
};

static int name_look_run(void *ctx, size_t i)
{
	struct name_looks *nl = ctx;
	struct name_look *l = &nl->v[i];
	if (l->rt->read_named) {
		l->err = l->rt->read_named(&nl->e->rt, l->ids, l->n, &l->found, &l->d);
		return WALK_OK;
	}
	struct live_resource cur;
	int r = l->rt->read_one(&nl->e->rt, l->ids[0], &cur, &l->d);
	if (!r)
		*live_set_add(&l->found, l->rt->type_name) = cur;
	else if (r != BERTH_ENOTFOUND)
		l->err = r;
	return WALK_OK;
}

/* The existing instances under the names p's creates would take, for every
 * type the spec names: the looks run side by side (`parallelism` at once),
 * as a refresh reads its types, since each is a round trip and a workshop
 * has a dozen (six roles read one by one took 0.2 s before the first change
 * under load, a second at AWS's latency). found[t] gets type t's; a type
 * whose look failed gets its first failure (in name order) in d and err[t]. */
static void look_planned_names(struct engine *e, const struct plan *p, struct live_set *found,
			       int *err, struct diags *d)
{
	struct strvec *names = xcalloc(e->ntypes + 1, sizeof(*names));
	struct name_looks nl = { e, NULL };
	size_t n = 0;
	for (size_t t = 0; t < e->ntypes; t++) {
		const struct rtype *rt = e->types[t];
		strvec_init(&names[t]);
		if (!rt->read_one || !schema_given_name(schema_find(rt->type_name)))
			continue;
		planned_names(e, p, rt, &names[t]);
		size_t looks = rt->read_named ? (names[t].n ? 1 : 0) : names[t].n;
		nl.v = xrealloc(nl.v, (n + looks + 1) * sizeof(*nl.v));
		for (size_t k = 0; k < looks; k++)
			nl.v[n++] = (struct name_look){
				rt, t, (const char *const *)names[t].v + (rt->read_named ? 0 : k),
				rt->read_named ? names[t].n : 1, LIVE_SET_INIT, DIAGS_INIT, 0 };
	}
	if (n) {
		struct walk_graph g = { n, NULL, NULL, NULL };
		struct walk_opts o = { .parallelism = e->o.parallelism, .fn = name_look_run,
				       .fn_ctx = &nl };
		struct walk_result wr = WALK_RESULT_INIT;
		if (walk_run(&g, &o, &wr, d))
			for (size_t i = 0; i < n; i++)
				err[nl.v[i].type] = BERTH_ERROR;
		else
			walk_result_release(&wr);
	}
	for (size_t i = 0; i < n; i++) {
		struct name_look *l = &nl.v[i];
		if (l->err && !err[l->type]) {
			err[l->type] = l->err;
			diags_move(d, &l->d);
		} else if (!err[l->type]) {
			diags_move(d, &l->d); /* warnings */
		}
		for (size_t k = 0; k < l->found.n && !err[l->type]; k++) {
			*live_set_add(&found[l->type], l->rt->type_name) = l->found.v[k];
			memset(&l->found.v[k], 0, sizeof(l->found.v[k]));
		}
		live_set_release(&l->found);
		diags_release(&l->d);
	}
	for (size_t t = 0; t < e->ntypes; t++)
		strvec_clear(&names[t]);
	free(names);
	free(nl.v);
}

int engine_plan_names(struct engine *e, struct plan *p, struct diags *d)
{
	int err = 0;
	struct live_set *sets = xcalloc(e->ntypes + 1, sizeof(*sets));
	int *errs = xcalloc(e->ntypes + 1, sizeof(int));
	look_planned_names(e, p, sets, errs, d);
	for (size_t t = 0; t < e->ntypes; t++) {
		const struct rtype *rt = e->types[t];
		struct live_set *found = &sets[t];
		int r = errs[t];
		if (r) {
			err = r;
			live_set_release(found);
			continue;
		}
		for (size_t i = 0; i < p->n && found->n; i++) {
			struct plan_change *c = &p->v[i];
			if (c->action != PA_CREATE || c->excluded || c->spec_index < 0 ||
			    strcmp(c->type, rt->type_name))
				continue;
			const struct spec_resource *sr = &e->spec->resources[c->spec_index];
			const char *name = planned_name(c, rt, sr->schema);
			char *id = name ? named_id(e, rt, name) : NULL;
			struct live_resource *cur =
				id ? found_named(found, id, schema_given_name(sr->schema), name)
				   : NULL;
			free(id);
			if (cur && (r = judge_taken(e, c, sr, rt, cur, d)))
				err = r;
		}
		live_set_release(found);
	}
	free(sets);
	free(errs);
	return err;
}

int engine_adopt(struct engine *e, const struct rt_ctx *rt, const struct plan_change *c,
		 struct live_resource *out, struct diags *d)
{
	const struct rtype *type = engine_rtype(e, c->type);
	const struct spec_resource *sr = &e->spec->resources[c->spec_index];
	struct live_resource cur;
	int err = type->read_one(rt, c->id, &cur, d);
	if (err == BERTH_ENOTFOUND) {
		diags_add(d, DIAG_ERROR, "%s %s, which the plan adopts, is gone; run plan again",
			  c->type, c->id);
		return err;
	}
	if (err)
		return err;
	char *stack = NULL, *addr = NULL;
	owner_of(&cur, &stack, &addr);
	if (stack && !owned_by(stack, addr, e->stack, c->address)) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "%s %s now belongs to stack %s; not adopted",
					    c->type, c->id, stack);
		diag_set_detail(dg, "someone took it since the plan; run plan again");
		err = BERTH_ECONFLICT;
		goto cleanup;
	}
	json_t *want = engine_wanted_tags(e, c->address, NULL, sr->retain);
	err = engine_set_tags(rt, type, &cur, want, NULL, d);
	if (!err) {
		json_t *tags = cur.tags ? json_deep_copy(cur.tags) : json_object();
		json_object_update(tags, want);
		rt_apply_tags(&cur, tags);
		*out = cur;
		memset(&cur, 0, sizeof(cur));
	}
	json_decref(want);
cleanup:
	free(stack);
	free(addr);
	live_resource_release(&cur);
	return err;
}

void import_result_release(struct import_result *r)
{
	free(r->type);
	free(r->id);
	free(r->from_stack);
	free(r->from_address);
	memset(r, 0, sizeof(*r));
}

static int import_check_address(struct engine *e, const char *address, struct diags *d)
{
	long si = spec_find_resource(e->spec, address);
	if (si >= 0)
		return (int)si;
	const char **names = xcalloc(e->spec->nresources + 1, sizeof(char *));
	for (size_t i = 0; i < e->spec->nresources; i++)
		names[i] = e->spec->resources[i].address;
	const char *near = suggest_nearest(address, names, e->spec->nresources);
	if (near)
		diags_add(d, DIAG_ERROR, "no resource '%s' in the spec; did you mean '%s'?", address,
			  near);
	else
		diags_add(d, DIAG_ERROR, "no resource '%s' in the spec; import takes the address of "
			  "a resource the spec declares (`berth validate` lists problems, `berth graph` "
			  "every address)", address);
	free(names);
	return BERTH_ENOTFOUND;
}

int engine_import(struct engine *e, const char *address, const char *id, bool force,
		  struct import_result *out, struct diags *d)
{
	memset(out, 0, sizeof(*out));
	if (!e->spec) {
		diags_add(d, DIAG_ERROR, "import needs a spec: it says what ADDRESS is");
		return BERTH_EINVAL;
	}
	int si = import_check_address(e, address, d);
	if (si < 0)
		return si;
	const struct spec_resource *sr = &e->spec->resources[si];
	const struct rtype *type = engine_rtype(e, sr->type);
	if (type->parent_prop && !type->tag_filter && type->read_one)
		return engine_import_outside_child(e, sr, type, id, out, d);
	if (!type->tag_filter || !type->read_one) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "%s (%s) cannot be imported: it carries no tags",
					    address, sr->type);
		diag_set_detail(dg, "berth finds instances of this type through their %s; import "
				"that, and plan matches this one by its properties",
				type->parent_type ? type->parent_type : "parent");
		return BERTH_EINVAL;
	}
	struct live_resource *have = engine_find_live(e, sr->type, address);
	if (have && have->id && strcmp(have->id, id)) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "%s is already %s %s in stack %s", address,
					    sr->type, have->id, e->stack);
		diag_set_detail(dg, "one instance per address: destroy or rename that one first");
		return BERTH_ECONFLICT;
	}
	struct live_resource cur;
	int err = type->read_one(&e->rt, id, &cur, d);
	if (err == BERTH_ENOTFOUND) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "there is no %s with the id '%s'", sr->type, id);
		const char *prop = sr->schema && sr->schema->nprimary ? sr->schema->primary_id[0] : NULL;
		if (prop)
			diag_set_detail(dg, "%s's id is its %s", sr->type, prop);
		return err;
	}
	if (err)
		return err;
	char *stack = NULL, *addr = NULL;
	owner_of(&cur, &stack, &addr);
	out->type = xstrdup(sr->type);
	out->id = xstrdup(cur.id ? cur.id : id);
	if (owned_by(stack, addr, e->stack, address)) {
		out->already = true;
		goto cleanup;
	}
	if (stack && !force) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "%s %s belongs to stack %s (as %s); not imported",
					    sr->type, out->id, stack, addr ? addr : "an unknown address");
		diag_set_detail(dg, "--force takes it from there: that stack then no longer has it");
		err = BERTH_ECONFLICT;
		goto cleanup;
	}
	if (stack) {
		out->from_stack = stack;
		out->from_address = addr;
		stack = addr = NULL;
	}
	json_t *want = engine_wanted_tags(e, address, NULL, sr->retain);
	json_t *drop = json_array();
	if (!sr->retain && json_object_get(cur.tags, TAG_RETAIN))
		json_array_append_new(drop, json_string(TAG_RETAIN));
	err = engine_set_tags(&e->rt, type, &cur, want, drop, d);
	json_decref(want);
	json_decref(drop);
cleanup:
	free(stack);
	free(addr);
	live_resource_release(&cur);
	if (err)
		import_result_release(out);
	return err;
}
