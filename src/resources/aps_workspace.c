/* AWS::APS::Workspace over the Amazon Managed Service for Prometheus API
 * (botocore "amp", signing name "aps"): a description (generic.h,
 * generic_get.c).
 *
 * Refresh: the tagging API lists the stack's workspaces (ARN and tags, 100 a
 * page) and one paginated ListWorkspaces gives their alias and status; no
 * call per workspace. ListWorkspaces has no prometheusEndpoint, so refresh
 * derives it from the ARN as AMP documents it
 * (https://aps-workspaces.REGION.DOMAIN/workspaces/ID/); read_one, which
 * runs after every create and update, takes AMP's own value.
 *
 * The ARN is the physical id (the schema's primary identifier). Alias
 * changes in place (UpdateWorkspaceAlias, then the workspace is UPDATING
 * until ACTIVE again); KmsKeyArn is create-only. CreateWorkspace has a client
 * token, but AMP forgets it only after a while, so a replacement within that
 * time would get the deleted workspace back: the find-by-tag before create
 * makes retries idempotent instead. A delete refused with ConflictException
 * (still CREATING or UPDATING) is retried by the engine.
 *
 * RemoteWriteUrl is berth's attribute (see tools/gen_schema.py): the URL a
 * collector writes samples to, PrometheusEndpoint + "api/v1/remote_write",
 * which the workshop templates into the ADOT collector's configuration. */
#include "util/common.h"
#include "resources/resource.h"

#include "resources/generic.h"
#include "util/buf.h"

/* AMP's documented endpoint for a workspace, from its ARN's partition and
 * region. NULL when the ARN is not one. */
static char *endpoint_from_arn(const char *arn)
{
	char part[32] = "", region[32] = "";
	if (sscanf(arn, "arn:%31[^:]:aps:%31[^:]:", part, region) != 2)
		return NULL;
	const char *domain = !strcmp(part, "aws-cn") ? "amazonaws.com.cn" : "amazonaws.com";
	const char *id = strstr(arn, ":workspace/");
	struct buf b = BUF_INIT;
	buf_addf(&b, "https://aps-workspaces.%s.%s/workspaces/%s/", region, domain,
		 id ? id + strlen(":workspace/") : arn);
	return buf_detach(&b, NULL);
}

static void set_endpoint(json_t *props, const char *endpoint)
{
	if (!endpoint || !*endpoint)
		return;
	json_object_set_new(props, "PrometheusEndpoint", json_string(endpoint));
	struct buf b = BUF_INIT;
	buf_adds(&b, endpoint);
	if (endpoint[strlen(endpoint) - 1] != '/')
		buf_addch(&b, '/');
	buf_adds(&b, "api/v1/remote_write");
	json_object_set_new(props, "RemoteWriteUrl", json_string(b.ptr));
	buf_release(&b);
}

/* The endpoint (AMP's, or derived from a listed summary's ARN), and the
 * replacement of a workspace whose creation failed: it takes no update and
 * never becomes ACTIVE, so the plan replaces it rather than leave the user
 * to delete it by hand. */
static void fill_more(struct live_resource *r, json_t *ws)
{
	const char *endpoint = json_string_value(json_object_get(ws, "prometheusEndpoint"));
	if (endpoint) {
		set_endpoint(r->props, endpoint);
	} else if (r->arn) {
		char *derived = endpoint_from_arn(r->arn);
		set_endpoint(r->props, derived);
		free(derived);
	}
	const char *st = json_string_value(json_object_get(json_object_get(ws, "status"),
							   "statusCode"));
	free(r->replace_reason);
	r->replace_reason = st && !strcmp(st, "CREATION_FAILED")
				    ? xstrdup("the workspace is CREATION_FAILED and cannot be updated, "
					      "only deleted and created again")
				    : NULL;
}

/* AMP gives no reason for a status (WorkspaceStatus has its code only); a
 * customer managed key AMP cannot use is the documented way for a creation
 * to fail. */
static void failed_detail(struct diag *dg, const char *status, json_t *ws)
{
	if (strcmp(status, "CREATION_FAILED"))
		return;
	const char *key = json_string_value(json_object_get(ws, "kmsKeyArn"));
	diag_set_detail(dg, "AWS gives no reason for this status%s%s%s",
			key ? "; the workspace is encrypted with KMS key " : "", key ? key : "",
			key ? ", which AMP must be able to use" : "");
}

static const struct rtype_api api = {
	.type_name = "AWS::APS::Workspace", .service = "amp", .arn_service = "aps",
	.tag_filter = "aps:workspace", .style = RTA_SERVICE, .kind = "workspace",
	.what = "AMP workspace",
	.get_op = "DescribeWorkspace", .get_id = "workspaceId", .get_item = "workspace",
	.get_arn_id = true, .item_id = "workspaceId", .item_arn = "arn", .item_tags = "tags",
	.gone = (const char *const[]){ "ResourceNotFoundException", NULL },
	.list_op = "ListWorkspaces", .list_key = "workspaces",
	.status = "status.statusCode", .ready = "ACTIVE",
	.failed = (const char *const[]){ "CREATION_FAILED", "DELETING", NULL },
	.history = (const char *const[]){ "DELETING", NULL },
	.wait_ms = 20L * 60 * 1000, .wait_interval_ms = 5000, .waiting = "workspace ACTIVE",
	.update_waits = true,
	.create_op = "CreateWorkspace", .tags_member = "tags",
	.delete_op = "DeleteWorkspace", .delete_id = "workspaceId",
	.props = (const struct rta_prop[]){
		{ "Alias", "alias", RTA_CREATE | RTA_READ, "UpdateWorkspaceAlias", NULL },
		{ "KmsKeyArn", "kmsKeyArn", RTA_CREATE | RTA_READ, NULL, NULL },
		{ "Arn", "arn", RTA_READ, NULL, NULL },
		{ "WorkspaceId", "workspaceId", RTA_READ, NULL, NULL },
		{ 0 } },
	.fill_more = fill_more, .failed_detail = failed_detail,
};
RTG_FUNCS(aps, api)
RTG_WAIT_FUNCS(aps, api)

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	return rtg_create(&api, c, address, props, tags, id_out, d);
}

const struct rtype rtype_aps_workspace = {
	.type_name = "AWS::APS::Workspace",
	.tag_filter = "aps:workspace",
	RTG_CALLBACKS(aps),
	.create = create,
	.wait_ready = aps_wait_ready,
};
