/* Secrets the models mark sensitive stay out of --debug logs, whatever their
 * member is called (issue 9: no secret in any output). */
#include "harness.h"
#include "util/common.h"
#include "aws/redact.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strvec.h"

/* Runs aws_debug_response with the logger writing to a temp file; returns
 * what was logged (caller frees). */
static char *debug_log_of(const char *service, const char *op, const char *body)
{
	FILE *f = tmpfile();
	struct aws_http_response resp;
	struct buf out = BUF_INIT;
	char chunk[512];
	size_t n;

	aws_http_response_init(&resp);
	resp.status = 200;
	buf_adds(&resp.body, body);
	log_setup(LOG_QUIET, f, LOG_DEBUG);
	aws_debug_response(service, op, &resp);
	log_setup(LOG_WARN, NULL, LOG_QUIET);
	rewind(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&out, chunk, n);
	fclose(f);
	aws_http_response_release(&resp);
	return buf_detach(&out, NULL);
}

TEST(grafana_api_key_is_redacted_by_model)
{
	struct strvec names = STRVEC_INIT;
	aws_sensitive_names("grafana", "CreateWorkspaceApiKey", &names);
	CHECK(strvec_find(&names, "key") >= 0);
	strvec_clear(&names);

	char *logged = debug_log_of("grafana", "CreateWorkspaceApiKey",
				    "{\"key\": \"eyJrIjoiU0VDUkVUIn0=\", \"keyName\": \"berth-1\","
				    " \"workspaceId\": \"g-abc\"}");
	CHECK(strstr(logged, "eyJrIjoiU0VDUkVUIn0=") == NULL);
	CHECK_CONTAINS(logged, AWS_REDACTED);
	CHECK_CONTAINS(logged, "berth-1"); /* non-secret members stay readable */
	free(logged);
}

TEST(other_operations_keep_same_named_members)
{
	/* "key" is only secret where the model says so. */
	char *logged = debug_log_of("logs", "DescribeLogGroups",
				    "{\"logGroups\": [{\"logGroupName\": \"key\"}]}");
	CHECK_CONTAINS(logged, "\"logGroupName\": \"key\"");
	free(logged);
}

TEST(fixed_names_still_redacted_for_unknown_operations)
{
	char *logged = debug_log_of("credentials", "GET",
				    "{\"SecretAccessKey\": \"wJalrXUtnFEMI\", \"Expiration\": \"x\"}");
	CHECK(strstr(logged, "wJalrXUtnFEMI") == NULL);
	free(logged);
}

TEST_MAIN()
