/* The data source table (datasource.h): what each kind takes and gives. */
#include "util/common.h"
#include "schema/datasource.h"

#include "util/suggest.h"

static const char *const az_args[] = { "state", NULL };
static const char *const az_attrs[] = { "names", "zone_ids", NULL };
static const char *const caller_attrs[] = { "account_id", "arn", "user_id", NULL };
static const char *const ssm_args[] = { "name", "with_decryption", NULL };
static const char *const ssm_required[] = { "name", NULL };
static const char *const ssm_attrs[] = { "value", "version", "type", "arn", "name", NULL };
static const char *const vpc_args[] = { "id", "tags", "default", NULL };
static const char *const vpc_attrs[] = { "id", "cidr_block", "arn", NULL };
static const char *const none[] = { NULL };

/* Sorted by name. */
static const struct data_kind kinds[] = {
	{ "availability_zones", az_args, none, az_attrs },
	{ "caller_identity", none, none, caller_attrs },
	{ "ssm_parameter", ssm_args, ssm_required, ssm_attrs },
	{ "vpc", vpc_args, none, vpc_attrs },
};

const struct data_kind *data_kind_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i].name, name))
			return &kinds[i];
	return NULL;
}

const char *data_kind_suggest(const char *name)
{
	const char *names[ARRAY_SIZE(kinds)];
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		names[i] = kinds[i].name;
	return suggest_nearest(name, names, ARRAY_SIZE(kinds));
}

size_t data_kind_count(void)
{
	return ARRAY_SIZE(kinds);
}

const struct data_kind *data_kind_at(size_t i)
{
	return i < ARRAY_SIZE(kinds) ? &kinds[i] : NULL;
}
