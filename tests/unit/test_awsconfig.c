/* The shared config/credentials reader, profiles, region and endpoint
 * resolution, with their precedence rules. */
#include "util/common.h"
#include "harness.h"

#include <unistd.h>

#include "aws/config.h"
#include "aws/endpoint.h"
#include "aws/ini.h"
#include "aws/region.h"
#include "aws/service.h"
#include "util/buf.h"

static const char *const aws_vars[] = {
	"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
	"AWS_ENDPOINT_URL_ECS", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
	"AWS_ENDPOINT_URL_IAM", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_CONFIG_FILE",
	"AWS_SHARED_CREDENTIALS_FILE", "AWS_STS_REGIONAL_ENDPOINTS",
};

static void clear_env(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(aws_vars); i++)
		unsetenv(aws_vars[i]);
	setenv("HOME", "/nonexistent-berth-home", 1);
}

static char *write_temp(const char *text)
{
	char path[] = "/tmp/berth-cfg-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	return xstrdup(path);
}

TEST(ini_sections_keys_subkeys_comments)
{
	struct ini_file f = INI_FILE_INIT;
	struct diags d = DIAGS_INIT;
	const char *text = "# comment\n"
			   "[default]\n"
			   "Region = us-west-2  \n"
			   "; another\n"
			   "[profile dev]\r\n"
			   "s3 =\n"
			   "  max_concurrent_requests = 20\n"
			   "role_arn: arn:aws:iam::1:role/x\n"
			   "empty =\n";
	CHECK_INT(ini_parse(&f, "cfg", text, &d), 0);
	CHECK_STR(ini_get(&f, "default", "region"), "us-west-2");
	CHECK_STR(ini_get(&f, "profile dev", "s3.max_concurrent_requests"), "20");
	CHECK_STR(ini_get(&f, "profile dev", "role_arn"), "arn:aws:iam::1:role/x");
	CHECK_STR(ini_get(&f, "profile dev", "empty"), "");
	CHECK(ini_get(&f, "profile dev", "region") == NULL);
	CHECK(ini_has_section(&f, "profile dev"));
	CHECK_INT(ini_find(&f, "profile dev", "role_arn")->line, 8);
	CHECK_INT(d.n, 0);
	ini_release(&f);
}

TEST(ini_errors_name_file_and_line)
{
	struct ini_file f = INI_FILE_INIT;
	struct diags d = DIAGS_INIT;
	CHECK_INT(ini_parse(&f, "cfg", "[a]\nx = 1\nnot a pair\n", &d), BERTH_EINVAL);
	CHECK_INT(d.n, 1);
	CHECK_STR(d.items[0].file, "cfg");
	CHECK_INT(d.items[0].line, 3);
	CHECK_STR(d.items[0].summary, "expected '[section]' or 'key = value'");
	diags_release(&d);

	CHECK_INT(ini_parse(&f, "cfg", "[a\n", &d), BERTH_EINVAL);
	CHECK_STR(d.items[0].summary, "section header has no closing ']'");
	diags_release(&d);

	CHECK_INT(ini_parse(&f, "cfg", "x = 1\n", &d), BERTH_EINVAL);
	CHECK_STR(d.items[0].summary, "'key = value' before any '[section]'");
	CHECK_INT(d.items[0].line, 1);
	diags_release(&d);
	CHECK(f.items == NULL); /* nothing filled on failure */
}

TEST(config_profiles_credentials_file_wins)
{
	struct aws_config c;
	struct diags d = DIAGS_INIT;
	clear_env();
	char *cfg = write_temp("[default]\nregion = eu-west-1\n"
			       "[profile dev]\nregion = us-east-2\naws_access_key_id = FROMCONFIG\n");
	char *cred = write_temp("[dev]\naws_access_key_id = FROMCREDS\n");
	setenv("AWS_CONFIG_FILE", cfg, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
	CHECK_INT(aws_config_load(&c, NULL, &d), 0);
	CHECK_STR(c.profile, "default");
	CHECK(!c.profile_explicit);
	CHECK_STR(aws_config_get(&c, "default", "region"), "eu-west-1");
	CHECK_STR(aws_config_get(&c, "dev", "region"), "us-east-2");
	CHECK_STR(aws_config_get(&c, "dev", "aws_access_key_id"), "FROMCREDS");
	CHECK(aws_config_has_profile(&c, "dev"));
	CHECK(!aws_config_has_profile(&c, "prod"));
	char *where = aws_config_where(&c, "dev", "region");
	char *want = xasprintf("%s:4", cfg);
	CHECK_STR(where, want);
	free(where);
	free(want);
	aws_config_release(&c);

	setenv("AWS_PROFILE", "dev", 1);
	CHECK_INT(aws_config_load(&c, NULL, &d), 0);
	CHECK_STR(c.profile, "dev");
	CHECK(c.profile_from_env);
	aws_config_release(&c);
	CHECK_INT(aws_config_load(&c, "other", &d), 0);
	CHECK_STR(c.profile, "other");
	CHECK(c.profile_explicit);
	aws_config_release(&c);
	unlink(cfg);
	unlink(cred);
	free(cfg);
	free(cred);
	clear_env();
}

TEST(region_precedence)
{
	struct aws_config c;
	struct diags d = DIAGS_INIT;
	char *r = NULL;
	const char *src = NULL;
	clear_env();
	char *cfg = write_temp("[default]\nregion = eu-west-1\n");
	setenv("AWS_CONFIG_FILE", cfg, 1);
	CHECK_INT(aws_config_load(&c, NULL, &d), 0);

	CHECK_INT(aws_region_resolve(NULL, &c, &r, &src, &d), 0);
	CHECK_STR(r, "eu-west-1");
	CHECK_STR(src, "profile");
	free(r);
	setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
	CHECK_INT(aws_region_resolve(NULL, &c, &r, &src, &d), 0);
	CHECK_STR(r, "ap-south-1");
	free(r);
	setenv("AWS_REGION", "us-east-2", 1);
	CHECK_INT(aws_region_resolve(NULL, &c, &r, &src, &d), 0);
	CHECK_STR(r, "us-east-2");
	CHECK_STR(src, "AWS_REGION");
	free(r);
	CHECK_INT(aws_region_resolve("sa-east-1", &c, &r, &src, &d), 0);
	CHECK_STR(r, "sa-east-1");
	CHECK_STR(src, "--region");
	free(r);
	CHECK_INT(aws_region_resolve("us-east-1/../x", &c, &r, &src, &d), BERTH_EINVAL);
	CHECK_CONTAINS(d.items[0].summary, "invalid AWS region");
	diags_release(&d);
	aws_config_release(&c);

	clear_env();
	CHECK_INT(aws_region_resolve(NULL, NULL, &r, &src, &d), BERTH_EINVAL);
	CHECK_STR(d.items[0].summary, "no AWS region configured");
	CHECK_CONTAINS(d.items[0].detail, "--region");
	diags_release(&d);
	unlink(cfg);
	free(cfg);
}

static void resolve(const char *svc_name, const char *region, const char *opt,
		    const struct aws_config *c, const char *url, const char *signing,
		    const char *source)
{
	struct aws_endpoint e;
	struct diags d = DIAGS_INIT;
	const struct aws_service *svc = aws_service_find(svc_name);
	CHECK(svc != NULL);
	CHECK_INT(aws_endpoint_resolve(svc, region, opt, c, &e, &d), 0);
	CHECK_STR(e.url, url);
	CHECK_STR(e.signing_region, signing);
	CHECK_STR(e.source, source);
	aws_endpoint_release(&e);
	diags_release(&d);
}

TEST(endpoint_defaults_and_exceptions)
{
	clear_env();
	resolve("ecs", "us-west-2", NULL, NULL, "https://ecs.us-west-2.amazonaws.com", "us-west-2",
		"default");
	resolve("elbv2", "eu-west-1", NULL, NULL,
		"https://elasticloadbalancing.eu-west-1.amazonaws.com", "eu-west-1", "default");
	resolve("cloudwatch", "us-east-1", NULL, NULL, "https://monitoring.us-east-1.amazonaws.com",
		"us-east-1", "default");
	resolve("iam", "eu-central-1", NULL, NULL, "https://iam.amazonaws.com", "us-east-1",
		"default");
	resolve("iam", "cn-north-1", NULL, NULL, "https://iam.cn-north-1.amazonaws.com.cn",
		"cn-north-1", "default");
	resolve("ec2", "cn-northwest-1", NULL, NULL, "https://ec2.cn-northwest-1.amazonaws.com.cn",
		"cn-northwest-1", "default");
	resolve("sts", "ap-southeast-2", NULL, NULL, "https://sts.ap-southeast-2.amazonaws.com",
		"ap-southeast-2", "default");
	setenv("AWS_STS_REGIONAL_ENDPOINTS", "legacy", 1);
	resolve("sts", "ap-southeast-2", NULL, NULL, "https://sts.amazonaws.com", "us-east-1",
		"default");
	resolve("sts", "us-gov-west-1", NULL, NULL, "https://sts.us-gov-west-1.amazonaws.com",
		"us-gov-west-1", "default");
	resolve("iam", "us-gov-east-1", NULL, NULL, "https://iam.us-gov.amazonaws.com",
		"us-gov-west-1", "default");
	clear_env();
}

TEST(endpoint_precedence)
{
	struct aws_config c;
	struct diags d = DIAGS_INIT;
	clear_env();
	char *cfg = write_temp("[default]\nendpoint_url = http://profile-global:1\n"
			       "services = local\n"
			       "[services local]\n"
			       "elastic_load_balancing_v2 =\n"
			       "  endpoint_url = http://profile-elb:2/\n");
	setenv("AWS_CONFIG_FILE", cfg, 1);
	CHECK_INT(aws_config_load(&c, NULL, &d), 0);

	resolve("ecs", "us-west-2", NULL, &c, "http://profile-global:1", "us-west-2",
		"profile endpoint_url");
	resolve("elbv2", "us-west-2", NULL, &c, "http://profile-elb:2", "us-west-2",
		"profile services section");
	setenv("AWS_ENDPOINT_URL", "http://env-global:3", 1);
	resolve("elbv2", "us-west-2", NULL, &c, "http://env-global:3", "us-west-2",
		"AWS_ENDPOINT_URL");
	setenv("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", "http://env-elb:4", 1);
	resolve("elbv2", "us-west-2", NULL, &c, "http://env-elb:4", "us-west-2",
		"AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2");
	resolve("ecs", "us-west-2", NULL, &c, "http://env-global:3", "us-west-2",
		"AWS_ENDPOINT_URL");
	/* The option beats everything; a global service keeps its signing region. */
	resolve("iam", "us-west-2", "http://127.0.0.1:5/", &c, "http://127.0.0.1:5", "us-east-1",
		"--endpoint-url");
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	resolve("elbv2", "us-west-2", NULL, &c,
		"https://elasticloadbalancing.us-west-2.amazonaws.com", "us-west-2", "default");
	resolve("ecs", "us-west-2", "http://127.0.0.1:6", &c, "http://127.0.0.1:6", "us-west-2",
		"--endpoint-url");
	aws_config_release(&c);
	unlink(cfg);
	free(cfg);
	clear_env();
}

TEST(endpoint_bad_url_is_refused)
{
	struct aws_endpoint e;
	struct diags d = DIAGS_INIT;
	clear_env();
	setenv("AWS_ENDPOINT_URL", "ftp://example.com", 1);
	CHECK_INT(aws_endpoint_resolve(aws_service_find("ecs"), "us-west-2", NULL, NULL, &e, &d),
		  BERTH_EINVAL);
	CHECK_STR(d.items[0].summary,
		  "invalid endpoint URL 'ftp://example.com' for ecs (from AWS_ENDPOINT_URL)");
	diags_release(&d);
	clear_env();
}

TEST(home_is_expanded_in_paths)
{
	setenv("HOME", "/home/u", 1);
	char *p = aws_expand_home("~/.aws/config");
	CHECK_STR(p, "/home/u/.aws/config");
	free(p);
	p = aws_expand_home("~other/x");
	CHECK_STR(p, "~other/x");
	free(p);
	p = aws_expand_home("/abs");
	CHECK_STR(p, "/abs");
	free(p);
	clear_env();
}

TEST_MAIN()
