/* Option parsing shared by every command. One table per command drives
 * parsing, the usage line and --help (and, through generate.c, the manual
 * page and shell completions); the global options are accepted everywhere,
 * so `berth -v plan` and `berth plan -v` mean the same. */
#include "util/common.h"
#include "cli/cli.h"
#include "util/duration.h"
#include "util/buf.h"
#include "util/suggest.h"

#include <limits.h>

/* The global options. To add one: a line here, its field in struct
 * global_opts (cli.h); usage, help, berth(1) and completion follow. */
void cli_global_options(struct cli_ctx *ctx, struct option out[GLOBAL_OPTIONS_MAX])
{
	const struct option g[] = {
		{ OPT_STRING, 0, "profile", &ctx->g.profile, "PROFILE", "AWS profile from ~/.aws/config" },
		{ OPT_STRING, 0, "region", &ctx->g.region, "REGION", "AWS region (else AWS_REGION, the profile)" },
		{ OPT_STRING, 0, "endpoint-url", &ctx->g.endpoint_url, "URL", "send every AWS call to URL (like AWS_ENDPOINT_URL)" },
		{ OPT_STRING, 0, "max-retries", &ctx->g.max_retries, "N", "retry a failed AWS call up to N times (default 24; AWS_MAX_ATTEMPTS)" },
		{ OPT_FLAG, 0, "no-color", &ctx->g.no_color, NULL, "no colour in output (also NO_COLOR)" },
		{ OPT_COUNT, 'v', "verbose", &ctx->g.verbose, NULL, "log each phase and AWS call" },
		{ OPT_FLAG, 0, "debug", &ctx->g.debug, NULL, "log request and response bodies (secrets redacted)" },
		{ OPT_STRING, 0, "log-file", &ctx->g.log_file, "FILE", "also write the full log to FILE" },
		OPT_END_MARK,
	};
	_Static_assert(ARRAY_SIZE(g) <= GLOBAL_OPTIONS_MAX, "raise GLOBAL_OPTIONS_MAX in cli.h");
	memcpy(out, g, sizeof(g));
}

bool cli_option_takes_value(const struct option *o)
{
	return o->type == OPT_STRING || o->type == OPT_INT || o->type == OPT_STRING_LIST;
}

bool cli_global_takes_value(struct cli_ctx *ctx, const char *arg)
{
	struct option g[GLOBAL_OPTIONS_MAX];
	cli_global_options(ctx, g);
	for (const struct option *o = g; o->type != OPT_END; o++) {
		if (!cli_option_takes_value(o))
			continue;
		if ((arg[0] == '-' && arg[1] == '-' && o->long_name && !strcmp(arg + 2, o->long_name)) ||
		    (o->short_name && arg[0] == '-' && arg[1] == o->short_name && !arg[2]))
			return true;
	}
	return false;
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
	case OPT_BOOL:
		if (!arg || !strcmp(arg, "true")) {
			*(int *)o->value = 1;
			return 0;
		}
		if (!strcmp(arg, "false")) {
			*(int *)o->value = 0;
			return 0;
		}
		cli_error(ctx, "%s: --%s takes true or false, not '%s'", cmd, o->long_name, arg);
		return PARSE_ERROR;
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

int parse_options(struct cli_ctx *ctx, int argc, char **argv,
		  const struct option *opts, const char *args, const char *description)
{
	struct option global[GLOBAL_OPTIONS_MAX];
	static const struct option none[] = { OPT_END_MARK };
	const char *cmd = argv[0];
	int npos = 0;
	bool only_positional = false;

	if (!opts)
		opts = none;
	if (ctx->describe) {
		ctx->describe->command(ctx->describe->arg, cmd, opts, args, description);
		return PARSE_HELP;
	}
	cli_global_options(ctx, global);

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
			print_usage(ctx, ctx->out, cmd, opts, args, description);
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
				if (!cli_option_takes_value(o) && o->type != OPT_BOOL) {
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
				if (cli_option_takes_value(o)) {
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
		/* `--lock false` as well as Terraform's `--lock=false`: the next
		 * word is the value only when it is one. */
		if (o->type == OPT_BOOL && !arg && i + 1 < argc &&
		    (!strcmp(argv[i + 1], "true") || !strcmp(argv[i + 1], "false")))
			arg = argv[++i];
		if (cli_option_takes_value(o) && !arg) {
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

/* ---- usage and help, from the tables ---- */

enum { HELP_WIDTH = 80, HELP_COLUMN = 30 };

void cli_option_synopsis(struct buf *b, const struct option *o)
{
	buf_addch(b, '[');
	if (o->short_name)
		buf_addf(b, "-%c", o->short_name);
	else
		buf_addf(b, "--%s", o->long_name);
	if (o->type == OPT_BOOL)
		buf_adds(b, "[=false]");
	else if (cli_option_takes_value(o))
		buf_addf(b, " %s", o->argh ? o->argh : "VALUE");
	buf_addch(b, ']');
	if (o->type == OPT_STRING_LIST || o->type == OPT_COUNT)
		buf_adds(b, "...");
}

void cli_option_label(struct buf *b, const struct option *o)
{
	if (o->short_name)
		buf_addf(b, "-%c, ", o->short_name);
	else
		buf_adds(b, "    ");
	buf_addf(b, "--%s", o->long_name);
	if (o->type == OPT_BOOL)
		buf_adds(b, "[=true|false]");
	else if (cli_option_takes_value(o))
		buf_addf(b, " %s", o->argh ? o->argh : "VALUE");
}

void cli_option_help(struct buf *b, const struct option *o)
{
	buf_adds(b, o->help ? o->help : "");
	if (o->type == OPT_STRING_LIST || o->type == OPT_COUNT)
		buf_adds(b, b->len ? " (repeatable)" : "(repeatable)");
}

enum opt_complete cli_option_complete(const struct option *o)
{
	static const struct {
		const char *argh;
		enum opt_complete c;
	} kinds[] = {
		{ "FILE", OPT_C_FILE }, { "SPEC", OPT_C_FILE }, { "PLAN", OPT_C_FILE },
		{ "DIR", OPT_C_FILE }, { "ADDRESS", OPT_C_ADDRESS }, { "STACK", OPT_C_STACK },
		{ "PROFILE", OPT_C_PROFILE },
	};
	if (!cli_option_takes_value(o) || !o->argh)
		return OPT_C_NONE;
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(o->argh, kinds[i].argh))
			return kinds[i].c;
	return OPT_C_NONE;
}

/* Adds `text` wrapped at HELP_WIDTH, continuing lines `indent` spaces in;
 * `col` is the column the text starts at. Words longer than a line stay
 * whole. */
static void add_wrapped(struct buf *b, const char *text, size_t col, size_t indent)
{
	const char *p = text;
	bool first = true;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (!n)
			break;
		if (!first && col + 1 + n > HELP_WIDTH) {
			buf_addch(b, '\n');
			buf_addchars(b, ' ', indent);
			col = indent;
		} else if (!first) {
			buf_addch(b, ' ');
			col++;
		}
		buf_add(b, p, n);
		col += n;
		p += n;
		first = false;
	}
}

/* Long labels put their help on the next line rather than overrun the
 * column (as git's parse-options does). */
void cli_print_options(FILE *f, const struct option *opts)
{
	for (; opts->type != OPT_END; opts++) {
		struct buf line = BUF_INIT, help = BUF_INIT;
		buf_adds(&line, "  ");
		cli_option_label(&line, opts);
		if (line.len + 2 > HELP_COLUMN) {
			buf_addch(&line, '\n');
			buf_addchars(&line, ' ', HELP_COLUMN);
		} else {
			buf_addchars(&line, ' ', HELP_COLUMN - line.len);
		}
		cli_option_help(&help, opts);
		add_wrapped(&line, help.ptr, HELP_COLUMN, HELP_COLUMN);
		fprintf(f, "%s\n", line.ptr);
		buf_release(&line);
		buf_release(&help);
	}
}

void print_usage(struct cli_ctx *ctx, FILE *f, const char *cmd, const struct option *opts,
		 const char *args, const char *description)
{
	struct option global[GLOBAL_OPTIONS_MAX];
	struct buf line = BUF_INIT, words = BUF_INIT;
	cli_global_options(ctx, global);

	buf_addf(&line, "usage: %s %s", ctx->prog, cmd);
	size_t indent = line.len + 1;
	for (const struct option *o = opts; o && o->type != OPT_END; o++) {
		cli_option_synopsis(&words, o);
		buf_addch(&words, ' ');
	}
	if (args)
		buf_adds(&words, args);
	/* One word per option: a synopsis never breaks inside "[--var K=V]". */
	for (char *w = words.ptr; *w; w++)
		if (*w == ' ' && w > words.ptr && w[-1] != ']' && w[-1] != '.')
			*w = '\x01';
	struct buf wrapped = BUF_INIT;
	add_wrapped(&wrapped, words.ptr, indent, indent);
	for (char *w = wrapped.ptr; *w; w++)
		if (*w == '\x01')
			*w = ' ';
	fprintf(f, "%s%s%s\n", line.ptr, wrapped.len ? " " : "", wrapped.ptr);
	buf_release(&wrapped);
	buf_release(&words);
	buf_release(&line);

	/* Descriptions are written wrapped; a line that is not still fits. */
	if (description) {
		struct buf d = BUF_INIT;
		for (const char *p = description; *p;) {
			size_t n = strcspn(p, "\n");
			char *l = xstrndup(p, n);
			size_t lead = strspn(l, " ");
			if (n <= HELP_WIDTH) {
				buf_adds(&d, l);
			} else {
				buf_addchars(&d, ' ', lead);
				add_wrapped(&d, l + lead, lead, lead);
			}
			buf_addch(&d, '\n');
			free(l);
			p += n + (p[n] == '\n');
		}
		fprintf(f, "\n%s", d.ptr);
		buf_release(&d);
	}
	if (opts && opts->type != OPT_END) {
		fprintf(f, "\noptions:\n");
		cli_print_options(f, opts);
	}
	fprintf(f, "\nglobal options:\n");
	cli_print_options(f, global);
}

int cli_duration(struct cli_ctx *ctx, const char *cmd, const char *opt, const char *text,
		 long *seconds)
{
	if (!text)
		return 0;
	if (duration_parse(text, seconds) == 0)
		return 0;
	cli_error(ctx, "%s: --%s takes a duration such as 90s, 15m, 8h or 1h30m, not '%s'", cmd, opt,
		  text);
	return -1;
}

int cli_env_number(struct cli_ctx *ctx, const char *name, long min, long max, long *out)
{
	const char *t = getenv(name);
	char *end;
	long v;
	if (!t || !*t)
		return 0;
	errno = 0;
	v = strtol(t, &end, 10);
	if (errno || end == t || *end || v < min || v > max) {
		struct buf shown = BUF_INIT;
		/* The value may be anything: show a short, escaped excerpt. */
		cli_escape(&shown, t, false);
		if (shown.len > 40) {
			buf_setlen(&shown, 37);
			buf_adds(&shown, "...");
		}
		cli_error(ctx, "%s must be a whole number from %ld to %ld, not '%s'", name, min, max,
			  shown.ptr);
		buf_release(&shown);
		return -1;
	}
	*out = v;
	return 1;
}
