/* `berth output`: the spec's outputs, evaluated over what is live now.
 * Sensitive outputs show as (sensitive) in the list; asking for one by name
 * prints it, as Terraform does, because that is how scripts read them. */
#include "util/common.h"
#include "cli/stack.h"

#include "util/buf.h"

int cmd_output(struct cli_ctx *ctx, int argc, char **argv)
{
	struct spec_cli sc = { NULL, STRVEC_INIT, STRVEC_INIT };
	int json = 0, rc = EXIT_FAIL;
	const struct option opts[] = {
		{ OPT_STRING, 'f', "file", &sc.file, "SPEC", "the spec (default: berth.yaml)" },
		{ OPT_STRING_LIST, 0, "var", &sc.vars, "K=V", "set variable K" },
		{ OPT_STRING_LIST, 0, "var-file", &sc.var_files, "FILE", "YAML map of variable values" },
		{ OPT_FLAG, 0, "json", &json, NULL, "print as JSON" },
		OPT_END_MARK,
	};
	struct session s;
	bool open = false;
	struct plan *p = NULL;
	json_t *outputs = NULL;
	int n = parse_options(ctx, argc, argv, opts, "[NAME]",
			      "Prints the spec's outputs, computed from the live resources.");
	if (n < 0) {
		rc = parse_exit(n);
		goto cleanup;
	}
	if (n > 1) {
		cli_error(ctx, "output: at most one output name");
		goto cleanup;
	}
	const char *name = n ? argv[1] : NULL;
	struct session_opts so = { .sc = &sc, .plan = true, .command = "output" };
	if ((rc = session_open(&s, ctx, &so)) != 0)
		goto cleanup;
	open = true;
	rc = EXIT_FAIL;
	if (session_refresh(&s))
		goto cleanup;
	/* The plan gives the resolver every live value (nothing is changed). */
	int err = engine_plan(s.eng, false, &p, &s.d);
	if (!err)
		err = engine_outputs(s.eng, &outputs, &s.d);
	session_flush_diags(&s);
	if (err)
		goto cleanup;
	if (name) {
		json_t *o = json_object_get(outputs, name);
		if (!o) {
			cli_error(ctx, "output: no output named '%s'", name);
			goto cleanup;
		}
		if (json_is_true(json_object_get(o, "unknown"))) {
			cli_error(ctx, "output: not known yet: %s (what it refers to is not live in "
				       "stack %s: apply first)", name, s.stack);
			goto cleanup;
		}
		json_t *v = json_object_get(o, "value");
		char *txt = json_is_string(v) && !json ? xstrdup(json_string_value(v))
						       : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		fprintf(ctx->out, "%s\n", txt);
		free(txt);
	} else if (json) {
		const char *k;
		json_t *o;
		json_object_foreach(outputs, k, o)
			if (json_is_true(json_object_get(o, "sensitive")))
				json_object_set_new(o, "value", json_string("(sensitive)"));
		char *txt = json_dumps(outputs, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fprintf(ctx->out, "%s\n", txt);
		free(txt);
	} else {
		const char *k;
		json_t *o;
		json_object_foreach(outputs, k, o) {
			json_t *v = json_object_get(o, "value");
			char *txt = json_is_true(json_object_get(o, "sensitive")) ? xstrdup("(sensitive)")
				    : json_is_true(json_object_get(o, "unknown")) ? xstrdup("(not known yet)")
				    : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			fprintf(ctx->out, "%s = %s\n", k, txt);
			free(txt);
		}
	}
	/* All of them or one by name: an output that cannot be computed fails
	 * the command either way, so that a script reading `berth output
	 * --json` after a destroy stops there rather than going on with
	 * nulls (`berth output NAME` always did). What is known is printed. */
	if (!name) {
		struct buf unknown = BUF_INIT;
		size_t nunknown = 0;
		const char *k;
		json_t *o;
		json_object_foreach(outputs, k, o)
			if (json_is_true(json_object_get(o, "unknown")))
				buf_addf(&unknown, "%s%s", nunknown++ ? ", " : "", k);
		if (nunknown) {
			cli_error(ctx, "output: not known yet: %s (what %s to is not live in stack "
				       "%s: apply first)", unknown.ptr,
				  nunknown == 1 ? "it refers" : "they refer", s.stack);
			buf_release(&unknown);
			goto cleanup;
		}
		buf_release(&unknown);
	}
	rc = EXIT_OK;
cleanup:
	json_decref(outputs);
	plan_free(p);
	if (open) {
		rc = session_exit(&s, rc, true);
		session_close(&s);
	}
	strvec_clear(&sc.vars);
	strvec_clear(&sc.var_files);
	return rc;
}
