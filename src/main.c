/* berth's entry point: global options, then dispatch through the command table
 * (cli/commands.c). Only this and cli/ print or choose exit codes. */
#include "util/common.h"
#include "aws/config.h"
#include "cli/cli.h"
#include "util/log.h"
#include "util/suggest.h"

#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>
#include <fcntl.h>
#include <unistd.h>

static const char *usage_line =
	"berth [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]";

/* Everything here comes from the tables (commands.c, options.c,
 * reference.c), as berth(1) does (generate.c). */
static void print_help(struct cli_ctx *ctx, FILE *f)
{
	struct option global[GLOBAL_OPTIONS_MAX];
	cli_global_options(ctx, global);
	fprintf(f, "usage: %s\n\n", usage_line);
	fprintf(f, "berth makes AWS match a YAML spec: plan shows what would change, apply\n"
		   "changes it, destroy removes everything the stack owns.\n\n");
	fprintf(f, "commands:\n");
	for (size_t i = 0; i < berth_commands_count; i++)
		if (!(berth_commands[i].flags & HIDDEN))
			fprintf(f, "  %-10s %s\n", berth_commands[i].name, berth_commands[i].summary);
	fprintf(f, "\nglobal options (before or after the command):\n");
	cli_print_options(f, global);
	cli_print_options(f, berth_top_options);
	fprintf(f, "\nexit status:\n");
	for (size_t i = 0; i < berth_exit_codes_count; i++)
		fprintf(f, "  %-5s %s\n", berth_exit_codes[i].name, berth_exit_codes[i].meaning);
	fprintf(f, "\nRun '%s COMMAND --help' for a command's options, 'man berth' for the\n"
		   "environment variables and files berth reads.\n", ctx->prog);
}

int cmd_help(struct cli_ctx *ctx, int argc, char **argv)
{
	int n = parse_options(ctx, argc, argv, NULL, "[COMMAND]", NULL);
	if (n < 0)
		return parse_exit(n);
	if (n == 0) {
		print_help(ctx, ctx->out);
		return EXIT_OK;
	}
	const struct command *c = command_find(argv[1]);
	if (!c) {
		cli_error(ctx, "help: unknown command '%s'", argv[1]);
		return EXIT_FAIL;
	}
	char *sub[] = { argv[1], (char *)"--help", NULL };
	return c->run(ctx, 2, sub);
}

static void unknown_command(struct cli_ctx *ctx, const char *name)
{
	const char *names[64];
	size_t n = 0;
	for (size_t i = 0; i < berth_commands_count && n < ARRAY_SIZE(names); i++)
		if (!(berth_commands[i].flags & HIDDEN))
			names[n++] = berth_commands[i].name;
	const char *near = suggest_nearest(name, names, n);
	if (near)
		cli_error(ctx, "unknown command '%s'; did you mean '%s'?", name, near);
	else
		cli_error(ctx, "unknown command '%s' (see '%s --help')", name, ctx->prog);
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = { 0 };
	FILE *log_file = NULL;
	int rc = EXIT_FAIL;
	int first = 1;
	char **args = NULL;
	bool libs = false;

	ctx.prog = "berth";
	ctx.out = stdout;
	ctx.err = stderr;
	/* Everything the CLI prints passes the secret mask (cli/masked.c). */
	FILE *masked_out = cli_masked_stream(stdout);
	FILE *masked_err = cli_masked_stream(stderr);
	if (masked_out && masked_err) {
		ctx.out = masked_out;
		ctx.err = masked_err;
	}
	ctx.out_tty = isatty(STDOUT_FILENO);
	ctx.err_tty = isatty(STDERR_FILENO);

	/* Global options before the command. The command parser accepts them too,
	 * so we only need to find where the command name is. */
	while (first < argc && argv[first][0] == '-') {
		const char *a = argv[first];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_help(&ctx, ctx.out);
			rc = EXIT_OK;
			goto cleanup;
		}
		if (!strcmp(a, "--version")) {
			char *sub[] = { (char *)"version", NULL };
			rc = cmd_version(&ctx, 1, sub);
			goto cleanup;
		}
		/* Options that take a separate value. */
		if (cli_global_takes_value(&ctx, a))
			first++;
		first++;
	}
	if (first >= argc) {
		print_help(&ctx, ctx.err);
		goto cleanup;
	}
	const struct command *cmd = command_find(argv[first]);
	if (!cmd) {
		unknown_command(&ctx, argv[first]);
		goto cleanup;
	}

	/* Rebuild argv as: command, then the global options given before it, then
	 * the rest, so one parse_options call handles everything. */
	args = xcalloc((size_t)argc + 1, sizeof(char *));
	int nargs = 0;
	args[nargs++] = argv[first];
	for (int i = 1; i < first; i++)
		args[nargs++] = argv[i];
	for (int i = first + 1; i < argc; i++)
		args[nargs++] = argv[i];

	/* Colour is decided before parsing so parse errors honour NO_COLOR; a
	 * --no-color seen by the parser switches it off for the rest. Only a
	 * non-empty NO_COLOR counts (no-color.org): `NO_COLOR=` in a shell
	 * profile that clears it must not turn colour off. */
	const char *no_color = getenv("NO_COLOR");
	ctx.color = ctx.err_tty && !(no_color && *no_color);

	json_set_alloc_funcs(xmalloc, free);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	git_libgit2_init();
	libs = true;

	/* Pre-scan for logging options so logging is set up before the command
	 * runs; the command's parser stores the same values again. */
	for (int i = 1; i < nargs; i++) {
		if (!strcmp(args[i], "--")) break;
		if (!strcmp(args[i], "--no-color")) ctx.g.no_color = 1;
		else if (!strcmp(args[i], "--debug")) ctx.g.debug = 1;
		else if (!strcmp(args[i], "-v") || !strcmp(args[i], "--verbose")) ctx.g.verbose++;
		else if (!strncmp(args[i], "-vv", 3) && strspn(args[i] + 1, "v") == strlen(args[i] + 1))
			ctx.g.verbose += (int)strlen(args[i] + 1);
		else if (!strcmp(args[i], "--log-file") && i + 1 < nargs) ctx.g.log_file = args[i + 1];
	}
	if (ctx.g.no_color)
		ctx.color = false;
	if (ctx.g.log_file) {
		/* Private like .berth's files (the log holds account ids and, with
		 * --debug, bodies), and never through a planted symlink. */
		int fd = open(ctx.g.log_file, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
			      0600);
		log_file = fd >= 0 ? fdopen(fd, "a") : NULL;
		if (!log_file && fd >= 0)
			close(fd);
		if (!log_file) {
			cli_error(&ctx, "cannot open log file '%s': %s", ctx.g.log_file, strerror(errno));
			goto cleanup;
		}
	}
	log_setup(ctx.g.debug ? LOG_DEBUG : ctx.g.verbose ? LOG_VERBOSE : LOG_WARN, log_file,
		  LOG_DEBUG);
	if (log_file) {
		/* A first line now, so a log that cannot be written (a full disk,
		 * /dev/full) stops the command before it does anything. */
		log_debug("berth %s %s", BERTH_VERSION, cmd->name);
		if (ferror(log_file)) {
			cli_error(&ctx, "cannot write log file '%s': %s", ctx.g.log_file,
				  strerror(errno));
			log_setup(LOG_WARN, NULL, LOG_QUIET);
			fclose(log_file);
			log_file = NULL;
			goto cleanup;
		}
	}
	aws_register_known_secrets();
	/* Reset so the command's own parse counts -v exactly once. */
	ctx.g.verbose = 0;
	ctx.g.debug = 0;

	ctx.cmd = cmd;
	rc = cmd->run(&ctx, nargs, args);

cleanup:
	free(args);
	if (libs) {
		git_libgit2_shutdown();
		curl_global_cleanup();
	}
	if (log_file) {
		/* A log the user asked for and did not get (a full disk,
		 * /dev/full) is worth a word, not silence. */
		bool failed = ferror(log_file);
		failed |= fclose(log_file) != 0;
		if (failed)
			fprintf(ctx.err, "%s: warning: could not write the log file '%s'%s%s\n", ctx.prog,
				ctx.g.log_file, errno ? ": " : "", errno ? strerror(errno) : "");
	}
	/* Closing the masking streams writes what they held back. */
	if (masked_out)
		fclose(masked_out);
	if (masked_err)
		fclose(masked_err);
	fflush(stdout);
	return rc;
}
