/* Standard-mode retries with a provisioning budget; see retry.h for the rules
 * and where they come from. */
#include "util/common.h"
#include "aws/retry.h"

#include <limits.h>
#include <math.h>
#include <time.h>

#include <openssl/rand.h>

#include "aws/error.h"

void aws_retry_quota_init(struct aws_retry_quota *q, int capacity)
{
	pthread_mutex_init(&q->lock, NULL);
	q->available = q->max = capacity;
}

void aws_retry_quota_release_all(struct aws_retry_quota *q)
{
	pthread_mutex_destroy(&q->lock);
}

int aws_retry_quota_acquire(struct aws_retry_quota *q, int amount)
{
	int ok = 0;
	pthread_mutex_lock(&q->lock);
	if (amount <= q->available) {
		q->available -= amount;
		ok = 1;
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

void aws_retry_quota_give(struct aws_retry_quota *q, int amount)
{
	pthread_mutex_lock(&q->lock);
	q->available += amount;
	if (q->available > q->max)
		q->available = q->max;
	pthread_mutex_unlock(&q->lock);
}

int aws_retry_quota_available(struct aws_retry_quota *q)
{
	pthread_mutex_lock(&q->lock);
	int n = q->available;
	pthread_mutex_unlock(&q->lock);
	return n;
}

/* botocore's TransientRetryableChecker codes. */
static int is_transient_code(const char *code)
{
	return code && (!strcmp(code, "RequestTimeout") ||
			!strcmp(code, "RequestTimeoutException") ||
			!strcmp(code, "PriorRequestNotComplete") ||
			/* botocore retries these as "modeled" or IDP errors. */
			!strcmp(code, "IDPCommunicationError"));
}

int aws_retry_parse_attempts(const char *text, int *out)
{
	char *end;
	long n;
	if (!text || !*text || *text == '-' || *text == '+' || *text == ' ')
		return -1;
	errno = 0;
	n = strtol(text, &end, 10);
	if (errno || *end || n < 1 || n > AWS_RETRY_MAX_ATTEMPTS_LIMIT)
		return -1;
	*out = (int)n;
	return 0;
}

int aws_retry_parse_mode(const char *text, enum aws_retry_mode *out)
{
	if (!text)
		return -1;
	/* The SDKs' "legacy" mode is their pre-standard retryer: berth has
	 * only the standard rules, which are its successor. */
	if (!strcmp(text, "standard") || !strcmp(text, "legacy"))
		*out = AWS_RETRY_MODE_STANDARD;
	else if (!strcmp(text, "adaptive"))
		*out = AWS_RETRY_MODE_ADAPTIVE;
	else
		return -1;
	return 0;
}

enum aws_retry_kind aws_retry_classify(long status, const char *code, enum aws_net_error net)
{
	if (status == 0) {
		if (net == AWS_NET_TIMEOUT)
			return AWS_RETRY_TIMEOUT;
		if (net == AWS_NET_CONNECT)
			return AWS_RETRY_CONNECT;
		return aws_net_error_is_retryable(net) ? AWS_RETRY_TRANSIENT : AWS_RETRY_NONE;
	}
	if (aws_error_is_throttle(code))
		return AWS_RETRY_THROTTLE;
	if (is_transient_code(code))
		return AWS_RETRY_TRANSIENT;
	if (status == 500 || status == 502 || status == 503 || status == 504)
		return AWS_RETRY_TRANSIENT;
	/* 429 without a code is still "slow down". */
	if (status == 429)
		return AWS_RETRY_THROTTLE;
	return AWS_RETRY_NONE;
}

static double default_random(void *ctx)
{
	uint64_t r = 0;
	(void)ctx;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		return 0.5;
	return (double)(r >> 11) / (double)(UINT64_C(1) << 53);
}

static void default_sleep(void *ctx, double secs)
{
	(void)ctx;
	if (secs <= 0)
		return;
	struct timespec ts = { (time_t)secs, (long)((secs - floor(secs)) * 1e9) };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void aws_retry_sleep(const struct aws_retry_policy *p, double secs)
{
	if (p->sleep)
		p->sleep(p->sleep_ctx, secs);
	else
		default_sleep(NULL, secs);
}

double aws_retry_delay(const struct aws_retry_policy *p, int attempt)
{
	double r = p->random ? p->random(p->random_ctx) : default_random(NULL);
	/* 2^(attempt-1) passes the cap at attempt 6; no pow of huge numbers. */
	double cap = attempt > 1 && attempt < 32 ? pow(AWS_RETRY_BASE, attempt - 1) :
		     attempt >= 32 ? AWS_RETRY_MAX_BACKOFF : 1.0;
	if (cap > AWS_RETRY_MAX_BACKOFF)
		cap = AWS_RETRY_MAX_BACKOFF;
	return r * cap;
}

int aws_retry_budget(const struct aws_retry_policy *p, enum aws_retry_kind kind)
{
	if (kind == AWS_RETRY_CONNECT && p->max_attempts > AWS_RETRY_CONNECT_MAX_ATTEMPTS)
		return AWS_RETRY_CONNECT_MAX_ATTEMPTS;
	return p->max_attempts;
}

enum aws_retry_decision aws_retry_after_failure(const struct aws_retry_policy *p,
						struct aws_retry_quota *q,
						struct aws_retry_state *st,
						enum aws_retry_kind kind, double *delay)
{
	if (kind == AWS_RETRY_NONE)
		return AWS_RETRY_NOT_RETRYABLE;
	if (st->attempts >= aws_retry_budget(p, kind))
		return AWS_RETRY_MAX_ATTEMPTS;
	int cost = kind == AWS_RETRY_TIMEOUT ? AWS_RETRY_TIMEOUT_COST : AWS_RETRY_COST;
	if (q && !aws_retry_quota_acquire(q, cost)) {
		/* No tokens: retry anyway, but as late as the backoff allows
		 * (see retry.h); a later success refunds nothing for it. */
		st->over_quota = true;
		st->last_acquired = 0;
		*delay = aws_retry_delay(p, INT_MAX);
		return AWS_RETRY_GO;
	}
	st->over_quota = false;
	st->last_acquired = cost;
	*delay = aws_retry_delay(p, st->attempts);
	return AWS_RETRY_GO;
}

void aws_retry_after_success(struct aws_retry_quota *q, const struct aws_retry_state *st)
{
	if (q)
		aws_retry_quota_give(q, st->last_acquired ? st->last_acquired
							  : AWS_RETRY_NO_RETRY_INCREMENT);
}
