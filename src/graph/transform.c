/* The graph transforms of graph/transform.h. */
#include "util/common.h"
#include "graph/transform.h"

#include "graph/heap.h"

void graph_edges_init(struct graph_edges *g, size_t n)
{
	g->n = n;
	g->ndeps = xcalloc(n + 1, sizeof(size_t));
	g->deps = xcalloc(n + 1, sizeof(size_t *));
}

void graph_edges_add(struct graph_edges *g, size_t from, size_t to)
{
	g->deps[from] = xrealloc(g->deps[from], (g->ndeps[from] + 1) * sizeof(size_t));
	g->deps[from][g->ndeps[from]++] = to;
}

void graph_edges_release(struct graph_edges *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->deps[i]);
	free(g->deps);
	free(g->ndeps);
	memset(g, 0, sizeof(*g));
}

struct walk_graph graph_edges_walk(const struct graph_edges *g, const char *const *names)
{
	struct walk_graph wg = { g->n, g->ndeps, (const size_t *const *)g->deps, names };
	return wg;
}

/* O((n + e) log n): the heap of ready nodes and, per node, its dependents
 * as a CSR array over the edges. */
size_t *graph_topo_order(const struct dag *g, size_t *n_out)
{
	size_t n = g->nnodes, k = 0;
	size_t *left = xcalloc(n + 1, sizeof(size_t)), *order = xcalloc(n + 1, sizeof(size_t));
	struct graph_heap ready = { xcalloc(n + 1, sizeof(size_t)), 0 };
	size_t *start = xcalloc(n + 2, sizeof(size_t)), *dep = xcalloc(g->nedges + 1, sizeof(size_t));
	for (size_t i = 0; i < g->nedges; i++)
		start[g->edges[i].to + 1]++;
	for (size_t i = 0; i < n; i++)
		start[i + 1] += start[i];
	size_t *fill = xcalloc(n + 1, sizeof(size_t));
	for (size_t i = 0; i < g->nedges; i++) {
		size_t to = g->edges[i].to;
		dep[start[to] + fill[to]++] = g->edges[i].from;
		left[g->edges[i].from]++;
	}
	for (size_t i = 0; i < n; i++)
		if (!left[i])
			graph_heap_push(&ready, i);
	while (ready.n) {
		size_t v = graph_heap_pop(&ready);
		order[k++] = v;
		for (size_t j = start[v]; j < start[v + 1]; j++)
			if (!--left[dep[j]])
				graph_heap_push(&ready, dep[j]);
	}
	free(left);
	free(ready.v);
	free(start);
	free(dep);
	free(fill);
	*n_out = k;
	return order;
}

void graph_parent_edges(const char *const *ids, const char *const *parent_ids,
			struct graph_edges *out)
{
	for (size_t a = 0; a < out->n; a++) {
		if (!parent_ids[a])
			continue;
		for (size_t b = 0; b < out->n; b++)
			if (a != b && ids[b] && !strcmp(ids[b], parent_ids[a]))
				graph_edges_add(out, a, b);
	}
}

void graph_nearest_edges(const struct dag *g, const long *node_of, struct graph_edges *out)
{
	long *of_node = xmalloc((g->nnodes + 1) * sizeof(long));
	for (size_t k = 0; k < g->nnodes; k++)
		of_node[k] = -1;
	for (size_t a = 0; a < out->n; a++)
		if (node_of[a] >= 0)
			of_node[node_of[a]] = (long)a;
	/* From each removed node, follow dependencies through nodes that are
	 * not removed to the nearest ones that are. */
	bool *seen = xcalloc(g->nnodes + 1, 1);
	size_t *stack = xcalloc(g->nnodes + 1, sizeof(size_t));
	for (size_t a = 0; a < out->n; a++) {
		if (node_of[a] < 0)
			continue;
		memset(seen, 0, g->nnodes);
		size_t sp = 0;
		stack[sp++] = (size_t)node_of[a];
		while (sp) {
			size_t nd = stack[--sp];
			for (size_t j = 0; j < g->nodes[nd].nout; j++) {
				size_t to = g->edges[g->nodes[nd].out_start + j].to;
				if (seen[to])
					continue;
				seen[to] = true;
				if (of_node[to] >= 0)
					graph_edges_add(out, a, (size_t)of_node[to]);
				else
					stack[sp++] = to;
			}
		}
	}
	free(seen);
	free(stack);
	free(of_node);
}

void graph_apply_edges(const struct dag *g, const size_t *old_of, struct graph_edges *out)
{
	size_t nn = g->nnodes;
	for (size_t k = 0; k < g->nedges; k++)
		graph_edges_add(out, g->edges[k].from, g->edges[k].to);
	bool *seen = xcalloc(nn + 1, 1);
	size_t *stack = xcalloc(nn + 1, sizeof(size_t));
	for (size_t k = 0; k < nn; k++) {
		if (!old_of[k])
			continue;
		graph_edges_add(out, k, old_of[k]); /* new after old */
		/* Every replaced node k depends on, transitively: its old
		 * instance waits for k's old instance to go. */
		memset(seen, 0, nn);
		size_t sp = 0;
		stack[sp++] = k;
		while (sp) {
			size_t nd = stack[--sp];
			for (size_t j = 0; j < g->nodes[nd].nout; j++) {
				size_t to = g->edges[g->nodes[nd].out_start + j].to;
				if (seen[to])
					continue;
				seen[to] = true;
				stack[sp++] = to;
				if (old_of[to])
					graph_edges_add(out, old_of[to], old_of[k]);
			}
		}
	}
	free(seen);
	free(stack);
}

void graph_refresh_edges(const long *parent_of, size_t n, bool plan_reads,
			 struct graph_edges *out)
{
	graph_edges_init(out, plan_reads ? 2 * n + 1 : n);
	for (size_t i = 0; i < n; i++) {
		if (parent_of[i] >= 0 && (size_t)parent_of[i] < n)
			graph_edges_add(out, i, (size_t)parent_of[i]);
		if (plan_reads)
			graph_edges_add(out, n + 1 + i, i);
	}
}

void graph_independent_edges(size_t n, struct graph_edges *out)
{
	graph_edges_init(out, n);
}
