/* `berth destroy`: remove everything of the stack, found by its tags (so it
 * works with no spec and no state file), dependents first; then sweep by
 * tag and exit 0 only when nothing of the stack is left. */
#include "util/common.h"
#include "cli/stack.h"

#include <sys/stat.h>

int cmd_destroy(struct cli_ctx *ctx, int argc, char **argv)
{
	struct spec_cli sc = { NULL, STRVEC_INIT, STRVEC_INIT };
	const char *lock_timeout = NULL, *backend = NULL, *wait_timeout = NULL;
	long lock_wait = 0, wait_s = 0;
	const char *stack = NULL;
	int retry_timeout = 0;
	int auto_approve = 0, dry_run = 0, parallelism = 10, rc = EXIT_FAIL;
	const struct option opts[] = {
		{ OPT_STRING, 'f', "file", &sc.file, "SPEC", "the spec (default: berth.yaml)" },
		{ OPT_STRING, 0, "stack", &stack, "STACK", "destroy this stack by its tags; no spec needed" },
		{ OPT_STRING_LIST, 0, "var", &sc.vars, "K=V", "set variable K" },
		{ OPT_STRING_LIST, 0, "var-file", &sc.var_files, "FILE", "YAML map of variable values" },
		{ OPT_FLAG, 0, "auto-approve", &auto_approve, NULL, "do not ask for confirmation" },
		{ OPT_FLAG, 0, "dry-run", &dry_run, NULL, "list what would be destroyed; change nothing" },
		{ OPT_INT, 0, "parallelism", &parallelism, "N", "at most N deletions at once (default 10)" },
		{ OPT_INT, 0, "retry-timeout", &retry_timeout, "SECONDS",
		  "retry deletes AWS refuses while something depends on them this long "
		  "(default 600, or BERTH_RETRY_TIMEOUT)" },
		{ OPT_STRING, 0, "wait-timeout", &wait_timeout, "DURATION",
		  "give up waiting for any one resource to be ready or gone after this long "
		  "(default: each kind of wait its own budget, as AWS's waiters; or "
		  "BERTH_WAIT_TIMEOUT seconds)" },
		OPT_LOCK_TIMEOUT(&lock_timeout),
		OPT_BACKEND(&backend),
		OPT_END_MARK,
	};
	struct session s;
	bool open = false, ran = false;
	struct plan *p = NULL;
	struct run_result res = { 0 };
	int n = parse_options(ctx, argc, argv, opts,
			      NULL,
			      "Deletes everything tagged berth:stack=STACK (resources with retain: true\n"
			      "stay in AWS, untagged), dependents first, confirming each deletion by\n"
			      "reading again, then sweeps by tag. Exits 0 only when nothing of the\n"
			      "stack is left; otherwise lists what remains and why.");
	if (n < 0) {
		rc = parse_exit(n);
		goto cleanup;
	}
	if (cli_duration(ctx, "destroy", "lock-timeout", lock_timeout, &lock_wait) ||
	    cli_duration(ctx, "destroy", "wait-timeout", wait_timeout, &wait_s))
		goto cleanup;
	if (n > 0) {
		cli_error(ctx, "destroy: unexpected argument '%s'", argv[1]);
		goto cleanup;
	}
	if (parallelism < 1) {
		cli_error(ctx, "destroy: --parallelism must be at least 1");
		goto cleanup;
	}
	/* --stack alone needs no spec; with -f both must agree. */
	struct stat st;
	bool use_spec = sc.file || !stack || stat("berth.yaml", &st) == 0;
	if (stack && !sc.file)
		use_spec = false;
	struct session_opts so = { .lock_timeout_s = (int)lock_wait, .backend_url = backend, .sc = use_spec ? &sc : NULL, .stack = stack,
				   .lock_command = dry_run ? NULL : "berth destroy",
				   .parallelism = (size_t)parallelism, .retry_timeout_s = retry_timeout,
				   .wait_timeout_s = wait_s, .progress = !dry_run,
				   .command = "destroy", .vars_optional = true };
	if ((rc = session_open(&s, ctx, &so)) != 0)
		goto cleanup;
	open = true;
	rc = EXIT_FAIL;
	if (session_refresh(&s))
		goto cleanup;
	int err = engine_plan_destroy(s.eng, &p, &s.d);
	session_flush_diags(&s);
	if (err)
		goto cleanup;
	if (!plan_has_changes(p)) {
		fprintf(ctx->out, "Nothing to destroy: no resource is tagged berth:stack=%s.\n", s.stack);
		rc = EXIT_OK;
		if (dry_run)
			goto cleanup;
	} else {
		view_plan(ctx, p);
	}
	if (dry_run) {
		fprintf(ctx->out, "\n--dry-run: nothing was changed.\n");
		rc = EXIT_OK;
		goto cleanup;
	}
	if (plan_has_changes(p) && !auto_approve &&
	    !session_confirm(&s, "Do you really want to destroy everything listed?"))
		goto cleanup;
	err = engine_destroy(s.eng, p, &res, &s.d);
	ran = true;
	progress_free(s.prog);
	s.prog = NULL;
	session_flush_diags(&s);
	view_destroy_result(ctx, &res);
	if (ctx->g.verbose) {
		json_t *calls = engine_calls(s.eng);
		view_calls(ctx, calls, "destroy");
		json_decref(calls);
	}
	if (!err)
		fprintf(ctx->out, "Nothing of stack %s is left.\n", s.stack);
	rc = err ? EXIT_FAIL : EXIT_OK;
cleanup:
	if (ran && res.interrupted)
		cli_error(ctx, "destroy interrupted: operations in flight finished and were "
			       "recorded; run destroy again to remove the rest (it finds them by "
			       "their tags)");
	if (ran)
		run_result_release(&res);
	plan_free(p);
	if (open) {
		rc = session_exit(&s, rc, !ran);
		session_close(&s);
	}
	strvec_clear(&sc.vars);
	strvec_clear(&sc.var_files);
	return rc;
}
