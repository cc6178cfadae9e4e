/* The session the stack commands share: spec, AWS client, engine, lock,
 * progress and Ctrl-C. */
#include "util/common.h"
#include "cli/stack.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "aws/client.h"
#include "graph/walk.h"
#include "engine/statefile.h"
#include "resources/resource.h"
#include "util/buf.h"
#include "util/duration.h"
#include "util/log.h"

/* Signal plumbing: a handler can reach only static storage, so these are
 * the one piece of process-wide state the stack commands keep. They are set
 * while a session is open and cleared when it closes. The first
 * SIGINT/SIGTERM asks the walker to stop (operations in flight finish and are
 * recorded); a second one releases the lock and leaves at once. A handler
 * can only write fixed bytes, so each signal wakes the session's watcher
 * thread, which says what the interrupt did: which operations are in flight
 * (and, the second time, abandoned) and how to go on. A third signal leaves
 * even if the watcher cannot. */
static atomic_int *volatile signal_cancel;
static struct fs_lock *volatile signal_lock;
static volatile int signal_wake = -1;
static atomic_int signal_count;
static atomic_int signal_first; /* SIGINT or SIGTERM: the exit code is 128 + it */

static void on_signal(int sig)
{
	int saved = errno;
	int n = atomic_fetch_add(&signal_count, 1) + 1;
	if (n == 1)
		atomic_store(&signal_first, sig);
	atomic_int *flag = signal_cancel;
	if (flag && n == 1)
		atomic_store(flag, 1);
	if (signal_wake >= 0 && n <= 2) {
		char c = (char)sig;
		if (write(signal_wake, &c, 1) == 1) {
			errno = saved;
			return;
		}
	}
	if (flag && n == 1) {
		errno = saved;
		return;
	}
	if (signal_lock)
		fs_lock_release(signal_lock);
	static const char msg[] = "\nberth: interrupted again: left at once; operations in "
				  "flight were abandoned (the next run reads what AWS has)\n";
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(128 + sig);
	_exit(128 + sig);
}

/* "a (creating), b (destroying)" and how many have ended, under s->mu. */
static size_t in_flight(struct session *s, struct buf *names, size_t *ended)
{
	size_t n = 0;
	*ended = 0;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->nops; i++) {
		if (!s->ops[i].active) {
			(*ended)++;
			continue;
		}
		if (n++ < 12)
			buf_addf(names, "%s%s (%s)", n > 1 ? ", " : "", s->ops[i].address,
				 s->ops[i].action);
	}
	pthread_mutex_unlock(&s->mu);
	if (n > 12)
		buf_addf(names, " and %zu more", n - 12);
	return n;
}

static size_t n_ops(struct session *s)
{
	pthread_mutex_lock(&s->mu);
	size_t n = s->nops;
	pthread_mutex_unlock(&s->mu);
	return n;
}

static const char *continue_hint(const struct session *s)
{
	if (!strcmp(s->command, "apply"))
		return "run apply again: it reads what AWS has and continues from there";
	if (!strcmp(s->command, "destroy"))
		return "run destroy again: it finds what is left by its tags";
	return "run it again";
}

static void *watch_signals(void *arg)
{
	struct session *s = arg;
	FILE *f = s->ctx->err;
	char c;
	for (int seen = 0;;) {
		ssize_t r = read(s->wake[0], &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != 1 || c == 0)
			return NULL; /* the session is closing */
		struct buf names = BUF_INIT;
		size_t ended, n = in_flight(s, &names, &ended);
		if (++seen == 1) {
			if (!s->writes || !n_ops(s))
				fprintf(f, "\nInterrupt received: berth %s stops once the reads in "
					   "flight return; it has changed nothing.\n", s->command);
			else if (n)
				fprintf(f, "\nInterrupt received: starting nothing new; letting the "
					   "%zu operation%s in flight finish so that AWS and berth "
					   "agree: %s. %zu done so far. Press Ctrl-C again to leave "
					   "at once (abandoning them).\n", n, n == 1 ? "" : "s",
					names.ptr, ended);
			else
				fprintf(f, "\nInterrupt received: starting nothing new (%zu operation%s "
					   "done so far).\n", ended, ended == 1 ? "" : "s");
			fflush(f);
			buf_release(&names);
			continue;
		}
		/* The second: leave now, saying what is left unknown. */
		const char *lock = s->locked ? " The stack's lock is released." : "";
		if (n)
			fprintf(f, "\nInterrupted again: leaving at once. Abandoned in flight "
				   "(each may or may not have happened in AWS): %s. %zu operation%s "
				   "done before.%s To go on, %s.\n", names.ptr, ended,
				ended == 1 ? "" : "s", lock, continue_hint(s));
		else if (!ended)
			fprintf(f, "\nInterrupted again: leaving at once; nothing had been "
				   "changed.%s\n", lock);
		else
			fprintf(f, "\nInterrupted again: leaving at once; no operation was in "
				   "flight (%zu done).%s To go on, %s.\n", ended, lock, continue_hint(s));
		fflush(f);
		buf_release(&names);
		if (s->locked)
			fs_lock_release(&s->lock);
		_exit(128 + atomic_load(&signal_first));
	}
}

static void signals_install(struct session *s)
{
	atomic_store(&signal_count, 0);
	atomic_store(&signal_first, 0);
	if (pipe2(s->wake, O_CLOEXEC) == 0) {
		if (pthread_create(&s->watcher, NULL, watch_signals, s) == 0) {
			s->watching = true;
			signal_wake = s->wake[1];
		} else {
			close(s->wake[0]);
			close(s->wake[1]);
			s->wake[0] = s->wake[1] = -1;
		}
	} else {
		s->wake[0] = s->wake[1] = -1;
	}
	signal_cancel = &s->cancel;
	signal_lock = s->locked ? &s->lock : NULL;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Stops the watcher; the handler stays until signals_restore, and leaves
 * by itself on a second signal from now on. */
static void signals_unwatch(struct session *s)
{
	if (!s->watching)
		return;
	signal_wake = -1;
	char c = 0;
	if (write(s->wake[1], &c, 1) != 1)
		pthread_cancel(s->watcher);
	pthread_join(s->watcher, NULL);
	s->watching = false;
}

static void signals_restore(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	/* Once interrupted, berth is on its way out with 128 + the signal and
	 * its summary: another Ctrl-C now would only kill it mid-sentence. */
	sa.sa_handler = atomic_load(&signal_count) ? SIG_IGN : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal_cancel = NULL;
	signal_lock = NULL;
}

int session_exit(struct session *s, int rc, bool nothing_changed)
{
	if (!atomic_load(&s->cancel))
		return rc;
	if (nothing_changed)
		fprintf(s->ctx->err, "berth %s: interrupted; nothing was changed.\n", s->command);
	/* 130 for Ctrl-C (SIGINT), 143 for SIGTERM, as shells report them. */
	int sig = atomic_load(&signal_first);
	return sig ? 128 + sig : EXIT_INTERRUPTED;
}

/* ---- progress through the engine's callbacks ---- */

static int ev_begin(void *ctx, const char *address, const char *action)
{
	struct session *s = ctx;
	pthread_mutex_lock(&s->mu);
	ALLOC_GROW(s->ops, s->nops + 1, s->aops);
	int id = (int)s->nops;
	struct session_op *op = &s->ops[s->nops++];
	op->address = xstrdup(address);
	op->action = xstrdup(action);
	op->active = true;
	op->prog_id = s->prog ? progress_begin(s->prog, address, action) : -1;
	pthread_mutex_unlock(&s->mu);
	return id;
}

static void ev_waiting(void *ctx, int op, const char *what, long budget_ms)
{
	struct session *s = ctx;
	pthread_mutex_lock(&s->mu);
	if (s->prog && op >= 0 && (size_t)op < s->nops && s->ops[op].prog_id >= 0)
		progress_wait_begin(s->prog, s->ops[op].prog_id, what, budget_ms);
	pthread_mutex_unlock(&s->mu);
}

static void ev_waited(void *ctx, int op, const char *what, long elapsed_ms, int err)
{
	struct session *s = ctx;
	(void)what; /* the renderer knows it, and times the wait on its own clock */
	(void)elapsed_ms;
	pthread_mutex_lock(&s->mu);
	if (s->prog && op >= 0 && (size_t)op < s->nops && s->ops[op].prog_id >= 0)
		progress_wait_end(s->prog, s->ops[op].prog_id, err == 0);
	pthread_mutex_unlock(&s->mu);
}

static void ev_end(void *ctx, int op, const char *outcome)
{
	struct session *s = ctx;
	pthread_mutex_lock(&s->mu);
	if (op >= 0 && (size_t)op < s->nops) {
		s->ops[op].active = false;
		if (s->prog && s->ops[op].prog_id >= 0)
			progress_end(s->prog, s->ops[op].prog_id, outcome);
	}
	pthread_mutex_unlock(&s->mu);
}

static void ev_note(void *ctx, const char *msg)
{
	struct session *s = ctx;
	if (s->ctx->g.verbose)
		fprintf(s->ctx->err, "%s\n", msg);
}

void session_flush_diags(struct session *s)
{
	diags_sort(&s->d);
	render_diags(s->ctx, &s->d);
	diags_release(&s->d);
}

/* Whether a name read from AWS or the user may become one folder name. */
static bool lock_key_ok(const char *k)
{
	if (!*k || *k == '.')
		return false;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '-' && *k != '_')
			return false;
	return true;
}

/* STATE/locks/ACCOUNT/REGION: the folder of the stack's local lock. */
static int local_lock_dir(struct session *s, char **out)
{
	const char *account;
	const char *region = aws_client_region(s->aws);
	char *base = NULL;
	if (engine_account(s->eng, &account, &s->d) || fs_user_state_dir(&base, &s->d))
		return -1;
	if (!region || !lock_key_ok(account) || !lock_key_ok(region)) {
		diags_add(&s->d, DIAG_ERROR, "cannot lock stack '%s': account '%s' or region '%s' "
					     "cannot name a folder", s->stack, account,
			  region ? region : "(none)");
		free(base);
		return -1;
	}
	*out = xasprintf("%s/locks/%s/%s", base, account, region);
	free(base);
	return 0;
}

/* Takes the stack's lock: one per stack per account and region on this
 * machine and account, in the user's state folder
 * (STATE/locks/ACCOUNT/REGION/STACK.lock), so two project folders, or
 * `destroy --stack` run from anywhere, meet the same lock. With
 * o->lock_timeout_s, a lock held by someone else is tried again each second
 * until then. 0, or -1 with the reason in s->d. */
static int stack_lock(struct session *s, const struct session_opts *o)
{
	char *dir = NULL;
	int ret = -1;
	if (local_lock_dir(s, &dir) || fs_mkdir_private(dir, &s->d))
		goto cleanup;
	int64_t deadline = walk_now_ms() + (int64_t)o->lock_timeout_s * 1000;
	bool told = false;
	for (;;) {
		struct diags ld = DIAGS_INIT;
		int err = fs_lock_acquire(dir, s->stack, o->lock_command, &s->lock, &ld);
		if (err != BERTH_ELOCKED || walk_now_ms() >= deadline) {
			diags_move(&s->d, &ld);
			diags_release(&ld);
			if (err)
				goto cleanup;
			break;
		}
		if (!told && ld.n) {
			fprintf(s->ctx->err, "berth: waiting up to %ds for the lock: %s\n",
				o->lock_timeout_s, ld.items[0].summary);
			told = true;
		}
		diags_release(&ld);
		if (s->cancel || usleep(500 * 1000) < 0) {
			diags_add(&s->d, DIAG_ERROR, "interrupted while waiting for the lock on stack '%s'",
				  s->stack);
			goto cleanup;
		}
	}
	s->locked = true;
	ret = 0;
cleanup:
	session_flush_diags(s); /* a stale lock taken over is a warning */
	free(dir);
	return ret;
}

static void s3_waiting(void *ctx, const char *holder)
{
	struct session *s = ctx;
	fprintf(s->ctx->err, "berth: waiting up to %ds for the lock: the stack is locked by %s\n",
		s->lock_wait_s, holder);
}

/* The S3 backend (--backend, else the spec's backend:): its lock instead of
 * the local one, and its state cache copied to a private folder of the
 * user's for the engine. 1 when the stack has one, 0 when not, -1 (the
 * reason in s->d, flushed) on failure. */
static int s3_backend_open(struct session *s, const struct session_opts *o)
{
	char *bucket = NULL, *prefix = NULL, *base = NULL, *path = NULL;
	const char *account, *region = aws_client_region(s->aws), *bregion = NULL;
	int ret = -1;
	if (o->backend_url) {
		if (s3b_parse_url(o->backend_url, &bucket, &prefix, &s->d))
			goto cleanup;
	} else if (s->spec && s->spec->backend.bucket) {
		bucket = xstrdup(s->spec->backend.bucket);
		prefix = xstrdup(s->spec->backend.prefix ? s->spec->backend.prefix : "");
		bregion = s->spec->backend.region;
	} else {
		return 0;
	}
	if (engine_account(s->eng, &account, &s->d) || fs_user_state_dir(&base, &s->d))
		goto cleanup;
	if (!region || !lock_key_ok(account) || !lock_key_ok(region)) {
		diags_add(&s->d, DIAG_ERROR, "account '%s' or region '%s' cannot name an S3 key",
			  account, region ? region : "(none)");
		goto cleanup;
	}
	struct aws_client_config cfg = { 0 };
	cfg.profile = s->ctx->g.profile;
	cfg.region = bregion ? bregion : region;
	cfg.endpoint_url = s->ctx->g.endpoint_url;
	if (s3b_open(&s->s3, &cfg, bucket, prefix, account, region, s->stack, &s->d))
		goto cleanup;
	if (o->lock_command) {
		const char *t = getenv("BERTH_LOCK_LEASE");
		long lease = t ? atol(t) : 0;
		s->lock_wait_s = o->lock_timeout_s;
		if (s3b_lock(s->s3, o->lock_command, lease, o->lock_timeout_s, s3_waiting, s,
			     &s->cancel, &s->d))
			goto cleanup;
		s->s3_locked = true;
		log_verbose("holding the lock %s (id %s)", s3b_lock_url(s->s3), s3b_lock_id(s->s3));
	}
	s->s3_dir = xasprintf("%s/s3/%s/%s", base, account, region);
	if (fs_mkdir_private(s->s3_dir, &s->d))
		goto cleanup;
	path = xasprintf("%s/%s.state.json", s->s3_dir, s->stack);
	if (s3b_state_pull(s->s3, path, &s->d))
		goto cleanup;
	engine_set_state_dir(s->eng, s->s3_dir);
	ret = 1;
cleanup:
	session_flush_diags(s); /* a lapsed lock taken over is a warning */
	free(bucket);
	free(prefix);
	free(base);
	free(path);
	return ret;
}

char *session_expiry(struct cli_ctx *ctx, const char *text)
{
	long secs;
	time_t t;
	char out[21];
	if (duration_parse(text, &secs) == 0)
		t = time(NULL) + secs;
	else if (time_parse_rfc3339(text, &t)) {
		cli_error(ctx, "expires: expected a duration such as 8h, 90m or 2d, or an RFC 3339 "
			       "time such as 2026-12-24T18:00:00Z, not '%s'", text);
		return NULL;
	}
	time_format_rfc3339(t, out);
	return xstrdup(out);
}

/* A tag value every service takes: at most 256 characters of letters,
 * digits, spaces and _.:/=+-@ (AWS's common tag pattern); anything else in
 * a user or host name becomes '_' rather than failing every create. */
static char *tag_value_safe(char *v)
{
	for (char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(" _.:/=+-@", *p))
			*p = '_';
	if (strlen(v) > 256)
		v[256] = 0;
	return v;
}

char *session_owner(void)
{
	const char *s = getenv("GITHUB_SERVER_URL"), *r = getenv("GITHUB_REPOSITORY"),
		   *id = getenv("GITHUB_RUN_ID");
	if (s && r && id)
		return tag_value_safe(xasprintf("%s/%s/actions/runs/%s", s, r, id));
	if ((s = getenv("CI_JOB_URL")) || (s = getenv("BUILD_URL")))
		return tag_value_safe(xstrdup(s));
	char host[256] = "unknown";
	gethostname(host, sizeof(host) - 1);
	const char *user = getenv("USER");
	return tag_value_safe(xasprintf("%s@%s", user ? user : "unknown", host));
}

int session_open(struct session *s, struct cli_ctx *ctx, const struct session_opts *o)
{
	long retry_s = 0, wait_s = 0;
	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->command = o->command ? o->command : "command";
	s->writes = o->progress;
	pthread_mutex_init(&s->mu, NULL);
	atomic_init(&s->cancel, 0);
	diags_init(&s->d);
	/* Before anything is loaded or locked: a bad number must leave no lock. */
	if (cli_env_number(ctx, "BERTH_RETRY_TIMEOUT", 1, SESSION_MAX_TIMEOUT_S, &retry_s) < 0 ||
	    cli_env_number(ctx, "BERTH_WAIT_TIMEOUT", 1, SESSION_MAX_TIMEOUT_S, &wait_s) < 0)
		goto fail;
	if (o->retry_timeout_s < 0 || o->retry_timeout_s > SESSION_MAX_TIMEOUT_S) {
		cli_error(ctx, "--retry-timeout must be from 0 to %ld seconds, not %d",
			  SESSION_MAX_TIMEOUT_S, o->retry_timeout_s);
		goto fail;
	}
	if (o->parallelism > SESSION_MAX_PARALLELISM) {
		cli_error(ctx, "--parallelism must be from 1 to %d, not %zu", SESSION_MAX_PARALLELISM,
			  o->parallelism);
		goto fail;
	}
	if ((o->sc && !cli_declares(ctx, NEEDS_SPEC)) || !cli_declares(ctx, NEEDS_AWS) ||
	    (o->lock_command && !cli_declares(ctx, TAKES_LOCK)))
		goto fail;
	if (o->sc) {
		struct spec_options opt;
		spec_cli_options(ctx, o->sc, &opt);
		opt.allow_network = true;
		opt.missing_vars_unknown = o->vars_optional;
		if (spec_load(&opt, &s->spec, &s->d)) {
			session_flush_diags(s);
			if (o->vars_optional) {
				/* Destroy needs only the stack's name: say how to go
				 * on without the spec. */
				char *name = spec_stack_name(opt.path);
				cli_error(ctx, "destroy: the spec does not load; fix it, or destroy the "
					  "stack by its tags alone: berth destroy --stack %s",
					  name ? name : "NAME");
				free(name);
			}
			goto fail;
		}
		if (o->stack && strcmp(o->stack, s->spec->stack)) {
			cli_error(ctx, "--stack %s does not match the spec's stack '%s'", o->stack,
				  s->spec->stack);
			goto fail;
		}
		s->stack = xstrdup(s->spec->stack);
		s->state_dir = xasprintf("%s/.berth", s->spec->project_dir);
	} else {
		if (!o->stack || !statefile_stack_name_ok(o->stack, &s->d)) {
			if (!o->stack)
				cli_error(ctx, "no stack: give a spec with -f, or a stack name with --stack");
			session_flush_diags(s);
			goto fail;
		}
		s->stack = xstrdup(o->stack);
		/* No spec, no project folder: the state cache belongs to one, so
		 * nothing is written where the command happens to run. */
	}

	struct aws_client_config cfg = { 0 };
	cfg.profile = ctx->g.profile;
	cfg.region = s->spec && s->spec->region ? s->spec->region : ctx->g.region;
	cfg.endpoint_url = ctx->g.endpoint_url;
	cfg.max_retries = ctx->g.max_retries;
	if (aws_client_new(&s->aws, &cfg, &s->d)) {
		session_flush_diags(s);
		goto fail;
	}
	if (o->progress) {
		struct winsize ws;
		int width = ioctl(fileno(ctx->out), TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
		struct progress_opts po = { .out = ctx->out, .tty = ctx->out_tty, .width = width };
		s->prog = progress_new(&po);
		progress_start_ticker(s->prog);
	}
	struct engine_opts eo = { 0 };
	eo.aws = s->aws;
	eo.types = rtype_registry_aws();
	eo.spec = s->spec;
	eo.stack = s->stack;
	eo.state_dir = s->state_dir;
	eo.parallelism = o->parallelism;
	eo.cancel = &s->cancel;
	eo.ev = (struct engine_events){ s, ev_begin, ev_waiting, ev_end, ev_note, ev_waited };
	eo.targets = o->targets;
	eo.ntargets = o->ntargets;
	eo.excludes = o->excludes;
	eo.nexcludes = o->nexcludes;
	eo.plan_reads = o->plan;
	const char *exp_text = o->expires ? o->expires : s->spec ? s->spec->expires : NULL;
	if (o->lock_command && !strcmp(o->lock_command, "berth apply")) {
		if (exp_text && !(s->expires = session_expiry(ctx, exp_text)))
			goto fail;
		s->owner = session_owner();
		eo.expires = s->expires;
		eo.owner = s->owner;
	}
	if (o->retry_timeout_s > 0)
		eo.retry_timeout_ms = (long)o->retry_timeout_s * 1000;
	else
		eo.retry_timeout_ms = retry_s * 1000;
	if (o->wait_timeout_s > 0)
		wait_s = o->wait_timeout_s;
	if (wait_s > SESSION_MAX_TIMEOUT_S) {
		cli_error(ctx, "--wait-timeout must be at most %ld seconds", SESSION_MAX_TIMEOUT_S);
		goto fail;
	}
	eo.wait_timeout_ms = wait_s * 1000;
	if (engine_new(&s->eng, &eo, &s->d))
		goto fail;
	/* From here on Ctrl-C is berth's: finding the account and taking the
	 * lock already call AWS and may wait (--lock-timeout). */
	signals_install(s);
	int b = s3_backend_open(s, o);
	if (b < 0)
		goto fail;
	/* Without a backend, the project's .berth/ holds the state cache and
	 * must be usable before anything changes (a symlink planted there is
	 * refused now, not after an apply). */
	if (!b && o->lock_command && s->state_dir && fs_mkdir_private(s->state_dir, &s->d))
		goto fail;
	if (!b && o->lock_command && stack_lock(s, o) < 0)
		goto fail;
	if (s->locked)
		signal_lock = &s->lock;
	return 0;
fail:
	session_flush_diags(s);
	/* Interrupted while opening (waiting for the lock): 128 + the signal. */
	int sig = atomic_load(&s->cancel) ? atomic_load(&signal_first) : 0;
	session_close(s);
	return sig ? 128 + sig : EXIT_FAIL;
}

int session_force_unlock(struct session *s, const char *id)
{
	int ret = -1;
	if (s->s3) {
		ret = s3b_force_unlock(s->s3, id, &s->d) ? -1 : 0;
		if (!ret)
			fprintf(s->ctx->out, "Removed the lock %s (id %s).\n", s3b_lock_url(s->s3), id);
		session_flush_diags(s);
		return ret;
	}
	/* The local lock names its holder by pid. */
	char *dir = NULL, *path = NULL;
	struct buf cur = BUF_INIT;
	if (local_lock_dir(s, &dir))
		goto cleanup;
	path = xasprintf("%s/%s.lock", dir, s->stack);
	int r = fs_read_nofollow(path, &cur, &s->d);
	if (r == BERTH_ENOTFOUND) {
		diags_add(&s->d, DIAG_ERROR, "stack '%s' is not locked (%s does not exist)", s->stack,
			  path);
		goto cleanup;
	}
	if (r)
		goto cleanup;
	json_t *h = json_loadb(cur.ptr ? cur.ptr : "", cur.len, 0, NULL);
	json_t *pid = json_object_get(h, "pid");
	char want[32];
	snprintf(want, sizeof(want), "%lld", (long long)json_integer_value(pid));
	if (!json_is_integer(pid) || strcmp(want, id)) {
		diags_add(&s->d, DIAG_ERROR, "%s is held by pid %s, not %s: nothing removed", path,
			  json_is_integer(pid) ? want : "(unknown)", id);
	} else if (unlink(path) < 0) {
		diags_add(&s->d, DIAG_ERROR, "cannot remove %s: %s", path, strerror(errno));
	} else {
		fprintf(s->ctx->out, "Removed the lock %s (pid %s).\n", path, id);
		ret = 0;
	}
	json_decref(h);
cleanup:
	session_flush_diags(s);
	buf_release(&cur);
	free(dir);
	free(path);
	return ret;
}

void session_close(struct session *s)
{
	signals_unwatch(s);
	progress_free(s->prog);
	s->prog = NULL;
	if (s->s3 && s->s3_locked && s->s3_dir) {
		/* What this run changed in the cache goes back, under the lock. */
		char *path = xasprintf("%s/%s.state.json", s->s3_dir, s->stack);
		s3b_state_push(s->s3, path, &s->d);
		free(path);
	}
	s3b_free(s->s3); /* releases the lock */
	session_flush_diags(s);
	free(s->s3_dir);
	engine_free(s->eng);
	aws_client_free(s->aws);
	if (s->locked)
		fs_lock_release(&s->lock);
	signals_restore();
	/* Closed only now that no handler can write to them. */
	if (s->wake[1] > 0) {
		close(s->wake[0]);
		close(s->wake[1]);
	}
	for (size_t i = 0; i < s->nops; i++) {
		free(s->ops[i].address);
		free(s->ops[i].action);
	}
	free(s->ops);
	pthread_mutex_destroy(&s->mu);
	spec_free(s->spec);
	diags_release(&s->d);
	free(s->state_dir);
	free(s->stack);
	free(s->expires);
	free(s->owner);
	memset(s, 0, sizeof(*s));
}

int session_refresh(struct session *s)
{
	int err = engine_refresh(s->eng, &s->d);
	session_flush_diags(s);
	if (s->ctx->g.verbose) {
		json_t *calls = engine_calls(s->eng);
		view_calls(s->ctx, calls, "refresh");
		json_decref(calls);
	}
	return err;
}

bool session_confirm(struct session *s, const char *question)
{
	if (!isatty(STDIN_FILENO)) {
		cli_error(s->ctx, "not asking for confirmation without a terminal: run it in a "
				  "terminal, or pass --auto-approve");
		return false;
	}
	fprintf(s->ctx->out, "\n%s\n  Only 'yes' will be accepted: ", question);
	fflush(s->ctx->out);
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		line[0] = 0;
	line[strcspn(line, "\r\n")] = 0;
	if (strcmp(line, "yes")) {
		fprintf(s->ctx->out, "Cancelled: nothing was changed.\n");
		return false;
	}
	return true;
}

json_t *session_public_vars(const struct session *s)
{
	json_t *o = json_object();
	for (size_t i = 0; s->spec && i < s->spec->nvars; i++)
		if (!s->spec->vars[i].sensitive && s->spec->vars[i].value)
			json_object_set(o, s->spec->vars[i].name, s->spec->vars[i].value);
	return o;
}
