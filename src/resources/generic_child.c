/* Reading, associating, changing and disassociating a child item from its
 * description (generic_child.h). The calls, their parameters and their
 * order are those the hand-written type files made, so converting a type
 * changes neither its plans nor the bytes on the wire. */
#include "util/common.h"

#include "resources/ec2_common.h"
#include "resources/generic_child.h"
#include "util/buf.h"

static const char *const dependency[] = { "DependencyViolation", NULL };

/* A member by dotted path, a number indexing an array; borrowed. */
static json_t *member(json_t *v, const char *path)
{
	char *copy = xstrdup(path), *save = NULL;
	for (char *part = strtok_r(copy, ".", &save); part && v; part = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, strtoul(part, NULL, 10))
				     : json_object_get(v, part);
	free(copy);
	return v;
}

static bool skipped(const struct rtype_child *a, json_t *entry)
{
	for (const struct rtc_skip *s = a->skip; s && s->member; s++) {
		json_t *v = member(entry, s->member);
		const char *text = json_is_true(v) ? "true" : json_string_value(v);
		bool listed = false;
		for (size_t i = 0; text && s->values[i]; i++)
			listed |= !strcmp(s->values[i], text);
		if (text && listed != s->only)
			return true;
	}
	return false;
}

static const struct rta_prop *prop_named(const struct rtype_child *a, const char *cfn)
{
	for (const struct rta_prop *p = a->props; p && p->cfn; p++)
		if (!strcmp(p->cfn, cfn))
			return p;
	return NULL;
}

/* A template: {PROP} is props' string, {=PROP} other's ("?" when absent).
 * A new string. */
static char *render(const char *fmt, json_t *props, json_t *other)
{
	struct buf b = BUF_INIT;
	for (const char *p = fmt; *p; p++) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		if (!end) {
			buf_addch(&b, *p);
			continue;
		}
		bool theirs = p[1] == '=';
		char *key = xstrndup(p + 1 + theirs, (size_t)(end - p - 1 - theirs));
		const char *v = json_string_value(json_object_get(theirs ? other : props, key));
		buf_adds(&b, v ? v : "?");
		free(key);
		p = end;
	}
	return buf_detach(&b, NULL);
}

json_t *rtc_id_parts(const char *fmt, const char *id)
{
	json_t *parts = json_object();
	const char *f = fmt, *s = id;
	while (*f) {
		const char *end = *f == '{' ? strchr(f, '}') : NULL;
		if (!end) {
			if (*s++ != *f++)
				goto bad;
			continue;
		}
		const char *stop = end[1] ? strchr(s, end[1]) : s + strlen(s);
		if (!stop)
			goto bad;
		char *key = xstrndup(f + 1, (size_t)(end - f - 1));
		json_object_set_new(parts, key, json_stringn(s, (size_t)(stop - s)));
		free(key);
		f = end + 1;
		s = stop;
	}
	if (!*s)
		return parts;
bad:
	json_decref(parts);
	return NULL;
}

/* Whether an entry is an instance: not skipped, under a parent with an id,
 * and with every create member (its identity) there. */
static bool usable(const struct rtype_child *a, json_t *parent, json_t *entry)
{
	if (skipped(a, entry) || (parent && !json_is_string(json_object_get(parent, a->parent_id))))
		return false;
	for (size_t i = 0; a->args[i]; i++) {
		const struct rta_prop *p = prop_named(a, a->args[i]);
		json_t *from = p && (p->flags & RTA_PARENT) ? parent : entry;
		if (!p || !json_is_string(json_object_get(from, p->api)))
			return false;
	}
	return true;
}

static void fill(const struct rtype_child *a, struct live_resource *r, json_t *parent,
		 json_t *entry)
{
	r->type = a->type_name;
	r->props = a->read_base ? a->read_base(entry) : json_object();
	if (!a->id_format) {
		const char *id = json_string_value(json_object_get(entry, a->item_id));
		r->id = xstrdup(id ? id : "");
	}
	for (const struct rta_prop *p = a->props; p->cfn; p++) {
		json_t *v = p->flags & RTA_READ
			? json_object_get(p->flags & RTA_PARENT ? parent : entry, p->api) : NULL;
		if (p->flags & RTA_ID)
			json_object_set_new(r->props, p->cfn, json_string(r->id));
		else if (p->flags & RTA_CONST)
			json_object_set_new(r->props, p->cfn, json_string(p->api));
		else if (json_is_string(v))
			json_object_set(r->props, p->cfn, v);
	}
	if (a->id_format)
		r->id = render(a->id_format, r->props, NULL);
	const char *pid = json_string_value(json_object_get(parent, a->parent_id));
	r->parent_id = pid ? xstrdup(pid) : NULL;
	const char *arn = a->item_arn ? json_string_value(json_object_get(entry, a->item_arn)) : NULL;
	r->arn = arn ? xstrdup(arn) : NULL;
	if (a->tag_kind)
		rt_apply_tags(r, ec2_tags_map(entry));
}

/* The entries the describe with `params` answers; BERTH_ENOTFOUND when it
 * answered one of `codes`. */
static int list(const struct rtype_child *a, const struct rt_ctx *c, json_t *params,
		const char *const *codes, struct live_set *out, struct diags *d)
{
	json_t *items = NULL;
	int err = rt_call_all_expect(c, "ec2", a->describe_op, params, a->list, codes, &items, d);
	if (err == RT_EXPECTED)
		return BERTH_ENOTFOUND;
	if (!err)
		rtc_entries(a, items, out);
	json_decref(items);
	return err;
}

void rtc_entries(const struct rtype_child *a, json_t *items, struct live_set *out)
{
	size_t i, k;
	json_t *item, *entry;
	json_array_foreach(items, i, item) {
		if (!a->entries && usable(a, NULL, item))
			fill(a, live_set_add(out, a->type_name), NULL, item);
		json_array_foreach(a->entries ? json_object_get(item, a->entries) : NULL, k, entry)
			if (usable(a, item, entry))
				fill(a, live_set_add(out, a->type_name), item, entry);
	}
}

int rtc_read_all(const struct rtype_child *a, const struct rt_ctx *c,
		 const struct live_set *parents, struct live_set *out, struct diags *d)
{
	json_t *filters;
	if (a->tag_kind) {
		filters = ec2_stack_filters(c, NULL);
	} else {
		if (!parents->n)
			return 0;
		json_t *ids = json_array();
		for (size_t i = 0; i < parents->n; i++)
			json_array_append_new(ids, json_string(parents->v[i].id));
		filters = json_pack("[{s:s, s:o}]", "Name", a->parent_filter, "Values", ids);
	}
	json_t *params = json_pack("{s:o}", "Filters", filters);
	int err = list(a, c, params, NULL, out, d);
	json_decref(params);
	return err;
}

/* The entry the describe `f` for `value` answers whose property `prop`
 * (NULL: its id) is `match`. */
static int find(const struct rtype_child *a, const struct rt_ctx *c, const struct rtc_find *f,
		const char *value, const char *prop, const char *match, struct live_resource *out,
		struct diags *d)
{
	json_t *params = f->ids ? json_pack("{s:[s]}", f->ids, value)
				: json_pack("{s:[{s:s, s:[s]}]}", "Filters", "Name", f->filter,
					    "Values", value);
	struct live_set found = LIVE_SET_INIT;
	int err = list(a, c, params, a->gone, &found, d);
	json_decref(params);
	if (!err)
		err = BERTH_ENOTFOUND;
	for (size_t i = 0; err == BERTH_ENOTFOUND && i < found.n; i++) {
		const char *v = prop ? json_string_value(json_object_get(found.v[i].props, prop))
				     : found.v[i].id;
		if (v && !strcmp(v, match)) {
			*out = found.v[i];
			memset(&found.v[i], 0, sizeof(found.v[i]));
			err = 0;
		}
	}
	live_set_release(&found);
	return err;
}

int rtc_read_one(const struct rtype_child *a, const struct rt_ctx *c, const char *id,
		 struct live_resource *out, struct diags *d)
{
	json_t *parts = NULL;
	if (a->id_format && !(parts = rtc_id_parts(a->id_format, id))) {
		diags_add(d, DIAG_ERROR, "'%s' is not an %s id (%s)", id, a->type_name, a->id_format);
		return BERTH_EINVAL;
	}
	const char *value = a->by_id.prop ? json_string_value(json_object_get(parts, a->by_id.prop))
					  : id;
	int err = find(a, c, &a->by_id, value ? value : "", NULL, id, out, d);
	json_decref(parts);
	return err;
}

/* The create request's `args` from props (CloudFormation form), or an
 * error naming what is missing. */
static int request(const struct rtype_child *a, json_t *props, json_t **out, struct diags *d)
{
	json_t *params = json_object();
	bool missing = false;
	for (size_t i = 0; a->args[i]; i++) {
		char t[64];
		const char *v = rt_str(props, a->args[i], t);
		missing |= !v;
		if (v)
			json_object_set_new(params, a->args[i], json_string(v));
	}
	if (missing) {
		struct buf names = BUF_INIT;
		for (size_t i = 0; a->args[i]; i++)
			buf_addf(&names, "%s%s", i == 0 ? "" : a->args[i + 1] ? ", " : " and ",
				 a->args[i]);
		diags_add(d, DIAG_ERROR, "%s: berth needs %s%s", a->type_name, names.ptr,
			  a->needs_why ? a->needs_why : "");
		buf_release(&names);
		json_decref(params);
		return BERTH_EINVAL;
	}
	*out = params;
	return 0;
}

/* Adds the one RTA_ONEOF property props sets, and what create_more adds. */
static int request_more(const struct rtype_child *a, json_t *props, json_t *params,
			struct diags *d)
{
	struct buf names = BUF_INIT;
	size_t n = 0, all = 0;
	for (const struct rta_prop *p = a->props; p->cfn; p++) {
		if (!(p->flags & RTA_ONEOF))
			continue;
		if (all++ < 4)
			buf_addf(&names, "%s%s", all > 1 ? ", " : "", p->cfn);
		char t[64];
		const char *v = rt_str(props, p->cfn, t);
		if (v) {
			json_object_set_new(params, p->api, json_string(v));
			n++;
		}
	}
	int err = 0;
	if (all && n != 1) {
		diags_add(d, DIAG_ERROR, "%s: set exactly one target (%s%s); %zu given", a->type_name,
			  names.ptr, all > 4 ? ", ..." : "", n);
		err = BERTH_EINVAL;
	}
	buf_release(&names);
	return !err && a->create_more ? a->create_more(params, props, d) : err;
}

static int conflict(const struct rtype_child *a, json_t *props, json_t *theirs, struct diags *d)
{
	char *msg = render(a->conflict, props, theirs);
	struct diag *dg = diags_add(d, DIAG_ERROR, "%s", msg);
	diag_set_detail(dg, "%s", a->conflict_why);
	free(msg);
	return BERTH_ECONFLICT;
}

/* The entry already where the create would put one: *id when it says what
 * `params` say (a retry after a crash), a conflict when not. */
static int existing(const struct rtype_child *a, const struct rt_ctx *c, json_t *props,
		    json_t *params, char **id, struct diags *d)
{
	struct live_resource cur;
	int err;
	if (a->id_format) {
		char *want = render(a->id_format, props, NULL);
		err = rtc_read_one(a, c, want, &cur, d);
		free(want);
	} else {
		const char *key = json_string_value(json_object_get(params, a->by_key.prop));
		err = find(a, c, &a->by_key, key, a->by_key.prop, key, &cur, d);
	}
	if (err)
		return err;
	const char *k;
	json_t *v;
	json_object_foreach(params, k, v) {
		json_t *theirs = json_object_get(cur.props, k);
		if (!(theirs && json_equal(v, theirs))) {
			err = conflict(a, props, cur.props, d);
			break;
		}
	}
	if (!err)
		*id = xstrdup(cur.id);
	live_resource_release(&cur);
	return err;
}

int rtc_read_identity(const struct rtype_child *a, const struct rt_ctx *c, json_t *desired,
		      struct live_resource *out, struct diags *d)
{
	/* Entries AWS names itself (a rule's id) cannot be looked up by what
	 * they connect without listing the parent's: not here. */
	if (!a->id_format && !a->by_key.prop)
		return BERTH_ENOTFOUND;
	json_t *params = NULL;
	struct diags quiet = DIAGS_INIT;
	int err = request(a, desired, &params, &quiet);
	diags_release(&quiet);
	if (err)
		return BERTH_ENOTFOUND;
	struct live_resource cur;
	memset(&cur, 0, sizeof(cur));
	if (a->id_format) {
		char *want = render(a->id_format, desired, NULL);
		err = rtc_read_one(a, c, want, &cur, d);
		free(want);
	} else {
		const char *key = json_string_value(json_object_get(params, a->by_key.prop));
		err = find(a, c, &a->by_key, key, a->by_key.prop, key, &cur, d);
	}
	/* It must connect what the spec connects (a subnet associated with
	 * another route table is not this association). */
	const char *k;
	json_t *v;
	json_object_foreach(params, k, v) {
		json_t *theirs = err ? NULL : json_object_get(cur.props, k);
		if (!err && !(theirs && json_equal(v, theirs)))
			err = BERTH_ENOTFOUND;
	}
	json_decref(params);
	if (err) {
		live_resource_release(&cur);
		return err;
	}
	*out = cur;
	return 0;
}

static int associate(const struct rtype_child *a, const struct rt_ctx *c, json_t *props,
		     json_t *tags, json_t *params, char **id, struct diags *d)
{
	int err = request_more(a, props, params, d);
	if (err)
		return err;
	if (a->tag_kind)
		json_object_set_new(params, "TagSpecifications", ec2_tag_specs(a->tag_kind, tags));
	json_t *res = NULL;
	err = rt_call_expect(c, "ec2", a->create_op, params, &res, a->exists, NULL, d);
	if (err == RT_EXPECTED && !a->id_format && !a->by_key.prop) {
		err = conflict(a, props, NULL, d);
	} else if (err == RT_EXPECTED) {
		err = existing(a, c, props, params, id, d);
		if (err == BERTH_ENOTFOUND) {
			char *msg = render(a->unreadable, props, NULL);
			diags_add(d, DIAG_ERROR, "%s", msg);
			free(msg);
			err = BERTH_ERROR;
		}
	} else if (!err && a->id_format) {
		*id = render(a->id_format, props, NULL);
	} else if (!err) {
		const char *got = json_string_value(member(res, a->create_id));
		if (got) {
			*id = xstrdup(got);
		} else {
			diags_add(d, DIAG_ERROR, "%s answered without the id (%s)", a->create_op,
				  a->create_id);
			err = BERTH_EAWS;
		}
	}
	json_decref(res);
	return err;
}

int rtc_create(const struct rtype_child *a, const struct rt_ctx *c, const char *address,
	       json_t *props, json_t *tags, char **id_out, struct diags *d)
{
	json_t *params = NULL;
	char *id = NULL;
	int err = request(a, props, &params, d);
	if (err)
		return err;
	/* Idempotent: what a crashed or retried create made is found first,
	 * unless AWS's refusal (`exists`) says so. */
	if (a->tag_kind)
		err = ec2_find_tagged(c, a->describe_op, "Filters", a->list, a->item_id, address,
				      NULL, &id, d);
	else
		err = a->exists ? BERTH_ENOTFOUND : existing(a, c, props, params, &id, d);
	if (err == BERTH_ENOTFOUND)
		err = associate(a, c, props, tags, params, &id, d);
	json_decref(params);
	if (err) {
		free(id);
		return err;
	}
	*id_out = id;
	return 0;
}

bool rtc_updates(const struct rtype_child *a, const char *prop)
{
	const struct rta_prop *p = prop_named(a, prop);
	return p && p->update_op;
}

int rtc_update(const struct rtype_child *a, const struct rt_ctx *c,
	       const struct live_resource *cur, json_t *desired, const char *const *changed,
	       size_t nchanged, struct diags *d)
{
	const char *op = NULL;
	for (size_t i = 0; i < nchanged; i++) {
		const struct rta_prop *p = prop_named(a, changed[i]);
		if (!p || !p->update_op) {
			diags_add(d, DIAG_ERROR, "%s: berth cannot change %s in place", a->type_name,
				  changed[i]);
			return BERTH_EINVAL;
		}
		op = p->update_op;
	}
	json_t *params = NULL;
	int err = request(a, desired, &params, d);
	if (err)
		return err;
	err = request_more(a, desired, params, d);
	/* Re-associating: the old entry goes first (an IGW detaches). */
	if (!err && op && !strcmp(op, a->create_op))
		err = rtc_remove(a, c, cur, d);
	if (!err && op)
		err = rt_call(c, "ec2", op, params, NULL, d);
	json_decref(params);
	return err;
}

int rtc_remove(const struct rtype_child *a, const struct rt_ctx *c,
	       const struct live_resource *cur, struct diags *d)
{
	json_t *parts = a->id_format ? rtc_id_parts(a->id_format, cur->id) : json_object();
	if (!parts)
		return 0;
	json_t *params = json_object();
	const char *const *names = a->delete_id ? a->delete_args : a->args;
	bool whole = true;
	for (size_t i = 0; names && names[i]; i++) {
		json_t *v = json_object_get(parts, names[i]);
		if (!json_is_string(v))
			v = json_object_get(cur->props, names[i]);
		if (json_is_string(v))
			json_object_set(params, names[i], v);
		whole &= json_is_string(v);
	}
	if (a->delete_id)
		json_object_set_new(params, a->delete_id, a->delete_id_list ? json_pack("[s]", cur->id)
									    : json_string(cur->id));
	struct diags aws = DIAGS_INIT;
	/* Without what the delete names, there is nothing to delete. */
	int err = whole ? ec2_delete_call(c, a->delete_op, params, a->gone,
					  a->blocked ? dependency : NULL, &aws, d) : 0;
	if (err == RT_EXPECTED) {
		/* Mapped public addresses: name the interfaces that hold them. */
		char *what = render(a->blocked, params, NULL);
		err = ec2_dependency_error(c, what, a->blocked_filter,
					   json_string_value(json_object_get(params, a->blocked_prop)),
					   &aws, d);
		free(what);
	}
	diags_release(&aws);
	json_decref(params);
	json_decref(parts);
	return err;
}

void rtc_normalise(const struct rtype_child *a, json_t *desired)
{
	for (const struct rta_prop *p = a->props; p->cfn; p++)
		if (p->flags & RTA_CIDR)
			ec2_canonicalise_cidr(desired, p->cfn);
	if (a->normalise_more)
		a->normalise_more(desired);
}

int rtc_owns_arn(const struct rtype_child *a, const char *arn)
{
	return a->tag_kind && ec2_arn_is(arn, a->tag_kind);
}
