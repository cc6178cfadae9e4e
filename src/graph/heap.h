/* Ready nodes, lowest index first: a binary min-heap of node indexes, so
 * that the walker (walk.c) and graph_topo_order (transform.c) order ready
 * nodes alike, deterministically. With `rank`, lowest rank first, then
 * lowest index (the walker's longest_first). */
#ifndef BERTH_GRAPH_HEAP_H
#define BERTH_GRAPH_HEAP_H

#include <stddef.h>

/* v has room for every node (the caller's array); n is how many it holds. */
struct graph_heap {
	size_t *v;
	size_t n;
	const size_t *rank; /* NULL: by index alone */
};

void graph_heap_push(struct graph_heap *h, size_t x);
/* The smallest; h must not be empty. */
size_t graph_heap_pop(struct graph_heap *h);

#endif
