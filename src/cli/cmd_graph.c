/* `berth graph`: the dependency graph of a spec as Graphviz DOT on stdout
 * (`berth graph | dot -Tsvg > graph.svg`). An edge A -> B means A needs B. */
#include "util/common.h"
#include "cli/cli.h"
#include "spec/spec.h"

int cmd_graph(struct cli_ctx *ctx, int argc, char **argv)
{
	struct spec_cli sc = { NULL, STRVEC_INIT, STRVEC_INIT };
	int rc = EXIT_FAIL;
	const struct option opts[] = {
		{ OPT_STRING, 'f', "file", &sc.file, "SPEC", "the spec (default: berth.yaml)" },
		{ OPT_STRING_LIST, 0, "var", &sc.vars, "K=V", "set variable K (see 'berth validate --help')" },
		{ OPT_STRING_LIST, 0, "var-file", &sc.var_files, "FILE", "YAML map of variable values" },
		OPT_END_MARK,
	};
	struct spec_options opt;
	struct diags d = DIAGS_INIT;
	struct spec *s = NULL;
	int n = parse_options(ctx, argc, argv, opts, NULL,
			      "Prints the dependency graph (resources, data, repos) as Graphviz DOT.\n"
			      "An edge A -> B means A needs B first.");
	if (n < 0) {
		rc = parse_exit(n);
		goto cleanup;
	}
	if (n > 0) {
		cli_error(ctx, "graph: unexpected argument '%s' (the spec is given with -f)", argv[1]);
		goto cleanup;
	}
	spec_cli_options(ctx, &sc, &opt);
	if (spec_load(&opt, &s, &d)) {
		render_diags(ctx, &d);
		goto cleanup;
	}
	render_diags(ctx, &d); /* warnings, if any */
	char *dot = spec_graph_dot(s);
	fputs(dot, ctx->out);
	free(dot);
	rc = EXIT_OK;
cleanup:
	spec_free(s);
	diags_release(&d);
	strvec_clear(&sc.vars);
	strvec_clear(&sc.var_files);
	return rc;
}
