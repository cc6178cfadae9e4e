/* The spec's `repos:`: git repositories cloned with libgit2 into
 * PROJECT/.berth/repos/NAME and pinned at a ref (a full or abbreviated commit
 * id, a tag, or a branch). plan asks repo_status (changes nothing), apply
 * calls repo_sync.
 *
 * The working copy is the user's to look at and even to edit: berth checks
 * out a detached HEAD at the pinned commit and never overwrites local changes
 * (BERTH_ECONFLICT naming the files instead), never silently re-points a
 * clone at another URL, and never leaves a half-made clone behind (clones go
 * to a temporary folder that is renamed into place only when complete).
 *
 * Thread-safety: every call opens its own libgit2 objects, so different
 * repositories may be synced in parallel; two calls on the same NAME at once
 * are not supported (the stack lock prevents that within one stack; two
 * stacks of one project declaring the same NAME must not apply at the same
 * time). git_libgit2_init() must have been called (main does; tests do it
 * themselves).
 *
 * URLs may carry credentials (https://user:token@host/...). They are used as
 * given (libgit2 answers an auth challenge with them, and the clone's
 * .git/config keeps the URL, exactly as `git clone` would), but every message
 * berth produces shows them through repo_redact_url(). ssh:// URLs use the
 * ssh-agent. Proxies come from git's config and the usual environment
 * variables (libgit2's GIT_PROXY_AUTO). */
#ifndef BERTH_REPOS_H
#define BERTH_REPOS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/diag.h"
#include "util/strvec.h"

/* One `repos:` entry. All borrowed. */
struct repo_def {
	const char *name; /* the spec key: a plain file name (no '/', no leading '.') */
	const char *url;  /* https://, http://, ssh://, file:// or a local path */
	const char *ref;  /* commit id (>= 4 hex digits), tag or branch */
};

/* What the ref named, once resolved. */
enum repo_ref_kind {
	REPO_REF_UNKNOWN = 0, /* not resolved (yet) */
	REPO_REF_COMMIT,      /* a full or abbreviated commit id */
	REPO_REF_TAG,
	REPO_REF_BRANCH
};

/* What repo_sync would do. */
enum repo_action {
	REPO_ACTION_NONE = 0, /* cloned, clean, at the ref's commit */
	REPO_ACTION_CLONE,    /* not there yet */
	REPO_ACTION_CHECKOUT, /* present; the ref's commit is local: check it out */
	REPO_ACTION_FETCH     /* present; fetch, then check out */
};

/* Progress of a clone or fetch, for the CLI's progress line. */
struct repo_progress {
	const char *name;        /* the repo_def's name */
	const char *phase;       /* "receiving", "resolving", "checkout" */
	size_t received_objects, total_objects;
	size_t indexed_deltas, total_deltas;
	size_t received_bytes;
	size_t checkout_done, checkout_total;
};
/* Return non-zero to cancel: the operation then fails with BERTH_ECANCELED
 * (and a clone leaves nothing behind). Called from the calling thread. */
typedef int (*repo_progress_fn)(void *ctx, const struct repo_progress *p);

struct repo_opts {
	const char *project_dir; /* repos live in project_dir/.berth/repos/NAME */
	/* repo_status only: may it ask the remote where a tag or branch points
	 * now (an ls-remote: no objects are downloaded, nothing is written)?
	 * Without it a tag or branch is judged by the local tracking refs, and a
	 * missing clone has no resolved commit. repo_sync always may. */
	bool allow_network;
	repo_progress_fn progress; /* optional */
	void *progress_ctx;
};

/* Everything plan needs about one repository. Owns its strings; release with
 * repo_status_release. */
struct repo_status {
	char *path;       /* project_dir/.berth/repos/NAME */
	bool cloned;      /* path is a git repository */
	char *remote_url; /* the clone's origin URL (raw: redact before showing), or NULL */
	bool url_matches; /* remote_url is the spec's url, credentials aside (false when not cloned) */
	char head[41];    /* commit HEAD is at, "" when not cloned or unborn */
	bool head_detached;
	enum repo_ref_kind ref_kind;
	/* target is known: from the local clone, or from the remote (an
	 * ls-remote) when the commit still has to be fetched. An abbreviated
	 * commit id resolves only against a local clone. */
	bool resolved;
	char target[41];  /* full commit id the ref names, "" when not resolved */
	/* Why the target is unknown or needs a clone or fetch, as a sentence
	 * ("commit f01153e is not in the local clone", "branch main is at
	 * 3f2a1b4c5d6e on the remote"), or NULL. */
	char *reason;
	bool dirty;
	struct strvec dirty_files; /* "modified: README", "untracked: x.txt", sorted by path */
	enum repo_action action;
};

void repo_status_release(struct repo_status *st);

/* Inspects def's clone without changing anything (no fetch; at most an
 * ls-remote when opts->allow_network). Fills *out on success (0); a dirty tree
 * or a URL mismatch is reported in *out, not as an error, so plan can show it.
 * Errors: BERTH_EINVAL (bad name or ref, ambiguous abbreviated id),
 * BERTH_ECONFLICT (path exists but is not a git repository), BERTH_ENOTFOUND
 * (online: the remote has no such tag or branch and the ref is no commit id),
 * BERTH_ENET (ls-remote failed), BERTH_EIO. */
int repo_status(const struct repo_opts *opts, const struct repo_def *def,
		struct repo_status *out, struct diags *d);

/* What repo_sync did, as flags. */
enum repo_did {
	REPO_DID_CLONE = 1 << 0,
	REPO_DID_FETCH = 1 << 1,   /* downloaded from the remote into an existing clone */
	REPO_DID_CHECKOUT = 1 << 2 /* moved HEAD (a clone always checks out) */
};

/* Brings def's clone to the ref's commit, as a detached HEAD:
 *  - missing: clone into a temporary folder next to it, check out, rename
 *    into place; on any failure nothing is left behind (and the temporary
 *    folders of berth processes that died are swept first);
 *  - present: refuse if its origin is not def->url (BERTH_ECONFLICT: berth does
 *    not re-point a clone; remove the folder to re-clone; URLs that differ
 *    only in credentials are the same repository, and the clone takes the
 *    spec's, so a rotated token just works) or if the working
 *    copy has modified, deleted or untracked files (BERTH_ECONFLICT naming
 *    them; ignored files do not count and are never overwritten); else resolve
 *    the ref locally (a tag or branch is first checked against the remote
 *    with an ls-remote) and fetch only when the commit is not local; check out
 *    only when HEAD is elsewhere.
 * *did (optional) gets REPO_DID_* flags; *commit_out (optional, 41 bytes) the
 * full commit id now checked out. Both are set only on success.
 * Errors: BERTH_EINVAL, BERTH_ECONFLICT, BERTH_ENOTFOUND (the ref names
 * nothing, even after a fetch), BERTH_ENET (clone/fetch failed),
 * BERTH_ECANCELED, BERTH_EIO. */
int repo_sync(const struct repo_opts *opts, const struct repo_def *def, unsigned *did,
	      char *commit_out, struct diags *d);

/* What `berth destroy` does with .berth/repos: nothing. It is a local cache of
 * public inputs, not cloud state: deleting it would not make the account "as
 * it was", would throw away edits a user may have made there, and would cost a
 * re-clone on the next apply. This is for an explicit clean-up instead (a
 * future `berth destroy --clean-repos` or a "repo removed from the spec"
 * cleanup): it removes the clone only when it is clean (BERTH_ECONFLICT naming
 * the files otherwise). The folder is first renamed aside, so an interrupted
 * removal never leaves something that looks like a clone. A missing clone is
 * 0 (already gone). */
int repo_remove(const struct repo_opts *opts, const char *name, struct diags *d);

/* A copy of text (a URL, or a message containing URLs) with the credentials
 * of every URL hidden: "https://user:token@host/x" -> "https://user:***@host/x";
 * an http(s) URL's user alone may be a token ("https://ghp_x@github.com/"), so
 * its user part becomes "***" as a whole. Other schemes keep a lone user name
 * ("ssh://git@host/x" is not a secret). Caller frees. NULL gives NULL. */
char *repo_redact_url(const char *text);

/* Where NAME's clone lives (whether or not it exists): what ${repo.NAME.path}
 * means in a spec. Caller frees. */
char *repo_path(const char *project_dir, const char *name);

const char *repo_ref_kind_name(enum repo_ref_kind k);     /* "commit", "tag", ... */
const char *repo_action_name(enum repo_action a);         /* "none", "clone", ... */

#endif
