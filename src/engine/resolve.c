/* The resolver: the values a spec's references get (${ID.Attr},
 * ${data.x.y}, ${account}) from what refresh read, plan decided and apply
 * made; and giving untaggable live instances their spec addresses. */
#include "util/common.h"
#include "engine/engine_int.h"
#include "engine/resolve.h"

#include "engine/diff.h"
#include "engine/outside.h"
#include "graph/transform.h"

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

/* Matches an untaggable live instance to a spec address: first by the id
 * the cache recorded for that address, then by identity properties. */
struct live_resource *engine_match_untagged(struct engine *e, const struct rtype *rt,
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
		size_t *order = graph_topo_order(&e->spec->graph, &norder);
		for (size_t k = 0; k < norder; k++) {
			long i = e->node_res[order[k]];
			if (i < 0)
				continue;
			const struct spec_resource *sr = &e->spec->resources[i];
			const struct rtype *rt = engine_rtype(e, sr->type);
			struct live_resource *live = engine_find_live(e, sr->type, sr->address);
			if (!live && rt && rt->identity) {
				json_t *desired = NULL;
				struct diags rd = DIAGS_INIT;
				if (!spec_eval_resource(e->spec, (size_t)i, &res, &desired, NULL, &rd)) {
					/* As in the plan: identity may be what normalise
					 * derives (a dashboard's uid). */
					if (rt->normalise)
						rt->normalise(e->stack, sr->address, desired);
					live = engine_match_untagged(e, rt, sr->address, desired);
					/* A read that fails leaves it unmatched, as
					 * a value not known does. */
					char *other = NULL;
					if (!live && engine_find_outside_child(e, rt, sr, desired,
									       &live, &other, &rd))
						live = NULL;
					free(other);
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
