/* AWS::ServiceDiscovery::PrivateDnsNamespace over the Cloud Map API: a
 * description (generic.h, generic_get.c) and its own create.
 *
 * Cloud Map changes namespaces asynchronously: create, update and delete
 * answer an OperationId, and the namespace exists (or is gone) only once
 * GetOperation says SUCCESS (rtg_cloud_map_operation).
 *
 * Refresh: the tagging API lists the stack's namespaces; GetNamespace per
 * namespace gives the rest. Cloud Map never reports a namespace's VPC, so
 * berth records it at create in the tag berth:vpc and reads it back from
 * there (otherwise the create-only Vpc would always differ). A namespace
 * cannot be deleted while it has services (ResourceInUse: retried until
 * they are gone). */
#include "util/common.h"
#include "resources/resource.h"

#include "resources/generic.h"
#include "resources/typeutil.h"

#define TAG_VPC "berth:vpc"

/* The SOA's TTL as an integer (15 when the spec leaves it out); created
 * only when the spec has an SOA, always sent by an update. */
static json_t *soa_value(const char *cfn, json_t *props, bool update)
{
	(void)cfn;
	json_t *soa = json_object_get(json_object_get(json_object_get(props, "Properties"),
						      "DnsProperties"), "SOA");
	if (!soa && !update)
		return NULL;
	return json_pack("{s:{s:{s:I}}}", "DnsProperties", "SOA", "TTL",
			 (json_int_t)tu_int(soa, "TTL", 15));
}

static void vpc_from_tag(struct live_resource *r, json_t *item)
{
	(void)item;
	const char *vpc = json_string_value(json_object_get(r->tags, TAG_VPC));
	if (vpc)
		json_object_set_new(r->props, "Vpc", json_string(vpc));
}

static const struct rtype_api api = {
	.type_name = "AWS::ServiceDiscovery::PrivateDnsNamespace", .service = "servicediscovery",
	.style = RTA_SERVICE, .kind = "namespace", .what = "Cloud Map namespace",
	.get_op = "GetNamespace", .get_id = "Id", .get_item = "Namespace",
	.item_id = "Id", .item_arn = "Arn",
	.gone = (const char *const[]){ "NamespaceNotFound", NULL },
	.tags_gone = (const char *const[]){ "ResourceNotFoundException", NULL },
	.arn_member = "ResourceARN", .tags_member = "Tags",
	.operation = &rtg_cloud_map_operation, .op_target = "NAMESPACE",
	.update_op = "UpdatePrivateDnsNamespace", .update_in = "Namespace",
	.update_token = "UpdaterRequestId",
	.delete_op = "DeleteNamespace", .delete_id = "Id",
	.in_use = "ResourceInUse", .in_use_detail = "it still has Cloud Map services",
	.props = (const struct rta_prop[]){
		{ "Name", "Name", RTA_CREATE | RTA_READ, NULL, NULL },
		{ "Description", "Description", RTA_CREATE | RTA_READ, "UpdatePrivateDnsNamespace",
		  "\"\"" },
		{ "Properties", "Properties", RTA_CREATE | RTA_HOOK, "UpdatePrivateDnsNamespace",
		  NULL },
		{ "Properties.DnsProperties.SOA", "Properties.DnsProperties.SOA",
		  RTA_READ | RTA_PATH, NULL, NULL },
		{ "HostedZoneId", "Properties.DnsProperties.HostedZoneId", RTA_READ | RTA_PATH,
		  NULL, NULL },
		{ "Id", "Id", RTA_READ, NULL, NULL },
		{ "Arn", "Arn", RTA_READ, NULL, NULL },
		{ 0 } },
	.api_value = soa_value, .fill_more = vpc_from_tag,
};
RTG_FUNCS(ns, api)

/* Ours already (a retry after a crash)? Found by name among the account's
 * private namespaces; *id_out set when it is. Only namespaces berth made
 * say their VPC (berth:vpc); `strict` (Cloud Map said the name is taken in
 * this VPC) also counts one that does not say as the one in the way. */
static int find_existing(const struct rt_ctx *c, const char *address, const char *name,
			 const char *vpc, bool strict, char **id_out, struct diags *d)
{
	json_t *items = NULL;
	json_t *params = json_pack("{s:[{s:s, s:[s], s:s}]}", "Filters", "Name", "NAME", "Values",
				   name, "Condition", "EQ");
	int err = rt_call_all(c, "servicediscovery", "ListNamespaces", params, "Namespaces", &items, d);
	json_decref(params);
	if (err)
		return err;
	json_t *names = json_pack("[s]", name);
	tu_keep_named(items, "Name", names, NULL, "servicediscovery ListNamespaces");
	json_decref(names);
	size_t i;
	json_t *n;
	json_array_foreach(items, i, n) {
		const char *id = json_string_value(json_object_get(n, "Id"));
		struct live_resource cur;
		if (!id || ns_read_one(c, id, &cur, d))
			continue;
		const char *cv = json_string_value(json_object_get(cur.props, "Vpc"));
		if ((cv && vpc && !strcmp(cv, vpc)) || (strict && !cv)) {
			err = tu_check_ours(c, cur.tags, address, "Cloud Map namespace", name, d);
			if (!err)
				*id_out = xstrdup(id);
			live_resource_release(&cur);
			break;
		}
		live_resource_release(&cur);
	}
	json_decref(items);
	return err;
}

#define FIND_TIMEOUT_MS (5L * 60 * 1000)

struct find_ctx {
	const struct rt_ctx *c;
	const char *address, *name, *vpc;
	char *id;
};

static int find_probe(void *ctx, struct diags *d)
{
	struct find_ctx *fc = ctx;
	int err = find_existing(fc->c, fc->address, fc->name, fc->vpc, true, &fc->id, d);
	if (err)
		return err;
	return fc->id ? 0 : 1;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	char t1[64], t2[64];
	const char *name = rt_str(props, "Name", t1), *vpc = rt_str(props, "Vpc", t2);
	if (!name || !vpc) {
		diags_add(d, DIAG_ERROR, "AWS::ServiceDiscovery::PrivateDnsNamespace: Name and Vpc must be known");
		return BERTH_EINVAL;
	}
	char *existing = NULL;
	int err = find_existing(c, address, name, vpc, false, &existing, d);
	if (err || existing) {
		if (existing)
			*id_out = existing;
		return err;
	}
	json_t *all = json_deep_copy(tags);
	json_object_set_new(all, TAG_VPC, json_string(vpc));
	char *rid = rtg_request_id(c->stack, address);
	json_t *params = json_pack("{s:s, s:s, s:s, s:o}", "Name", name, "Vpc", vpc,
				   "CreatorRequestId", rid, "Tags", rt_tags_to_list(all, false));
	free(rid);
	json_decref(all);
	json_t *own = rtg_create_params(&api, props);
	json_object_del(own, "Name");
	json_object_update(params, own);
	json_decref(own);
	json_t *res = NULL;
	static const char *const exists[] = { "NamespaceAlreadyExists", NULL };
	err = rt_call_expect(c, "servicediscovery", "CreatePrivateDnsNamespace", params, &res, exists,
			     NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED) {
		/* An earlier attempt's namespace still being created (a crash
		 * mid-operation), or someone else's: it is adopted once it can
		 * be read, and only if it is this resource's. */
		struct find_ctx fc = { c, address, name, vpc, NULL };
		err = rt_poll(c, "the namespace of that name to finish creating", FIND_TIMEOUT_MS, 5000,
			      find_probe, &fc, d);
		if (!err)
			*id_out = fc.id;
		else
			free(fc.id);
		return err;
	}
	if (err)
		return err;
	char *id = NULL;
	err = json_object_get(res, "OperationId") ? rtg_op_answer(&api, c, res, &id, d) : BERTH_EAWS;
	json_decref(res);
	if (!err && !id) {
		diags_add(d, DIAG_ERROR, "the namespace's creation succeeded without naming it");
		err = BERTH_EAWS;
	}
	if (!err)
		*id_out = id;
	return err;
}

const struct rtype rtype_sd_privatednsnamespace = {
	.type_name = "AWS::ServiceDiscovery::PrivateDnsNamespace",
	.tag_filter = "servicediscovery:namespace",
	RTG_CALLBACKS(ns),
	.create = create,
};
