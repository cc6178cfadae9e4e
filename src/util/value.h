/* JSON values as every layer passes them: the marker for a value not known
 * until apply. It lives here, below spec/, engine/ and resources/, because
 * the spec makes it, the engine's diff and plan show it, and type files'
 * checks must let it through: none of them owns it.
 *
 * A value not known until apply is a jansson object with the single key
 * VALUE_UNKNOWN_KEY (a key no YAML spec can write: it starts with \x01).
 * Being a plain json_t, it travels through arrays, objects and the engine's
 * diff unchanged; whole-value checks use value_is_unknown(), deep ones
 * value_has_unknown(). The engine shows it as "(known after apply)". */
#ifndef BERTH_UTIL_VALUE_H
#define BERTH_UTIL_VALUE_H

#include <stdbool.h>
#include <jansson.h>

#define VALUE_UNKNOWN_KEY "\001berth:unknown"
json_t *value_unknown(void); /* new reference */
bool value_is_unknown(const json_t *v);
bool value_has_unknown(const json_t *v);

#endif
