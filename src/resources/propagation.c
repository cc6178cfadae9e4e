/* Retrying a call while the IAM role it names has not propagated: see
 * propagation.h. */
#include "util/common.h"
#include "resources/propagation.h"

/* Each service's refusal of a role it cannot assume yet: the error code,
 * and text its message holds (matched as a substring, since the message
 * names the role). */
static const struct {
	const char *service, *code, *text;
} not_propagated[] = {
	/* CreateService / UpdateService with a service role: ECS's words
	 * (terraform-provider-aws retries ecs.InvalidParameterException
	 * "Unable to assume role and validate the specified targetGroupArn"). */
	{ "ecs", "InvalidParameterException", "Unable to assume role" },
	/* CreateStack / UpdateStack with RoleARN: "Role arn:... is invalid or
	 * cannot be assumed" (terraform-provider-aws's resourceStackCreate
	 * and resourceStackUpdate retry on exactly this). */
	{ "cloudformation", "ValidationError", "is invalid or cannot be assumed" },
	/* CreateWorkspace / UpdateWorkspace with workspaceRoleArn. AWS
	 * publishes no text for it; the emulator's (tests/emulator/README.md,
	 * "AWS in time") names the principal that cannot assume the role. */
	{ "grafana", "ValidationException", "cannot be assumed by grafana.amazonaws.com" },
};

bool rt_role_not_propagated(const char *service, const char *code, const char *message)
{
	if (!service || !code || !message)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(not_propagated); i++)
		if (!strcmp(service, not_propagated[i].service) &&
		    !strcmp(code, not_propagated[i].code) && strstr(message, not_propagated[i].text))
			return true;
	return false;
}

struct propagated_call {
	const struct rt_ctx *c;
	const char *service, *op;
	json_t *params, **out;
	const char *const *codes;
	bool expected;     /* AWS answered one of codes */
	struct diags last; /* the last refusal, kept for the timeout's message */
};

static bool refused_for_role(const char *service, const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (rt_role_not_propagated(service, d->items[i].aws_code, d->items[i].summary))
			return true;
	return false;
}

static int call_probe(void *ctx, struct diags *d)
{
	struct propagated_call *pc = ctx;
	diags_release(&pc->last);
	int err = rt_call_expect(pc->c, pc->service, pc->op, pc->params, pc->out, pc->codes, NULL,
				 &pc->last);
	if (err == RT_EXPECTED) {
		pc->expected = true;
		return 0;
	}
	if (err && refused_for_role(pc->service, &pc->last))
		return 1; /* not propagated yet: ask again */
	diags_move(d, &pc->last);
	return err;
}

int rt_call_propagated(const struct rt_ctx *c, const char *service, const char *op,
		       json_t *params, json_t **out, struct diags *d)
{
	return rt_call_propagated_expect(c, service, op, params, out, NULL, d);
}

int rt_call_propagated_expect(const struct rt_ctx *c, const char *service, const char *op,
			      json_t *params, json_t **out, const char *const *codes,
			      struct diags *d)
{
	struct propagated_call pc = { c, service, op, params, out, codes, false, DIAGS_INIT };
	struct rt_ctx budget = *c;
	budget.wait_timeout_ms = 0; /* the propagation budget, not --wait-timeout */
	char what[128];
	snprintf(what, sizeof(what), "the IAM role to propagate (%s %s cannot assume it yet)",
		 service, op);
	struct diags pd = DIAGS_INIT;
	int err = rt_poll(&budget, what, RT_IAM_PROPAGATION_MS, 5000, call_probe, &pc, &pd);
	if (err == BERTH_ETIMEOUT && pc.last.n) {
		/* AWS's refusal says why; the time spent retrying is detail. */
		struct diag *last = &pc.last.items[pc.last.n - 1];
		if (!last->detail)
			diag_set_detail(last, "still refused after %lds waiting for the role to propagate",
					(long)(RT_IAM_PROPAGATION_MS / 1000));
		diags_move(d, &pc.last);
	} else {
		diags_move(d, &pd);
	}
	diags_release(&pd);
	diags_release(&pc.last);
	return !err && pc.expected ? RT_EXPECTED : err;
}
