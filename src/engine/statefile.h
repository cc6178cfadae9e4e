/* The local state cache, .berth/STACK.state.json: physical ids and the values
 * last applied, so plan can skip lookups and show drift.
 *
 * It is a cache, not the truth (DESIGN.md §4): live AWS state, found by the
 * berth:stack and berth:id tags, is. Losing or corrupting this file costs a
 * slower refresh, never a wrong plan. So:
 *   - statefile_load on a missing file is BERTH_ENOTFOUND: start empty.
 *   - on a corrupt file it is BERTH_EINVAL with a diagnostic; the caller should
 *     show it as a warning and go on as if the file were missing (the next save
 *     replaces it).
 *   - on a file written by a newer berth (format > STATEFILE_FORMAT) it is
 *     BERTH_ECONFLICT: the caller must stop, because saving over it would
 *     throw away what the newer version recorded.
 *
 * The file is written atomically (temp file, fsync, rename) with mode 0600 in a
 * 0700 folder, and values the caller marks sensitive are stripped first, so
 * secrets never reach the disk.
 *
 * Layout:
 *   {"format": 1, "stack": "x", "serial": 7, "lineage": "UUID", "updated": "ISO",
 *    "resources": {"ADDRESS": {"type": "AWS::...", "id": "phys-id" | null,
 *                  "attributes": {...}, "applied": {...}, "updated": "ISO"}}} */
#ifndef BERTH_ENGINE_STATEFILE_H
#define BERTH_ENGINE_STATEFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/diag.h"

#define STATEFILE_FORMAT 1

struct state_resource {
	char *address;      /* "module.net.public-subnet[0]" */
	char *type;         /* "AWS::EC2::Subnet" */
	char *id;           /* physical id, or NULL when not known yet */
	json_t *attributes; /* object: the live properties last read; owned reference */
	json_t *applied;    /* object: the desired properties last applied; owned */
	char *updated;      /* ISO-8601 UTC time of the last change to this entry */
};

struct statefile {
	char *stack;
	uint64_t serial;  /* incremented by every save */
	char lineage[37]; /* UUID naming this file's history, kept across saves */
	char *updated;    /* ISO-8601 of the last save, NULL before the first */
	struct state_resource *res; /* sorted by address */
	size_t n, alloc;
};

/* Says which properties of a resource type are sensitive: returns a
 * NULL-terminated list of JSON pointers into the resource's properties
 * ("/MasterUserPassword", "/Secrets/0/ValueFrom"), or NULL for none. A
 * segment "*" matches every element of an array or member of an object (so
 * "/Secrets", "*", "/ValueFrom" joined covers every secret), and a leading
 * "/properties" is ignored, so a CloudFormation schema's writeOnlyProperties
 * list can be passed as it is. The list is borrowed and must stay valid during
 * the call that uses it. */
typedef const char *const *(*statefile_sensitive_fn)(void *ctx, const char *type);

/* A new, empty state for `stack`, with a fresh lineage and serial 0. */
void statefile_init(struct statefile *s, const char *stack);
void statefile_release(struct statefile *s);

/* Reads DIR/STACK.state.json into *out (see the top of this file for what each
 * error means to the caller). The file and DIR must not be symlinks. *out is
 * set only on success and must be released with statefile_release. */
int statefile_load(const char *dir, const char *stack, struct statefile *out,
		   struct diags *d);

/* Parses state JSON (what statefile_load does after reading); `origin` names
 * the source in diagnostics. */
int statefile_parse(const char *text, size_t len, const char *origin, const char *stack,
		    struct statefile *out, struct diags *d);

/* Writes s to DIR/STACK.state.json: creates DIR private (0700) if needed,
 * strips what `sensitive` names (may be NULL) from a copy of every resource's
 * attributes and applied values, increments s->serial and sets s->updated, and
 * writes the file atomically with mode 0600. s itself keeps its values (the
 * caller may still need them in memory). On failure s is unchanged. */
int statefile_save(const char *dir, struct statefile *s, statefile_sensitive_fn sensitive,
		   void *sensitive_ctx, struct diags *d);

/* The JSON text statefile_save would write (with s->serial and s->updated as
 * they are), owned by the caller; for `berth state show` and tests. */
char *statefile_format(const struct statefile *s, statefile_sensitive_fn sensitive,
		       void *sensitive_ctx);

/* The entry for address, or NULL. The pointer is valid until the next set or
 * remove. */
struct state_resource *statefile_get(const struct statefile *s, const char *address);

/* Adds or replaces the entry for address and stamps its time. Steals the
 * references to attributes and applied (either may be NULL: an empty object);
 * type and id are copied (id may be NULL). Returns the entry, valid until the
 * next set or remove. */
struct state_resource *statefile_set(struct statefile *s, const char *address,
				     const char *type, const char *id, json_t *attributes,
				     json_t *applied);

/* Removes the entry for address; false when there was none. */
bool statefile_remove(struct statefile *s, const char *address);

/* Removes from root every value `pointer` names (RFC 6901, with "*" matching
 * every element or member; ~0 and ~1 escapes). Returns how many were removed.
 * A pointer to a missing value is not an error: most sensitive properties are
 * optional. */
size_t json_strip_pointer(json_t *root, const char *pointer);

/* The cache file name for a stack: false (and a diagnostic) when the stack
 * name is unfit for a file name. */
bool statefile_stack_name_ok(const char *stack, struct diags *d);

#endif
