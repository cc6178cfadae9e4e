/* The session the stack commands share: spec, AWS client, engine, lock,
 * progress and Ctrl-C. */
#include "util/common.h"
#include "cli/stack.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "aws/client.h"
#include "graph/walk.h"
#include "engine/statefile.h"
#include "util/buf.h"
#include "util/duration.h"
#include "util/log.h"

/* Signal plumbing: a handler can reach only static storage, so these two
 * pointers are the one piece of process-wide state the stack commands keep.
 * They are set while a session is open and cleared when it closes. The first
 * SIGINT/SIGTERM asks the walker to stop (operations in flight finish and are
 * recorded); a second one releases the lock and leaves at once. */
static atomic_int *volatile signal_cancel;
static struct fs_lock *volatile signal_lock;

static void on_signal(int sig)
{
	atomic_int *flag = signal_cancel;
	if (flag && !atomic_load(flag)) {
		atomic_store(flag, 1);
		return;
	}
	if (signal_lock)
		fs_lock_release(signal_lock);
	_exit(128 + sig);
}

static void signals_install(struct session *s)
{
	signal_cancel = &s->cancel;
	signal_lock = s->locked ? &s->lock : NULL;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void signals_restore(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal_cancel = NULL;
	signal_lock = NULL;
}

/* ---- progress through the engine's callbacks ---- */

static int ev_begin(void *ctx, const char *address, const char *action)
{
	struct session *s = ctx;
	return s->prog ? progress_begin(s->prog, address, action) : -1;
}

static void ev_waiting(void *ctx, int op, const char *what)
{
	struct session *s = ctx;
	if (s->prog && op >= 0)
		progress_waiting(s->prog, op, what);
}

static void ev_end(void *ctx, int op, const char *outcome)
{
	struct session *s = ctx;
	if (s->prog && op >= 0)
		progress_end(s->prog, op, outcome);
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

char *session_owner(void)
{
	const char *s = getenv("GITHUB_SERVER_URL"), *r = getenv("GITHUB_REPOSITORY"),
		   *id = getenv("GITHUB_RUN_ID");
	if (s && r && id)
		return xasprintf("%s/%s/actions/runs/%s", s, r, id);
	if ((s = getenv("CI_JOB_URL")) || (s = getenv("BUILD_URL")))
		return xstrdup(s);
	char host[256] = "unknown";
	gethostname(host, sizeof(host) - 1);
	const char *user = getenv("USER");
	return xasprintf("%s@%s", user ? user : "unknown", host);
}

int session_open(struct session *s, struct cli_ctx *ctx, const struct session_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	atomic_init(&s->cancel, 0);
	diags_init(&s->d);
	if (o->sc) {
		struct spec_options opt;
		spec_cli_options(ctx, o->sc, &opt);
		opt.allow_network = true;
		if (spec_load(&opt, &s->spec, &s->d)) {
			session_flush_diags(s);
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
	eo.spec = s->spec;
	eo.stack = s->stack;
	eo.state_dir = s->state_dir;
	eo.parallelism = o->parallelism;
	eo.cancel = &s->cancel;
	eo.ev = (struct engine_events){ s, ev_begin, ev_waiting, ev_end, ev_note };
	eo.targets = o->targets;
	eo.ntargets = o->ntargets;
	eo.excludes = o->excludes;
	eo.nexcludes = o->nexcludes;
	eo.plan_reads = o->plan;
	const char *exp_text = o->expires ? o->expires : s->spec ? s->spec->expires : NULL;
	if (exp_text && o->lock_command && !strcmp(o->lock_command, "berth apply")) {
		if (!(s->expires = session_expiry(ctx, exp_text)))
			goto fail;
		s->owner = session_owner();
		eo.expires = s->expires;
		eo.owner = s->owner;
	}
	const char *t;
	if (o->retry_timeout_s > 0)
		eo.retry_timeout_ms = (long)o->retry_timeout_s * 1000;
	else if ((t = getenv("BERTH_RETRY_TIMEOUT")))
		eo.retry_timeout_ms = atol(t) * 1000;
	if ((t = getenv("BERTH_WAIT_TIMEOUT")))
		eo.wait_timeout_ms = atol(t) * 1000;
	if (engine_new(&s->eng, &eo, &s->d))
		goto fail;
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
	signals_install(s);
	return 0;
fail:
	session_flush_diags(s);
	session_close(s);
	return EXIT_FAIL;
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
