/* The engine's private state, shared by its files: engine.c (setup,
 * scope), live.c, mask.c, refresh.c, resolve.c, data.c, plan.c (with
 * targets.c, removals.c, adopt.c, sidefx.c), outputs.c, planjson.c; the
 * write side (ops.c, run.c, apply.c, destroy.c) adds ops.h and run_int.h. */
#ifndef BERTH_ENGINE_INT_H
#define BERTH_ENGINE_INT_H

#include <pthread.h>

#include "engine/engine.h"
#include "engine/statefile.h"
#include "resources/resource.h"
#include "spec/spec.h"

/* Side effects (sidefx.c): the log groups that instances a run removed
 * declared, decided on at the end of the run. Under engine.lock. */
struct sidefx {
	struct strvec groups;  /* candidate group names */
	struct strvec causes;  /* parallel: the address that declared each */
	json_t *cause_ms;      /* parallel: when that instance came to be (ms
				* since the epoch, 0 unknown), as integers */
	json_t *removed;       /* {"TYPE\x1fID": true}: instances the run removed */
};
void sidefx_init(struct sidefx *fx);
void sidefx_release(struct sidefx *fx);

struct engine {
	struct engine_opts o;
	const struct spec *spec;
	char *stack;
	struct rt_calls calls;
	struct rt_ctx rt;            /* the base context (no waiting hook) */
	const struct rtype **types;  /* in scope, parents before children */
	size_t ntypes;
	struct live_set *live;       /* per type, parallel to types */
	bool refreshed;
	struct statefile state;      /* the cache (empty when there was none) */
	char *account;               /* from STS, or NULL */
	char *partition;             /* from STS's ARN ("aws"), or NULL */
	bool account_read;           /* STS has answered */
	json_t *data;                /* {"data.x": {attr: value}} */
	/* Values the resolver gives: {"address": {"id": s, "props": {...}}}.
	 * Written by plan (live values of resources not replaced) and by apply
	 * workers (what they created), under `lock`. */
	pthread_mutex_t lock;
	json_t *known;
	/* Instances apply made with create_known and did not read back:
	 * {type_name: {id: true}}, under `lock`, until a listing shows them
	 * (engine_apply waits for that once, per type, at its end). */
	json_t *unlisted;
	struct sidefx fx;            /* this run's side-effect candidates */
	/* Set by the first operation AWS refused for expired credentials: every
	 * later operation would meet the same answer, so none is started. */
	atomic_bool creds_expired;
	/* Live instances by "TYPE\x1fA:ADDRESS" and "TYPE\x1fI:ID" -> type
	 * index << 32 | instance index, so lookups stay O(1) at 50,000
	 * resources. Built by refresh; engine_index_live adds to it. */
	json_t *live_index;
	/* For every graph node: the resource index or -1, the data index or -1. */
	long *node_res, *node_data;
	/* Sensitive property pointers per type, built on demand (main thread). */
	struct sens_list { char *type; struct strvec ptrs; } *sens;
	size_t nsens, sens_alloc;
};

/* The type of that name in the registry the engine was given, or NULL. */
static inline const struct rtype *engine_rtype(const struct engine *e, const char *type_name)
{
	return rtype_registry_find(e->o.types, type_name);
}

/* The type index of `rt` in e->types, or -1. */
long engine_type_index(const struct engine *e, const char *type_name);
/* The live instance for an address, or NULL. */
struct live_resource *engine_find_live(struct engine *e, const char *type_name,
				       const char *address);
/* The live instance of a type with this physical id, or NULL. */
struct live_resource *engine_find_live_id(struct engine *e, const char *type_name, const char *id);
/* When several live instances of a type carry r's address, the one berth
 * keeps (r being a duplicate), with why it is kept; else NULL. */
const struct live_resource *engine_duplicate_of(struct engine *e, const struct live_resource *r,
						const char **why);
bool engine_duplicate_of_quiet(struct engine *e, const struct live_resource *r);
/* Whether apply must set the run's berth:expires on this live instance. */
bool engine_needs_retag(struct engine *e, const struct live_resource *r);
/* (Re-)indexes instance i of type index t (after its address or id is set). */
void engine_index_live(struct engine *e, size_t t, size_t i);
/* engine.c: asks the registry who the credentials are, once (e->account,
 * e->partition); and widens the scope of a refresh to the types the
 * stack's tagging listing holds (*tagged_out: that listing). */
int engine_read_account(struct engine *e, struct diags *d);
int engine_widen_scope(struct engine *e, json_t **tagged_out, struct diags *d);
/* live.c: points each address at the instance berth keeps when several
 * carry it (after the index is built). */
void engine_index_keepers(struct engine *e);
/* refresh.c: whether a plan needs rt's detail properties for an instance
 * (the spec or the last apply set one). */
bool engine_needs_detail(const struct rtype *rt, json_t *desired, json_t *applied);
/* resolve.c: the untaggable live instance a spec address names: by the id
 * the cache recorded for it, else by identity properties; or NULL. */
struct live_resource *engine_match_untagged(struct engine *e, const struct rtype *rt,
					    const char *address, json_t *desired);
/* plan.c: appends a change (zeroed, spec_index -1). */
struct plan_change *engine_plan_add(struct plan *p, const char *address, const char *type,
				    enum plan_action a);
/* targets.c: marks what --target / --exclude leave out (c->excluded), with
 * notes for what they bring along; BERTH_EINVAL for an unknown address. */
int engine_plan_targets(struct engine *e, struct plan *p, struct diags *d);
/* removals.c: the live instances the spec no longer names (every one
 * when destroy_all), and duplicates, as deletions or releases; drift
 * against the state cache for --refresh-only. */
void engine_plan_removals(struct engine *e, struct plan *p, bool destroy_all);
void engine_plan_drift(struct engine *e, struct plan *p);

/* The resolver over e->known, e->data and e->account. */
void engine_resolver(struct engine *e, struct spec_resolver *r);
/* Sets e->known[address] (copies). */
void engine_set_known(struct engine *e, const char *address, const char *id, json_t *props);
void engine_forget_known(struct engine *e, const char *address);

/* The properties of a resource type that must never be shown or stored, as
 * statefile_sensitive_fn wants them. */
const char *const *engine_sensitive_pointers(void *ctx, const char *type);

/* Evaluates the spec's data entries into e->data (data.c). */
int engine_read_data(struct engine *e, struct diags *d);

/* sha256 of text as 64 hex digits. */
void engine_sha256_hex(const char *text, size_t len, char out[65]);

/* Whether v is, or holds at any depth, a "(sensitive)" mask. */
bool engine_is_masked(const json_t *v);
/* Masks every sensitive value in props (a copy) for display: properties the
 * schema flags, or everything when `all` (tags keep their keys). */
json_t *engine_mask(const char *type, json_t *props, bool all);

/* Side effects (sidefx.c). The groups r declares (reading its details
 * first when needed), to note before removing it; then, once it is gone,
 * sidefx_removed records it and them as candidates (thread-safe). */
int sidefx_declared(const struct rt_ctx *rt, const struct rtype *type, struct live_resource *r,
		    struct strvec *out, struct diags *d);
void sidefx_removed(struct engine *e, const struct rtype *type, const struct live_resource *cur,
		    const struct strvec *groups, const char *cause, long long cause_ms);
/* When r came to be, for sidefx_judge: its own time
 * (type->side_effects_since, else r->created_ms), else the state cache's
 * time for it (stamped once berth had recorded it: later than the truth,
 * so it can only keep a group too many). 0 when neither is known. Read
 * before r goes (its cache entry goes with it). */
long long sidefx_cause_time(struct engine *e, const struct rt_ctx *rt, const struct rtype *type,
			    const struct live_resource *r);
/* Whether a side-effect group may go: a group made more than
 * SIDEFX_SKEW_MS before its cause (created_ms, or the state cache's time)
 * cannot be AWS's doing for it: someone else's, or an earlier instance's of
 * the same name, and nothing the user owns is lost unasked. group_ms 0: the
 * group is not there (deleting it costs nothing); cause_ms 0: unknown. */
#define SIDEFX_SKEW_MS (5LL * 60 * 1000)
enum sidefx_verdict { SFX_DELETE, SFX_KEEP_OLDER, SFX_KEEP_UNKNOWN };
enum sidefx_verdict sidefx_judge(long long group_ms, long long cause_ms);
/* adopt.c. After the diff: for each planned create of a type named by the
 * spec, whether AWS has an instance of that name already; one no stack owns
 * becomes an adoption when the resource says adopt: true, and is otherwise
 * an error naming `berth import` and adopt, as is one another stack owns. */
int engine_plan_names(struct engine *e, struct plan *p, struct diags *d);
/* Apply's first step of an adoption: reads c->id, checks that no other
 * stack took it since the plan, tags it; *out is the instance as tagged. */
int engine_adopt(struct engine *e, const struct rt_ctx *rt, const struct plan_change *c,
		 struct live_resource *out, struct diags *d);
/* ops.c: the tags an instance should carry (the spec's Tags in `desired`,
 * which may be NULL, plus berth's), and setting them on one. */
json_t *engine_wanted_tags(struct engine *e, const char *address, json_t *desired, bool retain);
int engine_set_tags(const struct rt_ctx *rt, const struct rtype *type,
		    const struct live_resource *cur, json_t *add, json_t *remove_keys,
		    struct diags *d);

/* Lists in p->side_effects the groups the plan's removals would delete. */
void engine_plan_side_effects(struct engine *e, struct plan *p, struct diags *d);
/* At the end of a run: deletes the candidates no remaining or desired
 * instance declares; a failure is a failed result of its own in out. */
int engine_remove_side_effects(struct engine *e, struct run_result *out, struct diags *d);

#endif
