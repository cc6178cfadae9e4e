/* `berth reap`: every berth stack in the account and region, found through
 * the tagging API (no spec, no state file), with its expiry (berth:expires,
 * set by `expires:` / `apply --expires`), owner and resource count; with
 * --expired, destroys the stacks past their expiry one after another with
 * destroy's machinery (the stack lock, dependency order, retries, the final
 * sweep and the check that nothing is left). Meant for a scheduled CI job,
 * so that a cancelled pipeline cannot leave an environment billing. */
#include "util/common.h"
#include "cli/stack.h"

#include <time.h>
#include <unistd.h>

#include "aws/client.h"
#include "resources/resource.h"
#include "util/duration.h"

struct stack_row {
	char *name;
	char *expires; /* earliest berth:expires among its resources, or NULL */
	char *owner;
	size_t resources;
	bool expired;
	bool selected;
};

static int cmp_rows(const void *a, const void *b)
{
	return strcmp(((const struct stack_row *)a)->name, ((const struct stack_row *)b)->name);
}

/* The stacks, from every resource tagged berth:stack. */
static int list_stacks(struct cli_ctx *ctx, struct stack_row **out, size_t *n)
{
	struct aws_client *aws = NULL;
	struct aws_client_config cfg = { 0 };
	struct diags d = DIAGS_INIT;
	json_t *items = NULL, *it;
	struct stack_row *rows = NULL;
	size_t nrows = 0, alloc = 0, i;
	int rc = EXIT_FAIL;
	cfg.profile = ctx->g.profile;
	cfg.region = ctx->g.region;
	cfg.endpoint_url = ctx->g.endpoint_url;
	if (!cli_declares(ctx, NEEDS_AWS) || aws_client_new(&aws, &cfg, &d))
		goto cleanup;
	json_t *params = json_pack("{s:[{s:s}]}", "TagFilters", "Key", TAG_STACK);
	int err = aws_call_all(aws, "resourcegroupstaggingapi", "GetResources", params,
			       "ResourceTagMappingList", &items, &d);
	json_decref(params);
	if (err)
		goto cleanup;
	json_array_foreach(items, i, it) {
		const char *stack = NULL, *exp = NULL, *owner = NULL;
		size_t k;
		json_t *tag;
		json_array_foreach(json_object_get(it, "Tags"), k, tag) {
			const char *key = json_string_value(json_object_get(tag, "Key"));
			const char *val = json_string_value(json_object_get(tag, "Value"));
			if (!key || !val)
				continue;
			if (!strcmp(key, TAG_STACK))
				stack = val;
			else if (!strcmp(key, TAG_EXPIRES))
				exp = val;
			else if (!strcmp(key, TAG_OWNER))
				owner = val;
		}
		if (!stack)
			continue;
		struct stack_row *r = NULL;
		for (size_t j = 0; j < nrows && !r; j++)
			if (!strcmp(rows[j].name, stack))
				r = &rows[j];
		if (!r) {
			ALLOC_GROW(rows, nrows + 1, alloc);
			r = &rows[nrows++];
			memset(r, 0, sizeof(*r));
			r->name = xstrdup(stack);
		}
		r->resources++;
		time_t have, now_exp;
		if (exp && time_parse_rfc3339(exp, &now_exp) == 0 &&
		    (!r->expires || (time_parse_rfc3339(r->expires, &have) == 0 && now_exp < have))) {
			free(r->expires);
			r->expires = xstrdup(exp);
		}
		if (owner && !r->owner)
			r->owner = xstrdup(owner);
	}
	if (nrows)
		qsort(rows, nrows, sizeof(*rows), cmp_rows);
	*out = rows;
	*n = nrows;
	rows = NULL;
	rc = EXIT_OK;
cleanup:
	render_diags(ctx, &d);
	diags_release(&d);
	json_decref(items);
	aws_client_free(aws);
	free(rows);
	return rc;
}

/* Destroys one stack as `destroy --stack NAME --auto-approve` does. */
static int reap_one(struct cli_ctx *ctx, const char *name, int lock_timeout, const char *backend)
{
	struct session s;
	struct plan *p = NULL;
	struct run_result res = { 0 };
	bool ran = false;
	int rc = EXIT_FAIL;
	struct session_opts so = { .stack = name, .lock_command = "berth reap",
				   .lock_timeout_s = lock_timeout, .parallelism = 10,
				   .backend_url = backend };
	fprintf(ctx->out, "\nReaping stack %s...\n", name);
	if (session_open(&s, ctx, &so))
		return EXIT_FAIL;
	if (session_refresh(&s))
		goto cleanup;
	int err = engine_plan_destroy(s.eng, &p, &s.d);
	session_flush_diags(&s);
	if (err)
		goto cleanup;
	err = engine_destroy(s.eng, p, &res, &s.d);
	ran = true;
	session_flush_diags(&s);
	if (res.n)
		view_run_result(ctx, &res, "Destroy");
	for (size_t i = 0; i < res.remaining.n; i++)
		fprintf(ctx->out, "  still there: %s\n", res.remaining.v[i]);
	if (!err)
		fprintf(ctx->out, "Nothing of stack %s is left.\n", name);
	rc = err ? EXIT_FAIL : EXIT_OK;
cleanup:
	if (ran)
		run_result_release(&res);
	plan_free(p);
	session_close(&s);
	return rc;
}

int cmd_reap(struct cli_ctx *ctx, int argc, char **argv)
{
	struct strvec excludes = STRVEC_INIT;
	const char *prefix = NULL, *lock_timeout = NULL, *backend = NULL;
	int expired = 0, dry_run = 0, auto_approve = 0, json = 0, rc = EXIT_FAIL;
	long lock_wait = 0;
	struct stack_row *rows = NULL;
	size_t nrows = 0;
	const struct option opts[] = {
		{ OPT_FLAG, 0, "expired", &expired, NULL,
		  "destroy every stack past its berth:expires" },
		{ OPT_FLAG, 0, "dry-run", &dry_run, NULL,
		  "show what would be destroyed; change nothing (the default off a terminal "
		  "without --auto-approve)" },
		{ OPT_FLAG, 0, "auto-approve", &auto_approve, NULL, "do not ask for confirmation" },
		{ OPT_STRING, 0, "stack-prefix", &prefix, "PREFIX", "only stacks whose name starts so" },
		{ OPT_STRING_LIST, 0, "exclude-stack", &excludes, "NAME",
		  "never this stack (repeatable)" },
		{ OPT_FLAG, 0, "json", &json, NULL, "print the stacks as JSON, for dashboards" },
		OPT_LOCK_TIMEOUT(&lock_timeout),
		OPT_BACKEND(&backend),
		OPT_END_MARK,
	};
	int n = parse_options(ctx, argc, argv, opts,
			      NULL,
			      "Lists every berth stack in the account and region (found by its tags)\n"
			      "with its expiry, owner and resource count; with --expired, destroys\n"
			      "those past their expiry, each as `berth destroy --stack` would.");
	if (n < 0) {
		rc = parse_exit(n);
		goto cleanup;
	}
	if (n > 0) {
		cli_error(ctx, "reap: unexpected argument '%s'", argv[1]);
		goto cleanup;
	}
	if (cli_duration(ctx, "reap", "lock-timeout", lock_timeout, &lock_wait))
		goto cleanup;
	if (list_stacks(ctx, &rows, &nrows))
		goto cleanup;
	time_t now = time(NULL), t;
	size_t nsel = 0;
	for (size_t i = 0; i < nrows; i++) {
		struct stack_row *r = &rows[i];
		r->expired = r->expires && time_parse_rfc3339(r->expires, &t) == 0 && t <= now;
		bool skip = (prefix && strncmp(r->name, prefix, strlen(prefix))) ||
			    strvec_find(&excludes, r->name) >= 0;
		r->selected = expired && r->expired && !skip;
		if (r->selected)
			nsel++;
		if (skip)
			r->resources = (size_t)-1; /* marks "not shown" */
	}
	if (json) {
		json_t *a = json_array();
		for (size_t i = 0; i < nrows; i++) {
			if (rows[i].resources == (size_t)-1)
				continue;
			json_array_append_new(a, json_pack("{s:s, s:s?, s:s?, s:I, s:b, s:b}", "stack",
							   rows[i].name, "expires", rows[i].expires,
							   "owner", rows[i].owner, "resources",
							   (json_int_t)rows[i].resources, "expired",
							   rows[i].expired, "reap", rows[i].selected));
		}
		char *txt = json_dumps(a, JSON_INDENT(2));
		fprintf(ctx->out, "%s\n", txt);
		free(txt);
		json_decref(a);
	} else {
		fprintf(ctx->out, "%-32s %-21s %-9s %-8s %s\n", "STACK", "EXPIRES", "RESOURCES",
			"STATUS", "OWNER");
		for (size_t i = 0; i < nrows; i++) {
			const struct stack_row *r = &rows[i];
			if (r->resources == (size_t)-1)
				continue;
			fprintf(ctx->out, "%-32s %-21s %-9zu %-8s %s\n", r->name,
				r->expires ? r->expires : "-", r->resources,
				r->expired ? "expired" : r->expires ? "live" : "no expiry",
				r->owner ? r->owner : "-");
		}
	}
	rc = EXIT_OK;
	if (!expired || !nsel) {
		if (expired && !json)
			fprintf(ctx->out, "\nNo stack is past its expiry.\n");
		goto cleanup;
	}
	/* Off a terminal (a scheduled job), only --auto-approve destroys. */
	if (dry_run || (!auto_approve && !isatty(STDIN_FILENO))) {
		if (!json)
			fprintf(ctx->out, "\n%s: would destroy %zu expired stack%s; nothing was "
				"changed%s.\n", dry_run ? "--dry-run" : "Dry run (no terminal)", nsel,
				nsel == 1 ? "" : "s", dry_run ? "" : " (pass --auto-approve to reap)");
		goto cleanup;
	}
	if (!auto_approve) {
		fprintf(ctx->out, "\nDestroy the %zu expired stack%s listed as expired? Only 'yes' "
			"will be accepted: ", nsel, nsel == 1 ? "" : "s");
		fflush(ctx->out);
		char line[64];
		if (!fgets(line, sizeof(line), stdin) || strncmp(line, "yes", 3)) {
			fprintf(ctx->out, "Cancelled: nothing was changed.\n");
			rc = EXIT_FAIL;
			goto cleanup;
		}
	}
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].selected && reap_one(ctx, rows[i].name, (int)lock_wait, backend))
			rc = EXIT_FAIL;
cleanup:
	for (size_t i = 0; i < nrows; i++) {
		free(rows[i].name);
		free(rows[i].expires);
		free(rows[i].owner);
	}
	free(rows);
	strvec_clear(&excludes);
	return rc;
}
