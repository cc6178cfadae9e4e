/* The dependency graph: nodes and edges in arrays, edges by integer index
 * (STYLE.md §9). Generic: the spec layer fills it (spec.c), the walker
 * (graph/walk.*) and the engine read it. An edge from -> to means "from
 * depends on to" (to must exist first); each edge remembers the source
 * position that created it, so a cycle can be explained edge by edge.
 *
 * Ownership: the dag owns its labels and edge strings. */
#ifndef BERTH_GRAPH_DAG_H
#define BERTH_GRAPH_DAG_H

#include <stddef.h>

#include "util/buf.h"
#include "util/diag.h"

struct dag_node {
	char *label;   /* the address, unique */
	int kind;      /* caller-defined (spec.c: resource, data, repo) */
	size_t index;  /* caller-defined: index in the caller's array */
	/* after dag_finish(): this node's out-edges are
	 * edges[out_start .. out_start + nout), in insertion order */
	size_t out_start, nout;
};

struct dag_edge {
	size_t from, to;
	char *file;    /* where the dependency was written, or NULL */
	int line, col;
	char *why;     /* "${b.Arn}", "depends_on", ... or NULL */
};

struct dag {
	struct dag_node *nodes;
	size_t nnodes, nodes_alloc;
	struct dag_edge *edges;
	size_t nedges, edges_alloc;
	/* private: (from, to) pairs already present, so duplicates are dropped */
	size_t *pair_slots;
	size_t pair_cap;
	int finished;
	/* after dag_finish(): see dag_adjacency() */
	size_t *adj_n, *adj_to;
	const size_t **adj;
};

#define DAG_INIT { 0 }

void dag_init(struct dag *g);
void dag_release(struct dag *g);
size_t dag_add_node(struct dag *g, const char *label, int kind, size_t index);
/* Adds from -> to unless that pair exists already (the first position wins).
 * Only before dag_finish(). */
void dag_add_edge(struct dag *g, size_t from, size_t to, const char *file, int line, int col,
		  const char *why);
/* Sorts edges by source node (stable) and indexes them per node. */
void dag_finish(struct dag *g);
/* The dependencies as the walker (graph/walk.h, struct walk_graph) takes
 * them: node i depends on (*deps)[i][0 .. (*ndeps)[i]). Owned by the dag,
 * valid until dag_release(). Needs dag_finish(). */
void dag_adjacency(const struct dag *g, const size_t **ndeps, const size_t *const **deps);
/* Adds one error per cycle found, naming the whole path and each edge's
 * position; the order is deterministic (nodes and edges in insertion order).
 * Returns the number of cycles. Needs dag_finish(). */
size_t dag_check_cycles(const struct dag *g, struct diags *d);
/* Graphviz DOT: "from" -> "to" for every edge. Needs dag_finish(). */
void dag_to_dot(const struct dag *g, struct buf *out);

#endif
