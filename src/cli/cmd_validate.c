/* `berth validate`: load and check a spec without touching AWS, and report
 * every problem. Also home of the option handling `berth graph` shares.
 *
 * --json prints one object on stdout (exit code as without --json):
 *   { "valid": true|false,
 *     "errors":   [ { "file": "berth.yaml", "line": 3, "column": 7,
 *                     "message": "unknown key ...", "detail": "..." } ],
 *     "warnings": [ same shape ] }
 * "file", "line", "column" and "detail" are omitted when unknown; lines and
 * columns are 1-based, columns count bytes (as the caret renderer does). */
#include "util/common.h"
#include "cli/cli.h"
#include "spec/spec.h"

#include <jansson.h>

extern char **environ;

void spec_cli_options(struct cli_ctx *ctx, struct spec_cli *sc, struct spec_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->path = sc->file ? sc->file : "berth.yaml";
	opt->vars = (const char *const *)sc->vars.v;
	opt->nvars = sc->vars.n;
	opt->var_files = (const char *const *)sc->var_files.v;
	opt->nvar_files = sc->var_files.n;
	opt->environ = environ;
	opt->region = ctx->g.region ? ctx->g.region : getenv("AWS_REGION");
	opt->allow_network = false;
}

static json_t *diags_json(const struct diags *d, enum diag_severity sev)
{
	json_t *a = json_array();
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *dg = &d->items[i];
		if (dg->severity != sev)
			continue;
		json_t *o = json_object();
		if (dg->file)
			json_object_set_new(o, "file", json_string(dg->file));
		if (dg->line)
			json_object_set_new(o, "line", json_integer(dg->line));
		if (dg->col)
			json_object_set_new(o, "column", json_integer(dg->col));
		json_object_set_new(o, "message", json_string(dg->summary));
		if (dg->detail)
			json_object_set_new(o, "detail", json_string(dg->detail));
		json_array_append_new(a, o);
	}
	return a;
}

int cmd_validate(struct cli_ctx *ctx, int argc, char **argv)
{
	struct spec_cli sc = { NULL, STRVEC_INIT, STRVEC_INIT };
	int json = 0, rc = EXIT_FAIL;
	const struct option opts[] = {
		{ OPT_STRING, 'f', "file", &sc.file, "SPEC", "the spec to check (default: berth.yaml)" },
		{ OPT_STRING_LIST, 0, "var", &sc.vars, "K=V", "set variable K (beats --var-file, BERTH_VAR_K and the default)" },
		{ OPT_STRING_LIST, 0, "var-file", &sc.var_files, "FILE", "YAML map of variable values (beats BERTH_VAR_K and defaults)" },
		{ OPT_FLAG, 0, "json", &json, NULL, "print the errors as JSON on stdout (for editors and CI)" },
		OPT_END_MARK,
	};
	struct spec_options opt;
	struct diags d = DIAGS_INIT;
	struct spec *s = NULL;
	int n = parse_options(ctx, argc, argv, opts,
			      NULL,
			      "Parses the spec and its modules, checks every key, type, property and\n"
			      "reference, and reports every error with its file, line and column.\n"
			      "Never talks to AWS. Variable values: --var beats --var-file beats\n"
			      "BERTH_VAR_<NAME> in the environment beats the declared default.\n"
			      "With --json, stdout is one object: {\"valid\": BOOL, \"errors\": [{\"file\",\n"
			      "\"line\", \"column\", \"message\", \"detail\"}], \"warnings\": [...]}\n"
			      "(position fields only when known; columns count bytes).\n"
			      "Exit status: 0 when the spec is valid, 1 otherwise.");
	if (n < 0) {
		rc = parse_exit(n);
		goto cleanup;
	}
	if (n > 0) {
		cli_error(ctx, "validate: unexpected argument '%s' (the spec is given with -f)", argv[1]);
		goto cleanup;
	}
	spec_cli_options(ctx, &sc, &opt);
	int err = spec_load(&opt, &s, &d);
	if (json) {
		json_t *o = json_pack("{s:b, s:o, s:o}", "valid", err == 0,
				      "errors", diags_json(&d, DIAG_ERROR),
				      "warnings", diags_json(&d, DIAG_WARNING));
		char *txt = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fprintf(ctx->out, "%s\n", txt);
		free(txt);
		json_decref(o);
	} else {
		render_diags(ctx, &d);
		if (!err)
			fprintf(ctx->out, "%s: valid (%zu resource%s, %zu data, %zu output%s)\n",
				opt.path, s->nresources, s->nresources == 1 ? "" : "s", s->ndata,
				s->noutputs, s->noutputs == 1 ? "" : "s");
	}
	rc = err ? EXIT_FAIL : EXIT_OK;
cleanup:
	spec_free(s);
	diags_release(&d);
	strvec_clear(&sc.vars);
	strvec_clear(&sc.var_files);
	return rc;
}
