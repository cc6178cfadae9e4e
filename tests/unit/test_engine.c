/* The engine end to end over fake in-memory types (fake_cloud.h): plan,
 * apply, update and replace, an instance the type must bring back before
 * any change (repair_reason, last_failure), destroy, an apply that crashed part way and
 * runs again, one whose create fails, a data entry read through the
 * registry, and the log groups AWS made for a removed instance (side
 * effects: deleted, kept when older or managed, a refused delete). No AWS,
 * no emulator, no Python:
 * the whole file runs in milliseconds. What the engine asked the cloud to
 * do is read from the fake's log of writes. */
#include "util/common.h"
#include "harness.h"

#include "engine/engine.h"
#include "fake_cloud.h"
#include "spec/spec.h"

static const char *const spec_net =
	"berth: 1\n"
	"stack: fake\n"
	"region: us-west-2\n"
	"resources:\n"
	"  net:\n"
	"    type: AWS::EC2::VPC\n"
	"    properties: { CidrBlock: 10.0.0.0/16 }\n"
	"  sub:\n"
	"    type: AWS::EC2::Subnet\n"
	"    properties: { VpcId: \"${net.VpcId}\", CidrBlock: 10.0.1.0/24 }\n"
	"  logs:\n"
	"    type: AWS::Logs::LogGroup\n"
	"    properties: { LogGroupName: /fake/app, RetentionInDays: 7 }\n";

/* spec_net with the log group's retention changed (in place) and the
 * subnet's CIDR changed (create-only: a replacement). */
static const char *const spec_net_changed =
	"berth: 1\n"
	"stack: fake\n"
	"region: us-west-2\n"
	"resources:\n"
	"  net:\n"
	"    type: AWS::EC2::VPC\n"
	"    properties: { CidrBlock: 10.0.0.0/16 }\n"
	"  sub:\n"
	"    type: AWS::EC2::Subnet\n"
	"    properties: { VpcId: \"${net.VpcId}\", CidrBlock: 10.0.2.0/24 }\n"
	"  logs:\n"
	"    type: AWS::Logs::LogGroup\n"
	"    properties: { LogGroupName: /fake/app, RetentionInDays: 14 }\n";

/* spec_net with the log group kept by destroy. */
static const char *const spec_retain =
	"berth: 1\n"
	"stack: fake\n"
	"region: us-west-2\n"
	"resources:\n"
	"  net:\n"
	"    type: AWS::EC2::VPC\n"
	"    properties: { CidrBlock: 10.0.0.0/16 }\n"
	"  sub:\n"
	"    type: AWS::EC2::Subnet\n"
	"    properties: { VpcId: \"${net.VpcId}\", CidrBlock: 10.0.1.0/24 }\n"
	"  logs:\n"
	"    type: AWS::Logs::LogGroup\n"
	"    retain: true\n"
	"    properties: { LogGroupName: /fake/app, RetentionInDays: 7 }\n";

/* Two independent branches and a log group. */
static const char *const spec_two =
	"berth: 1\n"
	"stack: fake\n"
	"region: us-west-2\n"
	"resources:\n"
	"  bad:\n"
	"    type: AWS::EC2::VPC\n"
	"    properties: { CidrBlock: 10.1.0.0/16 }\n"
	"  bad-sub:\n"
	"    type: AWS::EC2::Subnet\n"
	"    properties: { VpcId: \"${bad.VpcId}\", CidrBlock: 10.1.1.0/24 }\n"
	"  good:\n"
	"    type: AWS::EC2::VPC\n"
	"    properties: { CidrBlock: 10.2.0.0/16 }\n"
	"  good-sub:\n"
	"    type: AWS::EC2::Subnet\n"
	"    properties: { VpcId: \"${good.VpcId}\", CidrBlock: 10.2.1.0/24 }\n"
	"  logs:\n"
	"    type: AWS::Logs::LogGroup\n"
	"    properties: { LogGroupName: /fake/two }\n";

/* A data entry (read through the registry's data_read) feeding a resource. */
static const char *const spec_data =
	"berth: 1\n"
	"stack: fake\n"
	"region: us-west-2\n"
	"data:\n"
	"  cidr: { type: ssm_parameter, name: /fake/net/cidr }\n"
	"resources:\n"
	"  net:\n"
	"    type: AWS::EC2::VPC\n"
	"    properties: { CidrBlock: \"${data.cidr.value}\" }\n";

/* A cluster, whose Container Insights group AWS makes (a side effect). */
static const char *const spec_cluster =
	"berth: 1\n"
	"stack: fake\n"
	"region: us-west-2\n"
	"resources:\n"
	"  ci:\n"
	"    type: AWS::ECS::Cluster\n"
	"    properties: { ClusterName: fake-ci }\n"
	"  logs:\n"
	"    type: AWS::Logs::LogGroup\n"
	"    properties: { LogGroupName: /fake/app }\n";

/* spec_cluster without the cluster. */
static const char *const spec_no_cluster =
	"berth: 1\n"
	"stack: fake\n"
	"region: us-west-2\n"
	"resources:\n"
	"  logs:\n"
	"    type: AWS::Logs::LogGroup\n"
	"    properties: { LogGroupName: /fake/app }\n";

/* spec_no_cluster, and the stack takes over the cluster's group. */
static const char *const spec_manages_group =
	"berth: 1\n"
	"stack: fake\n"
	"region: us-west-2\n"
	"resources:\n"
	"  logs:\n"
	"    type: AWS::Logs::LogGroup\n"
	"    properties: { LogGroupName: /fake/app }\n"
	"  insights:\n"
	"    type: AWS::Logs::LogGroup\n"
	"    properties: { LogGroupName: /aws/ecs/containerinsights/fake-ci/performance }\n";

#define CI_GROUP "/aws/ecs/containerinsights/fake-ci/performance"

static void print_diags(const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  diag: %s%s%s\n", d->items[i].summary, d->items[i].detail ? ": " : "",
			d->items[i].detail ? d->items[i].detail : "");
}

/* One berth command's worth: the spec, an engine over the fake cloud,
 * refreshed. */
struct session {
	struct spec *spec;
	struct engine *e;
	struct diags d;
};

static void session_open_targets(struct session *s, struct fake_cloud *fc, const char *text,
				 const char *const *targets, size_t ntargets);

static void session_open(struct session *s, struct fake_cloud *fc, const char *text)
{
	session_open_targets(s, fc, text, NULL, 0);
}

/* With --target. */
static void session_open_targets(struct session *s, struct fake_cloud *fc, const char *text,
				 const char *const *targets, size_t ntargets)
{
	memset(s, 0, sizeof(*s));
	struct spec_options so = { .path = "berth.yaml", .text = text, .text_len = strlen(text) };
	int err = spec_load(&so, &s->spec, &s->d);
	if (err)
		print_diags(&s->d);
	CHECK_INT(err, 0);
	struct engine_opts o = { 0 };
	o.types = fake_registry();
	o.spec = s->spec;
	o.cancel = &fc->cancel;
	o.plan_reads = true;
	o.wait_timeout_ms = 5000;
	o.retry_timeout_ms = 300;
	o.targets = targets;
	o.ntargets = ntargets;
	err = engine_new(&s->e, &o, &s->d);
	if (!err)
		err = engine_refresh(s->e, &s->d);
	if (err)
		print_diags(&s->d);
	CHECK_INT(err, 0);
}

static void session_close(struct session *s)
{
	engine_free(s->e);
	spec_free(s->spec);
	diags_release(&s->d);
}

static struct plan *plan_of(struct session *s)
{
	struct plan *p = NULL;
	int err = engine_plan(s->e, false, &p, &s->d);
	if (err)
		print_diags(&s->d);
	CHECK_INT(err, 0);
	return p;
}

static const struct plan_change *change_of(const struct plan *p, const char *address)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].address, address))
			return &p->v[i];
	return NULL;
}

static long index_of(const struct plan *p, const char *address)
{
	const struct plan_change *c = change_of(p, address);
	return c ? (long)(c - p->v) : -1;
}

static const struct op_result *op_of(const struct run_result *r, const char *address)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].address, address))
			return &r->v[i];
	return NULL;
}

/* plan + apply in one session; the apply's status. */
static int plan_and_apply(struct fake_cloud *fc, const char *text, struct run_result *out)
{
	struct session s;
	session_open(&s, fc, text);
	struct plan *p = plan_of(&s);
	int err = engine_apply(s.e, p, out, &s.d);
	plan_free(p);
	session_close(&s);
	return err;
}

/* Whether a fresh plan of `text` over the cloud shows any change. */
static bool has_changes(struct fake_cloud *fc, const char *text)
{
	struct session s;
	session_open(&s, fc, text);
	struct plan *p = plan_of(&s);
	bool changes = plan_has_changes(p);
	for (size_t i = 0; changes && i < p->n; i++)
		if (p->v[i].action != PA_NOOP)
			fprintf(stderr, "  still planned: %s %s\n", plan_action_name(p->v[i].action),
				p->v[i].address);
	plan_free(p);
	session_close(&s);
	return changes;
}

TEST(plan_creates_in_dependency_order_then_apply_converges)
{
	struct fake_cloud fc;
	fake_cloud_new(&fc);
	struct session s;
	session_open(&s, &fc, spec_net);
	struct plan *p = plan_of(&s);
	CHECK_INT(p->n, 3);
	CHECK_INT(p->nadd, 3);
	CHECK_INT(p->nchange + p->ndestroy, 0);
	for (size_t i = 0; i < p->n; i++)
		CHECK_INT(p->v[i].action, PA_CREATE);
	CHECK(index_of(p, "net") < index_of(p, "sub"));
	/* The subnet's VPC id is known only once the VPC exists. */
	CHECK(strvec_find(&change_of(p, "sub")->unknown, "VpcId") >= 0);
	CHECK_INT(fake_count(&fc, "create", NULL), 0); /* plan changes nothing */

	struct run_result r;
	int err = engine_apply(s.e, p, &r, &s.d);
	if (err)
		print_diags(&s.d);
	CHECK_INT(err, 0);
	CHECK_INT(r.done, 3);
	CHECK_INT(r.failed + r.skipped + r.canceled, 0);
	run_result_release(&r);
	plan_free(p);
	session_close(&s);

	CHECK_INT(fake_instances(&fc, "net"), 1);
	CHECK_INT(fake_instances(&fc, "sub"), 1);
	CHECK_INT(fake_instances(&fc, "logs"), 1);
	/* The subnet was made after the VPC, with its id. */
	CHECK(fake_log_index(&fc, "create", "net") < fake_log_index(&fc, "create", "sub"));
	/* After apply, the next plan has nothing to do. */
	CHECK(!has_changes(&fc, spec_net));
	fake_cloud_free(&fc);
}

TEST(update_in_place_and_replace)
{
	struct fake_cloud fc;
	fake_cloud_new(&fc);
	struct run_result r;
	CHECK_INT(plan_and_apply(&fc, spec_net, &r), 0);
	run_result_release(&r);

	struct session s;
	session_open(&s, &fc, spec_net_changed);
	struct plan *p = plan_of(&s);
	CHECK_INT(change_of(p, "net")->action, PA_NOOP);
	const struct plan_change *lg = change_of(p, "logs");
	CHECK_INT(lg->action, PA_UPDATE);
	CHECK_INT(lg->changed.n, 1);
	CHECK_STR(lg->changed.v[0], "RetentionInDays");
	const struct plan_change *sub = change_of(p, "sub");
	CHECK_INT(sub->action, PA_REPLACE);
	CHECK_STR(sub->reason, "CidrBlock cannot change in place: forces replacement");
	CHECK_INT(p->nadd, 1);
	CHECK_INT(p->nchange, 1);
	CHECK_INT(p->ndestroy, 1);
	int err = engine_apply(s.e, p, &r, &s.d);
	if (err)
		print_diags(&s.d);
	CHECK_INT(err, 0);
	run_result_release(&r);
	plan_free(p);
	session_close(&s);

	CHECK_INT(fake_count(&fc, "update", "logs"), 1);
	CHECK_INT(fake_count(&fc, "update", "sub"), 0);
	/* Replaced: the old subnet went first (its CIDR is taken until then). */
	CHECK_INT(fake_count(&fc, "create", "sub"), 2);
	CHECK_INT(fake_count(&fc, "delete", "sub"), 1);
	long last_create = -1;
	for (size_t i = 0; i < fc.log.n; i++)
		if (!strcmp(fc.log.v[i], "create sub"))
			last_create = (long)i;
	CHECK(fake_log_index(&fc, "delete", "sub") < last_create);
	CHECK_INT(fake_instances(&fc, "sub"), 1);
	CHECK(!has_changes(&fc, spec_net_changed));
	fake_cloud_free(&fc);
}

TEST(repair_is_planned_and_applied_even_without_a_diff)
{
	struct fake_cloud fc;
	fake_cloud_new(&fc);
	struct run_result r;
	CHECK_INT(plan_and_apply(&fc, spec_net, &r), 0);
	run_result_release(&r);

	/* The type says the instance must be brought back (a stack in
	 * UPDATE_ROLLBACK_FAILED): an update with that reason, though the
	 * spec and the instance agree. */
	fake_set_state(&fc, "logs", "stuck: bring it back, then update", NULL);
	struct session s;
	session_open(&s, &fc, spec_net);
	struct plan *p = plan_of(&s);
	const struct plan_change *lg = change_of(p, "logs");
	CHECK_INT(lg->action, PA_UPDATE);
	CHECK_INT(lg->changed.n, 0);
	CHECK_STR(lg->reason, "stuck: bring it back, then update");
	CHECK_INT(p->nchange, 1);
	CHECK_INT(change_of(p, "net")->action, PA_NOOP);
	int err = engine_apply(s.e, p, &r, &s.d);
	if (err)
		print_diags(&s.d);
	CHECK_INT(err, 0);
	CHECK_INT(r.done, 1);
	run_result_release(&r);
	plan_free(p);
	session_close(&s);
	CHECK_INT(fake_count(&fc, "update", "logs"), 1); /* with no changed property */
	CHECK(!has_changes(&fc, spec_net));

	/* Why the last change failed only annotates an update: it forces none. */
	fake_set_state(&fc, "logs", NULL, "its last update failed");
	CHECK(!has_changes(&fc, spec_net));
	session_open(&s, &fc, spec_net_changed);
	p = plan_of(&s);
	lg = change_of(p, "logs");
	CHECK_INT(lg->action, PA_UPDATE);
	CHECK_STR(lg->reason, "its last update failed");
	plan_free(p);
	session_close(&s);
	fake_cloud_free(&fc);
}

TEST(destroy_walks_backwards_and_leaves_nothing)
{
	struct fake_cloud fc;
	fake_cloud_new(&fc);
	struct run_result r;
	CHECK_INT(plan_and_apply(&fc, spec_net, &r), 0);
	run_result_release(&r);

	struct session s;
	session_open(&s, &fc, spec_net);
	struct plan *p = NULL;
	CHECK_INT(engine_plan_destroy(s.e, &p, &s.d), 0);
	CHECK_INT(p->ndestroy, 3);
	CHECK_INT(p->nadd + p->nchange, 0);
	int err = engine_destroy(s.e, p, &r, &s.d);
	if (err)
		print_diags(&s.d);
	for (size_t i = 0; i < r.remaining.n; i++)
		fprintf(stderr, "  remaining: %s\n", r.remaining.v[i]);
	CHECK_INT(err, 0);
	CHECK_INT(r.done, 3);
	CHECK_INT(r.remaining.n, 0);
	CHECK_INT(r.swept, 0); /* the walk deleted everything; the sweep found nothing */
	run_result_release(&r);
	plan_free(p);
	session_close(&s);

	/* The subnet before its VPC (the fake, as EC2, refuses the reverse). */
	CHECK(fake_log_index(&fc, "delete", "sub") >= 0);
	CHECK(fake_log_index(&fc, "delete", "sub") < fake_log_index(&fc, "delete", "net"));
	CHECK_INT(fake_count(&fc, "delete", "net"), 1);
	CHECK_INT(json_object_size(fc.objs), 0);
	fake_cloud_free(&fc);
}

TEST(partial_failure_skips_only_dependents)
{
	struct fake_cloud fc;
	fake_cloud_new(&fc);
	strvec_push(&fc.refuse_create, "bad");
	struct run_result r;
	CHECK_INT(plan_and_apply(&fc, spec_two, &r), BERTH_ERROR);
	const struct op_result *bad = op_of(&r, "bad"), *bad_sub = op_of(&r, "bad-sub");
	CHECK(bad && bad_sub);
	CHECK_INT(bad->outcome, OP_FAILED);
	CHECK(bad->diags.n > 0);
	CHECK_STR(bad->diags.items[0].summary, "fake: bad refused");
	CHECK_STR(bad->diags.items[0].address, "bad");
	CHECK_INT(bad_sub->outcome, OP_SKIPPED);
	CHECK_STR(bad_sub->cause, "bad");
	CHECK_INT(op_of(&r, "good")->outcome, OP_DONE);
	CHECK_INT(op_of(&r, "good-sub")->outcome, OP_DONE);
	CHECK_INT(op_of(&r, "logs")->outcome, OP_DONE);
	CHECK_INT(r.done, 3);
	CHECK_INT(r.failed, 1);
	CHECK_INT(r.skipped, 1);
	run_result_release(&r);
	/* What depends on the failure was not attempted. */
	CHECK_INT(fake_count(&fc, "create", "bad-sub"), 0);
	CHECK_INT(fake_instances(&fc, "bad"), 0);

	/* The next plan sees exactly what is missing. */
	struct session s;
	session_open(&s, &fc, spec_two);
	struct plan *p = plan_of(&s);
	CHECK_INT(p->nadd, 2);
	CHECK_INT(p->nchange + p->ndestroy, 0);
	CHECK_INT(change_of(p, "bad")->action, PA_CREATE);
	CHECK_INT(change_of(p, "bad-sub")->action, PA_CREATE);
	CHECK_INT(change_of(p, "good-sub")->action, PA_NOOP);
	plan_free(p);
	session_close(&s);

	/* Once AWS accepts it, apply finishes the rest. */
	strvec_clear(&fc.refuse_create);
	CHECK_INT(plan_and_apply(&fc, spec_two, &r), 0);
	CHECK_INT(r.done, 2);
	run_result_release(&r);
	CHECK_INT(fake_count(&fc, "create", "good"), 1);
	CHECK_INT(fake_instances(&fc, "bad-sub"), 1);
	CHECK(!has_changes(&fc, spec_two));
	fake_cloud_free(&fc);
}

TEST(crash_mid_apply_then_rerun_finishes_without_duplicates)
{
	struct fake_cloud fc;
	fake_cloud_new(&fc);
	/* The VPC is made, but berth never hears back and stops there. */
	strvec_push(&fc.lose_create, "net");
	struct run_result r;
	int err = plan_and_apply(&fc, spec_net, &r);
	CHECK(err == BERTH_ECANCELED || err == BERTH_ERROR);
	CHECK_INT(op_of(&r, "net")->outcome, OP_FAILED);
	CHECK(op_of(&r, "sub")->outcome != OP_DONE);
	run_result_release(&r);
	CHECK_INT(fake_instances(&fc, "net"), 1);
	CHECK_INT(fake_instances(&fc, "sub"), 0);

	/* Run again: the VPC is found by its tags, not made twice. */
	strvec_clear(&fc.lose_create);
	atomic_store(&fc.cancel, 0);
	struct session s;
	session_open(&s, &fc, spec_net);
	struct plan *p = plan_of(&s);
	CHECK_INT(change_of(p, "net")->action, PA_NOOP);
	CHECK_INT(change_of(p, "sub")->action, PA_CREATE);
	err = engine_apply(s.e, p, &r, &s.d);
	if (err)
		print_diags(&s.d);
	CHECK_INT(err, 0);
	run_result_release(&r);
	plan_free(p);
	session_close(&s);

	CHECK_INT(fake_count(&fc, "create", "net"), 1);
	CHECK_INT(fake_count(&fc, "create", "sub"), 1);
	CHECK_INT(fake_instances(&fc, "net"), 1);
	CHECK_INT(fake_instances(&fc, "sub"), 1);
	CHECK_INT(fake_instances(&fc, "logs"), 1);
	CHECK(!has_changes(&fc, spec_net));
	fake_cloud_free(&fc);
}

TEST(destroy_releases_what_the_spec_retains)
{
	struct fake_cloud fc;
	fake_cloud_new(&fc);
	struct run_result r;
	CHECK_INT(plan_and_apply(&fc, spec_retain, &r), 0);
	run_result_release(&r);

	struct session s;
	session_open(&s, &fc, spec_retain);
	struct plan *p = NULL;
	CHECK_INT(engine_plan_destroy(s.e, &p, &s.d), 0);
	CHECK_INT(change_of(p, "logs")->action, PA_FORGET);
	CHECK_INT(p->ndestroy, 2);
	int err = engine_destroy(s.e, p, &r, &s.d);
	if (err)
		print_diags(&s.d);
	CHECK_INT(err, 0);
	CHECK_INT(r.retained.n, 1);
	CHECK_STR(r.retained.v[0], "logs (AWS::Logs::LogGroup)");
	run_result_release(&r);
	plan_free(p);
	session_close(&s);

	/* Left in AWS, no longer the stack's: berth's tags are gone. */
	CHECK_INT(fake_count(&fc, "delete", "logs"), 0);
	CHECK_INT(json_object_size(fc.objs), 1);
	json_t *tags = json_object_get(json_object_get(fc.objs, "arn:aws:logs:us-west-2:123456789012:log-group:/fake/app"), "tags");
	CHECK(tags != NULL);
	CHECK(json_object_get(tags, "berth:stack") == NULL);
	CHECK(json_object_get(tags, "berth:id") == NULL);
	fake_cloud_free(&fc);
}

TEST(target_plans_its_dependencies_and_leaves_the_rest)
{
	struct fake_cloud fc;
	fake_cloud_new(&fc);
	static const char *const targets[] = { "sub" };
	struct session s;
	session_open_targets(&s, &fc, spec_net, targets, 1);
	struct plan *p = plan_of(&s);
	CHECK(!change_of(p, "sub")->excluded);
	CHECK(!change_of(p, "net")->excluded);
	CHECK(change_of(p, "logs")->excluded);
	CHECK_INT(p->nadd, 2);
	CHECK_STR(p->notes.v[0], "--target: also planning its dependencies: net");
	struct run_result r;
	CHECK_INT(engine_apply(s.e, p, &r, &s.d), 0);
	run_result_release(&r);
	plan_free(p);
	session_close(&s);
	CHECK_INT(fake_instances(&fc, "sub"), 1);
	CHECK_INT(fake_count(&fc, "create", "logs"), 0);
	fake_cloud_free(&fc);
}

TEST(data_entry_is_read_through_the_registry)
{
	struct fake_cloud fc;
	fake_cloud_new(&fc);
	json_object_set_new(fc.params, "/fake/net/cidr", json_string("10.7.0.0/16"));
	struct session s;
	session_open(&s, &fc, spec_data);
	struct plan *p = plan_of(&s);
	CHECK_INT(fake_count(&fc, "read-data", "/fake/net/cidr"), 1);
	const struct plan_change *net = change_of(p, "net");
	CHECK_INT(net->action, PA_CREATE);
	CHECK_STR(json_string_value(json_object_get(net->after, "CidrBlock")), "10.7.0.0/16");
	struct run_result r;
	CHECK_INT(engine_apply(s.e, p, &r, &s.d), 0);
	run_result_release(&r);
	plan_free(p);
	session_close(&s);
	json_t *vpc = json_object_get(fc.objs, "arn:aws:ec2:us-west-2:123456789012:vpc/vpc-000001");
	CHECK_STR(json_string_value(json_object_get(json_object_get(vpc, "props"), "CidrBlock")),
		  "10.7.0.0/16");
	CHECK(!has_changes(&fc, spec_data));
	fake_cloud_free(&fc);
}

TEST(data_entry_not_found_fails_the_plan_at_its_place)
{
	struct fake_cloud fc;
	fake_cloud_new(&fc);
	struct session s;
	session_open(&s, &fc, spec_data);
	struct plan *p = NULL;
	CHECK_INT(engine_plan(s.e, false, &p, &s.d), BERTH_ENOTFOUND);
	CHECK(p == NULL);
	/* The reader's message and the engine's, both at data.cidr's place. */
	CHECK_INT(s.d.n, 2);
	CHECK_STR(s.d.items[0].summary, "fake: SSM parameter /fake/net/cidr does not exist");
	CHECK_STR(s.d.items[1].summary, "lookup failed");
	for (size_t i = 0; i < s.d.n; i++) {
		CHECK_STR(s.d.items[i].address, "data.cidr");
		CHECK_STR(s.d.items[i].file, "berth.yaml");
		CHECK_INT(s.d.items[i].line, 5);
	}
	session_close(&s);
	CHECK_INT(fake_count(&fc, "create", NULL), 0);
	fake_cloud_free(&fc);
}

/* Applies spec_cluster, then has "AWS" make the cluster's group at
 * group_ms (0: now). */
static void cluster_with_group(struct fake_cloud *fc, long long group_offset_ms)
{
	struct run_result r;
	CHECK_INT(plan_and_apply(fc, spec_cluster, &r), 0);
	run_result_release(&r);
	CHECK_INT(fake_instances(fc, "ci"), 1);
	long long now = (long long)time(NULL) * 1000;
	json_object_set_new(fc->groups, CI_GROUP, json_integer(now + group_offset_ms));
}

TEST(side_effect_group_goes_with_its_cluster)
{
	struct fake_cloud fc;
	fake_cloud_new(&fc);
	cluster_with_group(&fc, 1000);
	struct session s;
	session_open(&s, &fc, spec_no_cluster);
	struct plan *p = plan_of(&s);
	CHECK_INT(change_of(p, "ci")->action, PA_DELETE);
	CHECK_INT(p->side_effects.n, 1);
	CHECK_STR(p->side_effects.v[0], CI_GROUP " (AWS made it for ci)");
	CHECK_INT(fake_count(&fc, "delete-group", NULL), 0); /* plan deletes nothing */
	struct run_result r;
	int err = engine_apply(s.e, p, &r, &s.d);
	if (err)
		print_diags(&s.d);
	CHECK_INT(err, 0);
	CHECK_INT(r.failed, 0);
	run_result_release(&r);
	plan_free(p);
	session_close(&s);
	/* After the cluster, not before it. */
	CHECK_INT(fake_count(&fc, "delete-group", CI_GROUP), 1);
	CHECK(fake_log_index(&fc, "delete", "ci") < fake_log_index(&fc, "delete-group", CI_GROUP));
	CHECK(json_object_get(fc.groups, CI_GROUP) == NULL);
	/* The stack's own log group stays. */
	CHECK_INT(fake_instances(&fc, "logs"), 1);
	fake_cloud_free(&fc);
}

TEST(side_effect_group_older_than_its_cause_is_kept)
{
	struct fake_cloud fc;
	fake_cloud_new(&fc);
	/* Made an hour before the cluster: not AWS's doing for it. */
	cluster_with_group(&fc, -3600 * 1000LL);
	struct session s;
	session_open(&s, &fc, spec_no_cluster);
	struct plan *p = plan_of(&s);
	CHECK_INT(p->side_effects.n, 0);
	bool noted = false;
	for (size_t i = 0; i < s.d.n; i++)
		noted |= s.d.items[i].severity == DIAG_NOTE &&
			 !strcmp(s.d.items[i].summary, "log group " CI_GROUP " predates ci: kept");
	CHECK(noted);
	struct run_result r;
	CHECK_INT(engine_apply(s.e, p, &r, &s.d), 0);
	run_result_release(&r);
	plan_free(p);
	session_close(&s);
	CHECK_INT(fake_count(&fc, "delete", "ci"), 1);
	CHECK_INT(fake_count(&fc, "delete-group", NULL), 0);
	CHECK(json_object_get(fc.groups, CI_GROUP) != NULL);
	fake_cloud_free(&fc);
}

TEST(side_effect_group_the_spec_manages_is_kept)
{
	struct fake_cloud fc;
	fake_cloud_new(&fc);
	cluster_with_group(&fc, 1000);
	/* The spec now names the group itself: it is the stack's to keep. */
	json_object_del(fc.groups, CI_GROUP);
	struct session s;
	session_open(&s, &fc, spec_manages_group);
	struct plan *p = plan_of(&s);
	CHECK_INT(change_of(p, "ci")->action, PA_DELETE);
	CHECK_INT(change_of(p, "insights")->action, PA_CREATE);
	CHECK_INT(p->side_effects.n, 0);
	struct run_result r;
	CHECK_INT(engine_apply(s.e, p, &r, &s.d), 0);
	run_result_release(&r);
	plan_free(p);
	session_close(&s);
	CHECK_INT(fake_count(&fc, "delete-group", NULL), 0);
	CHECK_INT(fake_instances(&fc, "insights"), 1);
	fake_cloud_free(&fc);
}

TEST(side_effect_group_refused_fails_the_run)
{
	struct fake_cloud fc;
	fake_cloud_new(&fc);
	cluster_with_group(&fc, 1000);
	strvec_push(&fc.refuse_delete_group, CI_GROUP);
	struct session s;
	session_open(&s, &fc, spec_cluster);
	struct plan *p = NULL;
	CHECK_INT(engine_plan_destroy(s.e, &p, &s.d), 0);
	CHECK_INT(p->side_effects.n, 1);
	struct run_result r;
	CHECK_INT(engine_destroy(s.e, p, &r, &s.d), BERTH_ERROR);
	const struct op_result *o = op_of(&r, "log group " CI_GROUP);
	CHECK(o != NULL);
	CHECK_INT(o->outcome, OP_FAILED);
	CHECK_STR(o->type, "AWS::Logs::LogGroup");
	CHECK_INT(r.failed, 1);
	CHECK_INT(r.remaining.n, 1);
	CHECK_STR(r.remaining.v[0], "log group " CI_GROUP " (made by AWS for ci): fake: deleting "
				    CI_GROUP " refused");
	run_result_release(&r);
	plan_free(p);
	session_close(&s);
	CHECK_INT(fake_count(&fc, "delete-group", CI_GROUP), 1);
	CHECK(json_object_get(fc.groups, CI_GROUP) != NULL);
	fake_cloud_free(&fc);
}

/* Four log groups whose names the spec gives: before it promises to create
 * them, plan asks whether each name is taken, and those looks (one round
 * trip each) run side by side, not one after another. */
TEST(plan_looks_up_the_names_it_would_create_side_by_side)
{
	static const char *const spec_names =
		"berth: 1\n"
		"stack: fake\n"
		"region: us-west-2\n"
		"resources:\n"
		"  a: { type: AWS::Logs::LogGroup, properties: { LogGroupName: /fake/a } }\n"
		"  b: { type: AWS::Logs::LogGroup, properties: { LogGroupName: /fake/b } }\n"
		"  c: { type: AWS::Logs::LogGroup, properties: { LogGroupName: /fake/c } }\n"
		"  d: { type: AWS::Logs::LogGroup, properties: { LogGroupName: /fake/d } }\n";
	struct fake_cloud fc;
	fake_cloud_new(&fc);
	struct session s;
	session_open(&s, &fc, spec_names);
	fc.read_delay_ms = 50;
	atomic_store(&fc.most_reading, 0);
	struct plan *p = plan_of(&s);
	CHECK(atomic_load(&fc.most_reading) >= 2);
	CHECK_INT(change_of(p, "d")->action, PA_CREATE);
	plan_free(p);
	session_close(&s);
	fake_cloud_free(&fc);
}

TEST(engine_needs_a_registry)
{
	struct engine *e = NULL;
	struct engine_opts o = { 0 };
	struct diags d = DIAGS_INIT;
	CHECK_INT(engine_new(&e, &o, &d), BERTH_EINVAL);
	CHECK(e == NULL);
	diags_release(&d);
}

TEST_MAIN()
