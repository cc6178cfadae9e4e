/* The walker: a coordinator (the caller's thread) owns all scheduling state and
 * hands ready nodes to a pool of threads through a queue; the pool hands
 * results back through another. Only the two queues and the per-node results the
 * pool writes are shared, under one mutex, so the scheduling logic itself is
 * single-threaded and easy to reason about. See walk.h for the contract. */
#include "util/common.h"
#include "graph/walk.h"
#include "graph/heap.h"
#include "util/buf.h"

#include <pthread.h>
#include <time.h>

int64_t walk_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *walk_state_name(enum walk_state s)
{
	switch (s) {
	case WALK_NOT_RUN: return "not run";
	case WALK_DONE: return "done";
	case WALK_FAILED: return "failed";
	case WALK_SKIPPED: return "skipped";
	case WALK_CANCELED: return "canceled";
	}
	return "unknown";
}

static void node_name(struct buf *b, const struct walk_graph *g, size_t i)
{
	if (g->names && g->names[i])
		buf_addf(b, "'%s'", g->names[i]);
	else
		buf_addf(b, "node %zu", i);
}

static size_t ndeps_of(const struct walk_graph *g, size_t i)
{
	return g->ndeps ? g->ndeps[i] : 0;
}

/* Edges in compressed rows: the targets of node i are tgt[off[i] .. off[i+1]). */
struct csr {
	size_t *off;
	size_t *tgt;
};

static void csr_release(struct csr *c)
{
	free(c->off);
	free(c->tgt);
	c->off = c->tgt = NULL;
}

/* Builds the rows "who waits on i": in forward order the nodes that depend on
 * i, in reverse order the nodes i depends on. Edges must be in range. Targets
 * within a row come out in ascending order of the waiting node (forward) or in
 * the given order (reverse); either way deterministic. */
static void build_rows(const struct walk_graph *g, bool reverse, struct csr *out)
{
	size_t n = g->n, m = 0, *fill;
	for (size_t i = 0; i < n; i++)
		m += ndeps_of(g, i);
	out->off = xcalloc(n + 1, sizeof(size_t));
	out->tgt = xcalloc(m ? m : 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < ndeps_of(g, i); k++)
			out->off[(reverse ? i : g->deps[i][k]) + 1]++;
	for (size_t i = 0; i < n; i++)
		out->off[i + 1] += out->off[i];
	fill = xcalloc(n ? n : 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < ndeps_of(g, i); k++) {
			size_t from = reverse ? i : g->deps[i][k];
			size_t to = reverse ? g->deps[i][k] : i;
			out->tgt[out->off[from] + fill[from]++] = to;
		}
	}
	free(fill);
}

/* Words a cycle among the nodes Kahn's algorithm could not order. Every such
 * node depends on at least one other such node, so following the lowest-index
 * unordered dependency from the lowest-index unordered node must come back to a
 * node already seen: that loop is the cycle, reported from its lowest index so
 * the message is the same however the graph was built. */
static void report_cycle(const struct walk_graph *g, const bool *ordered, struct diags *d)
{
	size_t n = g->n, start = 0, cur, len = 0, first, low;
	size_t *pos = xmalloc(n * sizeof(size_t)), *path = xmalloc((n + 1) * sizeof(size_t));
	struct buf b = BUF_INIT;
	struct diag *dg;

	for (size_t i = 0; i < n; i++)
		pos[i] = WALK_NONE;
	while (ordered[start])
		start++;
	cur = start;
	while (pos[cur] == WALK_NONE) {
		size_t next = WALK_NONE;
		pos[cur] = len;
		path[len++] = cur;
		for (size_t k = 0; k < ndeps_of(g, cur); k++) {
			size_t dep = g->deps[cur][k];
			if (!ordered[dep] && dep < next)
				next = dep;
		}
		cur = next;
	}
	first = pos[cur];
	low = first;
	for (size_t k = first; k < len; k++)
		if (path[k] < path[low])
			low = k;
	for (size_t k = 0; k <= len - first; k++) {
		size_t idx = first + (low - first + k) % (len - first);
		if (k)
			buf_adds(&b, " -> ");
		node_name(&b, g, path[idx]);
	}
	dg = diags_add(d, DIAG_ERROR, "dependency cycle: %s", b.ptr);
	diag_set_detail(dg, "each one depends on the next, so none of them can go first; "
			    "remove one of these references or depends_on entries");
	buf_release(&b);
	free(pos);
	free(path);
}

int walk_validate(const struct walk_graph *g, struct diags *d)
{
	size_t n = g->n, head = 0, tail = 0;
	size_t *left = NULL, *queue = NULL;
	bool *ordered = NULL;
	struct csr rows = { NULL, NULL };
	int ret = BERTH_EINVAL;

	if (n && ((!g->ndeps) != (!g->deps))) {
		diags_add(d, DIAG_ERROR, "graph has dependency counts without dependency lists");
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		if (ndeps_of(g, i) && !g->deps[i]) {
			struct buf b = BUF_INIT;
			node_name(&b, g, i);
			diags_add(d, DIAG_ERROR, "%s has %zu dependencies but no list of them",
				  b.ptr, ndeps_of(g, i));
			buf_release(&b);
			goto cleanup;
		}
		for (size_t k = 0; k < ndeps_of(g, i); k++) {
			if (g->deps[i][k] >= n) {
				struct buf b = BUF_INIT;
				node_name(&b, g, i);
				diags_add(d, DIAG_ERROR,
					  "%s depends on node %zu, but the graph has only %zu nodes",
					  b.ptr, g->deps[i][k], n);
				buf_release(&b);
				goto cleanup;
			}
		}
	}

	/* Kahn's algorithm: a node is ordered once all its dependencies are. */
	build_rows(g, false, &rows);
	left = xcalloc(n ? n : 1, sizeof(size_t));
	queue = xcalloc(n ? n : 1, sizeof(size_t));
	ordered = xcalloc(n ? n : 1, sizeof(bool));
	for (size_t i = 0; i < n; i++)
		if (!(left[i] = ndeps_of(g, i)))
			queue[tail++] = i;
	while (head < tail) {
		size_t i = queue[head++];
		ordered[i] = true;
		for (size_t k = rows.off[i]; k < rows.off[i + 1]; k++)
			if (--left[rows.tgt[k]] == 0)
				queue[tail++] = rows.tgt[k];
	}
	if (tail < n) {
		report_cycle(g, ordered, d);
		goto cleanup;
	}
	ret = 0;
cleanup:
	csr_release(&rows);
	free(left);
	free(queue);
	free(ordered);
	return ret;
}

/* What the coordinator and the pool share. Each node enters each queue at most
 * once, so the queues are plain arrays of n with a head and a tail. */
struct shared {
	pthread_mutex_t lock;
	pthread_cond_t work_cv; /* work queued, or shutdown */
	pthread_cond_t done_cv; /* a result queued */
	size_t *work, work_head, work_tail;
	size_t *done, done_head, done_tail;
	int *verdict;    /* written by the pool before the node enters `done` */
	int64_t *end_ms; /* likewise */
	bool shutdown;
	walk_fn fn;
	void *fn_ctx;
};

static void *pool_main(void *arg)
{
	struct shared *s = arg;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		size_t node;
		int v;
		while (s->work_head == s->work_tail && !s->shutdown)
			pthread_cond_wait(&s->work_cv, &s->lock);
		if (s->work_head == s->work_tail)
			break;
		node = s->work[s->work_head++];
		pthread_mutex_unlock(&s->lock);

		v = s->fn(s->fn_ctx, node);
		if (v != WALK_OK && v != WALK_SKIP)
			v = WALK_FAIL;

		pthread_mutex_lock(&s->lock);
		s->verdict[node] = v;
		s->end_ms[node] = walk_now_ms();
		s->done[s->done_tail++] = node;
		pthread_cond_signal(&s->done_cv);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Coordinator-only state. PENDING and RUNNING are internal: every node leaves
 * walk_run in one of the public final states. */
enum { ST_PENDING = 100, ST_RUNNING };

struct coord {
	const struct walk_opts *o;
	struct walk_node_result *res;
	int *st; /* ST_PENDING, ST_RUNNING or an enum walk_state */
	struct csr rows;
	size_t *waiting; /* nodes each node still waits for */
	size_t *stack;   /* scratch for failure propagation */
	struct graph_heap ready;
};

static void emit(struct coord *c, enum walk_event_kind kind, size_t node, size_t cause)
{
	struct walk_event ev = { kind, node, cause, walk_now_ms() };
	if (c->o->progress)
		c->o->progress(c->o->progress_ctx, &ev);
}

static void finish(struct coord *c, size_t node, enum walk_state st, size_t cause)
{
	c->st[node] = (int)st;
	c->res[node].state = st;
	c->res[node].cause = cause;
}

/* A node is out of the way (done, or skipped by choice): whoever waited only on
 * it and other finished nodes is ready. */
static void release_waiters(struct coord *c, size_t node)
{
	for (size_t k = c->rows.off[node]; k < c->rows.off[node + 1]; k++) {
		size_t w = c->rows.tgt[k];
		if (--c->waiting[w] == 0 && c->st[w] == ST_PENDING)
			graph_heap_push(&c->ready, w);
	}
}

/* Skips everything that waits on `failed`, transitively. None of it can have
 * started. A node already skipped by an earlier failure keeps that cause, and
 * so do the nodes behind it, so the walk stops there. */
static void skip_waiters(struct coord *c, size_t failed)
{
	size_t top = 0;
	c->stack[top++] = failed;
	while (top) {
		size_t node = c->stack[--top];
		for (size_t k = c->rows.off[node]; k < c->rows.off[node + 1]; k++) {
			size_t w = c->rows.tgt[k];
			if (c->st[w] != ST_PENDING)
				continue;
			finish(c, w, WALK_SKIPPED, failed);
			emit(c, WALK_EV_SKIPPED, w, failed);
			c->stack[top++] = w;
		}
	}
}

/* For longest_first: rank[i] = (longest chain of waiters anywhere) - (the
 * longest chain of nodes waiting on i, i included), so that the heap's lowest
 * rank heads the longest chain. Heights go from the last nodes of a Kahn
 * order back to the first; the graph is acyclic (validated). */
static size_t *chain_ranks(const struct csr *rows, const size_t *waiting, size_t n)
{
	size_t *left = xcalloc(n + 1, sizeof(size_t)), *order = xcalloc(n + 1, sizeof(size_t));
	size_t *height = xcalloc(n + 1, sizeof(size_t)), head = 0, tail = 0, top = 0;
	for (size_t i = 0; i < n; i++)
		if (!(left[i] = waiting[i]))
			order[tail++] = i;
	while (head < tail) {
		size_t v = order[head++];
		for (size_t k = rows->off[v]; k < rows->off[v + 1]; k++)
			if (--left[rows->tgt[k]] == 0)
				order[tail++] = rows->tgt[k];
	}
	for (size_t j = tail; j-- > 0;) {
		size_t v = order[j], h = 0;
		for (size_t k = rows->off[v]; k < rows->off[v + 1]; k++)
			if (height[rows->tgt[k]] > h)
				h = height[rows->tgt[k]];
		height[v] = h + 1;
		if (height[v] > top)
			top = height[v];
	}
	for (size_t i = 0; i < n; i++)
		height[i] = top - height[i];
	free(left);
	free(order);
	return height;
}

int walk_run(const struct walk_graph *g, const struct walk_opts *o,
	     struct walk_result *out, struct diags *d)
{
	size_t n = g->n, nthreads = 0, running = 0, par;
	struct shared s;
	struct coord c;
	struct walk_result r = WALK_RESULT_INIT;
	pthread_t *threads = NULL;
	size_t *batch = NULL, *rank = NULL;
	bool canceled = false;
	int ret;

	if (!o->fn || o->parallelism < 1) {
		diags_add(d, DIAG_ERROR, "%s", !o->fn ? "walk needs a callback"
						     : "parallelism must be at least 1");
		return BERTH_EINVAL;
	}
	if ((ret = walk_validate(g, d)) < 0)
		return ret;

	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.work_cv, NULL);
	pthread_cond_init(&s.done_cv, NULL);
	s.work = xcalloc(n + 1, sizeof(size_t));
	s.done = xcalloc(n + 1, sizeof(size_t));
	s.verdict = xcalloc(n + 1, sizeof(int));
	s.end_ms = xcalloc(n + 1, sizeof(int64_t));
	s.fn = o->fn;
	s.fn_ctx = o->fn_ctx;
	batch = xcalloc(n + 1, sizeof(size_t));

	c.o = o;
	r.n = n;
	r.nodes = xcalloc(n + 1, sizeof(*r.nodes));
	c.res = r.nodes;
	c.st = xcalloc(n + 1, sizeof(int));
	c.waiting = xcalloc(n + 1, sizeof(size_t));
	c.stack = xcalloc(n + 1, sizeof(size_t));
	c.ready.v = xcalloc(n + 1, sizeof(size_t));
	build_rows(g, o->reverse, &c.rows);
	for (size_t i = 0; i < n; i++) {
		c.st[i] = ST_PENDING;
		c.res[i] = (struct walk_node_result){ WALK_NOT_RUN, WALK_NONE, -1, -1 };
		if (o->reverse)
			for (size_t k = 0; k < ndeps_of(g, i); k++)
				c.waiting[g->deps[i][k]]++;
		else
			c.waiting[i] = ndeps_of(g, i);
	}
	if (o->longest_first)
		c.ready.rank = rank = chain_ranks(&c.rows, c.waiting, n);
	for (size_t i = 0; i < n; i++)
		if (!c.waiting[i])
			graph_heap_push(&c.ready, i);

	/* More threads than nodes or than may run at once would only idle. */
	par = o->parallelism < n ? o->parallelism : n;
	threads = xcalloc(par + 1, sizeof(pthread_t));
	for (; nthreads < par; nthreads++)
		if ((ret = pthread_create(&threads[nthreads], NULL, pool_main, &s)))
			break;
	if (n && !nthreads) {
		diags_add(d, DIAG_ERROR, "cannot start worker threads: %s", strerror(ret));
		ret = BERTH_ERROR;
		goto cleanup;
	}
	/* With fewer threads than asked the walk is slower, not wrong. */
	par = nthreads;

	for (;;) {
		size_t nb = 0;
		while (running < par && c.ready.n && !canceled) {
			size_t node;
			if (o->cancel && atomic_load(o->cancel)) {
				canceled = true;
				break;
			}
			node = graph_heap_pop(&c.ready);
			c.st[node] = ST_RUNNING;
			c.res[node].start_ms = walk_now_ms();
			emit(&c, WALK_EV_START, node, WALK_NONE);
			pthread_mutex_lock(&s.lock);
			s.work[s.work_tail++] = node;
			pthread_cond_signal(&s.work_cv);
			pthread_mutex_unlock(&s.lock);
			if (++running > r.max_running)
				r.max_running = running;
		}
		if (!running)
			break;

		pthread_mutex_lock(&s.lock);
		while (s.done_head == s.done_tail)
			pthread_cond_wait(&s.done_cv, &s.lock);
		while (s.done_head < s.done_tail)
			batch[nb++] = s.done[s.done_head++];
		pthread_mutex_unlock(&s.lock);

		/* Reading verdict/end_ms here is safe: the pool wrote them before
		 * queueing the node, under the lock taken above. */
		for (size_t k = 0; k < nb; k++) {
			size_t node = batch[k];
			running--;
			c.res[node].end_ms = s.end_ms[node];
			switch (s.verdict[node]) {
			case WALK_OK:
				finish(&c, node, WALK_DONE, WALK_NONE);
				emit(&c, WALK_EV_DONE, node, WALK_NONE);
				release_waiters(&c, node);
				break;
			case WALK_SKIP:
				finish(&c, node, WALK_SKIPPED, WALK_NONE);
				emit(&c, WALK_EV_SKIPPED, node, WALK_NONE);
				release_waiters(&c, node);
				break;
			default:
				finish(&c, node, WALK_FAILED, WALK_NONE);
				emit(&c, WALK_EV_FAILED, node, WALK_NONE);
				skip_waiters(&c, node);
				break;
			}
		}
	}

	/* Nothing runs any more. Without cancellation every node has finished (the
	 * graph is acyclic); with it, whatever never started is canceled. Failures
	 * seen while draining have already skipped their dependents, which is the
	 * more useful thing to report about those. */
	for (size_t i = 0; i < n; i++) {
		if (c.st[i] == ST_PENDING) {
			finish(&c, i, WALK_CANCELED, WALK_NONE);
			emit(&c, WALK_EV_CANCELED, i, WALK_NONE);
		}
		switch (c.res[i].state) {
		case WALK_DONE: r.n_done++; break;
		case WALK_FAILED: r.n_failed++; break;
		case WALK_SKIPPED: r.n_skipped++; break;
		case WALK_CANCELED: r.n_canceled++; break;
		case WALK_NOT_RUN: break;
		}
	}
	r.canceled = canceled;
	*out = r;
	r.nodes = NULL;
	ret = 0;

cleanup:
	pthread_mutex_lock(&s.lock);
	s.shutdown = true;
	pthread_cond_broadcast(&s.work_cv);
	pthread_mutex_unlock(&s.lock);
	for (size_t i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	pthread_mutex_destroy(&s.lock);
	pthread_cond_destroy(&s.work_cv);
	pthread_cond_destroy(&s.done_cv);
	free(s.work);
	free(s.done);
	free(s.verdict);
	free(s.end_ms);
	free(batch);
	free(r.nodes);
	free(c.st);
	free(c.waiting);
	free(c.stack);
	free(c.ready.v);
	free(rank);
	csr_release(&c.rows);
	return ret;
}

int walk_result_status(const struct walk_result *r)
{
	if (r->canceled || r->n_canceled)
		return BERTH_ECANCELED;
	if (r->n_failed)
		return BERTH_ERROR;
	return 0;
}

void walk_result_release(struct walk_result *r)
{
	free(r->nodes);
	*r = (struct walk_result)WALK_RESULT_INIT;
}
