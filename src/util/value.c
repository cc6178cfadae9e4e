/* The unknown-until-apply marker; see value.h. */
#include "util/common.h"
#include "util/value.h"

json_t *value_unknown(void)
{
	json_t *o = json_object();
	json_object_set_new(o, VALUE_UNKNOWN_KEY, json_true());
	return o;
}

bool value_is_unknown(const json_t *v)
{
	return json_is_object(v) && json_object_size(v) == 1 &&
	       json_object_get(v, VALUE_UNKNOWN_KEY) != NULL;
}

bool value_has_unknown(const json_t *v)
{
	if (value_is_unknown(v))
		return true;
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			if (value_has_unknown(json_array_get(v, i)))
				return true;
	} else if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x)
			if (value_has_unknown(x))
				return true;
	}
	return false;
}
