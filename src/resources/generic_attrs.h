/* Types whose settings are an attribute map (generic.h's `attrs`): SNS's
 * Get/SetTopicAttributes and Get/SetSubscriptionAttributes, the Attributes
 * map of CreateTopic and Subscribe. Each setting is a CloudFormation
 * property of the attribute's own name, and every value travels as text: a
 * boolean as "true"/"false", a policy as compact JSON, an unset one read
 * back as "". SQS's queues (GetQueueAttributes, SetQueueAttributes, the
 * Attributes of CreateQueue) are the same shape. */
#ifndef BERTH_RESOURCES_GENERIC_ATTRS_H
#define BERTH_RESOURCES_GENERIC_ATTRS_H

#include <jansson.h>

#include "resources/generic.h"

struct rta_attrs {
	/* Reading all of them, changing one a call ({id_member, AttributeName,
	 * AttributeValue}); the member naming the instance in both, and the
	 * map's member in the read's answer and the create request. */
	const char *get_op, *set_op, *id_member, *map_member;
	/* The properties that are attributes (NULL-terminated): also the
	 * type's detail_props, as each costs a read per instance. */
	const char *const *names;
	/* Those of `names` that are booleans, and what set_op sends when the
	 * spec drops one (NULL: "", as for every other attribute). */
	const char *const *booleans;
	const char *bool_unset;
	/* Optional: what else the read's map says of r (a subscription's
	 * topic and endpoint, whether it awaits confirmation), before the
	 * attributes are filled in. */
	void (*fill_more)(struct live_resource *r, json_t *map);
};

/* {NAME: text} of the attributes props (CloudFormation form) sets, for the
 * create request: a new object. */
json_t *rta_attrs_request(const struct rtype_api *a, json_t *props);
/* Sets props' attribute properties from `map` (the read's answer,
 * borrowed): those it gives as "" or not at all are removed. */
void rta_attrs_fill(const struct rtype_api *a, json_t *props, json_t *map);
/* get_op on `id`: *map, a new reference. BERTH_ENOTFOUND (no diagnostic)
 * when AWS answers one of a->gone. */
int rta_attrs_read(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		   json_t **map, struct diags *d);
/* A type's read_detail: get_op on r->id, then r->props filled (fill_more,
 * rta_attrs_fill) and r->detailed set. */
int rta_attrs_detail(const struct rtype_api *a, const struct rt_ctx *c, struct live_resource *r,
		     struct diags *d);
/* Whether rta_attrs_update changes `prop` in place: it is an attribute. */
bool rta_attrs_updates(const struct rtype_api *a, const char *prop);
/* set_op for each property in changed[0..n) (its value in desired, or
 * unset when absent); a change to anything but an attribute is refused. */
int rta_attrs_update(const struct rtype_api *a, const struct rt_ctx *c, const char *id,
		     json_t *desired, const char *const *changed, size_t n, struct diags *d);

#endif
