/* AWS::SNS::Subscription over the SNS API.
 *
 * Subscriptions cannot be tagged, so they are found through the stack's
 * topics and matched to spec addresses by (TopicArn, Protocol, Endpoint),
 * which SNS itself treats as the identity (Subscribe is idempotent for it).
 * A few topics are listed one by one (ListSubscriptionsByTopic); many at
 * once are cheaper with the account-wide ListSubscriptions, filtered here.
 *
 * Email and http(s) subscriptions stay "PendingConfirmation" until someone
 * confirms them: that is their normal state, not drift and not an error.
 * Listings hide a pending subscription's ARN; Subscribe with
 * ReturnSubscriptionArn gives it, and the engine keeps it in the state
 * cache.
 *
 * A description (generic.h) of the settings, an attribute map
 * (generic_attrs.h); the rest is the subscription's own. */
#include "util/common.h"
#include "resources/resource.h"

#include "resources/generic_attrs.h"

/* What plan shows beside a subscription that awaits confirmation. */
#define PENDING_NOTE "pending confirmation (its normal state until someone confirms it; not drift)"

/* Above this many topics one account-wide listing beats one listing per
 * topic. */
#define BY_TOPIC_MAX 5

/* The settings, each a subscription attribute of the property's name. */
static const char *const attr_names[] = { "DeliveryPolicy", "FilterPolicy", "FilterPolicyScope",
					  "RawMessageDelivery", "RedrivePolicy", "ReplayPolicy",
					  "SubscriptionRoleArn", NULL };
static const char *const identity[] = { "TopicArn", "Protocol", "Endpoint", NULL };

static void fill_more(struct live_resource *r, json_t *a);

/* Unsetting: SNS takes "false" for the flag and "" for documents. */
static const struct rtype_api api = {
	.type_name = "AWS::SNS::Subscription", .service = "sns", .style = RTA_SERVICE,
	.gone = (const char *const[]){ "NotFound", NULL },
	.attrs = &(const struct rta_attrs){
		.get_op = "GetSubscriptionAttributes", .set_op = "SetSubscriptionAttributes",
		.id_member = "SubscriptionArn", .map_member = "Attributes", .names = attr_names,
		.booleans = (const char *const[]){ "RawMessageDelivery", NULL },
		.bool_unset = "false", .fill_more = fill_more },
};

static bool is_pending(const char *arn)
{
	return !arn || !strcmp(arn, "PendingConfirmation") || !strcmp(arn, "pending confirmation");
}

static void fill_listed(struct live_resource *r, json_t *s)
{
	const char *arn = json_string_value(json_object_get(s, "SubscriptionArn"));
	r->props = json_object();
	json_object_set(r->props, "TopicArn", json_object_get(s, "TopicArn"));
	json_object_set(r->props, "Protocol", json_object_get(s, "Protocol"));
	json_object_set(r->props, "Endpoint", json_object_get(s, "Endpoint"));
	r->parent_id = xstrdup(json_string_value(json_object_get(s, "TopicArn")));
	if (is_pending(arn)) {
		r->note = xstrdup(PENDING_NOTE);
	} else {
		r->id = xstrdup(arn);
		r->arn = xstrdup(arn);
		json_object_set_new(r->props, "Arn", json_string(arn));
	}
	r->detailed = false;
}

static int read_all(const struct rt_ctx *c, const struct live_set *parents, struct live_set *out,
		    struct diags *d)
{
	json_t *subs = json_array();
	int err = 0;
	if (parents->n <= BY_TOPIC_MAX) {
		for (size_t i = 0; i < parents->n && !err; i++) {
			/* A topic deleted a moment ago may still be listed
			 * (ListTopics is eventually consistent): NotFound here
			 * means it has no subscriptions left to find. */
			static const char *const gone[] = { "NotFound", NULL };
			json_t *items = NULL, *params = json_pack("{s:s}", "TopicArn", parents->v[i].id);
			err = rt_call_all_expect(c, "sns", "ListSubscriptionsByTopic", params,
						 "Subscriptions", gone, &items, d);
			json_decref(params);
			if (err == RT_EXPECTED)
				err = 0;
			else if (!err)
				json_array_extend(subs, items);
			json_decref(items);
		}
	} else {
		json_t *items = NULL;
		err = rt_call_all(c, "sns", "ListSubscriptions", NULL, "Subscriptions", &items, d);
		if (!err) {
			json_t *topics = json_object(), *s;
			size_t i;
			for (i = 0; i < parents->n; i++)
				json_object_set_new(topics, parents->v[i].id, json_true());
			json_array_foreach(items, i, s) {
				const char *t = json_string_value(json_object_get(s, "TopicArn"));
				if (t && json_object_get(topics, t))
					json_array_append(subs, s);
			}
			json_decref(topics);
		}
		json_decref(items);
	}
	size_t i;
	json_t *s;
	json_array_foreach(subs, i, s)
		fill_listed(live_set_add(out, rtype_sns_subscription.type_name), s);
	json_decref(subs);
	return err;
}

/* The topic and endpoint the attributes name, and whether the
 * subscription awaits confirmation. */
static void fill_more(struct live_resource *r, json_t *a)
{
	static const char *const base[] = { "TopicArn", "Protocol", "Endpoint" };
	for (size_t i = 0; i < ARRAY_SIZE(base); i++)
		if (json_is_string(json_object_get(a, base[i])))
			json_object_set(r->props, base[i], json_object_get(a, base[i]));
	const char *pending = json_string_value(json_object_get(a, "PendingConfirmation"));
	free(r->note);
	r->note = pending && !strcmp(pending, "true") ? xstrdup(PENDING_NOTE) : NULL;
}

static int read_detail(const struct rt_ctx *c, struct live_resource *r, struct diags *d)
{
	if (!r->id)
		return 0; /* pending and its ARN unknown: SNS will not say more */
	return rta_attrs_detail(&api, c, r, d);
}

static int read_one(const struct rt_ctx *c, const char *id, struct live_resource *out,
		    struct diags *d)
{
	memset(out, 0, sizeof(*out));
	out->type = rtype_sns_subscription.type_name;
	out->id = xstrdup(id);
	out->arn = xstrdup(id);
	out->props = json_pack("{s:s}", "Arn", id);
	int err = read_detail(c, out, d);
	if (err) {
		live_resource_release(out);
		return err;
	}
	out->parent_id = xstrdup(json_string_value(json_object_get(out->props, "TopicArn")) ?
				 json_string_value(json_object_get(out->props, "TopicArn")) : "");
	return 0;
}

static int create(const struct rt_ctx *c, const char *address, json_t *props, json_t *tags,
		  char **id_out, struct diags *d)
{
	char t1[64], t2[64], t3[64];
	const char *topic = rt_str(props, "TopicArn", t1), *proto = rt_str(props, "Protocol", t2);
	const char *endpoint = rt_str(props, "Endpoint", t3);
	if (!topic || !proto) {
		diags_add(d, DIAG_ERROR, "AWS::SNS::Subscription: TopicArn and Protocol are required");
		return BERTH_EINVAL;
	}
	json_t *a = rta_attrs_request(&api, props), *res = NULL;
	/* Subscribe is idempotent for (topic, protocol, endpoint): a retry
	 * after a crash returns the same subscription. */
	json_t *params = json_pack("{s:s, s:s, s:o, s:b}", "TopicArn", topic, "Protocol", proto,
				   "Attributes", a, "ReturnSubscriptionArn", 1);
	if (endpoint)
		json_object_set_new(params, "Endpoint", json_string(endpoint));
	int err = rt_call(c, "sns", "Subscribe", params, &res, d);
	json_decref(params);
	if (err)
		return err;
	const char *arn = json_string_value(json_object_get(res, "SubscriptionArn"));
	if (is_pending(arn)) {
		json_decref(res);
		diags_add(d, DIAG_ERROR, "Subscribe answered without the subscription's ARN");
		return BERTH_EAWS;
	}
	*id_out = xstrdup(arn);
	json_decref(res);
	(void)address;
	(void)tags;
	return 0;
}

/* What update changes in place: the attributes (rta_attrs_update). */
static bool sns_subscription_updates(const char *prop)
{
	return rta_attrs_updates(&api, prop);
}

static int update(const struct rt_ctx *c, const struct live_resource *cur, json_t *desired,
		  const char *const *changed, size_t nchanged, struct diags *d)
{
	if (!cur->id) {
		diags_add(d, DIAG_ERROR,
			  "subscription is pending confirmation and SNS does not give its ARN; "
			  "its settings can change once it is confirmed");
		return BERTH_ERROR;
	}
	return rta_attrs_update(&api, c, cur->id, desired, changed, nchanged, d);
}

static int remove_subscription(const struct rt_ctx *c, const struct live_resource *cur,
			       struct diags *d)
{
	if (!cur->id) {
		struct diag *dg = diags_add(d, DIAG_WARNING,
					    "subscription to %s is pending confirmation; SNS gives no ARN to delete it by",
					    cur->parent_id ? cur->parent_id : "its topic");
		diag_set_detail(dg, "it goes with its topic, or SNS deletes it after 3 days unconfirmed");
		return 0;
	}
	static const char *const gone[] = { "NotFound", "InvalidParameter", NULL };
	json_t *params = json_pack("{s:s}", "SubscriptionArn", cur->id);
	int err = rt_call_expect(c, "sns", "Unsubscribe", params, NULL, gone, NULL, d);
	json_decref(params);
	return err == RT_EXPECTED ? 0 : err;
}

const struct rtype rtype_sns_subscription = {
	.type_name = "AWS::SNS::Subscription",
	.parent_type = "AWS::SNS::Topic",
	.identity = identity,
	.detail_props = attr_names,
	.read_all = read_all,
	.read_one = read_one,
	.read_detail = read_detail,
	.create = create,
	.update = update,
	.updates = sns_subscription_updates,
	.remove = remove_subscription,
	.gone_with_parent = true, /* DeleteTopic deletes its subscriptions */
	.parent_prop = "TopicArn", /* a topic outside the stack: read by the cached ARN */
};
