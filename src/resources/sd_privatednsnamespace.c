/* AWS::ServiceDiscovery::PrivateDnsNamespace over the Cloud Map API.
 *
 * Cloud Map changes namespaces asynchronously: create, update and delete
 * answer an OperationId, and the namespace exists (or is gone) only once
 * GetOperation says SUCCESS; sd_wait_operation polls it.
 *
 * Refresh: the tagging API lists the stack's namespaces; GetNamespace per
 * namespace gives the rest. Cloud Map never reports a namespace's VPC, so
 * berth records it at create in the tag berth:vpc and reads it back from
 * there (otherwise the create-only Vpc would always differ). A namespace
 * cannot be deleted while it has services (ResourceInUse: retried until
 * they are gone). */
#include "util/common.h"
#include "resources/resource.h"

#include <time.h>

#include "resources/typeutil.h"

#define TAG_VPC "berth:vpc"

static const char *const not_found[] = { "NamespaceNotFound", NULL };

/* "arn:aws:servicediscovery:R:A:namespace/ns-..." */
static int owns_arn(const char *arn)
{
	return strstr(arn, ":servicediscovery:") && strstr(arn, ":namespace/");
}

/* A request id unique per attempt: Cloud Map answers a repeated one with
 * the first operation, even after that namespace was deleted. */
static char *request_id(const char *stack, const char *address)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char *base = rt_default_name(stack, address, 40);
	char *r = xasprintf("%s-%lld%09ld", base, (long long)ts.tv_sec, ts.tv_nsec);
	free(base);
	return r;
}

static void fill_ns(struct live_resource *r, json_t *ns)
{
	if (!r->props)
		r->props = json_object();
	json_t *p = r->props;
	const char *id = json_string_value(json_object_get(ns, "Id"));
	const char *arn = json_string_value(json_object_get(ns, "Arn"));
	tu_copy(p, "Id", ns, "Id");
	tu_copy(p, "Arn", ns, "Arn");
	tu_copy(p, "Name", ns, "Name");
	tu_copy(p, "Description", ns, "Description");
	json_t *dns = json_object_get(json_object_get(ns, "Properties"), "DnsProperties");
	tu_copy(p, "HostedZoneId", dns, "HostedZoneId");
	json_t *soa = json_object_get(dns, "SOA");
	if (json_is_object(soa))
		json_object_set_new(p, "Properties",
				    json_pack("{s:{s:O}}", "DnsProperties", "SOA", soa));
	free(r->id);
	r->id = xstrdup(id ? id : "");
	free(r->arn);
	r->arn = arn ? xstrdup(arn) : NULL;
}

static void apply_tags(struct live_resource *r, json_t *map)
{
	const char *vpc = json_string_value(json_object_get(map, TAG_VPC));
	if (vpc)
		json_object_set_new(r->props, "Vpc", json_string(vpc));
	rt_apply_tags(r, map);
}

static int get_ns(const struct rt_ctx *c, const char *id, json_t **out, struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:s}", "Id", id);
	int err = rt_call_expect(c, "servicediscovery", "GetNamespace", params, &res, not_found, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	*out = json_incref(json_object_get(res, "Namespace"));
	json_decref(res);
	return *out ? 0 : BERTH_ENOTFOUND;
}

/* One listed instance by its id (the ARN's last part) and listed tags. */
static int read_listed(const struct rt_ctx *c, const char *arn, json_t *tags,
		       struct live_resource *out, struct diags *d)
{
	json_t *item = NULL;
	int err = get_ns(c, strrchr(arn, '/') + 1, &item, d);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->type = rtype_sd_privatednsnamespace.type_name;
	out->detailed = true;
	fill_ns(out, item);
	apply_tags(out, rt_tags_to_map(tags));
	json_decref(item);
	return 0;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	return tu_read_tagged_each(c, &rtype_sd_privatednsnamespace, read_listed, out, d);
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *ns = NULL;
	int err = get_ns(c, id, &ns, d);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->type = rtype_sd_privatednsnamespace.type_name;
	out->detailed = true;
	fill_ns(out, ns);
	json_decref(ns);
	static const char *const gone[] = { "ResourceNotFoundException", NULL };
	json_t *tags = NULL;
	err = tu_list_tags(c, "servicediscovery", "ResourceARN", out->arn, gone, "Tags", &tags, d);
	if (err) {
		live_resource_release(out);
		return err;
	}
	apply_tags(out, tags);
	return 0;
}

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
		if (!id || read_one(c, id, &cur, d))
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
	char *rid = request_id(c->stack, address);
	json_t *params = json_pack("{s:s, s:s, s:s, s:o}", "Name", name, "Vpc", vpc,
				   "CreatorRequestId", rid, "Tags", rt_tags_to_list(all, false));
	free(rid);
	json_decref(all);
	tu_copy(params, "Description", props, "Description");
	json_t *soa = json_object_get(json_object_get(json_object_get(props, "Properties"),
						      "DnsProperties"), "SOA");
	if (soa)
		json_object_set_new(params, "Properties",
				    json_pack("{s:{s:{s:I}}}", "DnsProperties", "SOA", "TTL",
					      (json_int_t)tu_int(soa, "TTL", 15)));
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
	const char *op = json_string_value(json_object_get(res, "OperationId"));
	char *id = NULL;
	err = op ? tu_sd_wait_operation(c, op, "NAMESPACE", &id, d) : BERTH_EAWS;
	json_decref(res);
	if (!err && !id) {
		diags_add(d, DIAG_ERROR, "the namespace's creation succeeded without naming it");
		err = BERTH_EAWS;
	}
	if (!err)
		*id_out = id;
	return err;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	json_t *ns = json_object();
	for (size_t i = 0; i < nchanged; i++) {
		if (!strcmp(changed[i], "Description")) {
			json_t *v = json_object_get(desired, "Description");
			json_object_set_new(ns, "Description", v ? json_deep_copy(v) : json_string(""));
		} else if (!strcmp(changed[i], "Properties")) {
			json_t *soa = json_object_get(json_object_get(json_object_get(desired, "Properties"),
								      "DnsProperties"), "SOA");
			json_object_set_new(ns, "Properties",
					    json_pack("{s:{s:{s:I}}}", "DnsProperties", "SOA", "TTL",
						      (json_int_t)tu_int(soa, "TTL", 15)));
		} else {
			diags_add(d, DIAG_ERROR,
				  "AWS::ServiceDiscovery::PrivateDnsNamespace: berth cannot change %s in place",
				  changed[i]);
			json_decref(ns);
			return BERTH_EINVAL;
		}
	}
	char *rid = request_id(c->stack, cur->id);
	json_t *params = json_pack("{s:s, s:s, s:o}", "Id", cur->id, "UpdaterRequestId", rid,
				   "Namespace", ns);
	free(rid);
	json_t *res = NULL;
	int err = rt_call(c, "servicediscovery", "UpdatePrivateDnsNamespace", params, &res, d);
	json_decref(params);
	if (!err) {
		const char *op = json_string_value(json_object_get(res, "OperationId"));
		err = op ? tu_sd_wait_operation(c, op, "NAMESPACE", NULL, d) : 0;
	}
	json_decref(res);
	return err;
}

static int remove_ns(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:s}", "Id", cur->id);
	int err = rt_call_expect(c, "servicediscovery", "DeleteNamespace", params, &res, not_found,
				 NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return 0;
	if (err) {
		if (d->n && d->items[d->n - 1].aws_code &&
		    !strcmp(d->items[d->n - 1].aws_code, "ResourceInUse"))
			diag_set_detail(&d->items[d->n - 1], "it still has Cloud Map services");
		return err;
	}
	const char *op = json_string_value(json_object_get(res, "OperationId"));
	err = op ? tu_sd_wait_operation(c, op, "NAMESPACE", NULL, d) : 0;
	json_decref(res);
	return err;
}

const struct rtype rtype_sd_privatednsnamespace = {
	.type_name = "AWS::ServiceDiscovery::PrivateDnsNamespace",
	.tag_filter = "servicediscovery:namespace",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.create = create,
	.update = update,
	.remove = remove_ns,
};
