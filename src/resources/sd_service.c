/* AWS::ServiceDiscovery::Service over the Cloud Map API: a description
 * (generic.h, generic_get.c) and its own create.
 *
 * Refresh: the tagging API lists the stack's services; GetService per
 * service gives the rest (ListServices leaves out the namespace). The
 * physical id is the service id (srv-...). DNS record TTLs, the
 * description and a Route 53 health check change in place
 * (UpdateService, asynchronous); the namespace, name, type and custom
 * health check replace. ECS registers a service's tasks as instances and
 * deregisters them when they stop; Cloud Map refuses to delete a service
 * with instances (ResourceInUse), so the delete is retried until ECS has
 * drained them. */
#include "util/common.h"
#include "resources/resource.h"

#include "resources/generic.h"
#include "resources/typeutil.h"
#include "util/value.h"

/* Drops what Cloud Map fills in (both sides of the diff). */
static void canonical(json_t *props)
{
	json_t *dns = json_object_get(props, "DnsConfig");
	if (json_is_object(dns) && !value_is_unknown(dns)) {
		/* DnsConfig.NamespaceId is deprecated: the top-level one counts. */
		json_object_del(dns, "NamespaceId");
		const char *rp = json_string_value(json_object_get(dns, "RoutingPolicy"));
		if (rp && !strcmp(rp, "MULTIVALUE"))
			json_object_del(dns, "RoutingPolicy");
		size_t i;
		json_t *rec;
		json_array_foreach(json_object_get(dns, "DnsRecords"), i, rec)
			if (json_is_object(rec) && json_is_string(json_object_get(rec, "TTL")))
				json_object_set_new(rec, "TTL", json_integer(tu_int(rec, "TTL", 0)));
	}
	json_t *hc = json_object_get(props, "HealthCheckCustomConfig");
	if (json_is_object(hc) && tu_int(hc, "FailureThreshold", 0) == 1)
		json_object_del(hc, "FailureThreshold");
}

static void read_more(json_t *props, json_t *item)
{
	(void)item;
	canonical(props);
}

static void normalise_more(json_t *desired)
{
	/* CloudFormation lets DnsConfig carry the namespace instead. */
	json_t *dns = json_object_get(desired, "DnsConfig");
	if (!json_object_get(desired, "NamespaceId") && json_object_get(dns, "NamespaceId"))
		json_object_set(desired, "NamespaceId", json_object_get(dns, "NamespaceId"));
	canonical(desired);
}

/* DnsConfig with integer TTLs (60 when left out) and, for a create, the
 * routing policy (MULTIVALUE when left out); HealthCheckCustomConfig with
 * an integer threshold. */
static json_t *api_value(const char *cfn, json_t *props, bool update)
{
	json_t *v = json_object_get(props, cfn);
	if (!json_is_object(v))
		return NULL;
	if (!strcmp(cfn, "HealthCheckCustomConfig")) {
		json_t *x = json_object();
		if (json_object_get(v, "FailureThreshold"))
			json_object_set_new(x, "FailureThreshold",
					    json_integer(tu_int(v, "FailureThreshold", 1)));
		return x;
	}
	json_t *out = json_object(), *recs = json_array(), *rec;
	size_t i;
	json_array_foreach(json_object_get(v, "DnsRecords"), i, rec)
		json_array_append_new(recs, json_pack("{s:O, s:I}", "Type", json_object_get(rec, "Type"),
						      "TTL", (json_int_t)tu_int(rec, "TTL", 60)));
	json_object_set_new(out, "DnsRecords", recs);
	const char *rp = json_string_value(json_object_get(v, "RoutingPolicy"));
	if (!update)
		json_object_set_new(out, "RoutingPolicy", json_string(rp ? rp : "MULTIVALUE"));
	return out;
}

static const struct rtype_api api = {
	.type_name = "AWS::ServiceDiscovery::Service", .service = "servicediscovery",
	.style = RTA_SERVICE, .kind = "service", .what = "Cloud Map service",
	.get_op = "GetService", .get_id = "Id", .get_item = "Service",
	.item_id = "Id", .item_arn = "Arn",
	.gone = (const char *const[]){ "ServiceNotFound", NULL },
	.tags_gone = (const char *const[]){ "ResourceNotFoundException", NULL },
	.arn_member = "ResourceARN", .tags_member = "Tags",
	.operation = &rtg_cloud_map_operation, .op_target = "SERVICE",
	.update_op = "UpdateService", .update_in = "Service",
	.delete_op = "DeleteService", .delete_id = "Id", .in_use = "ResourceInUse",
	.in_use_detail = "instances are still registered (ECS deregisters a service's tasks as they stop)",
	.props = (const struct rta_prop[]){
		{ "Name", "Name", RTA_CREATE | RTA_READ, NULL, NULL },
		{ "NamespaceId", "NamespaceId", RTA_CREATE | RTA_READ, NULL, NULL },
		{ "DnsConfig", "DnsConfig", RTA_CREATE | RTA_READ | RTA_HOOK, "UpdateService", NULL },
		{ "Description", "Description", RTA_CREATE | RTA_READ, "UpdateService", "\"\"" },
		{ "Type", "Type", RTA_CREATE | RTA_READ, NULL, NULL },
		{ "HealthCheckConfig", "HealthCheckConfig", RTA_CREATE | RTA_READ, "UpdateService",
		  NULL },
		{ "HealthCheckCustomConfig", "HealthCheckCustomConfig",
		  RTA_CREATE | RTA_READ | RTA_HOOK, NULL, NULL },
		{ "Id", "Id", RTA_READ, NULL, NULL },
		{ "Arn", "Arn", RTA_READ, NULL, NULL },
		{ 0 } },
	.api_value = api_value, .read_more = read_more, .normalise_more = normalise_more,
};
RTG_FUNCS(svc, api)

/* Ours already (a retry after a crash)? By name within the namespace. */
static int find_existing(const struct rt_ctx *c, const char *address, const char *ns,
			 const char *name, char **id_out, struct diags *d)
{
	json_t *items = NULL;
	json_t *params = json_pack("{s:[{s:s, s:[s], s:s}]}", "Filters", "Name", "NAMESPACE_ID",
				   "Values", ns, "Condition", "EQ");
	int err = rt_call_all(c, "servicediscovery", "ListServices", params, "Services", &items, d);
	json_decref(params);
	if (err)
		return err;
	size_t i;
	json_t *s;
	json_array_foreach(items, i, s) {
		const char *n = json_string_value(json_object_get(s, "Name"));
		const char *id = json_string_value(json_object_get(s, "Id"));
		if (!n || !id || strcmp(n, name))
			continue;
		struct live_resource cur;
		if ((err = svc_read_one(c, id, &cur, d)))
			break;
		/* The NAMESPACE_ID filter believed only as far as GetService
		 * confirms it: a same-named service elsewhere is not in the way. */
		const char *in = json_string_value(json_object_get(cur.props, "NamespaceId"));
		if (!in || strcmp(in, ns)) {
			live_resource_release(&cur);
			continue;
		}
		err = tu_check_ours(c, cur.tags, address, "Cloud Map service", name, d);
		if (!err)
			*id_out = xstrdup(id);
		live_resource_release(&cur);
		break;
	}
	json_decref(items);
	return err;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	char t1[64], t2[64];
	const char *name = rt_str(props, "Name", t1), *ns = rt_str(props, "NamespaceId", t2);
	if (!name || !ns) {
		diags_add(d, DIAG_ERROR, "AWS::ServiceDiscovery::Service: Name and NamespaceId must be known");
		return BERTH_EINVAL;
	}
	char *existing = NULL;
	int err = find_existing(c, address, ns, name, &existing, d);
	if (err || existing) {
		if (existing)
			*id_out = existing;
		return err;
	}
	json_t *params = json_pack("{s:s, s:s, s:o}", "Name", name, "NamespaceId", ns, "Tags",
				   rt_tags_to_list(tags, false));
	json_t *own = rtg_create_params(&api, props);
	json_object_del(own, "Name");
	json_object_del(own, "NamespaceId");
	json_object_update(params, own);
	json_decref(own);
	json_t *res = NULL;
	err = rt_call(c, "servicediscovery", "CreateService", params, &res, d);
	json_decref(params);
	if (err)
		return err;
	const char *id = json_string_value(json_object_get(json_object_get(res, "Service"), "Id"));
	if (!id) {
		diags_add(d, DIAG_ERROR, "CreateService answered without the service's Id");
		err = BERTH_EAWS;
	} else {
		*id_out = xstrdup(id);
	}
	json_decref(res);
	return err;
}

const struct rtype rtype_sd_service = {
	.type_name = "AWS::ServiceDiscovery::Service",
	.tag_filter = "servicediscovery:service",
	RTG_CALLBACKS(svc),
	.create = create,
};
