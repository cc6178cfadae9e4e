/* `berth state list | show ID`: what is live for the stack, found by its
 * tags (and untaggable things through their parents) — not what a local
 * file says. */
#include "util/common.h"
#include "cli/stack.h"

#include <sys/stat.h>

int cmd_state(struct cli_ctx *ctx, int argc, char **argv)
{
	struct spec_cli sc = { NULL, STRVEC_INIT, STRVEC_INIT };
	const char *stack = NULL;
	int json = 0, rc = EXIT_FAIL;
	const struct option opts[] = {
		{ OPT_STRING, 'f', "file", &sc.file, "SPEC", "the spec (default: berth.yaml)" },
		{ OPT_STRING, 0, "stack", &stack, "STACK", "the stack, when there is no spec" },
		{ OPT_STRING_LIST, 0, "var", &sc.vars, "K=V", "set variable K" },
		{ OPT_STRING_LIST, 0, "var-file", &sc.var_files, "FILE", "YAML map of variable values" },
		{ OPT_FLAG, 0, "json", &json, NULL, "print as JSON" },
		OPT_END_MARK,
	};
	struct session s;
	bool open = false;
	json_t *all = NULL;
	int n = parse_options(ctx, argc, argv, opts,
			      "(list | show ADDRESS)",
			      "Lists the live resources of the stack, or shows one with every\n"
			      "property AWS reports (sensitive ones masked).");
	if (n < 0) {
		rc = parse_exit(n);
		goto cleanup;
	}
	bool show = n >= 1 && !strcmp(argv[1], "show");
	if (n < 1 || (strcmp(argv[1], "list") && !show) || (show && n != 2) || (!show && n != 1)) {
		cli_error(ctx, "state: expected 'list' or 'show ID'");
		goto cleanup;
	}
	struct stat st;
	bool use_spec = sc.file || (!stack && stat("berth.yaml", &st) == 0);
	struct session_opts so = { .sc = use_spec ? &sc : NULL, .stack = stack,
				   .command = "state" };
	if ((rc = session_open(&s, ctx, &so)) != 0)
		goto cleanup;
	open = true;
	rc = EXIT_FAIL;
	if (session_refresh(&s))
		goto cleanup;
	/* With a spec, untaggable resources get their addresses through it. */
	engine_assign_addresses(s.eng);
	int err = engine_state_json(s.eng, show, &all, &s.d);
	session_flush_diags(&s);
	if (err)
		goto cleanup;
	if (show) {
		json_t *found = NULL, *r;
		size_t i;
		json_array_foreach(all, i, r) {
			const char *a = json_string_value(json_object_get(r, "address"));
			const char *id = json_string_value(json_object_get(r, "id"));
			if ((a && !strcmp(a, argv[2])) || (id && !strcmp(id, argv[2])))
				found = r;
		}
		if (!found) {
			cli_error(ctx, "state show: nothing live for stack %s has address or id '%s'",
				  s.stack, argv[2]);
			goto cleanup;
		}
		if (json) {
			char *txt = json_dumps(found, JSON_INDENT(2) | JSON_SORT_KEYS);
			fprintf(ctx->out, "%s\n", txt);
			free(txt);
		} else {
			fprintf(ctx->out, "# %s (%s)\n",
				json_string_value(json_object_get(found, "address")) ?
					json_string_value(json_object_get(found, "address")) : "(no address)",
				json_string_value(json_object_get(found, "type")));
			fprintf(ctx->out, "id = %s\n", json_string_value(json_object_get(found, "id")) ?
							      json_string_value(json_object_get(found, "id")) : "(not known)");
			const char *k;
			json_t *v;
			json_object_foreach(json_object_get(found, "properties"), k, v) {
				char *txt = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
				fprintf(ctx->out, "%s = %s\n", k, txt);
				free(txt);
			}
			if (json_string_value(json_object_get(found, "note")))
				fprintf(ctx->out, "note: %s\n", json_string_value(json_object_get(found, "note")));
		}
	} else if (json) {
		char *txt = json_dumps(all, JSON_INDENT(2) | JSON_SORT_KEYS);
		fprintf(ctx->out, "%s\n", txt);
		free(txt);
	} else if (!json_array_size(all)) {
		/* Said on stderr: stdout stays one line per resource, so that
		 * `berth state list | wc -l` still counts them. */
		fprintf(ctx->err, "No resources: nothing live is tagged berth:stack=%s (never "
				  "applied, or destroyed).\n", s.stack);
	} else {
		json_t *r;
		size_t i;
		json_array_foreach(all, i, r) {
			const char *a = json_string_value(json_object_get(r, "address"));
			const char *id = json_string_value(json_object_get(r, "id"));
			const char *note = json_string_value(json_object_get(r, "note"));
			fprintf(ctx->out, "%-40s %-26s %s%s%s%s\n", a ? a : "(not in the spec)",
				json_string_value(json_object_get(r, "type")), id ? id : "-",
				note ? "  (" : "", note ? note : "", note ? ")" : "");
		}
	}
	rc = EXIT_OK;
cleanup:
	json_decref(all);
	if (open) {
		rc = session_exit(&s, rc, true);
		session_close(&s);
	}
	strvec_clear(&sc.vars);
	strvec_clear(&sc.var_files);
	return rc;
}
