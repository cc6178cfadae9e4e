/* `berth plan`: read the stack's live state and show what apply would
 * change, as text or JSON; optionally save it for `berth apply PLAN`.
 *
 * Like apply and destroy it holds the stack lock while it reads (as
 * Terraform's plan does): a plan made while an apply runs would show a
 * half-applied stack as if it were the truth, and say nothing. --lock=false
 * skips the lock, for a look at a stack someone is changing. */
#include "util/common.h"
#include "cli/stack.h"

#include <limits.h>

#include "util/buf.h"

/* The saved plan: the JSON view plus what apply needs to make the same plan
 * again (the spec, its non-secret variables, targets) to compare. */
static int save_plan(struct session *s, const struct plan *p, const char *path,
		     const struct strvec *targets, const struct strvec *excludes)
{
	char abs[PATH_MAX];
	const char *spec_path = realpath(s->spec->file, abs) ? abs : s->spec->file;
	json_t *vars = session_public_vars(s);
	json_t *j = plan_to_json(p, spec_path, vars);
	json_decref(vars);
	json_t *t = json_array(), *x = json_array();
	for (size_t i = 0; i < targets->n; i++)
		json_array_append_new(t, json_string(targets->v[i]));
	for (size_t i = 0; i < excludes->n; i++)
		json_array_append_new(x, json_string(excludes->v[i]));
	json_object_set_new(j, "options", json_pack("{s:o, s:o}", "targets", t, "excludes", x));
	char *txt = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	int err;
	if (s3b_is_url(path)) {
		/* Reached as `apply s3://...` will reach it, before it reads any
		 * spec: through --region, AWS_REGION or the profile's. */
		struct aws_client_config cfg = { 0 };
		cfg.profile = s->ctx->g.profile;
		cfg.region = s->ctx->g.region;
		cfg.endpoint_url = s->ctx->g.endpoint_url;
		err = s3b_object_write(&cfg, path, txt, &s->d);
	} else {
		err = fs_write_atomic(path, txt, strlen(txt), 0600, &s->d);
	}
	free(txt);
	if (err) {
		session_flush_diags(s);
		return EXIT_FAIL;
	}
	return 0;
}

/* A word for a shell to read back as it is: quoted unless plainly safe. */
static void shell_word(struct buf *b, const char *w)
{
	if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
			   "_./:=,@%+-") == strlen(w)) {
		buf_adds(b, w);
		return;
	}
	buf_addch(b, '\'');
	for (; *w; w++)
		if (*w == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addch(b, *w);
	buf_addch(b, '\'');
}

/* The apply command for a saved plan, with the variables as the user gave
 * them: a plan never holds a sensitive value, so those must come again
 * (shown masked here, as everywhere), and repeating the others and the
 * --var-files does no harm. */
static void print_apply_hint(struct session *s, const char *out_file,
			     const struct spec_cli *sc)
{
	struct buf b = BUF_INIT;
	bool masked = false;
	buf_adds(&b, "berth apply ");
	shell_word(&b, out_file);
	for (size_t i = 0; i < sc->var_files.n; i++) {
		buf_adds(&b, " --var-file ");
		shell_word(&b, sc->var_files.v[i]);
	}
	for (size_t i = 0; i < sc->vars.n; i++) {
		const char *kv = sc->vars.v[i], *eq = strchr(kv, '=');
		bool sensitive = false;
		for (size_t k = 0; eq && k < s->spec->nvars; k++)
			if (strlen(s->spec->vars[k].name) == (size_t)(eq - kv) &&
			    !strncmp(s->spec->vars[k].name, kv, (size_t)(eq - kv)))
				sensitive = s->spec->vars[k].sensitive;
		buf_adds(&b, " --var ");
		if (sensitive) {
			buf_addf(&b, "%.*s=(sensitive)", (int)(eq - kv), kv);
			masked = true;
		} else {
			shell_word(&b, kv);
		}
	}
	fprintf(s->ctx->out, "\nSaved the plan to %s; apply exactly this with:\n  %s\n", out_file,
		b.ptr);
	if (masked)
		fprintf(s->ctx->out, "The plan holds no sensitive value: put each (sensitive) "
				     "back as you gave it to plan.\n");
	buf_release(&b);
}

int cmd_plan(struct cli_ctx *ctx, int argc, char **argv)
{
	struct spec_cli sc = { NULL, STRVEC_INIT, STRVEC_INIT };
	const char *lock_timeout = NULL, *backend = NULL;
	long lock_wait = 0;
	struct strvec targets = STRVEC_INIT, excludes = STRVEC_INIT;
	const char *out_file = NULL;
	int lock = 1;
	int json = 0, detailed = 0, refresh_only = 0, rc = EXIT_FAIL;
	const struct option opts[] = {
		{ OPT_STRING, 'f', "file", &sc.file, "SPEC", "the spec (default: berth.yaml)" },
		{ OPT_STRING_LIST, 0, "var", &sc.vars, "K=V", "set variable K" },
		{ OPT_STRING_LIST, 0, "var-file", &sc.var_files, "FILE", "YAML map of variable values" },
		{ OPT_STRING, 0, "out", &out_file, "PLAN",
		  "save the plan for `berth apply PLAN`: a file, or s3://BUCKET/KEY" },
		{ OPT_FLAG, 0, "json", &json, NULL, "print the plan as JSON (docs/plan-json.md)" },
		{ OPT_FLAG, 0, "detailed-exitcode", &detailed, NULL,
		  "exit 0 without changes, 2 with changes, 1 on error" },
		{ OPT_STRING_LIST, 0, "target", &targets, "ADDRESS",
		  "plan only this resource and what it depends on" },
		{ OPT_STRING_LIST, 0, "exclude", &excludes, "ADDRESS",
		  "leave out this resource and what depends on it" },
		{ OPT_FLAG, 0, "refresh-only", &refresh_only, NULL,
		  "show drift since the last apply; plan no changes" },
		{ OPT_BOOL, 0, "lock", &lock, NULL,
		  "hold the stack lock while planning (default true; --lock=false skips it)" },
		OPT_LOCK_TIMEOUT(&lock_timeout),
		OPT_BACKEND(&backend),
		OPT_END_MARK,
	};
	struct session s;
	bool open = false;
	struct plan *p = NULL;
	int n = parse_options(ctx, argc, argv, opts,
			      NULL,
			      "Reads what is live for the stack (found by its tags) and shows what\n"
			      "apply would create, update, replace and destroy. Changes nothing.");
	if (n < 0) {
		rc = parse_exit(n);
		goto cleanup;
	}
	if (cli_duration(ctx, "plan", "lock-timeout", lock_timeout, &lock_wait))
		goto cleanup;
	if (n > 0) {
		cli_error(ctx, "plan: unexpected argument '%s' (the spec is given with -f)", argv[1]);
		goto cleanup;
	}
	struct session_opts so = { .lock_timeout_s = (int)lock_wait, .backend_url = backend, .sc = &sc,
				   .lock_command = lock ? "berth plan" : NULL,
				   .targets = (const char *const *)targets.v,
				   .ntargets = targets.n, .excludes = (const char *const *)excludes.v,
				   .nexcludes = excludes.n, .plan = !refresh_only, .command = "plan" };
	if ((rc = session_open(&s, ctx, &so)) != 0)
		goto cleanup;
	open = true;
	rc = EXIT_FAIL;
	if (session_refresh(&s))
		goto cleanup;
	int err = engine_plan(s.eng, refresh_only, &p, &s.d);
	session_flush_diags(&s);
	if (err)
		goto cleanup;
	if (json) {
		json_t *vars = session_public_vars(&s);
		json_t *j = plan_to_json(p, s.spec->file, vars);
		json_decref(vars);
		char *txt = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fprintf(ctx->out, "%s\n", txt);
		free(txt);
		json_decref(j);
	} else {
		view_plan(ctx, p);
	}
	if (ctx->g.verbose) {
		json_t *calls = engine_calls(s.eng);
		view_calls(ctx, calls, "plan");
		json_decref(calls);
	}
	if (out_file) {
		if (refresh_only) {
			cli_error(ctx, "--out: a --refresh-only plan cannot be applied, so it is not saved");
			goto cleanup;
		}
		if (save_plan(&s, p, out_file, &targets, &excludes))
			goto cleanup;
		if (!json)
			print_apply_hint(&s, out_file, &sc);
	}
	rc = detailed && plan_has_changes(p) ? EXIT_CHANGES : EXIT_OK;
cleanup:
	plan_free(p);
	if (open) {
		rc = session_exit(&s, rc, true);
		session_close(&s);
	}
	strvec_clear(&sc.vars);
	strvec_clear(&sc.var_files);
	strvec_clear(&targets);
	strvec_clear(&excludes);
	return rc;
}
