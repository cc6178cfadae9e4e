/* The plan's JSON form (docs/plan-json.md): unknowns, secrets, the saved
 * plan check. Plans are built by hand here; the engine's own are covered end
 * to end (tests/e2e/test_lifecycle.py). */
#include "util/common.h"
#include "harness.h"

#include "engine/engine.h"
#include "spec/spec.h"

static struct plan *one_change(bool sensitive)
{
	struct plan *p = xcalloc(1, sizeof(*p));
	p->stack = xstrdup("demo");
	strvec_init(&p->notes);
	p->v = xcalloc(1, sizeof(*p->v));
	p->n = p->alloc = 1;
	struct plan_change *c = &p->v[0];
	c->address = xstrdup("sub");
	c->type = xstrdup("AWS::SNS::Subscription");
	c->action = PA_REPLACE;
	strvec_init(&c->changed);
	strvec_init(&c->replace_paths);
	strvec_init(&c->unknown);
	strvec_push(&c->changed, "TopicArn");
	strvec_push(&c->replace_paths, "TopicArn");
	strvec_push(&c->unknown, "TopicArn");
	c->before = json_pack("{s:s, s:s}", "TopicArn", "arn:old", "Endpoint", "secret@example.com");
	c->after = json_pack("{s:o, s:s}", "TopicArn", value_unknown(), "Endpoint", "secret@example.com");
	c->sensitive = sensitive;
	c->spec_index = 0;
	p->nadd = p->ndestroy = 1;
	memset(p->live_fingerprint, 'a', 64);
	memset(p->changes_fingerprint, 'b', 64);
	return p;
}

TEST(plan_json_marks_unknowns_and_masks_secrets)
{
	struct plan *p = one_change(false);
	json_t *j = plan_to_json(p, "berth.yaml", NULL);
	CHECK_STR(json_string_value(json_object_get(j, "format")), "berth-plan");
	CHECK_INT(json_integer_value(json_object_get(j, "format_version")), 1);
	json_t *r = json_array_get(json_object_get(j, "resources"), 0);
	CHECK_STR(json_string_value(json_object_get(r, "action")), "replace");
	CHECK(json_is_null(json_object_get(json_object_get(r, "after"), "TopicArn")));
	CHECK_STR(json_string_value(json_array_get(json_object_get(r, "unknown"), 0)), "TopicArn");
	CHECK_STR(json_string_value(json_object_get(json_object_get(r, "after"), "Endpoint")),
		  "secret@example.com");
	CHECK_INT(json_integer_value(json_object_get(json_object_get(j, "summary"), "add")), 1);
	struct diags d = DIAGS_INIT;
	CHECK_INT(plan_file_check(j, &d), 0); /* what plan --out writes is what apply reads */
	diags_release(&d);
	json_decref(j);
	plan_free(p);

	p = one_change(true);
	j = plan_to_json(p, "berth.yaml", NULL);
	char *txt = json_dumps(j, 0);
	CHECK(strstr(txt, "secret@example.com") == NULL);
	CHECK(strstr(txt, "(sensitive)") != NULL);
	free(txt);
	json_decref(j);
	plan_free(p);
}

TEST(saved_plan_check)
{
	struct diags d = DIAGS_INIT;
	json_t *bad = json_pack("{s:s}", "format", "terraform");
	CHECK_INT(plan_file_check(bad, &d), BERTH_EINVAL);
	CHECK(strstr(d.items[0].summary, "not a berth plan file") != NULL);
	json_decref(bad);
	diags_release(&d);

	json_t *newer = json_pack("{s:s, s:i, s:s}", "format", "berth-plan", "format_version", 9,
				  "kind", "apply");
	CHECK_INT(plan_file_check(newer, &d), BERTH_EINVAL);
	CHECK(strstr(d.items[0].summary, "newer than this berth") != NULL);
	json_decref(newer);
	diags_release(&d);

	json_t *destroy = json_pack("{s:s, s:i, s:s}", "format", "berth-plan", "format_version", 1,
				    "kind", "destroy");
	CHECK_INT(plan_file_check(destroy, &d), BERTH_EINVAL);
	json_decref(destroy);
	diags_release(&d);

	json_t *good = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s}", "format", "berth-plan",
				 "format_version", 1, "kind", "apply", "stack", "demo",
				 "live_fingerprint", "x", "changes_fingerprint", "y");
	CHECK_INT(plan_file_check(good, &d), 0);
	json_decref(good);
	diags_release(&d);
}

TEST_MAIN()
