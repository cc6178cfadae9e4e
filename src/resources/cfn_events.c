/* See cfn_events.h. */
#include "util/common.h"
#include "resources/cfn_events.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

/* One event, newest first; returns false at the operation's start. */
static bool take_event(struct cfn_failures *f, json_t *ev)
{
	const char *status = json_string_value(json_object_get(ev, "ResourceStatus"));
	const char *type = json_string_value(json_object_get(ev, "ResourceType"));
	const char *reason = json_string_value(json_object_get(ev, "ResourceStatusReason"));
	const char *logical = json_string_value(json_object_get(ev, "LogicalResourceId"));
	if (!status)
		return true;
	/* The stack's own events (not a nested stack's, of the same type). */
	const char *phys = json_string_value(json_object_get(ev, "PhysicalResourceId"));
	const char *sid = json_string_value(json_object_get(ev, "StackId"));
	bool is_stack = type && !strcmp(type, "AWS::CloudFormation::Stack") && phys && sid &&
			!strcmp(phys, sid);
	/* A continued rollback starts with UPDATE_ROLLBACK_IN_PROGRESS. */
	if (is_stack && !f->rollback && ends_with(status, "ROLLBACK_IN_PROGRESS")) {
		f->rollback = true;
		f->rolled = f->heads.n;
	}
	if (is_stack && reason && !strcmp(reason, "User Initiated"))
		return false;
	if (is_stack || !ends_with(status, "_FAILED"))
		return true; /* the stack's own status is the caller's to say */
	char *head = xasprintf("%s (%s): %s", logical ? logical : "?", type ? type : "?", status);
	strvec_push(&f->heads, head);
	strvec_push(&f->reasons, reason ? reason : "no reason given");
	free(head);
	/* Newer than the rollback's start: the rollback's own failure. */
	if (logical && !f->rollback && !strcmp(status, "UPDATE_FAILED") &&
	    strvec_find(&f->skip, logical) < 0)
		strvec_push(&f->skip, logical);
	return true;
}

int cfn_read_failures(const struct rt_ctx *c, const char *stack_id, struct cfn_failures *out,
		      struct diags *d)
{
	memset(out, 0, sizeof(*out));
	strvec_init(&out->heads);
	strvec_init(&out->reasons);
	strvec_init(&out->skip);
	json_t *res = NULL, *params = json_pack("{s:s}", "StackName", stack_id);
	/* Paginated: the operation's events may span pages. */
	int err = rt_call_all(c, "cloudformation", "DescribeStackEvents", params, "StackEvents", &res,
			      d);
	json_decref(params);
	if (err)
		return err;
	size_t i;
	json_t *ev;
	json_array_foreach(res, i, ev)
		if (!take_event(out, ev))
			break;
	if (!out->rollback)
		strvec_clear(&out->skip); /* nothing rolled back: nothing to skip */
	json_decref(res);
	return 0;
}

void cfn_failures_text(const struct cfn_failures *f, size_t max, struct buf *b)
{
	size_t n = f->heads.n, from = n > max ? n - max : 0;
	for (size_t k = n; k > from; k--)
		buf_addf(b, "%s%s%s: %s", k < n ? "\n" : "", f->heads.v[k - 1],
			 k - 1 < f->rolled ? " while rolling back" : "", f->reasons.v[k - 1]);
	if (from)
		buf_addf(b, "\n(and %zu later failures)", from);
}

void cfn_failures_release(struct cfn_failures *f)
{
	strvec_clear(&f->heads);
	strvec_clear(&f->reasons);
	strvec_clear(&f->skip);
}
