/* The resolver (resolve.c): the values a spec's references get, from what
 * refresh read, plan decided and apply made. Engine-internal. */
#ifndef BERTH_ENGINE_RESOLVE_H
#define BERTH_ENGINE_RESOLVE_H

#include "engine/engine_int.h"

/* The resolver over e->known, e->data and e->account. */
void engine_resolver(struct engine *e, struct spec_resolver *r);
/* Sets e->known[address] (copies). */
void engine_set_known(struct engine *e, const char *address, const char *id, json_t *props);
void engine_forget_known(struct engine *e, const char *address);
/* The untaggable live instance a spec address names: by the id
 * the cache recorded for it, else by identity properties; or NULL. */
struct live_resource *engine_match_untagged(struct engine *e, const struct rtype *rt,
					    const char *address, json_t *desired);

#endif
