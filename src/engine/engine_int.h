/* The engine's private state and its core, which every phase uses:
 * engine.c (setup, scope, account), live.c (the live index), mask.c
 * (sensitive values). The phases above it have
 * headers of their own, and each file includes the headers of what it
 * calls, never of what calls it:
 *   resolve.h  resolve.c   the resolver, spec addresses for untaggable ones
 *   data.h     data.c      data entries (plan reads them)
 *   planval.h  planval.c   the plan as a value
 *   plan_int.h targets.c, removals.c, refresh.c's detail rule
 *   adopt.h    adopt.c     plan's name checks, apply's adoptions
 *   sidefx.h   sidefx.c    side effects (plan lists, runs delete)
 *   ops.h      ops.c       one operation on one instance
 *   run_int.h  run.c       walking a plan (apply.c, destroy.c) */
#ifndef BERTH_ENGINE_INT_H
#define BERTH_ENGINE_INT_H

#include <pthread.h>

#include "engine/engine.h"
#include "engine/statefile.h"
#include "resources/resource.h"
#include "spec/spec.h"

/* Side effects (sidefx.c): the log groups that instances a run removed
 * declared, decided on at the end of the run. Under engine.lock.
 * Initialised and released with the engine (engine.c). */
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
/* live.c: whether apply must set the run's berth:expires on this live
 * instance. */
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


/* The properties of a resource type that must never be shown or stored, as
 * statefile_sensitive_fn wants them. */
const char *const *engine_sensitive_pointers(void *ctx, const char *type);


/* sha256 of text as 64 hex digits. */
void engine_sha256_hex(const char *text, size_t len, char out[65]);

/* Whether v is, or holds at any depth, a "(sensitive)" mask. */
bool engine_is_masked(const json_t *v);
/* Masks every sensitive value in props (a copy) for display: properties the
 * schema flags, or everything when `all` (tags keep their keys). */
json_t *engine_mask(const char *type, json_t *props, bool all);



#endif
