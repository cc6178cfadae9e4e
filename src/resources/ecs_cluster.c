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

/* What fits a description (generic.h): the ARN, the property map with the
 * create request and the changes in place (the settings always sent, as
 * "insights off" when the spec leaves them out; the capacity providers and
 * the default strategy together in one call, update_whole), the delete and
 * the default name. The rest is the cluster's own: DescribeClusters takes
 * names or ARNs, answers tags itself and keeps deleted clusters as
 * INACTIVE; create reads first (CreateCluster answers with an existing
 * cluster instead of failing) and tags the cluster with its creation
 * time. */
#define INSIGHTS_OFF "[{\"name\": \"containerInsights\", \"value\": \"disabled\"}]"
#define CAPACITY "PutClusterCapacityProviders"

static const struct rtype_api api = {
	.type_name = "AWS::ECS::Cluster", .service = "ecs", .style = RTA_SERVICE,
	.kind = "cluster", .item_id = "clusterName", .item_arn = "clusterArn",
	.gone = (const char *const[]){ "ClusterNotFoundException", NULL },
	.delete_op = "DeleteCluster", .delete_id = "cluster",
	.props = (const struct rta_prop[]){
		{ "ClusterName", "clusterName", RTA_ID, NULL, NULL },
		{ "Arn", "clusterArn", RTA_READ, NULL, NULL },
		{ "ClusterSettings", "settings",
		  RTA_CREATE | RTA_READ | RTA_RECASE | RTA_NONEMPTY | RTA_ALWAYS,
		  "UpdateClusterSettings", INSIGHTS_OFF },
		{ "CapacityProviders", "capacityProviders", RTA_CREATE | RTA_READ | RTA_NONEMPTY,
		  CAPACITY, "[]" },
		{ "DefaultCapacityProviderStrategy", "defaultCapacityProviderStrategy",
		  RTA_CREATE | RTA_READ | RTA_RECASE | RTA_NONEMPTY, CAPACITY, "[]" },
		{ 0 } },
	.name_prop = "ClusterName", .name_max = 255,
	.update_ids = (const char *const[]){ "UpdateClusterSettings", "cluster", CAPACITY, "cluster",
					     NULL },
	.update_whole = (const char *const[]){ CAPACITY, NULL },
};

static int owns_arn(const char *arn)
{
	return rta_owns_arn(&api, arn);
}

/* DescribeClusters for up to 100 names or ARNs: *items, the ACTIVE ones
 * (a deleted cluster stays INACTIVE a while). */
static int describe(const struct rt_ctx *c, json_t *keys, json_t **items, struct diags *d)
{
	json_t *res = NULL;
	json_t *params = json_pack("{s:O, s:[s, s]}", "clusters", keys, "include", "SETTINGS", "TAGS");
	int err = rt_call(c, "ecs", "DescribeClusters", params, &res, d);
	json_decref(params);
	if (err)
		return err;
	/* Only what was asked for: a server that ignored the names (answering
	 * every cluster) would make another cluster stand for this one. */
	tu_keep_named_or_arn(json_object_get(res, "clusters"), "clusterName", "clusterArn", keys,
			     "ecs DescribeClusters");
	*items = json_array();
	size_t i;
	json_t *cl;
	json_array_foreach(json_object_get(res, "clusters"), i, cl) {
		const char *status = json_string_value(json_object_get(cl, "status"));
		if (status && !strcmp(status, "ACTIVE"))
			json_array_append(*items, cl);
	}
	json_decref(res);
	return 0;
}

static void fill(struct live_resource *r, json_t *cl)
{
	rta_fill(&api, NULL, r, cl, tu_tags_map_lc(json_object_get(cl, "tags")));
	r->created_ms = tu_time_ms(json_object_get(r->tags, TAG_CREATED));
}

/* The stack's clusters: their ARNs from the tagging API, described 100 a
 * call. */
static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	static const struct tu_tagged_read tr = {
		.type = &rtype_ecs_cluster, .batch = 100, .describe = describe,
		.key_member = "clusterArn", .fill = fill,
	};
	(void)parents;
	return tu_read_tagged(c, &tr, out, d);
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *items = NULL, *names = json_pack("[s]", id);
	int err = describe(c, names, &items, d);
	json_decref(names);
	if (!err && !json_array_size(items))
		err = BERTH_ENOTFOUND;
	if (!err) {
		memset(out, 0, sizeof(*out));
		out->detailed = true;
		fill(out, json_array_get(items, 0));
	}
	json_decref(items);
	return err;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	rta_normalise(&api, stack, address, desired);
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
	/* The name and the tags first, then the described members: the
	 * request's members in the order they always had. */
	json_t *params = json_pack("{s:s, s:o}", "clusterName", name, "tags", tu_tags_list_lc(all));
	json_t *own = rta_create_params(&api, props);
	json_decref(all);
	json_object_update(params, own);
	json_decref(own);
	err = rt_call(c, "ecs", "CreateCluster", params, NULL, d);
	json_decref(params);
	if (err)
		return err;
	*id_out = xstrdup(name);
	return 0;
}

/* What update (rta_update) changes in place: the description says. */
static bool ecs_cluster_updates(const char *prop)
{
	return rta_updates(&api, prop);
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	return rta_update(&api, c, cur, desired, changed, nchanged, d);
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
	.updates = ecs_cluster_updates,
	.remove = remove_cluster,
	.side_effects = side_effects,
};
