/* The live index: the instances refresh found, by address and by id, in
 * O(1), and which of two instances carrying one address berth keeps (the
 * other is a duplicate). */
#include "util/common.h"
#include "engine/engine_int.h"

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
void engine_index_keepers(struct engine *e)
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

/* Whether a live instance of the spec needs apply to set its expiry. */
bool engine_needs_retag(struct engine *e, const struct live_resource *r)
{
	if (!e->o.expires || !r->address || !r->tags || !e->spec ||
	    spec_find_resource(e->spec, r->address) < 0 || engine_duplicate_of_quiet(e, r))
		return false;
	const char *have = json_string_value(json_object_get(r->tags, TAG_EXPIRES));
	return !have || strcmp(have, e->o.expires);
}
