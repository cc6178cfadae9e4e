/* Option parsing shared by every command. One table per command drives both
 * parsing and --help, and the global options are accepted everywhere, so
 * `berth -v plan` and `berth plan -v` mean the same. */
#include "util/common.h"
#include "cli/cli.h"
#include "util/buf.h"
#include "util/suggest.h"

#include <limits.h>

#define GLOBAL_OPTIONS_MAX 10

static void global_options(struct cli_ctx *ctx, struct option out[GLOBAL_OPTIONS_MAX])
{
	const struct option g[] = {
		{ OPT_STRING, 0, "profile", &ctx->g.profile, "NAME", "AWS profile from ~/.aws/config" },
		{ OPT_STRING, 0, "region", &ctx->g.region, "REGION", "AWS region (else AWS_REGION, the profile)" },
		{ OPT_STRING, 0, "endpoint-url", &ctx->g.endpoint_url, "URL", "send every AWS call to URL (like AWS_ENDPOINT_URL)" },
		{ OPT_STRING, 0, "max-retries", &ctx->g.max_retries, "N", "retry a failed AWS call up to N times (default 24; AWS_MAX_ATTEMPTS)" },
		{ OPT_FLAG, 0, "no-color", &ctx->g.no_color, NULL, "no colour in output (also NO_COLOR)" },
		{ OPT_COUNT, 'v', "verbose", &ctx->g.verbose, NULL, "log each phase and AWS call" },
		{ OPT_FLAG, 0, "debug", &ctx->g.debug, NULL, "log request and response bodies (secrets redacted)" },
		{ OPT_STRING, 0, "log-file", &ctx->g.log_file, "FILE", "also write the full log to FILE" },
		OPT_END_MARK,
	};
	_Static_assert(ARRAY_SIZE(g) <= GLOBAL_OPTIONS_MAX, "raise GLOBAL_OPTIONS_MAX");
	memcpy(out, g, sizeof(g));
}

static const struct option *find_long(const struct option *opts, const char *name, size_t len)
{
	for (; opts->type != OPT_END; opts++)
		if (opts->long_name && strlen(opts->long_name) == len &&
		    !strncmp(opts->long_name, name, len))
			return opts;
	return NULL;
}

static const struct option *find_short(const struct option *opts, char c)
{
	for (; opts->type != OPT_END; opts++)
		if (opts->short_name && opts->short_name == c)
			return opts;
	return NULL;
}

static void suggest_option(struct cli_ctx *ctx, const char *cmd, const char *bad,
			   const struct option *a, const struct option *b)
{
	const char *names[64];
	size_t n = 0;
	const struct option *lists[2] = { a, b };
	for (int l = 0; l < 2; l++)
		for (const struct option *o = lists[l]; o->type != OPT_END && n < ARRAY_SIZE(names); o++)
			if (o->long_name)
				names[n++] = o->long_name;
	const char *near = suggest_nearest(bad, names, n);
	if (near)
		cli_error(ctx, "%s: unknown option '--%s'; did you mean '--%s'?", cmd, bad, near);
	else
		cli_error(ctx, "%s: unknown option '--%s' (see '%s %s --help')", cmd, bad,
			  ctx->prog, cmd);
}

/* Stores the option's value; `arg` is NULL for flags. */
static int apply_option(struct cli_ctx *ctx, const char *cmd, const struct option *o,
			const char *arg)
{
	switch (o->type) {
	case OPT_FLAG:
		*(int *)o->value = 1;
		return 0;
	case OPT_COUNT:
		(*(int *)o->value)++;
		return 0;
	case OPT_STRING:
		*(const char **)o->value = arg;
		return 0;
	case OPT_STRING_LIST:
		strvec_push(o->value, arg);
		return 0;
	case OPT_INT: {
		char *end;
		errno = 0;
		long v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < INT_MIN || v > INT_MAX) {
			cli_error(ctx, "%s: --%s expects a whole number, got '%s'", cmd,
				  o->long_name, arg);
			return PARSE_ERROR;
		}
		*(int *)o->value = (int)v;
		return 0;
	}
	case OPT_END:
		break;
	}
	return PARSE_ERROR;
}

static bool takes_arg(const struct option *o)
{
	return o->type == OPT_STRING || o->type == OPT_INT || o->type == OPT_STRING_LIST;
}

int parse_options(struct cli_ctx *ctx, int argc, char **argv,
		  const struct option *opts, const char *usage, const char *description)
{
	struct option global[GLOBAL_OPTIONS_MAX];
	static const struct option none[] = { OPT_END_MARK };
	const char *cmd = argv[0];
	int npos = 0;
	bool only_positional = false;

	if (!opts)
		opts = none;
	global_options(ctx, global);

	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		const struct option *o = NULL;
		const char *arg = NULL;

		if (only_positional || a[0] != '-' || !strcmp(a, "-")) {
			argv[1 + npos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_positional = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_usage(ctx, ctx->out, opts, usage, description);
			return PARSE_HELP;
		}
		if (a[1] == '-') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			o = find_long(opts, name, len);
			if (!o)
				o = find_long(global, name, len);
			if (!o) {
				char *bad = xstrndup(name, len);
				suggest_option(ctx, cmd, bad, opts, global);
				free(bad);
				return PARSE_ERROR;
			}
			if (eq) {
				if (!takes_arg(o)) {
					cli_error(ctx, "%s: --%s takes no value", cmd, o->long_name);
					return PARSE_ERROR;
				}
				arg = eq + 1;
			}
		} else {
			/* Short options: one at a time, optionally bundled flags (-vv). */
			for (const char *p = a + 1; *p; p++) {
				o = find_short(opts, *p);
				if (!o)
					o = find_short(global, *p);
				if (!o) {
					cli_error(ctx, "%s: unknown option '-%c' (see '%s %s --help')",
						  cmd, *p, ctx->prog, cmd);
					return PARSE_ERROR;
				}
				if (takes_arg(o)) {
					if (p[1])
						arg = p + 1;
					break;
				}
				if (apply_option(ctx, cmd, o, NULL))
					return PARSE_ERROR;
				o = NULL;
			}
			if (!o)
				continue;
		}
		if (takes_arg(o) && !arg) {
			if (i + 1 >= argc) {
				cli_error(ctx, "%s: --%s needs a value (%s)", cmd, o->long_name,
					  o->argh ? o->argh : "VALUE");
				return PARSE_ERROR;
			}
			arg = argv[++i];
		}
		if (apply_option(ctx, cmd, o, arg))
			return PARSE_ERROR;
	}
	argv[1 + npos] = NULL;
	return npos;
}

static void print_table(FILE *f, const struct option *opts)
{
	for (; opts->type != OPT_END; opts++) {
		struct buf left = BUF_INIT;
		buf_adds(&left, "  ");
		if (opts->short_name)
			buf_addf(&left, "-%c, ", opts->short_name);
		else
			buf_adds(&left, "    ");
		buf_addf(&left, "--%s", opts->long_name);
		if (opts->argh)
			buf_addf(&left, " %s", opts->argh);
		if (left.len < 28)
			buf_addchars(&left, ' ', 28 - left.len);
		else
			buf_addch(&left, ' ');
		fprintf(f, "%s%s\n", left.ptr, opts->help ? opts->help : "");
		buf_release(&left);
	}
}

void print_usage(struct cli_ctx *ctx, FILE *f, const struct option *opts,
		 const char *usage, const char *description)
{
	struct option global[GLOBAL_OPTIONS_MAX];
	global_options(ctx, global);
	fprintf(f, "usage: %s\n", usage);
	if (description)
		fprintf(f, "\n%s\n", description);
	if (opts && opts->type != OPT_END) {
		fprintf(f, "\noptions:\n");
		print_table(f, opts);
	}
	fprintf(f, "\nglobal options:\n");
	print_table(f, global);
}
