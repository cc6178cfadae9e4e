/* The S3 backend: a stack's lock and state cache in an S3 bucket, so runners
 * on different machines (CI jobs, a team) never apply one stack at once and
 * read each other's cache. Terraform's S3 backend with native locking is the
 * model; this one adds a lease, so a holder that was killed or lost its
 * runner does not hold the stack forever.
 *
 * Objects, under PREFIX (used as given: "berth/" or "team-a/berth-"):
 *   PREFIX ACCOUNT/REGION/STACK.lock        the lock, JSON naming its holder
 *   PREFIX ACCOUNT/REGION/STACK.state.json  the state cache
 *
 * The lock is created with a conditional write (PutObject If-None-Match: *),
 * so of two runners exactly one succeeds; it holds {"id", "user", "host",
 * "pid", "command", "ci_job_url", "started", "lease_expires",
 * "lease_seconds"}. While it runs, the holder renews the lease (PutObject
 * If-Match: the lock's ETag) every third of its length from a thread of its
 * own. A lock whose lease has lapsed is taken over (If-Match on the lapsed
 * lock's ETag, so two runners cannot both take it) with a warning naming
 * whose it was. The state cache is written with If-Match on the ETag it was
 * read with (If-None-Match: * when there was none), so two writers cannot
 * silently overwrite each other. Nothing here prints. */
#ifndef BERTH_ENGINE_BACKEND_S3_H
#define BERTH_ENGINE_BACKEND_S3_H

#include <stdatomic.h>
#include <stdbool.h>

#include "aws/client.h"
#include "util/buf.h"
#include "util/diag.h"

struct s3_backend;

/* Parses "s3://BUCKET[/PREFIX]" (the --backend option) into *bucket and
 * *prefix (new strings). BERTH_EINVAL with a diagnostic on anything else. */
int s3b_parse_url(const char *url, char **bucket, char **prefix, struct diags *d);

/* A backend for bucket/prefix through its own client (cfg: the bucket's
 * region, the profile, the endpoint), for stack STACK of ACCOUNT in REGION.
 * Nothing is called yet. */
int s3b_open(struct s3_backend **out, const struct aws_client_config *cfg, const char *bucket,
	     const char *prefix, const char *account, const char *region, const char *stack,
	     struct diags *d);
/* Stops renewing and releases the lock when held (best effort: a lock
 * that cannot be deleted lapses with its lease). NULL is a no-op. */
void s3b_free(struct s3_backend *b);

/* "s3://BUCKET/KEY" of the lock, for messages. */
const char *s3b_lock_url(const struct s3_backend *b);

/* Called once while s3b_lock waits, with the holder in words. */
typedef void (*s3b_wait_fn)(void *ctx, const char *holder);

/* Takes the lock for `command` ("berth apply") with a lease of lease_s
 * seconds, waiting up to timeout_s seconds for a live holder (0: not at
 * all). BERTH_ELOCKED with a diagnostic naming the holder and the way out
 * (`berth force-unlock ID`); a lapsed lock taken over adds a DIAG_WARNING;
 * BERTH_EAWS/ENET... when S3 says no (a missing bucket: NoSuchBucket).
 * *cancel (may be NULL) stops the wait. */
int s3b_lock(struct s3_backend *b, const char *command, long lease_s, long timeout_s,
	     s3b_wait_fn waiting, void *ctx, const atomic_int *cancel, struct diags *d);
/* The held lock's id, or NULL. */
const char *s3b_lock_id(const struct s3_backend *b);
/* Whether the lease was lost while held (renewal found another holder). */
bool s3b_lock_lost(struct s3_backend *b);

/* Copies the state cache from S3 to local_path (0600, atomically), or
 * removes local_path when S3 has none. Remembers the object's ETag and
 * bytes for s3b_state_push. */
int s3b_state_pull(struct s3_backend *b, const char *local_path, struct diags *d);
/* Writes local_path back when it changed since the pull, conditionally on
 * the pulled ETag. A conflict (another writer) is a DIAG_WARNING and leaves
 * S3's copy: the cache is only a cache. */
int s3b_state_push(struct s3_backend *b, const char *local_path, struct diags *d);

/* Deletes the lock when its id is `id` (a holder that is gone and whose
 * lease has not lapsed yet). BERTH_ENOTFOUND when there is no lock,
 * BERTH_EINVAL when the lock has another id (both with a diagnostic). */
int s3b_force_unlock(struct s3_backend *b, const char *id, struct diags *d);

/* Saved plans in S3: `berth plan --out s3://BUCKET/KEY` and `berth apply
 * s3://BUCKET/KEY`, so a plan made by one CI job is applied by another
 * (beside the state cache, under the backend's prefix, is the place the
 * README suggests). Each call makes its own client from cfg. */

/* Whether text names an S3 object ("s3://..."), not a local file. */
bool s3b_is_url(const char *text);
/* Writes text to the object: with If-Match on the ETag it had when looked
 * at (If-None-Match: * when there was none), so two plans saved under one
 * name at once cannot silently overwrite each other; BERTH_ECONFLICT with a
 * diagnostic when the other came first. */
int s3b_object_write(const struct aws_client_config *cfg, const char *url, const char *text,
		     struct diags *d);
/* Reads the object into out. BERTH_ENOTFOUND (no diagnostic) when there is
 * no such key; BERTH_EINVAL for a URL that names no object. */
int s3b_object_read(const struct aws_client_config *cfg, const char *url, struct buf *out,
		    struct diags *d);

#endif
