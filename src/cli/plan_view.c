/* Plans and run results for people: Terraform-like symbols (+ ~ -/+ -),
 * attribute-level before -> after, "(known after apply)", "(sensitive)",
 * and the summary line. */
#include "util/common.h"
#include "cli/stack.h"

#include "schema/schema.h"
#include "spec/spec.h"
#include "util/buf.h"

#include <stdint.h>

static const char *col(struct cli_ctx *ctx, const char *code)
{
	return ctx->color ? code : "";
}
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define RED "\033[31m"
#define CYAN "\033[36m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

static bool prop_sensitive(const char *type, const char *name)
{
	const struct schema_resource *sch = schema_find(type);
	const struct schema_prop *p = sch ? schema_shape_prop(sch->shape, name) : NULL;
	return p && (p->flags & SP_SENSITIVE);
}

/* A value's text longer than this is shortened in the human plan: a 27 KB
 * dashboard or template on one line hides every other change. `plan --json`
 * and saved plans keep the whole value. */
#define VIEW_MAX 400
#define VIEW_HEAD 160
#define VIEW_TAIL 40
/* `from` that asks for the whole text (outputs are there to be copied). */
#define VIEW_WHOLE SIZE_MAX

/* Back up to the start of a UTF-8 sequence so a cut never splits a
 * character. */
static size_t utf8_start(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

/* Appends s, or its head and tail around a note of how much is left out.
 * `from`, when inside s, is where it differs from the other side of an
 * update: the shown middle then starts a little before it. */
static void elide(struct buf *b, const char *s, size_t from)
{
	size_t n = strlen(s), head, tail;
	if (n <= VIEW_MAX || from == VIEW_WHOLE) {
		buf_adds(b, s);
		return;
	}
	head = utf8_start(s, VIEW_HEAD);
	tail = utf8_start(s, n - VIEW_TAIL);
	buf_add(b, s, head);
	if (from > head + 40 && from < tail) {
		/* Show where the change is, not only the ends. */
		size_t a = utf8_start(s, from - 40), z = utf8_start(s, from + 80 < tail ? from + 80 : tail);
		buf_addf(b, "...(%zu bytes)...", a - head);
		buf_add(b, s + a, z - a);
		buf_addf(b, "...(%zu bytes)...", tail - z);
	} else {
		buf_addf(b, "...(%zu bytes)...", tail - head);
	}
	buf_adds(b, s + tail);
	buf_addf(b, " (%zu bytes; plan --json shows it whole)", n);
}

/* Where the texts of two long values first differ, so that an update shows
 * the changed part of both; 0 when either is short, unknown or absent. */
static size_t long_difference(json_t *a, json_t *b)
{
	size_t i = 0;
	char *x, *y;
	if (!a || !b || value_has_unknown(a) || value_has_unknown(b))
		return 0;
	x = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	y = json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	if (x && y && (strlen(x) > VIEW_MAX || strlen(y) > VIEW_MAX))
		while (x[i] && x[i] == y[i])
			i++;
	free(x);
	free(y);
	return i;
}

/* One value, compact: strings quoted, unknowns and secrets named. */
static void value_text(struct buf *b, json_t *v, bool sensitive, size_t from)
{
	if (sensitive) {
		buf_adds(b, "(sensitive)");
		return;
	}
	if (!v || json_is_null(v)) {
		buf_adds(b, "null");
		return;
	}
	if (value_is_unknown(v)) {
		buf_adds(b, "(known after apply)");
		return;
	}
	if (value_has_unknown(v)) {
		/* Show the known parts with the unknown ones named. */
		if (json_is_object(v)) {
			const char *k;
			json_t *x;
			size_t i = 0;
			buf_addch(b, '{');
			json_object_foreach(v, k, x) {
				buf_addf(b, "%s\"%s\": ", i++ ? ", " : "", k);
				value_text(b, x, false, 0);
			}
			buf_addch(b, '}');
		} else {
			size_t i;
			json_t *x;
			buf_addch(b, '[');
			json_array_foreach(v, i, x) {
				if (i)
					buf_adds(b, ", ");
				value_text(b, x, false, 0);
			}
			buf_addch(b, ']');
		}
		return;
	}
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	elide(b, s, from);
	free(s);
}

static size_t key_width(json_t *a, json_t *b, const struct strvec *only)
{
	size_t w = 0;
	const char *k;
	json_t *v;
	json_object_foreach(a, k, v)
		if (!only || strvec_find(only, k) >= 0)
			w = strlen(k) > w ? strlen(k) : w;
	json_object_foreach(b, k, v)
		if (!only || strvec_find(only, k) >= 0)
			w = strlen(k) > w ? strlen(k) : w;
	return w;
}

static void show_change(struct cli_ctx *ctx, FILE *f, const struct plan_change *c)
{
	const char *sym, *color, *what;
	switch (c->action) {
	case PA_CREATE: sym = "+"; color = GREEN; what = "will be created"; break;
	case PA_UPDATE:
		sym = "~";
		color = YELLOW;
		what = c->adopt ? (c->changed.n ? "will be adopted and updated in place" : "will be adopted")
				: "will be updated in place";
		break;
	case PA_REPLACE: sym = "-/+"; color = RED; what = c->cbd ? "must be replaced (create before destroy)" : "must be replaced"; break;
	case PA_DELETE: sym = "-"; color = RED; what = "will be destroyed"; break;
	case PA_FORGET: sym = "!"; color = CYAN; what = "will be left in AWS and no longer managed"; break;
	default: return;
	}
	fprintf(f, "  %s%s%s %s%s%s (%s) %s", col(ctx, color), sym, col(ctx, RESET), col(ctx, BOLD),
		c->address, col(ctx, RESET), c->type, what);
	if (c->reason)
		fprintf(f, ": %s", c->reason);
	fprintf(f, "\n");
	struct buf b = BUF_INIT;
	if (c->action == PA_CREATE) {
		size_t w = key_width(c->after, NULL, NULL);
		const char *k;
		json_t *v;
		json_object_foreach(c->after, k, v) {
			buf_reset(&b);
			value_text(&b, v, c->sensitive || prop_sensitive(c->type, k), 0);
			fprintf(f, "      %s+%s %-*s = %s\n", col(ctx, GREEN), col(ctx, RESET), (int)w, k, b.ptr);
		}
	} else if (c->action == PA_UPDATE || c->action == PA_REPLACE) {
		size_t w = key_width(c->before, c->after, &c->changed);
		for (size_t i = 0; i < c->changed.n; i++) {
			const char *k = c->changed.v[i];
			bool sens = c->sensitive || prop_sensitive(c->type, k);
			json_t *before = json_object_get(c->before, k), *after = json_object_get(c->after, k);
			buf_reset(&b);
			if (!strcmp(k, "Tags") && !before && !after) {
				buf_adds(&b, "berth:retain tag changes");
			} else {
				size_t from = long_difference(before, after);
				value_text(&b, before, sens, from);
				buf_adds(&b, " -> ");
				if (after)
					value_text(&b, after, sens, from);
				else
					buf_adds(&b, "(unset: AWS's default)");
			}
			bool forces = strvec_find(&c->replace_paths, k) >= 0;
			fprintf(f, "      %s~%s %-*s = %s%s\n", col(ctx, YELLOW), col(ctx, RESET), (int)w, k,
				b.ptr, forces ? "   # forces replacement" : "");
		}
	} else if (c->action == PA_DELETE && c->id) {
		fprintf(f, "      id = %s\n", c->id);
	}
	if (c->note) {
		buf_reset(&b);
		cli_escape(&b, c->note, false);
		fprintf(f, "      note: %s\n", b.ptr);
	}
	buf_release(&b);
}

void view_plan(struct cli_ctx *ctx, const struct plan *p)
{
	FILE *f = ctx->out;
	size_t excluded = 0, shown = 0;
	for (size_t i = 0; i < p->n; i++)
		excluded += p->v[i].excluded && p->v[i].action != PA_NOOP;
	for (size_t i = 0; i < p->notes.n; i++)
		fprintf(f, "note: %s\n", p->notes.v[i]);
	if (p->refresh_only) {
		if (!p->ndrift) {
			fprintf(f, "No drift: live state matches what berth last applied (stack %s).\n",
				p->stack);
			return;
		}
		fprintf(f, "Drift since the last apply (stack %s):\n\n", p->stack);
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < p->ndrift; i++) {
			const struct plan_drift *dr = &p->drift[i];
			fprintf(f, "  %s~%s %s (%s): %s\n", col(ctx, YELLOW), col(ctx, RESET), dr->address,
				dr->type, dr->what);
			const char *k;
			json_t *v;
			json_object_foreach(dr->before, k, v) {
				json_t *now = json_object_get(dr->after, k);
				if (!dr->after || json_equal(v, now))
					continue;
				buf_reset(&b);
				size_t from = long_difference(v, now);
				value_text(&b, v, dr->sensitive || prop_sensitive(dr->type, k), from);
				buf_adds(&b, " -> ");
				value_text(&b, now, dr->sensitive || prop_sensitive(dr->type, k), from);
				fprintf(f, "      ~ %s = %s\n", k, b.ptr);
			}
		}
		buf_release(&b);
		fprintf(f, "\nDrift: %zu resource%s. --refresh-only plans no changes.\n", p->ndrift,
			p->ndrift == 1 ? "" : "s");
		return;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_change *c = &p->v[i];
		if (c->excluded || c->action == PA_NOOP)
			continue;
		if (!shown++)
			fprintf(f, "berth will make these changes to stack %s:\n\n", p->stack);
		show_change(ctx, f, c);
	}
	for (size_t i = 0; i < p->repos.n; i++) {
		if (!shown++)
			fprintf(f, "berth will make these changes to stack %s:\n\n", p->stack);
		fprintf(f, "  %s~%s repo %s\n", col(ctx, CYAN), col(ctx, RESET), p->repos.v[i]);
	}
	/* What AWS made for the removed instances goes with them. */
	for (size_t i = 0; shown && i < p->side_effects.n; i++)
		fprintf(f, "  %s-%s log group %s will be destroyed\n", col(ctx, RED), col(ctx, RESET),
			p->side_effects.v[i]);
	/* Notes on unchanged resources (pending subscriptions) still matter. */
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].action == PA_NOOP && p->v[i].note && !p->v[i].excluded)
			fprintf(f, "%snote: %s: %s\n", shown ? "\n" : "", p->v[i].address, p->v[i].note);
	if (!shown) {
		size_t n = 0;
		for (size_t i = 0; i < p->n; i++)
			n += !p->v[i].excluded;
		fprintf(f, "No changes. AWS matches the spec (stack %s, %zu resource%s).\n", p->stack, n,
			n == 1 ? "" : "s");
	} else {
		size_t forget = 0;
		for (size_t i = 0; i < p->n; i++)
			forget += p->v[i].action == PA_FORGET && !p->v[i].excluded;
		fprintf(f, "\n%sPlan:%s %zu to add, %zu to change, %zu to destroy.\n", col(ctx, BOLD),
			col(ctx, RESET), p->nadd, p->nchange, p->ndestroy);
		if (forget)
			fprintf(f, "%zu retained resource%s will stay in AWS without berth's tags.\n", forget,
				forget == 1 ? "" : "s");
	}
	if (excluded)
		fprintf(f, "%zu change%s left out by --target/--exclude.\n", excluded,
			excluded == 1 ? "" : "s");
}

/* At most this many names in a list after a run; the rest are counted. A
 * run interrupted early can leave hundreds. */
#define RESULT_LIST_MAX 10

static void list_outcome(FILE *f, const struct run_result *r, enum op_outcome outcome,
			 const char *heading, const char *why, size_t n)
{
	size_t shown = 0;
	if (!n)
		return;
	fprintf(f, "%s (%zu)%s:\n", heading, n, why);
	for (size_t i = 0; i < r->n; i++) {
		const struct op_result *o = &r->v[i];
		if (o->outcome != outcome)
			continue;
		if (shown++ == RESULT_LIST_MAX) {
			fprintf(f, "  ... and %zu more\n", n - RESULT_LIST_MAX);
			break;
		}
		if (outcome == OP_SKIPPED)
			fprintf(f, "  %s (waits on %s)\n", o->address, o->cause ? o->cause : "?");
		else
			fprintf(f, "  %s\n", o->address);
	}
}

void view_destroy_result(struct cli_ctx *ctx, const struct run_result *r)
{
	if (r->n || r->swept)
		view_run_result(ctx, r, "Destroy");
	for (size_t i = 0; i < r->retained.n; i++)
		fprintf(ctx->out, "left in AWS (retain: true), no longer tagged for the stack: %s\n",
			r->retained.v[i]);
	if (r->remaining.n) {
		fprintf(ctx->out, "\nStill there (%zu):\n", r->remaining.n);
		for (size_t i = 0; i < r->remaining.n; i++)
			fprintf(ctx->out, "  %s\n", r->remaining.v[i]);
	}
}

/* Terraform's words and arithmetic: a replacement is one added and one
 * destroyed, as plan counted it ("Plan: 1 to add, 0 to change, 1 to
 * destroy"); the old instance of a create_before_destroy replacement is
 * removed by an operation of its own, which counts the destroyed one. */
void view_run_result(struct cli_ctx *ctx, const struct run_result *r, const char *what)
{
	FILE *f = ctx->out;
	size_t added = 0, changed = 0, destroyed = 0, forgotten = 0;
	bool destroy = !strcmp(what, "Destroy");
	for (size_t i = 0; i < r->n; i++) {
		const struct op_result *o = &r->v[i];
		if (o->outcome != OP_DONE || o->repo)
			continue;
		switch (o->action) {
		case PA_CREATE: added++; break;
		case PA_UPDATE: changed++; break;
		case PA_REPLACE: added++; destroyed += !o->cbd; break;
		case PA_DELETE: destroyed++; break;
		case PA_FORGET: forgotten++; break;
		case PA_NOOP: break;
		}
	}
	destroyed += r->swept; /* found by the last sweep by tag, and deleted */
	/* Failures first on stderr, with the AWS error of each. */
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].outcome == OP_FAILED || r->v[i].diags.n)
			render_diags(ctx, &r->v[i].diags);
	bool ok = !r->failed && !r->skipped && !r->canceled && !r->interrupted;
	fprintf(f, "\n%s%s %s%s Resources: ", col(ctx, BOLD), what,
		r->interrupted ? "interrupted" : ok ? "complete" : "incomplete",
		ok ? "!" : ".");
	if (destroy)
		fprintf(f, "%zu destroyed", destroyed);
	else
		fprintf(f, "%zu added, %zu changed, %zu destroyed", added, changed, destroyed);
	if (forgotten)
		fprintf(f, ", %zu left in AWS (retain)", forgotten);
	fprintf(f, ".%s\n", col(ctx, RESET));
	if (ok)
		return;
	if (r->failed) {
		fprintf(f, "Failed (%zu):\n", r->failed);
		for (size_t i = 0; i < r->n; i++) {
			const struct op_result *o = &r->v[i];
			if (o->outcome != OP_FAILED)
				continue;
			const struct diag *dg = NULL;
			for (size_t k = 0; k < o->diags.n && !dg; k++)
				if (o->diags.items[k].severity == DIAG_ERROR)
					dg = &o->diags.items[k];
			/* The summary quotes AWS: escaped, as render.c does. */
			struct buf why = BUF_INIT;
			cli_escape(&why, dg ? dg->summary : "failed", false);
			fprintf(f, "  %s (%s %s): %s", o->address, plan_action_name(o->action), o->type,
				why.ptr);
			buf_release(&why);
			if (dg && dg->aws_code)
				fprintf(f, " [%s%s%s]", dg->aws_code, dg->request_id ? ", request id " : "",
					dg->request_id ? dg->request_id : "");
			fprintf(f, "\n");
		}
	}
	list_outcome(f, r, OP_SKIPPED, "Skipped", ", because something they depend on failed",
		     r->skipped);
	list_outcome(f, r, OP_CANCELED, "Not started", ", because of the interruption",
		     r->canceled);
	fprintf(f, "Run the command again to continue from here.\n");
}

void view_outputs(struct cli_ctx *ctx, json_t *outputs)
{
	if (!json_object_size(outputs))
		return;
	FILE *f = ctx->out;
	fprintf(f, "\nOutputs:\n");
	const char *k;
	json_t *o;
	struct buf b = BUF_INIT;
	json_object_foreach(outputs, k, o) {
		buf_reset(&b);
		if (json_is_true(json_object_get(o, "unknown")))
			buf_adds(&b, "(not known yet)");
		else
			value_text(&b, json_object_get(o, "value"), json_is_true(json_object_get(o, "sensitive")),
				   VIEW_WHOLE);
		fprintf(f, "  %s = %s\n", k, b.ptr);
	}
	buf_release(&b);
}

void view_calls(struct cli_ctx *ctx, json_t *calls, const char *phase)
{
	fprintf(ctx->err, "%s: %lld AWS call%s", phase,
		(long long)json_integer_value(json_object_get(calls, "total")),
		json_integer_value(json_object_get(calls, "total")) == 1 ? "" : "s");
	const char *k;
	json_t *v;
	size_t i = 0;
	json_object_foreach(json_object_get(calls, "by_operation"), k, v)
		fprintf(ctx->err, "%s%s %lld", i++ ? ", " : " (", k, (long long)json_integer_value(v));
	fprintf(ctx->err, "%s\n", i ? ")" : "");
}
