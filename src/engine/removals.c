/* The plan's removals: live instances the spec no longer names (or, for
 * destroy, every one), duplicates of an address, and drift for
 * --refresh-only. */
#include "util/common.h"
#include "engine/plan_int.h"

#include "engine/diff.h"
#include "schema/schema.h"
#include "util/buf.h"
#include "util/natcmp.h"

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
	struct plan_change *c = engine_plan_add(p, addr, r->type, PA_DELETE);
	c->before = json_deep_copy(r->props);
	c->id = r->id ? xstrdup(r->id) : NULL;
	c->spec_index = -1;
	c->reason = xasprintf("duplicate: %s is also tagged berth:id=%s; berth keeps %s, %s",
			      id, r->address, kid, why);
	strvec_pushf(&p->notes, "%s: two live %s carry berth:id=%s (%s and %s): keeping %s (%s), "
				"deleting %s", r->address, r->type, r->address, kid, id, kid, why, id);
	free(addr);
}

void engine_plan_removals(struct engine *e, struct plan *p, bool destroy_all)
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
			if (!r->address && engine_rtype(e, r->type)->unowned_listing)
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
				const struct rtype *rt = engine_rtype(e, r->type);
				buf_addf(&b, "%s", r->type);
				for (size_t k = 0; rt && rt->identity && rt->identity[k]; k++) {
					char tmp[64];
					const char *v = rt_str(r->props, rt->identity[k], tmp);
					buf_addf(&b, " %s", v ? v : "-");
				}
				addr = buf_detach(&b, NULL);
			}
			struct plan_change *c = engine_plan_add(p, addr, r->type,
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

void engine_plan_drift(struct engine *e, struct plan *p)
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
					if (!json_object_get(r->props, k) && engine_rtype(e, r->type)->detail_props &&
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
