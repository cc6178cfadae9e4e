/* The engine's setup and scope: the options, the types in scope (the
 * spec's, their parents, and what the stack's tags say it holds), the
 * account, the call counter. Refresh, plan, apply and destroy are phases
 * of their own (refresh.c, plan.c, apply.c, destroy.c). */
#include "util/common.h"
#include "engine/engine_int.h"

#include "aws/client.h"

void sidefx_init(struct sidefx *fx)
{
	strvec_init(&fx->groups);
	strvec_init(&fx->causes);
	fx->cause_ms = json_array();
	fx->removed = json_object();
}

void sidefx_release(struct sidefx *fx)
{
	strvec_clear(&fx->groups);
	strvec_clear(&fx->causes);
	json_decref(fx->cause_ms);
	fx->cause_ms = NULL;
	json_decref(fx->removed);
	fx->removed = NULL;
}

static void add_type(struct engine *e, const struct rtype *rt)
{
	for (size_t i = 0; i < e->ntypes; i++)
		if (e->types[i] == rt)
			return;
	if (rt->parent_type) {
		const struct rtype *p = engine_rtype(e, rt->parent_type);
		if (p)
			add_type(e, p);
	}
	e->types = xrealloc(e->types, (e->ntypes + 1) * sizeof(*e->types));
	e->types[e->ntypes++] = rt;
}

int engine_new(struct engine **out, const struct engine_opts *o, struct diags *d)
{
	if (!o->types) {
		diags_add(d, DIAG_ERROR, "engine_new: no resource types given");
		return BERTH_EINVAL;
	}
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
	/* Given (--wait-timeout, BERTH_WAIT_TIMEOUT): every wait's budget,
	 * the types' own included; else each wait its own. */
	e->rt.wait_timeout_ms = e->o.wait_timeout_ms;
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
			const struct rtype *rt = engine_rtype(e, r->type);
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
		for (size_t i = 0; i < e->o.types->n; i++)
			add_type(e, e->o.types->v[i]);
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
int engine_widen_scope(struct engine *e, json_t **tagged_out, struct diags *d)
{
	json_t *tagged = NULL;
	int err = e->o.types->stack_tagged(&e->rt, &tagged, d);
	if (err)
		return err;
	size_t i;
	json_t *m;
	json_array_foreach(tagged, i, m) {
		const char *arn = json_string_value(json_object_get(m, "ResourceARN"));
		const struct rtype *rt = arn ? rtype_registry_for_arn(e->o.types, arn) : NULL;
		if (rt)
			add_type(e, rt);
	}
	*tagged_out = tagged;
	size_t n = e->o.types->n;
	const struct rtype *const *all = e->o.types->v;
	for (size_t k = 0; k < n; k++)
		if (all[k]->parent_type && engine_type_index(e, all[k]->parent_type) >= 0 &&
		    (!all[k]->refresh_when_used || type_used(e, all[k]->type_name)))
			add_type(e, all[k]);
	/* So does an untaggable type the cache records instances of whose
	 * parent may be outside the stack (a route in a route table passed in
	 * by --var): the stack holds no parent to bring it in, and the last
	 * such route removed from the spec must still be deleted. */
	for (size_t k = 0; k < n; k++)
		if (all[k]->parent_prop && !all[k]->tag_filter && type_used(e, all[k]->type_name))
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

int engine_read_account(struct engine *e, struct diags *d)
{
	if (e->account_read)
		return 0;
	json_t *res = NULL;
	int err = e->o.types->caller(&e->rt, &res, d);
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
	int err = engine_read_account(e, d);
	if (err)
		return err;
	if (!e->account) {
		diags_add(d, DIAG_ERROR, "STS GetCallerIdentity named no account");
		return BERTH_EAWS;
	}
	*out = e->account;
	return 0;
}
