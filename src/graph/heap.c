/* The min-heap of graph/heap.h. */
#include "util/common.h"
#include "graph/heap.h"

static bool before(const struct graph_heap *h, size_t a, size_t b)
{
	if (h->rank && h->rank[a] != h->rank[b])
		return h->rank[a] < h->rank[b];
	return a < b;
}

void graph_heap_push(struct graph_heap *h, size_t x)
{
	size_t i = h->n++;
	h->v[i] = x;
	while (i && before(h, h->v[i], h->v[(i - 1) / 2])) {
		size_t p = (i - 1) / 2, t = h->v[p];
		h->v[p] = h->v[i];
		h->v[i] = t;
		i = p;
	}
}

size_t graph_heap_pop(struct graph_heap *h)
{
	size_t top = h->v[0], i = 0;
	h->v[0] = h->v[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i, t;
		if (l < h->n && before(h, h->v[l], h->v[m]))
			m = l;
		if (r < h->n && before(h, h->v[r], h->v[m]))
			m = r;
		if (m == i)
			break;
		t = h->v[m];
		h->v[m] = h->v[i];
		h->v[i] = t;
		i = m;
	}
	return top;
}
