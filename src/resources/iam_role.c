/* AWS::IAM::Role over the IAM API.
 *
 * Refresh: the tagging API's GetResources does not list IAM roles (AWS says
 * so), so ListRoles (paged) gives the account's roles and ListRoleTags
 * tells which are this stack's; service-linked roles (/aws-service-role/)
 * are skipped, since nobody can tag them. That costs one call per role in
 * the account: IAM offers nothing cheaper. Inline policies and attached
 * managed policies cost calls per role too, so they are detail properties.
 *
 * IAM answers policy documents URL-encoded; they are kept as parsed JSON so
 * the diff compares documents, not strings. RoleName is the physical id; a
 * role without one in the spec gets a deterministic name. Deleting first
 * removes inline policies, detaches managed ones and takes the role out of
 * instance profiles (IAM refuses before): the description's dependents. */
#include "util/common.h"
#include "resources/resource.h"

#include "resources/generic.h"
#include "resources/typeutil.h"

static const char *const detail_props[] = { "ManagedPolicyArns", "Policies", NULL };

static const struct rtype_api api = {
	.type_name = "AWS::IAM::Role", .service = "iam", .style = RTA_SERVICE, .kind = "role",
	.what = "IAM role", .get_op = "GetRole", .get_id = "RoleName", .get_item = "Role",
	.item_id = "RoleName", .item_arn = "Arn", .item_tags = "Tags",
	.gone = (const char *const[]){ "NoSuchEntity", NULL },
	.props = (const struct rta_prop[]){
		{ "RoleName", "RoleName", RTA_CREATE | RTA_ID, NULL, NULL },
		{ "AssumeRolePolicyDocument", "AssumeRolePolicyDocument", RTA_CREATE | RTA_DOC,
		  NULL, NULL },
		{ "Path", "Path", RTA_CREATE | RTA_READ, NULL, NULL },
		{ "Description", "Description", RTA_CREATE | RTA_READ, NULL, NULL },
		{ "MaxSessionDuration", "MaxSessionDuration", RTA_CREATE | RTA_READ | RTA_INT,
		  NULL, NULL },
		{ "PermissionsBoundary", "PermissionsBoundary.PermissionsBoundaryArn",
		  RTA_READ | RTA_PATH, NULL, NULL },
		{ "Arn", "Arn", RTA_READ, NULL, NULL },
		{ "RoleId", "RoleId", RTA_READ, NULL, NULL },
		{ 0 } },
	.name_prop = "RoleName", .name_max = 64,
	.delete_op = "DeleteRole", .delete_id = "RoleName",
	/* IAM refuses DeleteRole while any of these is left (DeleteConflict):
	 * inline policies (an AWS::IAM::Policy's too, the role going with
	 * them), managed policies, instance profiles holding it (made by hand
	 * for an EC2 host: the profile stays, empty, as Terraform leaves it). */
	.dependents = (const struct rta_dependent[]){
		{ "ListRolePolicies", "PolicyNames", NULL, "DeleteRolePolicy", "PolicyName" },
		{ "ListAttachedRolePolicies", "AttachedPolicies", "PolicyArn", "DetachRolePolicy",
		  "PolicyArn" },
		{ "ListInstanceProfilesForRole", "InstanceProfiles", "InstanceProfileName",
		  "RemoveRoleFromInstanceProfile", "InstanceProfileName" },
		{ 0 } },
};

/* "arn:aws:iam::ACCOUNT:role/PATH/NAME", not a service-linked role. */
static int owns_arn(const char *arn)
{
	return rtg_owns_arn(&api, arn) && !strstr(arn, ":role/aws-service-role/");
}

static int list_tags(const struct rt_ctx *c, const char *name, json_t **out, struct diags *d)
{
	json_t *params = json_pack("{s:s}", "RoleName", name), *tags = NULL;
	int err = rt_call_all(c, "iam", "ListRoleTags", params, "Tags", &tags, d);
	json_decref(params);
	if (err)
		return err;
	*out = rt_tags_to_map(tags);
	json_decref(tags);
	return 0;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	json_t *roles = NULL;
	int err = rt_call_all(c, "iam", "ListRoles", NULL, "Roles", &roles, d);
	if (err)
		return err;
	size_t i;
	json_t *role;
	json_array_foreach(roles, i, role) {
		const char *name = json_string_value(json_object_get(role, "RoleName"));
		const char *path = json_string_value(json_object_get(role, "Path"));
		if (!name || (path && !strncmp(path, "/aws-service-role/", 18)))
			continue;
		json_t *tags = NULL;
		struct diags td = DIAGS_INIT;
		err = list_tags(c, name, &tags, &td);
		if (err) {
			/* Deleted between the listing and now: not ours to report. */
			bool gone = td.n && td.items[0].aws_code &&
				    !strcmp(td.items[0].aws_code, "NoSuchEntity");
			if (!gone)
				diags_move(d, &td);
			diags_release(&td);
			if (gone) {
				err = 0;
				continue;
			}
			break;
		}
		diags_release(&td);
		const char *st = json_string_value(json_object_get(tags, TAG_STACK));
		if (!st || strcmp(st, c->stack)) {
			json_decref(tags);
			continue;
		}
		struct live_resource *r = live_set_add(out, rtype_iam_role.type_name);
		rtg_fill(&api, NULL, r, role, tags);
		r->detailed = false;
	}
	json_decref(roles);
	(void)parents;
	return err;
}

/* AWS::IAM::Policy marks the roles it puts its inline policy on with the
 * tag berth:policy:NAME (iam_policy.c). */
static bool is_policy_resource(json_t *tags, const char *name)
{
	char *key = xasprintf("%s%s", IAM_POLICY_TAG_PREFIX, name ? name : "");
	bool r = json_object_get(tags, key) != NULL;
	free(key);
	return r;
}

static int read_detail(const struct rt_ctx *c, struct live_resource *r, struct diags *d)
{
	json_t *names = NULL, *attached = NULL, *policies = json_array(), *arns = json_array();
	json_t *params = json_pack("{s:s}", "RoleName", r->id);
	int err = rt_call_all(c, "iam", "ListRolePolicies", params, "PolicyNames", &names, d);
	if (!err)
		err = rt_call_all(c, "iam", "ListAttachedRolePolicies", params, "AttachedPolicies",
				  &attached, d);
	json_decref(params);
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v) {
		if (err)
			break;
		if (is_policy_resource(r->tags, json_string_value(v)))
			continue; /* an AWS::IAM::Policy's, not the role's own */
		json_t *res = NULL;
		params = json_pack("{s:s, s:O}", "RoleName", r->id, "PolicyName", v);
		err = rt_call(c, "iam", "GetRolePolicy", params, &res, d);
		json_decref(params);
		if (err)
			break;
		json_t *doc = tu_policy_doc(json_object_get(res, "PolicyDocument"));
		json_array_append_new(policies, json_pack("{s:O, s:o}", "PolicyName", v, "PolicyDocument",
							  doc ? doc : json_null()));
		json_decref(res);
	}
	json_array_foreach(attached, i, v)
		if (json_is_string(json_object_get(v, "PolicyArn")))
			json_array_append(arns, json_object_get(v, "PolicyArn"));
	if (!err) {
		json_object_set(r->props, "Policies", policies);
		json_object_set(r->props, "ManagedPolicyArns", arns);
		r->detailed = true;
	} else if (d->n && d->items[d->n - 1].aws_code &&
		   !strcmp(d->items[d->n - 1].aws_code, "NoSuchEntity")) {
		err = BERTH_ENOTFOUND;
	}
	json_decref(names);
	json_decref(attached);
	json_decref(policies);
	json_decref(arns);
	return err;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	int err = rtg_read_one(&api, c, id, out, d);
	if (err)
		return err;
	struct diags dd = DIAGS_INIT;
	err = read_detail(c, out, &dd);
	if (err == BERTH_ENOTFOUND)
		diags_release(&dd);
	diags_move(d, &dd);
	diags_release(&dd);
	if (err)
		live_resource_release(out);
	return err;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	rtg_normalise(&api, stack, address, desired);
}

static int call_role(const struct rt_ctx *c, const char *op, const char *role, const char *k1,
		     const char *v1, const char *k2, const char *v2, struct diags *d)
{
	json_t *params = json_pack("{s:s}", "RoleName", role);
	if (k1)
		json_object_set_new(params, k1, json_string(v1));
	if (k2)
		json_object_set_new(params, k2, json_string(v2));
	static const char *const gone[] = { "NoSuchEntity", NULL };
	bool tolerate = !strncmp(op, "Delete", 6) || !strncmp(op, "Detach", 6);
	int err = tolerate ? rt_call_expect(c, "iam", op, params, NULL, gone, NULL, d)
			   : rt_call(c, "iam", op, params, NULL, d);
	json_decref(params);
	return err == RT_EXPECTED ? 0 : err;
}

static int put_policy(const struct rt_ctx *c, const char *role, json_t *pol, struct diags *d)
{
	const char *name = json_string_value(json_object_get(pol, "PolicyName"));
	char *doc = tu_doc_text(json_object_get(pol, "PolicyDocument"));
	int err = 0;
	if (!name || !doc) {
		diags_add(d, DIAG_ERROR, "AWS::IAM::Role: each of Policies needs PolicyName and PolicyDocument");
		err = BERTH_EINVAL;
	} else {
		err = call_role(c, "PutRolePolicy", role, "PolicyName", name, "PolicyDocument", doc, d);
	}
	free(doc);
	return err;
}

static bool has_policy_named(json_t *list, const char *name)
{
	size_t i;
	json_t *p;
	json_array_foreach(list, i, p) {
		const char *n = json_string_value(json_object_get(p, "PolicyName"));
		if (n && !strcmp(n, name))
			return true;
	}
	return false;
}

static bool has_string(json_t *list, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return true;
	return false;
}

/* Makes the role's inline policies `want` (every one put again: PutRolePolicy
 * is cheap and idempotent) and removes the others of `have`. */
static int sync_policies(const struct rt_ctx *c, const char *role, json_t *want, json_t *have,
			 struct diags *d)
{
	size_t i;
	json_t *p;
	int err = 0;
	json_array_foreach(want, i, p)
		if ((err = put_policy(c, role, p, d)))
			return err;
	json_array_foreach(have, i, p) {
		const char *n = json_string_value(json_object_get(p, "PolicyName"));
		if (n && !has_policy_named(want, n) &&
		    (err = call_role(c, "DeleteRolePolicy", role, "PolicyName", n, NULL, NULL, d)))
			return err;
	}
	return 0;
}

static int sync_managed(const struct rt_ctx *c, const char *role, json_t *want, json_t *have,
			struct diags *d)
{
	size_t i;
	json_t *v;
	int err = 0;
	json_array_foreach(want, i, v)
		if (json_is_string(v) && !has_string(have, json_string_value(v)) &&
		    (err = call_role(c, "AttachRolePolicy", role, "PolicyArn", json_string_value(v),
				     NULL, NULL, d)))
			return err;
	json_array_foreach(have, i, v)
		if (json_is_string(v) && !has_string(want, json_string_value(v)) &&
		    (err = call_role(c, "DetachRolePolicy", role, "PolicyArn", json_string_value(v),
				     NULL, NULL, d)))
			return err;
	return 0;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	const char *name = json_string_value(json_object_get(props, "RoleName"));
	json_t *own = rtg_create_params(&api, props), *params = NULL;
	json_t *trust = json_object_get(own, "AssumeRolePolicyDocument");
	int err = 0;
	if (!name || !trust) {
		diags_add(d, DIAG_ERROR, "AWS::IAM::Role: RoleName and AssumeRolePolicyDocument must be known");
		err = BERTH_EINVAL;
		goto cleanup;
	}
	/* In the order IAM's query string has always had them. */
	params = json_pack("{s:s, s:O, s:o}", "RoleName", name, "AssumeRolePolicyDocument", trust,
			   "Tags", rt_tags_to_list(tags, false));
	json_object_update(params, own);
	static const char *const exists[] = { "EntityAlreadyExists", NULL };
	err = rt_call_expect(c, "iam", "CreateRole", params, NULL, exists, NULL, d);
	json_t *have_pol = NULL, *have_arns = NULL;
	if (err == RT_EXPECTED) {
		/* A retry after a crash, or someone else's role. */
		struct live_resource cur;
		if ((err = read_one(c, name, &cur, d)))
			goto cleanup;
		err = tu_check_ours(c, cur.tags, address, "IAM role", name, d);
		have_pol = json_incref(json_object_get(cur.props, "Policies"));
		have_arns = json_incref(json_object_get(cur.props, "ManagedPolicyArns"));
		live_resource_release(&cur);
	}
	if (!err)
		err = sync_policies(c, name, json_object_get(props, "Policies"), have_pol, d);
	if (!err)
		err = sync_managed(c, name, json_object_get(props, "ManagedPolicyArns"), have_arns, d);
	json_decref(have_pol);
	json_decref(have_arns);
	if (!err)
		*id_out = xstrdup(name);
cleanup:
	json_decref(own);
	json_decref(params);
	return err;
}

/* What update changes in place, a branch each below; the rest replaces. */
static bool updates(const char *prop)
{
	static const char *const props[] = { "AssumeRolePolicyDocument", "Description",
					     "MaxSessionDuration", "Policies",
					     "ManagedPolicyArns" };
	for (size_t i = 0; i < ARRAY_SIZE(props); i++)
		if (!strcmp(props[i], prop))
			return true;
	return false;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	char tmp[64];
	int err = 0;
	bool role_fields = false;
	for (size_t i = 0; i < nchanged && !err; i++) {
		const char *p = changed[i];
		if (!strcmp(p, "AssumeRolePolicyDocument")) {
			char *doc = tu_doc_text(json_object_get(desired, p));
			err = call_role(c, "UpdateAssumeRolePolicy", cur->id, "PolicyDocument",
					doc ? doc : "", NULL, NULL, d);
			free(doc);
		} else if (!strcmp(p, "Description") || !strcmp(p, "MaxSessionDuration")) {
			role_fields = true;
		} else if (!strcmp(p, "Policies")) {
			err = sync_policies(c, cur->id, json_object_get(desired, p),
					    json_object_get(cur->props, p), d);
		} else if (!strcmp(p, "ManagedPolicyArns")) {
			err = sync_managed(c, cur->id, json_object_get(desired, p),
					   json_object_get(cur->props, p), d);
		} else {
			diags_add(d, DIAG_ERROR, "AWS::IAM::Role: berth cannot change %s in place", p);
			err = BERTH_EINVAL;
		}
	}
	if (!err && role_fields) {
		/* UpdateRole sets both; an absent description becomes "". */
		const char *desc = rt_str(desired, "Description", tmp);
		json_t *params = json_pack("{s:s, s:s, s:I}", "RoleName", cur->id, "Description",
					   desc ? desc : "", "MaxSessionDuration",
					   (json_int_t)tu_int(desired, "MaxSessionDuration", 3600));
		err = rt_call(c, "iam", "UpdateRole", params, NULL, d);
		json_decref(params);
	}
	return err;
}

static int set_tags(const struct rt_ctx *c, const struct live_resource *cur, json_t *add,
		    json_t *remove_keys, struct diags *d)
{
	int err = 0;
	if (json_object_size(add)) {
		json_t *params = json_pack("{s:s, s:o}", "RoleName", cur->id, "Tags",
					   rt_tags_to_list(add, false));
		err = rt_call(c, "iam", "TagRole", params, NULL, d);
		json_decref(params);
	}
	/* The AWS::IAM::Policy marks are not the role's tags to remove. */
	json_t *keys = json_array(), *k;
	size_t i;
	json_array_foreach(remove_keys, i, k)
		if (json_is_string(k) && strncmp(json_string_value(k), IAM_POLICY_TAG_PREFIX,
						 strlen(IAM_POLICY_TAG_PREFIX)))
			json_array_append(keys, k);
	if (!err && json_array_size(keys)) {
		json_t *params = json_pack("{s:s, s:O}", "RoleName", cur->id, "TagKeys", keys);
		err = rt_call(c, "iam", "UntagRole", params, NULL, d);
		json_decref(params);
	}
	json_decref(keys);
	return err;
}

static int remove_role(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	return rtg_remove(&api, c, cur, d);
}

const struct rtype rtype_iam_role = {
	.type_name = "AWS::IAM::Role",
	.tag_filter = "iam:role",
	.owns_arn = owns_arn,
	.detail_props = detail_props,
	.read_all = read_all,
	.read_one = read_one,
	.read_detail = read_detail,
	.normalise = normalise,
	.create = create,
	.update = update,
	.updates = updates,
	.set_tags = set_tags,
	.remove = remove_role,
};
