/* The resource type interface: one vtable per AWS type, one file per type
 * under resources/, registered in one sorted table (registry.c).
 *
 * The split (STYLE.md 6, 7): a type file knows its API — which calls list,
 * create, change and delete it, and how the API's answers map to the
 * CloudFormation property form the spec uses. Everything generic lives in the
 * engine and is driven by the schema (schema/schema.h): which properties force
 * a replacement, which are write-only or sensitive, how values compare
 * (sets, JSON documents, numbers given as strings), tags, identity, retries,
 * waits, ordering, plans. A type file never prints.
 *
 * Identity (DESIGN.md §4): every instance berth creates carries the tags
 * berth:stack=STACK and berth:id=ADDRESS. read_all finds a stack's instances
 * by those tags; types that cannot be tagged set `parent_type` and
 * `identity`, and are found through their parent's instances and matched to
 * spec addresses by their identity properties.
 *
 * Threads: every callback may run concurrently with any other (apply runs
 * operations in parallel); they share only the thread-safe AWS client and
 * the call counter, and report through their own `struct diags`. */
#ifndef BERTH_RESOURCES_RESOURCE_H
#define BERTH_RESOURCES_RESOURCE_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "util/diag.h"
#include "util/strvec.h"

struct aws_client;
struct schema_resource;

/* The tags berth puts on everything it creates. */
#define TAG_STACK "berth:stack"
#define TAG_ID "berth:id"
#define TAG_RETAIN "berth:retain"
/* `expires:` / --expires: when `berth reap --expired` may remove the stack
 * (RFC 3339 UTC), and who set it (or, without one, who created the
 * resource); on every resource of the stack. */
#define TAG_EXPIRES "berth:expires"
#define TAG_OWNER "berth:owner"
/* When berth created the instance (ISO-8601 UTC, berth's clock): set once
 * by the engine's create on every taggable type, never changed or removed by
 * tag updates. `berth reap --older-than` ages stacks by it; engine/sidefx.c
 * reads it for types whose API gives no creation time (ECS clusters). */
#define TAG_CREATED "berth:created"

/* One live instance, as read from AWS. Owned by a live_set. */
struct live_resource {
	const char *type;  /* the rtype's type_name (static) */
	char *address;     /* from the berth:id tag; NULL for an untaggable
			    * instance not matched to the spec yet */
	char *id;          /* physical id: the value of the primary identifier */
	char *arn;         /* for tagging and the sweep; NULL when none */
	json_t *props;     /* CloudFormation form: writable properties AWS
			    * returned, read-only attributes, and Tags (a list of
			    * {Key, Value}, sorted, without berth: and aws: tags) */
	json_t *tags;      /* every tag as {K: V}, berth:* included; may be NULL
			    * for untaggable types */
	bool retain;       /* tagged berth:retain=true */
	bool detailed;     /* read_detail has run (or the type has none) */
	char *note;        /* a state worth showing that is not drift, in words
			    * that stand alone in the plan ("pending
			    * confirmation: ..."), or NULL */
	char *parent_id;   /* untaggable types: the parent instance's id */
	char *replace_reason; /* the instance cannot be updated at all (a stack
			       * in ROLLBACK_COMPLETE): plan replaces it, saying
			       * this, or NULL */
	long long created_ms; /* when it came to be, ms since the epoch: AWS's
			       * time (registeredAt, CreationTime) or berth's
			       * TAG_CREATED; 0 when unknown. Read by side
			       * effects (engine/sidefx.c) only. */
	char *repair_reason; /* the instance must be brought back to a state
			      * that takes updates before any change (a stack
			      * in UPDATE_ROLLBACK_FAILED): plan updates it,
			      * saying this, even when nothing differs, and
			      * apply calls the type's update (with the changed
			      * properties, maybe none), or NULL */
	char *last_failure; /* why the instance's last change failed, when it
			     * is still the one to make (a stack in
			     * UPDATE_ROLLBACK_COMPLETE): the reason of a plan
			     * that updates it; never forces a change. NULL
			     * when none or not read */
};

struct live_set {
	struct live_resource *v;
	size_t n, alloc;
};
#define LIVE_SET_INIT { NULL, 0, 0 }

/* Appends a zeroed instance of `type` and returns it (valid until the next
 * add). */
struct live_resource *live_set_add(struct live_set *s, const char *type);
void live_resource_release(struct live_resource *r);
void live_resource_copy(struct live_resource *dst, const struct live_resource *src);
void live_set_release(struct live_set *s);

/* AWS calls made, per "service:Operation": refresh shows them with -v and
 * the tests check that plan's cost grows with types and pages. */
struct rt_calls {
	pthread_mutex_t lock;
	json_t *by_op; /* {"logs:DescribeLogGroups": 3} */
	long total;
};
void rt_calls_init(struct rt_calls *c);
void rt_calls_release(struct rt_calls *c);

/* Objects the types read in one refresh share: a Grafana workspace's
 * API-key session serves both its data sources and its dashboards, so a
 * refresh makes one key per workspace, not one per type. Owned by the engine
 * for the length of a refresh; every object is closed when it ends. */
struct rt_shared_entry {
	char *key;
	void *obj;
	void (*close)(void *obj, struct diags *d);
	pthread_mutex_t use; /* held by the one callback using obj */
};
struct rt_shared {
	pthread_mutex_t lock;
	struct rt_shared_entry **v;
	size_t n, alloc;
};
void rt_shared_init(struct rt_shared *s);
/* Closes every object (their warnings into d) and frees the entries. */
void rt_shared_release(struct rt_shared *s, struct diags *d);

/* What every callback gets. */
struct rt_ctx {
	struct aws_client *aws;
	const char *stack;
	struct rt_calls *calls;     /* may be NULL */
	const atomic_int *cancel;   /* may be NULL: waits stop early when set */
	/* Optional: a wait starts (its first look said "not yet"): what it
	 * waits for, for progress ("available"), and its budget in ms. */
	void (*waiting)(void *ctx, const char *what, long budget_ms);
	void *waiting_ctx;
	/* Set during a refresh only (NULL otherwise): see rt_shared_get. */
	struct rt_shared *shared;
	/* Set during a refresh only, when the engine has just listed the
	 * whole stack through the tagging API (to learn which types it
	 * holds): that listing, which rt_tagged_resources filters by type
	 * instead of asking again. Read-only; NULL otherwise. */
	json_t *stack_tagged;
	/* The account and partition ("aws", "aws-cn") berth works in, from
	 * STS, or NULL when not read: types that build an ARN instead of
	 * reading it back (create_known) need them. */
	const char *account, *partition;
	/* --wait-timeout (or BERTH_WAIT_TIMEOUT) in ms: replaces the budget
	 * of every wait (rt_poll); 0: each wait keeps its own, which follows
	 * AWS's waiters. */
	long wait_timeout_ms;
	/* Optional, with waiting_ctx: a wait that `waiting` announced ended
	 * after elapsed_ms, with err (0: what it waited for came). */
	void (*waited)(void *ctx, const char *what, long elapsed_ms, int err);
};

/* The object c->shared holds under key, opened with open(arg, &obj, d) on
 * first use and closed with close() when the refresh ends; returned in
 * *out for this caller alone until rt_shared_put(c, key). Requires
 * c->shared. An open failure is returned and nothing is kept. */
int rt_shared_get(const struct rt_ctx *c, const char *key,
		  int (*open)(void *arg, void **obj, struct diags *d), void *arg,
		  void (*close)(void *obj, struct diags *d), void **out, struct diags *d);
void rt_shared_put(const struct rt_ctx *c, const char *key);

/* aws_call / aws_call_all through the counter. */
int rt_call(const struct rt_ctx *c, const char *service, const char *op, json_t *params,
	    json_t **out, struct diags *d);
int rt_call_all(const struct rt_ctx *c, const char *service, const char *op, json_t *params,
		const char *result_key, json_t **items, struct diags *d);

/* The one positive result beside berth's error convention (STYLE.md 3: 0
 * or a negative code). rt_call_expect and rt_call_all_expect return it when
 * AWS answered with one of the error codes the caller expected (a
 * describe's "not found", a create's "already exists"): an answer, not a
 * failure, so no diagnostic is added. A type file's helper that passes it
 * on says so at its definition; it never leaves a type's vtable callbacks,
 * which return 0 or a negative code. */
enum { RT_EXPECTED = 1 };

/* rt_call, except that an AWS error whose code is one of `codes`
 * (NULL-terminated) is expected: returns RT_EXPECTED with no diagnostic, and
 * copies the code to `code` (may be NULL, 64 bytes) so the caller can tell
 * which. */
int rt_call_expect(const struct rt_ctx *c, const char *service, const char *op, json_t *params,
		   json_t **out, const char *const *codes, char *code, struct diags *d);

/* rt_call_all where an AWS error whose code is one of `codes` is expected
 * (on any page): returns RT_EXPECTED with no diagnostic and no items. Operations
 * without a known pager get one page. */
int rt_call_all_expect(const struct rt_ctx *c, const char *service, const char *op,
		       json_t *params, const char *result_key, const char *const *codes,
		       json_t **items, struct diags *d);

/* The Resource Groups Tagging API's view of this stack: every resource
 * tagged berth:stack=c->stack, optionally only of `type_filter`
 * ("logs:log-group", "sns"; NULL: every type). *out: array of
 * {"ResourceARN", "Tags": [...]}. With c->stack_tagged, filtered from it
 * with no call. */
int rt_tagged_resources(const struct rt_ctx *c, const char *type_filter, json_t **out,
			struct diags *d);
/* The ARN of the instance of `type_filter` tagged with this stack and
 * `address`, or *arn_out = NULL when there is none: the find-before-create
 * of types whose create call has no usable idempotency token. */
int rt_find_tagged(const struct rt_ctx *c, const char *type_filter, const char *address,
		   char **arn_out, struct diags *d);
/* Whether tags ({K: V} or [{Key, Value}], borrowed) say berth:stack is
 * c->stack and, when address is not NULL, berth:id is that address. What
 * a listing filtered by these tags answers is checked with this before
 * berth believes it (a server may ignore a filter). */
bool rt_tags_ours(const struct rt_ctx *c, json_t *tags, const char *address);
/* Removes from s every instance whose tags are not this stack's (the
 * engine calls it after a taggable type's read_all); returns how many. */
size_t rt_keep_stack(const struct rt_ctx *c, struct live_set *s);
/* [{Key, Value}] -> {K: V}, and {K: V} -> [{Key, Value}] sorted (new refs). */
json_t *rt_tags_to_map(json_t *list);
json_t *rt_tags_to_list(json_t *map, bool user_only);
/* Addresses as tag values. AWS tag values allow only letters, digits,
 * spaces and _ . : / = + - @ (Logs enforces it), and addresses hold [ ] and
 * quotes (`mail["a@x.com"]`), so other bytes are written =XX (hex), and '='
 * itself as =3D: `extra[0]` is tagged `extra=5B0=5D`. Reversible, so the
 * address is read back from the tag alone. New strings. */
char *rt_tag_encode(const char *address);
char *rt_tag_decode(const char *value);

/* Fills r->tags (steals map), r->address and r->retain from the berth tags,
 * and props["Tags"] from the user tags. */
void rt_apply_tags(struct live_resource *r, json_t *map);

/* Polls `probe` until it returns 0 (done) or a negative error, for at most
 * `timeout_ms`; probe returns 1 for "not yet". Looks again after
 * rt_poll_interval: fast at first (RT_POLL_FIRST_MS), then every
 * 1/RT_POLL_FRACTION of the time waited so far, at most `max_interval_ms`
 * (AWS's waiter delay for the kind). BERTH_ETIMEOUT with a diagnostic
 * naming `what` when the time runs out, BERTH_ECANCELED when the cancel
 * flag is set. c->waiting and c->waited hear of a wait that did not end at
 * the first look. */
#define RT_POLL_FIRST_MS 100
#define RT_POLL_FRACTION 20
long rt_poll_interval(long elapsed_ms, long max_interval_ms);
int rt_poll(const struct rt_ctx *c, const char *what, long timeout_ms, long max_interval_ms,
	    int (*probe)(void *ctx, struct diags *d), void *probe_ctx, struct diags *d);

/* Reads a resource AWS has just said exists (a create answered "already
 * exists": a retry after a crash, or a second apply right after the first)
 * but that reads may not show yet, since AWS's reads lag its writes. Polls
 * read_one while it answers BERTH_ENOTFOUND, for at most a minute, instead
 * of failing the apply or, worse, concluding the thing is gone. */
#define RT_VISIBILITY_TIMEOUT_MS 60000
int rt_read_existing(const struct rt_ctx *c, const char *what,
		     int (*read_one)(const struct rt_ctx *c, const char *id,
				     struct live_resource *out, struct diags *d),
		     const char *id, struct live_resource *out, struct diags *d);

/* A deterministic name for a resource whose spec gives none: STACK-ADDRESS
 * with characters outside [A-Za-z0-9_-] turned into '-', at most `max`
 * bytes (a hash suffix keeps long names unique). Deterministic so that a
 * create retried after a crash finds what the first attempt made. */
char *rt_default_name(const char *stack, const char *address, size_t max);

/* Property helpers for type files: the string / integer / boolean value of
 * props[name] with CloudFormation's leniency (8080 for "8080", "true" for
 * true). NULL / false when absent. */
const char *rt_str(json_t *props, const char *name, char tmp[64]);
bool rt_bool(json_t *props, const char *name, bool dflt);
/* The value as the string an attribute API wants ({...} as compact JSON);
 * caller frees; NULL for null/absent. */
char *rt_attr_string(json_t *v);

struct rtype {
	const char *type_name;     /* "AWS::Logs::LogGroup" */
	/* Taggable types: the tagging API's ResourceTypeFilters entry
	 * ("logs:log-group", "sns") and the ARN prefix after
	 * "arn:PARTITION:" that marks this type's ARNs ("logs:", "sns:"); the
	 * sweep uses them to hand a tagged ARN to its type. */
	const char *tag_filter;
	int (*owns_arn)(const char *arn);
	/* Untaggable types: the type whose instances own them, and the
	 * properties that identify an instance within the stack. */
	const char *parent_type;
	const char *const *identity;
	/* Properties only read_detail returns (NULL-terminated); the engine
	 * calls read_detail only for instances whose spec (or last applied
	 * values) set one of them, so an unchanged plan costs no call per
	 * resource. NULL when read_all returns everything. */
	const char *const *detail_props;
	/* Optional, with detail_props: attributes read_all returns that change
	 * whenever a detail property may have (a stack's StackId, CreationTime,
	 * LastUpdateTime). While they equal what the state cache recorded at
	 * the last apply and the spec's detail values equal the applied ones,
	 * the engine takes the applied values as the live ones and skips
	 * read_detail: an unchanged template costs no GetTemplate. */
	const char *const *detail_stamp;
	/* Untaggable types whose reading is costly (Grafana's data sources and
	 * dashboards need an API key per workspace): they join a refresh only
	 * when the spec declares the type or the state cache records an
	 * instance of it, not merely because their parent type is in scope. */
	bool refresh_when_used;

	/* Every live instance of this stack. Taggable types: tagged
	 * berth:stack=c->stack. Untaggable: every instance under `parents`
	 * (the stack's instances of parent_type), address NULL. */
	int (*read_all)(const struct rt_ctx *c, const struct live_set *parents,
			struct live_set *out, struct diags *d);
	/* One instance by physical id: 0 and *out filled (detail included), or
	 * BERTH_ENOTFOUND (no diagnostic) when it does not exist. */
	int (*read_one)(const struct rt_ctx *c, const char *id, struct live_resource *out,
			struct diags *d);
	/* Optional, for types named by the spec (schema_given_name): the
	 * instances among ids[0..n) that exist, each with its tags, in as few
	 * calls as the API allows. ids are the names, or with name_id the ids
	 * it derives; a type whose id AWS picks (a target group's ARN) finds
	 * them by name and each answer carries the name property. Plan asks it
	 * before promising creates (engine/adopt.c); NULL: read_one for each,
	 * which then must accept the name (a stack's DescribeStacks does). */
	int (*read_named)(const struct rt_ctx *c, const char *const *ids, size_t n,
			  struct live_set *out, struct diags *d);
	/* Optional, for types whose id AWS derives from the name the spec
	 * gives (schema_given_name; a topic's ARN): that id, a new string, or
	 * NULL when it cannot be built (account not known). Plan then asks
	 * read_one for it before promising the create. */
	char *(*name_id)(const struct rt_ctx *c, const char *name);
	/* Optional: adds the detail_props to r. */
	int (*read_detail)(const struct rt_ctx *c, struct live_resource *r, struct diags *d);
	/* Fills what AWS would choose when the spec leaves it out and berth
	 * must decide before creating (a deterministic name). Optional. */
	void (*normalise)(const char *stack, const char *address, json_t *desired);
	/* Creates an instance with `props` (fully known, CloudFormation form)
	 * and `tags` ({K: V}, berth's included; NULL for untaggable types).
	 * Must be idempotent: when the instance exists already (a crash after
	 * the create call, a retry), it returns that one's id, or an error if
	 * it exists but is not this stack's. *id_out: new string. */
	int (*create)(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		      char **id_out, struct diags *d);
	/* Optional, for types whose create is synchronous and whose answer is
	 * final: `create`, that also fills *live (zeroed on entry) with the new
	 * instance exactly as a refresh would read it (props, tags, id, arn),
	 * from the request, AWS's answer and c->account/c->partition alone, so
	 * that the engine does not read it back: that read-back is a call or
	 * two per resource, the largest part of an apply's cost. It leaves
	 * live->type NULL when it cannot say (an instance that existed already
	 * was adopted; an attribute AWS may rewrite), and the engine reads the
	 * instance back as for types without this. */
	int (*create_known)(const struct rt_ctx *c, const char *address, json_t *props,
			    json_t *tags, char **id_out, struct live_resource *live,
			    struct diags *d);
	/* Changes in place the properties named in `changed` (top-level names,
	 * never create-only ones, never Tags) to their values in `desired`
	 * (absent: back to AWS's default). NULL when every change replaces. */
	int (*update)(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		      const char *const *changed, size_t nchanged, struct diags *d);
	/* Optional: sets and removes tags. NULL: the tagging API on cur->arn. */
	int (*set_tags)(const struct rt_ctx *c, const struct live_resource *cur, json_t *add,
			json_t *remove_keys, struct diags *d);
	/* Deletes; an instance already gone is success. */
	int (*remove)(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d);
	/* `remove` returns once the instance is gone (the delete call is
	 * synchronous, as DeleteLogGroup and DeleteTopic are): destroy then
	 * confirms such deletions once per type, with the final sweep's
	 * listing, rather than reading each instance again until it is gone.
	 * Replacements and apply's removals still confirm each one. */
	bool delete_sync;
	/* Untaggable types: deleting the parent deletes the instance too (a
	 * topic its subscriptions). In a destroy that deletes the parent as
	 * well, the instance is still deleted first, but its deletion is
	 * confirmed by the parent's rather than by reading it again. */
	bool gone_with_parent;
	/* Optional waits; NULL: poll read_one until it finds the instance /
	 * until BERTH_ENOTFOUND. */
	int (*wait_ready)(const struct rt_ctx *c, const char *id, struct diags *d);
	int (*wait_gone)(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d);

	/* Optional, for taggable types whose read_all returns only usable
	 * instances while AWS keeps others, tagged, in some other status (ECS
	 * task definitions deregistered but not deleted). The sweep calls it
	 * for every ARN still tagged with the stack that read_all did not
	 * return: it finishes removing the instance if it can, then answers 0
	 * when it is gone or in a status AWS documents as on its way out, 1
	 * with *left (a new string: its status and why it stays), or a
	 * negative code. Without it, the sweep trusts read_all. */
	int (*sweep_leftover)(const struct rt_ctx *c, const char *arn, char **left,
			      struct diags *d);

	/* Optional: refuses desired properties AWS would refuse (Fargate
	 * sizes), so that plan says so rather than apply halfway. Values not
	 * known yet (value_is_unknown) must pass. 0 or BERTH_EINVAL with
	 * diagnostics. */
	int (*check)(json_t *desired, struct diags *d);
	/* Replacing an instance registers the new one first and removes the
	 * old one only after the forward walk, once its dependents moved to
	 * the new one (ECS task definition revisions), as if every resource
	 * of the type said create_before_destroy. */
	bool create_before_destroy;
	/* read_all lists instances that are not necessarily the stack's
	 * (account-wide, untaggable: service-linked roles), matched to the
	 * spec by `identity`: the ones the spec does not name are left alone,
	 * never planned for removal. */
	bool unowned_listing;
	/* Optional: what AWS creates on the instance's behalf and nobody
	 * deletes (a cluster's Container Insights log group, the groups an
	 * awslogs driver creates). Pushes the names of such CloudWatch Logs
	 * groups to `log_groups`, for a live instance (id and props) or a
	 * desired one (id NULL; props may hold unknowns, which declare
	 * nothing). The engine deletes a group at the end of a run that removed
	 * an instance declaring it, unless an instance that stays or a desired
	 * one still declares it, or an AWS::Logs::LogGroup manages the name
	 * (engine/sidefx.c). Types with read_detail get detailed props. */
	void (*side_effects)(const char *id, json_t *props, struct strvec *log_groups);
	/* Optional, with side_effects: when AWS may have begun making those
	 * groups for cur (ms since the epoch, 0 unknown), when that is earlier
	 * than cur->created_ms: a task definition's groups are its family's,
	 * made for its first revision. Called once per removed instance that
	 * declares a group; an error means "not known" (0). */
	long long (*side_effects_since)(const struct rt_ctx *c, const struct live_resource *cur,
					struct diags *d);
	/* Optional, with update: whether `update` changes the top-level
	 * property `prop` in place (never asked of create-only properties
	 * or Tags). The one source of truth for the plan: a changed property
	 * it says no to makes the change a replacement ("berth cannot change
	 * PROP in place"), so that apply does exactly what plan showed and
	 * update's own "cannot change in place" refusal stays a guard that
	 * planned changes never reach. Derived from the update code's own
	 * data (a description's update_op, a hand-written update's list).
	 * NULL: update changes every property the schema lets change. */
	bool (*updates)(const char *prop);

	/* Appended for children of parents outside the stack (engine/outside.c).
	 * Untaggable types: the property holding the parent instance's id (a
	 * route's RouteTableId). With it, refresh reads by the cached id a
	 * child whose parent is not the stack's (a route table passed in by
	 * --var), which no listing under the stack's parents can show. */
	const char *parent_prop;
	/* Optional, with parent_prop: the instance that connects exactly what
	 * `desired` connects (its identity, parent_prop and every other member
	 * of the create request, all known; a route's target may differ), for
	 * a child the state cache has no record of. 0 and *out filled, or
	 * BERTH_ENOTFOUND (no diagnostic). */
	int (*read_identity)(const struct rt_ctx *c, json_t *desired, struct live_resource *out,
			     struct diags *d);
	/* Optional, with updates: whether update can take the top-level
	 * property `prop` back out (the spec dropped it) when it can change
	 * it. False for a member UpdateWorkspace takes but cannot clear (a
	 * workspace's RoleArn): plan then replaces, as for `updates`. NULL:
	 * whatever update changes, it can also remove. */
	bool (*removes)(const char *prop);
};

/* A set of resource types, as the engine is given it (engine_opts.types):
 * the caller builds it, so that the engine knows no type by name. berth's
 * own is rtype_registry_aws(); the engine's unit tests pass fake in-memory
 * types (tests/unit/fake_cloud.c). It also answers the two stack-wide
 * questions that belong to no one type, so that an engine given fake types
 * calls no AWS at all. */
struct rtype_registry {
	const struct rtype *const *v; /* sorted by type_name */
	size_t n;
	/* Every resource tagged berth:stack=c->stack, as rt_tagged_resources
	 * answers with no type filter: [{"ResourceARN", "Tags"}] (*out, a new
	 * reference). Refresh widens its scope with it; the sweep reads it. */
	int (*stack_tagged)(const struct rt_ctx *c, json_t **out, struct diags *d);
	/* Who the credentials are, as STS GetCallerIdentity answers:
	 * {"Account", "Arn", ...} (*out, a new reference). */
	int (*caller)(const struct rt_ctx *c, json_t **out, struct diags *d);
	/* Reads a data entry of kind `kind` (schema/datasource.h) as
	 * resources/datasource.h's data_read answers: the engine's data
	 * phase (engine/data.c) reads through it, and only through it. */
	int (*data_read)(const struct rt_ctx *c, const char *kind, json_t *args, json_t **out,
			 struct diags *d);
	/* The CloudWatch Logs groups engine/sidefx.c deletes for removed
	 * instances (rtype.side_effects). log_group_created: when group `name`
	 * was made, in ms since the epoch, into *ms: 0 when there is no such
	 * group, -1 when the answer does not say. log_group_delete: 0 when it
	 * is deleted or was gone already. */
	int (*log_group_created)(const struct rt_ctx *c, const char *name, long long *ms,
				 struct diags *d);
	int (*log_group_delete)(const struct rt_ctx *c, const char *name, struct diags *d);
};

/* The type of that name in r, or NULL (binary search). */
const struct rtype *rtype_registry_find(const struct rtype_registry *r, const char *type_name);
/* The type in r whose owns_arn accepts arn, or NULL. */
const struct rtype *rtype_registry_for_arn(const struct rtype_registry *r, const char *arn);

/* berth's registry (registry.c): every type below, on AWS. Static. */
const struct rtype_registry *rtype_registry_aws(void);
/* Lookups in rtype_registry_aws(), for what is not given a registry (the
 * spec checker's normalise, tests). */
const struct rtype *rtype_find(const char *type_name);
const struct rtype *const *rtype_all(size_t *n);
/* The type whose owns_arn accepts arn, or NULL. */
const struct rtype *rtype_for_arn(const char *arn);

/* The type files' vtables. */
extern const struct rtype rtype_aps_workspace;
extern const struct rtype rtype_cloudformation_stack;
extern const struct rtype rtype_cloudwatch_alarm;
extern const struct rtype rtype_ec2_eip;
extern const struct rtype rtype_ec2_instance;
extern const struct rtype rtype_ec2_internetgateway;
extern const struct rtype rtype_ec2_natgateway;
extern const struct rtype rtype_ec2_route;
extern const struct rtype rtype_ec2_routetable;
extern const struct rtype rtype_ec2_securitygroup;
extern const struct rtype rtype_ec2_securitygroupingress;
extern const struct rtype rtype_ec2_subnet;
extern const struct rtype rtype_ec2_subnetroutetableassociation;
extern const struct rtype rtype_ec2_vpc;
extern const struct rtype rtype_ec2_vpcgatewayattachment;
extern const struct rtype rtype_ecr_repository;
extern const struct rtype rtype_ecs_cluster;
extern const struct rtype rtype_ecs_service;
extern const struct rtype rtype_ecs_taskdefinition;
extern const struct rtype rtype_elbv2_listener;
extern const struct rtype rtype_elbv2_loadbalancer;
extern const struct rtype rtype_elbv2_targetgroup;
extern const struct rtype rtype_grafana_dashboard;
extern const struct rtype rtype_grafana_datasource;
extern const struct rtype rtype_grafana_permissions;
extern const struct rtype rtype_grafana_workspace;
extern const struct rtype rtype_iam_policy;
extern const struct rtype rtype_iam_role;
extern const struct rtype rtype_iam_servicelinkedrole;
extern const struct rtype rtype_logs_loggroup;
extern const struct rtype rtype_logs_querydefinition;
extern const struct rtype rtype_sns_subscription;
extern const struct rtype rtype_sns_topic;
extern const struct rtype rtype_sd_privatednsnamespace;
extern const struct rtype rtype_sd_service;

#endif
