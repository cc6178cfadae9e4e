/* `berth force-unlock ID`: remove a stack's lock whose holder is gone
 * (Terraform's verb). The ID (printed in the "locked by" message) must name
 * the current holder, so a lock taken since is never removed by mistake. */
#include "util/common.h"
#include "cli/stack.h"

int cmd_force_unlock(struct cli_ctx *ctx, int argc, char **argv)
{
	struct spec_cli sc = { NULL, STRVEC_INIT, STRVEC_INIT };
	const char *stack = NULL, *backend = NULL;
	int rc = EXIT_FAIL;
	const struct option opts[] = {
		{ OPT_STRING, 'f', "file", &sc.file, "SPEC", "the spec (default: berth.yaml)" },
		{ OPT_STRING, 0, "stack", &stack, "NAME", "the stack, without a spec" },
		{ OPT_STRING_LIST, 0, "var", &sc.vars, "K=V", "set variable K (repeatable)" },
		{ OPT_STRING_LIST, 0, "var-file", &sc.var_files, "FILE",
		  "YAML map of variable values (repeatable)" },
		OPT_BACKEND(&backend),
		OPT_END_MARK,
	};
	struct session s;
	int n = parse_options(ctx, argc, argv, opts,
			      "ID",
			      "Removes the stack's lock when its holder is gone: ID is the lock id\n"
			      "the \"locked by\" message names (the pid, for a lock on this machine).\n"
			      "A lock that has been taken since (another ID) is left alone.");
	if (n < 0) {
		rc = parse_exit(n);
		goto cleanup;
	}
	if (n != 1) {
		cli_error(ctx, "force-unlock: give the lock's ID (from the \"locked by\" message)");
		goto cleanup;
	}
	/* --stack alone needs no spec, as with destroy. */
	bool use_spec = sc.file || !stack;
	struct session_opts so = { .sc = use_spec ? &sc : NULL, .stack = stack,
				   .backend_url = backend };
	if ((rc = session_open(&s, ctx, &so)) != 0)
		goto cleanup;
	rc = session_force_unlock(&s, argv[1]) ? EXIT_FAIL : EXIT_OK;
	session_close(&s);
cleanup:
	strvec_clear(&sc.vars);
	strvec_clear(&sc.var_files);
	return rc;
}
