/* AWS::ECS::Cluster over the ECS API.
 *
 * Refresh: the tagging API lists the stack's clusters; one DescribeClusters
 * (up to 100 a call, with SETTINGS and TAGS) gives their state. A deleted
 * cluster stays describable as INACTIVE for a while: that is gone.
 * ClusterName is the physical id (ECS names are unique per region).
 *
 * In place: ClusterSettings (Container Insights: the workshop's "enable
 * Container Insights" step) with UpdateClusterSettings; CapacityProviders
 * and DefaultCapacityProviderStrategy with PutClusterCapacityProviders.
 * Side effect: with Container Insights on, ECS writes to the log group
 * /aws/ecs/containerinsights/NAME/performance, which it creates and never
 * deletes; destroy sweeps it once the cluster is gone, unless the group is
 * older than the cluster. ECS keeps no creation time for a cluster, so
 * create tags it with berth's (TAG_CREATED): a group older than that was
 * not made by ECS for this cluster. */
#include "util/common.h"
#include "resources/resource.h"

#include "resources/generic.h"
#include "resources/typeutil.h"
#include "util/fsutil.h"

/* What fits a description (generic.h): the ARN, the property map, the
 * delete and the default name. The rest is the cluster's own:
 * DescribeClusters takes names or ARNs, answers tags itself
 * and keeps deleted clusters as INACTIVE; create reads first (CreateCluster
 * answers with an existing cluster instead of failing) and always sends the
 * settings; capacity providers go together in one call. */
static const struct rtype_api api = {
	.type_name = "AWS::ECS::Cluster", .service = "ecs", .style = RTA_SERVICE,
	.kind = "cluster", .item_id = "clusterName", .item_arn = "clusterArn",
	.gone = (const char *const[]){ "ClusterNotFoundException", NULL },
	.delete_op = "DeleteCluster", .delete_id = "cluster",
	.name_prop = "ClusterName", .name_max = 255,
};

static int owns_arn(const char *arn)
{
	return rta_owns_arn(&api, arn);
}

/* Describes up to 100 clusters; ACTIVE ones are added to out. */
static int describe(const struct rt_ctx *c, json_t *names, struct live_set *out, struct diags *d)
{
	json_t *res = NULL;
	json_t *params = json_pack("{s:O, s:[s, s]}", "clusters", names, "include", "SETTINGS", "TAGS");
	int err = rt_call(c, "ecs", "DescribeClusters", params, &res, d);
	json_decref(params);
	if (err)
		return err;
	/* Only what was asked for: a server that ignored the names (answering
	 * every cluster) would make another cluster stand for this one. */
	tu_keep_named_or_arn(json_object_get(res, "clusters"), "clusterName", "clusterArn", names,
			     "ecs DescribeClusters");
	size_t i;
	json_t *cl;
	json_array_foreach(json_object_get(res, "clusters"), i, cl) {
		const char *status = json_string_value(json_object_get(cl, "status"));
		if (!status || strcmp(status, "ACTIVE"))
			continue; /* INACTIVE: deleted */
		struct live_resource *r = live_set_add(out, rtype_ecs_cluster.type_name);
		rta_fill(&api, NULL, r, cl, tu_tags_map_lc(json_object_get(cl, "tags")));
		r->created_ms = tu_time_ms(json_object_get(r->tags, TAG_CREATED));
	}
	json_decref(res);
	return 0;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	json_t *tagged = NULL;
	int err = rt_tagged_resources(c, "ecs:cluster", &tagged, d);
	if (err)
		return err;
	json_t *batch = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(tagged, i, m) {
		const char *arn = json_string_value(json_object_get(m, "ResourceARN"));
		if (!arn || !owns_arn(arn))
			continue;
		json_array_append_new(batch, json_string(arn));
		if (json_array_size(batch) == 100) {
			if ((err = describe(c, batch, out, d)))
				break;
			json_array_clear(batch);
		}
	}
	if (!err && json_array_size(batch))
		err = describe(c, batch, out, d);
	json_decref(batch);
	json_decref(tagged);
	(void)parents;
	return err;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	struct live_set s = LIVE_SET_INIT;
	json_t *names = json_pack("[s]", id);
	int err = describe(c, names, &s, d);
	json_decref(names);
	if (!err && !s.n)
		err = BERTH_ENOTFOUND;
	if (!err) {
		*out = s.v[0];
		memset(&s.v[0], 0, sizeof(s.v[0]));
	}
	live_set_release(&s);
	return err;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	rta_normalise(&api, stack, address, desired);
}

static json_t *settings_param(json_t *props)
{
	json_t *s = json_object_get(props, "ClusterSettings");
	/* Leaving ClusterSettings out means ECS's default: insights off. */
	if (!json_array_size(s))
		return json_pack("[{s:s, s:s}]", "name", "containerInsights", "value", "disabled");
	return tu_recase(s, true, NULL);
}

static int put_capacity(const struct rt_ctx *c, const char *name, json_t *props, struct diags *d)
{
	json_t *cps = json_object_get(props, "CapacityProviders");
	json_t *strat = json_object_get(props, "DefaultCapacityProviderStrategy");
	json_t *params = json_pack("{s:s, s:o, s:o}", "cluster", name, "capacityProviders",
				   cps ? json_deep_copy(cps) : json_array(),
				   "defaultCapacityProviderStrategy",
				   strat ? tu_recase(strat, true, NULL) : json_array());
	int err = rt_call(c, "ecs", "PutClusterCapacityProviders", params, NULL, d);
	json_decref(params);
	return err;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	int err = 0;
	const char *name = json_string_value(json_object_get(props, "ClusterName"));
	if (!name) {
		diags_add(d, DIAG_ERROR, "AWS::ECS::Cluster: ClusterName is not known");
		return BERTH_EINVAL;
	}
	/* CreateCluster answers with the existing cluster of that name: make
	 * sure it is not someone else's before adopting it. */
	struct live_resource cur;
	err = read_one(c, name, &cur, d);
	if (!err) {
		err = tu_check_ours(c, cur.tags, address, "ECS cluster", name, d);
		live_resource_release(&cur);
		if (err)
			return err;
	} else if (err != BERTH_ENOTFOUND) {
		return err;
	}
	json_t *all = tags ? json_copy(tags) : json_object();
	char now[21];
	fs_iso8601_now(now);
	json_object_set_new(all, TAG_CREATED, json_string(now));
	json_t *params = json_pack("{s:s, s:o, s:o}", "clusterName", name, "tags",
				   tu_tags_list_lc(all), "settings", settings_param(props));
	json_decref(all);
	if (json_object_get(props, "CapacityProviders"))
		json_object_set(params, "capacityProviders", json_object_get(props, "CapacityProviders"));
	if (json_object_get(props, "DefaultCapacityProviderStrategy"))
		json_object_set_new(params, "defaultCapacityProviderStrategy",
				    tu_recase(json_object_get(props, "DefaultCapacityProviderStrategy"),
					      true, NULL));
	err = rt_call(c, "ecs", "CreateCluster", params, NULL, d);
	json_decref(params);
	if (err)
		return err;
	*id_out = xstrdup(name);
	return 0;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	int err = 0;
	bool capacity = false;
	for (size_t i = 0; i < nchanged && !err; i++) {
		if (!strcmp(changed[i], "ClusterSettings")) {
			json_t *params = json_pack("{s:s, s:o}", "cluster", cur->id, "settings",
						   settings_param(desired));
			err = rt_call(c, "ecs", "UpdateClusterSettings", params, NULL, d);
			json_decref(params);
		} else if (!strcmp(changed[i], "CapacityProviders") ||
			   !strcmp(changed[i], "DefaultCapacityProviderStrategy")) {
			capacity = true;
		} else {
			diags_add(d, DIAG_ERROR, "AWS::ECS::Cluster: berth cannot change %s in place",
				  changed[i]);
			err = BERTH_EINVAL;
		}
	}
	if (!err && capacity)
		err = put_capacity(c, cur->id, desired, d);
	return err;
}

static int remove_cluster(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	return rta_remove(&api, c, cur, d);
}

/* Container Insights writes to this group once tasks run; AWS creates it
 * whatever the setting says later, so every cluster declares it. */
static void side_effects(const char *id, json_t *props, struct strvec *log_groups)
{
	const char *name = id ? id : json_string_value(json_object_get(props, "ClusterName"));
	if (name && *name)
		strvec_pushf(log_groups, "/aws/ecs/containerinsights/%s/performance", name);
}

const struct rtype rtype_ecs_cluster = {
	.type_name = "AWS::ECS::Cluster",
	.tag_filter = "ecs:cluster",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.create = create,
	.update = update,
	.remove = remove_cluster,
	.side_effects = side_effects,
};
