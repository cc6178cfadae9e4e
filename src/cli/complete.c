/* `berth __complete KIND [-f SPEC] [--var K=V]...` (hidden): the candidates
 * the shell completions (generate.c) offer for a value, one per line, found
 * without calling AWS:
 *   addresses  the spec's resources (for --target, --exclude, state show)
 *   stacks     the stacks of the local state cache, .berth/STACK.state.json
 *              (for --stack)
 *   types      the resource types (for `berth types TYPE`)
 *   profiles   the profiles of ~/.aws/config and ~/.aws/credentials
 * A completion must never get in the way: on any problem (no spec, a bad
 * one, no .berth) it prints nothing and exits 0. */
#include "util/common.h"
#include "cli/cli.h"

#include <dirent.h>

#include "aws/config.h"
#include "schema/schema.h"
#include "spec/spec.h"

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, each once. */
static void print_list(struct cli_ctx *ctx, struct strvec *v)
{
	if (v->n)
		qsort(v->v, v->n, sizeof(char *), by_string);
	for (size_t i = 0; i < v->n; i++)
		if (!i || strcmp(v->v[i], v->v[i - 1]))
			fprintf(ctx->out, "%s\n", v->v[i]);
}

static struct spec *load_spec(struct cli_ctx *ctx, struct spec_cli *sc)
{
	struct spec_options opt;
	struct diags d = DIAGS_INIT;
	struct spec *s = NULL;
	spec_cli_options(ctx, sc, &opt);
	opt.allow_network = false;
	if (spec_load(&opt, &s, &d))
		s = NULL;
	diags_release(&d);
	return s;
}

/* Every address, and what --target also accepts for several at once: the
 * name before an index ("lg" for "lg[3]") and a module ("module.net"). */
static void addresses(struct cli_ctx *ctx, struct spec_cli *sc, struct strvec *out)
{
	struct spec *s = load_spec(ctx, sc);
	if (!s)
		return;
	for (size_t i = 0; i < s->nresources; i++) {
		const char *a = s->resources[i].address;
		strvec_push(out, a);
		size_t n = strlen(a);
		if (n && a[n - 1] == ']') {
			const char *open = strrchr(a, '[');
			if (open)
				strvec_pushf(out, "%.*s", (int)(open - a), a);
		}
		if (!strncmp(a, "module.", 7)) {
			const char *dot = strchr(a + 7, '.');
			if (dot)
				strvec_pushf(out, "%.*s", (int)(dot - a), a);
		}
	}
	spec_free(s);
}

static void stacks_in(const char *dir, struct strvec *out)
{
	static const char suffix[] = ".state.json";
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name), k = sizeof(suffix) - 1;
		if (n > k && !strcmp(e->d_name + n - k, suffix) && e->d_name[0] != '.')
			strvec_pushf(out, "%.*s", (int)(n - k), e->d_name);
	}
	closedir(d);
}

/* Where sessions keep state: .berth in the spec's project folder, and in
 * the current folder for `--stack NAME` without a spec (cli/stack.c). */
static void stacks(struct cli_ctx *ctx, struct spec_cli *sc, struct strvec *out)
{
	stacks_in(".berth", out);
	struct spec *s = load_spec(ctx, sc);
	if (s) {
		char *dir = xasprintf("%s/.berth", s->project_dir);
		stacks_in(dir, out);
		free(dir);
		spec_free(s);
	}
}

static void profiles(struct strvec *out)
{
	struct aws_config c;
	struct diags d = DIAGS_INIT;
	if (aws_config_load(&c, NULL, &d) == 0) {
		for (size_t i = 0; i < c.config.nsections; i++) {
			const char *sec = c.config.sections[i];
			if (!strcmp(sec, "default"))
				strvec_push(out, sec);
			else if (!strncmp(sec, "profile ", 8))
				strvec_push(out, sec + 8 + strspn(sec + 8, " "));
		}
		for (size_t i = 0; i < c.credentials.nsections; i++)
			strvec_push(out, c.credentials.sections[i]);
		aws_config_release(&c);
	}
	diags_release(&d);
}

int cmd_complete(struct cli_ctx *ctx, int argc, char **argv)
{
	struct spec_cli sc = { NULL, STRVEC_INIT, STRVEC_INIT };
	struct strvec out = STRVEC_INIT;
	int rc = EXIT_FAIL;
	/* The options the completion scripts pass on from the command line
	 * (generate.c reads this table to know which). */
	const struct option opts[] = {
		{ OPT_STRING, 'f', "file", &sc.file, "SPEC", "the spec (default: berth.yaml)" },
		{ OPT_STRING_LIST, 0, "var", &sc.vars, "K=V", "set variable K" },
		{ OPT_STRING_LIST, 0, "var-file", &sc.var_files, "FILE", "YAML map of variable values" },
		OPT_END_MARK,
	};
	int n = parse_options(ctx, argc, argv, opts, "addresses | stacks | types | profiles",
			      "Prints completion candidates, one per line, without calling AWS.");
	if (n < 0) {
		rc = parse_exit(n);
		goto cleanup;
	}
	if (n != 1) {
		cli_error(ctx, "__complete: expected addresses, stacks, types or profiles");
		goto cleanup;
	}
	if (!strcmp(argv[1], "addresses")) {
		addresses(ctx, &sc, &out);
	} else if (!strcmp(argv[1], "stacks")) {
		stacks(ctx, &sc, &out);
	} else if (!strcmp(argv[1], "types")) {
		size_t nt = 0;
		const struct schema_resource *const *all = schema_all(&nt);
		for (size_t i = 0; i < nt; i++)
			strvec_push(&out, all[i]->type_name);
	} else if (!strcmp(argv[1], "profiles")) {
		profiles(&out);
	} else {
		cli_error(ctx, "__complete: unknown kind '%s'", argv[1]);
		goto cleanup;
	}
	print_list(ctx, &out);
	rc = EXIT_OK;
cleanup:
	strvec_clear(&out);
	strvec_clear(&sc.vars);
	strvec_clear(&sc.var_files);
	return rc;
}
