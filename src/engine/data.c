/* Data entries: lookups that are not resources, read at plan time into
 * e->data so the resolver can give their attributes. What each kind takes
 * and gives is schema/datasource.h's one table; how it is read is the
 * registry's (rtype_registry.data_read: resources/datasource.h's readers on
 * AWS, fakes in the engine's unit tests). Reads only: a plan stays
 * side-effect free. */
#include "util/common.h"
#include "engine/data.h"
#include "engine/resolve.h"

#include "schema/datasource.h"

int engine_read_data(struct engine *e, struct diags *d)
{
	struct spec_resolver res;
	engine_resolver(e, &res);
	for (size_t i = 0; e->spec && i < e->spec->ndata; i++) {
		const struct spec_data *dt = &e->spec->data[i];
		json_t *args = NULL, *val = NULL;
		int err = spec_eval_data(e->spec, i, &res, &args, d);
		if (err)
			return err;
		const struct data_kind *kind = data_kind_find(dt->kind);
		struct diags rd = DIAGS_INIT;
		/* The spec checker knows every kind; a registry may read none. */
		if (kind && !e->o.types->data_read)
			diags_add(&rd, DIAG_ERROR, "data sources cannot be read here");
		err = kind && e->o.types->data_read
			      ? e->o.types->data_read(&e->rt, kind->name, args, &val, &rd)
			      : BERTH_EINVAL;
		json_decref(args);
		if (err) {
			/* The reader's messages say what was looked for; each is put
			 * at the entry's place in the spec, so the user sees which
			 * data entry failed and where it is declared. */
			for (size_t k = 0; k < rd.n; k++) {
				struct diag *dg = &rd.items[k];
				if (!dg->address)
					diag_set_address(dg, dt->address);
				if (!dg->file && dt->file)
					diag_set_loc(dg, dt->file, dt->line, dt->col);
			}
			diags_move(d, &rd);
			diags_release(&rd);
			/* The renderer puts the address first: "data.ami: lookup failed". */
			struct diag *dg = diags_add(d, DIAG_ERROR, "lookup failed");
			diag_set_address(dg, dt->address);
			if (dt->file)
				diag_set_loc(dg, dt->file, dt->line, dt->col);
			return err;
		}
		diags_release(&rd);
		pthread_mutex_lock(&e->lock);
		json_object_set_new(e->data, dt->address, val);
		pthread_mutex_unlock(&e->lock);
	}
	return 0;
}
