/* AWS::IAM::Policy: an inline policy put on roles (PutRolePolicy).
 *
 * An inline policy cannot be tagged, and a role's inline policies may also
 * be its own (AWS::IAM::Role's Policies). So this type marks each role it
 * puts its policy on with the tag berth:policy:NAME = its address, and is
 * found through the stack's roles by that mark; the role leaves marked
 * policies out of its own Policies. The physical id is NAME|ROLE[,ROLE...]
 * (CloudFormation's Id is its own invention too). Users and groups are not
 * supported (berth manages no IAM users or groups). */
#include "util/common.h"
#include "resources/resource.h"

#include "resources/typeutil.h"
#include "util/buf.h"

static const char *const identity[] = { "PolicyName", NULL };
static const char *const no_such[] = { "NoSuchEntity", NULL };

static char *make_id(const char *name, json_t *roles)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s|", name);
	size_t i;
	json_t *r;
	json_array_foreach(roles, i, r)
		buf_addf(&b, "%s%s", i ? "," : "", json_string_value(r) ? json_string_value(r) : "");
	return buf_detach(&b, NULL);
}

/* A role given by name or ARN, as its name. */
static const char *role_name(const char *ref)
{
	const char *slash = ref && !strncmp(ref, "arn:", 4) ? strrchr(ref, '/') : NULL;
	return slash ? slash + 1 : ref;
}

static int get_policy(const struct rt_ctx *c, const char *role, const char *name, json_t **doc,
		      struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:s, s:s}", "RoleName", role, "PolicyName", name);
	int err = rt_call_expect(c, "iam", "GetRolePolicy", params, &res, no_such, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	*doc = tu_policy_doc(json_object_get(res, "PolicyDocument"));
	json_decref(res);
	return 0;
}

static void set_identity(struct live_resource *r, const char *name, json_t *roles, json_t *doc)
{
	json_decref(r->props);
	r->props = json_pack("{s:s, s:O, s:O}", "PolicyName", name, "Roles", roles, "PolicyDocument",
			     doc ? doc : json_null());
	free(r->id);
	r->id = make_id(name, roles);
	json_object_set_new(r->props, "Id", json_string(r->id));
	free(r->parent_id);
	r->parent_id = json_array_size(roles) ? xstrdup(json_string_value(json_array_get(roles, 0)))
					      : NULL;
	r->detailed = true;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	/* {address: {"name": s, "roles": [...], "doc": {...}}} */
	json_t *found = json_object();
	int err = 0;
	size_t plen = strlen(IAM_POLICY_TAG_PREFIX);
	for (size_t i = 0; i < parents->n && !err; i++) {
		const struct live_resource *role = &parents->v[i];
		const char *k;
		json_t *v;
		json_object_foreach(role->tags, k, v) {
			if (strncmp(k, IAM_POLICY_TAG_PREFIX, plen) || !json_is_string(v))
				continue;
			const char *name = k + plen;
			json_t *doc = NULL;
			err = get_policy(c, role->id, name, &doc, d);
			if (err == BERTH_ENOTFOUND) {
				err = 0; /* the mark outlived the policy */
				continue;
			}
			if (err)
				break;
			char *addr = rt_tag_decode(json_string_value(v));
			json_t *e = json_object_get(found, addr);
			if (!e) {
				e = json_pack("{s:s, s:[], s:o}", "name", name, "roles", "doc",
					      doc ? doc : json_null());
				json_object_set_new(found, addr, e);
			} else {
				json_decref(doc);
			}
			json_array_append_new(json_object_get(e, "roles"), json_string(role->id));
			free(addr);
		}
	}
	const char *addr;
	json_t *e;
	json_object_foreach(found, addr, e) {
		if (err)
			break;
		struct live_resource *r = live_set_add(out, rtype_iam_policy.type_name);
		set_identity(r, json_string_value(json_object_get(e, "name")),
			     json_object_get(e, "roles"), json_object_get(e, "doc"));
		r->address = xstrdup(addr);
	}
	json_decref(found);
	return err;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	const char *bar = strchr(id, '|');
	if (!bar) {
		diags_add(d, DIAG_ERROR, "%s: not an AWS::IAM::Policy id (NAME|ROLE,...)", id);
		return BERTH_EINVAL;
	}
	char *name = xstrndup(id, (size_t)(bar - id));
	json_t *roles = json_array(), *doc = NULL;
	int err = 0;
	for (const char *p = bar + 1; *p && !err;) {
		const char *comma = strchr(p, ',');
		char *role = comma ? xstrndup(p, (size_t)(comma - p)) : xstrdup(p);
		json_t *one = NULL;
		err = get_policy(c, role, name, &one, d);
		if (!err) {
			json_array_append_new(roles, json_string(role));
			if (!doc)
				doc = one;
			else
				json_decref(one);
		} else if (err == BERTH_ENOTFOUND) {
			err = 0;
		}
		free(role);
		p = comma ? comma + 1 : p + strlen(p);
	}
	if (!err && !json_array_size(roles))
		err = BERTH_ENOTFOUND;
	if (!err) {
		memset(out, 0, sizeof(*out));
		out->type = rtype_iam_policy.type_name;
		set_identity(out, name, roles, doc);
	}
	json_decref(roles);
	json_decref(doc);
	free(name);
	return err;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	(void)stack;
	(void)address;
	json_t *doc = json_object_get(desired, "PolicyDocument");
	if (json_is_string(doc)) {
		json_t *parsed = tu_policy_doc(doc);
		if (parsed)
			json_object_set_new(desired, "PolicyDocument", parsed);
	}
	/* Roles by name, as IAM and the id spell them. */
	json_t *roles = json_object_get(desired, "Roles"), *r;
	size_t i;
	json_array_foreach(roles, i, r)
		if (json_is_string(r) && strcmp(role_name(json_string_value(r)), json_string_value(r)))
			json_array_set_new(roles, i, json_string(role_name(json_string_value(r))));
}

static int put_on(const struct rt_ctx *c, const char *role, const char *name, const char *doc,
		  const char *address, struct diags *d)
{
	json_t *params = json_pack("{s:s, s:s, s:s}", "RoleName", role, "PolicyName", name,
				   "PolicyDocument", doc);
	int err = rt_call(c, "iam", "PutRolePolicy", params, NULL, d);
	json_decref(params);
	if (err)
		return err;
	char *key = xasprintf("%s%s", IAM_POLICY_TAG_PREFIX, name);
	char *val = rt_tag_encode(address);
	params = json_pack("{s:s, s:[{s:s, s:s}]}", "RoleName", role, "Tags", "Key", key, "Value", val);
	err = rt_call(c, "iam", "TagRole", params, NULL, d);
	json_decref(params);
	free(key);
	free(val);
	return err;
}

static int take_off(const struct rt_ctx *c, const char *role, const char *name, struct diags *d)
{
	json_t *params = json_pack("{s:s, s:s}", "RoleName", role, "PolicyName", name);
	int err = rt_call_expect(c, "iam", "DeleteRolePolicy", params, NULL, no_such, NULL, d);
	json_decref(params);
	if (err < 0)
		return err;
	char *key = xasprintf("%s%s", IAM_POLICY_TAG_PREFIX, name);
	params = json_pack("{s:s, s:[s]}", "RoleName", role, "TagKeys", key);
	err = rt_call_expect(c, "iam", "UntagRole", params, NULL, no_such, NULL, d);
	json_decref(params);
	free(key);
	return err < 0 ? err : 0;
}

static bool has_role(json_t *roles, const char *role)
{
	size_t i;
	json_t *r;
	json_array_foreach(roles, i, r)
		if (json_is_string(r) && !strcmp(role_name(json_string_value(r)), role))
			return true;
	return false;
}

/* Puts the policy on every desired role (idempotent), takes it off the
 * others of `have`. */
static int sync(const struct rt_ctx *c, const char *address, json_t *props, json_t *have,
		struct diags *d)
{
	int err = 0;
	const char *name = json_string_value(json_object_get(props, "PolicyName"));
	char *doc = tu_doc_text(json_object_get(props, "PolicyDocument"));
	json_t *roles = json_object_get(props, "Roles");
	if (!name || !doc || !json_array_size(roles)) {
		diags_add(d, DIAG_ERROR, "AWS::IAM::Policy: PolicyName, PolicyDocument and Roles must be known");
		free(doc);
		return BERTH_EINVAL;
	}
	size_t i;
	json_t *r;
	json_array_foreach(roles, i, r)
		if (!err && json_is_string(r))
			err = put_on(c, role_name(json_string_value(r)), name, doc, address, d);
	json_array_foreach(have, i, r)
		if (!err && json_is_string(r) && !has_role(roles, json_string_value(r)))
			err = take_off(c, json_string_value(r), name, d);
	free(doc);
	return err;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	(void)tags;
	int err = sync(c, address, props, NULL, d);
	if (err)
		return err;
	json_t *names = json_array(), *r;
	size_t i;
	json_array_foreach(json_object_get(props, "Roles"), i, r)
		json_array_append_new(names, json_string(role_name(json_string_value(r))));
	*id_out = make_id(json_string_value(json_object_get(props, "PolicyName")), names);
	json_decref(names);
	return 0;
}

/* What update changes in place: the document, the roles and the name (a
 * new name is put on every role and the old one taken off); the rest
 * (groups, users) replaces. */
static bool updates(const char *prop)
{
	return !strcmp(prop, "PolicyDocument") || !strcmp(prop, "Roles") ||
	       !strcmp(prop, "PolicyName");
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	for (size_t i = 0; i < nchanged; i++)
		if (!updates(changed[i])) {
			diags_add(d, DIAG_ERROR, "AWS::IAM::Policy: berth cannot change %s in place",
				  changed[i]);
			return BERTH_EINVAL;
		}
	const char *old = json_string_value(json_object_get(cur->props, "PolicyName"));
	const char *now = json_string_value(json_object_get(desired, "PolicyName"));
	/* A new name is a new policy: the old one comes off every role. */
	if (old && now && strcmp(old, now)) {
		size_t i;
		json_t *r;
		json_array_foreach(json_object_get(cur->props, "Roles"), i, r) {
			int err = take_off(c, json_string_value(r), old, d);
			if (err)
				return err;
		}
		return sync(c, cur->address ? cur->address : "", desired, NULL, d);
	}
	return sync(c, cur->address ? cur->address : "", desired,
		    json_object_get(cur->props, "Roles"), d);
}

static int remove_policy(const struct rt_ctx *c, const struct live_resource *cur,
			 struct diags *d)
{
	const char *name = json_string_value(json_object_get(cur->props, "PolicyName"));
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(cur->props, "Roles"), i, r) {
		int err = take_off(c, json_string_value(r), name ? name : "", d);
		if (err)
			return err;
	}
	return 0;
}

const struct rtype rtype_iam_policy = {
	.type_name = "AWS::IAM::Policy",
	.parent_type = "AWS::IAM::Role",
	.identity = identity,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.create = create,
	.update = update,
	.updates = updates,
	.remove = remove_policy,
};
