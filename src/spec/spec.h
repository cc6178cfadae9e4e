/* The spec model: what `berth validate` checks and what the engine consumes.
 *
 * spec_load() reads the top spec and every module it uses, resolves
 * variables, checks everything against the language and the resource type
 * registry (schema/schema.h), expands count/for_each on resources and modules,
 * and builds the dependency graph. It reports EVERY problem it finds, not just
 * the first, each at its own file, line and column.
 *
 * Evaluation runs twice: spec_load evaluates every value with attributes of
 * not-yet-created resources as "unknown" markers (value_unknown()); at apply
 * time the engine calls spec_eval_resource() with a resolver that supplies
 * real attribute values.
 *
 * Ownership: struct spec owns everything reachable from it (documents, nodes,
 * strings, json values, the graph). Pointers into it stay valid until
 * spec_free(). json_t values in the model are owned by the model: callers that
 * keep one past spec_free() must json_incref() it. Nothing here prints. */
#ifndef BERTH_SPEC_SPEC_H
#define BERTH_SPEC_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "util/diag.h"
#include "util/strvec.h"
#include "util/value.h"
#include "spec/node.h"
#include "graph/dag.h"

struct schema_resource;

/* Values not known until apply: util/value.h. */

enum spec_var_type { VT_STRING, VT_NUMBER, VT_BOOL, VT_LIST, VT_MAP };

struct spec_var {
	char *name;
	enum spec_var_type type;
	char *description;   /* or NULL */
	bool sensitive;      /* mask wherever the value appears */
	json_t *value;       /* resolved value (never NULL once loaded without errors) */
	const char *origin;  /* "--var", "--var-file", "environment", "default" */
	const struct node *decl;
};

/* One instance of a module call (index 0 is the root spec itself). */
struct spec_module {
	char *address;        /* "" for the root, "module.net", "module.net[0]" */
	char *file;           /* the module's YAML file, as used in diagnostics */
	char *dir;            /* its folder: relative paths in it resolve from here */
	size_t parent;        /* index of the calling module instance (root: 0) */
	const struct node *call;  /* the module entry in the parent, NULL for root */
	const struct node *root;  /* the module file's top map */
	json_t *key;          /* NULL, count.index (integer) or each.key (string) */
	json_t *each_value;   /* for_each value, or NULL */
};

struct spec_resource {
	char *address;     /* "cluster", "subnet[0]", "module.net.subnet[\"a\"]" */
	char *id;          /* the name in the spec: "subnet" */
	char *type;        /* "AWS::EC2::Subnet" */
	const struct schema_resource *schema;
	size_t module;     /* index into spec.modules */
	json_t *key;       /* NULL, integer (count) or string (for_each) */
	json_t *each_value;
	const struct node *decl;  /* the resource's map */
	const struct node *props; /* its `properties` map, or NULL */
	json_t *properties; /* evaluated at load; may contain unknowns */
	bool sensitive;     /* some property uses a sensitive variable */
	/* retain defaults to true for AWS::IAM::ServiceLinkedRole */
	bool retain, create_before_destroy;
	/* adopt: true: an instance of the same name that no stack owns is
	 * taken in (tagged, then updated to match) instead of failing the
	 * create; only for types with a name property (schema_given_name). */
	bool adopt;
	struct strvec ignore_changes;
	/* Its dependencies, from references and depends_on alike, are the
	 * out-edges of graph.nodes[graph_node] (dag.h); an edge's `why` is
	 * "depends_on" or the reference ("${vpc.VpcId}") that made it. */
	size_t graph_node;
};

/* Lookups that are not resources (data: entries). The kinds, their
 * arguments, required arguments, attributes and readers are one table,
 * resources/datasource.h; the engine reads them during refresh and answers
 * their attributes through the resolver. */
struct spec_data {
	char *address;     /* "data.azs" or "module.net.data.azs" */
	char *id;
	char *kind;        /* a resources/datasource.h kind: "ssm_parameter" */
	size_t module;
	const struct node *decl;
	/* Where the entry's name is in the spec, for messages about its
	 * lookup (file owned by the spec). */
	const char *file;
	int line, col;
	json_t *args;      /* evaluated arguments (may contain unknowns) */
	size_t graph_node;
};

struct spec_repo {
	char *name;
	char *url, *ref;   /* ref may be NULL (the default branch) */
	char *path;        /* where it is cloned: PROJECT/.berth/repos/NAME */
	const struct node *decl;
	size_t graph_node;
};

struct spec_output {
	char *name;
	char *description;
	bool sensitive;
	const struct node *value_node;
	json_t *value;      /* evaluated at load; may contain unknowns */
};

/* `backend: { s3: { bucket, prefix, region } }`: where the stack's lock and
 * state cache live when not on this machine. bucket NULL: local. */
struct spec_backend {
	char *bucket;
	char *prefix;       /* "" when not given; "berth/" style, used as is */
	char *region;       /* the bucket's region; NULL: the stack's */
};

struct spec {
	int version;        /* `berth:`; always 1 today */
	char *stack;
	char *region;       /* from the spec, else the option's, else NULL */
	struct spec_backend backend;
	char *expires;      /* `expires: 8h` or an RFC 3339 time, as written; NULL */
	char *file;         /* the top spec as given */
	char *project_dir;  /* see spec_options */
	char *cache_dir;    /* PROJECT/.berth/cache */
	struct spec_var *vars;         size_t nvars;
	struct spec_module *modules;   size_t nmodules;
	struct spec_resource *resources; size_t nresources;
	struct spec_data *data;        size_t ndata;
	struct spec_repo *repos;       size_t nrepos;
	struct spec_output *outputs;   size_t noutputs;
	/* Graph nodes are resources, data entries and repos; see dag.h. The
	 * payload of a node is its kind and index in the arrays above. */
	struct dag graph;
	/* private: documents and lookup tables */
	struct spec_private *priv;
};

struct spec_options {
	const char *path;          /* the top spec; "berth.yaml" when NULL */
	const char *const *vars;   /* "K=V" from --var, in order (later wins) */
	size_t nvars;
	const char *const *var_files;
	size_t nvar_files;
	char *const *environ;      /* for BERTH_VAR_K; NULL for none */
	const char *region;        /* --region / AWS_REGION, when the spec has none */
	bool allow_network;        /* fetch() may download (false for validate) */
	/* destroy: a variable without a value is a note, not an error, and
	 * stands for a value not known; a count or for_each that needs it
	 * makes no instance. Destroy finds the stack by its tags and the
	 * stack name is plain text, so it needs of the spec only what can be
	 * evaluated (the order of deletions, retain, side effects). */
	bool missing_vars_unknown;
	/* When not NULL, the top spec's text (text_len bytes) instead of reading
	 * `path`, which then only names it (stdin, tests, fuzzing). */
	const char *text;
	size_t text_len;
};

/* Loads, checks and expands. On success 0 and *out. On any error returns
 * BERTH_EINVAL (or BERTH_EIO when the top file cannot be read) with every
 * problem in d, sorted by file and position, and *out untouched.
 *
 * Relative module sources and file() / template() paths resolve against the
 * folder of the file that names them (the spec or the module) and may go up,
 * as Terraform's do: specs/ reaching ../modules/vpc.yaml works the same in a
 * git clone, a release tarball or a copied folder. The project folder (where
 * .berth/ lives) is the top of the git work tree that holds the top spec (the
 * nearest parent with a .git), or the spec's own folder when it is not in
 * one; it no longer bounds paths. */
int spec_load(const struct spec_options *opt, struct spec **out, struct diags *d);
/* The `stack:` of the spec at path when it is a valid stack name, read
 * without loading anything else (for messages about a spec that does not
 * load); new string, or NULL. */
char *spec_stack_name(const char *path);
void spec_free(struct spec *s);

/* Attribute values at apply time. attr() returns 0 and a new reference in
 * *out, or BERTH_ENOTFOUND when the value is not known (yet); the evaluator
 * then falls back to the value the spec gives that property, else an unknown
 * marker. It is asked for:
 *   ${ID.Attr}       address "ID" (or "module.m.ID[0]"), attr "Attr"
 *   ${ID}            address, attr "" (the primary identifier)
 *   ${data.N.attr}   address "data.N" (or "module.m.data.N"), attr "attr"
 *   ${account}       address "", attr "account"
 * It may be called many times for the same pair, and from one thread only. */
struct spec_resolver {
	void *ctx;
	int (*attr)(void *ctx, const char *address, const char *attr, json_t **out);
};

/* Evaluates resource i's properties again with attribute values from r (NULL:
 * every attribute unknown). 0 and *out (new reference), or BERTH_EINVAL with
 * the errors in d. *sensitive (may be NULL) says whether a sensitive
 * variable was used. */
int spec_eval_resource(const struct spec *s, size_t i, const struct spec_resolver *r,
		       json_t **out, bool *sensitive, struct diags *d);
int spec_eval_data(const struct spec *s, size_t i, const struct spec_resolver *r,
		   json_t **out, struct diags *d);
/* *sensitive (may be NULL): whether the value used something secret
 * (a sensitive variable, a data source's secret attribute). */
int spec_eval_output(const struct spec *s, size_t i, const struct spec_resolver *r,
		     json_t **out, bool *sensitive, struct diags *d);

/* Index of the resource with this address, or -1. */
long spec_find_resource(const struct spec *s, const char *address);

/* The graph as Graphviz DOT (labels are addresses). Caller frees. */
char *spec_graph_dot(const struct spec *s);

#endif
