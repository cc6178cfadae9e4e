/* Sensitive values: which properties of a type are never shown or
 * stored, masking them for display and the state cache, and the hashes
 * plans are fingerprinted with. */
#include "util/common.h"
#include "engine/engine_int.h"

#include <openssl/evp.h>

#include "schema/schema.h"

void engine_sha256_hex(const char *text, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(text, len, md, &n, EVP_sha256(), NULL);
	for (unsigned i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = 0;
}

const char *const *engine_sensitive_pointers(void *ctx, const char *type)
{
	struct engine *e = ctx;
	for (size_t i = 0; i < e->nsens; i++)
		if (!strcmp(e->sens[i].type, type))
			return (const char *const *)e->sens[i].ptrs.v;
	ALLOC_GROW(e->sens, e->nsens + 1, e->sens_alloc);
	struct sens_list *l = &e->sens[e->nsens++];
	l->type = xstrdup(type);
	strvec_init(&l->ptrs);
	const struct schema_resource *sch = schema_find(type);
	for (size_t i = 0; sch && i < sch->shape->nprops; i++)
		if (sch->shape->props[i].flags & SP_SENSITIVE)
			strvec_pushf(&l->ptrs, "/%s", sch->shape->props[i].name);
	return (const char *const *)l->ptrs.v;
}

/* Tags of a resource that uses a sensitive variable: the keys stay (they are
 * names, and berth's own berth:* tags identify the resource), every other
 * value is masked, since a tag value may be where the secret went. Tags come
 * as [{Key, Value}] lists or as maps. */
static void mask_tag_values(json_t *tags)
{
	const char *k;
	json_t *v;
	size_t i;
	if (json_is_array(tags)) {
		json_array_foreach(tags, i, v) {
			const char *key = json_string_value(json_object_get(v, "Key"));
			if (json_is_object(v) && json_object_get(v, "Value") &&
			    !(key && !strncmp(key, "berth:", 6)))
				json_object_set_new(v, "Value", json_string("(sensitive)"));
		}
	} else if (json_is_object(tags)) {
		json_object_foreach(tags, k, v)
			if (strncmp(k, "berth:", 6))
				json_object_set_new(tags, k, json_string("(sensitive)"));
	}
}

bool engine_is_masked(const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	if (json_is_string(v))
		return !strcmp(json_string_value(v), "(sensitive)");
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (engine_is_masked(x))
				return true;
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
			if (engine_is_masked(x))
				return true;
	}
	return false;
}

json_t *engine_mask(const char *type, json_t *props, bool all)
{
	if (!props)
		return NULL;
	json_t *m = json_deep_copy(props);
	const struct schema_resource *sch = schema_find(type);
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(m, tmp, k, v) {
		const struct schema_prop *p = sch ? schema_shape_prop(sch->shape, k) : NULL;
		bool attr = p && (p->flags & SP_READ_ONLY);
		if ((all && !attr && strcmp(k, "Tags")) || (p && (p->flags & SP_SENSITIVE)))
			json_object_set_new(m, k, json_string("(sensitive)"));
		else if (all && !strcmp(k, "Tags"))
			mask_tag_values(v);
	}
	return m;
}
