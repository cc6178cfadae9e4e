/* The plan as a versioned JSON document (docs/plan-json.md): what `berth
 * plan --json` prints and `--out FILE` saves. Secrets never reach it:
 * sensitive values are "(sensitive)", and only non-sensitive variables are
 * recorded. */
#include "util/common.h"
#include "engine/engine_int.h"

#define PLAN_FORMAT "berth-plan"
#define PLAN_FORMAT_VERSION 1

/* A copy with unknown markers replaced by null. */
static json_t *known_only(json_t *v)
{
	if (!v)
		return json_null();
	if (value_is_unknown(v))
		return json_null();
	if (json_is_object(v)) {
		json_t *o = json_object();
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x)
			json_object_set_new(o, k, known_only(x));
		return o;
	}
	if (json_is_array(v)) {
		json_t *a = json_array();
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
			json_array_append_new(a, known_only(x));
		return a;
	}
	return json_incref(v);
}

static json_t *strvec_json(const struct strvec *sv)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sv->n; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

static json_t *masked(const char *type, json_t *v, bool sensitive)
{
	if (!v)
		return json_null();
	json_t *m = engine_mask(type, v, sensitive);
	json_t *k = known_only(m);
	json_decref(m);
	return k;
}

json_t *plan_to_json(const struct plan *p, const char *spec_file, json_t *vars)
{
	json_t *res = json_array();
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_change *c = &p->v[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:o, s:o, s:o, s:o, s:o, s:b, s:s?, s:b}",
				      "address", c->address, "type", c->type, "action",
				      plan_action_name(c->action), "id", c->id, "reason", c->reason,
				      "changed", strvec_json(&c->changed), "replace_paths",
				      strvec_json(&c->replace_paths), "unknown", strvec_json(&c->unknown),
				      "before", masked(c->type, c->before, c->sensitive), "after",
				      masked(c->type, c->after, c->sensitive), "sensitive", c->sensitive,
				      "note", c->note, "excluded", c->excluded);
		if (c->action == PA_REPLACE)
			json_object_set_new(o, "create_before_destroy", json_boolean(c->cbd));
		if (c->adopt)
			json_object_set_new(o, "adopt", json_true());
		json_array_append_new(res, o);
	}
	json_t *drift = json_array();
	for (size_t i = 0; i < p->ndrift; i++) {
		const struct plan_drift *dr = &p->drift[i];
		json_array_append_new(drift, json_pack("{s:s, s:s, s:s, s:o, s:o}", "address", dr->address,
						       "type", dr->type, "what", dr->what, "before",
						       masked(dr->type, dr->before, dr->sensitive), "after",
						       masked(dr->type, dr->after, dr->sensitive)));
	}
	json_t *j = json_pack("{s:s, s:i, s:s, s:s, s:s?, s:O?, s:s, s:s, s:{s:I, s:I, s:I}, s:o, s:o, s:o}",
			 "format", PLAN_FORMAT, "format_version", PLAN_FORMAT_VERSION, "stack",
			 p->stack, "kind", p->destroy ? "destroy" : p->refresh_only ? "refresh-only" : "apply",
			 "spec", spec_file, "variables", vars, "live_fingerprint", p->live_fingerprint,
			 "changes_fingerprint", p->changes_fingerprint, "summary", "add",
			 (json_int_t)p->nadd, "change", (json_int_t)p->nchange, "destroy",
			 (json_int_t)p->ndestroy, "notes", strvec_json(&p->notes), "resources", res,
			 "drift", drift);
	json_object_set_new(j, "repos", strvec_json(&p->repos));
	json_object_set_new(j, "side_effects", strvec_json(&p->side_effects));
	return j;
}

int plan_file_check(json_t *saved, struct diags *d)
{
	const char *fmt = json_string_value(json_object_get(saved, "format"));
	json_t *ver = json_object_get(saved, "format_version");
	if (!fmt || strcmp(fmt, PLAN_FORMAT) || !json_is_integer(ver)) {
		diags_add(d, DIAG_ERROR, "not a berth plan file (no \"format\": \"%s\")", PLAN_FORMAT);
		return BERTH_EINVAL;
	}
	if (json_integer_value(ver) > PLAN_FORMAT_VERSION) {
		diags_add(d, DIAG_ERROR, "plan format version %lld is newer than this berth understands (%d)",
			  (long long)json_integer_value(ver), PLAN_FORMAT_VERSION);
		return BERTH_EINVAL;
	}
	const char *kind = json_string_value(json_object_get(saved, "kind"));
	if (!kind || strcmp(kind, "apply")) {
		diags_add(d, DIAG_ERROR, "this plan file is a %s plan; only apply plans can be applied",
			  kind ? kind : "unknown");
		return BERTH_EINVAL;
	}
	if (!json_is_string(json_object_get(saved, "live_fingerprint")) ||
	    !json_is_string(json_object_get(saved, "changes_fingerprint")) ||
	    !json_is_string(json_object_get(saved, "stack"))) {
		diags_add(d, DIAG_ERROR, "plan file lacks its stack or fingerprints");
		return BERTH_EINVAL;
	}
	return 0;
}
