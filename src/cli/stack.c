/* The session the stack commands share: spec, AWS client, engine, lock,
 * progress and Ctrl-C. */
#include "util/common.h"
#include "cli/stack.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "aws/client.h"
#include "engine/statefile.h"
#include "util/buf.h"

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
		char cwd[4096];
		s->state_dir = xasprintf("%s/.berth", getcwd(cwd, sizeof(cwd)) ? cwd : ".");
	}
	if (o->lock_command) {
		if (fs_mkdir_private(s->state_dir, &s->d) ||
		    fs_lock_acquire(s->state_dir, s->stack, o->lock_command, &s->lock, &s->d)) {
			session_flush_diags(s);
			goto fail;
		}
		s->locked = true;
		session_flush_diags(s); /* a stale lock taken over is a warning */
	}
	signals_install(s);

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
	const char *t;
	if (o->retry_timeout_s > 0)
		eo.retry_timeout_ms = (long)o->retry_timeout_s * 1000;
	else if ((t = getenv("BERTH_RETRY_TIMEOUT")))
		eo.retry_timeout_ms = atol(t) * 1000;
	if ((t = getenv("BERTH_WAIT_TIMEOUT")))
		eo.wait_timeout_ms = atol(t) * 1000;
	if (engine_new(&s->eng, &eo, &s->d))
		goto fail;
	return 0;
fail:
	session_flush_diags(s);
	session_close(s);
	return EXIT_FAIL;
}

void session_close(struct session *s)
{
	progress_free(s->prog);
	s->prog = NULL;
	engine_free(s->eng);
	aws_client_free(s->aws);
	if (s->locked)
		fs_lock_release(&s->lock);
	signals_restore();
	spec_free(s->spec);
	diags_release(&s->d);
	free(s->state_dir);
	free(s->stack);
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
