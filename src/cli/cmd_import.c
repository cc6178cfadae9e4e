/* `berth import ADDRESS ID`: take an existing resource into the stack, as
 * Terraform's import does, by tagging it berth:stack and berth:id: berth
 * finds what a stack holds by its tags, so from then on plan, apply and
 * destroy treat it as the stack's. Nothing else about it changes; plan then
 * shows what apply would change to make it match the spec. */
#include "util/common.h"
#include "cli/stack.h"

int cmd_import(struct cli_ctx *ctx, int argc, char **argv)
{
	struct spec_cli sc = { NULL, STRVEC_INIT, STRVEC_INIT };
	const char *lock_timeout = NULL, *backend = NULL;
	long lock_wait = 0;
	int force = 0, rc = EXIT_FAIL;
	const struct option opts[] = {
		{ OPT_STRING, 'f', "file", &sc.file, "SPEC", "the spec (default: berth.yaml)" },
		{ OPT_STRING_LIST, 0, "var", &sc.vars, "K=V", "set variable K" },
		{ OPT_STRING_LIST, 0, "var-file", &sc.var_files, "FILE", "YAML map of variable values" },
		{ OPT_FLAG, 0, "force", &force, NULL,
		  "take it even when another stack or address owns it" },
		OPT_LOCK_TIMEOUT(&lock_timeout),
		OPT_BACKEND(&backend),
		OPT_END_MARK,
	};
	struct session s;
	bool open = false;
	struct import_result res = { 0 };
	int n = parse_options(ctx, argc, argv, opts, "ADDRESS ID",
			      "Takes an existing resource into the stack: tags the resource ID\n"
			      "(its primary identifier: a log group's name, a VPC's id) with\n"
			      "berth:stack=STACK and berth:id=ADDRESS, where ADDRESS is a resource\n"
			      "of the spec of the same type. Nothing else changes; `berth plan` then\n"
			      "shows what apply would change to make it match the spec. A resource\n"
			      "another stack or address owns is refused unless --force. An entry\n"
			      "that cannot carry tags, in a parent outside the stack (a route in a\n"
			      "route table passed in by --var: ID rtb-...|0.0.0.0/0), is recorded\n"
			      "in the state cache instead.");
	if (n < 0) {
		rc = parse_exit(n);
		goto cleanup;
	}
	if (n != 2) {
		cli_error(ctx, "import: expected ADDRESS and ID (see 'berth import --help')");
		goto cleanup;
	}
	if (cli_duration(ctx, "import", "lock-timeout", lock_timeout, &lock_wait))
		goto cleanup;
	struct session_opts so = { .sc = &sc, .lock_command = "berth import",
				   .lock_timeout_s = (int)lock_wait, .backend_url = backend,
				   .command = "import" };
	if ((rc = session_open(&s, ctx, &so)) != 0)
		goto cleanup;
	open = true;
	rc = EXIT_FAIL;
	if (session_refresh(&s))
		goto cleanup;
	int err = engine_import(s.eng, argv[1], argv[2], force, &res, &s.d);
	session_flush_diags(&s);
	if (err)
		goto cleanup;
	if (res.recorded && !res.already) {
		fprintf(ctx->out, "Imported %s: %s %s cannot carry tags; the state cache now records "
			"it as %s of stack %s.\n", argv[1], res.type, res.id, argv[1], s.stack);
		fprintf(ctx->out, "Run `berth plan` to see what apply would change to make it match "
			"the spec.\n");
	} else if (res.already) {
		fprintf(ctx->out, "%s is already %s %s in stack %s; nothing to do.\n", argv[1], res.type,
			res.id, s.stack);
	} else {
		fprintf(ctx->out, "Imported %s: %s %s is now tagged berth:stack=%s, berth:id=%s.\n",
			argv[1], res.type, res.id, s.stack, argv[1]);
		if (res.from_stack)
			fprintf(ctx->out, "It was stack %s's %s, which no longer has it.\n",
				res.from_stack, res.from_address ? res.from_address : "(no address)");
		fprintf(ctx->out, "Run `berth plan` to see what apply would change to make it match "
			"the spec.\n");
	}
	rc = EXIT_OK;
cleanup:
	import_result_release(&res);
	if (open)
		session_close(&s);
	strvec_clear(&sc.vars);
	strvec_clear(&sc.var_files);
	return rc;
}
