/* Dependency graph storage, cycle reports and DOT output; see dag.h. */
#include "util/common.h"
#include "graph/dag.h"

void dag_init(struct dag *g)
{
	memset(g, 0, sizeof(*g));
}

void dag_release(struct dag *g)
{
	for (size_t i = 0; i < g->nnodes; i++)
		free(g->nodes[i].label);
	for (size_t i = 0; i < g->nedges; i++) {
		free(g->edges[i].file);
		free(g->edges[i].why);
	}
	free(g->nodes);
	free(g->edges);
	free(g->pair_slots);
	free(g->adj_n);
	free(g->adj_to);
	free(g->adj);
	dag_init(g);
}

size_t dag_add_node(struct dag *g, const char *label, int kind, size_t index)
{
	ALLOC_GROW(g->nodes, g->nnodes + 1, g->nodes_alloc);
	g->nodes[g->nnodes] = (struct dag_node){ xstrdup(label), kind, index, 0, 0 };
	return g->nnodes++;
}

static size_t pair_hash(size_t from, size_t to)
{
	uint64_t h = (uint64_t)from * 0x9E3779B97F4A7C15ull ^ (uint64_t)to * 0xC2B2AE3D27D4EB4Full;
	return (size_t)(h ^ (h >> 29));
}

/* Returns true when (from, to) was already present; else records it. The set
 * holds edge indexes; it grows at half load. */
static bool pair_seen(struct dag *g, size_t from, size_t to)
{
	if ((g->nedges + 1) * 2 > g->pair_cap) {
		size_t cap = g->pair_cap ? g->pair_cap * 2 : 64;
		size_t *slots = xmalloc(cap * sizeof(size_t));
		for (size_t i = 0; i < cap; i++)
			slots[i] = SIZE_MAX;
		for (size_t e = 0; e < g->nedges; e++) {
			size_t h = pair_hash(g->edges[e].from, g->edges[e].to) & (cap - 1);
			while (slots[h] != SIZE_MAX)
				h = (h + 1) & (cap - 1);
			slots[h] = e;
		}
		free(g->pair_slots);
		g->pair_slots = slots;
		g->pair_cap = cap;
	}
	size_t h = pair_hash(from, to) & (g->pair_cap - 1);
	while (g->pair_slots[h] != SIZE_MAX) {
		const struct dag_edge *e = &g->edges[g->pair_slots[h]];
		if (e->from == from && e->to == to)
			return true;
		h = (h + 1) & (g->pair_cap - 1);
	}
	g->pair_slots[h] = g->nedges;
	return false;
}

void dag_add_edge(struct dag *g, size_t from, size_t to, const char *file, int line, int col,
		  const char *why)
{
	if (pair_seen(g, from, to))
		return;
	ALLOC_GROW(g->edges, g->nedges + 1, g->edges_alloc);
	g->edges[g->nedges++] = (struct dag_edge){ from, to, file ? xstrdup(file) : NULL, line, col,
						   why ? xstrdup(why) : NULL };
}

void dag_finish(struct dag *g)
{
	/* Counting sort by `from`: stable, so each node's edges keep insertion order. */
	size_t *count = xcalloc(g->nnodes + 1, sizeof(size_t));
	struct dag_edge *sorted = xmalloc((g->nedges ? g->nedges : 1) * sizeof(*sorted));
	for (size_t e = 0; e < g->nedges; e++)
		count[g->edges[e].from + 1]++;
	for (size_t i = 0; i < g->nnodes; i++) {
		count[i + 1] += count[i];
		g->nodes[i].out_start = count[i];
		g->nodes[i].nout = 0;
	}
	for (size_t e = 0; e < g->nedges; e++) {
		struct dag_node *n = &g->nodes[g->edges[e].from];
		sorted[n->out_start + n->nout++] = g->edges[e];
	}
	free(g->edges);
	g->edges = sorted;
	g->edges_alloc = g->nedges ? g->nedges : 1;
	free(count);
	/* The pair set indexes the old order; it is not needed any more. */
	free(g->pair_slots);
	g->pair_slots = NULL;
	g->pair_cap = 0;
	g->adj_n = xcalloc(g->nnodes + 1, sizeof(size_t));
	g->adj_to = xcalloc(g->nedges + 1, sizeof(size_t));
	g->adj = xcalloc(g->nnodes + 1, sizeof(size_t *));
	for (size_t e = 0; e < g->nedges; e++)
		g->adj_to[e] = g->edges[e].to;
	for (size_t i = 0; i < g->nnodes; i++) {
		g->adj_n[i] = g->nodes[i].nout;
		g->adj[i] = g->adj_to + g->nodes[i].out_start;
	}
	g->finished = 1;
}

void dag_adjacency(const struct dag *g, const size_t **ndeps, const size_t *const **deps)
{
	*ndeps = g->adj_n;
	*deps = g->adj;
}

static void report_cycle(const struct dag *g, const size_t *path_edges, size_t n, struct diags *d)
{
	/* Rotate so the cycle starts at its lowest node index: the same cycle is
	 * described the same way whichever node the search entered it by. */
	size_t start = 0;
	for (size_t i = 1; i < n; i++)
		if (g->edges[path_edges[i]].from < g->edges[path_edges[start]].from)
			start = i;
	struct buf sum = BUF_INIT, det = BUF_INIT;
	const struct dag_edge *first = &g->edges[path_edges[start]];
	buf_addf(&sum, "dependency cycle: %s", g->nodes[first->from].label);
	for (size_t k = 0; k < n; k++) {
		const struct dag_edge *e = &g->edges[path_edges[(start + k) % n]];
		buf_addf(&sum, " -> %s", g->nodes[e->to].label);
		if (det.len)
			buf_addch(&det, '\n');
		buf_addf(&det, "%s -> %s", g->nodes[e->from].label, g->nodes[e->to].label);
		if (e->file)
			buf_addf(&det, " at %s:%d:%d", e->file, e->line, e->col);
		if (e->why)
			buf_addf(&det, " (%s)", e->why);
	}
	struct diag *dg = diags_add(d, DIAG_ERROR, "%s", sum.ptr);
	if (first->file)
		diag_set_loc(dg, first->file, first->line, first->col);
	diag_set_detail(dg, "%s", det.ptr);
	buf_release(&sum);
	buf_release(&det);
}

size_t dag_check_cycles(const struct dag *g, struct diags *d)
{
	/* Iterative DFS (a 10,000-node chain must not overflow the C stack).
	 * state: 0 new, 1 on the current path, 2 done. */
	unsigned char *state = xcalloc(g->nnodes ? g->nnodes : 1, 1);
	size_t *stack_node = xmalloc((g->nnodes + 1) * sizeof(size_t));
	size_t *stack_next = xmalloc((g->nnodes + 1) * sizeof(size_t));
	size_t *stack_edge = xmalloc((g->nnodes + 1) * sizeof(size_t)); /* edge that entered */
	size_t *cyc = xmalloc((g->nnodes + 1) * sizeof(size_t));
	size_t ncycles = 0;

	for (size_t root = 0; root < g->nnodes; root++) {
		size_t sp = 0;
		if (state[root])
			continue;
		stack_node[0] = root;
		stack_next[0] = 0;
		stack_edge[0] = SIZE_MAX;
		state[root] = 1;
		sp = 1;
		while (sp) {
			size_t v = stack_node[sp - 1];
			const struct dag_node *n = &g->nodes[v];
			if (stack_next[sp - 1] >= n->nout) {
				state[v] = 2;
				sp--;
				continue;
			}
			size_t ei = n->out_start + stack_next[sp - 1]++;
			size_t w = g->edges[ei].to;
			if (state[w] == 0) {
				state[w] = 1;
				stack_node[sp] = w;
				stack_next[sp] = 0;
				stack_edge[sp] = ei;
				sp++;
			} else if (state[w] == 1) {
				/* Back edge: the cycle is the path from w to v plus ei. */
				size_t k = sp - 1, nc = 0;
				while (stack_node[k] != w)
					k--;
				for (size_t j = k + 1; j < sp; j++)
					cyc[nc++] = stack_edge[j];
				cyc[nc++] = ei;
				report_cycle(g, cyc, nc, d);
				ncycles++;
			}
		}
	}
	free(state);
	free(stack_node);
	free(stack_next);
	free(stack_edge);
	free(cyc);
	return ncycles;
}

static void dot_quote(struct buf *out, const char *s)
{
	buf_addch(out, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_addch(out, '\\');
		buf_addch(out, *s);
	}
	buf_addch(out, '"');
}

void dag_to_dot(const struct dag *g, struct buf *out)
{
	buf_adds(out, "digraph berth {\n  rankdir = \"RL\";\n  node [shape = box];\n");
	for (size_t i = 0; i < g->nnodes; i++) {
		buf_adds(out, "  ");
		dot_quote(out, g->nodes[i].label);
		buf_adds(out, ";\n");
	}
	for (size_t e = 0; e < g->nedges; e++) {
		buf_adds(out, "  ");
		dot_quote(out, g->nodes[g->edges[e].from].label);
		buf_adds(out, " -> ");
		dot_quote(out, g->nodes[g->edges[e].to].label);
		buf_adds(out, ";\n");
	}
	buf_adds(out, "}\n");
}
