/* The data source readers (datasource.h); the table is schema/datasource.c. */
#include "util/common.h"
#include "resources/datasource.h"

#include "aws/client.h"
#include "resources/resource.h"
#include "util/log.h"

static int caller_identity(const struct rt_ctx *c, json_t *args, json_t **out, struct diags *d)
{
	json_t *res = NULL;
	int err = rt_call(c, "sts", "GetCallerIdentity", NULL, &res, d);
	if (err)
		return err;
	*out = json_pack("{s:O?, s:O?, s:O?}", "account_id", json_object_get(res, "Account"), "arn",
			 json_object_get(res, "Arn"), "user_id", json_object_get(res, "UserId"));
	json_decref(res);
	(void)args;
	return 0;
}

static int availability_zones(const struct rt_ctx *c, json_t *args, json_t **out,
			      struct diags *d)
{
	const char *state = json_string_value(json_object_get(args, "state"));
	json_t *params = json_pack("{s:[{s:s, s:[s]}]}", "Filters", "Name", "state", "Values",
				   state ? state : "available");
	json_t *res = NULL;
	/* rt_call_all checks the answer against the filter (ec2_filter.c):
	 * an impaired zone must not slip in when a server ignores "state". */
	int err = rt_call_all(c, "ec2", "DescribeAvailabilityZones", params, "AvailabilityZones",
			      &res, d);
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

static int vpc(const struct rt_ctx *c, json_t *args, json_t **out, struct diags *d)
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
	int err = rt_call_all(c, "ec2", "DescribeVpcs", params, "Vpcs", &vpcs, d);
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
	char *arn = xasprintf("arn:aws:ec2:%s:%s:vpc/%s", aws_client_region(c->aws),
			      owner ? owner : "", vid ? vid : "");
	*out = json_pack("{s:O?, s:O?, s:s}", "id", json_object_get(one, "VpcId"), "cidr_block",
			 json_object_get(one, "CidrBlock"), "arn", arn);
	free(arn);
	json_decref(vpcs);
	return 0;
}

/* ssm GetParameter, as Terraform's aws_ssm_parameter data source: with
 * decryption unless with_decryption is false (a SecureString's value is
 * then its ciphertext, not secret). A SecureString's value is sensitive. */
static int ssm_parameter(const struct rt_ctx *c, json_t *args, json_t **out, struct diags *d)
{
	static const char *const gone[] = { "ParameterNotFound", NULL };
	const char *name = json_string_value(json_object_get(args, "name"));
	json_t *decrypt = json_object_get(args, "with_decryption");
	json_t *params, *res = NULL, *p;
	int err;
	if (!name || !*name) {
		diags_add(d, DIAG_ERROR, "'name' must be a parameter's name or ARN");
		return BERTH_EINVAL;
	}
	params = json_pack("{s:s, s:b}", "Name", name, "WithDecryption",
			   !decrypt || json_is_true(decrypt));
	err = rt_call_expect(c, "ssm", "GetParameter", params, &res, gone, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "SSM parameter %s does not exist in %s",
					    name, aws_client_region(c->aws));
		diag_set_detail(dg, "public parameters are listed with 'aws ssm get-parameters-by-path "
				"--path /aws/service/'; names are case-sensitive");
		return BERTH_ENOTFOUND;
	}
	if (err)
		return err;
	p = json_object_get(res, "Parameter");
	const char *type = json_string_value(json_object_get(p, "Type"));
	const char *value = json_string_value(json_object_get(p, "Value"));
	if (!value) {
		diags_add(d, DIAG_ERROR, "ssm GetParameter answered without a value for %s", name);
		json_decref(res);
		return BERTH_EAWS;
	}
	*out = json_pack("{s:s, s:O?, s:O?, s:O?, s:O?}", "value", value, "name",
			 json_object_get(p, "Name"), "type", json_object_get(p, "Type"), "version",
			 json_object_get(p, "Version"), "arn", json_object_get(p, "ARN"));
	if (type && !strcmp(type, "SecureString") && (!decrypt || json_is_true(decrypt))) {
		log_add_secret(value);
		json_object_set_new(*out, DATA_SENSITIVE_KEY, json_pack("[s]", "value"));
	}
	/* The answer's copy: jansson frees without clearing. */
	explicit_bzero((char *)value, strlen(value));
	json_decref(res);
	return 0;
}

struct reader {
	const char *kind;
	int (*read)(const struct rt_ctx *c, json_t *args, json_t **out, struct diags *d);
};

static const struct reader readers[] = {
	{ "availability_zones", availability_zones },
	{ "caller_identity", caller_identity },
	{ "ssm_parameter", ssm_parameter },
	{ "vpc", vpc },
};

static const struct reader *reader_find(const char *kind)
{
	for (size_t i = 0; kind && i < ARRAY_SIZE(readers); i++)
		if (!strcmp(readers[i].kind, kind))
			return &readers[i];
	return NULL;
}

int data_read(const struct rt_ctx *c, const char *kind, json_t *args, json_t **out,
	      struct diags *d)
{
	const struct reader *r = reader_find(kind);
	if (!r) {
		diags_add(d, DIAG_ERROR, "no reader for data source kind '%s'", kind ? kind : "");
		return BERTH_EINVAL;
	}
	return r->read(c, args, out, d);
}

bool data_readable(const char *kind)
{
	return reader_find(kind) != NULL;
}
