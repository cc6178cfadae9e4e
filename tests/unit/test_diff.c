/* The pure diff (engine/diff.h) as case tables, plus the tag encoding and
 * deterministic names the resource types rely on. */
#include "util/common.h"
#include "harness.h"

#include "engine/diff.h"
#include "resources/resource.h"
#include "schema/schema.h"
#include "spec/spec.h"
#include "util/buf.h"

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	if (!v) {
		fprintf(stderr, "bad JSON in test: %s: %s\n", text, e.text);
		abort();
	}
	return v;
}

/* Value comparisons under a type's property shapes. */
TEST(diff_values_table)
{
	const struct schema_resource *lg = schema_find("AWS::Logs::LogGroup");
	const struct schema_resource *sub = schema_find("AWS::SNS::Subscription");
	const struct schema_resource *ecr = schema_find("AWS::ECR::Repository");
	CHECK(lg && sub && ecr);
	struct {
		const struct schema_resource *type;
		const char *prop, *desired, *live;
		enum schema_eq want;
	} cases[] = {
		{ lg, "RetentionInDays", "7", "7", SCHEMA_EQUAL },
		{ lg, "RetentionInDays", "\"7\"", "7", SCHEMA_EQUAL },          /* CloudFormation accepts strings */
		{ lg, "RetentionInDays", "14", "7", SCHEMA_CHANGED },
		{ lg, "LogGroupName", "\"a\"", "\"a\"", SCHEMA_EQUAL },
		{ lg, "DeletionProtectionEnabled", "\"true\"", "true", SCHEMA_EQUAL },
		{ lg, "DeletionProtectionEnabled", "false", "true", SCHEMA_CHANGED },
		/* Tags are a set: order does not matter, content does. */
		{ lg, "Tags", "[{\"Key\":\"a\",\"Value\":\"1\"},{\"Key\":\"b\",\"Value\":\"2\"}]",
		  "[{\"Key\":\"b\",\"Value\":\"2\"},{\"Key\":\"a\",\"Value\":\"1\"}]", SCHEMA_EQUAL },
		{ lg, "Tags", "[{\"Key\":\"a\",\"Value\":\"1\"}]", "[{\"Key\":\"a\",\"Value\":\"2\"}]",
		  SCHEMA_CHANGED },
		{ lg, "Tags", "[]", "null", SCHEMA_EQUAL },
		/* Policy documents: as parsed JSON, given as a value or a string. */
		{ sub, "FilterPolicy", "{\"kind\":[\"deploy\"],\"n\":1}", "\"{\\\"n\\\": 1, \\\"kind\\\": [\\\"deploy\\\"]}\"",
		  SCHEMA_EQUAL },
		{ sub, "FilterPolicy", "{\"kind\":[\"deploy\"]}", "\"{\\\"kind\\\":[\\\"build\\\"]}\"", SCHEMA_CHANGED },
		{ sub, "RawMessageDelivery", "true", "\"true\"", SCHEMA_EQUAL },
		{ sub, "Endpoint", "8080", "\"8080\"", SCHEMA_EQUAL },
		/* A member AWS chooses when left out (SP_COMPUTED) is no change
		 * then; given, it is compared like any other. */
		{ ecr, "EncryptionConfiguration", "{\"EncryptionType\":\"KMS\"}",
		  "{\"EncryptionType\":\"KMS\",\"KmsKey\":\"arn:aws:kms:r:1:key/k\"}", SCHEMA_EQUAL },
		{ ecr, "EncryptionConfiguration", "{\"EncryptionType\":\"KMS\",\"KmsKey\":\"other\"}",
		  "{\"EncryptionType\":\"KMS\",\"KmsKey\":\"arn:aws:kms:r:1:key/k\"}", SCHEMA_CHANGED },
		{ ecr, "EncryptionConfiguration", "{\"EncryptionType\":\"AES256\"}",
		  "{\"EncryptionType\":\"KMS\",\"KmsKey\":\"arn:aws:kms:r:1:key/k\"}", SCHEMA_CHANGED },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct schema_prop *p = schema_shape_prop(cases[i].type->shape, cases[i].prop);
		CHECK(p);
		json_t *a = J(cases[i].desired), *b = J(cases[i].live);
		enum schema_eq got = schema_compare(p->shape, a, b);
		if (got != cases[i].want)
			fprintf(stderr, "  case %zu (%s): got %d\n", i, cases[i].prop, got);
		CHECK_INT(got, cases[i].want);
		json_decref(a);
		json_decref(b);
	}
	json_t *u = value_unknown(), *s = J("\"x\"");
	CHECK_INT(schema_compare(NULL, u, s), SCHEMA_UNKNOWN);
	json_decref(u);
	json_decref(s);
}

/* Long strings are compared whole: a change at any offset is a change, under
 * a string shape and with no shape at all (a fixed 512-byte buffer once hid
 * changes past its end, e.g. in a long AOT_CONFIG_CONTENT). */
TEST(diff_values_long_strings)
{
	const struct schema_resource *qd = schema_find("AWS::Logs::QueryDefinition");
	CHECK(qd);
	const struct schema_prop *p = schema_shape_prop(qd->shape, "QueryString");
	CHECK(p);
	size_t sizes[] = { 511, 512, 513, 2000, 100000 };
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];
		char *x = xmalloc(n + 1), *y;
		memset(x, 'q', n);
		x[n] = '\0';
		y = xstrdup(x);
		y[n - 1] = 'z'; /* the last byte only */
		json_t *a = json_string(x), *b = json_string(y), *c = json_string(x);
		CHECK_INT(schema_compare(p->shape, a, b), SCHEMA_CHANGED);
		CHECK_INT(schema_compare(NULL, a, b), SCHEMA_CHANGED);
		CHECK_INT(schema_compare(p->shape, a, c), SCHEMA_EQUAL);
		json_decref(a);
		json_decref(b);
		json_decref(c);
		free(x);
		free(y);
	}
}

struct rcase {
	const char *type, *desired, *live, *applied, *ignore;
	bool retain, live_retain;
	enum diff_action want;
	const char *changed, *replace; /* comma-joined, "" for none */
};

/* "a,b" from a strvec; caller frees. */
static char *join(const struct strvec *sv)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < sv->n; i++)
		buf_addf(&b, "%s%s", i ? "," : "", sv->v[i]);
	return buf_detach(&b, NULL);
}

TEST(diff_resource_table)
{
	static const struct rcase cases[] = {
		{ "AWS::Logs::LogGroup", "{\"LogGroupName\":\"a\"}", NULL, NULL, NULL, false, false,
		  DIFF_CREATE, "", "" },
		/* AWS fills defaults (LogGroupClass STANDARD): not a change. */
		{ "AWS::Logs::LogGroup", "{\"LogGroupName\":\"a\",\"RetentionInDays\":7}",
		  "{\"LogGroupName\":\"a\",\"RetentionInDays\":7,\"LogGroupClass\":\"STANDARD\","
		  "\"DeletionProtectionEnabled\":false,\"Arn\":\"arn:x\"}",
		  NULL, NULL, false, false, DIFF_NOOP, "", "" },
		{ "AWS::Logs::LogGroup", "{\"LogGroupName\":\"a\",\"RetentionInDays\":14}",
		  "{\"LogGroupName\":\"a\",\"RetentionInDays\":7}", NULL, NULL, false, false,
		  DIFF_UPDATE, "RetentionInDays", "" },
		/* A create-only property replaces, and says which. */
		{ "AWS::Logs::LogGroup", "{\"LogGroupName\":\"b\",\"RetentionInDays\":14}",
		  "{\"LogGroupName\":\"a\",\"RetentionInDays\":7}", NULL, NULL, false, false,
		  DIFF_REPLACE, "LogGroupName,RetentionInDays", "LogGroupName" },
		/* ignore_changes hides a change. */
		{ "AWS::Logs::LogGroup", "{\"LogGroupName\":\"a\",\"RetentionInDays\":14}",
		  "{\"LogGroupName\":\"a\",\"RetentionInDays\":7}", NULL, "RetentionInDays", false,
		  false, DIFF_NOOP, "", "" },
		/* Removed from the spec after berth set it: back to the default. */
		{ "AWS::Logs::LogGroup", "{\"LogGroupName\":\"a\"}",
		  "{\"LogGroupName\":\"a\",\"RetentionInDays\":7}", "{\"RetentionInDays\":7}", NULL,
		  false, false, DIFF_UPDATE, "RetentionInDays", "" },
		/* Set outside berth and never in the spec: not berth's business. */
		{ "AWS::Logs::LogGroup", "{\"LogGroupName\":\"a\"}",
		  "{\"LogGroupName\":\"a\",\"KmsKeyId\":\"k\"}", NULL, NULL, false, false, DIFF_NOOP, "",
		  "" },
		/* An unknown create-only value (its topic is replaced) replaces. */
		{ "AWS::SNS::Subscription",
		  "{\"TopicArn\":{\"\\u0001berth:unknown\":true},\"Protocol\":\"sms\",\"Endpoint\":\"1\"}",
		  "{\"TopicArn\":\"arn:t\",\"Protocol\":\"sms\",\"Endpoint\":\"1\",\"Arn\":\"arn:s\"}", NULL,
		  NULL, false, false, DIFF_REPLACE, "TopicArn", "TopicArn" },
		/* Write-only properties are never compared with what AWS returns. */
		{ "AWS::SNS::Subscription",
		  "{\"TopicArn\":\"arn:t\",\"Protocol\":\"sms\",\"Endpoint\":\"1\",\"Region\":\"us-east-1\"}",
		  "{\"TopicArn\":\"arn:t\",\"Protocol\":\"sms\",\"Endpoint\":\"1\"}", NULL, NULL, false,
		  false, DIFF_NOOP, "", "" },
		/* The retain flag is a tag change in place. */
		{ "AWS::SNS::Topic", "{\"TopicName\":\"t\"}", "{\"TopicName\":\"t\",\"TopicArn\":\"arn:t\"}",
		  NULL, NULL, true, false, DIFF_UPDATE, "Tags", "" },
		{ "AWS::SNS::Topic", "{\"TopicName\":\"t\",\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}",
		  "{\"TopicName\":\"t\"}", NULL, NULL, false, false, DIFF_UPDATE, "Tags", "" },
		/* Tags the spec dropped go, with or without a cache. */
		{ "AWS::SNS::Topic", "{\"TopicName\":\"t\"}",
		  "{\"TopicName\":\"t\",\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}", NULL, NULL, false,
		  false, DIFF_UPDATE, "Tags", "" },
		/* The schema lets TimeoutInMinutes change, berth's update does
		 * not (UpdateStack has no such member): a replacement, which
		 * apply can do, rather than an update apply refuses. */
		{ "AWS::CloudFormation::Stack",
		  "{\"StackName\":\"s\",\"TemplateURL\":\"https://t\",\"TimeoutInMinutes\":10}",
		  "{\"StackName\":\"s\",\"TemplateURL\":\"https://t\",\"TimeoutInMinutes\":5}", NULL,
		  NULL, false, false, DIFF_REPLACE, "TimeoutInMinutes", "TimeoutInMinutes" },
		/* What it does change stays an update, and beside the other
		 * the replacement names only the one that forces it. */
		{ "AWS::CloudFormation::Stack",
		  "{\"StackName\":\"s\",\"Parameters\":{\"A\":\"2\"},\"TimeoutInMinutes\":5}",
		  "{\"StackName\":\"s\",\"Parameters\":{\"A\":\"1\"},\"TimeoutInMinutes\":5}", NULL,
		  NULL, false, false, DIFF_UPDATE, "Parameters", "" },
		{ "AWS::CloudFormation::Stack",
		  "{\"StackName\":\"s\",\"Parameters\":{\"A\":\"2\"},\"TimeoutInMinutes\":10}",
		  "{\"StackName\":\"s\",\"Parameters\":{\"A\":\"1\"},\"TimeoutInMinutes\":5}", NULL,
		  NULL, false, false, DIFF_REPLACE, "Parameters,TimeoutInMinutes", "TimeoutInMinutes" },
		/* A route's target changes in place (ReplaceRoute). */
		{ "AWS::EC2::Route",
		  "{\"RouteTableId\":\"rtb-1\",\"DestinationCidrBlock\":\"0.0.0.0/0\",\"GatewayId\":\"igw-2\"}",
		  "{\"RouteTableId\":\"rtb-1\",\"DestinationCidrBlock\":\"0.0.0.0/0\",\"GatewayId\":\"igw-1\"}",
		  NULL, NULL, false, false, DIFF_UPDATE, "GatewayId", "" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct rcase *c = &cases[i];
		json_t *desired = J(c->desired), *live = c->live ? J(c->live) : NULL;
		json_t *applied = c->applied ? J(c->applied) : NULL;
		struct strvec ignore = STRVEC_INIT;
		if (c->ignore)
			strvec_push(&ignore, c->ignore);
		/* The type's own answer to "changed in place?", as plan asks it. */
		const struct rtype *rt = rtype_find(c->type);
		struct diff_input in = { schema_find(c->type), desired, live, applied, &ignore,
					 rt->update != NULL, c->retain, c->live_retain, rt->updates };
		struct diff_result r;
		diff_result_init(&r);
		diff_resource(&in, &r);
		char *changed = join(&r.changed), *replace = join(&r.replace_paths);
		if (r.action != c->want || strcmp(changed, c->changed) || strcmp(replace, c->replace))
			fprintf(stderr, "  case %zu: action %d changed '%s' replace '%s'\n", i, r.action,
				changed, replace);
		bool same = r.action == c->want && !strcmp(changed, c->changed) &&
			    !strcmp(replace, c->replace);
		free(changed);
		free(replace);
		CHECK(same);
		diff_result_release(&r);
		strvec_clear(&ignore);
		json_decref(desired);
		json_decref(live);
		json_decref(applied);
	}
}

TEST(tag_address_encoding_round_trips)
{
	const char *cases[][2] = {
		{ "app-logs", "app-logs" },
		{ "worker-logs[0]", "worker-logs=5B0=5D" },
		{ "mail[\"a@example.com\"]", "mail=5B=22a@example.com=22=5D" },
		{ "module.net.subnet[1]", "module.net.subnet=5B1=5D" },
		{ "a=b", "a=3Db" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *enc = rt_tag_encode(cases[i][0]);
		CHECK_STR(enc, cases[i][1]);
		char *dec = rt_tag_decode(enc);
		CHECK_STR(dec, cases[i][0]);
		free(enc);
		free(dec);
	}
}

TEST(default_names_are_deterministic_and_bounded)
{
	char *a = rt_default_name("demo", "mail[\"a@example.com\"]", 256);
	CHECK_STR(a, "demo-mail-a-example-com");
	free(a);
	char long_addr[600];
	memset(long_addr, 'x', sizeof(long_addr) - 1);
	long_addr[sizeof(long_addr) - 1] = 0;
	char *b = rt_default_name("demo", long_addr, 256), *c = rt_default_name("demo", long_addr, 256);
	CHECK_INT(strlen(b), 256);
	CHECK_STR(b, c);
	long_addr[10] = 'y';
	char *d = rt_default_name("demo", long_addr, 256);
	CHECK(strcmp(b, d) != 0); /* the hash keeps cut names apart */
	free(b);
	free(c);
	free(d);
}

TEST(registry_is_sorted_and_complete)
{
	size_t n;
	const struct rtype *const *all = rtype_all(&n);
	for (size_t i = 0; i + 1 < n; i++)
		CHECK(strcmp(all[i]->type_name, all[i + 1]->type_name) < 0);
	for (size_t i = 0; i < n; i++) {
		CHECK(rtype_find(all[i]->type_name) == all[i]);
		CHECK(schema_find(all[i]->type_name) != NULL);
		CHECK(all[i]->read_all && all[i]->read_one && all[i]->create && all[i]->remove);
		/* Untaggable: found through a parent, by an account-wide listing
		 * matched to the spec (unowned_listing), or (no parent) by a name
		 * convention read_all applies (query definitions: STACK/...). */
		CHECK(all[i]->tag_filter || all[i]->identity);
	}
	CHECK(rtype_for_arn("arn:aws:logs:us-west-2:1:log-group:/a/b") == &rtype_logs_loggroup);
	CHECK(rtype_for_arn("arn:aws:sns:us-west-2:123456789012:t") == &rtype_sns_topic);
	CHECK(rtype_for_arn("arn:aws:sns:us-west-2:123456789012:t:uuid") == NULL);
	CHECK(rtype_for_arn("arn:aws:cloudformation:us-west-2:1:stack/s/uuid") ==
	      &rtype_cloudformation_stack);
	CHECK(rtype_for_arn("arn:aws:cloudwatch:us-west-2:1:alarm:a") == &rtype_cloudwatch_alarm);
	CHECK(rtype_find("AWS::Nope::Nothing") == NULL);
}

TEST_MAIN()
