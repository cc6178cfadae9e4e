/* The engine's read side: which types are in scope, refresh (batched, one
 * thread per type, parents first), the resolver over live values, and the
 * plan (diff per resource in dependency order, removals, targets). Apply and
 * destroy are in run.c. */
#include "util/common.h"
#include "engine/engine_int.h"

#include <openssl/evp.h>

#include "aws/client.h"
#include "engine/diff.h"
#include "graph/walk.h"
#include "schema/schema.h"
#include "util/buf.h"
#include "util/natcmp.h"
#include "util/log.h"
#include "util/suggest.h"
#include "repos/repos.h"

const char *plan_action_name(enum plan_action a)
{
	switch (a) {
	case PA_NOOP: return "no-op";
	case PA_CREATE: return "create";
	case PA_UPDATE: return "update";
	case PA_REPLACE: return "replace";
	case PA_DELETE: return "delete";
	case PA_FORGET: return "forget";
	}
	return "?";
}

void engine_sha256_hex(const char *text, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(text, len, md, &n, EVP_sha256(), NULL);
	for (unsigned i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = 0;
}

/* ---- setup ---- */

static void add_type(struct engine *e, const struct rtype *rt)
{
	for (size_t i = 0; i < e->ntypes; i++)
		if (e->types[i] == rt)
			return;
	if (rt->parent_type) {
		const struct rtype *p = rtype_find(rt->parent_type);
		if (p)
			add_type(e, p);
	}
	e->types = xrealloc(e->types, (e->ntypes + 1) * sizeof(*e->types));
	e->types[e->ntypes++] = rt;
}

int engine_new(struct engine **out, const struct engine_opts *o, struct diags *d)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	e->o = *o;
	/* 10 for every phase, reads and writes alike. Apply and destroy of a
	 * large stack are bound by calls x latency / parallelism, and more in
	 * flight would shorten them against the emulator, but not against
	 * AWS: its per-account, per-operation rate limits (CloudWatch Logs'
	 * CreateLogGroup at 5 a second by default) sit below what 10 parallel
	 * calls at 50 ms already ask for (up to 200 a second), so more would
	 * mostly turn into throttling and backoff (aws/retry.c). Plan's reads
	 * are a few page chains per type, which parallelism does not shorten
	 * (bench/REPORT.md). */
	if (!e->o.parallelism)
		e->o.parallelism = 10;
	if (!e->o.wait_timeout_ms)
		e->o.wait_timeout_ms = 10 * 60 * 1000;
	if (!e->o.retry_timeout_ms)
		e->o.retry_timeout_ms = 10 * 60 * 1000;
	e->spec = o->spec;
	e->stack = xstrdup(o->stack ? o->stack : o->spec ? o->spec->stack : "");
	rt_calls_init(&e->calls);
	e->rt.aws = o->aws;
	e->rt.stack = e->stack;
	e->rt.calls = &e->calls;
	e->rt.cancel = o->cancel;
	pthread_mutex_init(&e->lock, NULL);
	e->known = json_object();
	e->unlisted = json_object();
	sidefx_init(&e->fx);
	e->data = json_object();
	statefile_init(&e->state, e->stack);

	int err = 0;
	if (e->spec) {
		for (size_t i = 0; i < e->spec->nresources; i++) {
			const struct spec_resource *r = &e->spec->resources[i];
			const struct rtype *rt = rtype_find(r->type);
			if (!rt) {
				struct diag *dg = diags_add(d, DIAG_ERROR,
							    "%s: berth cannot manage %s resources yet",
							    r->address, r->type);
				diag_set_address(dg, r->address);
				err = BERTH_EINVAL;
				continue;
			}
			add_type(e, rt);
		}
		size_t nn = e->spec->graph.nnodes;
		e->node_res = xmalloc((nn + 1) * sizeof(long));
		e->node_data = xmalloc((nn + 1) * sizeof(long));
		for (size_t k = 0; k < nn; k++)
			e->node_res[k] = e->node_data[k] = -1;
		for (size_t i = 0; i < e->spec->nresources; i++)
			e->node_res[e->spec->resources[i].graph_node] = (long)i;
		for (size_t i = 0; i < e->spec->ndata; i++)
			e->node_data[e->spec->data[i].graph_node] = (long)i;
	} else {
		size_t n;
		const struct rtype *const *all = rtype_all(&n);
		for (size_t i = 0; i < n; i++)
			add_type(e, all[i]);
	}
	if (err) {
		engine_free(e);
		return err;
	}
	*out = e;
	return 0;
}

/* Whether the spec declares type_name or the state cache records an
 * instance of it. */
static bool type_used(const struct engine *e, const char *type_name)
{
	for (size_t i = 0; e->spec && i < e->spec->nresources; i++)
		if (!strcmp(e->spec->resources[i].type, type_name))
			return true;
	for (size_t i = 0; i < e->state.n; i++)
		if (e->state.res[i].type && !strcmp(e->state.res[i].type, type_name))
			return true;
	return false;
}

/* Types the spec no longer uses may still have instances in the stack (the
 * last topic removed from the spec must still be deleted): one unfiltered
 * tagging API listing says which types do, and each joins the refresh. So
 * does every untaggable type whose parent type is in scope. The listing is
 * returned in *tagged_out: the types' own readings filter it rather than
 * list again. */
static int widen_scope(struct engine *e, json_t **tagged_out, struct diags *d)
{
	json_t *tagged = NULL;
	int err = rt_tagged_resources(&e->rt, NULL, &tagged, d);
	if (err)
		return err;
	size_t i;
	json_t *m;
	json_array_foreach(tagged, i, m) {
		const char *arn = json_string_value(json_object_get(m, "ResourceARN"));
		const struct rtype *rt = arn ? rtype_for_arn(arn) : NULL;
		if (rt)
			add_type(e, rt);
	}
	*tagged_out = tagged;
	size_t n;
	const struct rtype *const *all = rtype_all(&n);
	for (size_t k = 0; k < n; k++)
		if (all[k]->parent_type && engine_type_index(e, all[k]->parent_type) >= 0 &&
		    (!all[k]->refresh_when_used || type_used(e, all[k]->type_name)))
			add_type(e, all[k]);
	return 0;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; e->live && i < e->ntypes; i++)
		live_set_release(&e->live[i]);
	free(e->live);
	free(e->types);
	rt_calls_release(&e->calls);
	pthread_mutex_destroy(&e->lock);
	json_decref(e->unlisted);
	json_decref(e->known);
	sidefx_release(&e->fx);
	json_decref(e->data);
	json_decref(e->live_index);
	statefile_release(&e->state);
	for (size_t i = 0; i < e->nsens; i++) {
		free(e->sens[i].type);
		strvec_clear(&e->sens[i].ptrs);
	}
	free(e->sens);
	free(e->account);
	free(e->partition);
	free(e->node_res);
	free(e->node_data);
	free(e->stack);
	free(e);
}

json_t *engine_calls(struct engine *e)
{
	pthread_mutex_lock(&e->calls.lock);
	json_t *o = json_pack("{s:I, s:O}", "total", (json_int_t)e->calls.total, "by_operation",
			      e->calls.by_op);
	json_t *copy = json_deep_copy(o);
	json_decref(o);
	pthread_mutex_unlock(&e->calls.lock);
	return copy;
}

long engine_type_index(const struct engine *e, const char *type_name)
{
	for (size_t i = 0; i < e->ntypes; i++)
		if (!strcmp(e->types[i]->type_name, type_name))
			return (long)i;
	return -1;
}

static struct live_resource *index_get(struct engine *e, const char *type_name, char kind,
				       const char *key)
{
	if (!e->live_index || !key)
		return NULL;
	char *k = xasprintf("%s\037%c:%s", type_name, kind, key);
	json_t *v = json_object_get(e->live_index, k);
	free(k);
	if (!v)
		return NULL;
	json_int_t x = json_integer_value(v);
	return &e->live[x >> 32].v[x & 0xffffffff];
}

void engine_index_live(struct engine *e, size_t t, size_t i)
{
	struct live_resource *r = &e->live[t].v[i];
	json_int_t x = ((json_int_t)t << 32) | (json_int_t)i;
	if (!e->live_index)
		e->live_index = json_object();
	if (r->address) {
		char *k = xasprintf("%s\037A:%s", r->type, r->address);
		json_object_set_new(e->live_index, k, json_integer(x));
		free(k);
	}
	if (r->id) {
		char *k = xasprintf("%s\037I:%s", r->type, r->id);
		json_object_set_new(e->live_index, k, json_integer(x));
		free(k);
	}
}

struct live_resource *engine_find_live(struct engine *e, const char *type_name,
				       const char *address)
{
	return index_get(e, type_name, 'A', address);
}

struct live_resource *engine_find_live_id(struct engine *e, const char *type_name, const char *id)
{
	return index_get(e, type_name, 'I', id);
}

/* ---- sensitive values ---- */

const char *const *engine_sensitive_pointers(void *ctx, const char *type)
{
	struct engine *e = ctx;
	for (size_t i = 0; i < e->nsens; i++)
		if (!strcmp(e->sens[i].type, type))
			return (const char *const *)e->sens[i].ptrs.v;
	ALLOC_GROW(e->sens, e->nsens + 1, e->sens_alloc);
	struct sens_list *l = &e->sens[e->nsens++];
	l->type = xstrdup(type);
	strvec_init(&l->ptrs);
	const struct schema_resource *sch = schema_find(type);
	for (size_t i = 0; sch && i < sch->shape->nprops; i++)
		if (sch->shape->props[i].flags & SP_SENSITIVE)
			strvec_pushf(&l->ptrs, "/%s", sch->shape->props[i].name);
	return (const char *const *)l->ptrs.v;
}

/* Tags of a resource that uses a sensitive variable: the keys stay (they are
 * names, and berth's own berth:* tags identify the resource), every other
 * value is masked, since a tag value may be where the secret went. Tags come
 * as [{Key, Value}] lists or as maps. */
static void mask_tag_values(json_t *tags)
{
	const char *k;
	json_t *v;
	size_t i;
	if (json_is_array(tags)) {
		json_array_foreach(tags, i, v) {
			const char *key = json_string_value(json_object_get(v, "Key"));
			if (json_is_object(v) && json_object_get(v, "Value") &&
			    !(key && !strncmp(key, "berth:", 6)))
				json_object_set_new(v, "Value", json_string("(sensitive)"));
		}
	} else if (json_is_object(tags)) {
		json_object_foreach(tags, k, v)
			if (strncmp(k, "berth:", 6))
				json_object_set_new(tags, k, json_string("(sensitive)"));
	}
}

bool engine_is_masked(const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	if (json_is_string(v))
		return !strcmp(json_string_value(v), "(sensitive)");
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (engine_is_masked(x))
				return true;
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
			if (engine_is_masked(x))
				return true;
	}
	return false;
}

json_t *engine_mask(const char *type, json_t *props, bool all)
{
	if (!props)
		return NULL;
	json_t *m = json_deep_copy(props);
	const struct schema_resource *sch = schema_find(type);
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(m, tmp, k, v) {
		const struct schema_prop *p = sch ? schema_shape_prop(sch->shape, k) : NULL;
		bool attr = p && (p->flags & SP_READ_ONLY);
		if ((all && !attr && strcmp(k, "Tags")) || (p && (p->flags & SP_SENSITIVE)))
			json_object_set_new(m, k, json_string("(sensitive)"));
		else if (all && !strcmp(k, "Tags"))
			mask_tag_values(v);
	}
	return m;
}

/* ---- refresh ---- */

static void prefetch_details(struct engine *e, size_t t);
static int read_account(struct engine *e, struct diags *d);

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
		return read_account(e, &job->diags[node]) ? WALK_FAIL : WALK_OK;
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

/* Which of two live instances with one berth:id berth keeps (the other is a
 * duplicate, left by two applies that ran side by side): the one the state
 * cache knows, else the older, else the one listed first. Why, in *why. */
static bool keeps_over(struct engine *e, const struct live_resource *a,
		       const struct live_resource *b, const char **why)
{
	const struct state_resource *sr = statefile_get(&e->state, a->address);
	const char *cached = sr && sr->id && !strcmp(sr->type, a->type) ? sr->id : NULL;
	if (cached && a->id && !strcmp(a->id, cached)) {
		*why = "the one in the state cache";
		return true;
	}
	if (cached && b->id && !strcmp(b->id, cached)) {
		*why = "the one in the state cache";
		return false;
	}
	if (a->created_ms && b->created_ms && a->created_ms != b->created_ms) {
		*why = "the older";
		return a->created_ms < b->created_ms;
	}
	*why = "the one AWS listed first";
	return true;
}

/* Points each address at the instance berth keeps when several carry it, so
 * everything after refresh (plan's diff, apply, the resolver) uses that one;
 * the others are found by engine_duplicate_of. */
static void index_keepers(struct engine *e)
{
	for (size_t t = 0; t < e->ntypes; t++) {
		struct live_set *s = &e->live[t];
		for (size_t i = 0; i < s->n; i++) {
			if (!s->v[i].address)
				continue;
			struct live_resource *cur = engine_find_live(e, s->v[i].type, s->v[i].address);
			const char *why;
			if (cur && cur != &s->v[i] && keeps_over(e, &s->v[i], cur, &why))
				engine_index_live(e, t, i);
		}
	}
}

bool engine_duplicate_of_quiet(struct engine *e, const struct live_resource *r)
{
	const char *why;
	return engine_duplicate_of(e, r, &why) != NULL;
}

const struct live_resource *engine_duplicate_of(struct engine *e, const struct live_resource *r,
						const char **why)
{
	if (!r->address)
		return NULL;
	struct live_resource *keeper = engine_find_live(e, r->type, r->address);
	if (!keeper || keeper == r)
		return NULL;
	keeps_over(e, keeper, r, why);
	return keeper;
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
	if (e->spec && !e->live && (err = widen_scope(e, &stack_tagged, d)))
		return err;
	if (!e->live)
		e->live = xcalloc(e->ntypes + 1, sizeof(*e->live));
	size_t n = e->ntypes;
	size_t *ndeps = xcalloc(2 * n + 1, sizeof(size_t));
	size_t *depv = xcalloc(2 * n + 1, sizeof(size_t));
	const size_t **deps = xcalloc(2 * n + 1, sizeof(size_t *));
	const char **names = xcalloc(2 * n + 1, sizeof(char *));
	struct diags *per = xcalloc(n + 1, sizeof(struct diags));
	for (size_t i = 0; i < n; i++) {
		names[i] = e->types[i]->type_name;
		if (e->types[i]->parent_type) {
			long p = engine_type_index(e, e->types[i]->parent_type);
			if (p >= 0) {
				depv[i] = (size_t)p;
				deps[i] = &depv[i];
				ndeps[i] = 1;
			}
		}
		live_set_release(&e->live[i]);
	}
	/* What a plan reads besides the listings, beside them rather than
	 * after: the account (the resolver's `account`), and per type the
	 * detail properties the spec sets, as soon as that type is listed. A
	 * child type's listing waits for its parent's listing only, so
	 * read_detail may run while children read the instance (it changes
	 * only props and detailed). */
	size_t nn = n;
	if (e->o.plan_reads) {
		names[n] = "sts:GetCallerIdentity";
		for (size_t i = 0; i < n; i++) {
			names[n + 1 + i] = e->types[i]->type_name;
			depv[n + 1 + i] = i;
			deps[n + 1 + i] = &depv[n + 1 + i];
			ndeps[n + 1 + i] = 1;
		}
		nn = 2 * n + 1;
	}
	struct walk_graph g = { nn, ndeps, deps, names };
	struct refresh_job job = { e, per };
	struct walk_opts wo = { .parallelism = nn ? nn : 1, .fn = refresh_one, .fn_ctx = &job,
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
	free(ndeps);
	free(depv);
	free(deps);
	free(names);
	if (err)
		return err;
	drop_stack_members(e);
	fill_ids_from_cache(e);
	json_decref(e->live_index);
	e->live_index = json_object();
	for (size_t t = 0; t < n; t++)
		for (size_t i = 0; i < e->live[t].n; i++)
			engine_index_live(e, t, i);
	index_keepers(e);
	e->refreshed = true;
	if (log_enabled(LOG_VERBOSE)) {
		for (size_t i = 0; i < n; i++)
			log_verbose("refresh: %s: %zu live", e->types[i]->type_name, e->live[i].n);
	}
	return 0;
}

/* ---- the resolver ---- */

void engine_set_known(struct engine *e, const char *address, const char *id, json_t *props)
{
	json_t *v = json_pack("{s:s?, s:o}", "id", id, "props",
			      props ? json_deep_copy(props) : json_object());
	pthread_mutex_lock(&e->lock);
	json_object_set_new(e->known, address, v);
	pthread_mutex_unlock(&e->lock);
}

void engine_forget_known(struct engine *e, const char *address)
{
	pthread_mutex_lock(&e->lock);
	json_object_del(e->known, address);
	pthread_mutex_unlock(&e->lock);
}

static int resolve_attr(void *ctx, const char *address, const char *attr, json_t **out)
{
	struct engine *e = ctx;
	json_t *v = NULL;
	pthread_mutex_lock(&e->lock);
	if (!*address && !strcmp(attr, "account")) {
		if (e->account)
			v = json_string(e->account);
	} else if (json_object_get(e->data, address)) {
		json_t *x = json_object_get(json_object_get(e->data, address), attr);
		if (x)
			v = json_deep_copy(x);
	} else {
		json_t *k = json_object_get(e->known, address);
		if (k && !*attr)
			v = json_is_string(json_object_get(k, "id")) ?
				    json_deep_copy(json_object_get(k, "id")) : NULL;
		else if (k) {
			json_t *x = json_object_get(json_object_get(k, "props"), attr);
			if (x && !value_has_unknown(x))
				v = json_deep_copy(x);
		}
	}
	pthread_mutex_unlock(&e->lock);
	if (!v)
		return BERTH_ENOTFOUND;
	*out = v;
	return 0;
}

void engine_resolver(struct engine *e, struct spec_resolver *r)
{
	r->ctx = e;
	r->attr = resolve_attr;
}

/* ---- plan ---- */

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		struct plan_change *c = &p->v[i];
		free(c->address);
		free(c->type);
		json_decref(c->before);
		json_decref(c->after);
		free(c->reason);
		strvec_clear(&c->changed);
		strvec_clear(&c->replace_paths);
		strvec_clear(&c->unknown);
		free(c->id);
		free(c->note);
	}
	free(p->v);
	for (size_t i = 0; i < p->ndrift; i++) {
		free(p->drift[i].address);
		free(p->drift[i].type);
		free(p->drift[i].what);
		json_decref(p->drift[i].before);
		json_decref(p->drift[i].after);
	}
	free(p->drift);
	strvec_clear(&p->notes);
	strvec_clear(&p->repos);
	strvec_clear(&p->side_effects);
	free(p->stack);
	free(p);
}

bool plan_has_changes(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].action != PA_NOOP && !p->v[i].excluded)
			return true;
	return p->ndrift > 0 || p->nrepos_changing > 0 || p->nretag > 0;
}

static struct plan_change *plan_add(struct plan *p, const char *address, const char *type,
				    enum plan_action a)
{
	ALLOC_GROW(p->v, p->n + 1, p->alloc);
	struct plan_change *c = &p->v[p->n++];
	memset(c, 0, sizeof(*c));
	c->address = xstrdup(address);
	c->type = xstrdup(type);
	c->action = a;
	c->spec_index = -1;
	strvec_init(&c->changed);
	strvec_init(&c->replace_paths);
	strvec_init(&c->unknown);
	return c;
}

/* Resources in dependency order (Kahn over the spec graph; among ready
 * nodes the lower index first, so the order is deterministic). O((n + e) log
 * n): a min-heap of ready nodes and, per node, its dependents. */
static void heap_push(size_t *h, size_t *n, size_t v)
{
	size_t i = (*n)++;
	h[i] = v;
	while (i && h[(i - 1) / 2] > h[i]) {
		size_t t = h[i];
		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static size_t heap_pop(size_t *h, size_t *n)
{
	size_t top = h[0], i = 0;
	h[0] = h[--(*n)];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < *n && h[l] < h[m])
			m = l;
		if (r < *n && h[r] < h[m])
			m = r;
		if (m == i)
			break;
		size_t t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
	return top;
}

static size_t *topo_order(const struct spec *s, size_t *n_out)
{
	const struct dag *g = &s->graph;
	size_t n = g->nnodes, k = 0, nh = 0;
	size_t *left = xcalloc(n + 1, sizeof(size_t)), *order = xcalloc(n + 1, sizeof(size_t));
	size_t *heap = xcalloc(n + 1, sizeof(size_t));
	/* Dependents of each node, as a CSR array over the edges. */
	size_t *start = xcalloc(n + 2, sizeof(size_t)), *dep = xcalloc(g->nedges + 1, sizeof(size_t));
	for (size_t i = 0; i < g->nedges; i++)
		start[g->edges[i].to + 1]++;
	for (size_t i = 0; i < n; i++)
		start[i + 1] += start[i];
	size_t *fill = xcalloc(n + 1, sizeof(size_t));
	for (size_t i = 0; i < g->nedges; i++) {
		size_t to = g->edges[i].to;
		dep[start[to] + fill[to]++] = g->edges[i].from;
		left[g->edges[i].from]++;
	}
	for (size_t i = 0; i < n; i++)
		if (!left[i])
			heap_push(heap, &nh, i);
	while (nh) {
		size_t v = heap_pop(heap, &nh);
		order[k++] = v;
		for (size_t j = start[v]; j < start[v + 1]; j++)
			if (!--left[dep[j]])
				heap_push(heap, &nh, dep[j]);
	}
	/* What a cycle leaves out never becomes ready: spec_load reports those. */
	free(left);
	free(heap);
	free(start);
	free(dep);
	free(fill);
	*n_out = k;
	return order;
}

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

static bool needs_detail(const struct rtype *rt, json_t *desired, json_t *applied)
{
	for (size_t i = 0; rt->detail_props && rt->detail_props[i]; i++)
		if (json_object_get(desired, rt->detail_props[i]) ||
		    json_object_get(applied, rt->detail_props[i]))
			return true;
	return false;
}

/* Matches an untaggable live instance to a spec address: first by the id
 * the cache recorded for that address, then by identity properties. */
static struct live_resource *match_untagged(struct engine *e, const struct rtype *rt,
					    const char *address, json_t *desired)
{
	long t = engine_type_index(e, rt->type_name);
	if (t < 0)
		return NULL;
	struct live_set *s = &e->live[t];
	struct state_resource *sr = statefile_get(&e->state, address);
	if (sr && sr->id && !strcmp(sr->type, rt->type_name)) {
		struct live_resource *byid = engine_find_live_id(e, rt->type_name, sr->id);
		if (byid && !byid->address)
			return byid;
	}
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].address)
			continue;
		bool same = true;
		for (size_t p = 0; rt->identity[p] && same; p++)
			same = schema_compare(NULL, json_object_get(desired, rt->identity[p]),
					   json_object_get(s->v[i].props, rt->identity[p])) == SCHEMA_EQUAL;
		if (same)
			return &s->v[i];
	}
	return NULL;
}

static bool address_matches(const char *address, const char *want)
{
	size_t n = strlen(want);
	return !strcmp(address, want) ||
	       (!strncmp(address, want, n) && (address[n] == '[' || address[n] == '.'));
}

static int read_account(struct engine *e, struct diags *d)
{
	if (e->account_read)
		return 0;
	json_t *res = NULL;
	int err = rt_call(&e->rt, "sts", "GetCallerIdentity", NULL, &res, d);
	if (err)
		return err;
	const char *acct = json_string_value(json_object_get(res, "Account"));
	free(e->account);
	e->account = acct ? xstrdup(acct) : NULL;
	/* "arn:PARTITION:iam::ACCOUNT:user/NAME" */
	const char *arn = json_string_value(json_object_get(res, "Arn"));
	const char *pe = arn && !strncmp(arn, "arn:", 4) ? strchr(arn + 4, ':') : NULL;
	free(e->partition);
	e->partition = pe && pe > arn + 4 ? xstrndup(arn + 4, (size_t)(pe - arn - 4)) : NULL;
	e->rt.account = e->account;
	e->rt.partition = e->partition;
	e->account_read = true;
	json_decref(res);
	return 0;
}

void engine_set_state_dir(struct engine *e, const char *dir)
{
	e->o.state_dir = dir;
}

int engine_account(struct engine *e, const char **out, struct diags *d)
{
	int err = read_account(e, d);
	if (err)
		return err;
	if (!e->account) {
		diags_add(d, DIAG_ERROR, "STS GetCallerIdentity named no account");
		return BERTH_EAWS;
	}
	*out = e->account;
	return 0;
}

/* The transitive closure over graph edges, forwards (dependencies) or
 * backwards (dependents), from the marked nodes. */
static void closure(const struct dag *g, bool *mark, bool forwards)
{
	bool grew = true;
	while (grew) {
		grew = false;
		for (size_t i = 0; i < g->nedges; i++) {
			size_t a = forwards ? g->edges[i].from : g->edges[i].to;
			size_t b = forwards ? g->edges[i].to : g->edges[i].from;
			if (mark[a] && !mark[b])
				mark[b] = grew = true;
		}
	}
}

static int select_targets(struct engine *e, struct plan *p, struct diags *d)
{
	const struct spec *s = e->spec;
	if (!e->o.ntargets && !e->o.nexcludes)
		return 0;
	size_t nn = s->graph.nnodes;
	bool *tmark = xcalloc(nn + 1, 1), *xmark = xcalloc(nn + 1, 1);
	int err = 0;
	for (int pass = 0; pass < 2; pass++) {
		const char *const *list = pass ? e->o.excludes : e->o.targets;
		size_t nl = pass ? e->o.nexcludes : e->o.ntargets;
		bool *mark = pass ? xmark : tmark;
		for (size_t i = 0; i < nl; i++) {
			bool hit = false;
			for (size_t r = 0; r < s->nresources; r++)
				if (address_matches(s->resources[r].address, list[i])) {
					mark[s->resources[r].graph_node] = true;
					hit = true;
				}
			for (size_t c = 0; c < p->n; c++)
				if (p->v[c].spec_index < 0 && address_matches(p->v[c].address, list[i]))
					hit = true;
			if (!hit) {
				const char **names = xcalloc(s->nresources + 1, sizeof(char *));
				for (size_t r = 0; r < s->nresources; r++)
					names[r] = s->resources[r].address;
				const char *near = suggest_nearest(list[i], names, s->nresources);
				diags_add(d, DIAG_ERROR, "--%s %s: no such resource%s%s%s",
					  pass ? "exclude" : "target", list[i], near ? "; did you mean '" : "",
					  near ? near : "", near ? "'?" : "");
				free(names);
				err = BERTH_EINVAL;
			}
		}
	}
	if (err)
		goto cleanup;
	for (int pass = 0; pass < 2; pass++) {
		bool *mark = pass ? xmark : tmark;
		if (pass ? !e->o.nexcludes : !e->o.ntargets)
			continue;
		bool *before = xmalloc(nn + 1);
		memcpy(before, mark, nn);
		closure(&s->graph, mark, !pass);
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < nn; i++)
			if (mark[i] && !before[i] && e->node_res[i] >= 0)
				buf_addf(&b, "%s%s", b.len ? ", " : "", s->graph.nodes[i].label);
		if (b.len)
			strvec_pushf(&p->notes, pass ? "--exclude: also excluding what depends on it: %s"
						     : "--target: also planning its dependencies: %s",
				     b.ptr);
		buf_release(&b);
		free(before);
	}
	for (size_t c = 0; c < p->n; c++) {
		struct plan_change *ch = &p->v[c];
		bool in_t, in_x;
		if (ch->spec_index >= 0) {
			size_t node = s->resources[ch->spec_index].graph_node;
			in_t = tmark[node];
			in_x = xmark[node];
		} else {
			in_t = in_x = false;
			for (size_t i = 0; i < e->o.ntargets; i++)
				in_t |= address_matches(ch->address, e->o.targets[i]);
			for (size_t i = 0; i < e->o.nexcludes; i++)
				in_x |= address_matches(ch->address, e->o.excludes[i]);
		}
		if ((e->o.ntargets && !in_t) || in_x)
			ch->excluded = true;
	}
cleanup:
	free(tmark);
	free(xmark);
	return err;
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

/* Whether a live instance of the spec needs apply to set its expiry. */
bool engine_needs_retag(struct engine *e, const struct live_resource *r)
{
	if (!e->o.expires || !r->address || !r->tags || !e->spec ||
	    spec_find_resource(e->spec, r->address) < 0 || engine_duplicate_of_quiet(e, r))
		return false;
	const char *have = json_string_value(json_object_get(r->tags, TAG_EXPIRES));
	return !have || strcmp(have, e->o.expires);
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

/* Sorts p->v[from..] by address in natural order (lg[4] before lg[36]),
 * stably: AWS lists by name, as text. */
static void sort_changes(struct plan *p, size_t from)
{
	for (size_t i = from + 1; i < p->n; i++) {
		struct plan_change c = p->v[i];
		size_t k = i;
		for (; k > from && natcmp(p->v[k - 1].address, c.address) > 0; k--)
			p->v[k] = p->v[k - 1];
		p->v[k] = c;
	}
}

/* A second live instance carrying the address of another (two applies ran
 * side by side): never silently used nor replaced, but shown and deleted, by
 * apply as by destroy, under an address of its own so that removing it
 * leaves the kept one's cache entry and known values alone. */
static void add_duplicate(struct plan *p, const struct live_resource *r,
			  const struct live_resource *keeper, const char *why)
{
	const char *id = r->id ? r->id : "(no id)";
	const char *kid = keeper->id ? keeper->id : "(no id)";
	char *addr = xasprintf("%s (duplicate %s)", r->address, id);
	struct plan_change *c = plan_add(p, addr, r->type, PA_DELETE);
	c->before = json_deep_copy(r->props);
	c->id = r->id ? xstrdup(r->id) : NULL;
	c->spec_index = -1;
	c->reason = xasprintf("duplicate: %s is also tagged berth:id=%s; berth keeps %s, %s",
			      id, r->address, kid, why);
	strvec_pushf(&p->notes, "%s: two live %s carry berth:id=%s (%s and %s): keeping %s (%s), "
				"deleting %s", r->address, r->type, r->address, kid, id, kid, why, id);
	free(addr);
}

static void add_removals(struct engine *e, struct plan *p, bool destroy_all)
{
	for (size_t t = 0, first = p->n; t < e->ntypes; t++, sort_changes(p, first), first = p->n)
		for (size_t i = 0; i < e->live[t].n; i++) {
			struct live_resource *r = &e->live[t].v[i];
			const char *why = NULL;
			const struct live_resource *keeper = engine_duplicate_of(e, r, &why);
			if (keeper) {
				add_duplicate(p, r, keeper, why);
				continue;
			}
			long si = r->address && e->spec ? spec_find_resource(e->spec, r->address) : -1;
			if (si >= 0 && strcmp(e->spec->resources[si].type, r->type))
				si = -1; /* same address, another type: the old one goes */
			if (si >= 0 && !destroy_all)
				continue;
			if (!r->address && rtype_find(r->type)->unowned_listing)
				continue; /* not the stack's unless the spec names it */
			/* An untaggable instance the spec no longer names: the
			 * cache may remember which address it was. */
			const char *cached = NULL;
			for (size_t k = 0; !r->address && r->id && k < e->state.n; k++)
				if (e->state.res[k].id && !strcmp(e->state.res[k].id, r->id) &&
				    !strcmp(e->state.res[k].type, r->type) &&
				    (!e->spec || spec_find_resource(e->spec, e->state.res[k].address) < 0))
					cached = e->state.res[k].address;
			char *addr;
			if (r->address || cached) {
				addr = xstrdup(r->address ? r->address : cached);
			} else if (r->id) {
				addr = xasprintf("%s %s", r->type, r->id);
			} else {
				/* No id (a pending subscription): its identity names it. */
				struct buf b = BUF_INIT;
				const struct rtype *rt = rtype_find(r->type);
				buf_addf(&b, "%s", r->type);
				for (size_t k = 0; rt && rt->identity && rt->identity[k]; k++) {
					char tmp[64];
					const char *v = rt_str(r->props, rt->identity[k], tmp);
					buf_addf(&b, " %s", v ? v : "-");
				}
				addr = buf_detach(&b, NULL);
			}
			struct plan_change *c = plan_add(p, addr, r->type,
							 r->retain ? PA_FORGET : PA_DELETE);
			c->before = json_deep_copy(r->props);
			c->id = r->id ? xstrdup(r->id) : NULL;
			c->spec_index = si;
			if (si >= 0)
				c->sensitive = e->spec->resources[si].sensitive;
			if (destroy_all)
				c->reason = r->retain ? xstrdup("retain: true; left in AWS and no longer managed")
						      : NULL;
			else if (!r->address && !cached)
				c->reason = xstrdup("not in the spec (found through its parent)");
			else
				c->reason = xstrdup(r->retain ? "not in the spec; retain: true, so it stays in AWS and berth lets go of it"
							      : "not in the spec");
			free(addr);
		}
}

static void add_drift(struct engine *e, struct plan *p)
{
	for (size_t t = 0; t < e->ntypes; t++)
		for (size_t i = 0; i < e->live[t].n; i++) {
			struct live_resource *r = &e->live[t].v[i];
			if (!r->address)
				continue;
			struct state_resource *sr = statefile_get(&e->state, r->address);
			const char *what = NULL;
			if (!sr)
				what = "not in the state cache (made elsewhere, or the cache was lost)";
			else {
				const struct schema_resource *sch = schema_find(r->type);
				const char *k;
				json_t *v;
				json_object_foreach(sr->attributes, k, v) {
					/* Masked values were never stored: nothing to compare. */
					if (engine_is_masked(v))
						continue;
					const struct schema_prop *pr = sch ? schema_shape_prop(sch->shape, k) : NULL;
					if (!json_object_get(r->props, k) && rtype_find(r->type)->detail_props &&
					    !r->detailed)
						continue; /* not read this time */
					if (schema_compare(pr ? pr->shape : NULL, v, json_object_get(r->props, k)))
						what = "changed outside berth";
				}
			}
			if (!what)
				continue;
			ALLOC_GROW(p->drift, p->ndrift + 1, p->drift_alloc);
			struct plan_drift *dr = &p->drift[p->ndrift++];
			memset(dr, 0, sizeof(*dr));
			long si = e->spec ? spec_find_resource(e->spec, r->address) : -1;
			dr->sensitive = si >= 0 && e->spec->resources[si].sensitive;
			dr->address = xstrdup(r->address);
			dr->type = xstrdup(r->type);
			dr->what = xstrdup(what);
			dr->before = sr ? json_deep_copy(sr->attributes) : NULL;
			dr->after = json_deep_copy(r->props);
		}
	for (size_t k = 0; k < e->state.n; k++) {
		struct state_resource *sr = &e->state.res[k];
		if (engine_find_live(e, sr->type, sr->address))
			continue;
		ALLOC_GROW(p->drift, p->ndrift + 1, p->drift_alloc);
		struct plan_drift *dr = &p->drift[p->ndrift++];
		memset(dr, 0, sizeof(*dr));
		dr->address = xstrdup(sr->address);
		dr->type = xstrdup(sr->type);
		dr->what = xstrdup("deleted outside berth");
		dr->before = json_deep_copy(sr->attributes);
		dr->after = NULL;
	}
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

/* Untaggable instances the spec names get their addresses (matched by
 * identity over the live values), and every live instance the spec names
 * becomes known to the resolver. For plans that do not diff (destroy,
 * refresh-only, state). */
void engine_assign_addresses(struct engine *e)
{
	/* Untaggable instances the spec names get their address back, so the
	 * plan and the reverse walk know them. */
	if (e->spec) {
		struct spec_resolver res;
		engine_resolver(e, &res);
		size_t norder;
		size_t *order = topo_order(e->spec, &norder);
		for (size_t k = 0; k < norder; k++) {
			long i = e->node_res[order[k]];
			if (i < 0)
				continue;
			const struct spec_resource *sr = &e->spec->resources[i];
			const struct rtype *rt = rtype_find(sr->type);
			struct live_resource *live = engine_find_live(e, sr->type, sr->address);
			if (!live && rt && rt->identity) {
				json_t *desired = NULL;
				struct diags rd = DIAGS_INIT;
				if (!spec_eval_resource(e->spec, (size_t)i, &res, &desired, NULL, &rd)) {
					/* As in the plan: identity may be what normalise
					 * derives (a dashboard's uid). */
					if (rt->normalise)
						rt->normalise(e->stack, sr->address, desired);
					live = match_untagged(e, rt, sr->address, desired);
					if (live) {
						long t = engine_type_index(e, rt->type_name);
						live->address = xstrdup(sr->address);
						engine_index_live(e, (size_t)t, (size_t)(live - e->live[t].v));
					}
				}
				json_decref(desired);
				diags_release(&rd);
			}
			if (live)
				engine_set_known(e, sr->address, live->id, live->props);
		}
		free(order);
	}
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
		if (!needs_detail(rt, sr->properties, applied))
			continue;
		live[n++] = l;
	}
	json_decref(by_address);
	if (n > 1) {
		size_t *ndeps = xcalloc(n, sizeof(size_t));
		const size_t **deps = xcalloc(n, sizeof(size_t *));
		const char **names = xcalloc(n, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			names[i] = live[i]->address;
		struct walk_graph g = { n, ndeps, deps, names };
		struct detail_job job = { e, live, rt };
		struct walk_opts wo = { .parallelism = e->o.parallelism, .fn = detail_one,
					.fn_ctx = &job, .cancel = e->o.cancel };
		struct walk_result wr = WALK_RESULT_INIT;
		struct diags wd = DIAGS_INIT;
		if (!walk_run(&g, &wo, &wr, &wd))
			walk_result_release(&wr);
		diags_release(&wd);
		free(ndeps);
		free(deps);
		free(names);
	}
	free(live);
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
	if ((err = read_account(e, d)))
		goto done;
	if ((err = engine_read_data(e, d)))
		goto done;
	if (!refresh_only && (err = plan_repos(e, p, d)))
		goto done;
	if (refresh_only) {
		engine_assign_addresses(e);
		add_drift(e, p);
		goto done;
	}
	struct spec_resolver res;
	engine_resolver(e, &res);
	size_t norder;
	size_t *order = topo_order(s, &norder);
	for (size_t k = 0; k < norder; k++) {
		long i = e->node_res[order[k]];
		if (i < 0)
			continue;
		const struct spec_resource *sr = &s->resources[i];
		const struct rtype *rt = rtype_find(sr->type);
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
			live = match_untagged(e, rt, sr->address, desired);
		struct state_resource *st = statefile_get(&e->state, sr->address);
		json_t *applied = st && !strcmp(st->type, sr->type) ? st->applied : NULL;
		if (live && rt->read_detail && !live->detailed && needs_detail(rt, desired, applied) &&
		    !(sr->sensitive || sens) && detail_from_cache(rt, live, st, desired, applied)) {
			live->detailed = true;
		} else if (live && rt->read_detail && !live->detailed &&
			   needs_detail(rt, desired, applied)) {
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
					 live ? live->retain : false };
		struct diff_result dr;
		diff_result_init(&dr);
		diff_resource(&in, &dr);
		static const enum plan_action map[] = { PA_NOOP, PA_CREATE, PA_UPDATE, PA_REPLACE };
		struct plan_change *c = plan_add(p, sr->address, sr->type, map[dr.action]);
		c->spec_index = i;
		c->sensitive = sr->sensitive || sens;
		c->cbd = sr->create_before_destroy || rt->create_before_destroy;
		c->before = live ? json_deep_copy(live->props) : NULL;
		c->after = desired;
		c->id = live && live->id ? xstrdup(live->id) : NULL;
		if (live && live->note)
			c->note = xasprintf("%s (its normal state until someone confirms it; not drift)",
					    live->note);
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
			struct buf b = BUF_INIT;
			for (size_t j = 0; j < dr.replace_paths.n; j++)
				buf_addf(&b, "%s%s", j ? ", " : "", dr.replace_paths.v[j]);
			c->reason = dr.replace_paths.n
					    ? xasprintf("%s cannot change in place: forces replacement", b.ptr)
					    : xasprintf("%s cannot be updated in place", sr->type);
			buf_release(&b);
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
	add_removals(e, p, false);
	count_retag(e, p);
	err = select_targets(e, p, d);
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
	add_removals(e, p, true);
	engine_plan_side_effects(e, p, d);
	count_plan(p);
	live_fingerprint(e, p->live_fingerprint);
	changes_fingerprint(p, p->changes_fingerprint);
	*out = p;
	return 0;
}

/* ---- state and outputs ---- */

static int cmp_by_address(const void *pa, const void *pb)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)pa, "address"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)pb, "address"));
	if (!x || !y)
		return (x ? 0 : 1) - (y ? 0 : 1);
	return natcmp(x, y);
}

int engine_state_json(struct engine *e, bool detail, json_t **out, struct diags *d)
{
	json_t *a = json_array();
	for (size_t t = 0; t < e->ntypes; t++)
		for (size_t i = 0; i < e->live[t].n; i++) {
			struct live_resource *r = &e->live[t].v[i];
			if (detail && !r->detailed && e->types[t]->read_detail) {
				int err = e->types[t]->read_detail(&e->rt, r, d);
				if (err && err != BERTH_ENOTFOUND) {
					json_decref(a);
					return err;
				}
			}
			bool sens = false;
			if (r->address && e->spec) {
				long si = spec_find_resource(e->spec, r->address);
				sens = si >= 0 && e->spec->resources[si].sensitive;
			}
			json_array_append_new(a, json_pack("{s:s?, s:s, s:s?, s:o, s:s?, s:b}", "address",
							   r->address, "type", r->type, "id", r->id,
							   "properties", engine_mask(r->type, r->props, sens),
							   "note", r->note, "retain", r->retain));
		}
	/* By address, things not in the spec (no address) last. */
	size_t n = json_array_size(a);
	json_t **v = xcalloc(n + 1, sizeof(json_t *));
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(a, i));
	qsort(v, n, sizeof(json_t *), cmp_by_address);
	json_array_clear(a);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, v[i]);
	free(v);
	*out = a;
	return 0;
}

int engine_outputs(struct engine *e, json_t **out, struct diags *d)
{
	json_t *o = json_object();
	struct spec_resolver res;
	engine_resolver(e, &res);
	for (size_t i = 0; e->spec && i < e->spec->noutputs; i++) {
		const struct spec_output *so = &e->spec->outputs[i];
		json_t *v = NULL;
		struct diags od = DIAGS_INIT;
		if (spec_eval_output(e->spec, i, &res, &v, &od)) {
			diags_move(d, &od);
			diags_release(&od);
			json_decref(o);
			return BERTH_EINVAL;
		}
		diags_release(&od);
		bool unknown = value_has_unknown(v);
		json_t *entry = json_pack("{s:o, s:b, s:b}", "value", unknown ? json_null() : v,
					  "sensitive", so->sensitive, "unknown", unknown);
		if (unknown)
			json_decref(v);
		if (so->description)
			json_object_set_new(entry, "description", json_string(so->description));
		json_object_set_new(o, so->name, entry);
	}
	*out = o;
	return 0;
}
