/* AWS::SNS::Topic over the SNS API.
 *
 * Refresh: the tagging API lists the stack's topics with their tags, and
 * ListTopics confirms they exist; the name (and so FifoTopic) is in the ARN. Other settings cost one
 * GetTopicAttributes per topic, so they are detail properties, read only for
 * topics whose spec sets one. Settings change in place with
 * SetTopicAttributes; deleting a topic deletes its subscriptions (SNS does).
 * A description (generic.h) of the settings (an attribute map,
 * generic_attrs.h) and the delete; the reads, the name and the create are
 * the topic's own. */
#include "util/common.h"
#include "resources/resource.h"

#include "aws/client.h"
#include "resources/generic_attrs.h"
#include "resources/typeutil.h"

#define TOPIC_NAME_MAX 256

/* The settings, each a topic attribute of the property's name. */
static const char *const attr_names[] = { "ArchivePolicy", "ContentBasedDeduplication",
					  "DisplayName", "FifoThroughputScope", "KmsMasterKeyId",
					  "SignatureVersion", "TracingConfig", NULL };

static const struct rtype_api api = {
	.type_name = "AWS::SNS::Topic", .service = "sns", .style = RTA_SERVICE,
	.gone = (const char *const[]){ "NotFound", NULL },
	.delete_op = "DeleteTopic", .delete_id = "TopicArn",
	.attrs = &(const struct rta_attrs){
		.get_op = "GetTopicAttributes", .set_op = "SetTopicAttributes",
		.id_member = "TopicArn", .map_member = "Attributes", .names = attr_names,
		.booleans = (const char *const[]){ "ContentBasedDeduplication", NULL } },
};

/* "arn:aws:sns:REGION:ACCOUNT:NAME": six fields exactly (a subscription
 * ARN has a seventh). */
static int owns_arn(const char *arn)
{
	if (!strstr(arn, ":sns:"))
		return 0;
	int colons = 0;
	for (const char *p = arn; *p; p++)
		colons += *p == ':';
	return colons == 5;
}

static void fill_from_arn(struct live_resource *r, const char *arn)
{
	const char *name = strrchr(arn, ':');
	name = name ? name + 1 : arn;
	if (!r->props)
		r->props = json_object();
	json_object_set_new(r->props, "TopicName", json_string(name));
	json_object_set_new(r->props, "TopicArn", json_string(arn));
	/* A FIFO topic's name ends in .fifo (SNS insists), so the ARN says it. */
	size_t n = strlen(name);
	json_object_set_new(r->props, "FifoTopic", json_boolean(n > 5 && !strcmp(name + n - 5, ".fifo")));
	free(r->id);
	r->id = xstrdup(arn);
	free(r->arn);
	r->arn = xstrdup(arn);
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	json_t *tagged = NULL, *topics = NULL, *exists = json_object();
	int err = rt_tagged_resources(c, "sns", &tagged, d);
	if (err)
		goto cleanup;
	/* The tagging API is eventually consistent and may still list a topic
	 * just deleted; ListTopics (100 a page) confirms which exist, in pages
	 * rather than one call per topic. */
	if (json_array_size(tagged)) {
		err = rt_call_all(c, "sns", "ListTopics", NULL, "Topics", &topics, d);
		if (err)
			goto cleanup;
	}
	size_t i;
	json_t *m;
	json_array_foreach(topics, i, m) {
		const char *arn = json_string_value(json_object_get(m, "TopicArn"));
		if (arn)
			json_object_set_new(exists, arn, json_true());
	}
	json_array_foreach(tagged, i, m) {
		const char *arn = json_string_value(json_object_get(m, "ResourceARN"));
		if (!arn || !owns_arn(arn) || !json_object_get(exists, arn))
			continue;
		struct live_resource *r = live_set_add(out, rtype_sns_topic.type_name);
		fill_from_arn(r, arn);
		rt_apply_tags(r, rt_tags_to_map(json_object_get(m, "Tags")));
		r->detailed = false;
	}
cleanup:
	json_decref(tagged);
	json_decref(topics);
	json_decref(exists);
	return err;
}

static int read_detail(const struct rt_ctx *c, struct live_resource *r, struct diags *d)
{
	return rta_attrs_detail(&api, c, r, d);
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	memset(out, 0, sizeof(*out));
	out->type = rtype_sns_topic.type_name;
	fill_from_arn(out, id);
	int err = read_detail(c, out, d);
	if (err) {
		live_resource_release(out);
		return err;
	}
	static const char *const gone[] = { "ResourceNotFound", "NotFound", NULL };
	json_t *tags = NULL;
	err = tu_list_tags(c, "sns", "ResourceArn", id, gone, "Tags", &tags, d);
	if (err) {
		live_resource_release(out);
		return err;
	}
	rt_apply_tags(out, tags);
	return 0;
}

static void normalise(const char *stack, const char *address, json_t *desired)
{
	if (json_object_get(desired, "TopicName"))
		return;
	bool fifo = rt_bool(desired, "FifoTopic", false);
	char *name = rt_default_name(stack, address, fifo ? TOPIC_NAME_MAX - 5 : TOPIC_NAME_MAX);
	char *full = xasprintf("%s%s", name, fifo ? ".fifo" : "");
	json_object_set_new(desired, "TopicName", json_string(full));
	free(name);
	free(full);
}

/* The topic CreateTopic just made, as GetTopicAttributes and
 * ListTagsForResource would read it: CreateTopic is synchronous, answers the
 * ARN, and fails when a topic of that name exists with other attributes or
 * tags, so what it returns is exactly what was asked. Only for standard
 * topics that set nothing but DisplayName, which SNS reports verbatim: FIFO
 * topics report defaults not asked for (ContentBasedDeduplication), and
 * policies and the other settings may come back rewritten, so those are
 * read back. */
static void fill_created(const char *arn, json_t *props, json_t *tags, struct live_resource *live)
{
	if (rt_bool(props, "FifoTopic", false))
		return;
	for (const char *const *n = attr_names; *n; n++)
		if (strcmp(*n, "DisplayName") && json_object_get(props, *n))
			return;
	json_t *name = json_object_get(props, "DisplayName");
	if (name && !json_is_string(name))
		return;
	live->type = rtype_sns_topic.type_name;
	fill_from_arn(live, arn);
	json_t *a = json_object();
	if (name)
		json_object_set(a, "DisplayName", name);
	rta_attrs_fill(&api, live->props, a);
	live->detailed = true;
	json_decref(a);
	rt_apply_tags(live, json_deep_copy(tags));
}

static char *name_id(const struct rt_ctx *c, const char *name);

/* The topic `name` exists (CreateTopic said so) and reads may not show it
 * yet: its ARN when it is tagged as this resource of this stack. */
static int adopt_own(const struct rt_ctx *c, const char *address, const char *name,
		     char **id_out, struct diags *d)
{
	char *arn = name_id(c, name);
	if (!arn) {
		diags_add(d, DIAG_ERROR, "topic %s already exists with other tags, and its ARN "
			  "is not known to check whose it is", name);
		return BERTH_ECONFLICT;
	}
	struct live_resource cur;
	char *what = xasprintf("topic %s (it exists) to be readable", name);
	int err = rt_read_existing(c, what, read_one, arn, &cur, d);
	free(what);
	if (!err) {
		err = tu_check_ours(c, cur.tags, address, "SNS topic", name, d);
		live_resource_release(&cur);
	}
	if (err) {
		free(arn);
		return err;
	}
	*id_out = arn;
	return 0;
}

static int create_impl(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		       char **id_out, struct live_resource *live, struct diags *d)
{
	int err = 0;
	const char *name = json_string_value(json_object_get(props, "TopicName"));
	if (!name) {
		diags_add(d, DIAG_ERROR, "AWS::SNS::Topic: TopicName is not known");
		return BERTH_EINVAL;
	}
	json_t *a = rta_attrs_request(&api, props), *res = NULL;
	if (rt_bool(props, "FifoTopic", false))
		json_object_set_new(a, "FifoTopic", json_string("true"));
	/* CreateTopic is idempotent for the same name, attributes and tags: a
	 * retry of the call gets the same ARN; a topic of that name with other
	 * tags is refused. */
	json_t *params = json_pack("{s:s, s:o, s:o}", "Name", name, "Attributes", a, "Tags",
				   rt_tags_to_list(tags, false));
	struct diags cd = DIAGS_INIT;
	err = rt_call(c, "sns", "CreateTopic", params, &res, &cd);
	json_decref(params);
	if (err && cd.n && cd.items[cd.n - 1].summary &&
	    strstr(cd.items[cd.n - 1].summary, "already exists with different tags")) {
		/* A rerun after a crash that followed the create: the tags berth
		 * sets per run (berth:created, berth:owner, berth:expires) differ
		 * from the first run's. Only a topic tagged as this very
		 * resource is taken; anyone else's stays the error. */
		diags_release(&cd);
		return adopt_own(c, address, name, id_out, d);
	}
	diags_move(d, &cd);
	diags_release(&cd);
	if (err)
		return err;
	const char *arn = json_string_value(json_object_get(res, "TopicArn"));
	if (!arn) {
		json_decref(res);
		diags_add(d, DIAG_ERROR, "CreateTopic answered without a TopicArn");
		return BERTH_EAWS;
	}
	if (live)
		fill_created(arn, props, tags, live);
	*id_out = xstrdup(arn);
	json_decref(res);
	return 0;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	return create_impl(c, address, props, tags, id_out, NULL, d);
}

/* What update changes in place: the attributes (rta_attrs_update). */
static bool sns_topic_updates(const char *prop)
{
	return rta_attrs_updates(&api, prop);
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	return rta_attrs_update(&api, c, cur->id, desired, changed, nchanged, d);
}

static int remove_topic(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	return rta_remove(&api, c, cur, d);
}

/* The topics among arns[0..n) that exist: ListTopics (100 a page) rather
 * than a call per name, since plan asks before every create and the names
 * are mostly free; only the taken ones are read in full. */
static int read_named(const struct rt_ctx *c, const char *const *arns, size_t n,
		      struct live_set *out, struct diags *d)
{
	json_t *topics = NULL;
	int err = rt_call_all(c, "sns", "ListTopics", NULL, "Topics", &topics, d);
	size_t i;
	json_t *m;
	json_array_foreach(topics, i, m) {
		const char *arn = json_string_value(json_object_get(m, "TopicArn"));
		for (size_t k = 0; arn && k < n && !err; k++) {
			if (strcmp(arn, arns[k]))
				continue;
			struct live_resource cur;
			int r = read_one(c, arn, &cur, d);
			if (!r)
				*live_set_add(out, rtype_sns_topic.type_name) = cur;
			else if (r != BERTH_ENOTFOUND)
				err = r;
		}
	}
	json_decref(topics);
	return err;
}

/* A topic's ARN is its name's, in the account and region: plan can look for a
 * topic of the name the spec gives before promising to create it. */
static char *name_id(const struct rt_ctx *c, const char *name)
{
	const char *region = c->aws ? aws_client_region(c->aws) : NULL;
	if (!c->account || !c->partition || !region)
		return NULL;
	return xasprintf("arn:%s:sns:%s:%s:%s", c->partition, region, c->account, name);
}

const struct rtype rtype_sns_topic = {
	.type_name = "AWS::SNS::Topic",
	.tag_filter = "sns",
	.owns_arn = owns_arn,
	.detail_props = attr_names,
	.read_all = read_all,
	.read_one = read_one,
	.read_named = read_named,
	.name_id = name_id,
	.read_detail = read_detail,
	.normalise = normalise,
	.create = create,
	.create_known = create_impl,
	.update = update,
	.updates = sns_topic_updates,
	.remove = remove_topic,
	.delete_sync = true,
};
