/* `berth schema`: prints the JSON Schema (draft-07) of the spec format, built
 * from the type registry, so YAML-aware editors complete and check specs.
 * specs/berth.schema.json is this output, committed; a test keeps it current. */
#include "util/common.h"
#include "cli/cli.h"
#include "schema/schema.h"

int cmd_schema(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct option opts[] = { OPT_END_MARK };
	json_t *doc;
	char *text;
	int n = parse_options(ctx, argc, argv, opts, NULL,
			      "Prints the JSON Schema (draft-07) of berth's spec format on stdout.\n"
			      "Point your editor's YAML support at it, e.g. with the comment\n"
			      "  # yaml-language-server: $schema=PATH/berth.schema.json");
	if (n < 0)
		return parse_exit(n);
	if (n > 0) {
		cli_error(ctx, "schema: unexpected argument '%s'", argv[1]);
		return EXIT_FAIL;
	}
	doc = schema_json_schema();
	text = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	if (!text) {
		cli_error(ctx, "schema: cannot serialise the schema");
		return EXIT_FAIL;
	}
	fprintf(ctx->out, "%s\n", text);
	free(text);
	return EXIT_OK;
}
