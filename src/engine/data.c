/* Data entries: lookups that are not resources (availability zones, the
 * caller, an existing VPC), read at plan time into e->data so the resolver
 * can give their attributes. Reads only: a plan stays side-effect free. */
#include "util/common.h"
#include "engine/data.h"
#include "engine/resolve.h"

#include "aws/client.h"

static int caller_identity(struct engine *e, json_t *args, json_t **out, struct diags *d)
{
	json_t *res = NULL;
	int err = rt_call(&e->rt, "sts", "GetCallerIdentity", NULL, &res, d);
	if (err)
		return err;
	*out = json_pack("{s:O?, s:O?, s:O?}", "account_id", json_object_get(res, "Account"), "arn",
			 json_object_get(res, "Arn"), "user_id", json_object_get(res, "UserId"));
	json_decref(res);
	(void)args;
	return 0;
}

static int availability_zones(struct engine *e, json_t *args, json_t **out, struct diags *d)
{
	const char *state = json_string_value(json_object_get(args, "state"));
	json_t *params = json_pack("{s:[{s:s, s:[s]}]}", "Filters", "Name", "state", "Values",
				   state ? state : "available");
	json_t *res = NULL;
	/* rt_call_all checks the answer against the filter (ec2_filter.c):
	 * an impaired zone must not slip in when a server ignores "state". */
	int err = rt_call_all(&e->rt, "ec2", "DescribeAvailabilityZones", params,
			      "AvailabilityZones", &res, d);
	json_decref(params);
	if (err)
		return err;
	json_t *names = json_array(), *ids = json_array(), *z;
	size_t i;
	json_array_foreach(res, i, z) {
		json_array_append(names, json_object_get(z, "ZoneName"));
		json_array_append(ids, json_object_get(z, "ZoneId"));
	}
	json_decref(res);
	*out = json_pack("{s:o, s:o}", "names", names, "zone_ids", ids);
	return 0;
}

static int vpc(struct engine *e, json_t *args, json_t **out, struct diags *d)
{
	json_t *params = json_object(), *filters = json_array();
	const char *id = json_string_value(json_object_get(args, "id"));
	if (id)
		json_object_set_new(params, "VpcIds", json_pack("[s]", id));
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(args, "tags"), k, v) {
		char *name = xasprintf("tag:%s", k);
		json_array_append_new(filters, json_pack("{s:s, s:[O]}", "Name", name, "Values", v));
		free(name);
	}
	json_t *dflt = json_object_get(args, "default");
	if (json_is_boolean(dflt))
		json_array_append_new(filters, json_pack("{s:s, s:[s]}", "Name", "is-default", "Values",
							 json_is_true(dflt) ? "true" : "false"));
	if (json_array_size(filters))
		json_object_set(params, "Filters", filters);
	json_decref(filters);
	json_t *vpcs = NULL;
	/* Checked against the tag and is-default filters (ec2_filter.c). */
	int err = rt_call_all(&e->rt, "ec2", "DescribeVpcs", params, "Vpcs", &vpcs, d);
	json_decref(params);
	if (err)
		return err;
	if (json_array_size(vpcs) != 1) {
		diags_add(d, DIAG_ERROR, "data vpc: %zu VPCs match, expected exactly one",
			  json_array_size(vpcs));
		json_decref(vpcs);
		return BERTH_ENOTFOUND;
	}
	json_t *one = json_array_get(vpcs, 0);
	const char *vid = json_string_value(json_object_get(one, "VpcId"));
	const char *owner = json_string_value(json_object_get(one, "OwnerId"));
	char *arn = xasprintf("arn:aws:ec2:%s:%s:vpc/%s", aws_client_region(e->o.aws), owner ? owner : "",
			      vid ? vid : "");
	*out = json_pack("{s:O?, s:O?, s:s}", "id", json_object_get(one, "VpcId"), "cidr_block",
			 json_object_get(one, "CidrBlock"), "arn", arn);
	free(arn);
	json_decref(vpcs);
	return 0;
}

static const struct {
	const char *kind;
	int (*read)(struct engine *e, json_t *args, json_t **out, struct diags *d);
} kinds[] = {
	{ "availability_zones", availability_zones },
	{ "caller_identity", caller_identity },
	{ "vpc", vpc },
};

int engine_read_data(struct engine *e, struct diags *d)
{
	struct spec_resolver res;
	engine_resolver(e, &res);
	for (size_t i = 0; e->spec && i < e->spec->ndata; i++) {
		const struct spec_data *dt = &e->spec->data[i];
		json_t *args = NULL, *val = NULL;
		int err = spec_eval_data(e->spec, i, &res, &args, d);
		if (err)
			return err;
		err = BERTH_EINVAL;
		for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
			if (!strcmp(kinds[k].kind, dt->kind))
				err = kinds[k].read(e, args, &val, d);
		json_decref(args);
		if (err) {
			struct diag *dg = diags_add(d, DIAG_ERROR, "%s: lookup failed", dt->address);
			diag_set_address(dg, dt->address);
			return err;
		}
		pthread_mutex_lock(&e->lock);
		json_object_set_new(e->data, dt->address, val);
		pthread_mutex_unlock(&e->lock);
	}
	return 0;
}
