/* AWS::ECS::Service over the ECS API.
 *
 * Refresh: the tagging API lists the stack's service ARNs, which name their
 * cluster (service/CLUSTER/NAME); DescribeServices then takes ten of one
 * cluster a call, tags included. The physical id is the service ARN.
 *
 * Creates and updates wait until the service is stable: its PRIMARY
 * deployment COMPLETED (one deployment left) and runningCount equal to
 * desiredCount; a FAILED rollout is an error with ECS's latest events.
 * Delete scales to zero, waits for the tasks to stop (their ENIs hold the
 * subnets and security groups), deletes, and waits for INACTIVE.
 *
 * ECS fills in defaults (deployment percentages, a disabled circuit
 * breaker, AssignPublicIp DISABLED, the ECS deployment controller);
 * canonical() drops them on both sides so the plan after an apply is
 * empty. */
#include "util/common.h"
#include "resources/resource.h"
#include "resources/propagation.h"

#include "resources/typeutil.h"
#include "util/value.h"
#include "util/buf.h"

#define SERVICE_NAME_MAX 255
#define STABLE_TIMEOUT_MS (30L * 60 * 1000)
#define DRAIN_TIMEOUT_MS (15L * 60 * 1000)

static const char *const gone_codes[] = { "ServiceNotFoundException", "ServiceNotActiveException",
					  "ClusterNotFoundException", NULL };

/* "arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME" */
static int owns_arn(const char *arn)
{
	return strstr(arn, ":ecs:") && strstr(arn, ":service/");
}

/* The cluster name in a service ARN (new string), or NULL for the old
 * form without one. */
static char *cluster_of_arn(const char *arn)
{
	const char *p = strstr(arn, ":service/");
	if (!p)
		return NULL;
	p += strlen(":service/");
	const char *slash = strchr(p, '/');
	return slash ? xstrndup(p, (size_t)(slash - p)) : NULL;
}

/* A cluster given as an ARN or a name, as its name. */
static const char *cluster_name(const char *ref)
{
	const char *p = ref ? strstr(ref, ":cluster/") : NULL;
	return p ? p + strlen(":cluster/") : ref;
}

static bool str_is(json_t *o, const char *name, const char *value)
{
	const char *s = json_string_value(json_object_get(o, name));
	return s && !strcmp(s, value);
}

static bool num_is(json_t *o, const char *name, long long x)
{
	return json_object_get(o, name) && !value_is_unknown(json_object_get(o, name)) &&
	       tu_int(o, name, x + 1) == x;
}

static bool flag_false(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);
	return !v || json_is_false(v) || (json_is_string(v) && !strcasecmp(json_string_value(v), "false"));
}

static void drop_if_empty(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);
	if (json_is_object(v) && !json_object_size(v) && !value_is_unknown(v))
		json_object_del(o, name);
}

/* Drops what ECS fills in by default (both sides of the diff). */
static void canonical(json_t *props)
{
	const char *c = json_string_value(json_object_get(props, "Cluster"));
	if (c && strstr(c, ":cluster/"))
		json_object_set_new(props, "Cluster", json_string(cluster_name(c)));
	bool daemon = str_is(props, "SchedulingStrategy", "DAEMON");
	json_t *dc = json_object_get(props, "DeploymentConfiguration");
	if (json_is_object(dc) && !value_is_unknown(dc)) {
		if (num_is(dc, "MaximumPercent", daemon ? 100 : 200))
			json_object_del(dc, "MaximumPercent");
		if (num_is(dc, "MinimumHealthyPercent", daemon ? 0 : 100))
			json_object_del(dc, "MinimumHealthyPercent");
		json_t *cb = json_object_get(dc, "DeploymentCircuitBreaker");
		if (json_is_object(cb) && flag_false(cb, "Enable") && flag_false(cb, "Rollback"))
			json_object_del(dc, "DeploymentCircuitBreaker");
		json_t *al = json_object_get(dc, "Alarms");
		if (json_is_object(al) && flag_false(al, "Enable") && flag_false(al, "Rollback") &&
		    !json_array_size(json_object_get(al, "AlarmNames")))
			json_object_del(dc, "Alarms");
		if (str_is(dc, "Strategy", "ROLLING"))
			json_object_del(dc, "Strategy");
		drop_if_empty(props, "DeploymentConfiguration");
	}
	json_t *ctl = json_object_get(props, "DeploymentController");
	if (json_is_object(ctl) && str_is(ctl, "Type", "ECS") && json_object_size(ctl) == 1)
		json_object_del(props, "DeploymentController");
	json_t *aws = json_object_get(json_object_get(props, "NetworkConfiguration"),
				      "AwsvpcConfiguration");
	if (json_is_object(aws) && str_is(aws, "AssignPublicIp", "DISABLED"))
		json_object_del(aws, "AssignPublicIp");
	if (str_is(props, "PropagateTags", "NONE"))
		json_object_del(props, "PropagateTags");
	if (flag_false(props, "EnableECSManagedTags"))
		json_object_del(props, "EnableECSManagedTags");
	if (flag_false(props, "EnableExecuteCommand"))
		json_object_del(props, "EnableExecuteCommand");
	/* ECS rebalances replica services across zones by default and never
	 * daemons (a daemon runs on every instance wherever it is). */
	if (str_is(props, "AvailabilityZoneRebalancing", daemon ? "DISABLED" : "ENABLED"))
		json_object_del(props, "AvailabilityZoneRebalancing");
	/* The grace period is 0 unless set, and ECS reports it only with
	 * load balancers. */
	if (num_is(props, "HealthCheckGracePeriodSeconds", 0))
		json_object_del(props, "HealthCheckGracePeriodSeconds");
}

/* CloudFormation name -> API name where they differ by more than case. */
static const struct {
	const char *cfn, *api;
} renames[] = {
	{ "PlacementStrategies", "placementStrategy" },
	{ "Role", "role" },
};

static void fill_service(struct live_resource *r, json_t *svc)
{
	static const char *const top[] = {
		"serviceName", "taskDefinition", "desiredCount", "launchType", "schedulingStrategy",
		"networkConfiguration", "loadBalancers", "serviceRegistries", "deploymentConfiguration",
		"enableExecuteCommand", "healthCheckGracePeriodSeconds", "platformVersion",
		"propagateTags", "enableECSManagedTags", "capacityProviderStrategy",
		"placementConstraints", "deploymentController", "availabilityZoneRebalancing"
	};
	json_t *api = json_object();
	for (size_t i = 0; i < ARRAY_SIZE(top); i++)
		tu_copy(api, top[i], svc, top[i]);
	json_decref(r->props);
	r->props = tu_recase(api, false, NULL);
	json_decref(api);
	tu_copy(r->props, "PlacementStrategies", svc, "placementStrategy");
	if (json_object_get(r->props, "PlacementStrategies")) {
		json_t *x = tu_recase(json_object_get(r->props, "PlacementStrategies"), false, NULL);
		json_object_set_new(r->props, "PlacementStrategies", x);
	}
	tu_copy(r->props, "Role", svc, "roleArn");
	const char *arn = json_string_value(json_object_get(svc, "serviceArn"));
	const char *carn = json_string_value(json_object_get(svc, "clusterArn"));
	if (carn)
		json_object_set_new(r->props, "Cluster", json_string(cluster_name(carn)));
	tu_copy(r->props, "Name", svc, "serviceName");
	tu_copy(r->props, "ServiceArn", svc, "serviceArn");
	canonical(r->props);
	free(r->id);
	r->id = xstrdup(arn ? arn : "");
	free(r->arn);
	r->arn = xstrdup(arn ? arn : "");
}

/* DescribeServices for up to ten services of one cluster: the answers in
 * *out (new array). */
static int describe(const struct rt_ctx *c, const char *cluster, json_t *names, json_t **out,
		    struct diags *d)
{
	json_t *params = json_pack("{s:s, s:O, s:[s]}", "cluster", cluster, "services", names,
				   "include", "TAGS");
	static const char *const no_cluster[] = { "ClusterNotFoundException", NULL };
	int err = tu_describe_list(c, "ecs", "DescribeServices", params, no_cluster, "services",
				   out, d);
	json_decref(params);
	/* Only what was asked for: a server that ignored the names would make
	 * another service stand for this one (or for one about to be made). */
	if (!err)
		tu_keep_named_or_arn(*out, "serviceName", "serviceArn", names,
				     "ecs DescribeServices");
	return err;
}

static void add_described(json_t *services, struct live_set *out, bool active_only)
{
	size_t i;
	json_t *svc;
	json_array_foreach(services, i, svc) {
		const char *status = json_string_value(json_object_get(svc, "status"));
		if (!status || !strcmp(status, "INACTIVE") || (active_only && strcmp(status, "ACTIVE")))
			continue;
		struct live_resource *r = live_set_add(out, rtype_ecs_service.type_name);
		fill_service(r, svc);
		rt_apply_tags(r, tu_tags_map_lc(json_object_get(svc, "tags")));
		if (strcmp(status, "ACTIVE"))
			r->note = xasprintf("%s: ECS is stopping its tasks before the service goes; "
					    "not drift", status);
	}
}

/* The service `ref` (a name or an ARN) of `cluster`, as add_described
 * adds it to *s (which it initialises): none when ECS describes no such
 * service. */
static int describe_one(const struct rt_ctx *c, const char *cluster, const char *ref,
			bool active_only, struct live_set *s, struct diags *d)
{
	json_t *names = json_pack("[s]", ref), *services = NULL;
	int err = describe(c, cluster, names, &services, d);
	json_decref(names);
	*s = (struct live_set)LIVE_SET_INIT;
	if (!err)
		add_described(services, s, active_only);
	json_decref(services);
	return err;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	json_t *tagged = NULL;
	int err = tu_tagged_of_type(c, &rtype_ecs_service, &tagged, d);
	if (err)
		return err;
	/* {cluster: [arn, ...]} */
	json_t *by_cluster = json_object();
	size_t i;
	json_t *m;
	json_array_foreach(tagged, i, m) {
		const char *arn = json_string_value(json_object_get(m, "ResourceARN"));
		char *cl = cluster_of_arn(arn);
		if (!cl)
			continue;
		json_t *list = json_object_get(by_cluster, cl);
		if (!list)
			json_object_set_new(by_cluster, cl, list = json_array());
		json_array_append_new(list, json_string(arn));
		free(cl);
	}
	const char *cl;
	json_t *arns;
	json_object_foreach(by_cluster, cl, arns) {
		for (size_t at = 0; at < json_array_size(arns) && !err; at += 10) {
			json_t *batch = json_array(), *services = NULL;
			for (size_t k = at; k < at + 10 && k < json_array_size(arns); k++)
				json_array_append(batch, json_array_get(arns, k));
			err = describe(c, cl, batch, &services, d);
			json_decref(batch);
			if (!err)
				add_described(services, out, true);
			json_decref(services);
		}
		if (err)
			break;
	}
	json_decref(by_cluster);
	json_decref(tagged);
	(void)parents;
	return err;
}

/* By ARN; a DRAINING service is still there (being deleted). */
static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	char *cl = cluster_of_arn(id);
	if (!cl) {
		diags_add(d, DIAG_ERROR, "%s: not an ECS service ARN with its cluster", id);
		return BERTH_EINVAL;
	}
	struct live_set s;
	int err = describe_one(c, cl, id, false, &s, d);
	free(cl);
	if (err)
		return err;
	if (!s.n) {
		live_set_release(&s);
		return BERTH_ENOTFOUND;
	}
	*out = s.v[0];
	memset(&s.v[0], 0, sizeof(s.v[0]));
	live_set_release(&s);
	return 0;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	tu_default_name(desired, "ServiceName", stack, address, SERVICE_NAME_MAX);
	canonical(desired);
}

/* The API parameters for the given CloudFormation properties (those in
 * `only`, or all when NULL). */
static json_t *to_api(json_t *props, const char *const *only, size_t nonly)
{
	json_t *cfn = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(props, k, v) {
		if (!strcmp(k, "Tags") || !strcmp(k, "Name") || !strcmp(k, "ServiceArn"))
			continue;
		bool want = !only;
		for (size_t i = 0; i < nonly; i++)
			want |= !strcmp(only[i], k);
		if (want)
			json_object_set(cfn, k, v);
	}
	json_t *api = tu_recase(cfn, true, NULL);
	json_decref(cfn);
	for (size_t i = 0; i < ARRAY_SIZE(renames); i++) {
		char lower[64];
		snprintf(lower, sizeof(lower), "%s", renames[i].cfn);
		lower[0] = (char)(lower[0] - 'A' + 'a');
		json_t *x = json_object_get(api, lower);
		if (x && strcmp(lower, renames[i].api)) {
			json_object_set(api, renames[i].api, x);
			json_object_del(api, lower);
		}
	}
	return api;
}

/* ---- waits ---- */

struct stable_ctx {
	const struct rt_ctx *c;
	const char *id;
	bool drained; /* wait for zero tasks instead */
	bool seen;    /* DescribeServices has shown it once */
};

static char *latest_events(json_t *svc, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;
	json_t *ev;
	json_array_foreach(json_object_get(svc, "events"), i, ev) {
		if (i >= n)
			break;
		const char *msg = json_string_value(json_object_get(ev, "message"));
		if (msg)
			buf_addf(&b, "%s%s", b.len ? "; " : "", msg);
	}
	return buf_detach(&b, NULL);
}

static int stable_probe(void *ctx, struct diags *d)
{
	struct stable_ctx *sc = ctx;
	char *cl = cluster_of_arn(sc->id);
	json_t *names = json_pack("[s]", sc->id), *services = NULL;
	int err = describe(sc->c, cl ? cl : "default", names, &services, d);
	json_decref(names);
	free(cl);
	if (err)
		return err;
	json_t *svc = json_array_get(services, 0);
	const char *status = json_string_value(json_object_get(svc, "status"));
	int r = 1;
	if (!svc && !sc->seen && !sc->drained)
		goto done; /* ECS is eventually consistent: a new service may be MISSING a while */
	sc->seen = true;
	if (!svc || !status || strcmp(status, "ACTIVE")) {
		if (sc->drained) {
			r = 0;
		} else {
			diags_add(d, DIAG_ERROR, "service %s is %s", sc->id, status ? status : "gone");
			r = BERTH_ENOTFOUND;
		}
		goto done;
	}
	long long running = tu_int(svc, "runningCount", -1);
	long long pending = tu_int(svc, "pendingCount", -1);
	long long desired = tu_int(svc, "desiredCount", -1);
	if (sc->drained) {
		r = running == 0 && pending == 0 ? 0 : 1;
		goto done;
	}
	json_t *deps = json_object_get(svc, "deployments"), *dep;
	size_t i;
	json_array_foreach(deps, i, dep) {
		if (!str_is(dep, "status", "PRIMARY"))
			continue;
		/* With the circuit breaker's rollback, ECS makes a new PRIMARY
		 * deployment of the last good revision: stable, but not what
		 * was asked for. AWS words its reason this way. */
		const char *why_primary = json_string_value(json_object_get(dep, "rolloutStateReason"));
		bool rolled_back = why_primary && strstr(why_primary, "circuit breaker: rolling back");
		if (str_is(dep, "rolloutState", "FAILED") || rolled_back) {
			char *why = latest_events(svc, 3);
			struct diag *dg = diags_add(d, DIAG_ERROR, "the service's deployment failed%s",
						    rolled_back ? " and ECS rolled it back" : "");
			const char *reason = json_string_value(json_object_get(dep, "rolloutStateReason"));
			diag_set_detail(dg, "%s%s%s", reason ? reason : "", reason && *why ? "; " : "", why);
			free(why);
			r = BERTH_ERROR;
			goto done;
		}
	}
	/* botocore's services_stable: one deployment, running == desired. */
	if (json_array_size(deps) == 1 && running == desired &&
	    !str_is(json_array_get(deps, 0), "rolloutState", "IN_PROGRESS"))
		r = 0;
done:
	json_decref(services);
	return r;
}

static int wait_ready(const struct rt_ctx *c, const char *id, struct diags *d)
{
	struct stable_ctx sc = { c, id, false, false };
	int err = rt_poll(c, "the service to be stable (deployment completed, running tasks = desired count)",
			  STABLE_TIMEOUT_MS, 15000, stable_probe, &sc, d);
	if (err != BERTH_ETIMEOUT || !d->n)
		return err;
	/* Why it is not stable is in ECS's own words in the service's events
	 * (a task that cannot pull its image, a role ECS cannot assume). */
	char *cl = cluster_of_arn(id);
	json_t *names = json_pack("[s]", id), *services = NULL;
	struct diags ignored = DIAGS_INIT;
	if (!describe(c, cl ? cl : "default", names, &services, &ignored)) {
		char *why = latest_events(json_array_get(services, 0), 3);
		if (*why && !d->items[d->n - 1].detail)
			diag_set_detail(&d->items[d->n - 1], "the service's latest events: %s", why);
		free(why);
	}
	diags_release(&ignored);
	json_decref(services);
	json_decref(names);
	free(cl);
	return err;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	const char *name = json_string_value(json_object_get(props, "ServiceName"));
	const char *cluster = json_string_value(json_object_get(props, "Cluster"));
	if (!name) {
		diags_add(d, DIAG_ERROR, "AWS::ECS::Service: ServiceName is not known");
		return BERTH_EINVAL;
	}
	if (!cluster)
		cluster = "default";
	/* Already there (a retry after a crash, or someone else's)? */
	struct live_set s;
	int err = describe_one(c, cluster, name, true, &s, d);
	if (err)
		return err;
	if (s.n) {
		err = tu_check_ours(c, s.v[0].tags, address, "ECS service", name, d);
		if (!err)
			*id_out = xstrdup(s.v[0].id);
		live_set_release(&s);
		return err;
	}
	live_set_release(&s);
	json_t *params = to_api(props, NULL, 0);
	json_object_set_new(params, "cluster", json_string(cluster));
	json_object_set_new(params, "tags", tu_tags_list_lc(tags));
	json_t *res = NULL;
	err = rt_call_propagated(c, "ecs", "CreateService", params, &res, d);
	json_decref(params);
	if (err)
		return err;
	err = tu_answer_id(res, "service", "serviceArn", "CreateService", id_out, d);
	json_decref(res);
	return err;
}

/* What update changes in place (UpdateService's members); the rest
 * replaces. */
static const char *const updatable[] = {
	"TaskDefinition", "DesiredCount", "NetworkConfiguration", "LoadBalancers",
	"ServiceRegistries", "DeploymentConfiguration", "EnableExecuteCommand",
	"HealthCheckGracePeriodSeconds", "PlatformVersion", "CapacityProviderStrategy",
	"PlacementConstraints", "PlacementStrategies", "PropagateTags", "EnableECSManagedTags",
	"AvailabilityZoneRebalancing", "LaunchType", NULL
};

static bool updates(const char *prop)
{
	for (size_t k = 0; updatable[k]; k++)
		if (!strcmp(updatable[k], prop))
			return true;
	return false;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	for (size_t i = 0; i < nchanged; i++) {
		if (!updates(changed[i])) {
			diags_add(d, DIAG_ERROR, "AWS::ECS::Service: berth cannot change %s in place",
				  changed[i]);
			return BERTH_EINVAL;
		}
	}
	/* Properties back to ECS's defaults are sent as those defaults. */
	json_t *full = json_deep_copy(desired);
	for (size_t i = 0; i < nchanged; i++) {
		if (json_object_get(full, changed[i]))
			continue;
		if (!strcmp(changed[i], "EnableExecuteCommand") || !strcmp(changed[i], "EnableECSManagedTags"))
			json_object_set_new(full, changed[i], json_false());
		else if (!strcmp(changed[i], "PropagateTags"))
			json_object_set_new(full, changed[i], json_string("NONE"));
		else if (!strcmp(changed[i], "LoadBalancers") || !strcmp(changed[i], "ServiceRegistries") ||
			 !strcmp(changed[i], "PlacementConstraints") ||
			 !strcmp(changed[i], "PlacementStrategies") ||
			 !strcmp(changed[i], "CapacityProviderStrategy"))
			json_object_set_new(full, changed[i], json_array());
		else if (!strcmp(changed[i], "DeploymentConfiguration"))
			json_object_set_new(full, changed[i], json_object());
		else if (!strcmp(changed[i], "HealthCheckGracePeriodSeconds"))
			json_object_set_new(full, changed[i], json_integer(0));
	}
	json_t *params = to_api(full, changed, nchanged);
	json_decref(full);
	const char *cl = json_string_value(json_object_get(cur->props, "Cluster"));
	json_object_set_new(params, "cluster", json_string(cl ? cl : "default"));
	json_object_set_new(params, "service", json_string(cur->id));
	/* UpdateService has no launchType: a change of it replaces (the
	 * schema's conditional create-only), so it never gets here alone. */
	json_object_del(params, "launchType");
	int err = rt_call_propagated(c, "ecs", "UpdateService", params, NULL, d);
	json_decref(params);
	return err;
}

static int remove_service(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	char *cl = cluster_of_arn(cur->id);
	const char *cluster = cl ? cl : "default";
	int err = 0;
	json_t *params;
	if (!str_is(cur->props, "SchedulingStrategy", "DAEMON")) {
		/* ECS refuses to delete a service with tasks to run; scaling
		 * to zero first lets the tasks drain from the load balancer. */
		params = json_pack("{s:s, s:s, s:i}", "cluster", cluster, "service", cur->id,
				   "desiredCount", 0);
		err = rt_call_expect(c, "ecs", "UpdateService", params, NULL, gone_codes, NULL, d);
		json_decref(params);
		if (err == RT_EXPECTED) {
			free(cl);
			return 0;
		}
		if (err)
			goto cleanup;
		struct stable_ctx sc = { c, cur->id, true, false };
		err = rt_poll(c, "the service's tasks to stop", DRAIN_TIMEOUT_MS, 10000, stable_probe,
			      &sc, d);
		if (err)
			goto cleanup;
	}
	params = json_pack("{s:s, s:s, s:b}", "cluster", cluster, "service", cur->id, "force",
			   str_is(cur->props, "SchedulingStrategy", "DAEMON"));
	err = rt_call_expect(c, "ecs", "DeleteService", params, NULL, gone_codes, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		err = 0;
cleanup:
	free(cl);
	return err;
}

static int gone_probe(void *ctx, struct diags *d)
{
	struct stable_ctx *sc = ctx;
	struct live_resource r;
	int err = read_one(sc->c, sc->id, &r, d);
	if (err == BERTH_ENOTFOUND)
		return 0;
	if (err)
		return err;
	live_resource_release(&r);
	return 1;
}

static int wait_gone(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	struct stable_ctx sc = { c, cur->id, true, false };
	return rt_poll(c, "the service to be INACTIVE (its tasks stopped)", DRAIN_TIMEOUT_MS, 10000,
		       gone_probe, &sc, d);
}

const struct rtype rtype_ecs_service = {
	.type_name = "AWS::ECS::Service",
	.tag_filter = "ecs:service",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.create = create,
	.update = update,
	.updates = updates,
	.set_tags = tu_ecs_set_tags,
	.remove = remove_service,
	.wait_ready = wait_ready,
	.wait_gone = wait_gone,
};
