/* What `berth --help` and the manual page berth(1) say besides commands and
 * options: exit statuses, the environment variables berth reads, and its
 * files. Kept as tables beside the code so the help and the manual cannot
 * disagree; e2e.help checks that every variable berth reads is listed. */
#include "util/common.h"
#include "cli/cli.h"

const struct option berth_top_options[] = {
	{ OPT_FLAG, 'h', "help", NULL, NULL, "show this help, or a command's after its name" },
	{ OPT_FLAG, 0, "version", NULL, NULL, "print the version (as 'berth version')" },
	OPT_END_MARK,
};

const struct cli_reference berth_exit_codes[] = {
	{ "0", "success; for plan --detailed-exitcode, success with no changes" },
	{ "1", "an error: a bad spec or option, AWS refused, something left over" },
	{ "2", "plan --detailed-exitcode: success, and there are changes" },
	{ "130", "interrupted by a second Ctrl-C (128 + the signal's number)" },
};
const size_t berth_exit_codes_count = ARRAY_SIZE(berth_exit_codes);

/* Sorted by name. An empty value counts as unset, as in the AWS SDKs. */
const struct cli_reference berth_environment[] = {
	{ "AWS_ACCESS_KEY_ID", "access key id; with AWS_SECRET_ACCESS_KEY, the first credentials tried" },
	{ "AWS_CA_BUNDLE", "PEM file of certificate authorities to trust for HTTPS" },
	{ "AWS_CONFIG_FILE", "the config file (default ~/.aws/config)" },
	{ "AWS_CONTAINER_AUTHORIZATION_TOKEN", "authorization header for the container credentials endpoint" },
	{ "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "file holding that header (beats AWS_CONTAINER_AUTHORIZATION_TOKEN)" },
	{ "AWS_CONTAINER_CREDENTIALS_FULL_URI", "container credentials endpoint (ECS, EKS Pod Identity)" },
	{ "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "container credentials path on 169.254.170.2 (ECS)" },
	{ "AWS_DEFAULT_REGION", "region when AWS_REGION is not set" },
	{ "AWS_EC2_METADATA_DISABLED", "true: never ask the EC2 instance metadata service for credentials" },
	{ "AWS_EC2_METADATA_SERVICE_ENDPOINT", "instance metadata endpoint (default http://169.254.169.254)" },
	{ "AWS_ENDPOINT_URL", "send every AWS call to this URL (as --endpoint-url)" },
	{ "AWS_ENDPOINT_URL_<SERVICE>", "endpoint for one service, e.g. AWS_ENDPOINT_URL_S3 (beats AWS_ENDPOINT_URL)" },
	{ "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true: ignore endpoint URLs from the environment and config file" },
	{ "AWS_MAX_ATTEMPTS", "attempts per AWS call, retries included (1-100; default 25; --max-retries beats it)" },
	{ "AWS_PROFILE", "profile of the config and credentials files (as --profile)" },
	{ "AWS_REGION", "region (as --region; the spec's region beats both)" },
	{ "AWS_RETRY_MODE", "standard, or adaptive (adds client-side rate limiting, as the SDKs); legacy reads as standard" },
	{ "AWS_ROLE_ARN", "role to assume with AWS_WEB_IDENTITY_TOKEN_FILE" },
	{ "AWS_ROLE_SESSION_NAME", "session name for that role" },
	{ "AWS_SECRET_ACCESS_KEY", "secret access key, with AWS_ACCESS_KEY_ID" },
	{ "AWS_SESSION_TOKEN", "session token of temporary credentials" },
	{ "AWS_SHARED_CREDENTIALS_FILE", "the credentials file (default ~/.aws/credentials)" },
	{ "AWS_STS_REGIONAL_ENDPOINTS", "legacy: use the global STS endpoint in the classic regions" },
	{ "AWS_WEB_IDENTITY_TOKEN_FILE", "OIDC token file for AssumeRoleWithWebIdentity (EKS, CI)" },
	{ "BERTH_LOCK_LEASE", "seconds an S3 backend lock lasts unless its holder renews it (default 60)" },
	{ "BERTH_RETRY_TIMEOUT", "seconds to retry deletes AWS refuses while something depends on them (default 600)" },
	{ "BERTH_TEST_RETRY_SCALE", "for tests: multiplies every retry wait (0.001-1)" },
	{ "BERTH_VAR_<NAME>", "value of the spec's variable NAME (beaten by --var and --var-file)" },
	{ "BERTH_WAIT_TIMEOUT", "seconds to wait for a resource to become ready or gone" },
	{ "BUILD_URL", "a CI job's URL (Jenkins), named in the lock's holder" },
	{ "CI_JOB_URL", "a CI job's URL (GitLab), named in the lock's holder" },
	{ "GITHUB_REPOSITORY", "with GITHUB_SERVER_URL and GITHUB_RUN_ID: the GitHub Actions run named in the lock's holder" },
	{ "GITHUB_RUN_ID", "see GITHUB_REPOSITORY" },
	{ "GITHUB_SERVER_URL", "see GITHUB_REPOSITORY" },
	{ "HOME", "where ~/.aws and ~/.local/state are" },
	{ "NO_COLOR", "when set and not empty, no colour in output (no-color.org; as --no-color)" },
	{ "USER", "the user named in the lock's holder and in berth:owner" },
	{ "XDG_STATE_HOME", "berth's state folder is $XDG_STATE_HOME/berth (default ~/.local/state/berth): the stack locks" },
};
const size_t berth_environment_count = ARRAY_SIZE(berth_environment);

const struct cli_reference berth_files[] = {
	{ "berth.yaml", "the spec, unless -f names another" },
	{ ".berth/", "berth's folder in the project (the git work tree's top, else the spec's folder), private (0700); safe to delete" },
	{ ".berth/STACK.state.json", "the local state cache: physical ids and values last applied; a cache, the tags in AWS are the truth" },
	{ "~/.local/state/berth/locks/ACCOUNT/REGION/STACK.lock", "the stack lock held by apply, destroy, plan, import and reap (XDG_STATE_HOME moves it)" },
	{ ".berth/repos/NAME", "git repositories the spec's repos: section clones" },
	{ ".berth/cache/", "files the spec downloads" },
	{ "~/.aws/config", "AWS profiles: region, role, SSO, credential_process, endpoint_url" },
	{ "~/.aws/credentials", "AWS access keys per profile" },
};
const size_t berth_files_count = ARRAY_SIZE(berth_files);
