/* The in-memory cloud of fake_cloud.h. */
#include "util/common.h"
#include "fake_cloud.h"

#include "util/duration.h"
#include "util/err.h"

#include <time.h>

#define FAKE_ACCOUNT "123456789012"

static struct fake_cloud *the_cloud;

void fake_cloud_new(struct fake_cloud *fc)
{
	memset(fc, 0, sizeof(*fc));
	pthread_mutex_init(&fc->lock, NULL);
	fc->objs = json_object();
	fc->groups = json_object();
	fc->params = json_object();
	strvec_init(&fc->log);
	strvec_init(&fc->refuse_create);
	strvec_init(&fc->lose_create);
	strvec_init(&fc->refuse_delete_group);
	atomic_init(&fc->cancel, 0);
	the_cloud = fc;
}

void fake_cloud_free(struct fake_cloud *fc)
{
	json_decref(fc->objs);
	json_decref(fc->groups);
	json_decref(fc->params);
	strvec_clear(&fc->log);
	strvec_clear(&fc->refuse_create);
	strvec_clear(&fc->lose_create);
	strvec_clear(&fc->refuse_delete_group);
	pthread_mutex_destroy(&fc->lock);
	if (the_cloud == fc)
		the_cloud = NULL;
}

/* The berth address an object's tags name, or "-" (new string). */
static char *obj_address(json_t *obj)
{
	const char *id = json_string_value(json_object_get(json_object_get(obj, "tags"), TAG_ID));
	return id ? rt_tag_decode(id) : xstrdup("-");
}

/* Under the lock. */
static void log_write(struct fake_cloud *fc, const char *verb, const char *address)
{
	strvec_pushf(&fc->log, "%s %s", verb, address);
}

size_t fake_count(struct fake_cloud *fc, const char *verb, const char *address)
{
	size_t n = 0, vl = strlen(verb);
	pthread_mutex_lock(&fc->lock);
	for (size_t i = 0; i < fc->log.n; i++) {
		const char *e = fc->log.v[i];
		if (!strncmp(e, verb, vl) && e[vl] == ' ' && (!address || !strcmp(e + vl + 1, address)))
			n++;
	}
	pthread_mutex_unlock(&fc->lock);
	return n;
}

long fake_log_index(struct fake_cloud *fc, const char *verb, const char *address)
{
	char *want = xasprintf("%s %s", verb, address);
	pthread_mutex_lock(&fc->lock);
	long at = strvec_find(&fc->log, want);
	pthread_mutex_unlock(&fc->lock);
	free(want);
	return at;
}

size_t fake_instances(struct fake_cloud *fc, const char *address)
{
	size_t n = 0;
	const char *arn;
	json_t *obj;
	pthread_mutex_lock(&fc->lock);
	json_object_foreach(fc->objs, arn, obj) {
		char *a = obj_address(obj);
		n += !strcmp(a, address);
		free(a);
	}
	pthread_mutex_unlock(&fc->lock);
	return n;
}

/* ---- the types ---- */

/* What distinguishes the types: their id, ARN and attributes. */
struct fake_kind {
	const char *type_name;
	const char *service;    /* the ARN's: "ec2" */
	const char *id_prefix;  /* "vpc-"; NULL: the id is the name property */
	const char *name_prop;  /* with id_prefix NULL */
	const char *arn_part;   /* ":vpc/", ":log-group:" */
	const char *id_attr;    /* the attribute holding the id: "VpcId" */
};

static const struct fake_kind kinds[] = {
	{ "AWS::EC2::Subnet", "ec2", "subnet-", NULL, ":subnet/", "SubnetId" },
	{ "AWS::EC2::VPC", "ec2", "vpc-", NULL, ":vpc/", "VpcId" },
	{ "AWS::ECS::Cluster", "ecs", NULL, "ClusterName", ":cluster/", NULL },
	{ "AWS::Logs::LogGroup", "logs", NULL, "LogGroupName", ":log-group:", NULL },
};

static const struct fake_kind *kind_of(const char *type_name)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i].type_name, type_name))
			return &kinds[i];
	return NULL;
}

static char *make_arn(const struct fake_kind *k, const char *id)
{
	return xasprintf("arn:aws:%s:us-west-2:" FAKE_ACCOUNT "%s%s", k->service, k->arn_part, id);
}

/* berth:created in tags (ISO-8601), in ms since the epoch; 0 when none. */
static long long created_ms(json_t *tags)
{
	const char *t = json_string_value(json_object_get(tags, TAG_CREATED));
	time_t u;
	return t && !time_parse_rfc3339(t, &u) ? (long long)u * 1000 : 0;
}

/* The object of this type and id, or NULL (under the lock). */
static json_t *find_obj(struct fake_cloud *fc, const char *type_name, const char *id)
{
	const char *arn;
	json_t *obj;
	json_object_foreach(fc->objs, arn, obj)
		if (!strcmp(json_string_value(json_object_get(obj, "type")), type_name) &&
		    !strcmp(json_string_value(json_object_get(obj, "id")), id))
			return obj;
	return NULL;
}

/* obj as a live instance, as a refresh reads it (under the lock). */
static void to_live(const char *type_name, const char *arn, json_t *obj,
		    struct live_resource *r)
{
	memset(r, 0, sizeof(*r));
	r->type = kind_of(type_name)->type_name; /* static, as the engine wants */
	r->id = xstrdup(json_string_value(json_object_get(obj, "id")));
	r->arn = xstrdup(arn);
	r->props = json_deep_copy(json_object_get(obj, "props"));
	r->detailed = true;
	/* As ECS clusters: AWS gives no creation time, berth's tag does. */
	r->created_ms = created_ms(json_object_get(obj, "tags"));
	rt_apply_tags(r, json_deep_copy(json_object_get(obj, "tags")));
	const char *repair = json_string_value(json_object_get(obj, "repair"));
	const char *last = json_string_value(json_object_get(obj, "last_failure"));
	r->repair_reason = repair ? xstrdup(repair) : NULL;
	r->last_failure = last ? xstrdup(last) : NULL;
}

void fake_set_state(struct fake_cloud *fc, const char *address, const char *repair,
		    const char *last_failure)
{
	const char *arn;
	json_t *obj;
	pthread_mutex_lock(&fc->lock);
	json_object_foreach(fc->objs, arn, obj) {
		char *a = obj_address(obj);
		if (!strcmp(a, address)) {
			json_object_set_new(obj, "repair", repair ? json_string(repair) : json_null());
			json_object_set_new(obj, "last_failure",
					    last_failure ? json_string(last_failure) : json_null());
		}
		free(a);
	}
	pthread_mutex_unlock(&fc->lock);
}

static bool of_stack(json_t *obj, const char *stack)
{
	const char *st = json_string_value(json_object_get(json_object_get(obj, "tags"), TAG_STACK));
	return st && !strcmp(st, stack);
}

static int fake_read_all(const struct rtype *type, const struct rt_ctx *c,
			 struct live_set *out)
{
	struct fake_cloud *fc = the_cloud;
	const char *arn;
	json_t *obj;
	pthread_mutex_lock(&fc->lock);
	json_object_foreach(fc->objs, arn, obj)
		if (!strcmp(json_string_value(json_object_get(obj, "type")), type->type_name) &&
		    of_stack(obj, c->stack))
			to_live(type->type_name, arn, obj, live_set_add(out, type->type_name));
	pthread_mutex_unlock(&fc->lock);
	return 0;
}

static int fake_read_one(const struct rtype *type, const char *id, struct live_resource *out)
{
	struct fake_cloud *fc = the_cloud;
	int now = atomic_fetch_add(&fc->reading, 1) + 1, most = atomic_load(&fc->most_reading);
	while (now > most && !atomic_compare_exchange_weak(&fc->most_reading, &most, now))
		;
	if (fc->read_delay_ms) {
		struct timespec ts = { 0, (long)fc->read_delay_ms * 1000000L };
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	atomic_fetch_sub(&fc->reading, 1);
	pthread_mutex_lock(&fc->lock);
	json_t *obj = find_obj(fc, type->type_name, id);
	if (obj) {
		char *arn = make_arn(kind_of(type->type_name), id);
		to_live(type->type_name, arn, obj, out);
		free(arn);
	}
	pthread_mutex_unlock(&fc->lock);
	return obj ? 0 : BERTH_ENOTFOUND;
}

static int fake_create(const struct rtype *type, const char *address, json_t *props,
		       json_t *tags, char **id_out, struct diags *d)
{
	struct fake_cloud *fc = the_cloud;
	const struct fake_kind *k = kind_of(type->type_name);
	int err = 0;
	pthread_mutex_lock(&fc->lock);
	log_write(fc, "create", address);
	if (strvec_find(&fc->refuse_create, address) >= 0) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "fake: %s refused", address);
		dg->aws_code = xstrdup("InvalidParameterValue");
		err = BERTH_EAWS;
		goto unlock;
	}
	/* Idempotent, as resource.h asks: an instance of this stack and
	 * address is the one a lost answer made. */
	const char *arn;
	json_t *obj;
	json_object_foreach(fc->objs, arn, obj) {
		char *a = obj_address(obj);
		bool same = !strcmp(json_string_value(json_object_get(obj, "type")), type->type_name) &&
			    of_stack(obj, json_string_value(json_object_get(tags, TAG_STACK))) &&
			    !strcmp(a, address);
		free(a);
		if (same) {
			*id_out = xstrdup(json_string_value(json_object_get(obj, "id")));
			goto unlock;
		}
	}
	char *id = k->id_prefix ? xasprintf("%s%06ld", k->id_prefix, ++fc->next_id)
				: xstrdup(json_string_value(json_object_get(props, k->name_prop)));
	if (find_obj(fc, type->type_name, id)) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "fake: %s already exists", id);
		dg->aws_code = xstrdup("ResourceAlreadyExistsException");
		free(id);
		err = BERTH_EAWS;
		goto unlock;
	}
	json_t *stored = json_deep_copy(props);
	json_object_del(stored, "Tags");
	if (k->id_attr)
		json_object_set_new(stored, k->id_attr, json_string(id));
	char *new_arn = make_arn(k, id);
	if (!k->id_attr)
		json_object_set_new(stored, "Arn", json_string(new_arn));
	json_object_set_new(fc->objs, new_arn,
			    json_pack("{s:s, s:s, s:o, s:O}", "type", type->type_name, "id", id,
				      "props", stored, "tags", tags));
	free(new_arn);
	if (strvec_find(&fc->lose_create, address) >= 0) {
		/* Made, but berth never hears of it: it stops there. */
		atomic_store(&fc->cancel, 1);
		diags_add(d, DIAG_ERROR, "fake: connection lost after creating %s", address);
		free(id);
		err = BERTH_ENET;
		goto unlock;
	}
	*id_out = id;
unlock:
	pthread_mutex_unlock(&fc->lock);
	return err;
}

static int fake_update(const struct live_resource *cur, json_t *desired,
		       const char *const *changed, size_t n)
{
	struct fake_cloud *fc = the_cloud;
	pthread_mutex_lock(&fc->lock);
	json_t *obj = json_object_get(fc->objs, cur->arn);
	int err = obj ? 0 : BERTH_ENOTFOUND;
	json_t *props = json_object_get(obj, "props");
	for (size_t i = 0; obj && i < n; i++) {
		json_t *v = json_object_get(desired, changed[i]);
		if (v)
			json_object_set_new(props, changed[i], json_deep_copy(v));
		else
			json_object_del(props, changed[i]);
	}
	if (obj) {
		char *a = obj_address(obj);
		log_write(fc, "update", a);
		free(a);
		/* Brought back, and the change made. */
		json_object_del(obj, "repair");
		json_object_del(obj, "last_failure");
	}
	pthread_mutex_unlock(&fc->lock);
	return err;
}

static int fake_set_tags(const struct rt_ctx *c, const struct live_resource *cur, json_t *add,
			 json_t *remove_keys, struct diags *d)
{
	struct fake_cloud *fc = the_cloud;
	(void)c;
	(void)d;
	pthread_mutex_lock(&fc->lock);
	json_t *obj = json_object_get(fc->objs, cur->arn);
	json_t *tags = json_object_get(obj, "tags");
	char *a = obj ? obj_address(obj) : xstrdup("-");
	log_write(fc, "tag", a);
	free(a);
	if (obj) {
		if (add)
			json_object_update(tags, add);
		size_t i;
		json_t *k;
		json_array_foreach(remove_keys, i, k)
			json_object_del(tags, json_string_value(k));
	}
	pthread_mutex_unlock(&fc->lock);
	return obj ? 0 : BERTH_ENOTFOUND;
}

static int fake_remove(const struct live_resource *cur, struct diags *d)
{
	struct fake_cloud *fc = the_cloud;
	int err = 0;
	pthread_mutex_lock(&fc->lock);
	json_t *obj = cur->arn ? json_object_get(fc->objs, cur->arn) : NULL;
	if (!obj)
		goto unlock; /* gone already: success */
	char *a = obj_address(obj);
	log_write(fc, "delete", a);
	free(a);
	if (!strcmp(cur->type, "AWS::EC2::VPC")) {
		/* As EC2: a VPC with subnets cannot go. */
		const char *arn;
		json_t *o;
		json_object_foreach(fc->objs, arn, o) {
			const char *vpc = json_string_value(
				json_object_get(json_object_get(o, "props"), "VpcId"));
			if (o != obj && vpc && !strcmp(vpc, cur->id)) {
				struct diag *dg = diags_add(d, DIAG_ERROR, "fake: %s has dependencies",
							    cur->id);
				dg->aws_code = xstrdup("DependencyViolation");
				err = BERTH_EAWS;
				goto unlock;
			}
		}
	}
	json_object_del(fc->objs, cur->arn);
unlock:
	pthread_mutex_unlock(&fc->lock);
	return err;
}

/* The vtable callbacks, per type (they are told no type). */
#define FAKE_TYPE(sym, name, filter, fx)                                                     \
	static const struct rtype sym;                                                       \
	static int sym##_owns(const char *arn)                                               \
	{                                                                                    \
		return strstr(arn, kind_of(name)->arn_part) != NULL;                         \
	}                                                                                    \
	static int sym##_read_all(const struct rt_ctx *c, const struct live_set *parents,    \
				  struct live_set *out, struct diags *d)                     \
	{                                                                                    \
		(void)parents;                                                               \
		(void)d;                                                                     \
		return fake_read_all(&sym, c, out);                                          \
	}                                                                                    \
	static int sym##_read_one(const struct rt_ctx *c, const char *id,                    \
				  struct live_resource *out, struct diags *d)                \
	{                                                                                    \
		(void)c;                                                                     \
		(void)d;                                                                     \
		return fake_read_one(&sym, id, out);                                         \
	}                                                                                    \
	static int sym##_create(const struct rt_ctx *c, const char *address, json_t *props,  \
				json_t *tags, char **id_out, struct diags *d)                \
	{                                                                                    \
		(void)c;                                                                     \
		return fake_create(&sym, address, props, tags, id_out, d);                   \
	}                                                                                    \
	static int sym##_update(const struct rt_ctx *c, const struct live_resource *cur,     \
				json_t *desired, const char *const *changed, size_t n,       \
				struct diags *d)                                             \
	{                                                                                    \
		(void)c;                                                                     \
		(void)d;                                                                     \
		return fake_update(cur, desired, changed, n);                                \
	}                                                                                    \
	static int sym##_remove(const struct rt_ctx *c, const struct live_resource *cur,     \
				struct diags *d)                                             \
	{                                                                                    \
		(void)c;                                                                     \
		return fake_remove(cur, d);                                                  \
	}                                                                                    \
	static const struct rtype sym = {                                                    \
		.type_name = name,                                                           \
		.tag_filter = filter,                                                        \
		.owns_arn = sym##_owns,                                                      \
		.read_all = sym##_read_all,                                                  \
		.read_one = sym##_read_one,                                                  \
		.create = sym##_create,                                                      \
		.update = sym##_update,                                                      \
		.set_tags = fake_set_tags,                                                   \
		.remove = sym##_remove,                                                      \
		.side_effects = fx,                                                          \
	}

/* A cluster declares its Container Insights group, as ecs_cluster.c does
 * (whatever its settings: a fake). */
static void cluster_side_effects(const char *id, json_t *props, struct strvec *log_groups)
{
	const char *name = id ? id : json_string_value(json_object_get(props, "ClusterName"));
	if (name)
		strvec_pushf(log_groups, "/aws/ecs/containerinsights/%s/performance", name);
}

FAKE_TYPE(fake_subnet, "AWS::EC2::Subnet", "ec2:subnet", NULL);
FAKE_TYPE(fake_vpc, "AWS::EC2::VPC", "ec2:vpc", NULL);
FAKE_TYPE(fake_cluster, "AWS::ECS::Cluster", "ecs:cluster", cluster_side_effects);
FAKE_TYPE(fake_loggroup, "AWS::Logs::LogGroup", "logs:log-group", NULL);

static int fake_stack_tagged(const struct rt_ctx *c, json_t **out, struct diags *d)
{
	struct fake_cloud *fc = the_cloud;
	json_t *a = json_array();
	const char *arn;
	json_t *obj;
	(void)d;
	pthread_mutex_lock(&fc->lock);
	json_object_foreach(fc->objs, arn, obj)
		if (of_stack(obj, c->stack))
			json_array_append_new(a, json_pack("{s:s, s:o}", "ResourceARN", arn, "Tags",
							   rt_tags_to_list(json_object_get(obj, "tags"),
									   false)));
	pthread_mutex_unlock(&fc->lock);
	*out = a;
	return 0;
}

static int fake_caller(const struct rt_ctx *c, json_t **out, struct diags *d)
{
	(void)c;
	(void)d;
	*out = json_pack("{s:s, s:s}", "Account", FAKE_ACCOUNT, "Arn",
			 "arn:aws:iam::" FAKE_ACCOUNT ":user/fake");
	return 0;
}

/* Data sources: ssm_parameter from fc->params, caller_identity as
 * fake_caller; no other kind. */
static int fake_data_read(const struct rt_ctx *c, const char *kind, json_t *args, json_t **out,
			  struct diags *d)
{
	struct fake_cloud *fc = the_cloud;
	(void)c;
	if (!strcmp(kind, "caller_identity")) {
		*out = json_pack("{s:s}", "account_id", FAKE_ACCOUNT);
		return 0;
	}
	if (strcmp(kind, "ssm_parameter")) {
		diags_add(d, DIAG_ERROR, "fake: no data source %s", kind);
		return BERTH_EINVAL;
	}
	const char *name = json_string_value(json_object_get(args, "name"));
	int err = 0;
	pthread_mutex_lock(&fc->lock);
	log_write(fc, "read-data", name ? name : "-");
	json_t *v = name ? json_object_get(fc->params, name) : NULL;
	if (v) {
		*out = json_pack("{s:O, s:s, s:s}", "value", v, "name", name, "type", "String");
	} else {
		diags_add(d, DIAG_ERROR, "fake: SSM parameter %s does not exist", name ? name : "");
		err = BERTH_ENOTFOUND;
	}
	pthread_mutex_unlock(&fc->lock);
	return err;
}

static int fake_log_group_created(const struct rt_ctx *c, const char *name, long long *ms,
				  struct diags *d)
{
	struct fake_cloud *fc = the_cloud;
	(void)c;
	(void)d;
	pthread_mutex_lock(&fc->lock);
	json_t *t = json_object_get(fc->groups, name);
	json_t *managed = find_obj(fc, "AWS::Logs::LogGroup", name);
	*ms = t ? json_integer_value(t)
		: managed ? created_ms(json_object_get(managed, "tags")) : 0;
	pthread_mutex_unlock(&fc->lock);
	return 0;
}

static int fake_log_group_delete(const struct rt_ctx *c, const char *name, struct diags *d)
{
	struct fake_cloud *fc = the_cloud;
	(void)c;
	int err = 0;
	pthread_mutex_lock(&fc->lock);
	log_write(fc, "delete-group", name);
	if (strvec_find(&fc->refuse_delete_group, name) >= 0) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "fake: deleting %s refused", name);
		dg->aws_code = xstrdup("AccessDeniedException");
		err = BERTH_EAWS;
	} else {
		/* Gone already is no error, as with AWS's answer. */
		json_object_del(fc->groups, name);
		const char *arn;
		json_t *obj;
		void *tmp;
		json_object_foreach_safe(fc->objs, tmp, arn, obj)
			if (!strcmp(json_string_value(json_object_get(obj, "type")),
				    "AWS::Logs::LogGroup") &&
			    !strcmp(json_string_value(json_object_get(obj, "id")), name))
				json_object_del(fc->objs, arn);
	}
	pthread_mutex_unlock(&fc->lock);
	return err;
}

static const struct rtype *const fake_types[] = { &fake_subnet, &fake_vpc, &fake_cluster,
						  &fake_loggroup };

static const struct rtype_registry fake_reg = {
	.v = fake_types,
	.n = ARRAY_SIZE(fake_types),
	.stack_tagged = fake_stack_tagged,
	.caller = fake_caller,
	.data_read = fake_data_read,
	.log_group_created = fake_log_group_created,
	.log_group_delete = fake_log_group_delete,
};

const struct rtype_registry *fake_registry(void)
{
	return &fake_reg;
}
