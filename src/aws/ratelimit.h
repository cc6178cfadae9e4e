/* Client-side rate limiting for AWS_RETRY_MODE=adaptive, as botocore's
 * adaptive mode does it (botocore/retries/adaptive.py, throttling.py,
 * bucket.py): every attempt takes a token from a bucket whose fill rate
 * follows CUBIC congestion control. The bucket stays off until the first
 * throttling answer; from then on a throttle cuts the rate to 0.7 of what
 * was being sent, and successes grow it back along a cubic curve, never
 * above twice the measured send rate. One limiter is shared by every thread
 * of a client. Time is passed in (seconds on a monotonic clock) so tests can
 * drive it; the limiter never sleeps itself: acquire says how long to wait. */
#ifndef BERTH_AWS_RATELIMIT_H
#define BERTH_AWS_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>

#define AWS_RATELIMIT_MIN_RATE 0.5     /* tokens a second, the floor */
#define AWS_RATELIMIT_BETA 0.7         /* CUBIC's multiplicative decrease */
#define AWS_RATELIMIT_SCALE 0.4        /* CUBIC's scale constant */
#define AWS_RATELIMIT_SMOOTHING 0.8    /* of the measured send rate */
#define AWS_RATELIMIT_BUCKET_SECS 0.5  /* the send rate is measured per half second */
#define AWS_RATELIMIT_MAX_ADJUST 2.0   /* the rate never exceeds 2x what was measured */

struct aws_rate_limiter {
	pthread_mutex_t lock;
	bool enabled; /* since the first throttle */
	/* token bucket */
	double fill_rate, max_capacity, capacity, last_refill;
	bool refilled;
	/* send-rate measurement */
	double measured_rate, last_bucket, count;
	/* CUBIC */
	double w_max, k, last_fail;
};

void aws_rate_limiter_init(struct aws_rate_limiter *rl, double now);
void aws_rate_limiter_release(struct aws_rate_limiter *rl); /* destroys the lock */

/* Takes a token for an attempt about to be sent at `now`; returns how many
 * seconds to wait before sending it (0 while the limiter is off or a token
 * is there). A token not yet there is reserved, so threads waiting at once
 * are spaced by the fill rate rather than all woken together. */
double aws_rate_limiter_acquire(struct aws_rate_limiter *rl, double now);

/* Records the outcome of an attempt answered at `now`: throttled or not. */
void aws_rate_limiter_update(struct aws_rate_limiter *rl, double now, bool throttled);

/* The current fill rate (tokens a second) and whether limiting is on. */
double aws_rate_limiter_rate(struct aws_rate_limiter *rl);
bool aws_rate_limiter_enabled(struct aws_rate_limiter *rl);

#endif
