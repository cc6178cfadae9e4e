/* Private to src/spec: lookup tables, the evaluator's context, and the
 * functions the phases (spec.c, eval.c, check.c) share. Not for the engine:
 * it uses spec.h only. */
#ifndef BERTH_SPEC_INTERNAL_H
#define BERTH_SPEC_INTERNAL_H

#include "spec/spec.h"
#include "spec/expr.h"

/* String -> index hash map with owned keys (open addressing). */
struct strmap {
	char **keys;
	size_t *vals;
	size_t cap, n;
};
void strmap_put(struct strmap *m, const char *key, size_t val);
bool strmap_get(const struct strmap *m, const char *key, size_t *val);
void strmap_release(struct strmap *m);

enum repl_kind { REPL_NONE, REPL_COUNT, REPL_EACH };

/* Bounds on what a spec expands to (spec.c, expansion_capped): five times
 * the largest spec measured (bench/, 10,000 resources), and module chains
 * far deeper than any real one. */
#define SPEC_MAX_RESOURCES 50000
#define SPEC_MAX_MODULES 10000
#define SPEC_MAX_MODULE_DEPTH 16

/* A resource as declared (one per `resources:` entry per module instance);
 * its instances are s->resources[first .. first + n). */
struct res_decl {
	const char *id;                 /* the key node's string */
	const struct node *key, *decl;
	const struct schema_resource *schema; /* NULL when the type is bad */
	enum repl_kind repl;
	bool expanded;
	size_t first, n;
	struct strmap by_key;           /* for_each key -> instance index */
};

/* A module call as declared in one module instance; its instances are
 * indexes into s->modules. */
struct mod_decl {
	const char *name;
	const struct node *key, *decl;
	enum repl_kind repl;
	bool expanded;
	size_t *insts, n;
	struct strmap by_key;
	const struct node *file_root; /* the loaded module file, NULL if it failed */
};

/* Per module instance (parallel to s->modules). */
struct mod_priv {
	struct res_decl *res;
	size_t nres;
	struct strmap res_by_id;
	struct mod_decl *mods;
	size_t nmods;
	struct strmap mod_by_name;
	struct strmap data_by_id;       /* -> s->data index */
	enum repl_kind repl;            /* how this instance was made (for count/each) */
	char *real;                     /* real path of the module file (cycle checks) */
};

struct spec_private {
	struct spec_doc **docs;
	size_t ndocs, docs_alloc;
	struct strmap doc_by_path;   /* real path -> docs index */
	struct mod_priv *mods;
	size_t mods_alloc;
	struct strmap var_by_name;
	struct strmap repo_by_name;
	struct strmap res_by_addr;
	char *spec_dir;              /* folder of the top spec */
	bool allow_network;
	bool capped;                 /* expansion_capped reported: expand no more */
	size_t res_alloc, data_alloc;
};

/* Where evaluation happens: a module instance plus, inside a replicated
 * resource or module, count.index / each.key / each.value. */
struct scope {
	size_t module;
	enum repl_kind repl;
	const json_t *key;
	const json_t *each_value;
};

struct eval_ctx {
	const struct spec *s;
	const struct spec_resolver *r;
	struct diags *d;
	struct dag *graph;    /* add dependency edges here, or NULL */
	size_t self_node;     /* graph node being evaluated (edges start here) */
	bool sensitive;       /* a sensitive variable was used */
	int depth;            /* guards lazy evaluation through references */
	unsigned char *busy;  /* per resource: its properties are being evaluated */
	size_t nbusy;
	/* given properties already evaluated: "INDEX/NODE" -> [value, sensitive];
	 * without it a chain of properties that each use the next twice is
	 * exponential */
	json_t *memo;
	const char *what;     /* "count", "for_each" when evaluating those, else NULL */
	/* texts file(), template() and fetch() returned: messages never quote
	 * them (guard.h, spec_shown_value) */
	json_t *read_texts;
	size_t read_bytes;    /* their total length, at most SPEC_MAX_READ_TOTAL */
};

/* Evaluates a node to a new json reference (never NULL: errors are reported
 * to ctx->d and yield an unknown marker so evaluation goes on and finds more). */
json_t *eval_node(struct eval_ctx *ctx, const struct node *n, const struct scope *sc);
void eval_ctx_init(struct eval_ctx *ctx, const struct spec *s, const struct spec_resolver *r,
		   struct diags *d);
void eval_ctx_release(struct eval_ctx *ctx);
/* Drops memoised values (they may hold unknowns for resources that were not
 * expanded yet when they were computed). */
void eval_ctx_forget(struct eval_ctx *ctx);

/* Checks an evaluated property map against the resource type; errors at the
 * nodes' positions (check.c). */
void check_properties(const struct spec_resource *res, const struct node *props,
		      const json_t *value, const json_t *read_texts, struct diags *d);
/* A short name for a JSON value's type in messages ("a string", "a list"). */
const char *json_type_name(const json_t *v);
/* Error at byte `off` of scalar n's value (or at n when off is 0 and n is not
 * a scalar). */
struct diag *error_at_offset(struct diags *d, const struct node *n, size_t off,
			     const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;
struct diag *error_at(struct diags *d, const struct node *n, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* Graph node kinds (dag_node.kind). */
enum { GN_RESOURCE, GN_DATA, GN_REPO };


#endif
