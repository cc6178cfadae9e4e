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
 * DeleteQueryDefinition deletes. */
#include "util/common.h"
#include "resources/resource.h"

static const char *const identity[] = { "Name", NULL };

static void fill(struct live_resource *r, json_t *q)
{
	json_t *p = json_object(), *v;
	const char *id = json_string_value(json_object_get(q, "queryDefinitionId"));
	json_object_set(p, "Name", json_object_get(q, "name"));
	json_object_set(p, "QueryString", json_object_get(q, "queryString"));
	if ((v = json_object_get(q, "logGroupNames")) && json_array_size(v))
		json_object_set(p, "LogGroupNames", v);
	if ((v = json_object_get(q, "queryLanguage")) && json_is_string(v))
		json_object_set(p, "QueryLanguage", v);
	json_object_set_new(p, "QueryDefinitionId", json_string(id ? id : ""));
	r->props = p;
	r->id = xstrdup(id ? id : "");
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

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	(void)parents;
	json_t *defs = NULL;
	int err = list(c, &defs, d);
	if (err)
		return err;
	size_t i;
	json_t *q;
	json_array_foreach(defs, i, q)
		fill(live_set_add(out, rtype_logs_querydefinition.type_name), q);
	json_decref(defs);
	return 0;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	json_t *defs = NULL;
	int err = list(c, &defs, d);
	if (err)
		return err;
	size_t i;
	json_t *q, *found = NULL;
	json_array_foreach(defs, i, q) {
		const char *qid = json_string_value(json_object_get(q, "queryDefinitionId"));
		if (qid && !strcmp(qid, id))
			found = q;
	}
	if (found) {
		memset(out, 0, sizeof(*out));
		out->type = rtype_logs_querydefinition.type_name;
		fill(out, found);
	}
	json_decref(defs);
	return found ? 0 : BERTH_ENOTFOUND;
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
	const char *name = json_string_value(json_object_get(props, "Name"));
	const char *query = json_string_value(json_object_get(props, "QueryString"));
	if (!name || !query) {
		diags_add(d, DIAG_ERROR, "AWS::Logs::QueryDefinition: Name and QueryString must be known");
		return NULL;
	}
	json_t *params = json_pack("{s:s, s:s}", "name", name, "queryString", query), *v;
	json_object_set_new(params, "logGroupNames",
			    json_is_array(v = json_object_get(props, "LogGroupNames")) ? json_incref(v) :
											 json_array());
	if (json_is_string(v = json_object_get(props, "QueryLanguage")))
		json_object_set(params, "queryLanguage", v);
	return params;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	(void)address;
	(void)tags;
	json_t *params = put_params(props, d), *res = NULL;
	if (!params)
		return BERTH_EINVAL;
	/* A retry after a crash: a definition of this name in the stack's
	 * folder is the first attempt's (the folder is the stack's). */
	json_t *defs = NULL;
	int err = list(c, &defs, d);
	if (err) {
		json_decref(params);
		return err;
	}
	size_t i;
	json_t *q;
	const char *name = json_string_value(json_object_get(params, "name"));
	json_array_foreach(defs, i, q) {
		const char *qn = json_string_value(json_object_get(q, "name"));
		if (qn && !strcmp(qn, name))
			json_object_set(params, "queryDefinitionId", json_object_get(q, "queryDefinitionId"));
	}
	json_decref(defs);
	err = rt_call(c, "logs", "PutQueryDefinition", params, &res, d);
	json_decref(params);
	if (err)
		return err;
	const char *id = json_string_value(json_object_get(res, "queryDefinitionId"));
	if (!id) {
		json_decref(res);
		diags_add(d, DIAG_ERROR, "PutQueryDefinition answered without a queryDefinitionId");
		return BERTH_EAWS;
	}
	*id_out = xstrdup(id);
	json_decref(res);
	return 0;
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
	static const char *const gone[] = { "ResourceNotFoundException", NULL };
	json_t *params = json_pack("{s:s}", "queryDefinitionId", cur->id);
	int err = rt_call_expect(c, "logs", "DeleteQueryDefinition", params, NULL, gone, NULL, d);
	json_decref(params);
	return err == RT_EXPECTED ? 0 : err;
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
