/* The command-line layer: the only code that prints or decides exit codes.
 * Everything below it (spec/, engine/, aws/, ...) reports through diagnostics. */
#ifndef BERTH_CLI_H
#define BERTH_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "util/buf.h"
#include "util/diag.h"
#include "util/strvec.h"

/* Exit codes, named (DESIGN.md §2). */
enum berth_exit {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_CHANGES = 2, /* plan --detailed-exitcode: changes present */
	EXIT_INTERRUPTED = 130 /* Ctrl-C (SIGINT) or SIGTERM: 128 + SIGINT, as shells do */
};

/* What `berth --help` and berth(1) say beyond commands and options
 * (reference.c): every exit status, environment variable and file. A new
 * getenv() needs a line in berth_environment (e2e.help checks). */
struct cli_reference {
	const char *name;    /* "0", "AWS_REGION", ".berth/STACK.state.json" */
	const char *meaning; /* one sentence, no trailing full stop */
};
extern const struct cli_reference berth_exit_codes[];
extern const size_t berth_exit_codes_count;
extern const struct cli_reference berth_environment[];
extern const size_t berth_environment_count;
extern const struct cli_reference berth_files[];
extern const size_t berth_files_count;

/* Options every command accepts, before or after the command name. */
struct global_opts {
	const char *profile;
	const char *region;
	const char *endpoint_url;
	const char *max_retries; /* --max-retries N, checked by the AWS client */
	const char *log_file;
	int verbose;  /* count of -v */
	int debug;    /* --debug: log bodies (redacted) */
	int no_color; /* --no-color, or NO_COLOR set */
};

struct option;

/* Set in a cli_ctx to read a command's option table instead of running it:
 * parse_options() hands the table to `command` and returns PARSE_HELP, as
 * for --help, so the command returns before doing anything. The manual page
 * and shell completions are generated this way (generate.c), from the very
 * tables that parse the command line. */
struct cli_describe {
	void (*command)(void *arg, const char *name, const struct option *opts,
			const char *args, const char *description);
	void *arg;
};

/* Passed to every command; no globals. */
struct cli_ctx {
	const char *prog; /* "berth" */
	struct global_opts g;
	FILE *out, *err;
	bool out_tty, err_tty;
	bool color; /* colour on stdout/stderr allowed */
	const struct cli_describe *describe; /* NULL: parse and run */
	const struct command *cmd; /* the command running (main sets it), or NULL */
};

/* A stream that writes to `under` with every secret registered with
 * log_add_secret() masked (masked.c); fclose() flushes it, not `under`.
 * NULL if the stream cannot be made. */
FILE *cli_masked_stream(FILE *under);

/* What a command does, declared in its table entry. main hands the entry to
 * the command (ctx->cmd), and the one place that loads a stack's spec, makes
 * an AWS client or takes the lock (session_open, and reap's and whoami's
 * clients) refuses to for a command whose entry does not declare it, so the
 * table is the truth about every command (cli_declares). */
enum command_flags {
	NEEDS_SPEC = 1 << 0, /* reads a spec file (some only when one is there) */
	NEEDS_AWS = 1 << 1,  /* talks to AWS */
	TAKES_LOCK = 1 << 2, /* holds the stack lock while running */
	HIDDEN = 1 << 3      /* for scripts (completion): not in help or the manual */
};

struct command {
	const char *name;
	/* argv[0] is the command name; returns an enum berth_exit. */
	int (*run)(struct cli_ctx *ctx, int argc, char **argv);
	unsigned flags;
	const char *summary;
};

/* The command table (commands.c), sorted by name. */
extern const struct command berth_commands[];
extern const size_t berth_commands_count;
const struct command *command_find(const char *name);
/* Whether the running command's entry declares `flag` (true when no command
 * is set: unit tests). When not, says so on stderr as berth's own bug. */
bool cli_declares(struct cli_ctx *ctx, unsigned flag);

/* ---- option parsing (options.c) ----
 *
 * Each command declares its options in one table, passed to parse_options();
 * that table is the only place an option is written down. The usage line,
 * `berth COMMAND --help`, the manual page berth(1) and the bash and zsh
 * completions are all generated from it (options.c, generate.c), so adding
 * an option is one line in the command's table:
 *
 *   { OPT_INT, 0, "lock-timeout", &lock_timeout, "SECONDS",
 *     "wait this long for the stack lock (default 0)" },
 *
 * Global options (accepted by every command) are in global_options() in
 * options.c. Help text: lower case, no full stop, and no "(repeatable)":
 * OPT_STRING_LIST and OPT_COUNT are marked repeatable automatically. The
 * argument name says what the value is, and the shell completes by it:
 * FILE, SPEC, PLAN, DIR (file names), ADDRESS (the spec's resources), STACK
 * (stacks in .berth/), PROFILE (AWS profiles); see enum opt_complete. */
enum opt_type {
	OPT_END = 0,
	OPT_FLAG,        /* int *: set to 1 (counted for OPT_COUNT) */
	OPT_COUNT,       /* int *: incremented each time (-v -v) */
	OPT_STRING,      /* const char **: points into argv */
	OPT_INT,         /* int *: decimal, checked */
	OPT_STRING_LIST, /* struct strvec *: appended each time */
	OPT_BOOL         /* int *: --NAME is 1; --NAME=false (Terraform's -lock=false)
			  * or --NAME false is 0; also takes =true */
};

/* What the shell completes as an option's value, from its argument name. */
enum opt_complete {
	OPT_C_NONE = 0,
	OPT_C_FILE,    /* FILE, SPEC, PLAN, DIR */
	OPT_C_ADDRESS, /* ADDRESS: a resource of the spec (berth __complete addresses) */
	OPT_C_STACK,   /* STACK: a stack in the local state cache (.berth/) */
	OPT_C_PROFILE  /* PROFILE: a profile of ~/.aws/config or credentials */
};

struct option {
	enum opt_type type;
	char short_name; /* 0 when none */
	const char *long_name;
	void *value;
	const char *argh; /* name of the argument in help, e.g. "FILE" */
	const char *help;
};

#define OPT_END_MARK { OPT_END, 0, NULL, NULL, NULL, NULL }

/* -h/--help and --version, which main handles before the command (for help). */
extern const struct option berth_top_options[];

enum { PARSE_HELP = -2, PARSE_ERROR = -1 };

/* Parses argv[1..] against the command's options and the global ones.
 * Positional arguments are moved to the front of argv (after argv[0]) and
 * their count is returned; "--" ends options. On an unknown or malformed
 * option prints a message with the nearest valid option and returns
 * PARSE_ERROR; on -h/--help prints usage and returns PARSE_HELP (and so with
 * ctx->describe set, without parsing). `args` is the synopsis of the
 * positional arguments only ("[PLAN]", "(list | show ADDRESS)", or NULL): the
 * usage line lists the options from the table itself. */
int parse_options(struct cli_ctx *ctx, int argc, char **argv,
		  const struct option *opts, const char *args, const char *description);
void print_usage(struct cli_ctx *ctx, FILE *f, const char *cmd, const struct option *opts,
		 const char *args, const char *description);

/* The global options' table, with their values in ctx->g. */
enum { GLOBAL_OPTIONS_MAX = 24 };
void cli_global_options(struct cli_ctx *ctx, struct option out[GLOBAL_OPTIONS_MAX]);
/* Whether the global option `arg` ("--region") takes its value from the next
 * word, for finding the command name after them. */
bool cli_global_takes_value(struct cli_ctx *ctx, const char *arg);
/* The option table under a heading, aligned and wrapped to 80 columns. */
void cli_print_options(FILE *f, const struct option *opts);
/* One option in a usage line: "[--var K=V]...", "[-f SPEC]", "[--lock[=false]]". */
struct buf;
void cli_option_synopsis(struct buf *b, const struct option *o);
/* The option as a table shows it: "-f, --file SPEC", "--lock[=true|false]". */
void cli_option_label(struct buf *b, const struct option *o);
/* The help text with what the type adds: "(repeatable)". */
void cli_option_help(struct buf *b, const struct option *o);
bool cli_option_takes_value(const struct option *o);
enum opt_complete cli_option_complete(const struct option *o);
/* A duration option's value ("30s", "5m", "8h"; util/duration.h) into
 * *seconds; on a bad one prints "CMD: --OPT takes a duration ..." and returns
 * -1. NULL text leaves *seconds as it is. */
int cli_duration(struct cli_ctx *ctx, const char *cmd, const char *opt, const char *text,
		 long *seconds);
/* The --lock-timeout option every command that takes the lock has. */
#define OPT_LOCK_TIMEOUT(var)                                                          \
	{ OPT_STRING, 0, "lock-timeout", (var), "DURATION",                            \
	  "wait this long for the stack lock another berth holds (30s, 5m; default: "  \
	  "fail at once, naming the holder)" }
/* The --backend option of the commands that use the stack's lock and cache. */
#define OPT_BACKEND(var)                                                               \
	{ OPT_STRING, 0, "backend", (var), "s3://BUCKET/PREFIX",                       \
	  "keep the lock and the state cache in S3 (over the spec's backend:)" }
/* Convenience for commands: the exit code a parse result maps to. */
static inline int parse_exit(int r) { return r == PARSE_HELP ? EXIT_OK : EXIT_FAIL; }

/* A number from the environment variable `name`, in [min, max]: 0 when
 * unset or empty (*out untouched), 1 with *out set, -1 (after printing an
 * error naming the variable and the range) when it is not such a number. */
int cli_env_number(struct cli_ctx *ctx, const char *name, long min, long max, long *out);

/* ---- rendering (render.c) ---- */
/* Prints each diagnostic as `FILE:LINE:COL: error: summary`, then the source
 * line with a caret under the column, then the detail, to ctx->err. */
void render_diags(struct cli_ctx *ctx, const struct diags *d);
/* Appends s with control characters escaped (\x1b, \x07; \n too unless
 * keep_newlines; tabs kept): every string from a spec, a file or AWS goes
 * through it before a terminal sees it. */
void cli_escape(struct buf *out, const char *s, bool keep_newlines);
/* One-line error to stderr: "berth: error: ..." */
void cli_error(struct cli_ctx *ctx, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Options of the commands that read a spec (validate, graph; later plan,
 * apply): -f, --var, --var-file. */
struct spec_cli {
	const char *file;
	struct strvec vars, var_files;
};
struct spec_options;
/* Fills spec options from them, the global --region and the environment. */
void spec_cli_options(struct cli_ctx *ctx, struct spec_cli *sc, struct spec_options *opt);

/* Commands (one file each). */
int cmd_version(struct cli_ctx *ctx, int argc, char **argv);
int cmd_help(struct cli_ctx *ctx, int argc, char **argv);
int cmd_validate(struct cli_ctx *ctx, int argc, char **argv);
int cmd_graph(struct cli_ctx *ctx, int argc, char **argv);
int cmd_schema(struct cli_ctx *ctx, int argc, char **argv);
int cmd_types(struct cli_ctx *ctx, int argc, char **argv);
int cmd_whoami(struct cli_ctx *ctx, int argc, char **argv);
int cmd_plan(struct cli_ctx *ctx, int argc, char **argv);
int cmd_apply(struct cli_ctx *ctx, int argc, char **argv);
int cmd_destroy(struct cli_ctx *ctx, int argc, char **argv);
int cmd_output(struct cli_ctx *ctx, int argc, char **argv);
int cmd_state(struct cli_ctx *ctx, int argc, char **argv);
int cmd_import(struct cli_ctx *ctx, int argc, char **argv);
/* Hidden, for the build and the shell (generate.c, complete.c). */
int cmd_generate(struct cli_ctx *ctx, int argc, char **argv);
int cmd_complete(struct cli_ctx *ctx, int argc, char **argv);
int cmd_force_unlock(struct cli_ctx *ctx, int argc, char **argv);
int cmd_reap(struct cli_ctx *ctx, int argc, char **argv);

#endif
