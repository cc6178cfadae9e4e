/* The command-line layer: the only code that prints or decides exit codes.
 * Everything below it (spec/, engine/, aws/, ...) reports through diagnostics. */
#ifndef BERTH_CLI_H
#define BERTH_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "util/diag.h"
#include "util/strvec.h"

/* Exit codes, named (DESIGN.md §2). */
enum berth_exit {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_CHANGES = 2 /* plan --detailed-exitcode: changes present */
};

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

/* Passed to every command; no globals. */
struct cli_ctx {
	const char *prog; /* "berth" */
	struct global_opts g;
	FILE *out, *err;
	bool out_tty, err_tty;
	bool color; /* colour on stdout/stderr allowed */
};

/* A stream that writes to `under` with every secret registered with
 * log_add_secret() masked (masked.c); fclose() flushes it, not `under`.
 * NULL if the stream cannot be made. */
FILE *cli_masked_stream(FILE *under);

/* Requirements a command declares; main checks them before running it. */
enum command_flags {
	NEEDS_SPEC = 1 << 0, /* reads a spec file */
	NEEDS_AWS = 1 << 1,  /* talks to AWS */
	TAKES_LOCK = 1 << 2  /* holds the stack lock while running */
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

/* ---- option parsing (options.c) ---- */
enum opt_type {
	OPT_END = 0,
	OPT_FLAG,        /* int *: set to 1 (counted for OPT_COUNT) */
	OPT_COUNT,       /* int *: incremented each time (-v -v) */
	OPT_STRING,      /* const char **: points into argv */
	OPT_INT,         /* int *: decimal, checked */
	OPT_STRING_LIST  /* struct strvec *: appended each time */
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

enum { PARSE_HELP = -2, PARSE_ERROR = -1 };

/* Parses argv[1..] against the command's options and the global ones.
 * Positional arguments are moved to the front of argv (after argv[0]) and
 * their count is returned; "--" ends options. On an unknown or malformed
 * option prints a message with the nearest valid option and returns
 * PARSE_ERROR; on -h/--help prints usage and returns PARSE_HELP. */
int parse_options(struct cli_ctx *ctx, int argc, char **argv,
		  const struct option *opts, const char *usage, const char *description);
void print_usage(struct cli_ctx *ctx, FILE *f, const struct option *opts,
		 const char *usage, const char *description);
/* Convenience for commands: the exit code a parse result maps to. */
static inline int parse_exit(int r) { return r == PARSE_HELP ? EXIT_OK : EXIT_FAIL; }

/* ---- rendering (render.c) ---- */
/* Prints each diagnostic as `FILE:LINE:COL: error: summary`, then the source
 * line with a caret under the column, then the detail, to ctx->err. */
void render_diags(struct cli_ctx *ctx, const struct diags *d);
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

#endif
