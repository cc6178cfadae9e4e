/* `berth reap`: every berth stack in the account and region, found through
 * the tagging API (no spec, no state file), with its age (the oldest
 * berth:created among its resources, set when berth created each), expiry
 * (berth:expires, set by `expires:` / `apply --expires`), owner and resource
 * count; with --expired and/or --older-than, destroys the stacks past their
 * expiry or older than that one after another with destroy's machinery (the
 * stack lock, dependency order, retries, the final sweep and the check that
 * nothing is left). Meant for a scheduled CI job, so that a cancelled
 * pipeline cannot leave an environment billing. */
#include "util/common.h"
#include "cli/stack.h"

#include <time.h>
#include <unistd.h>

#include "aws/client.h"
#include "resources/resource.h"
#include "util/buf.h"
#include "util/duration.h"

struct stack_row {
	char *name;
	char *expires; /* earliest berth:expires among its resources, or NULL */
	char *created; /* earliest berth:created among its resources, or NULL */
	char *owner;
	size_t resources;
	bool expired;  /* past its expiry */
	bool old;      /* created longer ago than --older-than */
	bool selected; /* to be reaped */
	bool hidden;   /* left out by --stack-prefix / --exclude-stack */
};

/* What selects stacks: --expired, --older-than (seconds; 0: not given). */
struct reap_rule {
	bool expired;
	long older_s;
	const char *older_text;
};

static void rows_free(struct stack_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].name);
		free(rows[i].expires);
		free(rows[i].created);
		free(rows[i].owner);
	}
	free(rows);
}

/* Keeps in *slot the earlier of the two RFC 3339 times (a value that is
 * not one is ignored: a hand-made tag). */
static void keep_earliest(char **slot, const char *val)
{
	time_t have, t;
	if (!val || time_parse_rfc3339(val, &t))
		return;
	if (*slot && time_parse_rfc3339(*slot, &have) == 0 && have <= t)
		return;
	free(*slot);
	*slot = xstrdup(val);
}

/* Sets r->expired and r->old at `now`; whether the rule reaps it. A stack
 * whose age is unknown (no berth:created: made by an older berth, or
 * imported) is never old. */
static bool row_judge(struct stack_row *r, const struct reap_rule *rule, time_t now)
{
	time_t t;
	r->expired = r->expires && time_parse_rfc3339(r->expires, &t) == 0 && t <= now;
	r->old = rule->older_s > 0 && r->created && time_parse_rfc3339(r->created, &t) == 0 &&
		 now - t > rule->older_s;
	return (rule->expired && r->expired) || r->old;
}

/* "expired", "older than 24h" or both: why the rule reaps it. */
static const char *row_reason(const struct stack_row *r, const struct reap_rule *rule,
			      char *buf, size_t len)
{
	if (r->expired && rule->expired && r->old)
		snprintf(buf, len, "expired, older than %s", rule->older_text);
	else if (r->expired && rule->expired)
		snprintf(buf, len, "expired");
	else
		snprintf(buf, len, "older than %s", rule->older_text);
	return buf;
}

/* "3d04h", "5h12m", "14m" or "0m": how long ago `created` was. */
static void format_age(const char *created, time_t now, char *out, size_t len)
{
	time_t t;
	if (!created || time_parse_rfc3339(created, &t)) {
		snprintf(out, len, "-");
		return;
	}
	long s = now > t ? (long)(now - t) : 0;
	if (s >= 86400)
		snprintf(out, len, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(out, len, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, len, "%ldm", s / 60);
}

static int cmp_rows(const void *a, const void *b)
{
	return strcmp(((const struct stack_row *)a)->name, ((const struct stack_row *)b)->name);
}

/* The stacks, from every resource tagged berth:stack (only = that stack
 * alone, when not NULL). */
static int list_stacks(struct cli_ctx *ctx, const char *only, struct stack_row **out, size_t *n)
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
	if (only)
		json_object_set_new(json_array_get(json_object_get(params, "TagFilters"), 0),
				    "Values", json_pack("[s]", only));
	int err = aws_call_all(aws, "resourcegroupstaggingapi", "GetResources", params,
			       "ResourceTagMappingList", &items, &d);
	json_decref(params);
	if (err)
		goto cleanup;
	json_array_foreach(items, i, it) {
		const char *stack = NULL, *exp = NULL, *owner = NULL, *created = NULL;
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
			else if (!strcmp(key, TAG_CREATED))
				created = val;
		}
		if (!stack || (only && strcmp(stack, only)))
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
		keep_earliest(&r->expires, exp);
		keep_earliest(&r->created, created);
		if (owner && !r->owner)
			r->owner = xstrdup(owner);
	}
	if (nrows)
		qsort(rows, nrows, sizeof(*rows), cmp_rows);
	*out = rows;
	*n = nrows;
	rows = NULL;
	nrows = 0;
	rc = EXIT_OK;
cleanup:
	render_diags(ctx, &d);
	diags_release(&d);
	json_decref(items);
	aws_client_free(aws);
	rows_free(rows, nrows);
	return rc;
}

/* Destroys one stack as `destroy --stack NAME --auto-approve` does, once
 * its lock is held and the stack, read again under it, is still one the rule
 * reaps: an apply that held the lock while reap listed may have moved its
 * expiry. */
static int reap_one(struct cli_ctx *ctx, const char *name, const struct reap_rule *rule,
		    int lock_timeout, const char *backend)
{
	struct session s;
	struct plan *p = NULL;
	struct run_result res = { 0 };
	struct stack_row *now_rows = NULL;
	size_t nnow = 0;
	bool ran = false;
	int rc = EXIT_FAIL;
	struct session_opts so = { .stack = name, .lock_command = "berth reap",
				   .lock_timeout_s = lock_timeout, .parallelism = 10,
				   .backend_url = backend, .progress = true, .command = "reap" };
	fprintf(ctx->out, "\nReaping stack %s...\n", name);
	if ((rc = session_open(&s, ctx, &so)) != 0)
		return rc; /* 128 + the signal when interrupted while waiting */
	rc = EXIT_FAIL;
	if (list_stacks(ctx, name, &now_rows, &nnow))
		goto cleanup;
	if (!nnow) {
		fprintf(ctx->out, "Nothing of stack %s is left (destroyed meanwhile).\n", name);
		rc = EXIT_OK;
		goto cleanup;
	}
	if (!row_judge(&now_rows[0], rule, time(NULL))) {
		fprintf(ctx->out, "Stack %s changed while reap waited for its lock (expires %s): "
			"no longer one to reap, left alone.\n", name,
			now_rows[0].expires ? now_rows[0].expires : "never");
		rc = EXIT_OK;
		goto cleanup;
	}
	if (session_refresh(&s))
		goto cleanup;
	int err = engine_plan_destroy(s.eng, &p, &s.d);
	session_flush_diags(&s);
	if (err)
		goto cleanup;
	err = engine_destroy(s.eng, p, &res, &s.d);
	ran = true;
	progress_free(s.prog);
	s.prog = NULL;
	session_flush_diags(&s);
	view_destroy_result(ctx, &res);
	if (!err)
		fprintf(ctx->out, "Nothing of stack %s is left.\n", name);
	rc = err ? EXIT_FAIL : EXIT_OK;
cleanup:
	rows_free(now_rows, nnow);
	if (ran)
		run_result_release(&res);
	plan_free(p);
	/* Interrupted: 128 + the signal, and reap goes no further. */
	rc = session_exit(&s, rc, !ran);
	session_close(&s);
	return rc;
}

static void print_json(struct cli_ctx *ctx, const struct stack_row *rows, size_t nrows,
		       const struct reap_rule *rule, time_t now)
{
	json_t *a = json_array();
	char why[64];
	for (size_t i = 0; i < nrows; i++) {
		const struct stack_row *r = &rows[i];
		time_t t;
		if (r->hidden)
			continue;
		json_t *age = r->created && time_parse_rfc3339(r->created, &t) == 0 ?
				      json_integer(now > t ? (json_int_t)(now - t) : 0) : json_null();
		json_array_append_new(a, json_pack("{s:s, s:s?, s:o, s:s?, s:s?, s:I, s:b, s:b, s:s?}",
						   "stack", r->name, "created", r->created,
						   "age_seconds", age, "expires", r->expires,
						   "owner", r->owner, "resources",
						   (json_int_t)r->resources, "expired", r->expired,
						   "reap", r->selected, "reason",
						   r->selected ? row_reason(r, rule, why, sizeof(why))
							       : NULL));
	}
	char *txt = json_dumps(a, JSON_INDENT(2));
	fprintf(ctx->out, "%s\n", txt);
	free(txt);
	json_decref(a);
}

static void print_table(struct cli_ctx *ctx, const struct stack_row *rows, size_t nrows,
			time_t now)
{
	char age[32];
	fprintf(ctx->out, "%-32s %-8s %-21s %-9s %-9s %s\n", "STACK", "AGE", "EXPIRES",
		"RESOURCES", "STATUS", "OWNER");
	for (size_t i = 0; i < nrows; i++) {
		const struct stack_row *r = &rows[i];
		if (r->hidden)
			continue;
		format_age(r->created, now, age, sizeof(age));
		fprintf(ctx->out, "%-32s %-8s %-21s %-9zu %-9s %s\n", r->name, age,
			r->expires ? r->expires : "-", r->resources,
			r->expired ? "expired" : r->expires ? "live" : "no expiry",
			r->owner ? r->owner : "-");
	}
}

int cmd_reap(struct cli_ctx *ctx, int argc, char **argv)
{
	struct strvec excludes = STRVEC_INIT;
	const char *prefix = NULL, *lock_timeout = NULL, *backend = NULL, *older = NULL;
	int expired = 0, dry_run = 0, auto_approve = 0, json = 0, rc = EXIT_FAIL;
	long lock_wait = 0, older_s = 0;
	struct stack_row *rows = NULL;
	size_t nrows = 0;
	struct buf names = BUF_INIT;
	const struct option opts[] = {
		{ OPT_FLAG, 0, "expired", &expired, NULL,
		  "destroy every stack past its berth:expires" },
		{ OPT_STRING, 0, "older-than", &older, "DURATION",
		  "destroy every stack whose oldest resource berth created longer ago (24h, 7d)" },
		{ OPT_FLAG, 0, "dry-run", &dry_run, NULL,
		  "show what would be destroyed; change nothing (the default off a terminal "
		  "without --auto-approve)" },
		{ OPT_FLAG, 0, "auto-approve", &auto_approve, NULL, "do not ask for confirmation" },
		{ OPT_STRING, 0, "stack-prefix", &prefix, "PREFIX", "only stacks whose name starts so" },
		{ OPT_STRING_LIST, 0, "exclude-stack", &excludes, "NAME",
		  "never this stack" },
		{ OPT_FLAG, 0, "json", &json, NULL, "print the stacks as JSON, for dashboards" },
		OPT_LOCK_TIMEOUT(&lock_timeout),
		OPT_BACKEND(&backend),
		OPT_END_MARK,
	};
	int n = parse_options(ctx, argc, argv, opts,
			      NULL,
			      "Lists every berth stack in the account and region (found by its tags)\n"
			      "with its age, expiry, owner and resource count; with --expired and/or\n"
			      "--older-than, destroys those past their expiry or older than that,\n"
			      "each as `berth destroy --stack` would.");
	if (n < 0) {
		rc = parse_exit(n);
		goto cleanup;
	}
	if (n > 0) {
		cli_error(ctx, "reap: unexpected argument '%s'", argv[1]);
		goto cleanup;
	}
	if (cli_duration(ctx, "reap", "lock-timeout", lock_timeout, &lock_wait) ||
	    cli_duration(ctx, "reap", "older-than", older, &older_s))
		goto cleanup;
	if (older && older_s <= 0) {
		cli_error(ctx, "reap: --older-than must be longer than 0s");
		goto cleanup;
	}
	struct reap_rule rule = { expired != 0, older ? older_s : 0, older };
	bool selecting = rule.expired || rule.older_s;
	if (list_stacks(ctx, NULL, &rows, &nrows))
		goto cleanup;
	time_t now = time(NULL);
	size_t nsel = 0;
	char why[64];
	for (size_t i = 0; i < nrows; i++) {
		struct stack_row *r = &rows[i];
		r->hidden = (prefix && strncmp(r->name, prefix, strlen(prefix))) ||
			    strvec_find(&excludes, r->name) >= 0;
		r->selected = row_judge(r, &rule, now) && !r->hidden;
		if (r->selected) {
			buf_addf(&names, "%s%s (%s)", nsel ? ", " : "", r->name,
				 row_reason(r, &rule, why, sizeof(why)));
			nsel++;
		}
	}
	if (json)
		print_json(ctx, rows, nrows, &rule, now);
	else
		print_table(ctx, rows, nrows, now);
	rc = EXIT_OK;
	if (!selecting || !nsel) {
		if (selecting && !json)
			fprintf(ctx->out, "\nNo stack is %s.\n",
				rule.expired && rule.older_s ? "past its expiry or older than that" :
				rule.expired ? "past its expiry" : "older than that");
		goto cleanup;
	}
	/* Off a terminal (a scheduled job), only --auto-approve destroys. */
	if (dry_run || (!auto_approve && !isatty(STDIN_FILENO))) {
		if (!json)
			fprintf(ctx->out, "\n%s: would destroy %zu stack%s: %s; nothing was "
				"changed%s.\n", dry_run ? "--dry-run" : "Dry run (no terminal)", nsel,
				nsel == 1 ? "" : "s", names.ptr,
				dry_run ? "" : " (pass --auto-approve to reap)");
		goto cleanup;
	}
	if (!auto_approve) {
		fprintf(ctx->out, "\nDestroy %zu stack%s: %s? Only 'yes' will be accepted: ", nsel,
			nsel == 1 ? "" : "s", names.ptr);
		fflush(ctx->out);
		char line[64];
		if (!fgets(line, sizeof(line), stdin) || strncmp(line, "yes", 3)) {
			fprintf(ctx->out, "Cancelled: nothing was changed.\n");
			rc = EXIT_FAIL;
			goto cleanup;
		}
	}
	for (size_t i = 0; i < nrows; i++) {
		if (!rows[i].selected)
			continue;
		int one = reap_one(ctx, rows[i].name, &rule, (int)lock_wait, backend);
		if (one > EXIT_CHANGES) {
			rc = one; /* interrupted */
			break;
		}
		if (one)
			rc = EXIT_FAIL;
	}
cleanup:
	rows_free(rows, nrows);
	buf_release(&names);
	strvec_clear(&excludes);
	return rc;
}
