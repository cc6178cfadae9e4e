/* AWS::SNS::Topic over the SNS API.
 *
 * Refresh: the tagging API lists the stack's topics with their tags, and
 * ListTopics confirms they exist; the name (and so FifoTopic) is in the ARN. Other settings cost one
 * GetTopicAttributes per topic, so they are detail properties, read only for
 * topics whose spec sets one. Settings change in place with
 * SetTopicAttributes; deleting a topic deletes its subscriptions (SNS does). */
#include "util/common.h"
#include "resources/resource.h"

#include "aws/client.h"
#include "resources/typeutil.h"

#define TOPIC_NAME_MAX 256

/* CloudFormation property <-> topic attribute, for the plain ones. */
static const struct {
	const char *prop;
	bool boolean;
} attrs[] = {
	{ "ArchivePolicy", false },
	{ "ContentBasedDeduplication", true },
	{ "DisplayName", false },
	{ "FifoThroughputScope", false },
	{ "KmsMasterKeyId", false },
	{ "SignatureVersion", false },
	{ "TracingConfig", false },
};

static const char *const detail_props[] = { "ArchivePolicy", "ContentBasedDeduplication",
					    "DisplayName", "FifoThroughputScope", "KmsMasterKeyId",
					    "SignatureVersion", "TracingConfig", NULL };

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

static void fill_from_attributes(struct live_resource *r, json_t *a)
{
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		json_t *v = json_object_get(a, attrs[i].prop);
		const char *s = json_string_value(v);
		json_object_del(r->props, attrs[i].prop);
		if (!s || !*s)
			continue; /* SNS reports an unset DisplayName as "" */
		if (attrs[i].boolean)
			json_object_set_new(r->props, attrs[i].prop, json_boolean(!strcasecmp(s, "true")));
		else
			json_object_set_new(r->props, attrs[i].prop, json_string(s));
	}
	r->detailed = true;
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

static const char *const not_found[] = { "NotFound", NULL };

static int read_detail(const struct rt_ctx *c, struct live_resource *r, struct diags *d)
{
	json_t *res = NULL, *params = json_pack("{s:s}", "TopicArn", r->id);
	int err = rt_call_expect(c, "sns", "GetTopicAttributes", params, &res, not_found, NULL, d);
	json_decref(params);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (err)
		return err;
	fill_from_attributes(r, json_object_get(res, "Attributes"));
	json_decref(res);
	return 0;
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
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++)
		if (strcmp(attrs[i].prop, "DisplayName") && json_object_get(props, attrs[i].prop))
			return;
	json_t *name = json_object_get(props, "DisplayName");
	if (name && !json_is_string(name))
		return;
	live->type = rtype_sns_topic.type_name;
	fill_from_arn(live, arn);
	json_t *a = json_object();
	if (name)
		json_object_set(a, "DisplayName", name);
	fill_from_attributes(live, a);
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
	json_t *a = json_object(), *res = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		char *s = rt_attr_string(json_object_get(props, attrs[i].prop));
		if (s)
			json_object_set_new(a, attrs[i].prop, json_string(s));
		free(s);
	}
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

static int set_attribute(const struct rt_ctx *c, const char *arn, const char *name, json_t *v,
			 struct diags *d)
{
	char *s = rt_attr_string(v);
	json_t *params = json_pack("{s:s, s:s, s:s}", "TopicArn", arn, "AttributeName", name,
				   "AttributeValue", s ? s : "");
	free(s);
	int err = rt_call(c, "sns", "SetTopicAttributes", params, NULL, d);
	json_decref(params);
	return err;
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	int err = 0;
	for (size_t i = 0; i < nchanged; i++) {
		bool known = false;
		for (size_t k = 0; k < ARRAY_SIZE(attrs); k++)
			known |= !strcmp(attrs[k].prop, changed[i]);
		if (!known) {
			diags_add(d, DIAG_ERROR, "AWS::SNS::Topic: berth cannot change %s in place",
				  changed[i]);
			return BERTH_EINVAL;
		}
		err = set_attribute(c, cur->id, changed[i], json_object_get(desired, changed[i]), d);
		if (err)
			return err;
	}
	return 0;
}

static int remove_topic(const struct rt_ctx *c, const struct live_resource *cur, struct diags *d)
{
	json_t *params = json_pack("{s:s}", "TopicArn", cur->id);
	int err = rt_call_expect(c, "sns", "DeleteTopic", params, NULL, not_found, NULL, d);
	json_decref(params);
	return err == RT_EXPECTED ? 0 : err;
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
	.detail_props = detail_props,
	.read_all = read_all,
	.read_one = read_one,
	.read_named = read_named,
	.name_id = name_id,
	.read_detail = read_detail,
	.normalise = normalise,
	.create = create,
	.create_known = create_impl,
	.update = update,
	.remove = remove_topic,
	.delete_sync = true,
};
