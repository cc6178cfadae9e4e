/* Retries fit for provisioning: the SDKs' "standard" retry mode
 * (botocore/retries/standard.py and quota.py) with a budget for a run of
 * hundreds of calls rather than one call.
 *
 * - Up to max_attempts attempts per call: 25 by default, as Terraform's AWS
 *   provider (max_retries = 25); AWS_MAX_ATTEMPTS, max_attempts in the
 *   profile or --max-retries change it (1 to 100 attempts).
 * - Between attempts a delay of rand(0,1) * min(2^(attempt-1), 20) seconds
 *   (full jitter, capped): at most about 7 minutes of waiting in all for a
 *   call that fails 25 times, 3.5 on average.
 * - Retried: throttling codes, transient codes, HTTP 500/502/503/504,
 *   dropped connections and timeouts. A connection that cannot be made at
 *   all (refused, no DNS answer) is retried at most
 *   AWS_RETRY_CONNECT_MAX_ATTEMPTS times, as Terraform cuts such network
 *   errors short: a wrong endpoint should not take minutes to report.
 * - The retry quota shared by the whole client (500 tokens, 5 a retry, 10
 *   after a timeout; a success gives back what its retries took, or 1) does
 *   not end a call when it runs dry, as it does in the SDKs: with ten
 *   workers in a throttling storm that would fail an apply that more patience
 *   would finish (Terraform turns the quota off for the same reason). A
 *   retry without tokens waits the full backoff cap instead (rand * 20 s), so
 *   an outage still slows every worker down rather than feeding a retry
 *   storm, and the per-call budget still bounds it.
 * Randomness and sleeping are injectable for tests. */
#ifndef BERTH_AWS_RETRY_H
#define BERTH_AWS_RETRY_H

#include <pthread.h>
#include <stdbool.h>

#include "aws/transport.h"

#define AWS_RETRY_DEFAULT_MAX_ATTEMPTS 25
#define AWS_RETRY_MAX_ATTEMPTS_LIMIT 100
#define AWS_RETRY_CONNECT_MAX_ATTEMPTS 5
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

/* AWS_RETRY_MODE / retry_mode: "standard" (and "legacy", which berth treats
 * as standard), or "adaptive": standard plus client-side rate limiting
 * (ratelimit.h). */
enum aws_retry_mode { AWS_RETRY_MODE_STANDARD = 0, AWS_RETRY_MODE_ADAPTIVE };

struct aws_retry_policy {
	int max_attempts;                      /* 1..AWS_RETRY_MAX_ATTEMPTS_LIMIT */
	double (*random)(void *ctx);           /* uniform in [0,1); NULL: OpenSSL RAND */
	void *random_ctx;
	void (*sleep)(void *ctx, double secs); /* NULL: nanosleep */
	void *sleep_ctx;
};

/* Parses a number of attempts ("25"): 0, or -1 when text is not a whole
 * number from 1 to AWS_RETRY_MAX_ATTEMPTS_LIMIT (overflow included). */
int aws_retry_parse_attempts(const char *text, int *out);
/* Parses a retry mode name; 0, or -1 when it is none of "standard",
 * "adaptive", "legacy". */
int aws_retry_parse_mode(const char *text, enum aws_retry_mode *out);

enum aws_retry_kind {
	AWS_RETRY_NONE = 0,    /* not retryable: a client error, TLS failure... */
	AWS_RETRY_THROTTLE,    /* throttling code */
	AWS_RETRY_TRANSIENT,   /* transient code, 5xx, dropped connection */
	AWS_RETRY_TIMEOUT,     /* connect/read timeout: costs more quota */
	AWS_RETRY_CONNECT      /* no connection at all: a few attempts only */
};

/* What kind of failure an attempt ended with: status 0 and net set when no
 * answer came back; code is the AWS error code or NULL. */
enum aws_retry_kind aws_retry_classify(long status, const char *code, enum aws_net_error net);

/* Per-call bookkeeping. */
struct aws_retry_state {
	int attempts;      /* attempts made so far */
	int last_acquired; /* tokens the last retry took, 0 if none */
	bool over_quota;   /* the last retry found the quota empty (waits longer) */
};
#define AWS_RETRY_STATE_INIT { 0, 0, false }

enum aws_retry_decision {
	AWS_RETRY_GO = 0,          /* sleep *delay seconds, then try again */
	AWS_RETRY_NOT_RETRYABLE,
	AWS_RETRY_MAX_ATTEMPTS     /* the budget of attempts is spent */
};

/* The delay before retry after attempt `attempt` (1-based) failed. */
double aws_retry_delay(const struct aws_retry_policy *p, int attempt);

/* Called after an attempt failed (st->attempts already counts it): decides
 * whether to retry, takes quota and sets *delay when it does (the full cap's
 * jittered delay when the quota is empty, with st->over_quota set). */
enum aws_retry_decision aws_retry_after_failure(const struct aws_retry_policy *p,
						struct aws_retry_quota *q,
						struct aws_retry_state *st,
						enum aws_retry_kind kind, double *delay);
/* The attempts a call of this kind may make under p: max_attempts, or fewer
 * for a connection that could not be made. */
int aws_retry_budget(const struct aws_retry_policy *p, enum aws_retry_kind kind);
/* Called after a successful attempt: refills the quota. */
void aws_retry_after_success(struct aws_retry_quota *q, const struct aws_retry_state *st);

/* Sleeps through the policy's sleeper. */
void aws_retry_sleep(const struct aws_retry_policy *p, double secs);

#endif
