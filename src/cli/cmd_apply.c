/* `berth apply`: plan, show, confirm, then make AWS match the spec; or
 * apply a saved plan, refusing when the live state or the spec moved since
 * it was made. */
#include "util/common.h"
#include "cli/stack.h"

#include "util/buf.h"

/* Reads a saved plan and turns its recorded inputs back into options. */
static int load_saved(struct cli_ctx *ctx, const char *path, json_t **out, struct spec_cli *sc,
		      struct strvec *targets, struct strvec *excludes)
{
	json_error_t je;
	struct diags d = DIAGS_INIT;
	struct buf b = BUF_INIT;
	int err;
	if (s3b_is_url(path)) {
		/* As `plan --out s3://...` wrote it: through --region, AWS_REGION
		 * or the profile's (the plan names the spec, so none is read yet). */
		struct aws_client_config cfg = { 0 };
		cfg.profile = ctx->g.profile;
		cfg.region = ctx->g.region;
		cfg.endpoint_url = ctx->g.endpoint_url;
		err = s3b_object_read(&cfg, path, &b, &d);
	} else {
		err = fs_read_nofollow(path, &b, &d);
	}
	if (err) {
		if (err == BERTH_ENOTFOUND)
			cli_error(ctx, "apply: %s: no such plan file", path);
		render_diags(ctx, &d);
		diags_release(&d);
		buf_release(&b);
		return EXIT_FAIL;
	}
	json_t *j = json_loadb(b.ptr, b.len, 0, &je);
	buf_release(&b);
	if (!j) {
		cli_error(ctx, "apply: %s is not a plan file (%s at line %d)", path, je.text, je.line);
		return EXIT_FAIL;
	}
	if (plan_file_check(j, &d)) {
		render_diags(ctx, &d);
		diags_release(&d);
		json_decref(j);
		return EXIT_FAIL;
	}
	diags_release(&d);
	/* The saved variables go first, so a --var given now (for a sensitive
	 * value, which plans never hold) is added after them. */
	struct strvec vars = STRVEC_INIT;
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(j, "variables"), k, v) {
		if (json_is_string(v))
			strvec_pushf(&vars, "%s=%s", k, json_string_value(v));
		else {
			char *txt = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			strvec_pushf(&vars, "%s=%s", k, txt);
			free(txt);
		}
	}
	for (size_t i = 0; i < sc->vars.n; i++)
		strvec_push(&vars, sc->vars.v[i]);
	strvec_clear(&sc->vars);
	sc->vars = vars;
	sc->file = json_string_value(json_object_get(j, "spec"));
	size_t i;
	json_array_foreach(json_object_get(json_object_get(j, "options"), "targets"), i, v)
		strvec_push(targets, json_string_value(v));
	json_array_foreach(json_object_get(json_object_get(j, "options"), "excludes"), i, v)
		strvec_push(excludes, json_string_value(v));
	*out = j;
	return 0;
}

int cmd_apply(struct cli_ctx *ctx, int argc, char **argv)
{
	struct spec_cli sc = { NULL, STRVEC_INIT, STRVEC_INIT };
	const char *lock_timeout = NULL, *backend = NULL, *expires = NULL, *wait_timeout = NULL;
	long lock_wait = 0, wait_s = 0;
	struct strvec targets = STRVEC_INIT, excludes = STRVEC_INIT;
	int retry_timeout = 0;
	int auto_approve = 0, parallelism = 10, rc = EXIT_FAIL;
	const struct option opts[] = {
		{ OPT_STRING, 'f', "file", &sc.file, "SPEC", "the spec (default: berth.yaml)" },
		{ OPT_STRING_LIST, 0, "var", &sc.vars, "K=V", "set variable K" },
		{ OPT_STRING_LIST, 0, "var-file", &sc.var_files, "FILE", "YAML map of variable values" },
		{ OPT_FLAG, 0, "auto-approve", &auto_approve, NULL, "do not ask for confirmation" },
		{ OPT_INT, 0, "parallelism", &parallelism, "N", "at most N operations at once (default 10)" },
		{ OPT_STRING_LIST, 0, "target", &targets, "ADDRESS", "apply only this and what it depends on" },
		{ OPT_STRING_LIST, 0, "exclude", &excludes, "ADDRESS", "leave out this and what depends on it" },
		{ OPT_INT, 0, "retry-timeout", &retry_timeout, "SECONDS",
		  "retry deletes AWS refuses while something depends on them this long "
		  "(default 600, or BERTH_RETRY_TIMEOUT)" },
		{ OPT_STRING, 0, "wait-timeout", &wait_timeout, "DURATION",
		  "give up waiting for any one resource to be ready or gone after this long "
		  "(default: each kind of wait its own budget, as AWS's waiters; or "
		  "BERTH_WAIT_TIMEOUT seconds)" },
		OPT_LOCK_TIMEOUT(&lock_timeout),
		OPT_BACKEND(&backend),
		{ OPT_STRING, 0, "expires", &expires, "DURATION|TIME",
		  "tag every resource berth:expires (8h from now, or an RFC 3339 time) for "
		  "`berth reap --expired`; over the spec's expires:" },
		OPT_END_MARK,
	};
	struct session s;
	bool open = false;
	struct plan *p = NULL;
	json_t *saved = NULL, *outputs = NULL;
	struct run_result res = { 0 };
	bool ran = false;
	int n = parse_options(ctx, argc, argv, opts,
			      "[PLAN]",
			      "Makes AWS match the spec: shows the plan and asks for 'yes' (unless\n"
			      "--auto-approve), then creates, updates and deletes, as many at once as\n"
			      "--parallelism allows. With a PLAN saved by `berth plan --out` (a file or\n"
			      "s3://BUCKET/KEY), applies exactly that plan, and refuses if the live\n"
			      "state changed since.");
	if (n < 0) {
		rc = parse_exit(n);
		goto cleanup;
	}
	if (cli_duration(ctx, "apply", "lock-timeout", lock_timeout, &lock_wait) ||
	    cli_duration(ctx, "apply", "wait-timeout", wait_timeout, &wait_s))
		goto cleanup;
	if (n > 1) {
		cli_error(ctx, "apply: at most one plan file, got '%s' and '%s'", argv[1], argv[2]);
		goto cleanup;
	}
	if (parallelism < 1) {
		cli_error(ctx, "apply: --parallelism must be at least 1");
		goto cleanup;
	}
	if (n == 1) {
		if (sc.file || targets.n || excludes.n) {
			cli_error(ctx, "apply: a saved plan records its spec and targets; do not give -f, "
				       "--target or --exclude with it");
			goto cleanup;
		}
		if (load_saved(ctx, argv[1], &saved, &sc, &targets, &excludes))
			goto cleanup;
	}
	struct session_opts so = { .lock_timeout_s = (int)lock_wait, .backend_url = backend, .expires = expires, .sc = &sc, .lock_command = "berth apply",
				   .parallelism = (size_t)parallelism, .retry_timeout_s = retry_timeout,
				   .wait_timeout_s = wait_s,
				   .targets = (const char *const *)targets.v, .ntargets = targets.n,
				   .excludes = (const char *const *)excludes.v, .nexcludes = excludes.n,
				   .progress = true, .plan = true, .command = "apply" };
	if ((rc = session_open(&s, ctx, &so)) != 0)
		goto cleanup;
	open = true;
	rc = EXIT_FAIL;
	if (session_refresh(&s))
		goto cleanup;
	int err = engine_plan(s.eng, false, &p, &s.d);
	session_flush_diags(&s);
	if (err)
		goto cleanup;
	if (saved) {
		const char *stack = json_string_value(json_object_get(saved, "stack"));
		if (strcmp(stack, p->stack)) {
			cli_error(ctx, "apply: the plan is for stack '%s', the spec now says '%s'", stack,
				  p->stack);
			goto cleanup;
		}
		if (strcmp(json_string_value(json_object_get(saved, "live_fingerprint")),
			   p->live_fingerprint)) {
			cli_error(ctx, "apply: the live state of stack '%s' changed since this plan was "
				       "made, so it may no longer do what was reviewed; run `berth plan "
				       "--out %s` again",
				  p->stack, argv[1]);
			goto cleanup;
		}
		if (strcmp(json_string_value(json_object_get(saved, "changes_fingerprint")),
			   p->changes_fingerprint)) {
			cli_error(ctx, "apply: the spec or its variables changed since this plan was made; "
				       "run `berth plan --out %s` again",
				  argv[1]);
			goto cleanup;
		}
	}
	view_plan(ctx, p);
	if (plan_has_changes(p)) {
		if (!saved && !auto_approve &&
		    !session_confirm(&s, "Do you want berth to make these changes?"))
			goto cleanup;
		fprintf(ctx->out, "\n");
		err = engine_apply(s.eng, p, &res, &s.d);
		ran = true;
		progress_free(s.prog);
		s.prog = NULL;
		session_flush_diags(&s);
		view_run_result(ctx, &res, "Apply");
		if (err)
			goto cleanup;
	} else {
		err = engine_apply_unchanged(s.eng, p, &s.d);
		session_flush_diags(&s);
		if (err)
			goto cleanup;
	}
	err = engine_outputs(s.eng, &outputs, &s.d);
	session_flush_diags(&s);
	if (err)
		goto cleanup;
	view_outputs(ctx, outputs);
	if (ctx->g.verbose) {
		json_t *calls = engine_calls(s.eng);
		view_calls(ctx, calls, "apply");
		json_decref(calls);
	}
	rc = EXIT_OK;
cleanup:
	if (ran && res.interrupted)
		cli_error(ctx, "apply interrupted: operations in flight finished and were recorded; "
			       "run apply again to continue");
	if (ran)
		run_result_release(&res);
	json_decref(outputs);
	json_decref(saved);
	plan_free(p);
	if (open) {
		rc = session_exit(&s, rc, !ran);
		session_close(&s);
	}
	strvec_clear(&sc.vars);
	strvec_clear(&sc.var_files);
	strvec_clear(&targets);
	strvec_clear(&excludes);
	return rc;
}
