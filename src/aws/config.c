/* Profiles over the shared config and credentials files; see config.h. */
#include "util/common.h"
#include "aws/config.h"

#include <strings.h>

const char *aws_getenv(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

bool aws_truthy(const char *v)
{
	return v && !strcasecmp(v, "true");
}

static char *home_path(const char *rel)
{
	const char *home = aws_getenv("HOME");
	return xasprintf("%s/%s", home ? home : ".", rel);
}

char *aws_expand_home(const char *path)
{
	const char *home = aws_getenv("HOME");
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') && home)
		return xasprintf("%s%s", home, path + 1);
	return xstrdup(path);
}

int aws_config_load(struct aws_config *out, const char *profile, struct diags *d)
{
	struct aws_config c;
	char *cfg_path = NULL, *cred_path = NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	c.config = (struct ini_file)INI_FILE_INIT;
	c.credentials = (struct ini_file)INI_FILE_INIT;
	cfg_path = aws_getenv("AWS_CONFIG_FILE") ? aws_expand_home(aws_getenv("AWS_CONFIG_FILE"))
						 : home_path(".aws/config");
	cred_path = aws_getenv("AWS_SHARED_CREDENTIALS_FILE")
			    ? aws_expand_home(aws_getenv("AWS_SHARED_CREDENTIALS_FILE"))
			    : home_path(".aws/credentials");
	if ((rc = ini_load(&c.config, cfg_path, d)) < 0)
		goto cleanup;
	if ((rc = ini_load(&c.credentials, cred_path, d)) < 0)
		goto cleanup;
	if (profile && *profile) {
		c.profile = xstrdup(profile);
		c.profile_explicit = true;
	} else if (aws_getenv("AWS_PROFILE")) {
		c.profile = xstrdup(aws_getenv("AWS_PROFILE"));
		c.profile_from_env = true;
	} else {
		c.profile = xstrdup("default");
	}
	c.config_path = cfg_path;
	c.credentials_path = cred_path;
	cfg_path = cred_path = NULL;
	*out = c;
	memset(&c, 0, sizeof(c));

cleanup:
	if (rc < 0)
		aws_config_release(&c);
	free(cfg_path);
	free(cred_path);
	return rc;
}

void aws_config_release(struct aws_config *c)
{
	ini_release(&c->config);
	ini_release(&c->credentials);
	free(c->profile);
	c->profile = NULL;
	free(c->config_path);
	free(c->credentials_path);
	c->config_path = c->credentials_path = NULL;
}

/* The config file's section for a profile: "[default]" or "[profile default]"
 * for the default profile, "[profile NAME]" for others. */
static const struct ini_entry *config_find(const struct aws_config *c, const char *profile,
					   const char *key)
{
	char *sec = xasprintf("profile %s", profile);
	const struct ini_entry *e = ini_find(&c->config, sec, key);
	free(sec);
	if (!e && !strcmp(profile, "default"))
		e = ini_find(&c->config, "default", key);
	return e;
}

static const struct ini_entry *profile_find(const struct aws_config *c, const char *profile,
					    const char *key, const struct ini_file **file)
{
	const struct ini_entry *e = ini_find(&c->credentials, profile, key);
	*file = &c->credentials;
	if (!e) {
		e = config_find(c, profile, key);
		*file = &c->config;
	}
	return e;
}

const char *aws_config_get(const struct aws_config *c, const char *profile, const char *key)
{
	const struct ini_file *f;
	const struct ini_entry *e = profile_find(c, profile, key, &f);
	return e ? e->value : NULL;
}

char *aws_config_where(const struct aws_config *c, const char *profile, const char *key)
{
	const struct ini_file *f;
	const struct ini_entry *e = profile_find(c, profile, key, &f);
	return e ? xasprintf("%s:%d", f->path ? f->path : "(config)", e->line) : NULL;
}

bool aws_config_has_profile(const struct aws_config *c, const char *profile)
{
	char *sec = xasprintf("profile %s", profile);
	bool has = ini_has_section(&c->credentials, profile) || ini_has_section(&c->config, sec) ||
		   (!strcmp(profile, "default") && ini_has_section(&c->config, "default"));
	free(sec);
	return has;
}

const char *aws_config_section_get(const struct aws_config *c, const char *kind,
				   const char *name, const char *key)
{
	char *sec = xasprintf("%s %s", kind, name);
	const char *v = ini_get(&c->config, sec, key);
	free(sec);
	return v;
}
