/* AWS::EC2::SubnetRouteTableAssociation over the EC2 API.
 *
 * Associations cannot be tagged: they are found through the stack's route
 * tables (one DescribeRouteTables for all of them) and matched to spec
 * addresses by SubnetId, since a subnet has at most one explicit
 * association. Both properties are create-only, so there is no update. */
#include "util/common.h"
#include "resources/ec2_common.h"

static const char *const identity[] = { "SubnetId", NULL };

static void fill(struct live_resource *r, json_t *a)
{
	const char *id = json_string_value(json_object_get(a, "RouteTableAssociationId"));
	r->type = "AWS::EC2::SubnetRouteTableAssociation";
	r->id = xstrdup(id ? id : "");
	r->props = json_pack("{s:s}", "Id", r->id);
	ec2_copy_str(r->props, "RouteTableId", a, "RouteTableId");
	ec2_copy_str(r->props, "SubnetId", a, "SubnetId");
	const char *t = json_string_value(json_object_get(a, "RouteTableId"));
	r->parent_id = t ? xstrdup(t) : NULL;
}

static bool is_subnet_association(json_t *a)
{
	const char *state = json_string_value(json_object_get(json_object_get(a, "AssociationState"), "State"));
	return json_is_string(json_object_get(a, "SubnetId")) && !json_is_true(json_object_get(a, "Main")) &&
	       !(state && (!strcmp(state, "disassociated") || !strcmp(state, "disassociating")));
}

static int list(const struct rt_ctx *c, json_t *filters, struct live_set *out, struct diags *d)
{
	json_t *tables = NULL, *params = json_pack("{s:o}", "Filters", filters);
	int err = rt_call_all(c, "ec2", "DescribeRouteTables", params, "RouteTables", &tables, d);
	json_decref(params);
	if (err)
		return err;
	size_t i, k;
	json_t *t, *a;
	json_array_foreach(tables, i, t)
		json_array_foreach(json_object_get(t, "Associations"), k, a)
			if (is_subnet_association(a))
				fill(live_set_add(out, "AWS::EC2::SubnetRouteTableAssociation"), a);
	json_decref(tables);
	return 0;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	if (!parents->n)
		return 0;
	json_t *ids = json_array();
	for (size_t i = 0; i < parents->n; i++)
		json_array_append_new(ids, json_string(parents->v[i].id));
	return list(c, json_pack("[{s:s, s:o}]", "Name", "route-table-id", "Values", ids), out, d);
}

/* The association with this id, or of this subnet when by_subnet. */
static int find(const struct rt_ctx *c, const char *key, bool by_subnet,
		struct live_resource *out, struct diags *d)
{
	struct live_set found = LIVE_SET_INIT;
	int err = list(c, json_pack("[{s:s, s:[s]}]", "Name",
				   by_subnet ? "association.subnet-id" : "association.route-table-association-id",
				   "Values", key), &found, d);
	if (!err) {
		err = BERTH_ENOTFOUND;
		for (size_t i = 0; i < found.n && err; i++) {
			const char *v = json_string_value(json_object_get(found.v[i].props,
									  by_subnet ? "SubnetId" : "Id"));
			if (v && !strcmp(v, key)) {
				*out = found.v[i];
				memset(&found.v[i], 0, sizeof(found.v[i]));
				err = 0;
			}
		}
	}
	live_set_release(&found);
	return err;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	return find(c, id, false, out, d);
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	(void)address;
	(void)tags;
	char t1[64], t2[64];
	const char *table = rt_str(props, "RouteTableId", t1), *subnet = rt_str(props, "SubnetId", t2);
	if (!table || !subnet) {
		diags_add(d, DIAG_ERROR, "AWS::EC2::SubnetRouteTableAssociation: RouteTableId and SubnetId are required");
		return BERTH_EINVAL;
	}
	static const char *const exists[] = { "Resource.AlreadyAssociated", NULL };
	json_t *res = NULL, *params = json_pack("{s:s, s:s}", "RouteTableId", table, "SubnetId", subnet);
	int err = rt_call_expect(c, "ec2", "AssociateRouteTable", params, &res, exists, NULL, d);
	json_decref(params);
	if (!err) {
		*id_out = xstrdup(json_string_value(json_object_get(res, "AssociationId")));
		json_decref(res);
		return 0;
	}
	if (err != RT_EXPECTED)
		return err;
	/* The subnet is associated already: a retry after a crash when it is
	 * with this table, else a conflict berth does not resolve silently. */
	struct live_resource cur;
	err = find(c, subnet, true, &cur, d);
	if (err == BERTH_ENOTFOUND) {
		diags_add(d, DIAG_ERROR, "subnet %s is associated with a route table, but the association cannot be read", subnet);
		return BERTH_ERROR;
	}
	if (err)
		return err;
	const char *with = json_string_value(json_object_get(cur.props, "RouteTableId"));
	if (!with || strcmp(with, table)) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "subnet %s is already associated with route table %s",
					    subnet, with ? with : "?");
		diag_set_detail(dg, "a subnet has one route table; remove the other association first");
		live_resource_release(&cur);
		return BERTH_ECONFLICT;
	}
	*id_out = xstrdup(cur.id);
	live_resource_release(&cur);
	return 0;
}

static int remove_assoc(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	static const char *const gone[] = { "InvalidAssociationID.NotFound", NULL };
	json_t *params = json_pack("{s:s}", "AssociationId", cur->id);
	int err = ec2_delete_call(c, "DisassociateRouteTable", params, gone, NULL, NULL, d);
	json_decref(params);
	return err;
}

const struct rtype rtype_ec2_subnetroutetableassociation = {
	.type_name = "AWS::EC2::SubnetRouteTableAssociation",
	.parent_type = "AWS::EC2::RouteTable",
	.identity = identity,
	.read_all = read_all,
	.read_one = read_one,
	.create = create,
	.remove = remove_assoc,
};
