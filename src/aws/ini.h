/* A small reader for the AWS shared config and credentials files (INI):
 * "[section]", "key = value" (or ':'), whole-line comments starting with '#'
 * or ';', and indented sub-keys under a key with an empty value
 * ("s3 =\n  max_concurrent_requests = 20" is stored as key
 * "s3.max_concurrent_requests"). Errors name file:line. */
#ifndef BERTH_AWS_INI_H
#define BERTH_AWS_INI_H

#include <stddef.h>

#include "util/diag.h"

struct ini_entry {
	char *section; /* as written between the brackets, trimmed */
	char *key;     /* lower-cased: the AWS tools treat keys case-insensitively */
	char *value;
	int line;
};

struct ini_file {
	char *path; /* NULL when none was read */
	struct ini_entry *items;
	size_t n, alloc;
	char **sections; /* every section header seen, in order */
	size_t nsections, asections;
};

#define INI_FILE_INIT { NULL, NULL, 0, 0, NULL, 0, 0 }

/* Parses text (path names it in errors). Returns 0 or BERTH_EINVAL with a
 * diagnostic located at the bad line; *out is filled only on success. */
int ini_parse(struct ini_file *out, const char *path, const char *text, struct diags *d);
/* Reads and parses a file; a missing file is an empty one (0). */
int ini_load(struct ini_file *out, const char *path, struct diags *d);
/* The value of key in section (the last one if repeated), or NULL. */
const char *ini_get(const struct ini_file *f, const char *section, const char *key);
const struct ini_entry *ini_find(const struct ini_file *f, const char *section, const char *key);
int ini_has_section(const struct ini_file *f, const char *section);
void ini_release(struct ini_file *f);

#endif
