/* The credential provider chain and its thread-safe cache; see credentials.h.
 * The fetchers that talk to processes and servers are in credentials_*.c. */
#include "util/common.h"
#include "aws/credentials.h"
#include "aws/credentials_int.h"

#include <ctype.h>
#include <pthread.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "util/log.h"
#include "util/strvec.h"
#include "util/suggest.h"
#include "util/duration.h"

/* botocore's RefreshableCredentials windows. */
#define ADVISORY_REFRESH_SECS (15 * 60)
#define MANDATORY_REFRESH_SECS (10 * 60)
/* Role chains longer than this are a configuration loop in all but name. */
#define MAX_ROLE_CHAIN 8

enum cred_kind {
	CRED_STATIC,
	CRED_ASSUME_ROLE,
	CRED_WEB_IDENTITY,
	CRED_PROCESS,
	CRED_CONTAINER,
	CRED_IMDS
};

struct aws_credentials_provider {
	pthread_mutex_t lock;
	enum cred_kind kind;
	char *source;
	char *origin;  /* for people: where, with the file and line when known */
	bool fallback; /* IMDS as the chain's last resort, not asked for by name */
	struct aws_credentials creds;
	bool have;
	struct aws_credentials_env env;
	/* What a refresh needs. */
	char *role_arn, *session_name, *external_id, *token_file, *command;
	long duration;
	struct aws_credentials_provider *from; /* assume-role: the source credentials */
};

static void wipe_free(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void aws_credentials_release(struct aws_credentials *c)
{
	free(c->access_key_id);
	wipe_free(c->secret_access_key);
	wipe_free(c->session_token);
	memset(c, 0, sizeof(*c));
}

void aws_credentials_copy(struct aws_credentials *dst, const struct aws_credentials *src)
{
	dst->access_key_id = src->access_key_id ? xstrdup(src->access_key_id) : NULL;
	dst->secret_access_key = src->secret_access_key ? xstrdup(src->secret_access_key) : NULL;
	dst->session_token = src->session_token ? xstrdup(src->session_token) : NULL;
	dst->expiration = src->expiration;
}

int creds_from_json(const char *text, size_t len, const char *what, bool need_version,
		    struct aws_credentials *out, struct diags *d)
{
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, 0, &jerr);
	int rc = BERTH_EAUTH;
	if (!json_is_object(doc)) {
		/* The text may hold secrets: quote only the parser's position. */
		diags_add(d, DIAG_ERROR, "%s: answer is not a JSON object (line %d: %s)", what,
			  jerr.line, doc ? "not an object" : jerr.text);
		goto cleanup;
	}
	if (need_version) {
		json_t *v = json_object_get(doc, "Version");
		if (!json_is_integer(v) || json_integer_value(v) != 1) {
			diags_add(d, DIAG_ERROR, "%s: unsupported \"Version\" (berth reads Version 1)",
				  what);
			goto cleanup;
		}
	}
	const char *akid = json_string_value(json_object_get(doc, "AccessKeyId"));
	const char *secret = json_string_value(json_object_get(doc, "SecretAccessKey"));
	const char *token = json_string_value(json_object_get(doc, "SessionToken"));
	if (!token)
		token = json_string_value(json_object_get(doc, "Token"));
	const char *exp = json_string_value(json_object_get(doc, "Expiration"));
	if (!akid || !*akid || !secret || !*secret) {
		diags_add(d, DIAG_ERROR, "%s: answer lacks %s", what,
			  !akid || !*akid ? "AccessKeyId" : "SecretAccessKey");
		goto cleanup;
	}
	time_t expiration = 0;
	if (exp && time_parse_rfc3339(exp, &expiration) < 0) {
		diags_add(d, DIAG_ERROR, "%s: cannot read Expiration '%s'", what, exp);
		goto cleanup;
	}
	out->access_key_id = xstrdup(akid);
	out->secret_access_key = xstrdup(secret);
	out->session_token = token && *token ? xstrdup(token) : NULL;
	out->expiration = expiration;
	rc = 0;
cleanup:
	json_decref(doc);
	return rc;
}

static time_t now_of(const struct aws_credentials_env *env)
{
	return env->now ? env->now() : time(NULL);
}

static struct aws_credentials_provider *provider_alloc(enum cred_kind kind,
						       const struct aws_credentials_env *env,
						       const char *source)
{
	struct aws_credentials_provider *p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->kind = kind;
	p->env = *env;
	p->source = xstrdup(source);
	return p;
}

void aws_credentials_provider_free(struct aws_credentials_provider *p)
{
	if (!p)
		return;
	aws_credentials_release(&p->creds);
	aws_credentials_provider_free(p->from);
	free(p->source);
	free(p->origin);
	free(p->role_arn);
	free(p->session_name);
	free(p->external_id);
	free(p->token_file);
	free(p->command);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

const char *aws_credentials_source(const struct aws_credentials_provider *p)
{
	return p->source;
}

const char *aws_credentials_origin(const struct aws_credentials_provider *p)
{
	return p->origin ? p->origin : p->source;
}

/* "profile 'dev' (aws_access_key_id at ~/.aws/credentials:3)" */
static char *profile_origin(const struct aws_config *cfg, const char *what, const char *profile,
			    const char *key)
{
	char *where = aws_config_where(cfg, profile, key);
	char *s = where ? xasprintf("%s '%s' (%s at %s)", what, profile, key, where)
			: xasprintf("%s '%s'", what, profile);
	free(where);
	return s;
}

/* Fetches fresh credentials from the provider's source (lock held). */
static int fetch(struct aws_credentials_provider *p, struct aws_credentials *out, struct diags *d)
{
	struct sts_role_request r = { p->role_arn, p->session_name, p->external_id, p->duration };
	struct aws_credentials src = { 0 };
	int rc;

	switch (p->kind) {
	case CRED_STATIC:
		aws_credentials_copy(out, &p->creds);
		return 0;
	case CRED_ASSUME_ROLE:
		if ((rc = aws_credentials_get(p->from, &src, d)) < 0)
			return rc;
		rc = creds_assume_role(&p->env, &src, &r, out, d);
		aws_credentials_release(&src);
		return rc;
	case CRED_WEB_IDENTITY:
		return creds_web_identity(&p->env, p->token_file, &r, out, d);
	case CRED_PROCESS:
		return creds_from_process(p->command, out, d);
	case CRED_CONTAINER:
		return creds_container(out, d);
	case CRED_IMDS:
		return creds_imds(out, d);
	}
	return BERTH_ERROR;
}

int aws_credentials_get(struct aws_credentials_provider *p, struct aws_credentials *out,
			struct diags *d)
{
	int rc = 0;
	pthread_mutex_lock(&p->lock);
	time_t now = now_of(&p->env);
	bool expiring = p->have && p->creds.expiration &&
			now + ADVISORY_REFRESH_SECS >= p->creds.expiration;
	if (!p->have || expiring) {
		struct aws_credentials fresh = { 0 };
		struct diags local = DIAGS_INIT;
		rc = fetch(p, &fresh, &local);
		if (rc == 0) {
			/* From here on no log line or printed text may show them. */
			log_add_secret(fresh.secret_access_key);
			log_add_secret(fresh.session_token);
			if (p->have)
				log_verbose("credentials from %s refreshed", p->source);
			aws_credentials_release(&p->creds);
			p->creds = fresh;
			p->have = true;
			diags_release(&local);
		} else if (p->have && now + MANDATORY_REFRESH_SECS < p->creds.expiration) {
			/* Still good for a while: keep them and try again later. */
			log_warn("refreshing credentials from %s failed; using the current ones",
				 p->source);
			diags_release(&local);
			rc = 0;
		} else {
			diags_move(d, &local);
			diags_release(&local);
		}
	}
	if (rc == 0)
		aws_credentials_copy(out, &p->creds);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

bool aws_credentials_invalidate(struct aws_credentials_provider *p, const char *access_key_id)
{
	if (p->kind == CRED_STATIC)
		return false;
	pthread_mutex_lock(&p->lock);
	/* Another thread may have renewed them since this key was used. */
	if (p->have && p->creds.access_key_id && access_key_id &&
	    !strcmp(p->creds.access_key_id, access_key_id))
		p->have = false;
	pthread_mutex_unlock(&p->lock);
	return true;
}

/* ---- building the chain ---- */

static int static_from_profile(const struct aws_config *cfg, const char *profile,
			       const struct ini_file *only, struct aws_credentials *out,
			       struct diags *d)
{
	const char *akid, *secret, *token;
	if (only) {
		const char *sec = profile;
		char *alt = NULL;
		if (only == &cfg->config)
			sec = alt = xasprintf("profile %s", profile);
		akid = ini_get(only, sec, "aws_access_key_id");
		secret = ini_get(only, sec, "aws_secret_access_key");
		token = ini_get(only, sec, "aws_session_token");
		if (!akid && !secret && only == &cfg->config && !strcmp(profile, "default")) {
			akid = ini_get(only, "default", "aws_access_key_id");
			secret = ini_get(only, "default", "aws_secret_access_key");
			token = ini_get(only, "default", "aws_session_token");
		}
		free(alt);
	} else {
		akid = aws_config_get(cfg, profile, "aws_access_key_id");
		secret = aws_config_get(cfg, profile, "aws_secret_access_key");
		token = aws_config_get(cfg, profile, "aws_session_token");
	}
	if (!akid && !secret)
		return BERTH_ENOTFOUND;
	if (!akid || !secret || !*akid || !*secret) {
		diags_add(d, DIAG_ERROR, "profile '%s' has %s but not %s", profile,
			  akid ? "aws_access_key_id" : "aws_secret_access_key",
			  akid ? "aws_secret_access_key" : "aws_access_key_id");
		return BERTH_EINVAL;
	}
	out->access_key_id = xstrdup(akid);
	out->secret_access_key = xstrdup(secret);
	out->session_token = token && *token ? xstrdup(token) : NULL;
	out->expiration = 0;
	return 0;
}

static struct aws_credentials_provider *static_provider(const struct aws_credentials_env *env,
							const char *source,
							struct aws_credentials *c)
{
	struct aws_credentials_provider *p = provider_alloc(CRED_STATIC, env, source);
	p->creds = *c;
	p->have = true;
	memset(c, 0, sizeof(*c));
	return p;
}

static char *default_session_name(const struct aws_credentials_env *env)
{
	return xasprintf("berth-%lld", (long long)now_of(env));
}

static int role_params_from_profile(struct aws_credentials_provider *p,
				    const struct aws_config *cfg, const char *profile,
				    struct diags *d)
{
	const char *name = aws_config_get(cfg, profile, "role_session_name");
	const char *ext = aws_config_get(cfg, profile, "external_id");
	const char *dur = aws_config_get(cfg, profile, "duration_seconds");
	p->role_arn = xstrdup(aws_config_get(cfg, profile, "role_arn"));
	p->session_name = name ? xstrdup(name) : default_session_name(&p->env);
	p->external_id = ext ? xstrdup(ext) : NULL;
	if (aws_config_get(cfg, profile, "mfa_serial")) {
		char *where = aws_config_where(cfg, profile, "mfa_serial");
		struct diag *dg = diags_add(d, DIAG_ERROR,
					    "profile '%s' needs an MFA code (mfa_serial), which "
					    "berth cannot prompt for", profile);
		diag_set_detail(dg, "set at %s; use credentials from a session that already "
				    "passed MFA", where);
		free(where);
		return BERTH_EINVAL;
	}
	if (dur) {
		char *end;
		p->duration = strtol(dur, &end, 10);
		if (*end || p->duration < 900 || p->duration > 43200) {
			diags_add(d, DIAG_ERROR, "profile '%s': duration_seconds '%s' is not a number "
				  "of seconds between 900 and 43200", profile, dur);
			return BERTH_EINVAL;
		}
	}
	return 0;
}

static int env_static(struct aws_credentials *out, struct diags *d)
{
	const char *akid = aws_getenv("AWS_ACCESS_KEY_ID");
	const char *secret = aws_getenv("AWS_SECRET_ACCESS_KEY");
	const char *token = aws_getenv("AWS_SESSION_TOKEN");
	if (!akid && !secret)
		return BERTH_ENOTFOUND;
	if (!akid || !secret) {
		diags_add(d, DIAG_ERROR, "%s is set but %s is not",
			  akid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
			  akid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		return BERTH_EAUTH;
	}
	out->access_key_id = xstrdup(akid);
	out->secret_access_key = xstrdup(secret);
	out->session_token = token ? xstrdup(token) : NULL;
	out->expiration = 0;
	return 0;
}

static int profile_provider(struct aws_credentials_provider **out,
			    const struct aws_credentials_env *env, const char *profile,
			    struct strvec *visited, bool as_source, struct diags *d);

/* The credentials a role profile assumes the role with. */
static int role_source(struct aws_credentials_provider **out, const struct aws_credentials_env *env,
		       const char *profile, struct strvec *visited, struct diags *d)
{
	const struct aws_config *cfg = env->cfg;
	const char *src = aws_config_get(cfg, profile, "source_profile");
	const char *csrc = aws_config_get(cfg, profile, "credential_source");
	struct aws_credentials c = { 0 };
	int rc;

	if (src && csrc) {
		diags_add(d, DIAG_ERROR, "profile '%s' sets both source_profile and "
			  "credential_source; keep one", profile);
		return BERTH_EINVAL;
	}
	if (csrc) {
		if (!strcmp(csrc, "Environment")) {
			if ((rc = env_static(&c, d)) < 0) {
				if (rc == BERTH_ENOTFOUND)
					diags_add(d, DIAG_ERROR, "profile '%s': credential_source "
						  "Environment, but AWS_ACCESS_KEY_ID is not set", profile);
				return BERTH_EAUTH;
			}
			*out = static_provider(env, "env", &c);
			(*out)->origin = xstrdup("the environment (AWS_ACCESS_KEY_ID and "
						 "AWS_SECRET_ACCESS_KEY)");
			return 0;
		}
		enum cred_kind k;
		if (!strcmp(csrc, "Ec2InstanceMetadata"))
			k = CRED_IMDS;
		else if (!strcmp(csrc, "EcsContainer"))
			k = CRED_CONTAINER;
		else {
			diags_add(d, DIAG_ERROR, "profile '%s': unknown credential_source '%s' "
				  "(Environment, Ec2InstanceMetadata or EcsContainer)", profile, csrc);
			return BERTH_EINVAL;
		}
		*out = provider_alloc(k, env, k == CRED_IMDS ? "imds" : "container");
		(*out)->origin = profile_origin(cfg, "the credential_source of profile", profile,
						"credential_source");
		return 0;
	}
	/* A profile may name itself as its source when it also holds keys. */
	if (!strcmp(src, profile)) {
		if ((rc = static_from_profile(cfg, profile, NULL, &c, d)) < 0) {
			if (rc == BERTH_ENOTFOUND)
				diags_add(d, DIAG_ERROR, "profile '%s' is its own source_profile "
					  "but has no keys", profile);
			return BERTH_EINVAL;
		}
		char *s = xasprintf("profile %s", profile);
		*out = static_provider(env, s, &c);
		(*out)->origin = profile_origin(cfg, "profile", profile, "aws_access_key_id");
		free(s);
		return 0;
	}
	return profile_provider(out, env, src, visited, true, d);
}

/* Credentials a profile describes: role, web identity, keys, process. With
 * as_source, the profile is some role's source_profile. */
static int profile_provider(struct aws_credentials_provider **out,
			    const struct aws_credentials_env *env, const char *profile,
			    struct strvec *visited, bool as_source, struct diags *d)
{
	const struct aws_config *cfg = env->cfg;
	struct aws_credentials c = { 0 };
	struct aws_credentials_provider *p = NULL, *from = NULL;
	char *source = NULL;
	int rc;

	if (!aws_config_has_profile(cfg, profile)) {
		if (as_source) {
			diags_add(d, DIAG_ERROR, "source_profile '%s' does not exist", profile);
			return BERTH_EINVAL;
		}
		return BERTH_ENOTFOUND;
	}
	if (strvec_find(visited, profile) >= 0 || visited->n >= MAX_ROLE_CHAIN) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "source_profile loop through profile '%s'",
					    profile);
		struct buf chain = BUF_INIT;
		for (size_t i = 0; i < visited->n; i++)
			buf_addf(&chain, "%s -> ", visited->v[i]);
		buf_adds(&chain, profile);
		diag_set_detail(dg, "%s", chain.ptr);
		buf_release(&chain);
		return BERTH_EINVAL;
	}
	strvec_push(visited, profile);

	const char *role = aws_config_get(cfg, profile, "role_arn");
	const char *token_file = aws_config_get(cfg, profile, "web_identity_token_file");
	if (role && (aws_config_get(cfg, profile, "source_profile") ||
		     aws_config_get(cfg, profile, "credential_source"))) {
		if ((rc = role_source(&from, env, profile, visited, d)) < 0)
			goto cleanup;
		source = xasprintf("assume-role via profile %s", profile);
		p = provider_alloc(CRED_ASSUME_ROLE, env, source);
		p->origin = profile_origin(cfg, "the role of profile", profile, "role_arn");
		p->from = from;
		from = NULL;
		if ((rc = role_params_from_profile(p, cfg, profile, d)) < 0)
			goto cleanup;
	} else if (role && token_file) {
		p = provider_alloc(CRED_WEB_IDENTITY, env, "web-identity");
		p->origin = profile_origin(cfg, "the web identity role of profile", profile,
					   "web_identity_token_file");
		if ((rc = role_params_from_profile(p, cfg, profile, d)) < 0)
			goto cleanup;
		p->token_file = aws_expand_home(token_file);
	} else if (role) {
		char *where = aws_config_where(cfg, profile, "role_arn");
		struct diag *dg = diags_add(d, DIAG_ERROR, "profile '%s' has role_arn but no "
					    "source_profile, credential_source or "
					    "web_identity_token_file", profile);
		diag_set_detail(dg, "role_arn is set at %s", where);
		free(where);
		rc = BERTH_EINVAL;
		goto cleanup;
	} else {
		/* Keys in the credentials file, then credential_process, then keys
		 * in the config file: botocore's order. */
		const char *process = aws_config_get(cfg, profile, "credential_process");
		rc = static_from_profile(cfg, profile, &cfg->credentials, &c, d);
		if (rc == BERTH_ENOTFOUND && !process)
			rc = static_from_profile(cfg, profile, &cfg->config, &c, d);
		if (rc == 0) {
			source = xasprintf("profile %s", profile);
			p = static_provider(env, source, &c);
			p->origin = profile_origin(cfg, "profile", profile, "aws_access_key_id");
		} else if (rc != BERTH_ENOTFOUND) {
			goto cleanup;
		} else if (process) {
			p = provider_alloc(CRED_PROCESS, env, "process");
			p->origin = profile_origin(cfg, "the credential_process of profile", profile,
						   "credential_process");
			p->command = xstrdup(process);
		} else if (as_source) {
			diags_add(d, DIAG_ERROR, "source_profile '%s' has no credentials "
				  "(keys, role_arn, credential_process or web_identity_token_file)",
				  profile);
			rc = BERTH_EINVAL;
			goto cleanup;
		} else {
			goto cleanup; /* BERTH_ENOTFOUND: the chain goes on */
		}
	}
	*out = p;
	p = NULL;
	rc = 0;

cleanup:
	aws_credentials_release(&c);
	aws_credentials_provider_free(p);
	aws_credentials_provider_free(from);
	free(source);
	return rc;
}

static void suggest_profile(struct diag *dg, const struct aws_config *cfg, const char *profile)
{
	struct strvec names = STRVEC_INIT;
	for (size_t i = 0; i < cfg->credentials.nsections; i++)
		strvec_push(&names, cfg->credentials.sections[i]);
	for (size_t i = 0; i < cfg->config.nsections; i++) {
		const char *s = cfg->config.sections[i];
		if (!strncmp(s, "profile ", 8))
			strvec_push(&names, s + 8);
		else if (!strcmp(s, "default"))
			strvec_push(&names, s);
	}
	const char *near = suggest_nearest(profile, (const char *const *)names.v, names.n);
	if (near)
		diag_set_detail(dg, "did you mean '%s'?", near);
	else
		diag_set_detail(dg, "profiles are read from %s and %s",
				cfg->config.path ? cfg->config.path : "~/.aws/config",
				cfg->credentials.path ? cfg->credentials.path : "~/.aws/credentials");
	strvec_clear(&names);
}

/* One profile file's part in the report: why it gave no keys. */
static void file_reason(struct buf *b, const struct ini_file *f, const char *path,
			const char *section)
{
	if (!f->path)
		buf_addf(b, "%s (no such file)", path);
	else if (!ini_has_section(f, section))
		buf_addf(b, "%s (no [%s] section)", path, section);
	else
		buf_addf(b, "%s ([%s] has no aws_access_key_id)", path, section);
}

/* When the whole chain came up empty: every source in the order it was
 * tried and why it gave nothing, then what to do on a workstation, where
 * the last source (instance metadata) can never work. */
static void no_credentials(const struct aws_config *cfg, const char *imds, struct diags *d)
{
	struct buf b = BUF_INIT;
	const char *prof = cfg->profile;
	const char *cpath = cfg->config_path ? cfg->config_path : "~/.aws/config";
	const char *kpath = cfg->credentials_path ? cfg->credentials_path : "~/.aws/credentials";
	char *csec = strcmp(prof, "default") ? xasprintf("profile %s", prof) : xstrdup("default");

	buf_adds(&b, "berth tried, in order:\n");
	if (cfg->profile_explicit)
		buf_adds(&b, "  1. environment: skipped, --profile names the profile to use\n");
	else
		buf_adds(&b, "  1. environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are "
			     "not set\n");
	buf_addf(&b, "  2. profile '%s' (%s): no keys in ", prof,
		 cfg->profile_explicit ? "from --profile" :
		 cfg->profile_from_env ? "from AWS_PROFILE" : "the default; AWS_PROFILE is not set");
	file_reason(&b, &cfg->credentials, kpath, prof);
	buf_adds(&b, " or ");
	file_reason(&b, &cfg->config, cpath, csec);
	buf_adds(&b, "\n");
	const char *sso = aws_config_get(cfg, prof, "sso_session") ? "sso_session" :
			  aws_config_get(cfg, prof, "sso_start_url") ? "sso_start_url" : NULL;
	if (sso) {
		char *where = aws_config_where(cfg, prof, sso);
		buf_addf(&b, "  3. IAM Identity Center (SSO): profile '%s' signs in with %s (%s), "
			     "which berth does not read itself (see below); no credential_process, "
			     "no web identity\n", prof, sso, where ? where : cpath);
		free(where);
	} else {
		buf_addf(&b, "  3. SSO, credential_process, web identity: profile '%s' sets none of "
			     "sso_session, credential_process, role_arn; AWS_WEB_IDENTITY_TOKEN_FILE "
			     "is not set\n", prof);
	}
	buf_adds(&b, "  4. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
		     "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set\n");
	buf_addf(&b, "  5. EC2 instance metadata%s\n", imds);
	buf_addf(&b, "on a workstation: run `aws configure` (it stores an access key in %s "
		     "under [%s]), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
		     "choose a profile that has credentials with AWS_PROFILE or --profile; ",
		 kpath, prof);
	if (sso)
		buf_addf(&b, "for this SSO profile: `aws sso login --profile %s`, then "
			     "`eval \"$(aws configure export-credentials --profile %s --format env)\"`; ",
			 prof, prof);
	buf_adds(&b, "then check with `berth whoami`");
	struct diag *dg = diags_add(d, DIAG_ERROR, "no AWS credentials found");
	diag_set_detail(dg, "%s", b.ptr);
	buf_release(&b);
	free(csec);
}

static int resolve_chain(struct aws_credentials_provider **out,
			 const struct aws_credentials_env *env, struct diags *d)
{
	const struct aws_config *cfg = env->cfg;
	struct aws_credentials c = { 0 };
	struct strvec visited = STRVEC_INIT;
	int rc;

	/* 1. Environment, unless --profile asked for a profile by name. */
	if (!cfg->profile_explicit) {
		rc = env_static(&c, d);
		if (rc == 0) {
			*out = static_provider(env, "env", &c);
			(*out)->origin = xstrdup("the environment (AWS_ACCESS_KEY_ID and "
						 "AWS_SECRET_ACCESS_KEY)");
			return 0;
		}
		if (rc != BERTH_ENOTFOUND)
			return rc;
	}
	/* A profile asked for by name must exist (the CLI's ProfileNotFound). */
	bool asked = cfg->profile_explicit || cfg->profile_from_env;
	if (asked && !aws_config_has_profile(cfg, cfg->profile)) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "AWS profile '%s' not found (from %s)",
					    cfg->profile,
					    cfg->profile_explicit ? "--profile" : "AWS_PROFILE");
		suggest_profile(dg, cfg, cfg->profile);
		return BERTH_EINVAL;
	}
	/* 2-6. The profile: role, web identity, keys, process. The
	 * environment's web identity variables come before the profile's keys,
	 * as in botocore, but after a profile role. */
	const char *role = aws_config_get(cfg, cfg->profile, "role_arn");
	if (!role && aws_getenv("AWS_WEB_IDENTITY_TOKEN_FILE") && aws_getenv("AWS_ROLE_ARN")) {
		struct aws_credentials_provider *p =
			provider_alloc(CRED_WEB_IDENTITY, env, "web-identity");
		const char *name = aws_getenv("AWS_ROLE_SESSION_NAME");
		p->role_arn = xstrdup(aws_getenv("AWS_ROLE_ARN"));
		p->token_file = aws_expand_home(aws_getenv("AWS_WEB_IDENTITY_TOKEN_FILE"));
		p->session_name = name ? xstrdup(name) : default_session_name(env);
		p->origin = xstrdup("web identity (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE)");
		*out = p;
		return 0;
	}
	rc = profile_provider(out, env, cfg->profile, &visited, false, d);
	strvec_clear(&visited);
	if (rc != BERTH_ENOTFOUND)
		return rc;

	/* 7. Container credentials. */
	if (aws_getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
	    aws_getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
		*out = provider_alloc(CRED_CONTAINER, env, "container");
		(*out)->origin = xstrdup(aws_getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI") ?
					 "the container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI)" :
					 "the container endpoint "
					 "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)");
		return 0;
	}
	/* 8. Instance metadata, last: off an instance it can only time out. */
	if (!aws_truthy(aws_getenv("AWS_EC2_METADATA_DISABLED"))) {
		*out = provider_alloc(CRED_IMDS, env, "imds");
		(*out)->origin = xstrdup("EC2 instance metadata (the instance's role)");
		(*out)->fallback = true;
		return 0;
	}
	no_credentials(cfg, ": disabled by AWS_EC2_METADATA_DISABLED", d);
	return BERTH_EAUTH;
}

int aws_credentials_provider_new(struct aws_credentials_provider **out,
				 const struct aws_credentials_env *env, struct diags *d)
{
	struct aws_credentials_provider *p = NULL;
	struct aws_credentials c = { 0 };
	int rc = resolve_chain(&p, env, d);
	if (rc < 0)
		return rc == BERTH_ENOTFOUND ? BERTH_EAUTH : rc;
	/* Fetch now so a broken source is reported before any work starts. */
	struct diags local = DIAGS_INIT;
	if ((rc = aws_credentials_get(p, &c, &local)) < 0) {
		if (p->fallback) {
			/* Nothing else applied and this is not an instance: the
			 * news is the empty chain, not the metadata service. */
			const char *why = local.n ? local.items[0].summary : "no answer";
			if (!strncmp(why, "EC2 instance metadata", 21))
				why += 21;
			char *what = xasprintf("%s%s", *why == ' ' || *why == ':' ? "" : ": ", why);
			no_credentials(env->cfg, what, d);
			free(what);
		} else {
			diags_move(d, &local);
			diags_add(d, DIAG_ERROR, "cannot get AWS credentials from %s",
				  aws_credentials_origin(p));
		}
		diags_release(&local);
		aws_credentials_provider_free(p);
		return rc == BERTH_EINVAL ? rc : BERTH_EAUTH;
	}
	diags_release(&local);
	aws_credentials_release(&c);
	log_verbose("credentials: %s", p->source);
	*out = p;
	return 0;
}
