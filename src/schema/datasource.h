/* Data sources: lookups that are not resources (availability zones, the
 * caller, an existing VPC, an SSM parameter), described in one table: what
 * each takes and what it gives. The spec layer checks `data:` entries and
 * their references against it (arguments, required arguments, attributes,
 * with suggestions); how each is read is resources/datasource.h's, which the
 * engine calls at plan time through its registry (rtype_registry.data_read). The table is data, so it sits here, below the
 * spec and the resources alike (tools/check_layers.py). */
#ifndef BERTH_SCHEMA_DATASOURCE_H
#define BERTH_SCHEMA_DATASOURCE_H

#include <stddef.h>

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
};

/* The kind called name, or NULL. */
const struct data_kind *data_kind_find(const char *name);
/* The closest kind name to a misspelled one, or NULL. */
const char *data_kind_suggest(const char *name);
/* The kinds in name order, for messages that list them. */
size_t data_kind_count(void);
const struct data_kind *data_kind_at(size_t i);

#endif
