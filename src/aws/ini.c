/* The shared config/credentials file reader; see ini.h. Written here rather
 * than borrowed because the AWS format has its own quirks (sub-keys, both
 * '=' and ':') and errors must point at file:line. */
#include "util/common.h"
#include "aws/ini.h"

#include <ctype.h>

#include "util/buf.h"

static char *trimmed(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

static void add_entry(struct ini_file *f, const char *section, char *key, char *value, int line)
{
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	ALLOC_GROW(f->items, f->n + 1, f->alloc);
	f->items[f->n].section = xstrdup(section);
	f->items[f->n].key = key;
	f->items[f->n].value = value;
	f->items[f->n].line = line;
	f->n++;
}

int ini_parse(struct ini_file *out, const char *path, const char *text, struct diags *d)
{
	struct ini_file f = INI_FILE_INIT;
	char *section = NULL;
	/* The last top-level key, which indented lines belong to. */
	long parent = -1;
	int lineno = 0, rc = 0;
	const char *p = text;
	const char *name = path ? path : "(config)";

	while (*p) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *next = end ? end + 1 : p + len;
		lineno++;
		if (len && p[len - 1] == '\r')
			len--;
		size_t ind = 0;
		while (ind < len && (p[ind] == ' ' || p[ind] == '\t'))
			ind++;
		const char *s = p + ind;
		size_t n = len - ind;

		if (n == 0 || *s == '#' || *s == ';') {
			p = next;
			continue;
		}
		if (ind > 0 && parent >= 0) {
			/* Indented: a sub-key of the key above, or more of its value. */
			const char *eq = memchr(s, '=', n);
			struct ini_entry *pe = &f.items[parent];
			if (eq) {
				char *sub = trimmed(s, (size_t)(eq - s));
				char *key = xasprintf("%s.%s", pe->key, sub);
				free(sub);
				add_entry(&f, section, key, trimmed(eq + 1, n - (size_t)(eq - s) - 1),
					  lineno);
			} else {
				char *v = trimmed(s, n);
				char *joined = *pe->value ? xasprintf("%s\n%s", pe->value, v) : xstrdup(v);
				free(pe->value);
				pe->value = joined;
				free(v);
			}
			p = next;
			continue;
		}
		if (*s == '[') {
			const char *close = memchr(s, ']', n);
			if (!close) {
				diags_error_at(d, name, lineno, (int)ind + 1,
					       "section header has no closing ']'");
				rc = BERTH_EINVAL;
				goto cleanup;
			}
			for (const char *q = close + 1; q < s + n; q++) {
				if (!isspace((unsigned char)*q) && *q != '#' && *q != ';') {
					diags_error_at(d, name, lineno, (int)(q - p) + 1,
						       "unexpected text after section header");
					rc = BERTH_EINVAL;
					goto cleanup;
				}
				if (*q == '#' || *q == ';')
					break;
			}
			free(section);
			section = trimmed(s + 1, (size_t)(close - s - 1));
			ALLOC_GROW(f.sections, f.nsections + 1, f.asections);
			f.sections[f.nsections++] = xstrdup(section);
			parent = -1;
			p = next;
			continue;
		}
		const char *eq = NULL;
		for (size_t i = 0; i < n; i++)
			if (s[i] == '=' || s[i] == ':') {
				eq = s + i;
				break;
			}
		if (!eq || eq == s) {
			diags_error_at(d, name, lineno, (int)ind + 1,
				       "expected '[section]' or 'key = value'");
			rc = BERTH_EINVAL;
			goto cleanup;
		}
		if (!section) {
			diags_error_at(d, name, lineno, (int)ind + 1,
				       "'key = value' before any '[section]'");
			rc = BERTH_EINVAL;
			goto cleanup;
		}
		add_entry(&f, section, trimmed(s, (size_t)(eq - s)),
			  trimmed(eq + 1, n - (size_t)(eq - s) - 1), lineno);
		parent = (long)f.n - 1;
		p = next;
	}
	f.path = path ? xstrdup(path) : NULL;
	*out = f;
	f = (struct ini_file)INI_FILE_INIT;

cleanup:
	free(section);
	ini_release(&f);
	return rc;
}

int ini_load(struct ini_file *out, const char *path, struct diags *d)
{
	struct buf b = BUF_INIT;
	int rc;
	if (buf_read_file(&b, path) < 0) {
		buf_release(&b);
		if (errno == ENOENT || errno == ENOTDIR) {
			*out = (struct ini_file)INI_FILE_INIT;
			return 0;
		}
		diags_add(d, DIAG_ERROR, "cannot read %s: %s", path, strerror(errno));
		return BERTH_EIO;
	}
	rc = ini_parse(out, path, b.ptr, d);
	buf_release(&b);
	return rc;
}

const struct ini_entry *ini_find(const struct ini_file *f, const char *section, const char *key)
{
	const struct ini_entry *found = NULL;
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->items[i].section, section) && !strcasecmp(f->items[i].key, key))
			found = &f->items[i];
	return found;
}

const char *ini_get(const struct ini_file *f, const char *section, const char *key)
{
	const struct ini_entry *e = ini_find(f, section, key);
	return e ? e->value : NULL;
}

int ini_has_section(const struct ini_file *f, const char *section)
{
	for (size_t i = 0; i < f->nsections; i++)
		if (!strcmp(f->sections[i], section))
			return 1;
	return 0;
}

void ini_release(struct ini_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->items[i].section);
		free(f->items[i].key);
		free(f->items[i].value);
	}
	for (size_t i = 0; i < f->nsections; i++)
		free(f->sections[i]);
	free(f->items);
	free(f->sections);
	free(f->path);
	*f = (struct ini_file)INI_FILE_INIT;
}
