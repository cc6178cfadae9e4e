/* Schemas for berth's own resource types: things inside an Amazon Managed
 * Grafana workspace (data sources, dashboards, user permissions) that
 * CloudFormation has no type for, so there is no registry schema to generate
 * from. They use the same structures as the generated AWS types, so
 * validation, diff, the editor JSON Schema and `berth types` treat them alike.
 *
 * tools/gen_schema.py finds each type here by the pattern
 *   const struct schema_resource schema_type_NAME = {
 *   	.type_name = "...",
 * and lists it in the sorted table in types_gen.c; keep that shape. */
#include "util/common.h"
#include "schema/schema_int.h"

static const struct schema_shape str = { .kind = SK_STRING };
static const struct schema_shape nonempty = { .kind = SK_STRING, .has_min = true, .min = 1 };
static const struct schema_shape integer = { .kind = SK_INTEGER };
static const struct schema_shape boolean = { .kind = SK_BOOLEAN };
static const struct schema_shape json_doc = { .kind = SK_JSON };
static const struct schema_shape str_map = { .kind = SK_MAP, .items = &str };

/* ---- Berth::Grafana::DataSource ---- */

/* Grafana's data source id is a number; uid is the stable handle that
 * dashboards use. Both come back from Grafana, so both are attributes. */
static const struct schema_prop datasource_props[] = {
	{ "Id", SP_READ_ONLY, &integer, NULL,
	  "The data source's numeric id in the workspace (Grafana's legacy handle)." },
	{ "IsDefault", 0, &boolean, "false",
	  "Whether this is the workspace's default data source." },
	{ "JsonData", 0, &json_doc, NULL,
	  "Further Grafana jsonData settings for the data source type, merged over what berth sets." },
	{ "Name", SP_REQUIRED, &nonempty, NULL,
	  "The data source's name, unique in the workspace." },
	{ "SigV4Region", 0, &str, NULL,
	  "When set, Grafana signs requests with SigV4 for this region using the workspace's IAM role (needed for Amazon Managed Service for Prometheus)." },
	{ "Type", SP_REQUIRED | SP_CREATE_ONLY, &nonempty, NULL,
	  "The Grafana data source plugin, e.g. prometheus or cloudwatch." },
	{ "Uid", SP_READ_ONLY, &str, NULL,
	  "The data source's uid, which dashboards refer to." },
	{ "Url", 0, &str, NULL,
	  "The data source's URL, e.g. an AMP workspace's PrometheusEndpoint." },
	{ "WorkspaceId", SP_REQUIRED | SP_CREATE_ONLY, &nonempty, NULL,
	  "The Amazon Managed Grafana workspace's id." },
};
static const struct schema_shape datasource_shape = {
	.kind = SK_OBJECT, .props = datasource_props, .nprops = ARRAY_SIZE(datasource_props),
};
static const char *const datasource_primary[] = { "WorkspaceId", "Uid" };

const struct schema_resource schema_type_Berth_Grafana_DataSource = {
	.type_name = "Berth::Grafana::DataSource",
	.shape = &datasource_shape,
	.primary_id = datasource_primary,
	.nprimary = ARRAY_SIZE(datasource_primary),
	.taggable = false,
	.description = "A data source in an Amazon Managed Grafana workspace, created through the workspace's Grafana HTTP API.",
};

/* ---- Berth::Grafana::Dashboard ---- */

/* The dashboard JSON comes as a value or a string (DashboardJson: a file
 * is read with ${file(PATH)}, which resolves PATH against the spec the way
 * every other file reference does). Inputs fill a dashboard's __inputs (e.g.
 * DS_PROMETHEUS -> a data source uid), as Grafana's import does.
 *
 * Grafana never gives back what was imported (it drops __inputs, fills the
 * inputs in, adds ids and versions), so DashboardJson, Inputs, FolderUid and
 * Overwrite are write-only: they are not compared with the live dashboard.
 * What is compared is ContentHash, which berth computes from them (the
 * Grafana client's content hash) and records inside the imported dashboard:
 * a changed JSON or input changes the hash, and so does an edit saved in
 * Grafana (its editor drops the recorded hash), and either re-imports. */
static const struct schema_prop dashboard_props[] = {
	{ "ContentHash", 0, &str, NULL,
	  "Set by berth, not by the spec: the hash of DashboardJson, Inputs and FolderUid that the live dashboard must carry; a difference re-imports it." },
	{ "DashboardJson", SP_REQUIRED | SP_WRITE_ONLY, &json_doc, NULL,
	  "The dashboard model as a JSON object or string, e.g. ${file(\"dashboard.json\")}." },
	{ "FolderUid", SP_WRITE_ONLY, &str, NULL,
	  "The uid of the folder to put the dashboard in; the General folder when absent." },
	{ "Inputs", SP_WRITE_ONLY, &str_map, NULL,
	  "Values for the dashboard's __inputs by input name, e.g. {DS_PROMETHEUS: a data source uid}." },
	{ "Overwrite", SP_WRITE_ONLY, &boolean, "true",
	  "Whether to replace a dashboard with the same uid that berth did not create." },
	{ "Title", SP_READ_ONLY, &str, NULL,
	  "The dashboard's title." },
	{ "Uid", SP_READ_ONLY, &str, NULL,
	  "The dashboard's uid: the one in DashboardJson, else one berth derives from the stack and address." },
	{ "Url", SP_READ_ONLY, &str, NULL,
	  "The dashboard's URL in the workspace." },
	{ "Version", SP_READ_ONLY, &integer, NULL,
	  "The dashboard's version number, raised by every save." },
	{ "WorkspaceId", SP_REQUIRED | SP_CREATE_ONLY, &nonempty, NULL,
	  "The Amazon Managed Grafana workspace's id." },
};
static const struct schema_shape dashboard_shape = {
	.kind = SK_OBJECT, .props = dashboard_props, .nprops = ARRAY_SIZE(dashboard_props),
};
static const char *const dashboard_primary[] = { "WorkspaceId", "Uid" };

const struct schema_resource schema_type_Berth_Grafana_Dashboard = {
	.type_name = "Berth::Grafana::Dashboard",
	.shape = &dashboard_shape,
	.primary_id = dashboard_primary,
	.nprimary = ARRAY_SIZE(dashboard_primary),
	.taggable = false,
	.description = "A dashboard in an Amazon Managed Grafana workspace, imported from JSON with its inputs filled.",
};

/* ---- Berth::Grafana::Permissions ---- */

/* The workspace's user and group roles (Grafana's UpdatePermissions API):
 * berth owns the whole list for each role, so the lists are sets. */
static const char *const grantee_types[] = { "SSO_GROUP", "SSO_USER" };
static const struct schema_shape grantee_type = {
	.kind = SK_STRING, .enum_values = grantee_types, .nenum = ARRAY_SIZE(grantee_types),
};
static const struct schema_prop grantee_props[] = {
	{ "Id", SP_REQUIRED, &nonempty, NULL,
	  "The IAM Identity Center user or group id." },
	{ "Type", SP_REQUIRED, &grantee_type, NULL,
	  "Whether Id is a user or a group." },
};
static const struct schema_shape grantee = {
	.kind = SK_OBJECT, .props = grantee_props, .nprops = ARRAY_SIZE(grantee_props),
};
static const struct schema_shape grantees = { .kind = SK_ARRAY, .items = &grantee, .unordered = true };

static const struct schema_prop permissions_props[] = {
	{ "Admins", 0, &grantees, NULL, "Users and groups with the Admin role." },
	{ "Editors", 0, &grantees, NULL, "Users and groups with the Editor role." },
	{ "Viewers", 0, &grantees, NULL, "Users and groups with the Viewer role." },
	{ "WorkspaceId", SP_REQUIRED | SP_CREATE_ONLY, &nonempty, NULL,
	  "The Amazon Managed Grafana workspace's id." },
};
static const struct schema_shape permissions_shape = {
	.kind = SK_OBJECT, .props = permissions_props, .nprops = ARRAY_SIZE(permissions_props),
};
static const char *const permissions_primary[] = { "WorkspaceId" };

const struct schema_resource schema_type_Berth_Grafana_Permissions = {
	.type_name = "Berth::Grafana::Permissions",
	.shape = &permissions_shape,
	.primary_id = permissions_primary,
	.nprimary = ARRAY_SIZE(permissions_primary),
	.taggable = false,
	.description = "Which IAM Identity Center users and groups hold the Admin, Editor and Viewer roles in an Amazon Managed Grafana workspace.",
};
