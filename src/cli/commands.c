/* The command table (after git's commands[] in git.c). Keep it sorted by name:
 * command_find() and `berth --help` rely on the order.
 *
 * To add a command: a line here and its cmd_NAME.c, whose first act is
 * parse_options() with its option table (cli.h says how to write one); its
 * usage, --help, its section of berth(1) and its shell completion are then
 * generated from that table (generate.c), and e2e.help checks them. */
#include "util/common.h"
#include "cli/cli.h"

const struct command berth_commands[] = {
	{ "__complete", cmd_complete, HIDDEN, "print completion candidates for the shell" },
	{ "__generate", cmd_generate, HIDDEN, "print the manual page or a shell's completion script" },
	{ "apply", cmd_apply, NEEDS_SPEC | NEEDS_AWS | TAKES_LOCK, "make AWS match the spec (or apply a saved plan)" },
	{ "destroy", cmd_destroy, NEEDS_SPEC | NEEDS_AWS | TAKES_LOCK, "delete everything of the stack, found by its tags" },
	{ "force-unlock", cmd_force_unlock, NEEDS_SPEC | NEEDS_AWS, "remove a stack's lock whose holder is gone" },
	{ "graph", cmd_graph, NEEDS_SPEC, "print the dependency graph as Graphviz DOT" },
	{ "help", cmd_help, 0, "show help for berth or a command" },
	{ "import", cmd_import, NEEDS_SPEC | NEEDS_AWS | TAKES_LOCK, "take an existing resource into the stack by tagging it" },
	{ "output", cmd_output, NEEDS_SPEC | NEEDS_AWS, "print the spec's outputs from the live resources" },
	{ "plan", cmd_plan, NEEDS_SPEC | NEEDS_AWS | TAKES_LOCK, "show what apply would change" },
	{ "reap", cmd_reap, NEEDS_AWS | TAKES_LOCK, "list every berth stack; destroy those past their expiry" },
	{ "schema", cmd_schema, 0, "print the JSON Schema of the spec format, for editors" },
	{ "state", cmd_state, NEEDS_SPEC | NEEDS_AWS, "list what is live for the stack, or show one resource" },
	{ "types", cmd_types, 0, "list resource types, or one type's properties" },
	{ "validate", cmd_validate, NEEDS_SPEC, "check a spec: keys, types, properties, references; no AWS" },
	{ "version", cmd_version, 0, "print berth's version and its libraries'" },
	{ "whoami", cmd_whoami, NEEDS_AWS, "show the AWS account, caller, region and credential source" },
};
const size_t berth_commands_count = ARRAY_SIZE(berth_commands);

bool cli_declares(struct cli_ctx *ctx, unsigned flag)
{
	if (!ctx->cmd || (ctx->cmd->flags & flag))
		return true;
	const char *what = flag == NEEDS_SPEC ? "read a spec" :
			   flag == NEEDS_AWS  ? "talk to AWS" :
			   flag == TAKES_LOCK ? "take the stack lock" : "do this";
	cli_error(ctx, "internal error: '%s' is not declared to %s (src/cli/commands.c)",
		  ctx->cmd->name, what);
	return false;
}

const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < berth_commands_count; i++)
		if (!strcmp(berth_commands[i].name, name))
			return &berth_commands[i];
	return NULL;
}
