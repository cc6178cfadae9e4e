/* Asynchronous changes described as data (struct rta_operation, generic.h):
 * the change answers an operation id, and a second call says how that
 * operation is going. And what a delete must remove first (struct
 * rta_dependent: an IAM role's policies and instance profiles). */
#include "util/common.h"

#include "resources/generic.h"

const struct rta_operation rtg_cloud_map_operation = {
	.service = "servicediscovery", .what = "Cloud Map operation",
	.id_member = "OperationId", .get_op = "GetOperation", .item = "Operation",
	/* Cloud Map is eventually consistent: the operation a create just
	 * answered with may not be found for a moment. */
	.lag = (const char *const[]){ "OperationNotFound", NULL },
	.status = "Status", .success = "SUCCESS", .fail = "FAIL",
	.error_code = "ErrorCode", .error_message = "ErrorMessage", .targets = "Targets",
	.wait_ms = 10L * 60 * 1000, .interval_ms = 5000,
};

const struct rta_operation rtg_iam_slr_deletion = {
	.service = "iam", .what = "IAM deletion task", .id_member = "DeletionTaskId",
	.get_op = "GetServiceLinkedRoleDeletionStatus",
	.status = "Status", .success = "SUCCEEDED", .fail = "FAILED",
	.error_message = "Reason.Reason",
	.fail_summary = "IAM could not delete the service-linked role",
	.fail_detail = "the service still uses it",
	.waiting_for = "IAM to delete the service-linked role",
	.wait_ms = 10L * 60 * 1000, .interval_ms = 10000,
};

struct op_ctx {
	const struct rta_operation *o;
	const struct rt_ctx *c;
	const char *op_id, *kind;
	char *target; /* the operation's `kind` target */
};

static int op_probe(void *ctx, struct diags *d)
{
	struct op_ctx *oc = ctx;
	const struct rta_operation *o = oc->o;
	json_t *res = NULL, *params = json_pack("{s:s}", o->id_member, oc->op_id);
	int err = rt_call_expect(oc->c, o->service, o->get_op, params, &res, o->lag, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return 1;
	if (err)
		return err;
	json_t *op = o->item ? json_object_get(res, o->item) : res;
	const char *status = json_string_value(json_object_get(op, o->status));
	int r = 1;
	if (status && !strcmp(status, o->success)) {
		const char *t = oc->kind ? json_string_value(json_object_get(
						   json_object_get(op, o->targets), oc->kind)) : NULL;
		free(oc->target);
		oc->target = t ? xstrdup(t) : NULL;
		r = 0;
	} else if (status && !strcmp(status, o->fail)) {
		struct diag *dg = o->fail_summary ?
			diags_add(d, DIAG_ERROR, "%s", o->fail_summary) :
			diags_add(d, DIAG_ERROR, "%s %s failed", o->what, oc->op_id);
		const char *msg = o->error_message ? json_string_value(rta_path_get(op, o->error_message)) : NULL;
		const char *code = o->error_code ? json_string_value(rta_path_get(op, o->error_code)) : NULL;
		if (!msg && !code && o->fail_detail)
			diag_set_detail(dg, "%s", o->fail_detail);
		else
			diag_set_detail(dg, "%s%s%s", code ? code : "", code && msg ? ": " : "",
					msg ? msg : "");
		r = BERTH_EAWS;
	}
	json_decref(res);
	return r;
}

int rta_op_wait(const struct rta_operation *o, const struct rt_ctx *c, const char *op_id,
		const char *kind, char **target, struct diags *d)
{
	struct op_ctx oc = { o, c, op_id, kind, NULL };
	char *what = o->waiting_for ? xstrdup(o->waiting_for) : xasprintf("the %s to succeed", o->what);
	int err = rt_poll(c, what, o->wait_ms, o->interval_ms, op_probe, &oc, d);
	free(what);
	if (!err && target)
		*target = oc.target;
	else
		free(oc.target);
	return err;
}

int rtg_op_answer(const struct rtype_api *a, const struct rt_ctx *c, json_t *res, char **target,
		  struct diags *d)
{
	const char *op = a->operation ? json_string_value(json_object_get(res,
								a->operation->id_member)) : NULL;
	return op ? rta_op_wait(a->operation, c, op, a->op_target, target, d) : 0;
}

/* Removes one kind of dependent of `id`; BERTH_ENOTFOUND: the instance is
 * gone. */
static int remove_dependent(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
			    const struct rta_dependent *dep, struct diags *d)
{
	json_t *items = NULL, *params = json_pack("{s:s}", a->delete_id, id);
	int err = rt_call_all_expect(c, a->service, dep->list_op, params, dep->list, a->gone,
				     &items, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	size_t i;
	json_t *item;
	json_array_foreach(err ? NULL : items, i, item) {
		json_t *m = dep->item ? json_object_get(item, dep->item) : item;
		if (!json_is_string(m))
			continue;
		params = json_pack("{s:s, s:O}", a->delete_id, id, dep->member, m);
		/* Gone meanwhile (the instance or the dependent): nothing to do. */
		err = rt_call_expect(c, a->service, dep->remove_op, params, NULL, a->gone, NULL, d);
		json_decref(params);
		if (err < 0)
			break;
		err = 0;
	}
	json_decref(items);
	return err;
}

int rtg_remove_dependents(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
			  struct diags *d)
{
	int err = 0;
	for (const struct rta_dependent *dep = a->dependents; !err && dep && dep->list_op; dep++)
		err = remove_dependent(a, c, id, dep, d);
	return err;
}
