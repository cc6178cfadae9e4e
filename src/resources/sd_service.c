/* AWS::ServiceDiscovery::Service over the Cloud Map API.
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

#include "resources/typeutil.h"
#include "util/value.h"

static const char *const not_found[] = { "ServiceNotFound", NULL };

/* "arn:aws:servicediscovery:R:A:service/srv-..." */
static int owns_arn(const char *arn)
{
	return strstr(arn, ":servicediscovery:") && strstr(arn, ":service/");
}

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

static void fill_service(struct live_resource *r, json_t *svc)
{
	if (!r->props)
		r->props = json_object();
	json_t *p = r->props;
	static const char *const same[] = { "Id", "Arn", "Name", "NamespaceId", "Description",
					    "DnsConfig", "HealthCheckConfig",
					    "HealthCheckCustomConfig", "Type" };
	for (size_t i = 0; i < ARRAY_SIZE(same); i++)
		tu_copy(p, same[i], svc, same[i]);
	canonical(p);
	const char *id = json_string_value(json_object_get(svc, "Id"));
	const char *arn = json_string_value(json_object_get(svc, "Arn"));
	free(r->id);
	r->id = xstrdup(id ? id : "");
	free(r->arn);
	r->arn = arn ? xstrdup(arn) : NULL;
}

static int get_service(const struct rt_ctx *c, const char *id, json_t **out, struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:s}", "Id", id);
	int err = rt_call_expect(c, "servicediscovery", "GetService", params, &res, not_found, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	*out = json_incref(json_object_get(res, "Service"));
	json_decref(res);
	return *out ? 0 : BERTH_ENOTFOUND;
}

/* One listed instance by its id (the ARN's last part) and listed tags. */
static int read_listed(const struct rt_ctx *c, const char *arn, json_t *tags,
		       struct live_resource *out, struct diags *d)
{
	json_t *item = NULL;
	int err = get_service(c, strrchr(arn, '/') + 1, &item, d);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->type = rtype_sd_service.type_name;
	out->detailed = true;
	fill_service(out, item);
	rt_apply_tags(out, rt_tags_to_map(tags));
	json_decref(item);
	return 0;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	return tu_read_tagged_each(c, &rtype_sd_service, read_listed, out, d);
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *svc = NULL;
	int err = get_service(c, id, &svc, d);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->type = rtype_sd_service.type_name;
	out->detailed = true;
	fill_service(out, svc);
	json_decref(svc);
	static const char *const gone[] = { "ResourceNotFoundException", NULL };
	json_t *tags = NULL;
	err = tu_list_tags(c, "servicediscovery", "ResourceARN", out->arn, gone, "Tags", &tags, d);
	if (err) {
		live_resource_release(out);
		return err;
	}
	rt_apply_tags(out, tags);
	return 0;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	(void)stack;
	(void)address;
	/* CloudFormation lets DnsConfig carry the namespace instead. */
	json_t *dns = json_object_get(desired, "DnsConfig");
	if (!json_object_get(desired, "NamespaceId") && json_object_get(dns, "NamespaceId"))
		json_object_set(desired, "NamespaceId", json_object_get(dns, "NamespaceId"));
	canonical(desired);
}

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
		if ((err = read_one(c, id, &cur, d)))
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

static json_t *dns_config(json_t *props, bool for_update)
{
	json_t *dns = json_object_get(props, "DnsConfig");
	if (!json_is_object(dns))
		return NULL;
	json_t *out = json_object(), *recs = json_array(), *rec;
	size_t i;
	json_array_foreach(json_object_get(dns, "DnsRecords"), i, rec)
		json_array_append_new(recs, json_pack("{s:O, s:I}", "Type", json_object_get(rec, "Type"),
						      "TTL", (json_int_t)tu_int(rec, "TTL", 60)));
	json_object_set_new(out, "DnsRecords", recs);
	if (!for_update)
		json_object_set_new(out, "RoutingPolicy",
				    json_string(json_string_value(json_object_get(dns, "RoutingPolicy")) ?
							json_string_value(json_object_get(dns, "RoutingPolicy")) :
							"MULTIVALUE"));
	return out;
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
	json_t *dns = dns_config(props, false);
	if (dns)
		json_object_set_new(params, "DnsConfig", dns);
	tu_copy(params, "Description", props, "Description");
	tu_copy(params, "Type", props, "Type");
	tu_copy(params, "HealthCheckConfig", props, "HealthCheckConfig");
	json_t *hc = json_object_get(props, "HealthCheckCustomConfig");
	if (json_is_object(hc)) {
		json_t *x = json_object();
		if (json_object_get(hc, "FailureThreshold"))
			json_object_set_new(x, "FailureThreshold",
					    json_integer(tu_int(hc, "FailureThreshold", 1)));
		json_object_set_new(params, "HealthCheckCustomConfig", x);
	}
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

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	json_t *svc = json_object();
	for (size_t i = 0; i < nchanged; i++) {
		const char *p = changed[i];
		if (!strcmp(p, "Description")) {
			json_t *v = json_object_get(desired, p);
			json_object_set_new(svc, p, v ? json_deep_copy(v) : json_string(""));
		} else if (!strcmp(p, "DnsConfig")) {
			json_t *dns = dns_config(desired, true);
			if (dns)
				json_object_set_new(svc, "DnsConfig", dns);
		} else if (!strcmp(p, "HealthCheckConfig")) {
			tu_copy(svc, p, desired, p);
		} else {
			diags_add(d, DIAG_ERROR,
				  "AWS::ServiceDiscovery::Service: berth cannot change %s in place", p);
			json_decref(svc);
			return BERTH_EINVAL;
		}
	}
	json_t *params = json_pack("{s:s, s:o}", "Id", cur->id, "Service", svc);
	json_t *res = NULL;
	int err = rt_call(c, "servicediscovery", "UpdateService", params, &res, d);
	json_decref(params);
	if (!err) {
		const char *op = json_string_value(json_object_get(res, "OperationId"));
		err = op ? tu_sd_wait_operation(c, op, "SERVICE", NULL, d) : 0;
	}
	json_decref(res);
	return err;
}

static int remove_service(const struct rt_ctx *c, const struct live_resource *cur,
			  struct diags *d)
{
	json_t *params = json_pack("{s:s}", "Id", cur->id);
	int err = rt_call_expect(c, "servicediscovery", "DeleteService", params, NULL, not_found,
				 NULL, d);
	json_decref(params);
	if (err == BERTH_EAWS && d->n && d->items[d->n - 1].aws_code &&
	    !strcmp(d->items[d->n - 1].aws_code, "ResourceInUse"))
		diag_set_detail(&d->items[d->n - 1],
				"instances are still registered (ECS deregisters a service's tasks as they stop)");
	return err == RT_EXPECTED ? 0 : err;
}

const struct rtype rtype_sd_service = {
	.type_name = "AWS::ServiceDiscovery::Service",
	.tag_filter = "servicediscovery:service",
	.owns_arn = owns_arn,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.create = create,
	.update = update,
	.remove = remove_service,
};
