/* What the engine reports about the stack besides plans: `berth state`'s
 * list of live resources, and the spec's outputs. */
#include "util/common.h"
#include "engine/engine_int.h"
#include "engine/resolve.h"

#include "util/natcmp.h"

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
		bool sens = false;
		if (spec_eval_output(e->spec, i, &res, &v, &sens, &od)) {
			diags_move(d, &od);
			diags_release(&od);
			json_decref(o);
			return BERTH_EINVAL;
		}
		diags_release(&od);
		bool unknown = value_has_unknown(v);
		json_t *entry = json_pack("{s:o, s:b, s:b}", "value", unknown ? json_null() : v,
					  "sensitive", so->sensitive || sens, "unknown", unknown);
		if (unknown)
			json_decref(v);
		if (so->description)
			json_object_set_new(entry, "description", json_string(so->description));
		json_object_set_new(o, so->name, entry);
	}
	*out = o;
	return 0;
}
