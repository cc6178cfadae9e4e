/* Unit tests for src/util: buffers, string vectors, diagnostics, suggestions. */
#include "harness.h"
#include "util/common.h"
#include "util/buf.h"
#include "util/cidr.h"
#include "util/diag.h"
#include "util/duration.h"
#include "util/strvec.h"
#include "util/natcmp.h"
#include "util/suggest.h"

TEST(buf_starts_empty_and_terminated)
{
	struct buf b = BUF_INIT;
	CHECK(b.ptr != NULL);
	CHECK_STR(b.ptr, "");
	CHECK_INT(b.len, 0);
	buf_release(&b);
}

TEST(buf_appends_and_formats)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "abc");
	buf_addch(&b, '-');
	buf_addf(&b, "%d/%s", 42, "x");
	CHECK_STR(b.ptr, "abc-42/x");
	CHECK_INT(b.len, 8);
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "%04d", i);
	CHECK_INT(b.len, 8 + 4000);
	CHECK(!strncmp(b.ptr + b.len - 4, "0999", 4));
	buf_release(&b);
	CHECK_STR(b.ptr, "");
}

TEST(buf_trim_and_detach)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "  hi there \n\t");
	buf_trim(&b);
	CHECK_STR(b.ptr, "hi there");
	size_t len;
	char *s = buf_detach(&b, &len);
	CHECK_STR(s, "hi there");
	CHECK_INT(len, 8);
	CHECK_STR(b.ptr, "");
	free(s);
	/* Detaching an empty buffer still gives an owned string. */
	s = buf_detach(&b, NULL);
	CHECK_STR(s, "");
	free(s);
}

TEST(buf_keeps_embedded_nul)
{
	struct buf b = BUF_INIT;
	buf_add(&b, "a\0b", 3);
	CHECK_INT(b.len, 3);
	CHECK(b.ptr[1] == '\0' && b.ptr[2] == 'b' && b.ptr[3] == '\0');
	buf_release(&b);
}

TEST(buf_add_unescaped_decodes_only_whole_escapes)
{
	struct buf b = BUF_INIT;
	/* URL form: %XX in either case, '+' a space, a short escape kept. */
	buf_add_unescaped(&b, "%7B%22a%22+b%7d%4", '%', true);
	CHECK_STR(b.ptr, "{\"a\" b}%4");
	buf_reset(&b);
	/* Tag form: =XX, and '+' kept. */
	buf_add_unescaped(&b, "extra=5B0=5D+=3D=G1", '=', false);
	CHECK_STR(b.ptr, "extra[0]+==G1");
	buf_release(&b);
}

TEST(strvec_push_find_clear)
{
	struct strvec sv = STRVEC_INIT;
	CHECK(sv.v[0] == NULL);
	strvec_push(&sv, "one");
	strvec_pushf(&sv, "t%s", "wo");
	CHECK_INT(sv.n, 2);
	CHECK_STR(sv.v[1], "two");
	CHECK(sv.v[2] == NULL);
	CHECK_INT(strvec_find(&sv, "two"), 1);
	CHECK_INT(strvec_find(&sv, "three"), -1);
	strvec_clear(&sv);
	CHECK_INT(sv.n, 0);
}

TEST(diags_collect_sort_and_move)
{
	struct diags a = DIAGS_INIT, b = DIAGS_INIT;
	diags_error_at(&a, "x.yaml", 9, 3, "late %s", "one");
	struct diag *dg = diags_error_at(&a, "x.yaml", 2, 5, "early");
	diag_set_detail(dg, "because %d", 7);
	diags_add(&b, DIAG_WARNING, "warned");
	diags_move(&a, &b);
	CHECK_INT(a.n, 3);
	CHECK_INT(b.n, 0);
	CHECK_INT(diags_count(&a, DIAG_ERROR), 2);
	CHECK(diags_has_errors(&a));
	diags_sort(&a);
	CHECK_STR(a.items[0].summary, "warned"); /* no file sorts first */
	CHECK_STR(a.items[1].summary, "early");
	CHECK_STR(a.items[1].detail, "because 7");
	CHECK_INT(a.items[2].line, 9);
	diags_release(&a);
	diags_release(&b);
}

TEST(suggest_finds_typos)
{
	const char *keys[] = { "berth", "stack", "region", "variables", "repos",
			       "modules", "data", "resources", "outputs" };
	CHECK_STR(suggest_nearest("resouces", keys, ARRAY_SIZE(keys)), "resources");
	CHECK_STR(suggest_nearest("varaibles", keys, ARRAY_SIZE(keys)), "variables");
	CHECK_STR(suggest_nearest("Stack", keys, ARRAY_SIZE(keys)), "stack");
	CHECK(suggest_nearest("completely-different", keys, ARRAY_SIZE(keys)) == NULL);
	CHECK_INT(suggest_distance("ab", "ba"), 1);
	CHECK_INT(suggest_distance("", "abc"), 3);
	CHECK_INT(suggest_distance("kitten", "sitting"), 3);
}

TEST(suggest_finds_a_part_of_the_name)
{
	const char *props[] = { "LogGroupName", "RetentionInDays", "KmsKeyId", "Tags",
				"DataProtectionPolicy", "LogGroupClass" };
	/* Too far for a typo, but the start of a name. */
	CHECK_STR(suggest_nearest("Retention", props, ARRAY_SIZE(props)), "RetentionInDays");
	CHECK_STR(suggest_nearest("retention", props, ARRAY_SIZE(props)), "RetentionInDays");
	/* Inside a name: the shortest that holds it. */
	CHECK_STR(suggest_nearest("Protection", props, ARRAY_SIZE(props)), "DataProtectionPolicy");
	CHECK_STR(suggest_nearest("GroupName", props, ARRAY_SIZE(props)), "LogGroupName");
	/* Too short to say anything. */
	CHECK(suggest_nearest("Lo", props, ARRAY_SIZE(props)) == NULL);
	CHECK(suggest_nearest("Zebra", props, ARRAY_SIZE(props)) == NULL);
}

TEST(natural_order_counts)
{
	CHECK(natcmp("lg[4]", "lg[36]") < 0);
	CHECK(natcmp("lg[36]", "lg[4]") > 0);
	CHECK(natcmp("lg[10]", "lg[9]") > 0);
	CHECK(natcmp("lg[4]", "lg[4]") == 0);
	CHECK(natcmp("a2b10", "a2b9") > 0);
	CHECK(natcmp("a", "b") < 0);
	CHECK(natcmp("lg", "lg[0]") < 0);
	CHECK(natcmp("x007", "x7") > 0); /* equal numbers: fewer zeros first */
	CHECK(natcmp("n99999999999999999999999", "n100000000000000000000000") < 0);
	CHECK(natcmp("mod.a[2].b", "mod.a[10].a") < 0);
}

TEST(strerror_names_codes)
{
	CHECK_STR(berth_strerror(BERTH_OK), "success");
	CHECK_STR(berth_strerror(BERTH_ELOCKED), "locked");
	CHECK_STR(berth_strerror(12345), "unknown error");
}

TEST(duration_units_and_mistakes)
{
	static const struct { const char *text; long want; } ok[] = {
		{ "0", 0 }, { "90", 90 }, { "90s", 90 }, { "15m", 900 }, { "8h", 28800 },
		{ "2d", 172800 }, { "1h30m", 5400 }, { "1d2h3m4s", 93784 },
	};
	static const char *const bad[] = { "", "h", "-5m", "5x", "1h30", "8 h", "1.5h",
					   "99999999999s", "4000d" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		long got = -1;
		CHECK_INT(duration_parse(ok[i].text, &got), 0);
		CHECK_INT(got, ok[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long got = -7;
		CHECK_INT(duration_parse(bad[i], &got), BERTH_EINVAL);
		CHECK_INT(got, -7);
	}
}

TEST(cidr_canonical)
{
	static const char *const cases[][2] = {
		{ "10.0.0.0/24", "10.0.0.0/24" },   { "10.0.0.5/24", "10.0.0.0/24" },
		{ "10.0.0.200/27", "10.0.0.192/27" }, { "0.0.0.0/0", "0.0.0.0/0" },
		{ "1.2.3.4/32", "1.2.3.4/32" },     { "10.0.0.0", NULL },
		{ "10.0.0.0/33", NULL },            { "256.0.0.0/8", NULL },
		{ "10.0.0.0/8x", NULL },            { "::/0", NULL },
		{ " 10.0.0.0/8", NULL },          { "+10.0.0.0/8", NULL },
		{ "10.0.0.0/ 8", NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = cidr_canonical_ipv4(cases[i][0]);
		if (cases[i][1])
			CHECK_STR(got, cases[i][1]);
		else
			CHECK(got == NULL);
		free(got);
	}
}

TEST(rfc3339_times)
{
	time_t t = 0;
	char out[21];
	CHECK_INT(time_parse_rfc3339("2026-11-24T16:02:11Z", &t), 0);
	CHECK_INT((long)t, 1795536131L);
	time_format_rfc3339(t, out);
	CHECK_STR(out, "2026-11-24T16:02:11Z");
	CHECK_INT(time_parse_rfc3339("2026-11-24T18:02:11.250+02:00", &t), 0);
	CHECK_INT((long)t, 1795536131L);
	CHECK_INT(time_parse_rfc3339("2026-11-24 16:02:11Z", &t), BERTH_EINVAL);
	CHECK_INT(time_parse_rfc3339("2026-11-24T16:02:11", &t), BERTH_EINVAL);
	CHECK_INT(time_parse_rfc3339("2026-13-24T16:02:11Z", &t), BERTH_EINVAL);
	CHECK_INT(time_parse_rfc3339("2026-11-24T16:02:11Zjunk", &t), BERTH_EINVAL);
}

/* The timestamps AWS answers with (credentials' Expiration, the protocol
 * layer's times) are read by the same parser. */
TEST(rfc3339_aws_timestamps)
{
	time_t t;
	CHECK_INT(time_parse_rfc3339("2015-08-30T12:36:00Z", &t), 0);
	CHECK_INT(t, 1440938160);
	CHECK_INT(time_parse_rfc3339("2015-08-30T12:36:00.123Z", &t), 0);
	CHECK_INT(t, 1440938160);
	CHECK_INT(time_parse_rfc3339("2015-08-30T14:36:00+02:00", &t), 0);
	CHECK_INT(t, 1440938160);
	CHECK_INT(time_parse_rfc3339("2015-08-30", &t), BERTH_EINVAL);
	CHECK_INT(time_parse_rfc3339("2015-08-30T12:36:00Zjunk", &t), BERTH_EINVAL);
	/* Found by fuzzing: a short offset used to be read past the string's end. */
	CHECK_INT(time_parse_rfc3339("2015-08-30T12:36:00+02:0", &t), BERTH_EINVAL);
	CHECK_INT(time_parse_rfc3339("2015-08-30T12:36:00+02", &t), BERTH_EINVAL);
	CHECK_INT(time_parse_rfc3339("2015-08-30T12:36:00+0200", &t), BERTH_EINVAL);
}

TEST_MAIN()
