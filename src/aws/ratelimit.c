/* Adaptive mode's token bucket and CUBIC rate; see ratelimit.h. */
#include "util/common.h"
#include "aws/ratelimit.h"

#include <math.h>

static double cubic_zero_point(const struct aws_rate_limiter *rl)
{
	return cbrt(rl->w_max * (1 - AWS_RATELIMIT_BETA) / AWS_RATELIMIT_SCALE);
}

void aws_rate_limiter_init(struct aws_rate_limiter *rl, double now)
{
	memset(rl, 0, sizeof(*rl));
	pthread_mutex_init(&rl->lock, NULL);
	rl->fill_rate = 1;
	rl->max_capacity = 1;
	rl->last_bucket = floor(now);
	rl->w_max = 0;
	rl->k = cubic_zero_point(rl);
	rl->last_fail = now;
}

void aws_rate_limiter_release(struct aws_rate_limiter *rl)
{
	pthread_mutex_destroy(&rl->lock);
}

/* Adds what the bucket gained since the last refill. Capacity may be
 * negative (reserved tokens); it never exceeds max_capacity. */
static void refill(struct aws_rate_limiter *rl, double now)
{
	if (!rl->refilled) {
		rl->refilled = true;
		rl->last_refill = now;
		return;
	}
	if (now > rl->last_refill) {
		rl->capacity += (now - rl->last_refill) * rl->fill_rate;
		if (rl->capacity > rl->max_capacity)
			rl->capacity = rl->max_capacity;
		rl->last_refill = now;
	}
}

static void set_max_rate(struct aws_rate_limiter *rl, double now, double rate)
{
	refill(rl, now);
	rl->fill_rate = rate > AWS_RATELIMIT_MIN_RATE ? rate : AWS_RATELIMIT_MIN_RATE;
	rl->max_capacity = rate >= 1 ? rate : 1;
	if (rl->capacity > rl->max_capacity)
		rl->capacity = rl->max_capacity;
}

double aws_rate_limiter_acquire(struct aws_rate_limiter *rl, double now)
{
	double wait = 0;
	pthread_mutex_lock(&rl->lock);
	if (rl->enabled) {
		refill(rl, now);
		rl->capacity -= 1;
		if (rl->capacity < 0)
			wait = -rl->capacity / rl->fill_rate;
	}
	pthread_mutex_unlock(&rl->lock);
	return wait;
}

/* botocore's RateClocker: requests per second, smoothed, updated each time
 * a new half-second bucket starts. */
static double record_send(struct aws_rate_limiter *rl, double now)
{
	double bucket = floor(now / AWS_RATELIMIT_BUCKET_SECS) * AWS_RATELIMIT_BUCKET_SECS;
	rl->count += 1;
	if (bucket > rl->last_bucket) {
		double current = rl->count / (bucket - rl->last_bucket);
		rl->measured_rate = current * AWS_RATELIMIT_SMOOTHING +
				    rl->measured_rate * (1 - AWS_RATELIMIT_SMOOTHING);
		rl->count = 0;
		rl->last_bucket = bucket;
	}
	return rl->measured_rate;
}

void aws_rate_limiter_update(struct aws_rate_limiter *rl, double now, bool throttled)
{
	double new_rate;
	pthread_mutex_lock(&rl->lock);
	double measured = record_send(rl, now);
	if (!throttled) {
		double dt = now - rl->last_fail - rl->k;
		new_rate = AWS_RATELIMIT_SCALE * dt * dt * dt + rl->w_max;
	} else {
		double current = rl->enabled && rl->fill_rate < measured ? rl->fill_rate : measured;
		rl->w_max = current;
		rl->k = cubic_zero_point(rl);
		rl->last_fail = now;
		new_rate = current * AWS_RATELIMIT_BETA;
		rl->enabled = true;
	}
	double cap = AWS_RATELIMIT_MAX_ADJUST * measured;
	set_max_rate(rl, now, new_rate < cap ? new_rate : cap);
	pthread_mutex_unlock(&rl->lock);
}

double aws_rate_limiter_rate(struct aws_rate_limiter *rl)
{
	pthread_mutex_lock(&rl->lock);
	double r = rl->fill_rate;
	pthread_mutex_unlock(&rl->lock);
	return r;
}

bool aws_rate_limiter_enabled(struct aws_rate_limiter *rl)
{
	pthread_mutex_lock(&rl->lock);
	bool e = rl->enabled;
	pthread_mutex_unlock(&rl->lock);
	return e;
}
