/* Graph transforms: the graphs the engine walks, built from the spec's
 * dependency graph (graph/dag.h) in small steps that can be tested alone,
 * as Terraform builds its graphs. Each takes plain arrays and knows nothing
 * of resources or plans: the engine says which nodes are which.
 *
 * Edges mean what they mean to the walker (graph/walk.h): from -> to, "from
 * waits for to" (reversed when the walk is). */
#ifndef BERTH_GRAPH_TRANSFORM_H
#define BERTH_GRAPH_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "graph/dag.h"
#include "graph/walk.h"

/* A walk graph being built: node i waits for deps[i][0 .. ndeps[i]). */
struct graph_edges {
	size_t n;
	size_t *ndeps;
	size_t **deps;
};
void graph_edges_init(struct graph_edges *g, size_t n);
void graph_edges_add(struct graph_edges *g, size_t from, size_t to);
void graph_edges_release(struct graph_edges *g);
/* The walker's view of g (borrowed: valid while g is). */
struct walk_graph graph_edges_walk(const struct graph_edges *g, const char *const *names);

/* The nodes of g in dependency order (Kahn's algorithm; among ready nodes
 * the lower index first, so the order is deterministic): a new array of
 * *n_out indexes. Nodes on a cycle never become ready and are left out
 * (spec_load reports cycles). Needs dag_finish(). */
size_t *graph_topo_order(const struct dag *g, size_t *n_out);

/* Children before parents (the removal graph): an edge a -> b for every b
 * whose id is a's parent id (ids[i], parent_ids[i] may be NULL), over
 * out's nodes. Never a -> a: a child may share its parent's id (a Grafana
 * workspace's permissions are known by the workspace id). Walked reversed:
 * children go first. */
void graph_parent_edges(const char *const *ids, const char *const *parent_ids,
			struct graph_edges *out);

/* The removal graph (destroy, and apply's removals): out has one node per
 * removed instance; node_of[a] is removed instance a's node in g, or -1 for
 * one the spec does not name. For each a, an edge a -> b to every removed
 * b that a depends on in g, directly or through nodes that are not removed
 * (what no longer exists does not break the chain). Walked reversed:
 * dependents go first. */
void graph_nearest_edges(const struct dag *g, const long *node_of, struct graph_edges *out);

/* The apply graph: g's edges, plus a node of its own for deleting the old
 * instance of each replaced node (Terraform's destroy-then-create).
 * old_of[k] is that node's index in out (>= g->nnodes), or 0 when k is not
 * replaced that way; out has room for them. Node k (the new instance)
 * waits for old_of[k]; the old instance of k waits for the old instances of
 * every replaced node that depends on k, transitively (a subnet's old
 * instance goes after the old instances in it). */
void graph_apply_edges(const struct dag *g, const size_t *old_of, struct graph_edges *out);

/* The refresh graph over n resource types: node i lists type i after the
 * listing of its parent type, parent_of[i] (-1: none, found by tags). With
 * `plan_reads`, what a plan reads besides the listings joins them: node n
 * (the account) waits for nothing, and node n + 1 + i (type i's detail
 * properties) waits for type i's listing only, so details are read while
 * other types are still listed. out: n nodes, or 2n + 1 with plan_reads. */
void graph_refresh_edges(const long *parent_of, size_t n, bool plan_reads,
			 struct graph_edges *out);

/* The detail prefetch graph of one type: n reads of one instance each,
 * none waiting for another (they run `parallelism` at once). */
void graph_independent_edges(size_t n, struct graph_edges *out);

#endif
