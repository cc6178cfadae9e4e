/* The logger's secret mask: the forms a secret takes, short values, and a
 * stream that cuts a secret in two. */
#include "util/common.h"
#include "harness.h"
#include "util/buf.h"
#include "util/log.h"

static char *masked(const char *s)
{
	struct buf out = BUF_INIT;
	log_mask(&out, s, strlen(s), 1);
	return buf_detach(&out, NULL);
}

TEST(secret_masked_in_every_encoding)
{
	log_clear_secrets();
	CHECK_INT(log_add_secret("p@ss w/\"rd\\"), 1);
	CHECK_INT(log_add_secret("p@ss w/\"rd\\"), 0); /* already known */
	const char *cases[][2] = {
		{ "pw=p@ss w/\"rd\\ end", "pw=<secret> end" },
		{ "Value=p%40ss%20w%2F%22rd%5C&x", "Value=<secret>&x" },      /* URL */
		{ "Value=p%40ss+w%2F%22rd%5C", "Value=<secret>" },            /* form */
		{ "v=p%40ss%20w%2f%22rd%5c", "v=<secret>" },                  /* lower hex */
		{ "c=p%2540ss%2520w%252F%2522rd%255C", "c=<secret>" },        /* SigV4 twice */
		{ "{\"v\": \"p@ss w/\\\"rd\\\\\"}", "{\"v\": \"<secret>\"}" }, /* JSON */
		{ "{\"v\": \"p@ss w\\/\\\"rd\\\\\"}", "{\"v\": \"<secret>\"}" },
		{ "<V>p@ss w/&quot;rd\\</V>", "<V><secret></V>" },             /* XML */
		{ "p@ss w/ is not it", "p@ss w/ is not it" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *m = masked(cases[i][0]);
		CHECK_STR(m, cases[i][1]);
		free(m);
	}
	log_clear_secrets();
}

TEST(short_values_are_not_secrets)
{
	log_clear_secrets();
	CHECK_INT(log_add_secret("abc"), 0);
	CHECK_INT(log_add_secret(""), 0);
	CHECK_INT(log_add_secret(NULL), 0);
	CHECK_INT(log_have_secrets(), 0);
	char *m = masked("abc abc");
	CHECK_STR(m, "abc abc");
	free(m);
	CHECK_INT(log_add_secret("abcd"), 1);
	m = masked("xabcdx");
	CHECK_STR(m, "x<secret>x");
	free(m);
	log_clear_secrets();
}

TEST(stream_cut_mid_secret_is_held_back)
{
	log_clear_secrets();
	log_add_secret("hunter22");
	struct buf out = BUF_INIT;
	const char *a = "token: hunt";
	size_t used = log_mask(&out, a, strlen(a), 0);
	CHECK_STR(out.ptr, "token: ");
	CHECK_INT(used, 7);
	/* The caller feeds the held tail again with what follows. */
	const char *b = "hunter22!\n";
	used = log_mask(&out, b, strlen(b), 0);
	CHECK_STR(out.ptr, "token: <secret>!\n");
	CHECK_INT(used, strlen(b));
	/* A tail that cannot be a secret is not held. */
	buf_reset(&out);
	used = log_mask(&out, "prompt> ", 8, 0);
	CHECK_INT(used, 8);
	buf_release(&out);
	log_clear_secrets();
}

TEST_MAIN()
