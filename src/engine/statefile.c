/* The state cache file: parse, validate, redact, write atomically. See
 * statefile.h for why a corrupt cache is recoverable and a newer one is not. */
#include "util/common.h"
#include "engine/statefile.h"
#include "util/buf.h"
#include "util/fsutil.h"

#include <ctype.h>
#include <stdarg.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

bool statefile_stack_name_ok(const char *stack, struct diags *d)
{
	size_t len = stack ? strlen(stack) : 0;
	bool ok = len > 0 && len <= 128 && isalnum((unsigned char)stack[0]);
	for (size_t i = 0; ok && i < len; i++)
		ok = isalnum((unsigned char)stack[i]) || strchr("-_.", stack[i]);
	if (!ok) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "stack name '%s' cannot name a state file",
					    stack ? stack : "");
		diag_set_detail(dg, "a stack name starts with a letter or digit and has up to 128 "
				    "letters, digits, '-', '_' or '.'");
	}
	return ok;
}

static void new_lineage(char out[37])
{
	unsigned char b[16];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* getrandom only fails before the kernel's pool is ready; a
		 * lineage needs to be unique, not secret. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)((uint64_t)ts.tv_nsec * (i + 7) >> (i % 8)) ^
			       (unsigned char)(ts.tv_sec >> (i % 4 * 8));
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		 b[12], b[13], b[14], b[15]);
}

void statefile_init(struct statefile *s, const char *stack)
{
	memset(s, 0, sizeof(*s));
	s->stack = xstrdup(stack ? stack : "");
	new_lineage(s->lineage);
}

static void resource_release(struct state_resource *r)
{
	free(r->address);
	free(r->type);
	free(r->id);
	free(r->updated);
	json_decref(r->attributes);
	json_decref(r->applied);
}

void statefile_release(struct statefile *s)
{
	for (size_t i = 0; i < s->n; i++)
		resource_release(&s->res[i]);
	free(s->res);
	free(s->stack);
	free(s->updated);
	memset(s, 0, sizeof(*s));
}

/* Index of address, or where it would go (with *found false). */
static size_t find_slot(const struct statefile *s, const char *address, bool *found)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->res[mid].address, address);
		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

struct state_resource *statefile_get(const struct statefile *s, const char *address)
{
	bool found;
	size_t i = find_slot(s, address, &found);
	return found ? &s->res[i] : NULL;
}

/* Adds or replaces an entry with every field given (all owned by the entry). */
static struct state_resource *put(struct statefile *s, char *address, char *type, char *id,
				  json_t *attributes, json_t *applied, char *updated)
{
	bool found;
	size_t i = find_slot(s, address, &found);
	struct state_resource *r;
	if (found) {
		resource_release(&s->res[i]);
	} else {
		ALLOC_GROW(s->res, s->n + 1, s->alloc);
		memmove(&s->res[i + 1], &s->res[i], (s->n - i) * sizeof(*s->res));
		s->n++;
	}
	r = &s->res[i];
	r->address = address;
	r->type = type;
	r->id = id;
	r->attributes = attributes ? attributes : json_object();
	r->applied = applied ? applied : json_object();
	r->updated = updated;
	return r;
}

struct state_resource *statefile_set(struct statefile *s, const char *address,
				     const char *type, const char *id, json_t *attributes,
				     json_t *applied)
{
	char now[21];
	fs_iso8601_now(now);
	return put(s, xstrdup(address), xstrdup(type ? type : ""), id ? xstrdup(id) : NULL,
		   attributes, applied, xstrdup(now));
}

bool statefile_remove(struct statefile *s, const char *address)
{
	bool found;
	size_t i = find_slot(s, address, &found);
	if (!found)
		return false;
	resource_release(&s->res[i]);
	memmove(&s->res[i], &s->res[i + 1], (s->n - i - 1) * sizeof(*s->res));
	s->n--;
	return true;
}

/* ---- redaction ---- */

/* Decodes one pointer segment [seg, end) (~1 is '/', ~0 is '~'). */
static void decode_segment(struct buf *out, const char *seg, const char *end)
{
	buf_reset(out);
	for (const char *p = seg; p < end; p++) {
		if (*p == '~' && p + 1 < end && (p[1] == '0' || p[1] == '1')) {
			buf_addch(out, p[1] == '0' ? '~' : '/');
			p++;
		} else {
			buf_addch(out, *p);
		}
	}
}

static bool parse_index(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;
	if (!isdigit((unsigned char)s[0]) || (s[0] == '0' && s[1]))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = (size_t)v;
	return true;
}

size_t json_strip_pointer(json_t *node, const char *pointer)
{
	const char *seg, *end;
	struct buf key = BUF_INIT;
	size_t removed = 0, idx;
	bool last, star;

	if (!node || pointer[0] != '/')
		return 0;
	seg = pointer + 1;
	end = strchr(seg, '/');
	if (!end)
		end = seg + strlen(seg);
	last = *end == '\0';
	decode_segment(&key, seg, end);
	star = end - seg == 1 && *seg == '*';

	if (json_is_object(node)) {
		if (star) {
			const char *k;
			json_t *v;
			if (last) {
				removed = json_object_size(node);
				json_object_clear(node);
			} else {
				json_object_foreach(node, k, v)
					removed += json_strip_pointer(v, end);
			}
		} else if (json_object_get(node, key.ptr)) {
			if (last)
				removed = json_object_del(node, key.ptr) == 0;
			else
				removed = json_strip_pointer(json_object_get(node, key.ptr), end);
		}
	} else if (json_is_array(node)) {
		if (star) {
			if (last) {
				removed = json_array_size(node);
				json_array_clear(node);
			} else {
				for (size_t i = 0; i < json_array_size(node); i++)
					removed += json_strip_pointer(json_array_get(node, i), end);
			}
		} else if (parse_index(key.ptr, &idx) && idx < json_array_size(node)) {
			if (last)
				removed = json_array_remove(node, idx) == 0;
			else
				removed = json_strip_pointer(json_array_get(node, idx), end);
		}
	}
	buf_release(&key);
	return removed;
}

/* A copy of props without the values the type's sensitive list names. */
static json_t *redacted(json_t *props, const char *type, statefile_sensitive_fn sensitive,
			void *ctx)
{
	json_t *copy = json_deep_copy(props);
	const char *const *ptrs = sensitive ? sensitive(ctx, type) : NULL;
	if (!copy)
		abort(); /* only out of memory */
	for (size_t i = 0; ptrs && ptrs[i]; i++) {
		const char *p = ptrs[i];
		if (!strncmp(p, "/properties", 11) && (p[11] == '/' || !p[11]))
			p += 11;
		if (!*p) {
			json_object_clear(copy); /* the whole object is sensitive */
			continue;
		}
		json_strip_pointer(copy, p);
	}
	return copy;
}

/* ---- writing ---- */

char *statefile_format(const struct statefile *s, statefile_sensitive_fn sensitive,
		       void *ctx)
{
	json_t *root, *resources = json_object();
	char *text;
	for (size_t i = 0; i < s->n; i++) {
		const struct state_resource *r = &s->res[i];
		json_t *e = json_object();
		json_object_set_new(e, "type", json_string(r->type));
		json_object_set_new(e, "id", r->id ? json_string(r->id) : json_null());
		json_object_set_new(e, "attributes", redacted(r->attributes, r->type, sensitive, ctx));
		json_object_set_new(e, "applied", redacted(r->applied, r->type, sensitive, ctx));
		if (r->updated)
			json_object_set_new(e, "updated", json_string(r->updated));
		json_object_set_new(resources, r->address, e);
	}
	root = json_object();
	json_object_set_new(root, "format", json_integer(STATEFILE_FORMAT));
	json_object_set_new(root, "stack", json_string(s->stack));
	json_object_set_new(root, "serial", json_integer((json_int_t)s->serial));
	json_object_set_new(root, "lineage", json_string(s->lineage));
	json_object_set_new(root, "updated", s->updated ? json_string(s->updated) : json_null());
	json_object_set_new(root, "resources", resources);
	/* Insertion order: the header first and resources sorted by address, so
	 * the file reads well and diffs cleanly between saves. */
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		abort(); /* only out of memory: every value above is valid */
	return text;
}

static void state_path(struct buf *out, const char *dir, const char *stack)
{
	buf_addf(out, "%s/%s.state.json", dir, stack);
}

int statefile_save(const char *dir, struct statefile *s, statefile_sensitive_fn sensitive,
		   void *ctx, struct diags *d)
{
	struct buf path = BUF_INIT;
	struct statefile next;
	char now[21], *text = NULL;
	int ret;

	if (!statefile_stack_name_ok(s->stack, d))
		return BERTH_EINVAL;
	if ((ret = fs_mkdir_private(dir, d)) < 0)
		return ret;
	fs_iso8601_now(now);
	/* Format the next version from a shallow copy so that s changes only once
	 * the file is safely written. */
	next = *s;
	next.serial = s->serial + 1;
	next.updated = now;
	text = statefile_format(&next, sensitive, ctx);
	state_path(&path, dir, s->stack);
	if ((ret = fs_write_atomic(path.ptr, text, strlen(text), 0600, d)) < 0)
		goto cleanup;
	s->serial++;
	free(s->updated);
	s->updated = xstrdup(now);
cleanup:
	free(text);
	buf_release(&path);
	return ret;
}

/* ---- reading ---- */

static int corrupt(struct diags *d, const char *origin, const char *fmt, ...)
	BERTH_PRINTF(3, 4);
static int corrupt(struct diags *d, const char *origin, const char *fmt, ...)
{
	struct buf why = BUF_INIT;
	struct diag *dg;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&why, fmt, ap);
	va_end(ap);
	dg = diags_add(d, DIAG_ERROR, "state file %s is corrupt: %s", origin, why.ptr);
	diag_set_detail(dg, "it is only a cache of what is live in AWS, which is the truth: "
			    "berth can go on without it and the next apply rewrites it");
	buf_release(&why);
	return BERTH_EINVAL;
}

static const char *opt_string(json_t *obj, const char *key, bool *bad)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v))
		*bad = true;
	return json_string_value(v);
}

int statefile_parse(const char *text, size_t len, const char *origin, const char *stack,
		    struct statefile *out, struct diags *d)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr), *v, *resources, *e;
	struct statefile s;
	const char *str, *address;
	int ret;

	memset(&s, 0, sizeof(s));
	if (!root) {
		ret = corrupt(d, origin, "line %d, column %d: %s", jerr.line, jerr.column,
			      jerr.text);
		goto cleanup;
	}
	if (!json_is_object(root)) {
		ret = corrupt(d, origin, "it is not a JSON object");
		goto cleanup;
	}
	v = json_object_get(root, "format");
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		ret = corrupt(d, origin, "\"format\" is missing or not a positive integer");
		goto cleanup;
	}
	if (json_integer_value(v) > STATEFILE_FORMAT) {
		struct diag *dg = diags_add(d, DIAG_ERROR,
					    "state file %s has format %lld, written by a newer berth; "
					    "this berth understands format %d",
					    origin, (long long)json_integer_value(v), STATEFILE_FORMAT);
		diag_set_detail(dg, "upgrade berth to use this stack; the file is left untouched");
		ret = BERTH_ECONFLICT;
		goto cleanup;
	}
	str = json_string_value(json_object_get(root, "stack"));
	if (!str) {
		ret = corrupt(d, origin, "\"stack\" is missing");
		goto cleanup;
	}
	if (strcmp(str, stack)) {
		ret = corrupt(d, origin, "it belongs to stack '%s', not '%s'", str, stack);
		goto cleanup;
	}
	v = json_object_get(root, "serial");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		ret = corrupt(d, origin, "\"serial\" is missing or negative");
		goto cleanup;
	}
	s.serial = (uint64_t)json_integer_value(v);
	str = json_string_value(json_object_get(root, "lineage"));
	if (!str || strlen(str) != 36) {
		ret = corrupt(d, origin, "\"lineage\" is missing or not a UUID");
		goto cleanup;
	}
	memcpy(s.lineage, str, 37);
	s.stack = xstrdup(stack);
	if ((str = json_string_value(json_object_get(root, "updated"))))
		s.updated = xstrdup(str);

	resources = json_object_get(root, "resources");
	if (resources && !json_is_object(resources)) {
		ret = corrupt(d, origin, "\"resources\" is not an object");
		goto cleanup;
	}
	json_object_foreach(resources, address, e) {
		json_t *attrs, *applied;
		const char *type, *id, *updated;
		bool bad = false;
		if (!json_is_object(e)) {
			ret = corrupt(d, origin, "resource '%s' is not an object", address);
			goto cleanup;
		}
		type = json_string_value(json_object_get(e, "type"));
		id = opt_string(e, "id", &bad);
		updated = opt_string(e, "updated", &bad);
		attrs = json_object_get(e, "attributes");
		applied = json_object_get(e, "applied");
		if (!type || bad || (attrs && !json_is_object(attrs)) ||
		    (applied && !json_is_object(applied))) {
			ret = corrupt(d, origin, "resource '%s' lacks a type or has a value of the "
						 "wrong kind", address);
			goto cleanup;
		}
		put(&s, xstrdup(address), xstrdup(type), id ? xstrdup(id) : NULL,
		    attrs ? json_incref(attrs) : NULL, applied ? json_incref(applied) : NULL,
		    updated ? xstrdup(updated) : NULL);
	}
	*out = s;
	memset(&s, 0, sizeof(s));
	ret = 0;
cleanup:
	statefile_release(&s);
	json_decref(root);
	return ret;
}

int statefile_load(const char *dir, const char *stack, struct statefile *out,
		   struct diags *d)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct stat st;
	int ret;

	if (!statefile_stack_name_ok(stack, d))
		return BERTH_EINVAL;
	/* O_NOFOLLOW covers only the last part of the path; .berth itself must
	 * not be a symlink either (fs_mkdir_private refuses one when saving). */
	if (lstat(dir, &st) < 0) {
		if (errno == ENOENT)
			return BERTH_ENOTFOUND;
		diags_add(d, DIAG_ERROR, "cannot inspect %s: %s", dir, strerror(errno));
		return BERTH_EIO;
	}
	if (S_ISLNK(st.st_mode)) {
		diags_add(d, DIAG_ERROR, "refusing to use %s: it is a symbolic link", dir);
		return BERTH_EIO;
	}
	state_path(&path, dir, stack);
	if ((ret = fs_read_nofollow(path.ptr, &text, d)) < 0)
		goto cleanup;
	ret = statefile_parse(text.ptr, text.len, path.ptr, stack, out, d);
cleanup:
	buf_release(&path);
	buf_release(&text);
	return ret;
}
