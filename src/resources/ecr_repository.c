/* AWS::ECR::Repository over the ECR API, as a description (generic.h).
 *
 * The repository's name is its id. Refresh: the tagging API's ARNs of the
 * stack, then DescribeRepositories for up to 100 names a call. Deleting a
 * repository that still holds images fails (RepositoryNotEmptyException)
 * unless EmptyOnDelete is true, as CloudFormation does: berth keeps that
 * choice on the repository as the tag berth:empty-on-delete, so a destroy
 * without the spec deletes the same way. */
#include "util/common.h"
#include "resources/generic.h"

static const struct rtype_api api = {
	.type_name = "AWS::ECR::Repository", .service = "ecr", .style = RTA_SERVICE,
	.kind = "repository",
	.describe_op = "DescribeRepositories", .describe_ids = "repositoryNames",
	.list = "repositories", .item_id = "repositoryName", .item_arn = "repositoryArn",
	.gone = (const char *const[]){ "RepositoryNotFoundException", NULL },
	.create_op = "CreateRepository", .create_item = "repository",
	.exists = (const char *const[]){ "RepositoryAlreadyExistsException", NULL },
	.delete_op = "DeleteRepository", .delete_id = "repositoryName",
	.flag = "force", .flag_prop = "EmptyOnDelete", .flag_tag = "berth:empty-on-delete",
	.arn_member = "resourceArn", .tags_member = "tags", .untag_keys = "tagKeys",
	.name_prop = "RepositoryName", .name_max = 256, .name_lower = true,
};
RTA_FUNCS(ecr_repo, api)

const struct rtype rtype_ecr_repository = {
	.type_name = "AWS::ECR::Repository",
	.tag_filter = "ecr:repository",
	.delete_sync = true,
	RTA_CALLBACKS(ecr_repo, true),
};
