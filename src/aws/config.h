/* The AWS shared files as the SDKs read them: ~/.aws/config (or
 * AWS_CONFIG_FILE) with "[profile NAME]" sections ("[default]" for the
 * default profile) and ~/.aws/credentials (or AWS_SHARED_CREDENTIALS_FILE)
 * with "[NAME]" sections. A key set in both files comes from credentials. */
#ifndef BERTH_AWS_CONFIG_H
#define BERTH_AWS_CONFIG_H

#include <stdbool.h>

#include "aws/ini.h"
#include "util/diag.h"

struct aws_config {
	struct ini_file config, credentials;
	/* The files looked for, also when absent (for messages). */
	char *config_path, *credentials_path;
	char *profile;         /* the selected profile's name */
	bool profile_explicit; /* chosen by --profile (then env keys are skipped) */
	bool profile_from_env; /* chosen by AWS_PROFILE */
};

/* Loads both files and picks the profile: `profile` (--profile), else
 * AWS_PROFILE, else "default". Returns 0, BERTH_EINVAL (syntax error,
 * located), or BERTH_EIO. */
int aws_config_load(struct aws_config *out, const char *profile, struct diags *d);
void aws_config_release(struct aws_config *c);

/* A key of a profile (credentials file first), or NULL. */
const char *aws_config_get(const struct aws_config *c, const char *profile, const char *key);
/* Whether a profile has a section in either file. */
bool aws_config_has_profile(const struct aws_config *c, const char *profile);
/* A key of a non-profile section of the config file, e.g.
 * aws_config_section_get(c, "services", "local", "ec2.endpoint_url"). */
const char *aws_config_section_get(const struct aws_config *c, const char *kind,
				   const char *name, const char *key);
/* Where a profile's key was set ("FILE:LINE"), for messages; NULL if unset.
 * Returns a new string. */
char *aws_config_where(const struct aws_config *c, const char *profile, const char *key);

/* getenv that treats an empty value as unset, as the SDKs do. */
const char *aws_getenv(const char *name);
/* "~/x" -> "$HOME/x" (the files and token paths the SDKs expand); a new
 * string. */
char *aws_expand_home(const char *path);
/* "true" (any case) -> true. */
bool aws_truthy(const char *v);

#endif
