/* Retry rules (delays, caps, budget, quota, adaptive rate limiting) with injected randomness,
 * redaction of secrets, timestamps of credentials, and how soon a wait (rt_poll) sees readiness. */
#include "util/common.h"
#include "harness.h"

#include <math.h>

#include "aws/credentials.h"
#include "aws/ratelimit.h"
#include "aws/redact.h"
#include "aws/retry.h"
#include "resources/resource.h"
#include "util/buf.h"

#include <time.h>

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
	CHECK_INT(aws_retry_classify(0, NULL, AWS_NET_CONNECT), AWS_RETRY_CONNECT);
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

TEST(quota_runs_dry_without_failing_calls)
{
	double r = 0.5;
	struct aws_retry_policy p = { 1000, fixed_random, &r, NULL, NULL };
	struct aws_retry_quota q;
	double delay;
	int granted = 0, slowed = 0;
	aws_retry_quota_init(&q, AWS_RETRY_QUOTA_CAPACITY);
	/* A throttling storm: 200 calls fail once each and none succeeds
	 * yet. The quota covers 100 retries; the others still go ahead,
	 * but only after the full backoff cap's jittered delay. */
	for (int i = 0; i < 200; i++) {
		struct aws_retry_state st = { 1, 0, false };
		CHECK_INT(aws_retry_after_failure(&p, &q, &st, AWS_RETRY_THROTTLE, &delay),
			  AWS_RETRY_GO);
		if (st.over_quota) {
			slowed++;
			CHECK(delay == 0.5 * AWS_RETRY_MAX_BACKOFF);
			CHECK_INT(st.last_acquired, 0);
		} else {
			granted++;
			CHECK(delay == 0.5 * 1);
		}
	}
	CHECK_INT(granted, 500 / AWS_RETRY_COST);
	CHECK_INT(slowed, 100);
	CHECK_INT(aws_retry_quota_available(&q), 0);

	/* A success after a retry gives back what the retry took; a first-try
	 * success gives back 1; an over-quota retry took nothing and gives
	 * nothing back; never above the capacity. */
	struct aws_retry_state retried = { 2, AWS_RETRY_COST, false };
	aws_retry_after_success(&q, &retried);
	CHECK_INT(aws_retry_quota_available(&q), AWS_RETRY_COST);
	struct aws_retry_state first = AWS_RETRY_STATE_INIT;
	aws_retry_after_success(&q, &first);
	CHECK_INT(aws_retry_quota_available(&q), AWS_RETRY_COST + 1);
	/* With tokens back, retries take them again at the normal delay. */
	struct aws_retry_state again = { 3, 0, true };
	CHECK_INT(aws_retry_after_failure(&p, &q, &again, AWS_RETRY_TRANSIENT, &delay),
		  AWS_RETRY_GO);
	CHECK(!again.over_quota);
	CHECK(delay == 0.5 * 4);
	CHECK_INT(aws_retry_quota_available(&q), 1);
	/* Timeouts cost more. */
	struct aws_retry_state t = { 1, 0, false };
	aws_retry_quota_give(&q, 1000);
	CHECK_INT(aws_retry_quota_available(&q), 500);
	CHECK_INT(aws_retry_after_failure(&p, &q, &t, AWS_RETRY_TIMEOUT, &delay), AWS_RETRY_GO);
	CHECK_INT(aws_retry_quota_available(&q), 500 - AWS_RETRY_TIMEOUT_COST);
	CHECK_INT(t.last_acquired, AWS_RETRY_TIMEOUT_COST);
	aws_retry_quota_release_all(&q);
}

/* Ten workers in one run, each call throttled 8 times before it gets
 * through (a storm far worse than the soak's 10 %): with the SDKs' rule
 * (no tokens, no retry) about half the calls would fail; here every call
 * ends in success within the default budget. */
TEST(parallel_storm_converges_within_the_default_budget)
{
	double r = 0.99;
	struct aws_retry_policy p = { AWS_RETRY_DEFAULT_MAX_ATTEMPTS, fixed_random, &r, NULL, NULL };
	struct aws_retry_quota q;
	struct aws_retry_state st[10];
	int done = 0, failed = 0;
	double delay;
	aws_retry_quota_init(&q, AWS_RETRY_QUOTA_CAPACITY);
	for (int call = 0; call < 50; call++) {
		for (int w = 0; w < 10; w++)
			st[w] = (struct aws_retry_state)AWS_RETRY_STATE_INIT;
		/* Round-robin the workers' attempts, as they interleave. */
		for (int attempt = 1; attempt <= 9; attempt++)
			for (int w = 0; w < 10; w++) {
				st[w].attempts++;
				if (attempt == 9) {
					aws_retry_after_success(&q, &st[w]);
					done++;
				} else if (aws_retry_after_failure(&p, &q, &st[w], AWS_RETRY_THROTTLE,
								   &delay) != AWS_RETRY_GO) {
					failed++;
				}
			}
	}
	CHECK_INT(done, 500);
	CHECK_INT(failed, 0);
	aws_retry_quota_release_all(&q);
}

TEST(default_budget_and_its_time)
{
	double r = 1.0; /* the worst draw each time */
	struct aws_retry_policy p = { AWS_RETRY_DEFAULT_MAX_ATTEMPTS, fixed_random, &r, NULL, NULL };
	struct aws_retry_state st = AWS_RETRY_STATE_INIT;
	double delay, total = 0;
	int retries = 0;
	CHECK_INT(AWS_RETRY_DEFAULT_MAX_ATTEMPTS, 25);
	for (;;) {
		st.attempts++;
		if (aws_retry_after_failure(&p, NULL, &st, AWS_RETRY_THROTTLE, &delay) != AWS_RETRY_GO)
			break;
		total += delay;
		retries++;
	}
	CHECK_INT(retries, 24);
	/* 1+2+4+8+16 + 19*20 seconds at most: about 7 minutes. */
	CHECK(total == 411.0);
	/* A connection that cannot be made at all gets a few attempts only;
	 * one that was dropped gets the whole budget. */
	CHECK_INT(aws_retry_budget(&p, AWS_RETRY_CONNECT), AWS_RETRY_CONNECT_MAX_ATTEMPTS);
	CHECK_INT(aws_retry_budget(&p, AWS_RETRY_TRANSIENT), 25);
	struct aws_retry_state c = { AWS_RETRY_CONNECT_MAX_ATTEMPTS, 0, false };
	CHECK_INT(aws_retry_after_failure(&p, NULL, &c, AWS_RETRY_CONNECT, &delay),
		  AWS_RETRY_MAX_ATTEMPTS);
	CHECK_INT(aws_retry_after_failure(&p, NULL, &c, AWS_RETRY_TRANSIENT, &delay), AWS_RETRY_GO);
	struct aws_retry_policy two = { 2, fixed_random, &r, NULL, NULL };
	CHECK_INT(aws_retry_budget(&two, AWS_RETRY_CONNECT), 2);
}

TEST(settings_are_range_checked)
{
	int n = -7;
	CHECK_INT(aws_retry_parse_attempts("25", &n), 0);
	CHECK_INT(n, 25);
	CHECK_INT(aws_retry_parse_attempts("1", &n), 0);
	CHECK_INT(aws_retry_parse_attempts("100", &n), 0);
	CHECK_INT(n, 100);
	n = -7;
	const char *bad[] = { "0", "101", "-1", "+3", " 3", "3 ", "3x", "", "2.5", "0x10",
			      "99999999999999999999", "-99999999999999999999",
			      "2147483648", "4294967297" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK_INT(aws_retry_parse_attempts(bad[i], &n), -1);
	CHECK_INT(n, -7); /* untouched on failure */
	CHECK_INT(aws_retry_parse_attempts(NULL, &n), -1);

	enum aws_retry_mode m = AWS_RETRY_MODE_ADAPTIVE;
	CHECK_INT(aws_retry_parse_mode("standard", &m), 0);
	CHECK_INT(m, AWS_RETRY_MODE_STANDARD);
	CHECK_INT(aws_retry_parse_mode("adaptive", &m), 0);
	CHECK_INT(m, AWS_RETRY_MODE_ADAPTIVE);
	CHECK_INT(aws_retry_parse_mode("legacy", &m), 0);
	CHECK_INT(m, AWS_RETRY_MODE_STANDARD);
	CHECK_INT(aws_retry_parse_mode("Adaptive", &m), -1);
	CHECK_INT(aws_retry_parse_mode("", &m), -1);
}

/* Adaptive mode against botocore itself: the same events fed to botocore's
 * ClientRateLimiter (retries/adaptive.py with a fake clock: 20 successes at
 * 10 a second, a throttle, 10 successes, a throttle, 30 successes 0.25 s
 * apart) gave these fill rates. */
static const struct { double dt; int throttled; double rate; int enabled; } botocore_trace[] = {
	{ 0.10, 0, 0.500000000, 0 },
	{ 0.10, 0, 0.500000000, 0 },
	{ 0.10, 0, 0.500000000, 0 },
	{ 0.10, 0, 0.500000000, 0 },
	{ 0.10, 0, 0.500000000, 0 },
	{ 0.10, 0, 0.500000000, 0 },
	{ 0.10, 0, 0.500000000, 0 },
	{ 0.10, 0, 0.500000000, 0 },
	{ 0.10, 0, 0.500000000, 0 },
	{ 0.10, 0, 0.500000000, 0 },
	{ 0.10, 0, 0.532400000, 0 },
	{ 0.10, 0, 0.691200000, 0 },
	{ 0.10, 0, 0.878800000, 0 },
	{ 0.10, 0, 1.097600000, 0 },
	{ 0.10, 0, 1.350000000, 0 },
	{ 0.10, 0, 1.638400000, 0 },
	{ 0.10, 0, 1.965200000, 0 },
	{ 0.10, 0, 2.332800000, 0 },
	{ 0.10, 0, 2.743600000, 0 },
	{ 0.10, 0, 3.200000000, 0 },
	{ 0.10, 1, 6.997760000, 1 },
	{ 0.10, 0, 7.434360867, 1 },
	{ 0.10, 0, 7.826388333, 1 },
	{ 0.10, 0, 8.176242399, 1 },
	{ 0.10, 0, 8.486323065, 1 },
	{ 0.10, 0, 8.759030331, 1 },
	{ 0.10, 0, 8.996764197, 1 },
	{ 0.10, 0, 9.201924663, 1 },
	{ 0.10, 0, 9.376911729, 1 },
	{ 0.10, 0, 9.524125394, 1 },
	{ 0.10, 0, 9.645965660, 1 },
	{ 0.05, 1, 6.752175962, 1 },
	{ 0.25, 0, 7.735543288, 1 },
	{ 0.25, 0, 8.466302250, 1 },
	{ 0.25, 0, 8.981952847, 1 },
	{ 0.25, 0, 9.119989760, 1 },
	{ 0.25, 0, 9.119989760, 1 },
	{ 0.25, 0, 8.223997952, 1 },
	{ 0.25, 0, 8.223997952, 1 },
	{ 0.25, 0, 8.044799590, 1 },
	{ 0.25, 0, 8.044799590, 1 },
	{ 0.25, 0, 8.008959918, 1 },
	{ 0.25, 0, 8.008959918, 1 },
	{ 0.25, 0, 8.001791984, 1 },
	{ 0.25, 0, 8.001791984, 1 },
	{ 0.25, 0, 8.000358397, 1 },
	{ 0.25, 0, 8.000358397, 1 },
	{ 0.25, 0, 8.000071679, 1 },
	{ 0.25, 0, 8.000071679, 1 },
	{ 0.25, 0, 8.000014336, 1 },
	{ 0.25, 0, 8.000014336, 1 },
	{ 0.25, 0, 8.000002867, 1 },
	{ 0.25, 0, 8.000002867, 1 },
	{ 0.25, 0, 8.000000573, 1 },
	{ 0.25, 0, 8.000000573, 1 },
	{ 0.25, 0, 8.000000115, 1 },
	{ 0.25, 0, 8.000000115, 1 },
	{ 0.25, 0, 8.000000023, 1 },
	{ 0.25, 0, 8.000000023, 1 },
	{ 0.25, 0, 8.000000005, 1 },
	{ 0.25, 0, 8.000000005, 1 },
	{ 0.25, 0, 8.000000001, 1 },
};

TEST(adaptive_rate_follows_botocore)
{
	struct aws_rate_limiter rl;
	double t = 100.0;
	aws_rate_limiter_init(&rl, t);
	/* Off until the first throttle: no waiting at all. */
	CHECK(aws_rate_limiter_acquire(&rl, t) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(botocore_trace); i++) {
		t += botocore_trace[i].dt;
		aws_rate_limiter_update(&rl, t, botocore_trace[i].throttled);
		double got = aws_rate_limiter_rate(&rl);
		if (fabs(got - botocore_trace[i].rate) > 1e-6) {
			fprintf(stderr, "  event %zu: rate %.9f, botocore %.9f\n", i, got,
				botocore_trace[i].rate);
			CHECK(0);
		}
		CHECK_INT(aws_rate_limiter_enabled(&rl), botocore_trace[i].enabled);
	}
	aws_rate_limiter_release(&rl);
}

TEST(adaptive_bucket_spaces_attempts)
{
	struct aws_rate_limiter rl;
	double t = 50.0;
	aws_rate_limiter_init(&rl, t);
	/* A burst at 20 a second, then a throttle: the rate drops to 0.7 of
	 * what was measured, and attempts made at once are spaced by it. */
	for (int i = 0; i < 40; i++) {
		t += 0.05;
		aws_rate_limiter_update(&rl, t, false);
	}
	aws_rate_limiter_update(&rl, t, true);
	double rate = aws_rate_limiter_rate(&rl);
	CHECK(rate > 5 && rate < 20);
	CHECK(aws_rate_limiter_enabled(&rl));
	/* Workers ask at the same instant: once the bucket's tokens are
	 * taken, each further attempt waits 1/rate longer than the last. */
	double prev = 0;
	int waiting = 0;
	for (int w = 0; w < 40; w++) {
		double wait = aws_rate_limiter_acquire(&rl, t);
		CHECK(wait >= prev);
		if (prev > 0) {
			CHECK(fabs(wait - prev - 1 / rate) < 1e-9);
			waiting++;
		}
		prev = wait;
	}
	CHECK(waiting > 10);
	/* Much later the bucket is full again (capacity = the rate), and an
	 * attempt goes at once. */
	CHECK(aws_rate_limiter_acquire(&rl, t + 60) == 0);
	/* Throttles in a row never take the rate below the floor. */
	for (int i = 0; i < 50; i++) {
		t += 1;
		aws_rate_limiter_update(&rl, t, true);
	}
	CHECK(aws_rate_limiter_rate(&rl) >= AWS_RATELIMIT_MIN_RATE);
	aws_rate_limiter_release(&rl);
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

static long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ready_at {
	long start, ready_ms, seen_ms;
	int probes;
};

static int ready_probe(void *ctx, struct diags *d)
{
	(void)d;
	struct ready_at *r = ctx;
	r->probes++;
	long t = mono_ms() - r->start;
	if (t < r->ready_ms)
		return 1;
	r->seen_ms = t;
	return 0;
}

/* rt_poll polls again an eighth of the time waited so far later: what is
 * ready after 1.6 s is seen by about 1.8 s (a 1.5x back-off from 100 ms
 * polled at 1.32 s and then 2.08 s). The margin is for a loaded machine,
 * whose sleeps overshoot. */
TEST(poll_sees_readiness_soon_after_it_happens)
{
	struct rt_ctx c;
	memset(&c, 0, sizeof(c));
	struct diags d = DIAGS_INIT;
	struct ready_at r = { mono_ms(), 1600, 0, 0 };
	CHECK_INT(rt_poll(&c, "readiness", 10000, 5000, ready_probe, &r, &d), 0);
	CHECK(r.seen_ms >= 1600);
	CHECK(r.seen_ms < 1600 + 1600 / 8 + 150);
	CHECK(r.probes < 30);
	diags_release(&d);
}

TEST_MAIN()
