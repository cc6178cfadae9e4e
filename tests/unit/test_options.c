/* The option parser and the help it prints from a table (cli/options.c):
 * boolean options in Terraform's --lock=false and in --lock false, the usage
 * line generated from the table and wrapped, long labels that do not overrun
 * the help column, and the describe mode the manual and completions use. */
#include "util/common.h"
#include "harness.h"
#include "cli/cli.h"

struct fixture {
	struct cli_ctx ctx;
	char *out, *err;
	size_t out_len, err_len;
	int lock, json, n;
	const char *name;
	struct strvec vars;
	struct option opts[8];
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->ctx.prog = "berth";
	f->ctx.out = open_memstream(&f->out, &f->out_len);
	f->ctx.err = open_memstream(&f->err, &f->err_len);
	f->lock = 1;
	strvec_init(&f->vars);
	const struct option opts[] = {
		{ OPT_BOOL, 0, "lock", &f->lock, NULL, "hold the stack lock" },
		{ OPT_FLAG, 0, "json", &f->json, NULL, "print as JSON" },
		{ OPT_INT, 'n', "count", &f->n, "N", "how many" },
		{ OPT_STRING, 0, "name", &f->name, "NAME", "a name" },
		{ OPT_STRING_LIST, 0, "var", &f->vars, "K=V", "set variable K" },
		{ OPT_INT, 0, "an-option-with-a-very-long-name", &f->n, "SECONDS",
		  "a help text long enough that it has to continue on a second line of the table" },
		OPT_END_MARK,
	};
	memcpy(f->opts, opts, sizeof(opts));
}

static void fixture_release(struct fixture *f)
{
	fclose(f->ctx.out);
	fclose(f->ctx.err);
	free(f->out);
	free(f->err);
	strvec_clear(&f->vars);
}

/* Parses the words after "cmd"; returns parse_options' result. */
static int parse(struct fixture *f, char **words, int n)
{
	char *argv[16] = { (char *)"cmd" };
	for (int i = 0; i < n; i++)
		argv[i + 1] = words[i];
	int r = parse_options(&f->ctx, n + 1, argv, f->opts, "[PLAN]", "Does things.");
	fflush(f->ctx.out);
	fflush(f->ctx.err);
	if (r > 0)
		f->name = argv[1]; /* the first positional, for the checks */
	return r;
}

TEST(bool_option_spellings)
{
	static const struct {
		const char *words[3];
		int n, ret, lock;
	} cases[] = {
		{ { "--lock" }, 1, 0, 1 },
		{ { "--lock=false" }, 1, 0, 0 },
		{ { "--lock=true" }, 1, 0, 1 },
		{ { "--lock", "false" }, 2, 0, 0 },
		{ { "--lock", "true" }, 2, 0, 1 },
		/* the next word is a value only when it is one */
		{ { "--lock", "plan.out" }, 2, 1, 1 },
		{ { "--lock=false", "plan.out" }, 2, 1, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct fixture f;
		fixture_init(&f);
		f.lock = -1;
		CHECK_INT(parse(&f, (char **)cases[i].words, cases[i].n), cases[i].ret);
		CHECK_INT(f.lock, cases[i].lock);
		if (cases[i].ret == 1)
			CHECK_STR(f.name, "plan.out");
		fixture_release(&f);
	}
}

TEST(bool_option_rejects_other_values)
{
	struct fixture f;
	fixture_init(&f);
	char *w[] = { (char *)"--lock=maybe" };
	CHECK_INT(parse(&f, w, 1), PARSE_ERROR);
	CHECK(strstr(f.err, "--lock takes true or false, not 'maybe'") != NULL);
	fixture_release(&f);

	fixture_init(&f);
	char *w2[] = { (char *)"--json=false" };
	CHECK_INT(parse(&f, w2, 1), PARSE_ERROR);
	CHECK(strstr(f.err, "--json takes no value") != NULL);
	fixture_release(&f);
}

TEST(usage_generated_from_the_table)
{
	struct fixture f;
	fixture_init(&f);
	char *w[] = { (char *)"--help" };
	CHECK_INT(parse(&f, w, 1), PARSE_HELP);
	/* every option, repeatable ones marked, the positional last, wrapped
	 * under the command */
	const char *usage =
		"usage: berth cmd [--lock[=false]] [--json] [-n N] [--name NAME] [--var K=V]...\n"
		"                 [--an-option-with-a-very-long-name SECONDS] [PLAN]\n"
		"\nDoes things.\n";
	CHECK(!strncmp(f.out, usage, strlen(usage)));
	CHECK(strstr(f.out, "\n      --lock[=true|false]     hold the stack lock\n") != NULL);
	CHECK(strstr(f.out, "\n      --var K=V               set variable K (repeatable)\n") != NULL);
	/* a long label puts its help on the next line, wrapped in the column */
	CHECK(strstr(f.out, "\n      --an-option-with-a-very-long-name SECONDS\n"
			    "                              a help text long enough that it has to continue on\n"
			    "                              a second line of the table\n") != NULL);
	CHECK(strstr(f.out, "\nglobal options:\n") != NULL);
	for (char *line = f.out; line && *line;) {
		char *nl = strchr(line, '\n');
		CHECK((nl ? (size_t)(nl - line) : strlen(line)) <= 80);
		line = nl ? nl + 1 : NULL;
	}
	fixture_release(&f);
}

struct seen {
	const char *name, *args;
	size_t nopts;
};

static void on_describe(void *arg, const char *name, const struct option *opts,
			const char *args, const char *description)
{
	struct seen *s = arg;
	s->name = name;
	s->args = args;
	while (opts[s->nopts].type != OPT_END)
		s->nopts++;
	(void)description;
}

TEST(describe_mode_hands_over_the_table_and_parses_nothing)
{
	struct fixture f;
	struct seen s = { 0 };
	const struct cli_describe how = { on_describe, &s };
	fixture_init(&f);
	f.ctx.describe = &how;
	char *w[] = { (char *)"--lock=false", (char *)"--no-such-option" };
	CHECK_INT(parse(&f, w, 2), PARSE_HELP);
	CHECK_STR(s.name, "cmd");
	CHECK_STR(s.args, "[PLAN]");
	CHECK_INT((int)s.nopts, 6);
	CHECK_INT(f.lock, 1);   /* untouched */
	CHECK_INT((int)f.out_len, 0);
	CHECK_INT((int)f.err_len, 0);
	fixture_release(&f);
}

/* `berth help` lives in main.c, outside the library; the table names it. */
int cmd_help(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return 0;
}

/* The command table's flags are what session_open checks before it loads
 * a spec, makes an AWS client or takes the lock: they must say what each
 * command really does (plan holds the lock; validate never talks to AWS). */
TEST(command_flags_are_declared_and_enforced)
{
	struct fixture f;
	fixture_init(&f);
	f.ctx.cmd = command_find("plan");
	CHECK(cli_declares(&f.ctx, NEEDS_SPEC) && cli_declares(&f.ctx, NEEDS_AWS) &&
	      cli_declares(&f.ctx, TAKES_LOCK));
	f.ctx.cmd = command_find("destroy");
	CHECK(cli_declares(&f.ctx, NEEDS_SPEC) && cli_declares(&f.ctx, TAKES_LOCK));
	f.ctx.cmd = command_find("state");
	CHECK(cli_declares(&f.ctx, NEEDS_SPEC) && !cli_declares(&f.ctx, TAKES_LOCK));
	f.ctx.cmd = command_find("validate");
	CHECK(!cli_declares(&f.ctx, NEEDS_AWS));
	fflush(f.ctx.err);
	CHECK_CONTAINS(f.err, "internal error: 'validate' is not declared to talk to AWS");
	f.ctx.cmd = NULL; /* no command: unit tests' sessions */
	CHECK(cli_declares(&f.ctx, TAKES_LOCK));
	fixture_release(&f);
}

TEST_MAIN()
