/* `berth whoami`: which account berth is about to change, as who, in which
 * region, through which endpoint, with credentials from where. Like
 * `aws sts get-caller-identity`, plus the facts that decide where an apply
 * lands. */
#include "util/common.h"
#include "cli/cli.h"

#include <jansson.h>

#include "aws/client.h"

int cmd_whoami(struct cli_ctx *ctx, int argc, char **argv)
{
	int json = 0;
	const struct option opts[] = {
		{ OPT_FLAG, 0, "json", &json, NULL, "print as JSON" },
		OPT_END_MARK,
	};
	struct aws_client_config cfg = { 0 };
	struct aws_client *client = NULL;
	struct diags d = DIAGS_INIT;
	json_t *id = NULL;
	char *endpoint = NULL, *endpoint_source = NULL;
	int rc = EXIT_FAIL;

	int n = parse_options(ctx, argc, argv, opts, NULL,
			      "Shows the AWS account, caller, region, endpoint and credential "
			      "source berth would use.");
	if (n < 0)
		return parse_exit(n);
	if (n > 0) {
		cli_error(ctx, "whoami: unexpected argument '%s'", argv[1]);
		return EXIT_FAIL;
	}

	cfg.profile = ctx->g.profile;
	cfg.region = ctx->g.region;
	cfg.endpoint_url = ctx->g.endpoint_url;
	cfg.max_retries = ctx->g.max_retries;
	if (!cli_declares(ctx, NEEDS_AWS) || aws_client_new(&client, &cfg, &d) < 0)
		goto cleanup;
	if (aws_call(client, "sts", "GetCallerIdentity", NULL, &id, &d) < 0)
		goto cleanup;
	if (aws_client_endpoint(client, "sts", &endpoint, &endpoint_source, &d) < 0)
		goto cleanup;

	const char *attempts_source = NULL;
	int attempts = aws_client_max_attempts(client, &attempts_source);
	const char *account = json_string_value(json_object_get(id, "Account"));
	const char *arn = json_string_value(json_object_get(id, "Arn"));
	const char *user = json_string_value(json_object_get(id, "UserId"));
	if (json) {
		json_t *o = json_pack("{s:s?, s:s?, s:s?, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s}",
				      "account", account, "arn", arn, "user_id", user,
				      "region", aws_client_region(client),
				      "region_source", aws_client_region_source(client),
				      "endpoint", endpoint, "endpoint_source", endpoint_source,
				      "credential_source", aws_client_credential_source(client),
				      "max_attempts", attempts, "max_attempts_source", attempts_source,
				      "retry_mode", aws_client_retry_mode(client));
		char *s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
		fprintf(ctx->out, "%s\n", s);
		free(s);
		json_decref(o);
	} else {
		fprintf(ctx->out, "account      %s\n", account ? account : "?");
		fprintf(ctx->out, "caller       %s\n", arn ? arn : "?");
		fprintf(ctx->out, "region       %s (from %s)\n", aws_client_region(client),
			aws_client_region_source(client));
		fprintf(ctx->out, "endpoint     %s%s%s%s\n", endpoint,
			strcmp(endpoint_source, "default") ? " (from " : "",
			strcmp(endpoint_source, "default") ? endpoint_source : "",
			strcmp(endpoint_source, "default") ? ")" : "");
		fprintf(ctx->out, "credentials  %s\n", aws_client_credential_source(client));
		fprintf(ctx->out, "retries      up to %d attempts a call, %s mode%s%s%s\n", attempts,
			aws_client_retry_mode(client),
			strcmp(attempts_source, "default") ? " (attempts from " : "",
			strcmp(attempts_source, "default") ? attempts_source : "",
			strcmp(attempts_source, "default") ? ")" : "");
	}
	rc = EXIT_OK;

cleanup:
	if (rc != EXIT_OK)
		render_diags(ctx, &d);
	diags_release(&d);
	json_decref(id);
	free(endpoint);
	free(endpoint_source);
	aws_client_free(client);
	return rc;
}
