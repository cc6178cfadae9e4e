/* The log group calls of loggroups.h, on AWS. */
#include "util/common.h"
#include "resources/loggroups.h"

#include "resources/resource.h"

int lg_created(const struct rt_ctx *c, const char *name, long long *ms, struct diags *d)
{
	/* Names sort, so in AWS the group itself comes first among those it
	 * prefixes; but a server that ignores the prefix (or sorts otherwise)
	 * would answer other groups first, and "no such group" would have the
	 * user's own deleted. So the answers are paged until the exact name
	 * (or their end). */
	json_t *params = json_pack("{s:s, s:i}", "logGroupNamePrefix", name, "limit", 50);
	int err = 0;
	bool found = false;
	*ms = 0;
	while (!found && !err) {
		json_t *res = NULL;
		if ((err = rt_call(c, "logs", "DescribeLogGroups", params, &res, d)))
			break;
		size_t i;
		json_t *g;
		json_array_foreach(json_object_get(res, "logGroups"), i, g) {
			const char *n = json_string_value(json_object_get(g, "logGroupName"));
			if (found || !n || strcmp(n, name))
				continue;
			json_t *t = json_object_get(g, "creationTime");
			*ms = json_is_integer(t) && json_integer_value(t) > 0 ? json_integer_value(t)
									      : -1;
			found = true;
		}
		const char *next = json_string_value(json_object_get(res, "nextToken"));
		const char *prev = json_string_value(json_object_get(params, "nextToken"));
		bool more = next && *next && (!prev || strcmp(prev, next));
		if (more)
			json_object_set_new(params, "nextToken", json_string(next));
		json_decref(res);
		if (!more)
			break;
	}
	json_decref(params);
	return err;
}

int lg_delete(const struct rt_ctx *c, const char *name, struct diags *d)
{
	static const char *const gone[] = { "ResourceNotFoundException", NULL };
	json_t *params = json_pack("{s:s}", "logGroupName", name);
	int err = rt_call_expect(c, "logs", "DeleteLogGroup", params, NULL, gone, NULL, d);
	json_decref(params);
	return err == RT_EXPECTED ? 0 : err;
}
