/* Data sources: lookups that are not resources (availability zones, the
 * caller, an existing VPC, an SSM parameter), in one table that says what
 * each takes, what it gives and how it is read. The spec layer checks
 * `data:` entries and their references against it (arguments, required
 * arguments, attributes, with suggestions); the engine reads each entry at
 * plan time through it. Reads only: a plan stays side-effect free. */
#ifndef BERTH_RESOURCES_DATASOURCE_H
#define BERTH_RESOURCES_DATASOURCE_H

#include <stddef.h>
#include <jansson.h>

#include "util/diag.h"

struct rt_ctx;

/* A reading may mark some of its attributes secret (an SSM SecureString's
 * value): it lists them under this key, which no attribute can be named. A
 * reference to one makes what uses it sensitive, as a sensitive variable
 * does; the reader has also given the value to the logger's secret set. */
#define DATA_SENSITIVE_KEY "(sensitive)"

struct data_kind {
	const char *name;
	const char *const *args;     /* NULL-terminated: the arguments it takes */
	const char *const *required; /* NULL-terminated: those that must be given */
	const char *const *attrs;    /* NULL-terminated: what ${data.X.ATTR} may name */
	/* Reads it: args is the entry's evaluated arguments (borrowed, only
	 * names from `args`); *out (set only on success) an object with the
	 * attributes. A lookup that finds nothing is BERTH_ENOTFOUND with a
	 * diagnostic saying what was looked for. */
	int (*read)(const struct rt_ctx *c, json_t *args, json_t **out, struct diags *d);
};

/* The kind called name, or NULL. */
const struct data_kind *data_kind_find(const char *name);
/* The closest kind name to a misspelled one, or NULL. */
const char *data_kind_suggest(const char *name);
/* The kinds in name order, for messages that list them. */
size_t data_kind_count(void);
const struct data_kind *data_kind_at(size_t i);

#endif
