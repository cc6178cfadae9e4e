/* `berth version`: berth's version and the versions of the libraries it links,
 * as reported by the libraries at run time (what a bug report needs). */
#include "util/common.h"
#include "cli/cli.h"

#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>
#include <libxml/xmlversion.h>
#include <openssl/crypto.h>
#include <yaml.h>

int cmd_version(struct cli_ctx *ctx, int argc, char **argv)
{
	int json = 0;
	const struct option opts[] = {
		{ OPT_FLAG, 0, "json", &json, NULL, "print as JSON" },
		OPT_END_MARK,
	};
	int major = 0, minor = 0, rev = 0;
	int n = parse_options(ctx, argc, argv, opts, NULL, NULL);
	if (n < 0)
		return parse_exit(n);
	if (n > 0) {
		cli_error(ctx, "version: unexpected argument '%s'", argv[1]);
		return EXIT_FAIL;
	}

	git_libgit2_version(&major, &minor, &rev);
	char *git = xasprintf("%d.%d.%d", major, minor, rev);
	const char *xml = LIBXML_DOTTED_VERSION;
	curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

	if (json) {
		json_t *o = json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s}}",
				      "berth", BERTH_VERSION, "libraries",
				      "libyaml", yaml_get_version_string(),
				      "libcurl", cv->version,
				      "jansson", jansson_version_str(),
				      "openssl", OpenSSL_version(OPENSSL_VERSION),
				      "libgit2", git, "libxml2", xml);
		char *s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
		fprintf(ctx->out, "%s\n", s);
		free(s);
		json_decref(o);
	} else {
		fprintf(ctx->out, "berth %s\n", BERTH_VERSION);
		fprintf(ctx->out, "  libyaml  %s\n", yaml_get_version_string());
		fprintf(ctx->out, "  libcurl  %s (%s)\n", cv->version,
			cv->ssl_version ? cv->ssl_version : "no TLS");
		fprintf(ctx->out, "  jansson  %s\n", jansson_version_str());
		fprintf(ctx->out, "  openssl  %s\n", OpenSSL_version(OPENSSL_VERSION));
		fprintf(ctx->out, "  libgit2  %s\n", git);
		fprintf(ctx->out, "  libxml2  %s\n", xml);
	}
	free(git);
	return EXIT_OK;
}
