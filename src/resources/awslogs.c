/* The log groups the awslogs log driver creates: a container definition
 * whose LogConfiguration says LogDriver awslogs and awslogs-create-group
 * true makes the ECS agent create awslogs-group when a task starts
 * (untagged; nobody deletes it). The task definition and a CloudFormation
 * stack whose template holds one declare these as side effects. */
#include "util/common.h"
#include "resources/typeutil.h"

#include "util/value.h"

/* Docker's awslogs driver reads the option with Go's strconv.ParseBool:
 * these are its true spellings. */
bool tu_awslogs_create_on(const char *v)
{
	static const char *const yes[] = { "1", "t", "T", "true", "True", "TRUE" };
	for (size_t i = 0; v && i < ARRAY_SIZE(yes); i++)
		if (!strcmp(v, yes[i]))
			return true;
	return false;
}

/* A value as a string: itself, or what resolve makes of it. Owned by the
 * caller; NULL when unknown. */
static char *value_text(json_t *v, tu_resolve_fn resolve, void *ctx)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (!v || !resolve || value_has_unknown(v))
		return NULL;
	return resolve(ctx, v);
}

void tu_awslogs_created_groups(json_t *containers, tu_resolve_fn resolve, void *ctx,
			       struct strvec *out)
{
	size_t i;
	json_t *ct;
	json_array_foreach(containers, i, ct) {
		json_t *lc = json_object_get(ct, "LogConfiguration");
		if (!json_is_string(json_object_get(lc, "LogDriver")) ||
		    strcmp(json_string_value(json_object_get(lc, "LogDriver")), "awslogs"))
			continue;
		json_t *opts = json_object_get(lc, "Options");
		char *create = value_text(json_object_get(opts, "awslogs-create-group"), resolve, ctx);
		char *group = tu_awslogs_create_on(create) ?
				      value_text(json_object_get(opts, "awslogs-group"), resolve, ctx) : NULL;
		if (group && *group && strvec_find(out, group) < 0)
			strvec_push(out, group);
		free(create);
		free(group);
	}
}
