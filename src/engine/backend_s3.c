/* The S3 backend's lock (with a renewed lease) and state cache; see
 * backend_s3.h for the objects and why they are written as they are. */
#include "util/common.h"
#include "engine/backend_s3.h"

#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "util/buf.h"
#include "util/duration.h"
#include "util/fsutil.h"
#include "util/log.h"

struct s3_backend {
	struct aws_client *aws;
	char *bucket;
	char *lock_key, *state_key, *lock_url;
	/* The held lock: its id, its text's parts and ETag (under mu, which
	 * the renewal thread shares). */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char lock_id[33];
	char *lock_etag;
	json_t *lock_doc;
	long lease_s;
	bool held, lost, stop;
	pthread_t renewer;
	bool renewing;
	/* The state cache as pulled. */
	char *state_etag;
	struct buf state_pulled;
	bool state_known;
};

int s3b_parse_url(const char *url, char **bucket, char **prefix, struct diags *d)
{
	if (strncmp(url, "s3://", 5) || !url[5] || url[5] == '/') {
		diags_add(d, DIAG_ERROR, "--backend: expected s3://BUCKET[/PREFIX], not '%s'", url);
		return BERTH_EINVAL;
	}
	const char *b = url + 5, *slash = strchr(b, '/');
	size_t n = slash ? (size_t)(slash - b) : strlen(b);
	if (n < 3 || n > 63) {
		diags_add(d, DIAG_ERROR, "--backend: '%.*s' is not an S3 bucket name", (int)n, b);
		return BERTH_EINVAL;
	}
	*bucket = xstrndup(b, n);
	/* "s3://b/berth" and "s3://b/berth/" both mean the folder berth/. */
	if (slash && slash[1])
		*prefix = xasprintf("%s%s", slash + 1, slash[strlen(slash) - 1] == '/' ? "" : "/");
	else
		*prefix = xstrdup("");
	return 0;
}

int s3b_open(struct s3_backend **out, const struct aws_client_config *cfg, const char *bucket,
	     const char *prefix, const char *account, const char *region, const char *stack,
	     struct diags *d)
{
	struct s3_backend *b = xcalloc(1, sizeof(*b));
	int err = aws_client_new(&b->aws, cfg, d);
	if (err) {
		free(b);
		return err;
	}
	b->bucket = xstrdup(bucket);
	b->lock_key = xasprintf("%s%s/%s/%s.lock", prefix, account, region, stack);
	b->state_key = xasprintf("%s%s/%s/%s.state.json", prefix, account, region, stack);
	b->lock_url = xasprintf("s3://%s/%s", bucket, b->lock_key);
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	*out = b;
	return 0;
}

const char *s3b_lock_url(const struct s3_backend *b) { return b->lock_url; }

/* ---- S3 calls ---- */

/* An S3 call whose refusal with `code` (HTTP 412 PreconditionFailed, 404
 * NoSuchKey) is an answer rather than an error: *matched says whether it
 * was that, and then nothing goes to d. */
static int s3_call(struct s3_backend *b, const char *op, json_t *params, json_t **out,
		   const char *code, bool *matched, struct diags *d)
{
	struct diags cd = DIAGS_INIT;
	json_t *res = NULL;
	int err = aws_call(b->aws, "s3", op, params, &res, &cd);
	if (matched)
		*matched = false;
	if (err && code && cd.n && cd.items[0].aws_code && !strcmp(cd.items[0].aws_code, code)) {
		*matched = true;
		err = 0;
	} else {
		diags_move(d, &cd);
	}
	diags_release(&cd);
	if (!err && out)
		*out = res;
	else
		json_decref(res);
	return err;
}

static void base64_decode(struct buf *out, const char *in)
{
	size_t n = strlen(in);
	unsigned char *raw = xmalloc(n + 1);
	int len = n ? EVP_DecodeBlock(raw, (const unsigned char *)in, (int)n) : 0;
	for (size_t i = n; len > 0 && i > 0 && in[i - 1] == '='; i--)
		len--; /* EVP_DecodeBlock counts the padding's bytes */
	if (len > 0)
		buf_add(out, raw, (size_t)len);
	free(raw);
}

/* GetObject: the body and ETag, or *missing. */
static int s3_get(struct s3_backend *b, const char *key, struct buf *body, char **etag,
		  bool *missing, struct diags *d)
{
	json_t *res = NULL;
	json_t *p = json_pack("{s:s, s:s}", "Bucket", b->bucket, "Key", key);
	int err = s3_call(b, "GetObject", p, &res, "NoSuchKey", missing, d);
	json_decref(p);
	if (err || *missing)
		return err;
	const char *text = json_string_value(json_object_get(res, "Body"));
	base64_decode(body, text ? text : "");
	const char *e = json_string_value(json_object_get(res, "ETag"));
	*etag = e ? xstrdup(e) : NULL;
	json_decref(res);
	return 0;
}

/* PutObject with one condition ("If-None-Match: *" or "If-Match: ETAG"):
 * the new ETag, or *refused (412). */
static int s3_put(struct s3_backend *b, const char *key, const char *text, const char *cond,
		  const char *cond_value, char **etag, bool *refused, struct diags *d)
{
	json_t *res = NULL;
	json_t *p = json_pack("{s:s, s:s, s:s, s:s}", "Bucket", b->bucket, "Key", key, "Body",
			      text, "ContentType", "application/json");
	if (cond)
		json_object_set_new(p, cond, json_string(cond_value));
	int err = s3_call(b, "PutObject", p, &res, "PreconditionFailed", refused, d);
	json_decref(p);
	if (!err && !*refused) {
		const char *e = json_string_value(json_object_get(res, "ETag"));
		*etag = e ? xstrdup(e) : NULL;
	}
	json_decref(res);
	return err;
}

/* ---- the lock ---- */

static void lock_text_set_lease(struct s3_backend *b)
{
	char exp[21];
	time_format_rfc3339(time(NULL) + b->lease_s, exp);
	json_object_set_new(b->lock_doc, "lease_expires", json_string(exp));
	json_object_set_new(b->lock_doc, "lease_seconds", json_integer(b->lease_s));
}

static char *lock_text(struct s3_backend *b)
{
	char *t = json_dumps(b->lock_doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!t)
		abort(); /* only out of memory */
	return t;
}

/* Where the run comes from, for the holder's description: the CI systems'
 * own variables for the job's page. */
static json_t *ci_job_url(void)
{
	const char *s = getenv("GITHUB_SERVER_URL"), *r = getenv("GITHUB_REPOSITORY"),
		   *id = getenv("GITHUB_RUN_ID");
	if (s && r && id)
		return json_sprintf("%s/%s/actions/runs/%s", s, r, id);
	if ((s = getenv("CI_JOB_URL")) || (s = getenv("BUILD_URL")))
		return json_string(s);
	return json_null();
}

static json_t *new_lock_doc(const char *id, const char *command)
{
	char host[256] = "unknown", started[21];
	struct passwd pw, *pwp = NULL;
	char pwbuf[1024];
	const char *user = getenv("USER");
	if (!user && getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &pwp) == 0 && pwp)
		user = pw.pw_name;
	gethostname(host, sizeof(host) - 1);
	fs_iso8601_now(started);
	return json_pack("{s:s, s:s, s:s, s:I, s:s, s:o, s:s}", "id", id, "user",
			 user ? user : "unknown", "host", host, "pid", (json_int_t)getpid(),
			 "command", command, "ci_job_url", ci_job_url(), "started", started);
}

/* "alice@ci-runner-3 pid 4242 (berth apply, https://.../runs/7) since T,
 * lease until T" */
static char *describe_holder(json_t *h)
{
	const char *ci = json_string_value(json_object_get(h, "ci_job_url"));
	const char *user = json_string_value(json_object_get(h, "user"));
	const char *host = json_string_value(json_object_get(h, "host"));
	const char *cmd = json_string_value(json_object_get(h, "command"));
	const char *started = json_string_value(json_object_get(h, "started"));
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s@%s pid %lld (%s%s%s) since %s", user ? user : "?", host ? host : "?",
		 (long long)json_integer_value(json_object_get(h, "pid")), cmd ? cmd : "berth",
		 ci ? ", " : "", ci ? ci : "", started ? started : "?");
	return buf_detach(&b, NULL);
}

static void *renew_main(void *arg)
{
	struct s3_backend *b = arg;
	pthread_mutex_lock(&b->mu);
	while (!b->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += b->lease_s / 3 > 0 ? b->lease_s / 3 : 1;
		while (!b->stop &&
		       pthread_cond_timedwait(&b->cv, &b->mu, &until) != ETIMEDOUT)
			;
		if (b->stop)
			break;
		lock_text_set_lease(b);
		char *text = lock_text(b), *etag = NULL, *cur = xstrdup(b->lock_etag);
		pthread_mutex_unlock(&b->mu);
		struct diags d = DIAGS_INIT;
		bool refused = false;
		int err = s3_put(b, b->lock_key, text, "IfMatch", cur, &etag, &refused, &d);
		pthread_mutex_lock(&b->mu);
		if (!err && !refused) {
			free(b->lock_etag);
			b->lock_etag = etag;
		} else if (refused) {
			/* Someone took the lock over: this run's lease had lapsed
			 * (it could not reach S3 in time). Say so; the run goes on,
			 * as it would with a local lock someone removed. */
			b->lost = true;
			b->held = false;
			log_warn("the lock %s was taken over by another run: this run's lease "
				 "lapsed before it could renew it", b->lock_url);
			free(cur);
			free(text);
			diags_release(&d);
			break;
		} else {
			/* A failed renewal is tried again next time; the lease
			 * outlasts two of them. */
			log_verbose("renewing the lock %s failed: %s", b->lock_url,
				    d.n ? d.items[0].summary : "?");
		}
		free(cur);
		free(text);
		diags_release(&d);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

static void start_holding(struct s3_backend *b, char *etag)
{
	pthread_mutex_lock(&b->mu);
	free(b->lock_etag);
	b->lock_etag = etag;
	b->held = true;
	b->stop = false;
	pthread_mutex_unlock(&b->mu);
	b->renewing = pthread_create(&b->renewer, NULL, renew_main, b) == 0;
}

int s3b_lock(struct s3_backend *b, const char *command, long lease_s, long timeout_s,
	     s3b_wait_fn waiting, void *ctx, const atomic_int *cancel, struct diags *d)
{
	unsigned char rnd[16];
	int err = 0;
	bool told = false;
	time_t deadline = time(NULL) + timeout_s;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		abort(); /* only before the kernel's pool is ready, never at run time */
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(b->lock_id + 2 * i, 3, "%02x", rnd[i]);
	b->lease_s = lease_s > 0 ? lease_s : 60;
	json_decref(b->lock_doc);
	b->lock_doc = new_lock_doc(b->lock_id, command);

	for (;;) {
		char *etag = NULL, *theirs_etag = NULL;
		bool refused = false, missing = false;
		struct buf cur = BUF_INIT;
		json_t *theirs = NULL;
		lock_text_set_lease(b);
		char *text = lock_text(b);
		err = s3_put(b, b->lock_key, text, "IfNoneMatch", "*", &etag, &refused, d);
		if (err || !refused) {
			free(text);
			if (!err)
				start_holding(b, etag);
			return err;
		}
		/* Held: by whom, and is its lease still running? */
		err = s3_get(b, b->lock_key, &cur, &theirs_etag, &missing, d);
		if (err || missing) {
			free(text);
			buf_release(&cur);
			if (err)
				return err;
			continue; /* released meanwhile */
		}
		theirs = json_loadb(cur.ptr ? cur.ptr : "", cur.len, 0, NULL);
		buf_release(&cur);
		time_t expires = 0;
		const char *exp = json_string_value(json_object_get(theirs, "lease_expires"));
		bool lapsed = exp && time_parse_rfc3339(exp, &expires) == 0 && time(NULL) > expires;
		char *who = describe_holder(theirs);
		if (lapsed || !theirs) {
			/* Replace exactly the lapsed lock we read: if another run
			 * took it over first, the ETag no longer matches. */
			err = s3_put(b, b->lock_key, text, "IfMatch", theirs_etag, &etag, &refused, d);
			if (!err && !refused) {
				if (theirs)
					diags_add(d, DIAG_WARNING, "took over the lock on %s from %s: "
						  "its lease lapsed at %s (that run was killed or lost "
						  "its runner)", b->lock_url, who, exp);
				else
					diags_add(d, DIAG_WARNING, "replaced %s, which was not a lock "
						  "berth wrote", b->lock_url);
				start_holding(b, etag);
			}
		} else if (time(NULL) >= deadline || (cancel && atomic_load(cancel))) {
			const char *id = json_string_value(json_object_get(theirs, "id"));
			struct diag *dg = diags_add(d, DIAG_ERROR, "the stack is locked by %s, lease "
						    "renewed until %s (%s)", who, exp, b->lock_url);
			diag_set_detail(dg, "wait for it (--lock-timeout 10m) or, if that run is "
					    "gone, `berth force-unlock %s` (or wait for its lease "
					    "to lapse)", id ? id : "ID");
			err = BERTH_ELOCKED;
		} else {
			if (!told && waiting)
				waiting(ctx, who);
			told = true;
			refused = true; /* look again */
			usleep(500 * 1000);
		}
		free(who);
		free(text);
		free(theirs_etag);
		json_decref(theirs);
		if (err || !refused)
			return err;
	}
}

const char *s3b_lock_id(const struct s3_backend *b) { return b->held ? b->lock_id : NULL; }

bool s3b_lock_lost(struct s3_backend *b)
{
	pthread_mutex_lock(&b->mu);
	bool lost = b->lost;
	pthread_mutex_unlock(&b->mu);
	return lost;
}

static void unlock(struct s3_backend *b)
{
	pthread_mutex_lock(&b->mu);
	b->stop = true;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	if (b->renewing)
		pthread_join(b->renewer, NULL);
	b->renewing = false;
	if (!b->held)
		return;
	struct diags d = DIAGS_INIT;
	json_t *p = json_pack("{s:s, s:s, s:s}", "Bucket", b->bucket, "Key", b->lock_key, "IfMatch",
			      b->lock_etag);
	bool refused = false;
	if (s3_call(b, "DeleteObject", p, NULL, "PreconditionFailed", &refused, &d))
		log_warn("could not release the lock %s (its lease lapses by itself): %s",
			 b->lock_url, d.n ? d.items[0].summary : "?");
	json_decref(p);
	diags_release(&d);
	b->held = false;
}

void s3b_free(struct s3_backend *b)
{
	if (!b)
		return;
	unlock(b);
	aws_client_free(b->aws);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	json_decref(b->lock_doc);
	free(b->lock_etag);
	free(b->bucket);
	free(b->lock_key);
	free(b->state_key);
	free(b->lock_url);
	free(b->state_etag);
	buf_release(&b->state_pulled);
	free(b);
}

int s3b_force_unlock(struct s3_backend *b, const char *id, struct diags *d)
{
	struct buf cur = BUF_INIT;
	char *etag = NULL;
	bool missing = false, refused = false;
	int err = s3_get(b, b->lock_key, &cur, &etag, &missing, d);
	if (err)
		goto cleanup;
	if (missing) {
		diags_add(d, DIAG_ERROR, "%s: the stack is not locked", b->lock_url);
		err = BERTH_ENOTFOUND;
		goto cleanup;
	}
	json_t *h = json_loadb(cur.ptr ? cur.ptr : "", cur.len, 0, NULL);
	const char *their = json_string_value(json_object_get(h, "id"));
	if (!their || strcmp(their, id)) {
		char *who = h ? describe_holder(h) : xstrdup("an unreadable lock");
		diags_add(d, DIAG_ERROR, "%s is held by %s with lock id %s, not %s: nothing removed",
			  b->lock_url, who, their ? their : "(none)", id);
		free(who);
		json_decref(h);
		err = BERTH_EINVAL;
		goto cleanup;
	}
	json_decref(h);
	json_t *p = json_pack("{s:s, s:s, s:s}", "Bucket", b->bucket, "Key", b->lock_key, "IfMatch",
			      etag);
	err = s3_call(b, "DeleteObject", p, NULL, "PreconditionFailed", &refused, d);
	json_decref(p);
	if (!err && refused) {
		diags_add(d, DIAG_ERROR, "%s changed while removing it (its holder renewed or "
			  "released it): nothing removed", b->lock_url);
		err = BERTH_ELOCKED;
	}
cleanup:
	buf_release(&cur);
	free(etag);
	return err;
}

/* ---- the state cache ---- */

int s3b_state_pull(struct s3_backend *b, const char *local_path, struct diags *d)
{
	bool missing = false;
	free(b->state_etag);
	b->state_etag = NULL;
	buf_reset(&b->state_pulled);
	int err = s3_get(b, b->state_key, &b->state_pulled, &b->state_etag, &missing, d);
	if (err)
		return err;
	b->state_known = true;
	if (missing) {
		if (unlink(local_path) < 0 && errno != ENOENT) {
			diags_add(d, DIAG_ERROR, "cannot remove %s: %s", local_path, strerror(errno));
			return BERTH_EIO;
		}
		return 0;
	}
	return fs_write_atomic(local_path, b->state_pulled.ptr ? b->state_pulled.ptr : "",
			       b->state_pulled.len, 0600, d);
}

int s3b_state_push(struct s3_backend *b, const char *local_path, struct diags *d)
{
	struct buf now = BUF_INIT;
	char *etag = NULL;
	bool refused = false;
	int err;
	if (!b->state_known)
		return 0; /* never pulled: nothing this run may write over */
	err = fs_read_nofollow(local_path, &now, d);
	if (err == BERTH_ENOTFOUND) {
		buf_release(&now);
		return 0;
	}
	if (err)
		goto cleanup;
	if (b->state_etag && now.len == b->state_pulled.len &&
	    !memcmp(now.ptr, b->state_pulled.ptr, now.len))
		goto cleanup; /* unchanged */
	err = s3_put(b, b->state_key, now.ptr ? now.ptr : "",
		     b->state_etag ? "IfMatch" : "IfNoneMatch", b->state_etag ? b->state_etag : "*",
		     &etag, &refused, d);
	if (!err && refused) {
		diags_add(d, DIAG_WARNING, "the state cache s3://%s/%s changed since this run read "
			  "it (another writer): left as that writer made it; the cache is only "
			  "a cache, live state is the truth", b->bucket, b->state_key);
	} else if (!err) {
		free(b->state_etag);
		b->state_etag = etag;
		etag = NULL;
		buf_reset(&b->state_pulled);
		buf_addbuf(&b->state_pulled, &now);
	}
cleanup:
	free(etag);
	buf_release(&now);
	return err;
}

/* ---- saved plans ---- */

bool s3b_is_url(const char *text) { return !strncmp(text, "s3://", 5); }

/* A client for the bucket of "s3://BUCKET/KEY", as a backend without a
 * stack (its lock and state keys unused), and the key (new string). */
static int object_open(const struct aws_client_config *cfg, const char *url,
		       struct s3_backend **out, char **key, struct diags *d)
{
	const char *b = url + 5, *slash = s3b_is_url(url) ? strchr(b, '/') : NULL;
	size_t n = slash ? (size_t)(slash - b) : 0;
	if (!slash || n < 3 || n > 63 || !slash[1] || url[strlen(url) - 1] == '/') {
		diags_add(d, DIAG_ERROR, "'%s' names no S3 object: expected s3://BUCKET/KEY", url);
		return BERTH_EINVAL;
	}
	char *bucket = xstrndup(b, n);
	int err = s3b_open(out, cfg, bucket, "", "-", "-", "-", d);
	free(bucket);
	if (!err)
		*key = xstrdup(slash + 1);
	return err;
}

int s3b_object_write(const struct aws_client_config *cfg, const char *url, const char *text,
		     struct diags *d)
{
	struct s3_backend *b = NULL;
	struct buf cur = BUF_INIT;
	char *key = NULL, *etag = NULL, *written = NULL;
	bool missing = false, refused = false;
	int err = object_open(cfg, url, &b, &key, d);
	if (!err)
		err = s3_get(b, key, &cur, &etag, &missing, d);
	if (!err)
		err = s3_put(b, key, text, missing ? "IfNoneMatch" : "IfMatch",
			     missing ? "*" : etag, &written, &refused, d);
	if (!err && refused) {
		diags_add(d, DIAG_ERROR, "%s was written by someone else while this one was being "
			  "saved: left as they wrote it; save under another name", url);
		err = BERTH_ECONFLICT;
	}
	buf_release(&cur);
	free(etag);
	free(written);
	free(key);
	s3b_free(b);
	return err;
}

int s3b_object_read(const struct aws_client_config *cfg, const char *url, struct buf *out,
		    struct diags *d)
{
	struct s3_backend *b = NULL;
	char *key = NULL, *etag = NULL;
	bool missing = false;
	int err = object_open(cfg, url, &b, &key, d);
	if (!err)
		err = s3_get(b, key, out, &etag, &missing, d);
	if (!err && missing)
		err = BERTH_ENOTFOUND;
	free(etag);
	free(key);
	s3b_free(b);
	return err;
}
