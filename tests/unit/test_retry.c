/* Standard-mode retry rules (delays, caps, quota) with injected randomness,
 * redaction of secrets, and timestamps of credentials. */
#include "util/common.h"
#include "harness.h"

#include "aws/credentials.h"
#include "aws/redact.h"
#include "aws/retry.h"
#include "util/buf.h"

static double fixed_random(void *ctx)
{
	return *(double *)ctx;
}

static double slept_total;
static int sleeps;
static void fake_sleep(void *ctx, double secs)
{
	(void)ctx;
	slept_total += secs;
	sleeps++;
}

TEST(delay_is_full_jitter_capped_exponential)
{
	double r = 1.0;
	struct aws_retry_policy p = { 3, fixed_random, &r, NULL, NULL };
	/* rand * min(2^(attempt-1), 20) */
	CHECK(aws_retry_delay(&p, 1) == 1.0);
	CHECK(aws_retry_delay(&p, 2) == 2.0);
	CHECK(aws_retry_delay(&p, 3) == 4.0);
	CHECK(aws_retry_delay(&p, 5) == 16.0);
	CHECK(aws_retry_delay(&p, 6) == 20.0);
	CHECK(aws_retry_delay(&p, 30) == 20.0);
	r = 0.25;
	CHECK(aws_retry_delay(&p, 3) == 1.0);
	r = 0.0;
	CHECK(aws_retry_delay(&p, 10) == 0.0);
	/* The real randomness stays within [0, cap). */
	struct aws_retry_policy real = { 3, NULL, NULL, NULL, NULL };
	for (int i = 0; i < 200; i++) {
		double dl = aws_retry_delay(&real, 4);
		CHECK(dl >= 0.0 && dl < 8.0);
	}
}

TEST(classification)
{
	CHECK_INT(aws_retry_classify(400, "Throttling", AWS_NET_NONE), AWS_RETRY_THROTTLE);
	CHECK_INT(aws_retry_classify(400, "RequestLimitExceeded", AWS_NET_NONE), AWS_RETRY_THROTTLE);
	CHECK_INT(aws_retry_classify(400, "ThrottlingException", AWS_NET_NONE), AWS_RETRY_THROTTLE);
	CHECK_INT(aws_retry_classify(400, "RequestTimeout", AWS_NET_NONE), AWS_RETRY_TRANSIENT);
	CHECK_INT(aws_retry_classify(500, "InternalFailure", AWS_NET_NONE), AWS_RETRY_TRANSIENT);
	CHECK_INT(aws_retry_classify(502, NULL, AWS_NET_NONE), AWS_RETRY_TRANSIENT);
	CHECK_INT(aws_retry_classify(503, NULL, AWS_NET_NONE), AWS_RETRY_TRANSIENT);
	CHECK_INT(aws_retry_classify(504, NULL, AWS_NET_NONE), AWS_RETRY_TRANSIENT);
	CHECK_INT(aws_retry_classify(501, NULL, AWS_NET_NONE), AWS_RETRY_NONE);
	CHECK_INT(aws_retry_classify(403, "SignatureDoesNotMatch", AWS_NET_NONE), AWS_RETRY_NONE);
	CHECK_INT(aws_retry_classify(400, "ValidationError", AWS_NET_NONE), AWS_RETRY_NONE);
	CHECK_INT(aws_retry_classify(0, NULL, AWS_NET_CONNECT), AWS_RETRY_TRANSIENT);
	CHECK_INT(aws_retry_classify(0, NULL, AWS_NET_RESET), AWS_RETRY_TRANSIENT);
	CHECK_INT(aws_retry_classify(0, NULL, AWS_NET_TIMEOUT), AWS_RETRY_TIMEOUT);
	CHECK_INT(aws_retry_classify(0, NULL, AWS_NET_TLS), AWS_RETRY_NONE);
}

TEST(max_attempts_bound_retries)
{
	double r = 0.5;
	struct aws_retry_policy p = { 3, fixed_random, &r, fake_sleep, NULL };
	struct aws_retry_quota q;
	struct aws_retry_state st = AWS_RETRY_STATE_INIT;
	double delay = -1;
	aws_retry_quota_init(&q, AWS_RETRY_QUOTA_CAPACITY);
	st.attempts = 1;
	CHECK_INT(aws_retry_after_failure(&p, &q, &st, AWS_RETRY_THROTTLE, &delay), AWS_RETRY_GO);
	CHECK(delay == 0.5);
	st.attempts = 2;
	CHECK_INT(aws_retry_after_failure(&p, &q, &st, AWS_RETRY_TRANSIENT, &delay), AWS_RETRY_GO);
	CHECK(delay == 1.0);
	st.attempts = 3;
	CHECK_INT(aws_retry_after_failure(&p, &q, &st, AWS_RETRY_TRANSIENT, &delay),
		  AWS_RETRY_MAX_ATTEMPTS);
	CHECK_INT(aws_retry_after_failure(&p, &q, &st, AWS_RETRY_NONE, &delay),
		  AWS_RETRY_NOT_RETRYABLE);
	CHECK_INT(aws_retry_quota_available(&q), 500 - 2 * AWS_RETRY_COST);
	aws_retry_quota_release_all(&q);
}

TEST(quota_exhausts_and_refills)
{
	double r = 0.0;
	struct aws_retry_policy p = { 1000, fixed_random, &r, NULL, NULL };
	struct aws_retry_quota q;
	double delay;
	int granted = 0;
	aws_retry_quota_init(&q, AWS_RETRY_QUOTA_CAPACITY);
	for (int i = 0; i < 200; i++) {
		struct aws_retry_state st = { 1, 0 };
		if (aws_retry_after_failure(&p, &q, &st, AWS_RETRY_TRANSIENT, &delay) == AWS_RETRY_GO)
			granted++;
	}
	CHECK_INT(granted, 500 / AWS_RETRY_COST);
	CHECK_INT(aws_retry_quota_available(&q), 0);
	struct aws_retry_state st = { 1, 0 };
	CHECK_INT(aws_retry_after_failure(&p, &q, &st, AWS_RETRY_TRANSIENT, &delay),
		  AWS_RETRY_QUOTA_EXHAUSTED);

	/* A success after a retry gives back what the retry took; a first-try
	 * success gives back 1; never above the capacity. */
	struct aws_retry_state retried = { 2, AWS_RETRY_COST };
	aws_retry_after_success(&q, &retried);
	CHECK_INT(aws_retry_quota_available(&q), AWS_RETRY_COST);
	struct aws_retry_state first = AWS_RETRY_STATE_INIT;
	aws_retry_after_success(&q, &first);
	CHECK_INT(aws_retry_quota_available(&q), AWS_RETRY_COST + 1);
	/* Timeouts cost more. */
	struct aws_retry_state t = { 1, 0 };
	aws_retry_quota_give(&q, 1000);
	CHECK_INT(aws_retry_quota_available(&q), 500);
	CHECK_INT(aws_retry_after_failure(&p, &q, &t, AWS_RETRY_TIMEOUT, &delay), AWS_RETRY_GO);
	CHECK_INT(aws_retry_quota_available(&q), 500 - AWS_RETRY_TIMEOUT_COST);
	CHECK_INT(t.last_acquired, AWS_RETRY_TIMEOUT_COST);
	aws_retry_quota_release_all(&q);
}

TEST(sleep_is_injectable)
{
	struct aws_retry_policy p = { 3, NULL, NULL, fake_sleep, NULL };
	slept_total = 0;
	sleeps = 0;
	aws_retry_sleep(&p, 3.5);
	CHECK_INT(sleeps, 1);
	CHECK(slept_total == 3.5);
}

static char *redacted(const char *s)
{
	struct buf b = BUF_INIT;
	aws_redact_body(&b, s, strlen(s));
	return buf_detach(&b, NULL);
}

TEST(redaction_of_bodies)
{
	char *r;
	r = redacted("{\"AccessKeyId\": \"ASIA1\", \"SecretAccessKey\" : \"s3cr\\\"et\", "
		     "\"Token\":\"tok\", \"nextToken\": \"page2\"}");
	CHECK_STR(r, "{\"AccessKeyId\": \"ASIA1\", \"SecretAccessKey\" : \"<redacted>\", "
		     "\"Token\":\"<redacted>\", \"nextToken\": \"page2\"}");
	free(r);
	r = redacted("<Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>abc/def"
		     "</SecretAccessKey><SessionToken>FwoG==</SessionToken></Credentials>");
	CHECK_STR(r, "<Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey><redacted>"
		     "</SecretAccessKey><SessionToken><redacted></SessionToken></Credentials>");
	free(r);
	r = redacted("Action=AssumeRoleWithWebIdentity&WebIdentityToken=eyJabc&RoleArn=x");
	CHECK_STR(r, "Action=AssumeRoleWithWebIdentity&WebIdentityToken=<redacted>&RoleArn=x");
	free(r);
	r = redacted("X-Amz-Security-Token=abc%2F&X-Amz-Signature=0123");
	CHECK_STR(r, "X-Amz-Security-Token=<redacted>&X-Amz-Signature=<redacted>");
	free(r);
	r = redacted("NextToken=abc&MaxResults=5");
	CHECK_STR(r, "NextToken=abc&MaxResults=5");
	free(r);
}

TEST(redaction_of_headers)
{
	struct aws_headers h = { NULL, 0, 0 };
	struct buf b = BUF_INIT;
	aws_headers_set(&h, "Authorization", "AWS4-HMAC-SHA256 Credential=AKID/x, Signature=abc");
	aws_headers_set(&h, "X-Amz-Security-Token", "FwoGsecret");
	aws_headers_set(&h, "X-Amz-Date", "20240101T000000Z");
	aws_redact_headers(&b, &h);
	CHECK_STR(b.ptr, "Authorization: <redacted>\nX-Amz-Security-Token: <redacted>\n"
			 "X-Amz-Date: 20240101T000000Z\n");
	buf_release(&b);
	aws_headers_release(&h);
}

TEST(iso8601_timestamps)
{
	time_t t;
	CHECK_INT(aws_parse_iso8601("2015-08-30T12:36:00Z", &t), 0);
	CHECK_INT(t, 1440938160);
	CHECK_INT(aws_parse_iso8601("2015-08-30T12:36:00.123Z", &t), 0);
	CHECK_INT(t, 1440938160);
	CHECK_INT(aws_parse_iso8601("2015-08-30T14:36:00+02:00", &t), 0);
	CHECK_INT(t, 1440938160);
	CHECK_INT(aws_parse_iso8601("2015-08-30", &t), BERTH_EINVAL);
	CHECK_INT(aws_parse_iso8601("2015-08-30T12:36:00Zjunk", &t), BERTH_EINVAL);
	/* Found by fuzzing: a short offset used to be read past the string's end. */
	CHECK_INT(aws_parse_iso8601("2015-08-30T12:36:00+02:0", &t), BERTH_EINVAL);
	CHECK_INT(aws_parse_iso8601("2015-08-30T12:36:00+02", &t), BERTH_EINVAL);
	CHECK_INT(aws_parse_iso8601("2015-08-30T12:36:00+0200", &t), BERTH_EINVAL);
}

TEST_MAIN()
