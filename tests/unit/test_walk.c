/* Unit tests for the walker (src/graph/walk.c): ordering on random graphs,
 * concurrency bounds, failure propagation, reverse walks, cancellation,
 * validation. Callbacks run on pool threads, where CHECK (longjmp) must not be
 * used: they only record, and the test thread checks afterwards. */
#include "util/common.h"
#include "harness.h"
#include "graph/walk.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

#define MAXN 80

/* A graph under test plus what the callbacks saw. */
struct tg {
	size_t n;
	size_t ndeps[MAXN];
	size_t depv[MAXN][MAXN];
	const size_t *deps[MAXN];
	struct walk_graph g;

	atomic_int seq;             /* global event counter */
	int start_seq[MAXN], end_seq[MAXN];
	atomic_int calls[MAXN];
	atomic_int running, max_running;
	int sleep_us[MAXN];
	int verdict[MAXN];          /* what node i's callback returns */
	atomic_int *cancel;         /* set by cancel_at's callback */
	int cancel_at;              /* node whose callback cancels, or -1 */
	int cancel_wait_started;    /* it first waits until this many have started */
	atomic_int started;
	bool raise_signal;          /* cancel through a signal handler instead */
	bool longest_first;         /* walk_opts.longest_first */

	/* progress events, recorded on the coordinator */
	pthread_t coord;
	int ev_count[5];
	bool ev_off_thread;
	size_t start_order[MAXN];
	size_t n_start_order;
	int ev_start_seen[MAXN], ev_end_seen[MAXN];
	size_t skip_cause[MAXN];
};

static void tg_init(struct tg *t, size_t n)
{
	memset(t, 0, sizeof(*t));
	t->n = n;
	t->cancel_at = -1;
	for (size_t i = 0; i < n; i++) {
		t->deps[i] = t->depv[i];
		t->skip_cause[i] = WALK_NONE;
	}
	t->g.n = n;
	t->g.ndeps = t->ndeps;
	t->g.deps = t->deps;
	t->coord = pthread_self();
}

static void dep(struct tg *t, size_t node, size_t on)
{
	t->depv[node][t->ndeps[node]++] = on;
}

static void sleep_us(int us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int test_cb(void *ctx, size_t node)
{
	struct tg *t = ctx;
	int r = atomic_fetch_add(&t->running, 1) + 1, m;
	atomic_fetch_add(&t->started, 1);
	m = atomic_load(&t->max_running);
	while (r > m && !atomic_compare_exchange_weak(&t->max_running, &m, r))
		;
	t->start_seq[node] = atomic_fetch_add(&t->seq, 1);
	atomic_fetch_add(&t->calls[node], 1);
	if ((int)node == t->cancel_at) {
		/* Wait until the others expected in flight have started, so the
		 * cancellation point is deterministic. */
		while (atomic_load(&t->started) < t->cancel_wait_started)
			sleep_us(100);
		if (t->raise_signal)
			raise(SIGUSR1);
		else
			atomic_store(t->cancel, 1);
	}
	if (t->sleep_us[node])
		sleep_us(t->sleep_us[node]);
	t->end_seq[node] = atomic_fetch_add(&t->seq, 1);
	atomic_fetch_sub(&t->running, 1);
	return t->verdict[node];
}

static void test_progress(void *ctx, const struct walk_event *ev)
{
	struct tg *t = ctx;
	if (!pthread_equal(pthread_self(), t->coord))
		t->ev_off_thread = true;
	t->ev_count[ev->kind]++;
	if (ev->kind == WALK_EV_START) {
		t->start_order[t->n_start_order++] = ev->node;
		t->ev_start_seen[ev->node]++;
	} else {
		t->ev_end_seen[ev->node]++;
	}
	if (ev->kind == WALK_EV_SKIPPED)
		t->skip_cause[ev->node] = ev->cause;
}

static int run(struct tg *t, size_t par, bool reverse, struct walk_result *res)
{
	struct diags d = DIAGS_INIT;
	struct walk_opts o = { 0 };
	int ret;
	o.parallelism = par;
	o.reverse = reverse;
	o.fn = test_cb;
	o.fn_ctx = t;
	o.progress = test_progress;
	o.progress_ctx = t;
	o.cancel = t->cancel;
	o.longest_first = t->longest_first;
	ret = walk_run(&t->g, &o, res, &d);
	diags_release(&d);
	return ret;
}

/* Simple deterministic generator, so a failing seed can be replayed. */
static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

/* A random DAG: edges always point to an earlier node of a random permutation,
 * so index order says nothing about dependency order. */
static void random_dag(struct tg *t, uint64_t seed, size_t n, int density)
{
	size_t perm[MAXN];
	uint64_t s = seed;
	tg_init(t, n);
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = rnd(&s) % i, x = perm[i - 1];
		perm[i - 1] = perm[j];
		perm[j] = x;
	}
	for (size_t a = 1; a < n; a++)
		for (size_t b = 0; b < a; b++)
			if ((int)(rnd(&s) % 100) < density)
				dep(t, perm[a], perm[b]);
	for (size_t i = 0; i < n; i++)
		t->sleep_us[i] = (int)(rnd(&s) % 300);
}

TEST(walk_random_dags_respect_dependencies)
{
	for (uint64_t seed = 1; seed <= 150; seed++) {
		struct tg t;
		struct walk_result res;
		size_t par = 1 + seed % 6;
		bool reverse = seed % 3 == 0;
		random_dag(&t, seed, 5 + seed % 40, (int)(5 + seed % 25));
		CHECK_INT(run(&t, par, reverse, &res), 0);
		CHECK_INT(walk_result_status(&res), 0);
		CHECK_INT(res.n_done, t.n);
		CHECK(atomic_load(&t.max_running) <= (int)par);
		CHECK(res.max_running <= par);
		CHECK(!t.ev_off_thread);
		for (size_t i = 0; i < t.n; i++) {
			CHECK_INT(atomic_load(&t.calls[i]), 1);
			CHECK_INT(res.nodes[i].state, WALK_DONE);
			CHECK(res.nodes[i].start_ms >= 0 && res.nodes[i].end_ms >= res.nodes[i].start_ms);
			CHECK_INT(t.ev_start_seen[i], 1);
			CHECK_INT(t.ev_end_seen[i], 1);
			for (size_t k = 0; k < t.ndeps[i]; k++) {
				size_t j = t.depv[i][k];
				if (!reverse && t.end_seq[j] >= t.start_seq[i])
					TEST_FAIL_("seed %llu: %zu started before its dependency %zu ended",
						   (unsigned long long)seed, i, j);
				if (reverse && t.end_seq[i] >= t.start_seq[j])
					TEST_FAIL_("seed %llu (reverse): %zu started before its dependent %zu ended",
						   (unsigned long long)seed, j, i);
			}
		}
		walk_result_release(&res);
	}
}

/* The order a one-at-a-time walk must follow: repeatedly the lowest-index node
 * whose dependencies are all done. */
static void expected_sequential(const struct tg *t, size_t *order)
{
	bool done[MAXN] = { false };
	for (size_t k = 0; k < t->n; k++) {
		for (size_t i = 0; i < t->n; i++) {
			bool ok = !done[i];
			for (size_t e = 0; ok && e < t->ndeps[i]; e++)
				ok = done[t->depv[i][e]];
			if (ok) {
				order[k] = i;
				done[i] = true;
				break;
			}
		}
	}
}

TEST(walk_parallelism_one_is_sequential_and_lowest_index_first)
{
	for (uint64_t seed = 1; seed <= 40; seed++) {
		struct tg t;
		struct walk_result res;
		size_t want[MAXN];
		random_dag(&t, seed * 7919, 30, 10);
		for (size_t i = 0; i < t.n; i++)
			t.sleep_us[i] = 0;
		CHECK_INT(run(&t, 1, false, &res), 0);
		CHECK_INT(atomic_load(&t.max_running), 1);
		CHECK_INT(res.max_running, 1);
		expected_sequential(&t, want);
		CHECK_INT(t.n_start_order, t.n);
		for (size_t k = 0; k < t.n; k++) {
			CHECK_INT(t.start_order[k], want[k]);
			/* Sequential: each starts after the previous one ended. */
			if (k)
				CHECK(t.start_seq[t.start_order[k]] > t.end_seq[t.start_order[k - 1]]);
		}
		walk_result_release(&res);
	}
}

/* The longest chain of nodes waiting on i, i included, counted by hand:
 * forward, the nodes that depend on i; reverse, those i depends on. */
static size_t chain_height(const struct tg *t, size_t i, bool reverse, size_t *memo)
{
	if (memo[i])
		return memo[i];
	size_t h = 0;
	for (size_t w = 0; w < t->n; w++) {
		bool waits = false;
		for (size_t e = 0; !waits && e < t->ndeps[reverse ? i : w]; e++)
			waits = reverse ? t->depv[i][e] == w : t->depv[w][e] == i;
		if (waits) {
			size_t x = chain_height(t, w, reverse, memo);
			h = x > h ? x : h;
		}
	}
	return memo[i] = h + 1;
}

/* Whether i may start once the nodes in done[] are: forward, all it depends
 * on are done; reverse, all that depend on it. */
static bool ready_now(const struct tg *t, size_t i, bool reverse, const bool *done)
{
	if (done[i])
		return false;
	if (!reverse) {
		for (size_t e = 0; e < t->ndeps[i]; e++)
			if (!done[t->depv[i][e]])
				return false;
		return true;
	}
	for (size_t w = 0; w < t->n; w++)
		for (size_t e = 0; e < t->ndeps[w]; e++)
			if (t->depv[w][e] == i && !done[w])
				return false;
	return true;
}

TEST(walk_longest_first_starts_the_head_of_the_longest_chain)
{
	/* 0..3 are leaves nothing waits for; 4 <- 5 <- 6 a chain (5 needs 4, 6
	 * needs 5). One at a time, index order would run the leaves first and
	 * the chain last; longest_first starts the chain until what is left of
	 * it is one node, as long as a leaf (then index order). */
	struct tg t;
	struct walk_result res;
	const size_t want[] = { 4, 5, 0, 1, 2, 3, 6 }, want_rev[] = { 6, 5, 0, 1, 2, 3, 4 };
	for (int reverse = 0; reverse <= 1; reverse++) {
		tg_init(&t, 7);
		dep(&t, 5, 4);
		dep(&t, 6, 5);
		t.longest_first = true;
		CHECK_INT(run(&t, 1, reverse, &res), 0);
		CHECK_INT(t.n_start_order, 7);
		for (size_t k = 0; k < 7; k++)
			CHECK_INT(t.start_order[k], reverse ? want_rev[k] : want[k]);
		walk_result_release(&res);
	}
	/* Random graphs, both ways: each start is, among the nodes ready then, one
	 * of the longest chain, the lowest index among those. */
	for (uint64_t seed = 1; seed <= 30; seed++) {
		for (int reverse = 0; reverse <= 1; reverse++) {
			size_t memo[MAXN] = { 0 };
			bool done[MAXN] = { false };
			random_dag(&t, seed * 104729, 30, 10);
			for (size_t i = 0; i < t.n; i++)
				t.sleep_us[i] = 0;
			t.longest_first = true;
			CHECK_INT(run(&t, 1, reverse, &res), 0);
			CHECK_INT(t.n_start_order, t.n);
			for (size_t k = 0; k < t.n; k++) {
				size_t best = WALK_NONE;
				for (size_t i = 0; i < t.n; i++) {
					bool ok = ready_now(&t, i, reverse, done);
					if (ok && (best == WALK_NONE ||
						   chain_height(&t, i, reverse, memo) >
							   chain_height(&t, best, reverse, memo)))
						best = i;
				}
				CHECK_INT(t.start_order[k], best);
				done[best] = true;
			}
			walk_result_release(&res);
		}
	}
}

TEST(walk_concurrency_reaches_parallelism_and_wide_graph_runs_in_parallel)
{
	struct tg t;
	struct walk_result res;
	int64_t t0, elapsed;
	tg_init(&t, 16);
	for (size_t i = 0; i < 16; i++)
		t.sleep_us[i] = 100000;
	t0 = walk_now_ms();
	CHECK_INT(run(&t, 16, false, &res), 0);
	elapsed = walk_now_ms() - t0;
	/* Critical path is 100 ms; sequential would be 1.6 s. */
	CHECK_INT(atomic_load(&t.max_running), 16);
	CHECK(elapsed < 800);
	walk_result_release(&res);

	tg_init(&t, 20);
	for (size_t i = 0; i < 20; i++)
		t.sleep_us[i] = 20000;
	CHECK_INT(run(&t, 4, false, &res), 0);
	CHECK_INT(atomic_load(&t.max_running), 4);
	CHECK_INT(res.max_running, 4);
	walk_result_release(&res);
}

TEST(walk_starts_a_node_as_soon_as_its_dependencies_are_done)
{
	/* 0 is slow; 2 depends only on the quick 1. A level-by-level walk would
	 * start 2 after 0 ends; ours must not wait for 0. */
	struct tg t;
	struct walk_result res;
	tg_init(&t, 3);
	t.sleep_us[0] = 300000;
	t.sleep_us[1] = 1000;
	t.sleep_us[2] = 1000;
	dep(&t, 2, 1);
	CHECK_INT(run(&t, 4, false, &res), 0);
	CHECK(t.start_seq[2] < t.end_seq[0]);
	CHECK(res.nodes[2].end_ms <= res.nodes[0].end_ms);
	walk_result_release(&res);
}

TEST(walk_failure_skips_exactly_the_transitive_dependents)
{
	struct tg t;
	struct walk_result res;
	tg_init(&t, 8);
	dep(&t, 1, 0);
	dep(&t, 2, 1);
	dep(&t, 4, 3);
	dep(&t, 4, 1);
	dep(&t, 5, 2);
	dep(&t, 6, 3); /* 6 and 7 are unrelated to the failure */
	dep(&t, 5, 7);
	t.verdict[1] = WALK_FAIL;
	CHECK_INT(run(&t, 3, false, &res), 0);
	CHECK_INT(walk_result_status(&res), BERTH_ERROR);
	CHECK_INT(res.nodes[0].state, WALK_DONE);
	CHECK_INT(res.nodes[1].state, WALK_FAILED);
	CHECK_INT(res.nodes[2].state, WALK_SKIPPED);
	CHECK_INT(res.nodes[3].state, WALK_DONE);
	CHECK_INT(res.nodes[4].state, WALK_SKIPPED);
	CHECK_INT(res.nodes[5].state, WALK_SKIPPED);
	CHECK_INT(res.nodes[6].state, WALK_DONE);
	CHECK_INT(res.nodes[7].state, WALK_DONE);
	for (size_t i = 2; i <= 5; i += (i == 2 ? 2 : 1)) {
		CHECK_INT(res.nodes[i].cause, 1);
		CHECK_INT(t.skip_cause[i], 1);
		CHECK_INT(atomic_load(&t.calls[i]), 0);
		CHECK_INT(res.nodes[i].start_ms, -1);
	}
	CHECK_INT(res.n_done, 4);
	CHECK_INT(res.n_failed, 1);
	CHECK_INT(res.n_skipped, 3);
	CHECK_INT(t.ev_count[WALK_EV_FAILED], 1);
	CHECK_INT(t.ev_count[WALK_EV_SKIPPED], 3);
	CHECK_INT(t.ev_count[WALK_EV_START], 5);
	/* A non-verdict return value counts as a failure. */
	walk_result_release(&res);
	tg_init(&t, 2);
	dep(&t, 1, 0);
	t.verdict[0] = -42;
	CHECK_INT(run(&t, 2, false, &res), 0);
	CHECK_INT(res.nodes[0].state, WALK_FAILED);
	CHECK_INT(res.nodes[1].state, WALK_SKIPPED);
	walk_result_release(&res);
}

TEST(walk_first_failure_is_the_recorded_cause)
{
	/* 2 depends on 0 and 1, both fail; par 1 runs 0 first, so 0 is the cause. */
	struct tg t;
	struct walk_result res;
	tg_init(&t, 3);
	dep(&t, 2, 0);
	dep(&t, 2, 1);
	t.verdict[0] = t.verdict[1] = WALK_FAIL;
	CHECK_INT(run(&t, 1, false, &res), 0);
	CHECK_INT(res.nodes[2].state, WALK_SKIPPED);
	CHECK_INT(res.nodes[2].cause, 0);
	CHECK_INT(t.ev_end_seen[2], 1);
	walk_result_release(&res);
}

TEST(walk_skip_verdict_does_not_hold_back_dependents)
{
	struct tg t;
	struct walk_result res;
	tg_init(&t, 3);
	dep(&t, 1, 0);
	dep(&t, 2, 1);
	t.verdict[0] = WALK_SKIP;
	CHECK_INT(run(&t, 2, false, &res), 0);
	CHECK_INT(walk_result_status(&res), 0);
	CHECK_INT(res.nodes[0].state, WALK_SKIPPED);
	CHECK_INT(res.nodes[0].cause, WALK_NONE);
	CHECK_INT(res.nodes[1].state, WALK_DONE);
	CHECK_INT(res.nodes[2].state, WALK_DONE);
	walk_result_release(&res);
}

TEST(walk_reverse_goes_dependents_first_and_failure_skips_dependencies)
{
	struct tg t;
	struct walk_result res;
	/* 2 -> 1 -> 0 (2 depends on 1 depends on 0); 3 alone. */
	tg_init(&t, 4);
	dep(&t, 1, 0);
	dep(&t, 2, 1);
	CHECK_INT(run(&t, 1, true, &res), 0);
	CHECK_INT(t.start_order[0], 2);
	CHECK_INT(t.start_order[1], 1);
	CHECK_INT(t.start_order[2], 0);
	CHECK_INT(t.start_order[3], 3);
	walk_result_release(&res);

	tg_init(&t, 4);
	dep(&t, 1, 0);
	dep(&t, 2, 1);
	t.verdict[1] = WALK_FAIL;
	CHECK_INT(run(&t, 2, true, &res), 0);
	CHECK_INT(res.nodes[2].state, WALK_DONE);
	CHECK_INT(res.nodes[1].state, WALK_FAILED);
	CHECK_INT(res.nodes[0].state, WALK_SKIPPED);
	CHECK_INT(res.nodes[0].cause, 1);
	CHECK_INT(res.nodes[3].state, WALK_DONE);
	walk_result_release(&res);
}

TEST(walk_cancel_lets_in_flight_finish_and_starts_nothing_new)
{
	struct tg t;
	struct walk_result res;
	atomic_int cancel = 0;
	tg_init(&t, 10);
	dep(&t, 9, 0);
	t.cancel = &cancel;
	t.cancel_at = 0;
	t.cancel_wait_started = 2; /* nodes 0 and 1 are in flight */
	t.sleep_us[1] = 20000;
	t.verdict[1] = WALK_FAIL; /* in-flight results are kept */
	CHECK_INT(run(&t, 2, false, &res), 0);
	CHECK(res.canceled);
	CHECK_INT(walk_result_status(&res), BERTH_ECANCELED);
	CHECK_INT(res.nodes[0].state, WALK_DONE);
	CHECK_INT(res.nodes[1].state, WALK_FAILED);
	for (size_t i = 2; i < 10; i++) {
		CHECK_INT(res.nodes[i].state, WALK_CANCELED);
		CHECK_INT(atomic_load(&t.calls[i]), 0);
	}
	CHECK_INT(res.n_canceled, 8);
	CHECK_INT(t.ev_count[WALK_EV_CANCELED], 8);
	walk_result_release(&res);
}

/* The real use: SIGINT's handler stores to the flag. */
static atomic_int sig_cancel_flag;
static void on_sigusr1(int sig)
{
	(void)sig;
	atomic_store(&sig_cancel_flag, 1);
}

TEST(walk_cancel_from_a_signal_handler)
{
	struct tg t;
	struct walk_result res;
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, &old);
	atomic_store(&sig_cancel_flag, 0);
	tg_init(&t, 5);
	for (size_t i = 1; i < 5; i++)
		dep(&t, i, i - 1);
	t.cancel = &sig_cancel_flag;
	t.cancel_at = 1;
	t.raise_signal = true;
	CHECK_INT(run(&t, 3, false, &res), 0);
	sigaction(SIGUSR1, &old, NULL);
	CHECK_INT(res.nodes[0].state, WALK_DONE);
	CHECK_INT(res.nodes[1].state, WALK_DONE);
	CHECK_INT(res.nodes[2].state, WALK_CANCELED);
	CHECK_INT(res.nodes[4].state, WALK_CANCELED);
	walk_result_release(&res);
}

static int validate_msg(struct tg *t, const char *const *names, char *msg, size_t len)
{
	struct diags d = DIAGS_INIT;
	struct walk_result res;
	struct walk_opts o = { 0 };
	int ret;
	o.parallelism = 2;
	o.fn = test_cb;
	o.fn_ctx = t;
	t->g.names = names;
	ret = walk_run(&t->g, &o, &res, &d);
	snprintf(msg, len, "%s", d.n ? d.items[0].summary : "");
	if (!ret)
		walk_result_release(&res);
	diags_release(&d);
	return ret;
}

TEST(walk_rejects_cycles_and_bad_edges_with_a_clear_message)
{
	static const char *const names[] = { "a", "b", "c", "d" };
	struct tg t;
	char msg[256];

	tg_init(&t, 4);
	dep(&t, 0, 1);
	dep(&t, 1, 2);
	dep(&t, 2, 0);
	CHECK_INT(validate_msg(&t, names, msg, sizeof(msg)), BERTH_EINVAL);
	CHECK_STR(msg, "dependency cycle: 'a' -> 'b' -> 'c' -> 'a'");
	for (size_t i = 0; i < 3; i++)
		CHECK_INT(atomic_load(&t.calls[i]), 0);

	/* The first node is not on the cycle; the report still starts from the
	 * cycle's lowest index. */
	tg_init(&t, 4);
	dep(&t, 0, 3);
	dep(&t, 3, 2);
	dep(&t, 2, 3);
	CHECK_INT(validate_msg(&t, names, msg, sizeof(msg)), BERTH_EINVAL);
	CHECK_STR(msg, "dependency cycle: 'c' -> 'd' -> 'c'");

	tg_init(&t, 2);
	dep(&t, 1, 1);
	CHECK_INT(validate_msg(&t, NULL, msg, sizeof(msg)), BERTH_EINVAL);
	CHECK_STR(msg, "dependency cycle: node 1 -> node 1");

	tg_init(&t, 2);
	dep(&t, 1, 5);
	CHECK_INT(validate_msg(&t, names, msg, sizeof(msg)), BERTH_EINVAL);
	CHECK_STR(msg, "'b' depends on node 5, but the graph has only 2 nodes");

	tg_init(&t, 2);
	dep(&t, 1, 0);
	dep(&t, 1, 0); /* duplicate edges are fine */
	CHECK_INT(validate_msg(&t, names, msg, sizeof(msg)), 0);
}

TEST(walk_rejects_bad_options_and_handles_empty_graphs)
{
	struct tg t;
	struct walk_result res;
	struct diags d = DIAGS_INIT;
	struct walk_opts o = { 0 };
	tg_init(&t, 3);
	o.fn = test_cb;
	o.fn_ctx = &t;
	o.parallelism = 0;
	CHECK_INT(walk_run(&t.g, &o, &res, &d), BERTH_EINVAL);
	CHECK_STR(d.items[0].summary, "parallelism must be at least 1");
	diags_release(&d);

	tg_init(&t, 0);
	CHECK_INT(run(&t, 4, false, &res), 0);
	CHECK_INT(res.n, 0);
	CHECK_INT(walk_result_status(&res), 0);
	walk_result_release(&res);

	/* No edge arrays at all. */
	tg_init(&t, 3);
	t.g.ndeps = NULL;
	t.g.deps = NULL;
	CHECK_INT(run(&t, 2, true, &res), 0);
	CHECK_INT(res.n_done, 3);
	walk_result_release(&res);
}

TEST_MAIN()
