/* Unit tests for src/cli/progress.c: plain lines pinned exactly with an
 * injected clock, the terminal mode's escape sequences and rate limit, and
 * concurrent use from many threads with the ticker running. */
#include "util/common.h"
#include "harness.h"
#include "cli/progress.h"

#include <pthread.h>
#include <time.h>

struct capture {
	char *text;
	size_t len;
	FILE *f;
	size_t seen; /* how much of text the test has consumed */
};

static void cap_open(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->text, &c->len);
	if (!c->f)
		abort();
}

/* What was written since the last call (valid until the next). */
static const char *cap_new(struct capture *c)
{
	static char out[4096];
	fflush(c->f);
	snprintf(out, sizeof(out), "%.*s", (int)(c->len - c->seen), c->text + c->seen);
	c->seen = c->len;
	return out;
}

static void cap_close(struct capture *c)
{
	fclose(c->f);
	free(c->text);
}

static int64_t fake_now(void *ctx)
{
	return *(int64_t *)ctx;
}

TEST(progress_durations)
{
	char b[32];
	static const struct { int64_t ms; const char *want; } cases[] = {
		{ -5, "0s" }, { 0, "0s" }, { 999, "0s" }, { 35000, "35s" }, { 59999, "59s" },
		{ 60000, "1m00s" }, { 72000, "1m12s" }, { 3599000, "59m59s" },
		{ 3723000, "1h02m03s" }, { 90061000, "25h01m01s" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		progress_format_duration(b, sizeof(b), cases[i].ms);
		CHECK_STR(b, cases[i].want);
	}
	/* A finished operation: tenths below ten seconds, so that a create
	 * of 400 ms is not "0s". */
	static const struct { int64_t ms; const char *want; } took[] = {
		{ -5, "0.0s" }, { 0, "0.0s" }, { 420, "0.4s" }, { 999, "0.9s" }, { 1000, "1.0s" },
		{ 9999, "9.9s" }, { 10000, "10s" }, { 72000, "1m12s" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(took); i++) {
		progress_format_took(b, sizeof(b), took[i].ms);
		CHECK_STR(b, took[i].want);
	}
}

TEST(progress_plain_lines_exactly)
{
	struct capture c;
	int64_t t = 0;
	struct progress_opts o = { 0 };
	struct progress *p;
	int nat, cluster;
	cap_open(&c);
	o.out = c.f;
	o.clock = fake_now;
	o.clock_ctx = &t;
	p = progress_new(&o);

	nat = progress_begin(p, "module.net.nat[0]", "creating");
	CHECK_STR(cap_new(&c), "module.net.nat[0]: creating...\n");
	progress_waiting(p, nat, "available");
	CHECK_STR(cap_new(&c), "");
	t = 5000;
	cluster = progress_begin(p, "cluster", "creating");
	CHECK_STR(cap_new(&c), "cluster: creating...\n");
	t = 9999;
	progress_tick(p);
	CHECK_STR(cap_new(&c), "");
	t = 10000;
	progress_tick(p);
	CHECK_STR(cap_new(&c), "module.net.nat[0]: creating... (waiting for available, 10s)\n");
	progress_tick(p);
	CHECK_STR(cap_new(&c), "");
	t = 14000;
	progress_end(p, cluster, "created");
	CHECK_STR(cap_new(&c), "cluster: created (9.0s)\n");
	/* A late tick gives one line, not the missed ones. */
	t = 35000;
	progress_tick(p);
	CHECK_STR(cap_new(&c), "module.net.nat[0]: creating... (waiting for available, 35s)\n");
	t = 39999;
	progress_tick(p);
	CHECK_STR(cap_new(&c), "");
	t = 40000;
	progress_waiting(p, nat, NULL);
	progress_tick(p);
	CHECK_STR(cap_new(&c), "module.net.nat[0]: creating... (40s)\n");
	t = 72000;
	progress_end(p, nat, "created");
	CHECK_STR(cap_new(&c), "module.net.nat[0]: created (1m12s)\n");
	/* Ended operations are quiet, and handles are checked. */
	t = 200000;
	progress_tick(p);
	progress_end(p, nat, "created");
	progress_waiting(p, 99, "x");
	progress_end(p, -1, "x");
	CHECK_STR(cap_new(&c), "");
	progress_note(p, "Apply complete: %d created", 2);
	CHECK_STR(cap_new(&c), "Apply complete: 2 created\n");
	progress_free(p);
	CHECK_STR(cap_new(&c), "");
	cap_close(&c);
}

/* Waits in plain mode: a line when one has lasted a second (what, budget),
 * one when it ends (how long); a wait that ends at the next look prints
 * nothing, and a wait renamed as it goes is one wait. */
TEST(progress_plain_waits_begin_and_end)
{
	struct capture c;
	int64_t t = 0;
	struct progress_opts o = { 0 };
	struct progress *p;
	int lb, sg;
	cap_open(&c);
	o.out = c.f;
	o.clock = fake_now;
	o.clock_ctx = &t;
	p = progress_new(&o);

	lb = progress_begin(p, "alb", "creating");
	sg = progress_begin(p, "sg", "creating");
	cap_new(&c);
	t = 100;
	progress_wait_begin(p, lb, "the load balancer to be active", 20L * 60 * 1000);
	progress_wait_begin(p, sg, "it to be readable", 600000);
	CHECK_STR(cap_new(&c), "");
	t = 400;
	progress_tick(p);
	progress_wait_end(p, sg, true); /* a lag of 0.3 s: not news */
	CHECK_STR(cap_new(&c), "");
	t = 1099;
	progress_tick(p);
	CHECK_STR(cap_new(&c), "");
	t = 1100;
	progress_tick(p);
	CHECK_STR(cap_new(&c), "alb: waiting for the load balancer to be active (up to 20m00s)\n");
	progress_tick(p);
	progress_wait_begin(p, lb, "the load balancer to be active", 0);
	CHECK_STR(cap_new(&c), "");
	t = 3500;
	progress_wait_end(p, lb, true);
	CHECK_STR(cap_new(&c), "alb: waited 3.4s for the load balancer to be active\n");
	progress_wait_end(p, lb, true);
	CHECK_STR(cap_new(&c), "");
	/* The next wait of the same operation is a new one. */
	progress_wait_begin(p, lb, "CREATE_COMPLETE", 0);
	progress_wait_begin(p, lb, "stack x to reach CREATE_COMPLETE", 90000);
	t = 5000;
	progress_tick(p);
	CHECK_STR(cap_new(&c), "alb: waiting for stack x to reach CREATE_COMPLETE (up to 1m30s)\n");
	t = 95000;
	progress_wait_end(p, lb, false);
	CHECK_STR(cap_new(&c), "alb: stopped waiting after 1m31s for stack x to reach "
		  "CREATE_COMPLETE\n");
	/* A wait of a second or more that no tick announced is told at its
	 * end, both lines. */
	progress_wait_begin(p, sg, "it to be readable", 600000);
	t = 96200;
	progress_wait_end(p, sg, true);
	CHECK_STR(cap_new(&c), "sg: waiting for it to be readable (up to 10m00s)\n"
		  "sg: waited 1.2s for it to be readable\n");
	progress_end(p, lb, "creation failed");
	progress_end(p, sg, "created");
	cap_new(&c);
	progress_free(p);

	/* wait_quiet_ms < 0: every wait at once. */
	o.wait_quiet_ms = -1;
	t = 0;
	p = progress_new(&o);
	sg = progress_begin(p, "sg", "deleting");
	cap_new(&c);
	progress_wait_begin(p, sg, "what depends on it to go", 0);
	CHECK_STR(cap_new(&c), "sg: waiting for what depends on it to go\n");
	t = 200;
	progress_wait_end(p, sg, true);
	CHECK_STR(cap_new(&c), "sg: waited 0.2s for what depends on it to go\n");
	progress_end(p, sg, "deleted");
	progress_free(p);
	cap_close(&c);
}

TEST(progress_terminal_redraws_in_place_at_most_4hz)
{
	struct capture c;
	int64_t t = 0;
	struct progress_opts o = { 0 };
	struct progress *p;
	int a, b;
	cap_open(&c);
	o.out = c.f;
	o.tty = true;
	o.clock = fake_now;
	o.clock_ctx = &t;
	p = progress_new(&o);

	a = progress_begin(p, "a", "creating");
	CHECK_STR(cap_new(&c), "a: creating... (0s)\n");
	t = 100;
	b = progress_begin(p, "b", "deleting");
	CHECK_STR(cap_new(&c), ""); /* too soon after the last draw */
	t = 250;
	progress_tick(p);
	CHECK_STR(cap_new(&c), "\r\033[1A\033[Ja: creating... (0s)\nb: deleting... (0s)\n");
	t = 400;
	progress_tick(p);
	CHECK_STR(cap_new(&c), "");
	t = 600;
	progress_tick(p);
	CHECK_STR(cap_new(&c), ""); /* nothing visible changed */
	t = 1000;
	progress_waiting(p, a, "available");
	progress_tick(p);
	CHECK_STR(cap_new(&c), "\r\033[2A\033[Ja: creating... (waiting for available, 1s)\n"
			       "b: deleting... (0s)\n");
	t = 1100;
	progress_end(p, b, "deleted");
	CHECK_STR(cap_new(&c), "");
	t = 1250;
	progress_tick(p);
	CHECK_STR(cap_new(&c), "\r\033[2A\033[Jb: deleted (1.0s)\n"
			       "a: creating... (waiting for available, 1s)\n");
	t = 1300;
	progress_note(p, "warning: %s", "slow");
	progress_end(p, a, "created");
	progress_free(p); /* flushes what is pending, leaves no block */
	CHECK_STR(cap_new(&c), "\r\033[1A\033[Jwarning: slow\na: created (1.3s)\n");
	cap_close(&c);
}

TEST(progress_terminal_cuts_lines_to_the_width)
{
	struct capture c;
	int64_t t = 0;
	struct progress_opts o = { 0 };
	struct progress *p;
	cap_open(&c);
	o.out = c.f;
	o.tty = true;
	o.width = 10;
	o.clock = fake_now;
	o.clock_ctx = &t;
	p = progress_new(&o);
	progress_begin(p, "a", "creating");
	CHECK_STR(cap_new(&c), "a: creati\n");
	progress_free(p);
	CHECK_STR(cap_new(&c), "\r\033[1A\033[J");
	cap_close(&c);
}

struct hammer {
	struct progress *p;
	int id;
};

static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	for (int i = 0; i < 50; i++) {
		char addr[32];
		int op;
		snprintf(addr, sizeof(addr), "t%d.r%d", h->id, i);
		op = progress_begin(h->p, addr, "creating");
		progress_waiting(h->p, op, "available");
		if (i % 7 == 0) {
			struct timespec ts = { 0, 2000000 };
			nanosleep(&ts, NULL);
		}
		progress_end(h->p, op, "created");
	}
	return NULL;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *s = hay; (s = strstr(s, needle)); s++)
		n++;
	return n;
}

TEST(progress_is_thread_safe_with_the_ticker)
{
	for (int tty = 0; tty < 2; tty++) {
		struct capture c;
		struct progress_opts o = { 0 };
		struct progress *p;
		pthread_t th[6];
		struct hammer h[6];
		cap_open(&c);
		o.out = c.f;
		o.tty = tty;
		o.plain_every_ms = 5;
		o.redraw_min_ms = 5;
		p = progress_new(&o);
		CHECK_INT(progress_start_ticker(p), 0);
		for (int i = 0; i < 6; i++) {
			h[i] = (struct hammer){ p, i };
			CHECK_INT(pthread_create(&th[i], NULL, hammer_main, &h[i]), 0);
		}
		for (int i = 0; i < 6; i++)
			pthread_join(th[i], NULL);
		progress_free(p);
		cap_new(&c);
		/* Every operation's end reached the output exactly once. */
		CHECK_INT(count(c.text, ": created ("), 300);
		CHECK_INT(count(c.text, "t5.r49: created ("), 1);
		cap_close(&c);
	}
}

TEST(progress_ticker_prints_periodic_lines_on_its_own)
{
	struct capture c;
	struct progress_opts o = { 0 };
	struct progress *p;
	struct timespec ts = { 1, 100 * 1000000L };
	int op;
	cap_open(&c);
	o.out = c.f;
	o.plain_every_ms = 200;
	p = progress_new(&o);
	CHECK_INT(progress_start_ticker(p), 0);
	op = progress_begin(p, "slow", "creating");
	progress_waiting(p, op, "stable");
	nanosleep(&ts, NULL);
	progress_end(p, op, "created");
	progress_free(p);
	cap_new(&c);
	/* Ticks every 250 ms over 1.1 s with a 200 ms period: about four lines;
	 * at least two even on a slow machine. */
	CHECK(count(c.text, "slow: creating... (waiting for stable, ") >= 2);
	CHECK_CONTAINS(c.text, "slow: created (1.");
	cap_close(&c);
}

TEST_MAIN()
