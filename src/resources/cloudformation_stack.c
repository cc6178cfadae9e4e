/* AWS::CloudFormation::Stack over the CloudFormation API.
 *
 * The template: the spec gives TemplateBody (a string, or a YAML map sent as
 * JSON) or TemplateURL (passed to CloudFormation, which fetches it itself).
 * To pin a template that lives on the web, let berth fetch and check it:
 *
 *   TemplateBody: ${fetch(var.template_url, var.template_sha256)}
 *
 * fetch() downloads once, checks the sha256 and caches, so the body sent
 * is exactly the reviewed one whatever the URL serves later.
 *
 * Refresh: DescribeStacks without a name lists every live stack with its
 * tags, outputs and parameters (100 a page), so one paginated call per type
 * finds this stack's instances, however many there are. The template is a
 * detail property: one GetTemplate per stack, only for stacks whose spec's
 * TemplateBody differs from the one last applied (state cache), or that
 * were updated or re-created since (detail_stamp); an unchanged plan reads
 * no template.
 *
 * Parameters: CloudFormation returns every declared parameter, defaults
 * included, and NoEcho ones as "****". berth tags the stack with the names
 * the spec passed (berth:parameters) and reads back only those, so a default
 * never shows as drift. A NoEcho value cannot be read back at all, so
 * Parameters is a detail property too: while the stack has not been updated
 * since berth applied it (detail_stamp) and the spec's values are the
 * applied ones, the applied values stand for the live ones and a secret is
 * never a diff. Without the state cache, or after an update outside berth,
 * a NoEcho parameter shows as a change ("****" -> the value) and the next
 * apply sets it again.
 *
 * Capabilities are CloudFormation's own property (CAPABILITY_IAM,
 * CAPABILITY_NAMED_IAM, CAPABILITY_AUTO_EXPAND): the spec must grant them,
 * as with the CLI, rather than berth granting every capability silently.
 *
 * Outputs are exposed as a map, OutputKey -> OutputValue, so the spec
 * reads ${STACK.Outputs.KEY} (or ${STACK.Outputs["KEY"]}).
 *
 * A stack left in ROLLBACK_COMPLETE (its create failed) cannot be updated,
 * only deleted: refresh marks it, and the plan replaces it.
 *
 * A stack in UPDATE_ROLLBACK_FAILED (an update failed, and so did its
 * rollback: typically a resource changed or deleted outside CloudFormation)
 * refuses UpdateStack; AWS's way out that keeps the stack is
 * ContinueUpdateRollback, back to UPDATE_ROLLBACK_COMPLETE. Refresh marks
 * it (repair_reason), the plan says it will continue the rollback then
 * update, and apply does exactly that: ContinueUpdateRollback (never with
 * ResourcesToSkip, which leaves resources out of step with the template:
 * the user's call), a wait for UPDATE_ROLLBACK_COMPLETE whose failure names
 * the resources and AWS's reasons, then UpdateStack with the spec's
 * template. Destroy deletes it as any stack (DeleteStack is allowed). A
 * stack in UPDATE_ROLLBACK_COMPLETE is usable: the next plan shows the
 * update it failed to make, saying why it failed (last_failure, read with
 * the template), and apply makes it again. */
#include "util/common.h"
#include "resources/resource.h"
#include "resources/propagation.h"

#include <ctype.h>

#include "resources/cfn_events.h"
#include "resources/typeutil.h"
#include "schema/needs.h"
#include "util/buf.h"

#define STACK_NAME_MAX 128
#define TAG_PARAMS "berth:parameters"
#define STACK_TIMEOUT_MS (3L * 60 * 60 * 1000)

static const char *const detail_props[] = { "Parameters", "TemplateBody", NULL };
/* A stack's template changes only with an update (LastUpdateTime) or a new
 * stack (StackId, CreationTime). */
static const char *const detail_stamp[] = { "StackId", "CreationTime", "LastUpdateTime", NULL };

/* "arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID" */
static int owns_arn(const char *arn)
{
	const char *p = strstr(arn, ":cloudformation:");
	return p && strstr(p, ":stack/") != NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

/* Statuses from which the stack cannot be updated, only deleted. */
static bool needs_recreate(const char *status)
{
	return !strcmp(status, "ROLLBACK_COMPLETE") || !strcmp(status, "ROLLBACK_FAILED") ||
	       !strcmp(status, "CREATE_FAILED") || !strcmp(status, "DELETE_FAILED");
}

/* The parameter names the spec passed, from the berth:parameters tag; NULL
 * when the tag is absent (a stack berth did not make, or made by an older
 * berth): every parameter is then kept. */
static bool param_listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *sp = strchr(p, ' ');
		size_t len = sp ? (size_t)(sp - p) : strlen(p);
		if (len == n && !strncmp(p, name, n))
			return true;
		p = sp ? sp + 1 : NULL;
	}
	return false;
}

/* One DescribeStacks item in CloudFormation form; tags applied. */
static void fill_from_describe(struct live_resource *r, json_t *s)
{
	json_t *p = json_object(), *v;
	const char *id = json_string_value(json_object_get(s, "StackId"));
	const char *status = json_string_value(json_object_get(s, "StackStatus"));
	json_object_set(p, "StackName", json_object_get(s, "StackName"));
	json_object_set_new(p, "StackId", json_string(id ? id : ""));
	json_object_set_new(p, "StackStatus", json_string(status ? status : ""));
	/* DescribeStacks member -> property, copied when the value is of the
	 * kind given (a false flag or an empty list is the default, left out). */
	enum { CP_ANY, CP_INT, CP_TRUE, CP_STR, CP_LIST };
	static const struct {
		const char *member, *prop;
		int kind;
	} copied[] = {
		{ "CreationTime", "CreationTime", CP_ANY },
		{ "LastUpdatedTime", "LastUpdateTime", CP_ANY },
		{ "TimeoutInMinutes", "TimeoutInMinutes", CP_INT },
		{ "DisableRollback", "DisableRollback", CP_TRUE },
		{ "EnableTerminationProtection", "EnableTerminationProtection", CP_TRUE },
		{ "RoleARN", "RoleARN", CP_STR },
		{ "Capabilities", "Capabilities", CP_LIST },
		{ "NotificationARNs", "NotificationARNs", CP_LIST },
	};
	for (size_t k = 0; k < ARRAY_SIZE(copied); k++) {
		v = json_object_get(s, copied[k].member);
		bool keep = copied[k].kind == CP_INT    ? json_is_integer(v)
			    : copied[k].kind == CP_TRUE ? json_is_true(v)
			    : copied[k].kind == CP_STR  ? json_is_string(v)
			    : copied[k].kind == CP_LIST ? json_array_size(v) > 0
						     : v != NULL;
		if (keep)
			json_object_set(p, copied[k].prop, v);
	}
	r->created_ms = tu_time_ms(json_object_get(s, "CreationTime"));
	json_t *outputs = json_object(), *o;
	size_t i;
	json_array_foreach(json_object_get(s, "Outputs"), i, o) {
		const char *k = json_string_value(json_object_get(o, "OutputKey"));
		json_t *ov = json_object_get(o, "OutputValue");
		if (k)
			json_object_set_new(outputs, k, json_string(json_is_string(ov) ? json_string_value(ov) : ""));
	}
	json_object_set_new(p, "Outputs", outputs);
	json_decref(r->props);
	r->props = p;
	free(r->id);
	r->id = xstrdup(id ? id : "");
	free(r->arn);
	r->arn = xstrdup(id ? id : "");
	rt_apply_tags(r, rt_tags_to_map(json_object_get(s, "Tags")));

	const char *listed = json_string_value(json_object_get(r->tags, TAG_PARAMS));
	json_t *params = json_object(), *pv;
	json_array_foreach(json_object_get(s, "Parameters"), i, pv) {
		const char *k = json_string_value(json_object_get(pv, "ParameterKey"));
		const char *val = json_string_value(json_object_get(pv, "ParameterValue"));
		if (!k || !val)
			continue;
		if (listed && !param_listed(listed, k))
			continue; /* a default the spec never gave */
		json_object_set_new(params, k, json_string(val));
	}
	if (json_object_size(params))
		json_object_set_new(p, "Parameters", params);
	else
		json_decref(params);
	if (status && needs_recreate(status)) {
		free(r->replace_reason);
		r->replace_reason = xasprintf("the stack is in %s and cannot be updated, only deleted "
					      "and created again", status);
	}
	if (status && !strcmp(status, "UPDATE_ROLLBACK_FAILED")) {
		free(r->repair_reason);
		r->repair_reason = xstrdup("the stack is UPDATE_ROLLBACK_FAILED (an update failed, "
					   "and so did its rollback): continue the failed rollback "
					   "(ContinueUpdateRollback), then update");
	}
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	json_t *stacks = NULL;
	int err = rt_call_all(c, "cloudformation", "DescribeStacks", NULL, "Stacks", &stacks, d);
	if (err)
		return err;
	size_t i;
	json_t *s;
	json_array_foreach(stacks, i, s) {
		json_t *tags = rt_tags_to_map(json_object_get(s, "Tags"));
		const char *st = json_string_value(json_object_get(tags, TAG_STACK));
		const char *status = json_string_value(json_object_get(s, "StackStatus"));
		bool ours = st && !strcmp(st, c->stack) && json_object_get(tags, TAG_ID) &&
			    status && strcmp(status, "DELETE_COMPLETE") &&
			    /* a nested stack carries its parent's tags */
			    !json_is_string(json_object_get(s, "ParentId"));
		json_decref(tags);
		if (!ours)
			continue;
		struct live_resource *r = live_set_add(out, rtype_cloudformation_stack.type_name);
		fill_from_describe(r, s);
		r->detailed = false;
	}
	json_decref(stacks);
	return 0;
}

/* A call about one stack (params stolen): BERTH_ENOTFOUND for CloudFormation's
 * ValidationError "Stack with id X does not exist". */
static int stack_call(const struct rt_ctx *c, const char *op, json_t *params, json_t **res,
		      struct diags *d)
{
	static const char *const gone[] = { "ValidationError", NULL };
	int err = rt_call_expect(c, "cloudformation", op, params, res, gone, NULL, d);
	json_decref(params);
	return err == RT_EXPECTED ? BERTH_ENOTFOUND : err;
}

static int describe(const struct rt_ctx *c, const char *id, json_t **stack_out, struct diags *d)
{
	json_t *res = NULL;
	int err = stack_call(c, "DescribeStacks", json_pack("{s:s}", "StackName", id), &res, d);
	if (err)
		return err;
	json_t *s = json_array_get(json_object_get(res, "Stacks"), 0);
	const char *status = json_string_value(json_object_get(s, "StackStatus"));
	if (!s || !status || !strcmp(status, "DELETE_COMPLETE")) {
		json_decref(res);
		return BERTH_ENOTFOUND;
	}
	*stack_out = json_incref(s);
	json_decref(res);
	return 0;
}

static int read_template(const struct rt_ctx *c, struct live_resource *r, struct diags *d)
{
	json_t *res = NULL;
	int err = stack_call(c, "GetTemplate",
			     json_pack("{s:s, s:s}", "StackName", r->id, "TemplateStage", "Original"),
			     &res, d);
	if (err)
		return err;
	json_t *body = json_object_get(res, "TemplateBody");
	if (json_is_string(body)) {
		/* JSON text compares as a document; YAML text as the string. */
		json_t *doc = json_loads(json_string_value(body), 0, NULL);
		json_object_set_new(r->props, "TemplateBody", doc ? doc : json_incref(body));
	} else if (body) {
		json_object_set(r->props, "TemplateBody", body);
	}
	json_decref(res);
	r->detailed = true;
	return 0;
}

/* A stack in UPDATE_ROLLBACK_COMPLETE is usable, but its last update
 * failed: when the plan makes it again, it says why the last one failed
 * (the first failed resource of that update, and AWS's reason). Read
 * with the template, only when the plan compares templates (the spec's
 * differs from the one last applied), so a no-change plan pays nothing. */
static void read_last_failure(const struct rt_ctx *c, struct live_resource *r)
{
	const char *status = json_string_value(json_object_get(r->props, "StackStatus"));
	if (!status || strcmp(status, "UPDATE_ROLLBACK_COMPLETE"))
		return;
	struct diags tmp = DIAGS_INIT;
	struct cfn_failures f;
	int err = cfn_read_failures(c, r->id, &f, &tmp);
	diags_release(&tmp);
	free(r->last_failure);
	/* heads are newest first: the last one is the cause. */
	if (!err && f.heads.n)
		r->last_failure = xasprintf("its last update failed and was rolled back "
					    "(UPDATE_ROLLBACK_COMPLETE): %s: %s; this update "
					    "makes it again", f.heads.v[f.heads.n - 1],
					    f.reasons.v[f.heads.n - 1]);
	else
		r->last_failure = xstrdup("its last update failed and was rolled back "
					  "(UPDATE_ROLLBACK_COMPLETE); this update makes it again");
	if (!err)
		cfn_failures_release(&f);
}

static int read_detail(const struct rt_ctx *c, struct live_resource *r, struct diags *d)
{
	int err = read_template(c, r, d);
	if (!err)
		read_last_failure(c, r);
	return err;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *s = NULL;
	int err = describe(c, id, &s, d);
	if (err)
		return err;
	tu_live_init(out, &rtype_cloudformation_stack, false);
	fill_from_describe(out, s);
	json_decref(s);
	err = read_template(c, out, d);
	if (err)
		live_resource_release(out);
	return err;
}

/* CloudFormation names: a letter, then letters, digits and '-'. */
static void normalise(const char *stack, const char *address, json_t *desired)
{
	if (json_object_get(desired, "StackName"))
		return;
	char *name = rt_default_name(stack, address, STACK_NAME_MAX - 1);
	struct buf b = BUF_INIT;
	if (!isalpha((unsigned char)name[0]))
		buf_addch(&b, 's');
	for (char *p = name; *p; p++)
		buf_addch(&b, *p == '_' ? '-' : *p);
	json_object_set_new(desired, "StackName", json_string(b.ptr));
	buf_release(&b);
	free(name);
}

/* TemplateBody or TemplateURL (schema/needs.c, which validate checks). */
static int check_template(json_t *props, struct diags *d)
{
	return schema_needs_diags("AWS::CloudFormation::Stack", props, d);
}

/* The template, parameters and capabilities of a Create/UpdateStack call. */
static void add_template_params(json_t *params, json_t *props, struct buf *names)
{
	json_t *body = json_object_get(props, "TemplateBody");
	char *s = rt_attr_string(body);
	if (s)
		json_object_set_new(params, "TemplateBody", json_string(s));
	else if (json_object_get(props, "TemplateURL"))
		json_object_set(params, "TemplateURL", json_object_get(props, "TemplateURL"));
	free(s);
	json_t *list = json_array(), *v;
	const char *k;
	json_object_foreach(json_object_get(props, "Parameters"), k, v) {
		char *val = rt_attr_string(v);
		json_array_append_new(list, json_pack("{s:s, s:s}", "ParameterKey", k, "ParameterValue",
						      val ? val : ""));
		free(val);
		buf_addf(names, "%s%s", names->len ? " " : "", k);
	}
	json_object_set_new(params, "Parameters", list);
	static const char *const lists[] = { "Capabilities", "NotificationARNs" };
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		json_object_set_new(params, lists[i],
				    json_is_array(json_object_get(props, lists[i])) ?
					    json_incref(json_object_get(props, lists[i])) : json_array());
	if ((v = json_object_get(props, "RoleARN")) && json_is_string(v))
		json_object_set(params, "RoleARN", v);
	if ((s = rt_attr_string(json_object_get(props, "StackPolicyBody")))) {
		json_object_set_new(params, "StackPolicyBody", json_string(s));
		free(s);
	}
}

/* {K: V} -> [{Key, Value}] with berth:parameters set to `names` (removed
 * when empty). */
static json_t *tag_list(json_t *map, const char *names)
{
	json_t *m = json_deep_copy(map ? map : json_object());
	if (names && *names)
		json_object_set_new(m, TAG_PARAMS, json_string(names));
	else
		json_object_del(m, TAG_PARAMS);
	json_t *l = rt_tags_to_list(m, false);
	json_decref(m);
	return l;
}

/* What berth says after the failed events, by how the wait ended. */
enum stack_hint {
	HINT_NONE,
	HINT_ROLLBACK_FAILED, /* an update ended UPDATE_ROLLBACK_FAILED */
	HINT_CONTINUE_FAILED, /* the rollback berth continued failed again */
};

/* "arn:...:stack/NAME/UUID" -> NAME, for messages (a new string). */
static char *stack_label(const char *id)
{
	const char *p = strstr(id, ":stack/");
	if (!p)
		return xstrdup(id);
	p += strlen(":stack/");
	const char *end = strchr(p, '/');
	return end ? xstrndup(p, (size_t)(end - p)) : xstrdup(p);
}

#define FAILED_SHOWN 20

/* The failed events of the stack's last operation, oldest first (so the
 * first failed resource, the cause, leads), then what to do about it
 * (`hint`), as diagnostic detail. Only on failure, so the calls do not
 * matter. */
static void add_failed_events(const struct rt_ctx *c, const char *id, enum stack_hint hint,
			      struct diag *dg)
{
	struct diags tmp = DIAGS_INIT;
	struct cfn_failures f;
	int err = cfn_read_failures(c, id, &f, &tmp);
	diags_release(&tmp);
	struct buf b = BUF_INIT;
	if (!err)
		cfn_failures_text(&f, FAILED_SHOWN, &b);
	char *label = stack_label(id);
	if (hint == HINT_ROLLBACK_FAILED)
		buf_addf(&b, "%sthe rollback failed too: the stack takes no update until its rollback "
			 "is continued. Fix what keeps these resources from returning to their "
			 "previous state (often a resource changed or deleted outside "
			 "CloudFormation); the next apply continues the rollback "
			 "(ContinueUpdateRollback), then updates. Or destroy the stack.",
			 b.len ? "\n" : "");
	if (hint == HINT_CONTINUE_FAILED) {
		struct buf ids = BUF_INIT;
		for (size_t k = 0; !err && k < f.skip.n; k++)
			buf_addf(&ids, "%s%s", k ? " " : "", f.skip.v[k]);
		buf_addf(&b, "%sberth continued the failed rollback (ContinueUpdateRollback) and it "
			 "failed again. Fix what keeps these resources from returning to their "
			 "previous state (often a resource changed or deleted outside "
			 "CloudFormation) and apply again; or, if they cannot be fixed, skip them "
			 "(CloudFormation then takes them as rolled back, whatever their real "
			 "state): aws cloudformation continue-update-rollback --stack-name %s "
			 "--resources-to-skip %s; or destroy the stack.",
			 b.len ? "\n" : "", label, ids.len ? ids.ptr : "LOGICAL_ID");
		buf_release(&ids);
	}
	free(label);
	if (b.len)
		diag_set_detail(dg, "%s", b.ptr);
	buf_release(&b);
	if (!err)
		cfn_failures_release(&f);
}

struct stack_wait {
	const struct rt_ctx *c;
	const char *id;
	const char *goal;   /* "CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE",
			     * "UPDATE_ROLLBACK_COMPLETE" */
	bool gone_ok;       /* deleting: not found is done */
	bool seen;          /* DescribeStacks has shown it once */
};

/* Statuses in which a stack is usable: what a create or update waits for.
 * UPDATE_ROLLBACK_COMPLETE counts only as readiness (the engine's wait after
 * a change), never as the end of an update, which rolled back then. */
static bool usable(const char *goal, const char *status)
{
	bool ready = !strcmp(goal, "CREATE_COMPLETE");
	if (!ready && strcmp(goal, "UPDATE_COMPLETE"))
		return false;
	return !strcmp(status, "CREATE_COMPLETE") || !strcmp(status, "UPDATE_COMPLETE") ||
	       !strcmp(status, "IMPORT_COMPLETE") ||
	       (ready && (!strcmp(status, "UPDATE_ROLLBACK_COMPLETE") ||
			  !strcmp(status, "IMPORT_ROLLBACK_COMPLETE")));
}

static int probe_stack(void *ctx, struct diags *d)
{
	struct stack_wait *w = ctx;
	json_t *s = NULL;
	int err = describe(w->c, w->id, &s, d);
	if (err == BERTH_ENOTFOUND && w->gone_ok)
		return 0;
	if (err == BERTH_ENOTFOUND && !w->seen)
		return 1; /* CloudFormation is eventually consistent: a new stack may not show yet */
	if (err == BERTH_ENOTFOUND) {
		char *label = stack_label(w->id);
		diags_add(d, DIAG_ERROR, "stack %s disappeared while waiting for %s", label, w->goal);
		free(label);
		return BERTH_ERROR;
	}
	if (err)
		return err;
	w->seen = true;
	char *status = xstrdup(json_string_value(json_object_get(s, "StackStatus")));
	const char *why = json_string_value(json_object_get(s, "StackStatusReason"));
	char *reason = why ? xstrdup(why) : NULL;
	json_decref(s);
	/* AWS ends its reasons with ". ": the message ends with the period. */
	for (size_t n = reason ? strlen(reason) : 0; n && isspace((unsigned char)reason[n - 1]); n--)
		reason[n - 1] = '\0';
	int rc;
	bool continuing = !strcmp(w->goal, "UPDATE_ROLLBACK_COMPLETE");
	if (!strcmp(status, w->goal) || (!w->gone_ok && usable(w->goal, status))) {
		rc = 0;
	} else if (ends_with(status, "_IN_PROGRESS")) {
		/* The wait names what the stack is heading for: "waiting for
		 * CREATE_COMPLETE", then, when it fails, "ROLLBACK_COMPLETE"
		 * (a rollback is waited for to its end, then reported);
		 * UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: "UPDATE_COMPLETE
		 * (cleanup)". A continued rollback keeps its own name. */
		if (w->c->waiting && !continuing) {
			const char *cleanup = strstr(status, "_CLEANUP_IN_PROGRESS");
			char *what = cleanup ? xasprintf("%.*s (cleanup)", (int)(cleanup - status), status)
					     : xasprintf("%.*s_COMPLETE",
							 (int)(strlen(status) - strlen("_IN_PROGRESS")),
							 status);
			w->c->waiting(w->c->waiting_ctx, what, 0);
			free(what);
		}
		rc = 1;
	} else {
		char *label = stack_label(w->id);
		struct diag *dg;
		if (continuing)
			dg = diags_add(d, DIAG_ERROR, "the continued rollback of stack %s failed: it is "
				       "%s, not %s%s%s", label, status, w->goal, reason ? ": " : "",
				       reason ? reason : "");
		else
			dg = diags_add(d, DIAG_ERROR, "stack %s is %s, not %s%s%s", label, status,
				       w->goal, reason ? ": " : "", reason ? reason : "");
		free(label);
		enum stack_hint hint = strcmp(status, "UPDATE_ROLLBACK_FAILED") ? HINT_NONE
				       : continuing ? HINT_CONTINUE_FAILED : HINT_ROLLBACK_FAILED;
		add_failed_events(w->c, w->id, hint, dg);
		rc = BERTH_EAWS;
	}
	free(status);
	free(reason);
	return rc;
}

/* Waits for the stack to reach `goal`; `what` names the wait in progress
 * and messages (NULL: "stack NAME to reach GOAL"). */
static int wait_for(const struct rt_ctx *c, const char *id, const char *goal, bool gone_ok,
		    const char *what, struct diags *d)
{
	struct stack_wait w = { c, id, goal, gone_ok, false };
	char *label = stack_label(id);
	char *named = what ? xstrdup(what) : xasprintf("stack %s to reach %s", label, goal);
	free(label);
	/* At most every 30 s, botocore's stack_create_complete delay. */
	int err = rt_poll(c, named, STACK_TIMEOUT_MS, 30000, probe_stack, &w, d);
	free(named);
	return err;
}

/* A stack in UPDATE_ROLLBACK_FAILED takes no update: ContinueUpdateRollback
 * (which retries what failed to roll back), and the wait for
 * UPDATE_ROLLBACK_COMPLETE. */
static int continue_rollback(const struct rt_ctx *c, const char *id, struct diags *d)
{
	json_t *params = json_pack("{s:s}", "StackName", id);
	int err = rt_call(c, "cloudformation", "ContinueUpdateRollback", params, NULL, d);
	json_decref(params);
	if (err)
		return err;
	char *label = stack_label(id);
	char *what = xasprintf("stack %s to finish its failed update's rollback, continued "
			       "(UPDATE_ROLLBACK_COMPLETE)", label);
	free(label);
	err = wait_for(c, id, "UPDATE_ROLLBACK_COMPLETE", false, what, d);
	free(what);
	return err;
}

static bool rollback_failed(const struct live_resource *cur)
{
	const char *status = json_string_value(json_object_get(cur->props, "StackStatus"));
	return status && !strcmp(status, "UPDATE_ROLLBACK_FAILED");
}

/* params[name] = props[name] as a boolean, when props gives it. */
static void put_flag(json_t *params, json_t *props, const char *name)
{
	if (json_object_get(props, name))
		json_object_set_new(params, name, json_boolean(rt_bool(props, name, false)));
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	int err = check_template(props, d);
	if (err)
		return err;
	const char *name = json_string_value(json_object_get(props, "StackName"));
	if (!name) {
		diags_add(d, DIAG_ERROR, "AWS::CloudFormation::Stack: StackName is not known");
		return BERTH_EINVAL;
	}
	struct buf names = BUF_INIT;
	json_t *res = NULL, *params = json_pack("{s:s}", "StackName", name);
	add_template_params(params, props, &names);
	json_object_set_new(params, "Tags", tag_list(tags, names.ptr));
	json_t *v;
	if ((v = json_object_get(props, "TimeoutInMinutes")) && json_is_integer(v))
		json_object_set(params, "TimeoutInMinutes", v);
	put_flag(params, props, "DisableRollback");
	put_flag(params, props, "EnableTerminationProtection");
	static const char *const exists[] = { "AlreadyExistsException", NULL };
	/* RoleARN: a role created a moment ago may not be assumable yet. */
	err = rt_call_propagated_expect(c, "cloudformation", "CreateStack", params, &res, exists, d);
	json_decref(params);
	buf_release(&names);
	if (err == RT_EXPECTED) {
		/* A retry after a crash, or someone else's stack: only ours
		 * (same stack and address) is adopted. */
		struct live_resource cur;
		err = read_one(c, name, &cur, d);
		if (err == BERTH_ENOTFOUND) {
			diags_add(d, DIAG_ERROR, "stack %s exists but cannot be read", name);
			return BERTH_ERROR;
		}
		if (err)
			return err;
		const char *st = json_string_value(json_object_get(cur.tags, TAG_STACK));
		bool ours = st && cur.address && !strcmp(st, c->stack) && !strcmp(cur.address, address);
		if (!ours) {
			live_resource_release(&cur);
			struct diag *dg = diags_add(d, DIAG_ERROR,
						    "stack %s already exists and is not this resource's", name);
			diag_set_detail(dg, "it is not tagged %s=%s, %s=%s; take it into the stack with "
				       "`berth import %s ID`, choose another StackName, or delete the "
				       "existing stack", TAG_STACK, c->stack, TAG_ID, address, address);
			return BERTH_ECONFLICT;
		}
		*id_out = xstrdup(cur.id);
		live_resource_release(&cur);
		return 0;
	}
	if (err)
		return err;
	err = tu_answer_id(res, NULL, "StackId", "CreateStack", id_out, d);
	json_decref(res);
	return err;
}

static int wait_ready(const struct rt_ctx *c, const char *id, struct diags *d)
{
	return wait_for(c, id, "CREATE_COMPLETE", false, NULL, d);
}

/* UpdateStack; "No updates are to be performed." is success. Waits for
 * UPDATE_COMPLETE otherwise. */
static int update_stack(const struct rt_ctx *c, const char *id, json_t *params, struct diags *d)
{
	struct diags tmp = DIAGS_INIT;
	int err = rt_call_propagated(c, "cloudformation", "UpdateStack", params, NULL, &tmp);
	if (err) {
		bool nothing = false;
		for (size_t i = 0; i < tmp.n; i++)
			nothing |= tmp.items[i].summary &&
				   strstr(tmp.items[i].summary, "No updates are to be performed") != NULL;
		if (nothing) {
			diags_release(&tmp);
			return 0;
		}
		diags_move(d, &tmp);
		diags_release(&tmp);
		return err;
	}
	diags_release(&tmp);
	return wait_for(c, id, "UPDATE_COMPLETE", false, NULL, d);
}

/* What update changes in place: everything but TimeoutInMinutes, which
 * CreateStack alone takes (UpdateStack has no such member). */
static bool updates(const char *prop)
{
	return strcmp(prop, "TimeoutInMinutes") != 0;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	int err = check_template(desired, d);
	if (err)
		return err;
	bool via_update = false;
	if (rollback_failed(cur)) {
		if ((err = continue_rollback(c, cur->id, d)))
			return err;
		/* Back on the template before the failed update, whatever
		 * the plan compared with: UpdateStack to the spec's ("No
		 * updates" when they are the same). */
		via_update = true;
	}
	for (size_t i = 0; i < nchanged; i++) {
		if (!strcmp(changed[i], "EnableTerminationProtection")) {
			json_t *params = json_pack("{s:s, s:b}", "StackName", cur->id,
						   "EnableTerminationProtection",
						   rt_bool(desired, "EnableTerminationProtection", false));
			err = rt_call(c, "cloudformation", "UpdateTerminationProtection", params, NULL, d);
			json_decref(params);
			if (err)
				return err;
		} else if (!updates(changed[i])) {
			/* Plan replaces instead (rtype.updates): a guard. */
			diags_add(d, DIAG_ERROR, "AWS::CloudFormation::Stack: TimeoutInMinutes applies "
				  "to the create only and cannot change in place");
			return BERTH_EINVAL;
		} else {
			via_update = true;
		}
	}
	if (!via_update)
		return 0;
	struct buf names = BUF_INIT;
	json_t *params = json_pack("{s:s}", "StackName", cur->id);
	add_template_params(params, desired, &names);
	json_object_set_new(params, "Tags", tag_list(cur->tags, names.ptr));
	put_flag(params, desired, "DisableRollback");
	buf_release(&names);
	err = update_stack(c, cur->id, params, d);
	json_decref(params);
	return err;
}

/* Stack tags change only through UpdateStack (CloudFormation then passes
 * them on to the stack's resources): same template, same parameter values. */
static int set_tags(const struct rt_ctx *c, const struct live_resource *cur, json_t *add,
		    json_t *remove_keys, struct diags *d)
{
	json_t *tags = json_deep_copy(cur->tags ? cur->tags : json_object()), *v;
	const char *k;
	size_t i;
	/* berth:parameters is this type's own record, which the engine does not
	 * know to want: kept whatever remove_keys says. */
	json_array_foreach(remove_keys, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), TAG_PARAMS))
			json_object_del(tags, json_string_value(v));
	json_object_foreach(add, k, v)
		json_object_set(tags, k, v);
	const char *listed = json_string_value(json_object_get(tags, TAG_PARAMS));
	json_t *plist = json_array();
	for (const char *p = listed; p && *p;) {
		const char *sp = strchr(p, ' ');
		size_t len = sp ? (size_t)(sp - p) : strlen(p);
		char *name = xstrndup(p, len);
		json_array_append_new(plist, json_pack("{s:s, s:b}", "ParameterKey", name,
						       "UsePreviousValue", 1));
		free(name);
		p = sp ? sp + 1 : NULL;
	}
	json_t *caps = json_object_get(cur->props, "Capabilities");
	json_t *params = json_pack("{s:s, s:b, s:o, s:o, s:o}", "StackName", cur->id,
				   "UsePreviousTemplate", 1, "Parameters", plist, "Capabilities",
				   caps ? json_incref(caps) : json_array(), "Tags",
				   rt_tags_to_list(tags, false));
	json_decref(tags);
	int err = update_stack(c, cur->id, params, d);
	json_decref(params);
	return err;
}

static int remove_stack(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	json_t *params = json_pack("{s:s}", "StackName", cur->id);
	int err = rt_call(c, "cloudformation", "DeleteStack", params, NULL, d);
	json_decref(params);
	return err; /* deleting a stack that does not exist succeeds */
}

static int wait_gone(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	return wait_for(c, cur->id, "DELETE_COMPLETE", true, NULL, d);
}

/* ---- side effects: the awslogs groups of the template's task definitions ----
 *
 * What the template's AWS::ECS::TaskDefinition containers have the ECS
 * agent create (awslogs-create-group true). Resolved: literal strings;
 * {"Ref": P} to a parameter (the value the spec passed, else the
 * template's Default) or to AWS::StackName, AWS::Region, AWS::AccountId,
 * AWS::Partition (from the stack's ARN); {"Fn::Sub": "text"} (the string
 * form) over those same names, with ${!x} as the literal ${x}. Not
 * resolved (the group is then not declared): Fn::Sub's list form, Fn::Join,
 * Fn::If, Fn::GetAtt, Fn::ImportValue and anything else; Conditions are not
 * evaluated (a conditional task definition declares its group anyway:
 * deleting a group that does not exist is harmless); a YAML template body
 * (as text) is not read. A group the template itself declares as an
 * AWS::Logs::LogGroup is CloudFormation's to delete (or retain), never a
 * side effect. */

struct tmpl_ctx {
	json_t *props;    /* the stack's (StackName, StackId, Parameters) */
	json_t *template; /* the template document */
};

/* Part `n` (0-based) of the stack's ARN arn:PARTITION:cloudformation:REGION:ACCOUNT:... */
static char *arn_part(json_t *props, int n)
{
	const char *p = json_string_value(json_object_get(props, "StackId"));
	if (!p || strncmp(p, "arn:", 4))
		return NULL;
	for (int i = 0; i < n; i++) {
		p = strchr(p, ':');
		if (!p)
			return NULL;
		p++;
	}
	const char *end = strchr(p, ':');
	return end && end > p ? xstrndup(p, (size_t)(end - p)) : NULL;
}

static char *ref_value(struct tmpl_ctx *tc, const char *name)
{
	if (!strcmp(name, "AWS::StackName")) {
		const char *s = json_string_value(json_object_get(tc->props, "StackName"));
		return s ? xstrdup(s) : NULL;
	}
	if (!strcmp(name, "AWS::Partition"))
		return arn_part(tc->props, 1);
	if (!strcmp(name, "AWS::Region"))
		return arn_part(tc->props, 3);
	if (!strcmp(name, "AWS::AccountId"))
		return arn_part(tc->props, 4);
	json_t *given = json_object_get(json_object_get(tc->props, "Parameters"), name);
	if (json_is_string(given))
		return xstrdup(json_string_value(given));
	if (given)
		return NULL; /* unknown at plan time, or not a string */
	json_t *decl = json_object_get(json_object_get(tc->template, "Parameters"), name);
	json_t *dflt = json_object_get(decl, "Default");
	return json_is_string(dflt) ? xstrdup(json_string_value(dflt)) : NULL;
}

static char *sub_value(struct tmpl_ctx *tc, const char *text)
{
	struct buf b = BUF_INIT;
	for (const char *p = text; *p;) {
		if (p[0] != '$' || p[1] != '{') {
			buf_addch(&b, *p++);
			continue;
		}
		const char *end = strchr(p, '}');
		if (!end)
			goto fail;
		if (p[2] == '!') {
			buf_adds(&b, "${");
			buf_add(&b, p + 3, (size_t)(end + 1 - (p + 3)));
			p = end + 1;
			continue;
		}
		char *name = xstrndup(p + 2, (size_t)(end - (p + 2)));
		char *v = strchr(name, '.') ? NULL : ref_value(tc, name);
		free(name);
		if (!v)
			goto fail;
		buf_adds(&b, v);
		free(v);
		p = end + 1;
	}
	return buf_detach(&b, NULL);
fail:
	buf_release(&b);
	return NULL;
}

static char *resolve_intrinsic(void *ctx, json_t *v)
{
	struct tmpl_ctx *tc = ctx;
	if (!json_is_object(v) || json_object_size(v) != 1)
		return NULL;
	json_t *ref = json_object_get(v, "Ref"), *sub = json_object_get(v, "Fn::Sub");
	if (json_is_string(ref))
		return ref_value(tc, json_string_value(ref));
	if (json_is_string(sub))
		return sub_value(tc, json_string_value(sub));
	return NULL;
}

static void side_effects(const char *id, json_t *props, struct strvec *log_groups)
{
	(void)id;
	json_t *body = json_object_get(props, "TemplateBody");
	json_t *doc = json_is_string(body) ? json_loads(json_string_value(body), 0, NULL)
					   : json_incref(body);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return;
	}
	struct tmpl_ctx tc = { props, doc };
	struct strvec found = STRVEC_INIT, managed = STRVEC_INIT;
	const char *name;
	json_t *res;
	json_object_foreach(json_object_get(doc, "Resources"), name, res) {
		const char *type = json_string_value(json_object_get(res, "Type"));
		json_t *p = json_object_get(res, "Properties");
		if (type && !strcmp(type, "AWS::ECS::TaskDefinition")) {
			tu_awslogs_created_groups(json_object_get(p, "ContainerDefinitions"),
						  resolve_intrinsic, &tc, &found);
		} else if (type && !strcmp(type, "AWS::Logs::LogGroup")) {
			json_t *n = json_object_get(p, "LogGroupName");
			char *s = json_is_string(n) ? xstrdup(json_string_value(n))
						    : resolve_intrinsic(&tc, n);
			if (s)
				strvec_push(&managed, s);
			free(s);
		}
	}
	for (size_t i = 0; i < found.n; i++)
		if (strvec_find(&managed, found.v[i]) < 0 && strvec_find(log_groups, found.v[i]) < 0)
			strvec_push(log_groups, found.v[i]);
	strvec_clear(&found);
	strvec_clear(&managed);
	json_decref(doc);
}

const struct rtype rtype_cloudformation_stack = {
	.type_name = "AWS::CloudFormation::Stack",
	.tag_filter = "cloudformation:stack",
	.owns_arn = owns_arn,
	.detail_props = detail_props,
	.detail_stamp = detail_stamp,
	.read_all = read_all,
	.read_one = read_one,
	.read_detail = read_detail,
	.normalise = normalise,
	.create = create,
	.update = update,
	.updates = updates,
	.set_tags = set_tags,
	.remove = remove_stack,
	.wait_ready = wait_ready,
	.wait_gone = wait_gone,
	.side_effects = side_effects,
};
