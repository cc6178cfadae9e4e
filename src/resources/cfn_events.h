/* A CloudFormation stack's failed resources in its last operation, from
 * DescribeStackEvents: what berth names when a stack wait fails (the first
 * failed resource is the cause) and, for a stack whose last update rolled
 * back, why (cloudformation_stack.c). */
#ifndef BERTH_RESOURCES_CFN_EVENTS_H
#define BERTH_RESOURCES_CFN_EVENTS_H

#include "resources/resource.h"
#include "util/buf.h"

struct cfn_failures {
	struct strvec heads;   /* "ID (TYPE): STATUS", newest first */
	struct strvec reasons; /* AWS's ResourceStatusReason of each */
	size_t rolled;         /* heads[0 .. rolled) happened while rolling back */
	bool rollback;         /* the operation rolled back (or was a continued rollback) */
	struct strvec skip;    /* logical ids whose rollback failed (newest first):
			        * what ContinueUpdateRollback's ResourcesToSkip may name */
};

/* Reads the events of the stack's last operation (back to its "User
 * Initiated" start; every page until then). */
int cfn_read_failures(const struct rt_ctx *c, const char *stack_id, struct cfn_failures *out,
		      struct diags *d);
/* The failures oldest first, one a line ("ID (TYPE): STATUS[ while
 * rolling back]: REASON"), at most `max` of them. */
void cfn_failures_text(const struct cfn_failures *f, size_t max, struct buf *b);
void cfn_failures_release(struct cfn_failures *f);

#endif
