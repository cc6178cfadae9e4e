/* The SDKs' "standard" retry mode (botocore/retries/standard.py and quota.py,
 * classic constants): up to max_attempts (3 by default) attempts; between
 * them a delay of rand(0,1) * min(2^(attempt-1), 20) seconds (full jitter,
 * capped); retried are throttling codes, transient codes, HTTP 500/502/503/504
 * and connection failures; each retry takes tokens from a quota shared by the
 * whole client (500 tokens, 5 a retry, 10 after a timeout; a success gives
 * back what its retries took, or 1), so an outage does not turn every worker
 * into a retry storm. Randomness and sleeping are injectable for tests. */
#ifndef BERTH_AWS_RETRY_H
#define BERTH_AWS_RETRY_H

#include <pthread.h>

#include "aws/transport.h"

#define AWS_RETRY_DEFAULT_MAX_ATTEMPTS 3
#define AWS_RETRY_BASE 2.0
#define AWS_RETRY_MAX_BACKOFF 20.0
#define AWS_RETRY_QUOTA_CAPACITY 500
#define AWS_RETRY_COST 5
#define AWS_RETRY_TIMEOUT_COST 10
#define AWS_RETRY_NO_RETRY_INCREMENT 1

struct aws_retry_quota {
	pthread_mutex_t lock;
	int available, max;
};

void aws_retry_quota_init(struct aws_retry_quota *q, int capacity);
void aws_retry_quota_release_all(struct aws_retry_quota *q); /* destroys the lock */
/* Takes `amount` tokens; 0 when there are not enough (nothing taken). */
int aws_retry_quota_acquire(struct aws_retry_quota *q, int amount);
void aws_retry_quota_give(struct aws_retry_quota *q, int amount);
int aws_retry_quota_available(struct aws_retry_quota *q);

struct aws_retry_policy {
	int max_attempts;                      /* >= 1 */
	double (*random)(void *ctx);           /* uniform in [0,1); NULL: OpenSSL RAND */
	void *random_ctx;
	void (*sleep)(void *ctx, double secs); /* NULL: nanosleep */
	void *sleep_ctx;
};

enum aws_retry_kind {
	AWS_RETRY_NONE = 0,    /* not retryable: a client error, TLS failure... */
	AWS_RETRY_THROTTLE,    /* throttling code */
	AWS_RETRY_TRANSIENT,   /* transient code, 5xx, dropped connection */
	AWS_RETRY_TIMEOUT      /* connect/read timeout: costs more quota */
};

/* What kind of failure an attempt ended with: status 0 and net set when no
 * answer came back; code is the AWS error code or NULL. */
enum aws_retry_kind aws_retry_classify(long status, const char *code, enum aws_net_error net);

/* Per-call bookkeeping. */
struct aws_retry_state {
	int attempts;      /* attempts made so far */
	int last_acquired; /* tokens the last retry took, 0 if none */
};
#define AWS_RETRY_STATE_INIT { 0, 0 }

enum aws_retry_decision {
	AWS_RETRY_GO = 0,          /* sleep *delay seconds, then try again */
	AWS_RETRY_NOT_RETRYABLE,
	AWS_RETRY_MAX_ATTEMPTS,    /* the budget of attempts is spent */
	AWS_RETRY_QUOTA_EXHAUSTED  /* the client's retry quota is empty */
};

/* The delay before retry after attempt `attempt` (1-based) failed. */
double aws_retry_delay(const struct aws_retry_policy *p, int attempt);

/* Called after an attempt failed (st->attempts already counts it): decides
 * whether to retry, takes quota and sets *delay when it does. */
enum aws_retry_decision aws_retry_after_failure(const struct aws_retry_policy *p,
						struct aws_retry_quota *q,
						struct aws_retry_state *st,
						enum aws_retry_kind kind, double *delay);
/* Called after a successful attempt: refills the quota. */
void aws_retry_after_success(struct aws_retry_quota *q, const struct aws_retry_state *st);

/* Sleeps through the policy's sleeper. */
void aws_retry_sleep(const struct aws_retry_policy *p, double secs);

#endif
