/* The EC2 style's additions for elbec2's descriptions (generic.h): a
 * taken name refused as a conflict, and instances listed inside
 * reservations. */
#include "util/common.h"

#include "resources/generic.h"
#include "resources/typeutil.h"

int rta_taken(const struct rtype_api *a, const struct rt_ctx *c, const char *address,
	      json_t *props, struct diags *d)
{
	const char *name = json_string_value(json_object_get(props, a->name_prop));
	return tu_check_ours(c, NULL, address, a->what ? a->what : a->kind, name ? name : "", d);
}

json_t *rta_flatten(const struct rtype_api *a, json_t *list)
{
	json_t *out = json_array(), *item, *inst;
	size_t i, k;
	json_array_foreach(list, i, item) {
		json_t *owner = json_object_get(item, "OwnerId");
		json_array_foreach(json_object_get(item, a->sublist), k, inst) {
			json_t *copy = json_copy(inst);
			if (owner && !json_object_get(copy, "OwnerId"))
				json_object_set(copy, "OwnerId", owner);
			json_array_append_new(out, copy);
		}
	}
	return out;
}
