/* What every resource type file shares: live sets, counted AWS calls, the
 * tagging API view of a stack, tag conversions, polling with backoff and
 * deterministic names. */
#include "util/common.h"
#include "resources/resource.h"

#include <time.h>

#include "aws/client.h"
#include "resources/ec2_common.h"
#include "util/buf.h"
#include "util/log.h"

struct live_resource *live_set_add(struct live_set *s, const char *type)
{
	ALLOC_GROW(s->v, s->n + 1, s->alloc);
	struct live_resource *r = &s->v[s->n++];
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->detailed = true;
	return r;
}

void live_resource_release(struct live_resource *r)
{
	if (!r)
		return;
	free(r->address);
	free(r->id);
	free(r->arn);
	json_decref(r->props);
	json_decref(r->tags);
	free(r->note);
	free(r->parent_id);
	free(r->replace_reason);
	free(r->repair_reason);
	free(r->last_failure);
	memset(r, 0, sizeof(*r));
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void live_resource_copy(struct live_resource *dst, const struct live_resource *src)
{
	dst->type = src->type;
	dst->address = dup_or_null(src->address);
	dst->id = dup_or_null(src->id);
	dst->arn = dup_or_null(src->arn);
	dst->props = src->props ? json_deep_copy(src->props) : json_object();
	dst->tags = src->tags ? json_deep_copy(src->tags) : NULL;
	dst->retain = src->retain;
	dst->detailed = src->detailed;
	dst->note = dup_or_null(src->note);
	dst->parent_id = dup_or_null(src->parent_id);
	dst->replace_reason = dup_or_null(src->replace_reason);
	dst->created_ms = src->created_ms;
	dst->repair_reason = dup_or_null(src->repair_reason);
	dst->last_failure = dup_or_null(src->last_failure);
}

void live_set_release(struct live_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		live_resource_release(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->alloc = 0;
}

size_t rt_keep_stack(const struct rt_ctx *c, struct live_set *s)
{
	size_t kept = 0, dropped = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (!rt_tags_ours(c, s->v[i].tags, NULL)) {
			log_verbose("%s %s was listed as tagged %s=%s but is not; ignored",
				    s->v[i].type, s->v[i].id ? s->v[i].id : "?", TAG_STACK,
				    c->stack);
			live_resource_release(&s->v[i]);
			dropped++;
			continue;
		}
		if (kept != i)
			s->v[kept] = s->v[i];
		kept++;
	}
	s->n = kept;
	return dropped;
}

void rt_calls_init(struct rt_calls *c)
{
	pthread_mutex_init(&c->lock, NULL);
	c->by_op = json_object();
	c->total = 0;
}

void rt_calls_release(struct rt_calls *c)
{
	json_decref(c->by_op);
	c->by_op = NULL;
	pthread_mutex_destroy(&c->lock);
}

static void count_call(const struct rt_ctx *c, const char *service, const char *op, long n)
{
	if (!c->calls || n <= 0)
		return;
	char key[160];
	snprintf(key, sizeof(key), "%s:%s", service, op);
	pthread_mutex_lock(&c->calls->lock);
	json_t *v = json_object_get(c->calls->by_op, key);
	json_object_set_new(c->calls->by_op, key, json_integer((v ? json_integer_value(v) : 0) + n));
	c->calls->total += n;
	pthread_mutex_unlock(&c->calls->lock);
}

void rt_shared_init(struct rt_shared *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
}

void rt_shared_release(struct rt_shared *s, struct diags *d)
{
	for (size_t i = 0; i < s->n; i++) {
		struct rt_shared_entry *e = s->v[i];
		if (e->close)
			e->close(e->obj, d);
		pthread_mutex_destroy(&e->use);
		free(e->key);
		free(e);
	}
	free(s->v);
	pthread_mutex_destroy(&s->lock);
	memset(s, 0, sizeof(*s));
}

static struct rt_shared_entry *shared_find(struct rt_shared *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i]->key, key))
			return s->v[i];
	return NULL;
}

int rt_shared_get(const struct rt_ctx *c, const char *key,
		  int (*open)(void *arg, void **obj, struct diags *d), void *arg,
		  void (*close)(void *obj, struct diags *d), void **out, struct diags *d)
{
	struct rt_shared *s = c->shared;
	/* The table lock is held while opening, so two types refreshed at once
	 * never open two objects for one key; opening is rare (once a key). */
	pthread_mutex_lock(&s->lock);
	struct rt_shared_entry *e = shared_find(s, key);
	if (!e) {
		void *obj = NULL;
		int err = open(arg, &obj, d);
		if (err) {
			pthread_mutex_unlock(&s->lock);
			return err;
		}
		e = xcalloc(1, sizeof(*e));
		e->key = xstrdup(key);
		e->obj = obj;
		e->close = close;
		pthread_mutex_init(&e->use, NULL);
		ALLOC_GROW(s->v, s->n + 1, s->alloc);
		s->v[s->n++] = e;
	}
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_lock(&e->use);
	*out = e->obj;
	return 0;
}

void rt_shared_put(const struct rt_ctx *c, const char *key)
{
	struct rt_shared *s = c->shared;
	pthread_mutex_lock(&s->lock);
	struct rt_shared_entry *e = shared_find(s, key);
	pthread_mutex_unlock(&s->lock);
	if (e)
		pthread_mutex_unlock(&e->use);
}

int rt_call(const struct rt_ctx *c, const char *service, const char *op, json_t *params,
	    json_t **out, struct diags *d)
{
	count_call(c, service, op, 1);
	json_t *res = NULL;
	int err = aws_call(c->aws, service, op, params, &res, d);
	if (err)
		return err;
	if (out)
		*out = res;
	else
		json_decref(res);
	return 0;
}

/* Whether diagnostics tmp hold an AWS error whose code is one of `codes`
 * (copied to `code`, 64 bytes, when not NULL). */
static bool expected_code(const struct diags *tmp, const char *const *codes, char *code)
{
	for (size_t i = 0; codes && i < tmp->n; i++) {
		const char *got = tmp->items[i].aws_code;
		for (size_t k = 0; got && codes[k]; k++)
			if (!strcmp(got, codes[k])) {
				if (code)
					snprintf(code, 64, "%s", got);
				return true;
			}
	}
	return false;
}

int rt_call_expect(const struct rt_ctx *c, const char *service, const char *op, json_t *params,
		   json_t **out, const char *const *codes, char *code, struct diags *d)
{
	struct diags tmp = DIAGS_INIT;
	int err = rt_call(c, service, op, params, out, &tmp);
	if (err == BERTH_EAWS && expected_code(&tmp, codes, code)) {
		diags_release(&tmp);
		return RT_EXPECTED;
	}
	diags_move(d, &tmp);
	diags_release(&tmp);
	return err;
}

int rt_call_all(const struct rt_ctx *c, const char *service, const char *op, json_t *params,
		const char *result_key, json_t **items, struct diags *d)
{
	return rt_call_all_expect(c, service, op, params, result_key, NULL, items, d);
}

/* Pages through the client's one pagination path (aws_call_pages: botocore's
 * paginators, with its guards against endless and repeating tokens), each
 * page counted as a call. */
int rt_call_all_expect(const struct rt_ctx *c, const char *service, const char *op,
		       json_t *params, const char *result_key, const char *const *codes,
		       json_t **items, struct diags *d)
{
	struct diags tmp = DIAGS_INIT;
	json_t *all = NULL;
	int pages = 0;
	int err = aws_call_pages(c->aws, service, op, params, result_key, &all, &pages, &tmp);
	count_call(c, service, op, pages);
	if (err == BERTH_EAWS && expected_code(&tmp, codes, NULL)) {
		diags_release(&tmp);
		return RT_EXPECTED;
	}
	diags_move(d, &tmp);
	diags_release(&tmp);
	if (err)
		return err;
	json_t *filters = json_object_get(params, "Filters");
	if (!filters)
		filters = json_object_get(params, "Filter");
	/* What an EC2 listing answers is checked against its filters: a
	 * server that ignored one must not make berth adopt, or count as
	 * live, what it did not ask for (ec2_filter.c). */
	if (!strcmp(service, "ec2") && json_is_array(filters)) {
		json_t *kept = ec2_keep_matching(op, all, filters);
		json_decref(all);
		all = kept;
	}
	*items = all;
	return 0;
}

/* Whether arn is of the tagging API's resource type `filter`: "service"
 * matches every ARN of the service, "service:type" those whose resource part
 * ("log-group:NAME", "cluster/NAME") starts with that type, as GetResources'
 * ResourceTypeFilters do. */
static bool arn_of_type(const char *arn, const char *filter)
{
	const char *f[6] = { 0 };
	const char *p = arn;
	for (int i = 0; i < 6 && p; i++) {
		f[i] = p;
		p = strchr(p, ':');
		p = p ? p + 1 : NULL;
	}
	if (!f[5] || strncmp(arn, "arn:", 4))
		return false;
	const char *colon = strchr(filter, ':');
	size_t slen = colon ? (size_t)(colon - filter) : strlen(filter);
	if (strncmp(f[2], filter, slen) || f[2][slen] != ':')
		return false;
	if (!colon)
		return true;
	const char *type = colon + 1;
	size_t tlen = strlen(type);
	return !strncmp(f[5], type, tlen) && (f[5][tlen] == ':' || f[5][tlen] == '/');
}

bool rt_tags_ours(const struct rt_ctx *c, json_t *tags, const char *address)
{
	json_t *map = json_is_array(tags) ? rt_tags_to_map(tags) : json_incref(tags);
	const char *st = json_string_value(json_object_get(map, TAG_STACK));
	bool ours = st && !strcmp(st, c->stack);
	if (ours && address) {
		const char *id = json_string_value(json_object_get(map, TAG_ID));
		char *addr = id ? rt_tag_decode(id) : NULL;
		ours = addr && !strcmp(addr, address);
		free(addr);
	}
	json_decref(map);
	return ours;
}

/* Keeps the tagging API's mappings that are of `type_filter` (NULL: any)
 * and tagged as this stack's (and `address`'s, when not NULL): what the
 * filters asked for, checked rather than trusted, since a server that
 * ignored one would otherwise hand berth another stack's resources. */
static json_t *keep_ours(const struct rt_ctx *c, json_t *items, const char *type_filter,
			 const char *address)
{
	json_t *kept = json_array(), *m;
	size_t i, dropped = 0;
	json_array_foreach(items, i, m) {
		const char *arn = json_string_value(json_object_get(m, "ResourceARN"));
		if (arn && (!type_filter || arn_of_type(arn, type_filter)) &&
		    rt_tags_ours(c, json_object_get(m, "Tags"), address))
			json_array_append(kept, m);
		else
			dropped++;
	}
	if (dropped)
		log_verbose("GetResources answered %zu resource%s the filters exclude (not %s=%s%s%s); "
			    "ignored", dropped, dropped == 1 ? "" : "s", TAG_STACK, c->stack,
			    address ? " with the address " : "", address ? address : "");
	return kept;
}

int rt_tagged_resources(const struct rt_ctx *c, const char *type_filter, json_t **out,
			struct diags *d)
{
	if (c->stack_tagged) {
		/* The refresh listed the whole stack a moment ago: asking again
		 * per type would cost a page chain per type for the same data. */
		json_t *all = json_array();
		size_t i;
		json_t *m;
		json_array_foreach(c->stack_tagged, i, m) {
			const char *arn = json_string_value(json_object_get(m, "ResourceARN"));
			if (arn && (!type_filter || arn_of_type(arn, type_filter)))
				json_array_append(all, m);
		}
		*out = all;
		return 0;
	}
	json_t *params = json_pack("{s:[{s:s, s:[s]}], s:i}", "TagFilters", "Key", TAG_STACK,
				   "Values", c->stack, "ResourcesPerPage", 100);
	if (type_filter)
		json_object_set_new(params, "ResourceTypeFilters", json_pack("[s]", type_filter));
	json_t *items = NULL;
	int err = rt_call_all(c, "resourcegroupstaggingapi", "GetResources", params, NULL, &items, d);
	json_decref(params);
	if (err)
		return err;
	*out = keep_ours(c, items, type_filter, NULL);
	json_decref(items);
	return 0;
}

int rt_find_tagged(const struct rt_ctx *c, const char *type_filter, const char *address,
		   char **arn_out, struct diags *d)
{
	char *enc = rt_tag_encode(address);
	json_t *items = NULL;
	json_t *params = json_pack("{s:[{s:s, s:[s]}, {s:s, s:[s]}], s:[s], s:i}", "TagFilters",
				   "Key", TAG_STACK, "Values", c->stack, "Key", TAG_ID, "Values", enc,
				   "ResourceTypeFilters", type_filter, "ResourcesPerPage", 100);
	free(enc);
	int err = rt_call_all(c, "resourcegroupstaggingapi", "GetResources", params, NULL, &items, d);
	json_decref(params);
	if (err)
		return err;
	json_t *ours = keep_ours(c, items, type_filter, address);
	const char *arn = json_string_value(json_object_get(json_array_get(ours, 0), "ResourceARN"));
	*arn_out = arn ? xstrdup(arn) : NULL;
	json_decref(ours);
	json_decref(items);
	return 0;
}

json_t *rt_tags_to_map(json_t *list)
{
	json_t *m = json_object();
	size_t i;
	json_t *t;
	if (json_is_object(list)) {
		json_object_update(m, list);
		return m;
	}
	json_array_foreach(list, i, t) {
		const char *k = json_string_value(json_object_get(t, "Key"));
		json_t *v = json_object_get(t, "Value");
		if (k)
			json_object_set_new(m, k, json_string(json_is_string(v) ? json_string_value(v) : ""));
	}
	return m;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *rt_tags_to_list(json_t *map, bool user_only)
{
	json_t *a = json_array();
	size_t n = json_object_size(map), k = 0;
	const char **keys = xcalloc(n + 1, sizeof(char *));
	const char *key;
	json_t *v;
	json_object_foreach(map, key, v) {
		if (user_only && (!strncmp(key, "berth:", 6) || !strncmp(key, "aws:", 4)))
			continue;
		keys[k++] = key;
	}
	qsort(keys, k, sizeof(char *), cmp_str);
	for (size_t i = 0; i < k; i++)
		json_array_append_new(a, json_pack("{s:s, s:O}", "Key", keys[i], "Value",
						   json_object_get(map, keys[i])));
	free(keys);
	return a;
}

char *rt_tag_encode(const char *address)
{
	struct buf b = BUF_INIT;
	for (const unsigned char *p = (const unsigned char *)address; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr(" _.:/+-@", *p))
			buf_addch(&b, *p);
		else
			buf_addf(&b, "=%02X", *p);
	}
	return buf_detach(&b, NULL);
}

char *rt_tag_decode(const char *value)
{
	struct buf b = BUF_INIT;
	buf_add_unescaped(&b, value, '=', false);
	return buf_detach(&b, NULL);
}

void rt_apply_tags(struct live_resource *r, json_t *map)
{
	json_decref(r->tags);
	r->tags = map;
	free(r->address);
	const char *id = json_string_value(json_object_get(map, TAG_ID));
	r->address = id ? rt_tag_decode(id) : NULL;
	const char *ret = json_string_value(json_object_get(map, TAG_RETAIN));
	r->retain = ret && !strcmp(ret, "true");
	if (!r->props)
		r->props = json_object();
	json_t *list = rt_tags_to_list(map, true);
	if (json_array_size(list))
		json_object_set_new(r->props, "Tags", list);
	else {
		json_decref(list);
		json_object_del(r->props, "Tags");
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The pause before the next look, `elapsed` ms into a wait: RT_POLL_FIRST_MS
 * at first, then a fixed fraction of the time already waited, at most
 * `max_interval_ms`. Nothing tells berth how long this wait will take (AWS's
 * durations vary tenfold, and a test's emulator runs them at a fraction of
 * real time), but a pause that is a fraction of the wait so far overshoots
 * the moment it is done by at most that fraction, whatever its length:
 * the old 1.5x geometric back-off overshot by up to half a wait. The number
 * of looks grows only as the logarithm of the wait's length until the cap,
 * AWS's own waiter delay for the kind (15 s for a load balancer, a
 * service's stability, a NAT gateway), takes over. */
long rt_poll_interval(long elapsed_ms, long max_interval_ms)
{
	long next = elapsed_ms / RT_POLL_FRACTION;
	if (next < RT_POLL_FIRST_MS)
		next = RT_POLL_FIRST_MS;
	if (max_interval_ms > 0 && next > max_interval_ms)
		next = max_interval_ms;
	return next;
}

int rt_poll(const struct rt_ctx *c, const char *what, long timeout_ms, long max_interval_ms,
	    int (*probe)(void *ctx, struct diags *d), void *probe_ctx, struct diags *d)
{
	long start = now_ms();
	bool told = false;
	int r;
	if (c->wait_timeout_ms > 0)
		timeout_ms = c->wait_timeout_ms;
	for (;;) {
		r = probe(probe_ctx, d);
		if (r <= 0)
			break;
		if (!told && c->waiting) {
			c->waiting(c->waiting_ctx, what, timeout_ms);
			told = true;
		}
		long elapsed = now_ms() - start;
		if (c->cancel && atomic_load(c->cancel)) {
			diags_add(d, DIAG_ERROR, "interrupted while waiting for %s", what);
			r = BERTH_ECANCELED;
			break;
		}
		if (elapsed >= timeout_ms) {
			diags_add(d, DIAG_ERROR, "timed out after %lds waiting for %s",
				  timeout_ms / 1000, what);
			r = BERTH_ETIMEOUT;
			break;
		}
		long pause = rt_poll_interval(elapsed, max_interval_ms);
		/* The last look falls at the end of the budget, not past it. */
		if (elapsed + pause > timeout_ms)
			pause = timeout_ms - elapsed;
		sleep_ms(pause);
	}
	if (told && c->waited)
		c->waited(c->waiting_ctx, what, now_ms() - start, r);
	return r;
}

struct existing_probe {
	const struct rt_ctx *c;
	int (*read_one)(const struct rt_ctx *c, const char *id, struct live_resource *out,
			struct diags *d);
	const char *id;
	struct live_resource *out;
};

static int existing_probe(void *ctx, struct diags *d)
{
	struct existing_probe *p = ctx;
	struct diags local = DIAGS_INIT;
	int err = p->read_one(p->c, p->id, p->out, &local);
	if (err == BERTH_ENOTFOUND) {
		diags_release(&local);
		return 1; /* not visible yet */
	}
	diags_move(d, &local);
	diags_release(&local);
	return err;
}

int rt_read_existing(const struct rt_ctx *c, const char *what,
		     int (*read_one)(const struct rt_ctx *c, const char *id,
				     struct live_resource *out, struct diags *d),
		     const char *id, struct live_resource *out, struct diags *d)
{
	struct existing_probe p = { c, read_one, id, out };
	return rt_poll(c, what, RT_VISIBILITY_TIMEOUT_MS, 5000, existing_probe, &p, d);
}

char *rt_default_name(const char *stack, const char *address, size_t max)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s-%s", stack, address);
	for (size_t i = 0; i < b.len; i++) {
		char ch = b.ptr[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			b.ptr[i] = '-';
	}
	/* Collapse the '-' runs brackets and quotes leave ("t[\"a\"]"). */
	size_t w = 0;
	for (size_t i = 0; i < b.len; i++)
		if (!(b.ptr[i] == '-' && w > 0 && b.ptr[w - 1] == '-'))
			b.ptr[w++] = b.ptr[i];
	while (w > 0 && b.ptr[w - 1] == '-')
		w--;
	buf_setlen(&b, w);
	if (b.len > max) {
		uint32_t h = 2166136261u; /* FNV-1a of the full name keeps cut names apart */
		for (size_t i = 0; i < b.len; i++)
			h = (h ^ (unsigned char)b.ptr[i]) * 16777619u;
		buf_setlen(&b, max - 9);
		buf_addf(&b, "-%08x", h);
	}
	return buf_detach(&b, NULL);
}

const char *rt_str(json_t *props, const char *name, char tmp[64])
{
	json_t *v = json_object_get(props, name);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, 64, "%lld", (long long)json_integer_value(v));
		return tmp;
	}
	if (json_is_real(v)) {
		snprintf(tmp, 64, "%.17g", json_real_value(v));
		return tmp;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return NULL;
}

bool rt_bool(json_t *props, const char *name, bool dflt)
{
	json_t *v = json_object_get(props, name);
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_string(v))
		return !strcasecmp(json_string_value(v), "true");
	return dflt;
}

char *rt_attr_string(json_t *v)
{
	char tmp[64];
	if (!v || json_is_null(v))
		return NULL;
	if (json_is_object(v) || json_is_array(v))
		return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	json_t *wrap = json_pack("{s:O}", "v", v);
	const char *s = rt_str(wrap, "v", tmp);
	char *r = s ? xstrdup(s) : NULL;
	json_decref(wrap);
	return r;
}
