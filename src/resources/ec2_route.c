/* AWS::EC2::Route over the EC2 API.
 *
 * Routes cannot be tagged: they are found through the stack's route tables
 * (one DescribeRouteTables for all of them) and matched to spec addresses
 * by (RouteTableId, DestinationCidrBlock). The physical id is
 * "RTB|CIDR", as CloudFormation's. The target changes in place with
 * ReplaceRoute. The local route and propagated ones are AWS's, not ours. */
#include "util/common.h"
#include "resources/ec2_common.h"

#include "util/buf.h"

static const char *const identity[] = { "RouteTableId", "DestinationCidrBlock", NULL };
static const char *const rtb_gone[] = { "InvalidRouteTableID.NotFound", NULL };
/* The targets a route can have (CloudFormation and API names agree). */
static const char *const targets[] = { "GatewayId", "NatGatewayId", "InstanceId",
				       "NetworkInterfaceId", "VpcPeeringConnectionId",
				       "TransitGatewayId", "EgressOnlyInternetGatewayId",
				       "LocalGatewayId", "CarrierGatewayId", "CoreNetworkArn", NULL };

static void fill(struct live_resource *r, const char *table, json_t *route)
{
	const char *dest = json_string_value(json_object_get(route, "DestinationCidrBlock"));
	r->type = "AWS::EC2::Route";
	r->id = xasprintf("%s|%s", table, dest);
	r->parent_id = xstrdup(table);
	r->props = json_pack("{s:s, s:s, s:s}", "RouteTableId", table, "DestinationCidrBlock", dest,
			     "CidrBlock", dest);
	for (size_t i = 0; targets[i]; i++)
		ec2_copy_str(r->props, targets[i], route, targets[i]);
}

static bool ours(json_t *route)
{
	const char *origin = json_string_value(json_object_get(route, "Origin"));
	const char *gw = json_string_value(json_object_get(route, "GatewayId"));
	return json_is_string(json_object_get(route, "DestinationCidrBlock")) &&
	       (!origin || !strcmp(origin, "CreateRoute")) && !(gw && !strcmp(gw, "local"));
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	if (!parents->n)
		return 0;
	json_t *ids = json_array();
	for (size_t i = 0; i < parents->n; i++)
		json_array_append_new(ids, json_string(parents->v[i].id));
	json_t *tables = NULL, *params = json_pack("{s:[{s:s, s:o}]}", "Filters", "Name",
						   "route-table-id", "Values", ids);
	int err = rt_call_all(c, "ec2", "DescribeRouteTables", params, "RouteTables", &tables, d);
	json_decref(params);
	if (err)
		return err;
	size_t i, k;
	json_t *t, *route;
	json_array_foreach(tables, i, t) {
		const char *tid = json_string_value(json_object_get(t, "RouteTableId"));
		json_array_foreach(json_object_get(t, "Routes"), k, route)
			if (tid && ours(route))
				fill(live_set_add(out, "AWS::EC2::Route"), tid, route);
	}
	json_decref(tables);
	return 0;
}

/* "RTB|CIDR" -> its two halves (caller frees *table). */
static int split_id(const char *id, char **table, const char **cidr)
{
	const char *bar = strchr(id, '|');
	if (!bar)
		return BERTH_EINVAL;
	*table = xstrndup(id, (size_t)(bar - id));
	*cidr = bar + 1;
	return 0;
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	char *table = NULL;
	const char *cidr;
	if (split_id(id, &table, &cidr)) {
		diags_add(d, DIAG_ERROR, "'%s' is not a route id (ROUTE_TABLE|CIDR)", id);
		return BERTH_EINVAL;
	}
	json_t *res = NULL, *params = json_pack("{s:[s]}", "RouteTableIds", table);
	int err = rt_call_expect(c, "ec2", "DescribeRouteTables", params, &res, rtb_gone, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		err = BERTH_ENOTFOUND;
	if (!err) {
		err = BERTH_ENOTFOUND;
		size_t k;
		json_t *route;
		json_array_foreach(json_object_get(json_array_get(json_object_get(res, "RouteTables"), 0),
						   "Routes"), k, route) {
			const char *dest = json_string_value(json_object_get(route, "DestinationCidrBlock"));
			if (err && ours(route) && dest && !strcmp(dest, cidr)) {
				memset(out, 0, sizeof(*out));
				out->detailed = true;
				fill(out, table, route);
				err = 0;
			}
		}
	}
	json_decref(res);
	free(table);
	return err;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	(void)stack;
	(void)address;
	ec2_canonicalise_cidr(desired, "DestinationCidrBlock");
}

/* The route's parameters for CreateRoute / ReplaceRoute. */
static int route_params(json_t *props, json_t **out, struct diags *d)
{
	char t1[64], t2[64];
	const char *table = rt_str(props, "RouteTableId", t1);
	const char *dest = rt_str(props, "DestinationCidrBlock", t2);
	if (!table || !dest) {
		diags_add(d, DIAG_ERROR, "AWS::EC2::Route: berth needs RouteTableId and DestinationCidrBlock "
			  "(IPv6 and prefix-list destinations are not supported yet)");
		return BERTH_EINVAL;
	}
	json_t *p = json_pack("{s:s, s:s}", "RouteTableId", table, "DestinationCidrBlock", dest);
	size_t n = 0;
	for (size_t i = 0; targets[i]; i++) {
		char t[64];
		const char *v = rt_str(props, targets[i], t);
		if (v) {
			json_object_set_new(p, targets[i], json_string(v));
			n++;
		}
	}
	if (n != 1) {
		json_decref(p);
		diags_add(d, DIAG_ERROR, "AWS::EC2::Route: set exactly one target (GatewayId, "
			  "NatGatewayId, InstanceId, NetworkInterfaceId, ...); %zu given", n);
		return BERTH_EINVAL;
	}
	*out = p;
	return 0;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	(void)address;
	(void)tags;
	json_t *params = NULL;
	int err = route_params(props, &params, d);
	if (err)
		return err;
	static const char *const exists[] = { "RouteAlreadyExists", NULL };
	err = rt_call_expect(c, "ec2", "CreateRoute", params, NULL, exists, NULL, d);
	char *id = xasprintf("%s|%s", json_string_value(json_object_get(params, "RouteTableId")),
			     json_string_value(json_object_get(params, "DestinationCidrBlock")));
	if (err == RT_EXPECTED) {
		/* A retry after a crash, or a route someone else made: adopt it
		 * only when it already goes where the spec says. */
		struct live_resource cur;
		err = read_one(c, id, &cur, d);
		if (!err) {
			bool same = true;
			for (size_t i = 0; targets[i]; i++) {
				json_t *a = json_object_get(params, targets[i]);
				json_t *b = json_object_get(cur.props, targets[i]);
				if (a && !(b && json_equal(a, b)))
					same = false;
			}
			live_resource_release(&cur);
			if (!same) {
				struct diag *dg = diags_add(d, DIAG_ERROR,
							    "route table already has a route to %s with another target",
							    json_string_value(json_object_get(params, "DestinationCidrBlock")));
				diag_set_detail(dg, "berth does not take over routes it did not make; remove it "
					       "or point the spec at it");
				err = BERTH_ECONFLICT;
			}
		} else if (err == BERTH_ENOTFOUND) {
			diags_add(d, DIAG_ERROR, "route %s exists but cannot be read", id);
			err = BERTH_ERROR;
		}
	}
	json_decref(params);
	if (err) {
		free(id);
		return err;
	}
	*id_out = id;
	return 0;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	for (size_t i = 0; i < nchanged; i++) {
		bool target = false;
		for (size_t k = 0; targets[k]; k++)
			target |= !strcmp(targets[k], changed[i]);
		if (!target) {
			diags_add(d, DIAG_ERROR, "AWS::EC2::Route: berth cannot change %s in place", changed[i]);
			return BERTH_EINVAL;
		}
	}
	json_t *params = NULL;
	int err = route_params(desired, &params, d);
	if (err)
		return err;
	(void)cur;
	err = rt_call(c, "ec2", "ReplaceRoute", params, NULL, d);
	json_decref(params);
	return err;
}

static int remove_route(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	static const char *const gone[] = { "InvalidRoute.NotFound", "InvalidRouteTableID.NotFound",
					    NULL };
	char *table = NULL;
	const char *cidr;
	if (split_id(cur->id, &table, &cidr))
		return 0;
	json_t *params = json_pack("{s:s, s:s}", "RouteTableId", table, "DestinationCidrBlock", cidr);
	int err = ec2_delete_call(c, "DeleteRoute", params, gone, NULL, NULL, d);
	json_decref(params);
	free(table);
	return err;
}

const struct rtype rtype_ec2_route = {
	.type_name = "AWS::EC2::Route",
	.parent_type = "AWS::EC2::RouteTable",
	.identity = identity,
	.read_all = read_all,
	.read_one = read_one,
	.normalise = normalise,
	.create = create,
	.update = update,
	.remove = remove_route,
};
