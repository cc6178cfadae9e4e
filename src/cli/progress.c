/* Progress rendering for long operations; see progress.h. One mutex guards the
 * whole renderer: calls are short (format a line, write it) and come from
 * walker threads, the ticker and the main thread. */
#include "util/common.h"
#include "cli/progress.h"
#include "util/buf.h"

#include <pthread.h>
#include <stdarg.h>
#include <time.h>

struct op {
	char *address, *action, *waiting;
	int64_t start_ms;
	int64_t next_report_ms; /* plain mode: when the next periodic line is due */
	bool active;
	/* The wait in progress (progress_wait_begin), if wait_open. */
	bool wait_open, wait_told;
	int64_t wait_start_ms, wait_budget_ms;
};

struct progress {
	struct progress_opts o;
	pthread_mutex_t lock;
	struct op *ops; /* handles index this; never reused */
	size_t n, alloc;

	/* terminal mode */
	struct buf pending;    /* permanent lines waiting for the next redraw */
	struct buf last_block; /* the in-flight block as last drawn */
	size_t lines_drawn;    /* how many lines that block has on screen */
	int64_t last_draw_ms;

	/* ticker */
	pthread_t ticker;
	pthread_cond_t stop_cv;
	bool ticker_running, stop;
};

static int64_t monotonic_ms(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_ms(struct progress *p)
{
	return p->o.clock(p->o.clock_ctx);
}

void progress_format_duration(char *out, size_t len, int64_t ms)
{
	long long s = ms < 0 ? 0 : (long long)(ms / 1000);
	if (s < 60)
		snprintf(out, len, "%llds", s);
	else if (s < 3600)
		snprintf(out, len, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(out, len, "%lldh%02lldm%02llds", s / 3600, s / 60 % 60, s % 60);
}

void progress_format_took(char *out, size_t len, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (ms < 10000)
		snprintf(out, len, "%lld.%llds", (long long)(ms / 1000), (long long)(ms % 1000 / 100));
	else
		progress_format_duration(out, len, ms);
}

/* "ADDRESS: ACTION... (waiting for WHAT, ELAPSED)" */
static void status_line(struct buf *b, const struct op *op, int64_t now)
{
	char dur[32];
	progress_format_duration(dur, sizeof(dur), now - op->start_ms);
	buf_addf(b, "%s: %s... (", op->address, op->action);
	if (op->waiting)
		buf_addf(b, "waiting for %s, ", op->waiting);
	buf_addf(b, "%s)", dur);
}

static void emit(struct progress *p, const struct buf *b)
{
	fwrite(b->ptr, 1, b->len, p->o.out);
	fflush(p->o.out);
}

/* Terminal mode: the in-flight block, each line cut to the width so that no
 * line wraps (a wrapped line would throw off the cursor movement). */
static size_t build_block(struct progress *p, int64_t now, struct buf *block)
{
	size_t lines = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct buf line = BUF_INIT;
		if (!p->ops[i].active)
			continue;
		status_line(&line, &p->ops[i], now);
		if (p->o.width > 1 && line.len > (size_t)p->o.width - 1)
			buf_setlen(&line, (size_t)p->o.width - 1);
		buf_addbuf(block, &line);
		buf_addch(block, '\n');
		buf_release(&line);
		lines++;
	}
	return lines;
}

/* Moves back over the block on screen and clears from there down. */
static void erase_block(struct progress *p, struct buf *out)
{
	if (p->lines_drawn)
		buf_addf(out, "\r\033[%zuA\033[J", p->lines_drawn);
}

static void redraw(struct progress *p, int64_t now)
{
	struct buf block = BUF_INIT, out = BUF_INIT;
	size_t lines = build_block(p, now, &block);
	if (!p->pending.len && !strcmp(block.ptr, p->last_block.ptr))
		goto cleanup; /* nothing visible changed */
	erase_block(p, &out);
	buf_addbuf(&out, &p->pending);
	buf_addbuf(&out, &block);
	emit(p, &out);
	buf_reset(&p->pending);
	buf_reset(&p->last_block);
	buf_addbuf(&p->last_block, &block);
	p->lines_drawn = lines;
	p->last_draw_ms = now;
cleanup:
	buf_release(&block);
	buf_release(&out);
}

static void maybe_redraw(struct progress *p, int64_t now)
{
	if (now - p->last_draw_ms >= p->o.redraw_min_ms)
		redraw(p, now);
}

/* A permanent line: printed now in plain mode, above the block on a terminal. */
static void permanent(struct progress *p, const struct buf *line, int64_t now)
{
	if (p->o.tty) {
		buf_addbuf(&p->pending, line);
		buf_addch(&p->pending, '\n');
		maybe_redraw(p, now);
	} else {
		struct buf b = BUF_INIT;
		buf_addbuf(&b, line);
		buf_addch(&b, '\n');
		emit(p, &b);
		buf_release(&b);
	}
}

struct progress *progress_new(const struct progress_opts *opts)
{
	struct progress *p = xcalloc(1, sizeof(*p));
	pthread_condattr_t ca;
	p->o = *opts;
	if (!p->o.clock)
		p->o.clock = monotonic_ms;
	if (p->o.plain_every_ms <= 0)
		p->o.plain_every_ms = 10000;
	if (p->o.redraw_min_ms <= 0)
		p->o.redraw_min_ms = 250;
	if (p->o.wait_quiet_ms == 0)
		p->o.wait_quiet_ms = 1000;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->stop_cv, &ca);
	pthread_condattr_destroy(&ca);
	buf_init(&p->pending, 0);
	buf_init(&p->last_block, 0);
	/* So the first event draws at once. */
	p->last_draw_ms = INT64_MIN / 2;
	return p;
}

int progress_begin(struct progress *p, const char *address, const char *action)
{
	struct op *op;
	int64_t now;
	int id;
	pthread_mutex_lock(&p->lock);
	now = now_ms(p);
	ALLOC_GROW(p->ops, p->n + 1, p->alloc);
	id = (int)p->n;
	op = &p->ops[p->n++];
	op->address = xstrdup(address);
	op->action = xstrdup(action);
	op->waiting = NULL;
	op->start_ms = now;
	op->next_report_ms = now + p->o.plain_every_ms;
	op->active = true;
	op->wait_open = op->wait_told = false;
	if (p->o.tty) {
		maybe_redraw(p, now);
	} else {
		struct buf line = BUF_INIT;
		buf_addf(&line, "%s: %s...", address, action);
		permanent(p, &line, now);
		buf_release(&line);
	}
	pthread_mutex_unlock(&p->lock);
	return id;
}

static struct op *op_get(struct progress *p, int id)
{
	if (id < 0 || (size_t)id >= p->n || !p->ops[id].active)
		return NULL;
	return &p->ops[id];
}

void progress_waiting(struct progress *p, int id, const char *what)
{
	struct op *op;
	pthread_mutex_lock(&p->lock);
	if ((op = op_get(p, id))) {
		free(op->waiting);
		op->waiting = what ? xstrdup(what) : NULL;
	}
	pthread_mutex_unlock(&p->lock);
}

/* Plain mode: "ADDRESS: waiting for WHAT (up to BUDGET)", once per wait. */
static void announce_wait(struct progress *p, struct op *op, int64_t now)
{
	struct buf line = BUF_INIT;
	buf_addf(&line, "%s: waiting for %s", op->address, op->waiting ? op->waiting : "AWS");
	if (op->wait_budget_ms > 0) {
		char budget[32];
		progress_format_duration(budget, sizeof(budget), op->wait_budget_ms);
		buf_addf(&line, " (up to %s)", budget);
	}
	permanent(p, &line, now);
	buf_release(&line);
	op->wait_told = true;
}

void progress_wait_begin(struct progress *p, int id, const char *what, int64_t budget_ms)
{
	struct op *op;
	pthread_mutex_lock(&p->lock);
	if ((op = op_get(p, id))) {
		int64_t now = now_ms(p);
		free(op->waiting);
		op->waiting = what ? xstrdup(what) : NULL;
		if (!op->wait_open) {
			op->wait_open = true;
			op->wait_told = false;
			op->wait_start_ms = now;
			op->wait_budget_ms = 0;
		}
		/* A wait may name itself again as it goes (a stack's status):
		 * one wait, the largest budget. */
		if (budget_ms > op->wait_budget_ms)
			op->wait_budget_ms = budget_ms;
		if (!p->o.tty && !op->wait_told && p->o.wait_quiet_ms < 0)
			announce_wait(p, op, now);
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_wait_end(struct progress *p, int id, bool ok)
{
	struct op *op;
	pthread_mutex_lock(&p->lock);
	if ((op = op_get(p, id)) && op->wait_open) {
		int64_t now = now_ms(p);
		/* Long enough to tell, though no tick came in time to: told late,
		 * so every wait of a second or more is on record. */
		if (!p->o.tty && !op->wait_told && p->o.wait_quiet_ms >= 0 &&
		    now - op->wait_start_ms >= p->o.wait_quiet_ms)
			announce_wait(p, op, now);
		if (!p->o.tty && op->wait_told) {
			struct buf line = BUF_INIT;
			char took[32];
			progress_format_took(took, sizeof(took), now - op->wait_start_ms);
			buf_addf(&line, "%s: %s %s for %s", op->address,
				 ok ? "waited" : "stopped waiting after", took,
				 op->waiting ? op->waiting : "AWS");
			permanent(p, &line, now);
			buf_release(&line);
		}
		op->wait_open = op->wait_told = false;
		free(op->waiting);
		op->waiting = NULL;
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_end(struct progress *p, int id, const char *outcome)
{
	struct op *op;
	pthread_mutex_lock(&p->lock);
	if ((op = op_get(p, id))) {
		struct buf line = BUF_INIT;
		int64_t now = now_ms(p);
		char dur[32];
		progress_format_took(dur, sizeof(dur), now - op->start_ms);
		op->active = false;
		buf_addf(&line, "%s: %s (%s)", op->address, outcome, dur);
		permanent(p, &line, now);
		buf_release(&line);
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_note(struct progress *p, const char *fmt, ...)
{
	struct buf line = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&line, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&p->lock);
	permanent(p, &line, now_ms(p));
	pthread_mutex_unlock(&p->lock);
	buf_release(&line);
}

static void tick_locked(struct progress *p)
{
	int64_t now = now_ms(p);
	if (p->o.tty) {
		maybe_redraw(p, now);
		return;
	}
	for (size_t i = 0; i < p->n; i++) {
		struct op *op = &p->ops[i];
		struct buf line = BUF_INIT;
		int64_t every = p->o.plain_every_ms;
		if (!op->active)
			continue;
		/* A wait is news once it has lasted wait_quiet_ms: a read that
		 * lagged a moment is not. */
		if (op->wait_open && !op->wait_told && now - op->wait_start_ms >= p->o.wait_quiet_ms)
			announce_wait(p, op, now);
		if (now < op->next_report_ms)
			continue;
		status_line(&line, op, now);
		permanent(p, &line, now);
		buf_release(&line);
		/* After a late tick, the next line is due at the next multiple of
		 * the period, not a burst of the missed ones. */
		op->next_report_ms = op->start_ms + ((now - op->start_ms) / every + 1) * every;
	}
}

void progress_tick(struct progress *p)
{
	pthread_mutex_lock(&p->lock);
	tick_locked(p);
	pthread_mutex_unlock(&p->lock);
}

static void *ticker_main(void *arg)
{
	struct progress *p = arg;
	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 250 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->stop_cv, &p->lock, &ts);
		if (!p->stop)
			tick_locked(p);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int progress_start_ticker(struct progress *p)
{
	int ret = 0;
	pthread_mutex_lock(&p->lock);
	if (!p->ticker_running) {
		if (pthread_create(&p->ticker, NULL, ticker_main, p))
			ret = -1;
		else
			p->ticker_running = true;
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	if (p->ticker_running) {
		pthread_mutex_lock(&p->lock);
		p->stop = true;
		pthread_cond_signal(&p->stop_cv);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->ticker, NULL);
	}
	if (p->o.tty && (p->lines_drawn || p->pending.len)) {
		/* Leave the permanent lines, not a stale block. */
		struct buf out = BUF_INIT;
		erase_block(p, &out);
		buf_addbuf(&out, &p->pending);
		emit(p, &out);
		buf_release(&out);
	}
	for (size_t i = 0; i < p->n; i++) {
		free(p->ops[i].address);
		free(p->ops[i].action);
		free(p->ops[i].waiting);
	}
	free(p->ops);
	buf_release(&p->pending);
	buf_release(&p->last_block);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->stop_cv);
	free(p);
}
