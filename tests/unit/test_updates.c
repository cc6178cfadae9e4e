/* rtype.updates against each type's own update, over the emulator: plan
 * promises an in-place change only for what `updates` claims, so for every
 * type with an update and every property the schema lets change (not
 * read-only, write-only or create-only, not the tags, not refused by
 * schema/support.c):
 *
 * - claimed: update(prop) gets past its "cannot change in place" guard to
 *   the API (it calls AWS, or succeeds): apply does what plan promised;
 * - not claimed: update(prop) refuses with that guard before any call, so
 *   the claim is not narrower than the code, and plan's replacement never
 *   stands for something berth could have changed in place (replacing a log
 *   group deletes its logs).
 *
 * The instance does not exist: each call AWS answers is "not found", which
 * is fine, since only the way to the call is tested; waits are cut short
 * (cancel set). The values are the simplest of each property's schema
 * shape, in a desired state whose other properties are the minimum each
 * update reads first (a stack's template). */
#include "util/common.h"
#include "harness.h"

#include "aws/client.h"
#include "resources/resource.h"
#include "schema/schema.h"
#include "util/diag.h"

#include "unit/server.h"

#include <curl/curl.h>
#include <stdatomic.h>

struct fixture {
	struct test_server emu;
	struct aws_client *aws;
};

/* Starts the emulator on a free port of 127.0.0.1 and a client for it. */
static void fixture_start(struct fixture *fx)
{
	memset(fx, 0, sizeof(*fx));
	setenv("BERTH_EMULATOR_DELAY", "0", 1);
	test_emulator_start(&fx->emu);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_aws_env();
	struct aws_client_config cfg = { 0 };
	cfg.region = "us-west-2";
	cfg.max_attempts = 1;
	cfg.endpoint_url = fx->emu.url;
	struct diags d = DIAGS_INIT;
	if (aws_client_new(&fx->aws, &cfg, &d) < 0)
		abort();
	diags_release(&d);
}

static void fixture_release(struct fixture *fx)
{
	aws_client_free(fx->aws);
	test_server_stop(&fx->emu);
	curl_global_cleanup();
}

/* The simplest value of a shape (new reference). */
static json_t *sample(const struct schema_shape *s)
{
	if (!s)
		return json_string("x");
	switch (s->kind) {
	case SK_STRING:
		return json_string(s->nenum ? s->enum_values[0] : "x");
	case SK_INTEGER:
	case SK_NUMBER:
		return json_integer(s->has_min && s->min > 1 ? (json_int_t)s->min : 1);
	case SK_BOOLEAN:
		return json_true();
	case SK_ARRAY:
		return json_pack("[o]", sample(s->items));
	case SK_OBJECT: {
		json_t *o = json_object();
		for (size_t i = 0; i < s->nprops; i++)
			if (s->props[i].flags & SP_REQUIRED)
				json_object_set_new(o, s->props[i].name, sample(s->props[i].shape));
		return o;
	}
	default:
		return json_object();
	}
}

/* What a type's update reads before it looks at the changed properties:
 * the required properties, and what schema/needs.c asks beside them (a
 * route's destination, a stack's template). New object. */
static json_t *base_desired(const struct schema_resource *sch)
{
	json_t *o = json_object();
	for (size_t i = 0; i < sch->shape->nprops; i++) {
		const struct schema_prop *p = &sch->shape->props[i];
		if (p->flags & SP_REQUIRED)
			json_object_set_new(o, p->name, sample(p->shape));
	}
	if (!strcmp(sch->type_name, "AWS::CloudFormation::Stack"))
		json_object_set_new(o, "TemplateBody", json_string("{\"Resources\": {}}"));
	if (!strcmp(sch->type_name, "AWS::EC2::Route"))
		json_object_set_new(o, "DestinationCidrBlock", json_string("10.9.0.0/16"));
	if (!strcmp(sch->type_name, "AWS::IAM::Policy"))
		json_object_set_new(o, "Roles", json_pack("[s]", "x"));
	if (!strcmp(sch->type_name, "AWS::EC2::Subnet"))
		json_object_set_new(o, "CidrBlock", json_string("10.9.0.0/24"));
	return o;
}

/* An id of the form the type's update parses: a Grafana object's is
 * WORKSPACE|UID. */
static const char *missing_id(const char *type)
{
	return !strncmp(type, "Berth::Grafana::", 16) ? "g-missing|missing" : "updates-missing";
}

/* A property's value where the simplest of its shape does not pass the
 * type's checks (a rule needs its one peer), else NULL. New reference. */
static json_t *sample_of(const char *type, const char *prop)
{
	static const struct {
		const char *type, *prop, *json;
	} given[] = {
		{ "AWS::EC2::SecurityGroup", "SecurityGroupEgress",
		  "[{\"IpProtocol\": \"tcp\", \"FromPort\": 80, \"ToPort\": 80, "
		  "\"CidrIp\": \"0.0.0.0/0\"}]" },
		{ "AWS::EC2::SecurityGroup", "SecurityGroupIngress",
		  "[{\"IpProtocol\": \"tcp\", \"FromPort\": 80, \"ToPort\": 80, "
		  "\"CidrIp\": \"0.0.0.0/0\"}]" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(given); i++)
		if (!strcmp(given[i].type, type) && !strcmp(given[i].prop, prop))
			return json_loads(given[i].json, 0, NULL);
	return NULL;
}

/* Whether any diagnostic is update's "cannot change in place" guard. */
static bool said_in_place(const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->items[i].summary && strstr(d->items[i].summary, "in place"))
			return true;
	return false;
}

TEST(updates_claims_what_update_does)
{
	struct fixture fx;
	fixture_start(&fx);
	struct rt_calls calls;
	rt_calls_init(&calls);
	atomic_int cancel = 1;
	struct rt_ctx ctx = { .aws = fx.aws, .stack = "updates", .calls = &calls,
			      .cancel = &cancel, .account = "123456789012",
			      .partition = "aws", .wait_timeout_ms = 1 };
	size_t ntypes, checked = 0, refused = 0, failed = 0;
	const struct rtype *const *all = rtype_all(&ntypes);
	for (size_t t = 0; t < ntypes; t++) {
		const struct rtype *rt = all[t];
		const struct schema_resource *sch = schema_find(rt->type_name);
		if (!rt->update || !sch)
			continue;
		for (size_t i = 0; i < sch->shape->nprops; i++) {
			const struct schema_prop *p = &sch->shape->props[i];
			if (p->flags & (SP_READ_ONLY | SP_WRITE_ONLY | SP_CREATE_ONLY |
					SP_COND_CREATE_ONLY))
				continue;
			if (sch->tags_property && !strcmp(p->name, sch->tags_property))
				continue;
			json_t *value = sample_of(rt->type_name, p->name);
			if (!value)
				value = sample(p->shape);
			const char *hint;
			if (schema_unsupported(rt->type_name, p->name, value, &hint)) {
				json_decref(value);
				continue;
			}
			json_t *desired = base_desired(sch);
			json_object_set_new(desired, p->name, value);
			struct live_resource cur = { .type = rt->type_name, .address = "x",
						     .id = (char *)missing_id(rt->type_name),
						     .arn = "arn:aws:iam::123456789012:x/missing",
						     .props = json_object(), .tags = json_object() };
			const char *changed[] = { p->name };
			struct diags d = DIAGS_INIT;
			long before = calls.total;
			int err = rt->update(&ctx, &cur, desired, changed, 1, &d);
			bool claims = !rt->updates || rt->updates(p->name);
			bool guard = said_in_place(&d), called = calls.total > before;
			bool ok = claims ? !guard && (called || !err) : guard && !called && err;
			failed += !ok;
			if (!ok)
				fprintf(stderr, "  %s %s: claimed %d, guard %d, calls %d, err %d: %s\n",
					rt->type_name, p->name, claims, guard, called, err,
					d.n ? d.items[0].summary : "");
			checked++;
			refused += !claims;
			diags_release(&d);
			json_decref(cur.props);
			json_decref(cur.tags);
			json_decref(desired);
		}
	}
	rt_calls_release(&calls);
	fixture_release(&fx);
	CHECK(failed == 0);
	/* The walk did walk: every type, and some of them refuse. */
	CHECK(checked > 100);
	CHECK(refused > 5);
}

TEST_MAIN()
