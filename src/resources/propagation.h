/* IAM's eventual consistency seen from the services that assume a role:
 * a role created a moment ago cannot be assumed or passed for a while
 * (IAM: "changes are not always immediately visible"), and ECS,
 * CloudFormation and Grafana refuse a call that names it, each in its own
 * words. berth retries such a call, and only such a call, until the role
 * has propagated, as terraform-provider-aws does (tfresource.RetryWhen...
 * with its propagationTimeout of 2 minutes). */
#ifndef BERTH_RESOURCES_PROPAGATION_H
#define BERTH_RESOURCES_PROPAGATION_H

#include "resources/resource.h"

/* terraform-provider-aws's propagationTimeout. Not --wait-timeout's: a
 * short wait for a resource must not turn a role that needs a few more
 * seconds into a failed create. */
#define RT_IAM_PROPAGATION_MS 120000

/* Whether an AWS error of `service` (code, message) is that service's
 * "the role cannot be assumed yet". */
bool rt_role_not_propagated(const char *service, const char *code, const char *message);

/* rt_call, retried for at most RT_IAM_PROPAGATION_MS while AWS answers that
 * the role the call names cannot be assumed yet; any other answer is
 * returned at once. After the budget, AWS's last refusal is the error,
 * with the time spent as its detail. */
int rt_call_propagated(const struct rt_ctx *c, const char *service, const char *op,
		       json_t *params, json_t **out, struct diags *d);
/* The same as rt_call_expect: RT_EXPECTED, with no diagnostic, when AWS
 * answered one of `codes` (NULL-terminated). */
int rt_call_propagated_expect(const struct rt_ctx *c, const char *service, const char *op,
			      json_t *params, json_t **out, const char *const *codes,
			      struct diags *d);

#endif
