/* AWS::Logs::QueryDefinition (saved Logs Insights queries) over the
 * CloudWatch Logs API.
 *
 * Query definitions cannot be tagged and have no parent, and their names
 * are free text, so berth keeps a stack's definitions in a folder named
 * after the stack: the Name "cpu" of stack "demo" is saved as "demo/cpu"
 * (the console shows '/' as folders). Refresh is then one paginated
 * DescribeQueryDefinitions with queryDefinitionNamePrefix "STACK/", and
 * every definition in that folder is this stack's; the engine matches them
 * to spec addresses by Name (the identity). A Name that already starts with
 * "STACK/" is kept as it is.
 *
 * PutQueryDefinition creates (without an id) and replaces (with the id);
 * DeleteQueryDefinition deletes. A description (generic.h) of the property
 * map, the put (generic_put.h) and the delete; the folder is its own. */
#include "util/common.h"
#include "resources/resource.h"

#include "resources/generic_put.h"

static const char *const identity[] = { "Name", NULL };

#define CR (RTA_CREATE | RTA_READ)

static const struct rtype_api api = {
	.type_name = "AWS::Logs::QueryDefinition", .service = "logs", .style = RTA_SERVICE,
	.item_id = "queryDefinitionId",
	.gone = (const char *const[]){ "ResourceNotFoundException", NULL },
	.create_op = "PutQueryDefinition",
	.delete_op = "DeleteQueryDefinition", .delete_id = "queryDefinitionId",
	.props = (const struct rta_prop[]){
		{ "Name", "name", CR, NULL, NULL },
		{ "QueryString", "queryString", CR, NULL, NULL },
		{ "LogGroupNames", "logGroupNames", CR | RTA_NONEMPTY | RTA_ALWAYS, NULL, "[]" },
		{ "QueryLanguage", "queryLanguage", CR, NULL, NULL },
		{ "QueryDefinitionId", "queryDefinitionId", RTA_ID, NULL, NULL },
		{ 0 } },
};

static void fill(struct live_resource *r, json_t *q)
{
	rta_fill(&api, NULL, r, q, NULL);
	r->detailed = true;
}

static char *folder(const char *stack)
{
	return xasprintf("%s/", stack);
}

static int list(const struct rt_ctx *c, json_t **out, struct diags *d)
{
	char *prefix = folder(c->stack);
	json_t *params = json_pack("{s:s}", "queryDefinitionNamePrefix", prefix), *all = NULL;
	int err = rt_call_all(c, "logs", "DescribeQueryDefinitions", params, "queryDefinitions", &all,
			      d);
	json_decref(params);
	if (!err) {
		/* Every definition answered is taken as this stack's, and
		 * destroy deletes them: so only those the prefix really names,
		 * whatever a server that ignored the prefix sent. */
		json_t *q;
		size_t i;
		*out = json_array();
		json_array_foreach(all, i, q) {
			const char *name = json_string_value(json_object_get(q, "name"));
			if (name && !strncmp(name, prefix, strlen(prefix)))
				json_array_append(*out, q);
		}
	}
	json_decref(all);
	free(prefix);
	return err;
}

/* The stack's definition whose `member` is `value`: *found, a new
 * reference, or NULL when there is none. */
static int find(const struct rt_ctx *c, const char *member, const char *value, json_t **found,
		struct diags *d)
{
	json_t *defs = NULL, *q;
	size_t i;
	int err = list(c, &defs, d);
	*found = NULL;
	json_array_foreach(defs, i, q) {
		const char *v = json_string_value(json_object_get(q, member));
		if (v && !strcmp(v, value)) {
			json_decref(*found);
			*found = json_incref(q);
		}
	}
	json_decref(defs);
	return err;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	json_t *defs = NULL;
	int err = list(c, &defs, d);
	size_t i;
	json_t *q;
	json_array_foreach(defs, i, q)
		fill(live_set_add(out, rtype_logs_querydefinition.type_name), q);
	json_decref(defs);
	return err;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *q = NULL;
	int err = find(c, "queryDefinitionId", id, &q, d);
	if (!err && !q)
		err = BERTH_ENOTFOUND;
	if (!err) {
		memset(out, 0, sizeof(*out));
		fill(out, q);
	}
	json_decref(q);
	return err;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	(void)address;
	const char *name = json_string_value(json_object_get(desired, "Name"));
	char *prefix = folder(stack);
	if (name && strncmp(name, prefix, strlen(prefix))) {
		char *full = xasprintf("%s%s", prefix, name);
		json_object_set_new(desired, "Name", json_string(full));
		free(full);
	}
	free(prefix);
}

static json_t *put_params(json_t *props, struct diags *d)
{
	if (!json_is_string(json_object_get(props, "Name")) ||
	    !json_is_string(json_object_get(props, "QueryString"))) {
		diags_add(d, DIAG_ERROR, "AWS::Logs::QueryDefinition: Name and QueryString must be known");
		return NULL;
	}
	return rta_put_params(&api, NULL, props, d);
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	(void)address;
	(void)tags;
	json_t *params = put_params(props, d), *q = NULL, *res = NULL;
	if (!params)
		return BERTH_EINVAL;
	/* A retry after a crash: a definition of this name in the stack's
	 * folder is the first attempt's (the folder is the stack's). */
	int err = find(c, "name", json_string_value(json_object_get(params, "name")), &q, d);
	if (!err && q)
		json_object_set(params, "queryDefinitionId", json_object_get(q, "queryDefinitionId"));
	json_decref(q);
	if (!err)
		err = rt_call(c, "logs", "PutQueryDefinition", params, &res, d);
	json_decref(params);
	const char *id = json_string_value(json_object_get(res, "queryDefinitionId"));
	if (!err && !id) {
		diags_add(d, DIAG_ERROR, "PutQueryDefinition answered without a queryDefinitionId");
		err = BERTH_EAWS;
	}
	if (!err)
		*id_out = xstrdup(id);
	json_decref(res);
	return err;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	(void)changed;
	(void)nchanged;
	json_t *params = put_params(desired, d);
	if (!params)
		return BERTH_EINVAL;
	json_object_set_new(params, "queryDefinitionId", json_string(cur->id));
	int err = rt_call(c, "logs", "PutQueryDefinition", params, NULL, d);
	json_decref(params);
	return err;
}

static int remove_def(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	return rta_remove(&api, c, cur, d);
}

const struct rtype rtype_logs_querydefinition = {
	.type_name = "AWS::Logs::QueryDefinition",
	.identity = identity,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.create = create,
	.update = update,
	.remove = remove_def,
};
