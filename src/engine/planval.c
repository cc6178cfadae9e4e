/* The plan as a value (engine.h's struct plan): action names, adding a
 * change, whether anything changes, freeing. Plain data, no engine. */
#include "util/common.h"
#include "engine/planval.h"

const char *plan_action_name(enum plan_action a)
{
	switch (a) {
	case PA_NOOP: return "no-op";
	case PA_CREATE: return "create";
	case PA_UPDATE: return "update";
	case PA_REPLACE: return "replace";
	case PA_DELETE: return "delete";
	case PA_FORGET: return "forget";
	}
	return "?";
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		struct plan_change *c = &p->v[i];
		free(c->address);
		free(c->type);
		json_decref(c->before);
		json_decref(c->after);
		free(c->reason);
		strvec_clear(&c->changed);
		strvec_clear(&c->replace_paths);
		strvec_clear(&c->unknown);
		free(c->id);
		free(c->note);
	}
	free(p->v);
	for (size_t i = 0; i < p->ndrift; i++) {
		free(p->drift[i].address);
		free(p->drift[i].type);
		free(p->drift[i].what);
		json_decref(p->drift[i].before);
		json_decref(p->drift[i].after);
	}
	free(p->drift);
	strvec_clear(&p->notes);
	strvec_clear(&p->repos);
	strvec_clear(&p->side_effects);
	free(p->stack);
	free(p);
}

bool plan_has_changes(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].action != PA_NOOP && !p->v[i].excluded)
			return true;
	return p->ndrift > 0 || p->nrepos_changing > 0 || p->nretag > 0;
}

struct plan_change *engine_plan_add(struct plan *p, const char *address, const char *type,
				    enum plan_action a)
{
	ALLOC_GROW(p->v, p->n + 1, p->alloc);
	struct plan_change *c = &p->v[p->n++];
	memset(c, 0, sizeof(*c));
	c->address = xstrdup(address);
	c->type = xstrdup(type);
	c->action = a;
	c->spec_index = -1;
	strvec_init(&c->changed);
	strvec_init(&c->replace_paths);
	strvec_init(&c->unknown);
	return c;
}
