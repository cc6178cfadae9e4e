/* repos: clone, inspect, update and remove the spec's git repositories with
 * libgit2 (see repos.h for the rules). */
#include "util/common.h"
#include "repos/repos.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <ftw.h>
#include <git2.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fsutil.h"

/* A dirty tree's message lists at most this many files, then "and N more". */
#define DIRTY_LIST_MAX 10

/* Fetch refspecs: branches into origin's tracking refs and tags as they are
 * now, both forced, so a branch that was rewritten or a tag that was moved
 * upstream is followed (the pin is what the spec says, not what we saw
 * last). */
static const char *fetch_refspecs[] = { "+refs/heads/*:refs/remotes/origin/*",
					"+refs/tags/*:refs/tags/*" };

/* ---------------------------------------------------------------- redaction */

static bool is_authority_end(char c)
{
	return c == '\0' || c == '/' || c == '?' || c == '#' || c == ' ' || c == '\t' ||
	       c == '\n' || c == '\r' || c == '\'' || c == '"' || c == '>' || c == '<' ||
	       c == ')' || c == '`';
}

char *repo_redact_url(const char *text)
{
	struct buf b = BUF_INIT;
	const char *p;
	if (!text)
		return NULL;
	p = text;
	while (*p) {
		const char *sep = strstr(p, "://");
		const char *auth, *end, *at = NULL, *colon = NULL, *scheme;
		bool web;
		if (!sep) {
			buf_adds(&b, p);
			break;
		}
		scheme = sep;
		while (scheme > p && (scheme[-1] == '+' || scheme[-1] == '-' || scheme[-1] == '.' ||
				      (scheme[-1] >= 'a' && scheme[-1] <= 'z') ||
				      (scheme[-1] >= 'A' && scheme[-1] <= 'Z') ||
				      (scheme[-1] >= '0' && scheme[-1] <= '9')))
			scheme--;
		web = ((size_t)(sep - scheme) == 4 && !strncasecmp(scheme, "http", 4)) ||
		      ((size_t)(sep - scheme) == 5 && !strncasecmp(scheme, "https", 5));
		auth = sep + 3;
		/* The user info ends at the last '@' of the authority, so an
		 * unencoded '@' in a password is still hidden. */
		for (end = auth; !is_authority_end(*end); end++)
			if (*end == '@')
				at = end;
		buf_add(&b, p, (size_t)(auth - p));
		if (at) {
			for (const char *q = auth; q < at; q++)
				if (*q == ':') {
					colon = q;
					break;
				}
			if (colon)
				buf_add(&b, auth, (size_t)(colon - auth)), buf_adds(&b, ":***");
			else if (web)
				buf_adds(&b, "***");
			else
				buf_add(&b, auth, (size_t)(at - auth));
			buf_add(&b, at, (size_t)(end - at));
		} else {
			buf_add(&b, auth, (size_t)(end - auth));
		}
		p = end;
	}
	return buf_detach(&b, NULL);
}

/* --------------------------------------------------------------- helpers */

const char *repo_ref_kind_name(enum repo_ref_kind k)
{
	switch (k) {
	case REPO_REF_COMMIT: return "commit";
	case REPO_REF_TAG: return "tag";
	case REPO_REF_BRANCH: return "branch";
	default: return "unknown";
	}
}

const char *repo_action_name(enum repo_action a)
{
	switch (a) {
	case REPO_ACTION_NONE: return "none";
	case REPO_ACTION_CLONE: return "clone";
	case REPO_ACTION_CHECKOUT: return "checkout";
	case REPO_ACTION_FETCH: return "fetch";
	}
	return "?";
}

/* Adds an error diagnostic whose detail is libgit2's last message, redacted
 * (libgit2 quotes URLs, credentials included, in its errors). */
static struct diag *git_diag(struct diags *d, const char *name, const char *fmt, ...)
	BERTH_PRINTF(3, 4);
static struct diag *git_diag(struct diags *d, const char *name, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	const git_error *e = git_error_last();
	struct diag *dg;
	char *red;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	red = repo_redact_url(msg.ptr);
	dg = diags_add(d, DIAG_ERROR, "%s", red);
	free(red);
	if (e && e->message && *e->message) {
		red = repo_redact_url(e->message);
		diag_set_detail(dg, "%s", red);
		free(red);
	}
	if (name) {
		char *addr = xasprintf("repo.%s", name);
		diag_set_address(dg, addr);
		free(addr);
	}
	buf_release(&msg);
	return dg;
}

/* The berth code for a libgit2 failure of a network step. */
static int git_net_code(int grc)
{
	if (grc == GIT_EUSER)
		return BERTH_ECANCELED;
	if (grc == GIT_EAUTH || grc == GIT_ECERTIFICATE)
		return BERTH_EAUTH;
	return BERTH_ENET;
}

static bool is_hex(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
			return false;
	return true;
}

static int check_def(const struct repo_opts *o, const struct repo_def *def, struct diags *d)
{
	if (!o || !o->project_dir || !def || !def->name || !def->url || !def->ref) {
		diags_add(d, DIAG_ERROR, "repository definition incomplete: name, url and ref are required");
		return BERTH_EINVAL;
	}
	/* The name becomes a folder name under .berth/repos: keep it one plain
	 * component, and not a dot-name (those are our temporary folders). */
	if (!*def->name || strchr(def->name, '/') || def->name[0] == '.') {
		diags_add(d, DIAG_ERROR, "repository name '%s' is not a plain folder name", def->name);
		return BERTH_EINVAL;
	}
	/* A ref starting with '-' could be taken for an option by tools the user
	 * runs in the clone; empty or spaced refs name nothing. */
	if (!*def->ref || def->ref[0] == '-' || strpbrk(def->ref, " \t\n~^:?*[\\") ||
	    strstr(def->ref, "..")) {
		struct diag *dg = diags_add(d, DIAG_ERROR, "repository '%s': '%s' is not a valid ref",
					    def->name, def->ref);
		diag_set_detail(dg, "give a commit id (at least 4 hex digits), a tag or a branch name");
		return BERTH_EINVAL;
	}
	if (!*def->url) {
		diags_add(d, DIAG_ERROR, "repository '%s': url is empty", def->name);
		return BERTH_EINVAL;
	}
	return 0;
}

static char *repos_dir(const struct repo_opts *o)
{
	return xasprintf("%s/.berth/repos", o->project_dir);
}

char *repo_path(const char *project_dir, const char *name)
{
	return xasprintf("%s/.berth/repos/%s", project_dir, name);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path) ? -1 : 0;
}

/* Removes a folder tree without following symlinks. */
static int rmtree(const char *path, struct diags *d)
{
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) && errno != ENOENT) {
		diags_add(d, DIAG_ERROR, "could not remove %s: %s", path, strerror(errno));
		return BERTH_EIO;
	}
	return 0;
}

/* Removes the temporary folders (".NAME.clone-PID-XXXXXX",
 * ".NAME.remove-PID-XXXXXX") of berth processes that are gone: a clone killed
 * half way (SIGKILL, power) leaves one, possibly large. The pid in the name
 * keeps a live process's folder safe (another stack of the same project may
 * be cloning right now). Best effort: failures are ignored. */
static void sweep_leftovers(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	if (!dh)
		return;
	while ((e = readdir(dh))) {
		const char *p = e->d_name, *kind;
		char *end = NULL;
		long pid;
		if (p[0] != '.')
			continue;
		if (!(kind = strstr(p, ".clone-")) && !(kind = strstr(p, ".remove-")))
			continue;
		pid = strtol(strchr(kind + 1, '-') + 1, &end, 10);
		if (pid <= 0 || !end || *end != '-')
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* alive, or not ours to judge */
		{
			struct diags ignore = DIAGS_INIT;
			char *path = xasprintf("%s/%s", dir, p);
			rmtree(path, &ignore);
			diags_release(&ignore);
			free(path);
		}
	}
	closedir(dh);
}

/* ---------------------------------------------------------------- progress */

struct progress_ctx {
	const struct repo_opts *o;
	const char *name;
	/* Set when the callback asked to stop: libgit2 does not report that the
	 * same way on every transport (GIT_EUSER, or a plain error from the
	 * local one), so the cancel is recorded here. */
	bool canceled;
	int credential_tries;
};

static int on_transfer(const git_indexer_progress *s, void *payload)
{
	struct progress_ctx *pc = payload;
	struct repo_progress p;
	if (!pc->o->progress)
		return 0;
	memset(&p, 0, sizeof(p));
	p.name = pc->name;
	p.phase = s->received_objects < s->total_objects ? "receiving" : "resolving";
	p.received_objects = s->received_objects;
	p.total_objects = s->total_objects;
	p.indexed_deltas = s->indexed_deltas;
	p.total_deltas = s->total_deltas;
	p.received_bytes = s->received_bytes;
	if (pc->o->progress(pc->o->progress_ctx, &p)) {
		pc->canceled = true;
		return -1; /* libgit2 stops the transfer */
	}
	return 0;
}

/* ssh URLs authenticate with the user's ssh-agent, as `git clone` would by
 * default. (https URLs use the credentials in the URL, which libgit2 applies
 * itself, or none.) libgit2 asks again after each rejected credential, so
 * one try, then give up rather than loop. */
static int on_credentials(git_credential **out, const char *url, const char *user_from_url,
			  unsigned int allowed, void *payload)
{
	struct progress_ctx *pc = payload;
	if (pc->credential_tries++ > 0)
		return GIT_EAUTH;
	if (allowed & GIT_CREDENTIAL_SSH_KEY)
		return git_credential_ssh_key_from_agent(out, user_from_url ? user_from_url : "git");
	return GIT_PASSTHROUGH;
}

static void on_checkout(const char *path, size_t done, size_t total, void *payload)
{
	struct progress_ctx *pc = payload;
	struct repo_progress p;
	if (!pc->o->progress)
		return;
	memset(&p, 0, sizeof(p));
	p.name = pc->name;
	p.phase = "checkout";
	p.checkout_done = done;
	p.checkout_total = total;
	/* libgit2 cannot cancel a checkout from here; the answer is ignored. */
	(void)pc->o->progress(pc->o->progress_ctx, &p);
}

/* ---------------------------------------------------------------- dirty check */

static const char *status_label(unsigned s)
{
	if (s & GIT_STATUS_WT_NEW)
		return "untracked";
	if (s & (GIT_STATUS_WT_DELETED | GIT_STATUS_INDEX_DELETED))
		return "deleted";
	if (s & GIT_STATUS_INDEX_NEW)
		return "added";
	if (s & (GIT_STATUS_WT_RENAMED | GIT_STATUS_INDEX_RENAMED))
		return "renamed";
	if (s & (GIT_STATUS_WT_TYPECHANGE | GIT_STATUS_INDEX_TYPECHANGE))
		return "type changed";
	if (s & GIT_STATUS_CONFLICTED)
		return "conflicted";
	return "modified";
}

/* Lists what differs between HEAD, the index and the working tree, untracked
 * files included (one of those is as much the user's work as an edit), ignored
 * ones not (build output the user's own tools made; checkout is told never
 * to overwrite them). */
static int collect_dirty(git_repository *repo, const char *name, struct strvec *files,
			 struct diags *d)
{
	git_status_options so;
	git_status_list *list = NULL;
	size_t i, n;
	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		   GIT_STATUS_OPT_SORT_CASE_SENSITIVELY;
	if (git_status_list_new(&list, repo, &so) < 0) {
		git_diag(d, name, "repository '%s': could not read the working copy's status", name);
		return BERTH_EIO;
	}
	n = git_status_list_entrycount(list);
	for (i = 0; i < n; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const git_diff_delta *dd = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
		const char *path;
		if (e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED) || !dd)
			continue;
		path = dd->new_file.path ? dd->new_file.path : dd->old_file.path;
		strvec_pushf(files, "%s: %s", status_label(e->status), path);
	}
	git_status_list_free(list);
	return 0;
}

static void dirty_message(struct diags *d, const char *name, const char *path,
			  const struct strvec *files, const char *what)
{
	struct buf b = BUF_INIT;
	struct diag *dg;
	size_t i;
	char *addr;
	for (i = 0; i < files->n && i < DIRTY_LIST_MAX; i++)
		buf_addf(&b, "%s  %s", i ? "\n" : "", files->v[i]);
	if (files->n > DIRTY_LIST_MAX)
		buf_addf(&b, "\n  and %zu more", files->n - DIRTY_LIST_MAX);
	buf_addf(&b, "\ncommit or stash them, or remove the changes (git -C %s checkout -- . && "
		     "git -C %s clean -fd), then run %s again", path, path, what);
	dg = diags_add(d, DIAG_ERROR, "repository '%s' has local changes that berth will not overwrite: %s",
		       name, path);
	diag_set_detail(dg, "%s", b.ptr);
	addr = xasprintf("repo.%s", name);
	diag_set_address(dg, addr);
	free(addr);
	buf_release(&b);
}

/* ---------------------------------------------------------------- resolution */

struct resolution {
	enum repo_ref_kind kind;
	bool found;       /* commit holds the ref's commit, present locally */
	git_oid commit;
	bool need_fetch;  /* the commit (or the ref) is not local */
	char *reason;     /* why need_fetch / not found (owned) */
};

static void resolution_release(struct resolution *r)
{
	free(r->reason);
	memset(r, 0, sizeof(*r));
}

/* Peels a local object id to its commit; 0, or GIT_ENOTFOUND when the object
 * is not here. */
static int peel_local(git_repository *repo, const git_oid *id, git_oid *commit)
{
	git_object *obj = NULL, *peeled = NULL;
	int rc = git_object_lookup(&obj, repo, id, GIT_OBJECT_ANY);
	if (rc < 0)
		return rc;
	rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	if (rc == 0)
		git_oid_cpy(commit, git_object_id(peeled));
	git_object_free(peeled);
	git_object_free(obj);
	return rc;
}

/* A local tag (refs/tags/REF) or origin branch (refs/remotes/origin/REF). */
static bool lookup_local_name(git_repository *repo, const char *ref, struct resolution *r)
{
	static const struct {
		const char *fmt;
		enum repo_ref_kind kind;
	} where[] = { { "refs/tags/%s", REPO_REF_TAG }, { "refs/remotes/origin/%s", REPO_REF_BRANCH } };
	for (size_t i = 0; i < ARRAY_SIZE(where); i++) {
		git_reference *rf = NULL;
		git_object *obj = NULL;
		char *full = xasprintf(where[i].fmt, ref);
		int rc = git_reference_lookup(&rf, repo, full);
		free(full);
		if (rc < 0)
			continue;
		rc = git_reference_peel(&obj, rf, GIT_OBJECT_COMMIT);
		if (rc == 0) {
			r->kind = where[i].kind;
			r->found = true;
			git_oid_cpy(&r->commit, git_object_id(obj));
		}
		git_object_free(obj);
		git_reference_free(rf);
		if (rc == 0)
			return true;
	}
	return false;
}

/* Whether the local ref for what the remote calls kind REF (refs/tags/REF, or
 * origin's tracking branch) is where the remote's id says, as the object or
 * the commit it peels to; then *commit is that commit. A ref that moved must
 * be fetched even when its new commit happens to be local, so the local refs
 * stay true and an offline plan later reads them right. */
static bool local_ref_is(git_repository *repo, const char *ref, enum repo_ref_kind kind,
			 const git_oid *id, git_oid *commit)
{
	git_reference *rf = NULL, *resolved = NULL;
	git_object *obj = NULL;
	char *full = xasprintf(kind == REPO_REF_TAG ? "refs/tags/%s" : "refs/remotes/origin/%s", ref);
	bool same = false;
	if (git_reference_lookup(&rf, repo, full) == 0 && git_reference_resolve(&resolved, rf) == 0 &&
	    git_reference_peel(&obj, resolved, GIT_OBJECT_COMMIT) == 0) {
		same = git_oid_equal(git_reference_target(resolved), id) ||
		       git_oid_equal(git_object_id(obj), id);
		if (same)
			git_oid_cpy(commit, git_object_id(obj));
	}
	git_object_free(obj);
	git_reference_free(resolved);
	git_reference_free(rf);
	free(full);
	return same;
}

/* Asks the remote (ls-remote) where tag or branch REF points. *found false
 * when it has neither. Tags win over branches, as in git's rev-parse. */
static int lookup_remote_name(git_remote *remote, const struct repo_opts *o,
			      const struct repo_def *def, enum repo_ref_kind *kind, git_oid *id,
			      bool *found, struct diags *d)
{
	struct progress_ctx pc = { o, def->name, false, 0 };
	git_remote_callbacks cb;
	git_proxy_options proxy;
	const git_remote_head **heads = NULL;
	size_t n = 0, i;
	char *tag = xasprintf("refs/tags/%s", def->ref);
	char *peeled = xasprintf("refs/tags/%s^{}", def->ref);
	char *branch = xasprintf("refs/heads/%s", def->ref);
	int rc, best = 0; /* 3 peeled tag, 2 tag, 1 branch */
	*found = false;
	git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
	cb.credentials = on_credentials;
	cb.payload = &pc;
	git_proxy_options_init(&proxy, GIT_PROXY_OPTIONS_VERSION);
	proxy.type = GIT_PROXY_AUTO;
	rc = git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, &proxy, NULL);
	if (rc < 0) {
		git_diag(d, def->name, "repository '%s': could not reach %s", def->name, def->url);
		rc = git_net_code(rc);
		goto cleanup;
	}
	if ((rc = git_remote_ls(&heads, &n, remote)) < 0) {
		git_diag(d, def->name, "repository '%s': could not list the refs of %s", def->name,
			 def->url);
		rc = BERTH_ENET;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		int rank = !strcmp(heads[i]->name, peeled) ? 3 : !strcmp(heads[i]->name, tag) ? 2
			 : !strcmp(heads[i]->name, branch) ? 1 : 0;
		if (rank > best) {
			best = rank;
			git_oid_cpy(id, &heads[i]->oid);
		}
	}
	if (best) {
		*found = true;
		*kind = best >= 2 ? REPO_REF_TAG : REPO_REF_BRANCH;
	}
	rc = 0;
cleanup:
	git_remote_disconnect(remote);
	free(tag);
	free(peeled);
	free(branch);
	return rc;
}

/* Resolves def->ref in repo (NULL: no clone yet; remote must then be a
 * detached remote for the URL). With network, tags and branches are checked
 * against the remote; commit ids never need the network to be judged.
 * Returns 0 with *r filled (found, or need_fetch with a reason), or a
 * negative code (ambiguous id, network failure). */
static int resolve_ref(git_repository *repo, git_remote *remote, const struct repo_opts *o,
		       const struct repo_def *def, bool network, struct resolution *r,
		       struct diags *d)
{
	const char *ref = def->ref;
	bool hex = is_hex(ref, GIT_OID_MINPREFIXLEN, GIT_OID_HEXSZ);
	enum repo_ref_kind kind = REPO_REF_UNKNOWN;
	git_oid id;
	bool found = false;
	int rc;

	memset(r, 0, sizeof(*r));
	if (hex && strlen(ref) == GIT_OID_HEXSZ) {
		/* A full id: there is nothing to ask the remote; it is here or a
		 * fetch must bring it. */
		r->kind = REPO_REF_COMMIT;
		git_oid_fromstr(&id, ref);
		if (repo && peel_local(repo, &id, &r->commit) == 0) {
			r->found = true;
			return 0;
		}
		r->need_fetch = true;
		r->reason = xasprintf(repo ? "commit %.12s is not in the local clone"
					   : "commit %.12s is checked when cloned", ref);
		return 0;
	}
	if (hex && repo) {
		/* An abbreviated id that is also a tag or branch name is the name,
		 * as git reads it (then checked against the remote like any name);
		 * otherwise a local commit ends the search without any network. */
		if (lookup_local_name(repo, ref, r)) {
			if (!network)
				return 0;
			memset(r, 0, sizeof(*r));
		} else {
			git_object *obj = NULL, *peeled = NULL;
			git_oid_fromstrn(&id, ref, strlen(ref));
			rc = git_object_lookup_prefix(&obj, repo, &id, strlen(ref), GIT_OBJECT_ANY);
			if (rc == GIT_EAMBIGUOUS) {
				struct diag *dg = diags_add(d, DIAG_ERROR,
							    "repository '%s': commit id '%s' is ambiguous",
							    def->name, ref);
				diag_set_detail(dg, "give more hex digits of the commit id");
				return BERTH_EINVAL;
			}
			if (rc == 0 && git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) == 0) {
				r->kind = REPO_REF_COMMIT;
				r->found = true;
				git_oid_cpy(&r->commit, git_object_id(peeled));
			}
			git_object_free(peeled);
			git_object_free(obj);
			if (r->found)
				return 0;
		}
	}
	if (network) {
		rc = lookup_remote_name(remote, o, def, &kind, &id, &found, d);
		if (rc < 0)
			return rc;
		if (found) {
			char short_id[13];
			r->kind = kind;
			r->found = true;
			if (repo && local_ref_is(repo, ref, kind, &id, &r->commit))
				return 0;
			/* The remote's id is the target (a commit: branches and
			 * lightweight tags name one, and an annotated tag's peeled
			 * entry wins in lookup_remote_name); a fetch brings it. */
			git_oid_cpy(&r->commit, &id);
			r->need_fetch = true;
			git_oid_tostr(short_id, sizeof(short_id), &id);
			r->reason = xasprintf(repo ? "%s %s is at %s on the remote (fetch needed)"
						   : "%s %s is at %s on the remote",
					      repo_ref_kind_name(kind), ref, short_id);
			return 0;
		}
		if (!hex) {
			char *url = repo_redact_url(def->url);
			diags_add(d, DIAG_ERROR, "repository '%s': no tag or branch '%s' at %s", def->name,
				  ref, url);
			free(url);
			return BERTH_ENOTFOUND;
		}
	} else if (repo && !hex && lookup_local_name(repo, ref, r)) {
		return 0;
	}
	r->kind = hex ? REPO_REF_COMMIT : REPO_REF_UNKNOWN;
	r->need_fetch = true;
	if (!repo)
		r->reason = xasprintf(hex ? "commit %s is resolved when cloned"
					  : "'%s' is resolved when cloned", ref);
	else
		r->reason = xasprintf(hex ? "commit %s is not in the local clone"
					  : "tag or branch '%s' is not in the local clone", ref);
	return 0;
}

/* ---------------------------------------------------------------- opening */

/* 1 when path exists (anything), 0 when not, negative on error. */
static int path_exists(const char *path, struct diags *d)
{
	struct stat st;
	if (lstat(path, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	diags_add(d, DIAG_ERROR, "could not look at %s: %s", path, strerror(errno));
	return BERTH_EIO;
}

/* Opens the clone at path exactly (no search upwards: a stray folder inside
 * the project's own repository must not be taken for the clone). */
static int open_clone(const char *path, const char *name, git_repository **out,
		      struct diags *d)
{
	int rc = git_repository_open_ext(out, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (rc < 0) {
		struct diag *dg = diags_add(d, DIAG_ERROR,
					    "repository '%s': %s exists but is not a git repository",
					    name, path);
		diag_set_detail(dg, "berth does not touch it; remove it to let berth clone there");
		return BERTH_ECONFLICT;
	}
	return 0;
}

static char *origin_url(git_repository *repo)
{
	git_remote *remote = NULL;
	char *url = NULL;
	if (git_remote_lookup(&remote, repo, "origin") == 0 && git_remote_url(remote))
		url = xstrdup(git_remote_url(remote));
	git_remote_free(remote);
	return url;
}

/* Whether two URLs name the same repository: equal once credentials are
 * hidden, so a rotated token is not a different remote. */
static bool same_repo_url(const char *a, const char *b)
{
	char *x, *y;
	bool same;
	if (!a || !b)
		return false;
	if (!strcmp(a, b))
		return true;
	x = repo_redact_url(a);
	y = repo_redact_url(b);
	same = !strcmp(x, y);
	free(x);
	free(y);
	return same;
}

static void url_conflict(struct diags *d, const struct repo_def *def, const char *path,
			 const char *have)
{
	char *a = repo_redact_url(have ? have : "(none)"), *b = repo_redact_url(def->url);
	struct diag *dg = diags_add(d, DIAG_ERROR,
				    "repository '%s' at %s is a clone of %s, not of %s", def->name,
				    path, a, b);
	diag_set_detail(dg, "berth does not re-point a clone; remove %s to clone the new URL", path);
	free(a);
	free(b);
}

/* ---------------------------------------------------------------- status */

void repo_status_release(struct repo_status *st)
{
	if (!st)
		return;
	free(st->path);
	free(st->remote_url);
	free(st->reason);
	strvec_clear(&st->dirty_files);
	memset(st, 0, sizeof(*st));
}

int repo_status(const struct repo_opts *o, const struct repo_def *def, struct repo_status *out,
		struct diags *d)
{
	struct repo_status st;
	struct resolution res = { 0 };
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_reference *head = NULL;
	char *dir = NULL;
	int rc;

	memset(&st, 0, sizeof(st));
	strvec_init(&st.dirty_files);
	if ((rc = check_def(o, def, d)) < 0)
		goto cleanup;
	dir = repos_dir(o);
	st.path = xasprintf("%s/%s", dir, def->name);
	if ((rc = path_exists(st.path, d)) < 0)
		goto cleanup;
	if (rc == 0) {
		st.action = REPO_ACTION_CLONE;
		if (o->allow_network &&
		    git_remote_create_detached(&remote, def->url) < 0) {
			git_diag(d, def->name, "repository '%s': bad URL %s", def->name, def->url);
			rc = BERTH_EINVAL;
			goto cleanup;
		}
		if ((rc = resolve_ref(NULL, remote, o, def, o->allow_network, &res, d)) < 0)
			goto cleanup;
	} else {
		if ((rc = open_clone(st.path, def->name, &repo, d)) < 0)
			goto cleanup;
		st.cloned = true;
		st.remote_url = origin_url(repo);
		st.url_matches = same_repo_url(st.remote_url, def->url);
		if (git_repository_head(&head, repo) == 0)
			git_oid_tostr(st.head, sizeof(st.head), git_reference_target(head));
		st.head_detached = git_repository_head_detached(repo) == 1;
		if ((rc = collect_dirty(repo, def->name, &st.dirty_files, d)) < 0)
			goto cleanup;
		st.dirty = st.dirty_files.n > 0;
		/* Only a clone of the spec's URL is asked about the spec's ref:
		 * another remote's answer would be meaningless. */
		if (o->allow_network && st.url_matches &&
		    git_remote_lookup(&remote, repo, "origin") < 0) {
			git_diag(d, def->name, "repository '%s': no origin remote", def->name);
			rc = BERTH_EIO;
			goto cleanup;
		}
		if ((rc = resolve_ref(repo, remote, o, def, o->allow_network && st.url_matches,
				      &res, d)) < 0)
			goto cleanup;
		if (res.need_fetch)
			st.action = REPO_ACTION_FETCH;
		else if (strcmp(st.head, "") == 0 ||
			 git_oid_streq(&res.commit, st.head) != 0 || !st.head_detached)
			st.action = REPO_ACTION_CHECKOUT; /* sync detaches HEAD too */
		else
			st.action = REPO_ACTION_NONE;
	}
	st.ref_kind = res.kind;
	if (res.found) {
		st.resolved = true;
		git_oid_tostr(st.target, sizeof(st.target), &res.commit);
	}
	st.reason = res.reason;
	res.reason = NULL;
	*out = st;
	memset(&st, 0, sizeof(st));
	rc = 0;
cleanup:
	resolution_release(&res);
	git_reference_free(head);
	git_remote_free(remote);
	git_repository_free(repo);
	repo_status_release(&st);
	free(dir);
	return rc;
}

/* ---------------------------------------------------------------- sync */

/* Checks out commit as a detached HEAD. force only for a fresh clone, whose
 * working tree is ours; an existing one gets a safe checkout (which, after
 * our own dirty check, also refuses to overwrite ignored files). */
static int checkout_detached(git_repository *repo, const git_oid *id, bool force,
			     struct progress_ctx *pc, const struct repo_def *def,
			     struct diags *d)
{
	git_checkout_options co;
	git_commit *commit = NULL;
	int rc;
	char hex[41];
	git_oid_tostr(hex, sizeof(hex), id);
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = force ? GIT_CHECKOUT_FORCE
				     : GIT_CHECKOUT_SAFE | GIT_CHECKOUT_DONT_OVERWRITE_IGNORED;
	co.progress_cb = on_checkout;
	co.progress_payload = pc;
	if ((rc = git_commit_lookup(&commit, repo, id)) < 0) {
		git_diag(d, def->name, "repository '%s': %s is not a commit", def->name, hex);
		rc = BERTH_ENOTFOUND;
		goto cleanup;
	}
	if ((rc = git_checkout_tree(repo, (git_object *)commit, &co)) < 0) {
		git_diag(d, def->name, "repository '%s': could not check out %.12s", def->name, hex);
		rc = rc == GIT_ECONFLICT ? BERTH_ECONFLICT : BERTH_EIO;
		goto cleanup;
	}
	if ((rc = git_repository_set_head_detached(repo, id)) < 0) {
		git_diag(d, def->name, "repository '%s': could not move HEAD to %.12s", def->name, hex);
		rc = BERTH_EIO;
		goto cleanup;
	}
	rc = 0;
cleanup:
	git_commit_free(commit);
	return rc;
}

static void not_found(struct diags *d, const struct repo_def *def)
{
	char *url = repo_redact_url(def->url);
	struct diag *dg = diags_add(d, DIAG_ERROR, "repository '%s': ref '%s' not found in %s",
				    def->name, def->ref, url);
	diag_set_detail(dg, "the ref must be a commit reachable from a branch or tag, a tag or a branch");
	free(url);
}

static int clone_fresh(const struct repo_opts *o, const struct repo_def *def, const char *dir,
		       const char *path, git_oid *commit, struct diags *d)
{
	git_clone_options co;
	struct progress_ctx pc = { o, def->name, false, 0 };
	struct resolution res = { 0 };
	git_repository *repo = NULL;
	char *tmp = NULL;
	int rc, grc;

	git_clone_options_init(&co, GIT_CLONE_OPTIONS_VERSION);
	if ((rc = fs_mkdir_private(dir, d)) < 0)
		return rc;
	/* A dot-name beside the final folder: same file system, so the rename
	 * is atomic, and never a valid repository name. */
	sweep_leftovers(dir);
	tmp = xasprintf("%s/.%s.clone-%ld-XXXXXX", dir, def->name, (long)getpid());
	if (!mkdtemp(tmp)) {
		diags_add(d, DIAG_ERROR, "could not create a folder in %s: %s", dir, strerror(errno));
		free(tmp);
		return BERTH_EIO;
	}
	co.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE; /* we check out the pin */
	co.fetch_opts.callbacks.transfer_progress = on_transfer;
	co.fetch_opts.callbacks.payload = &pc;
	co.fetch_opts.callbacks.credentials = on_credentials;
	/* Every tag, also those on no branch, so a tag ref resolves. */
	co.fetch_opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
	/* Proxies as git and curl find them (http.proxy, https_proxy, ...), so a
	 * clone works where the AWS calls do. */
	co.fetch_opts.proxy_opts.type = GIT_PROXY_AUTO;
	if ((grc = git_clone(&repo, def->url, tmp, &co)) < 0) {
		if (pc.canceled) {
			diags_add(d, DIAG_ERROR, "repository '%s': clone canceled", def->name);
			rc = BERTH_ECANCELED;
			goto cleanup;
		}
		git_diag(d, def->name, "repository '%s': could not clone %s", def->name, def->url);
		rc = git_net_code(grc);
		goto cleanup;
	}
	if ((rc = resolve_ref(repo, NULL, o, def, false, &res, d)) < 0)
		goto cleanup;
	if (!res.found) {
		not_found(d, def);
		rc = BERTH_ENOTFOUND;
		goto cleanup;
	}
	if ((rc = checkout_detached(repo, &res.commit, true, &pc, def, d)) < 0)
		goto cleanup;
	git_repository_free(repo);
	repo = NULL;
	/* RENAME_NOREPLACE: if something appeared at path meanwhile (even an
	 * empty folder, which plain rename would replace), keep it and fail. */
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) < 0) {
		diags_add(d, DIAG_ERROR, "repository '%s': could not move the clone to %s: %s",
			  def->name, path, strerror(errno));
		rc = BERTH_EIO;
		goto cleanup;
	}
	git_oid_cpy(commit, &res.commit);
	rc = 0;
cleanup:
	git_repository_free(repo);
	resolution_release(&res);
	if (rc < 0) {
		struct diags ignore = DIAGS_INIT;
		rmtree(tmp, &ignore);
		diags_release(&ignore);
	}
	free(tmp);
	return rc;
}

static int fetch_origin(git_remote *remote, const struct repo_opts *o, const struct repo_def *def,
			struct diags *d)
{
	git_fetch_options fo;
	struct progress_ctx pc = { o, def->name, false, 0 };
	git_strarray specs = { (char **)fetch_refspecs, ARRAY_SIZE(fetch_refspecs) };
	int grc;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.callbacks.transfer_progress = on_transfer;
	fo.callbacks.payload = &pc;
	fo.callbacks.credentials = on_credentials;
	/* The refspecs already name every tag (forced); auto-following would
	 * only add a second, unforced, pass over them. */
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.proxy_opts.type = GIT_PROXY_AUTO;
	if ((grc = git_remote_fetch(remote, &specs, &fo, "berth: fetch")) < 0) {
		if (pc.canceled) {
			diags_add(d, DIAG_ERROR, "repository '%s': fetch canceled", def->name);
			return BERTH_ECANCELED;
		}
		git_diag(d, def->name, "repository '%s': could not fetch from %s", def->name, def->url);
		return git_net_code(grc);
	}
	return 0;
}

static int sync_existing(const struct repo_opts *o, const struct repo_def *def, const char *path,
			 unsigned *did, git_oid *commit, struct diags *d)
{
	struct progress_ctx pc = { o, def->name, false, 0 };
	struct resolution res = { 0 };
	struct strvec dirty = STRVEC_INIT;
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_reference *head = NULL;
	char *url = NULL;
	int rc;

	if ((rc = open_clone(path, def->name, &repo, d)) < 0)
		goto cleanup;
	url = origin_url(repo);
	if (!same_repo_url(url, def->url)) {
		url_conflict(d, def, path, url);
		rc = BERTH_ECONFLICT;
		goto cleanup;
	}
	/* Same repository, other credentials (a rotated token): use the
	 * spec's from now on. */
	if (strcmp(url, def->url) && git_remote_set_url(repo, "origin", def->url) < 0) {
		git_diag(d, def->name, "repository '%s': could not update the origin URL", def->name);
		rc = BERTH_EIO;
		goto cleanup;
	}
	/* Refuse before any network: a dirty clone stays exactly as it is,
	 * refs included. */
	if ((rc = collect_dirty(repo, def->name, &dirty, d)) < 0)
		goto cleanup;
	if (dirty.n) {
		dirty_message(d, def->name, path, &dirty, "apply");
		rc = BERTH_ECONFLICT;
		goto cleanup;
	}
	if (git_remote_lookup(&remote, repo, "origin") < 0) {
		git_diag(d, def->name, "repository '%s': no origin remote", def->name);
		rc = BERTH_EIO;
		goto cleanup;
	}
	if ((rc = resolve_ref(repo, remote, o, def, true, &res, d)) < 0)
		goto cleanup;
	if (res.need_fetch) {
		if ((rc = fetch_origin(remote, o, def, d)) < 0)
			goto cleanup;
		*did |= REPO_DID_FETCH;
		resolution_release(&res);
		if ((rc = resolve_ref(repo, NULL, o, def, false, &res, d)) < 0)
			goto cleanup;
		if (!res.found) {
			not_found(d, def);
			rc = BERTH_ENOTFOUND;
			goto cleanup;
		}
	}
	if (git_repository_head(&head, repo) == 0 &&
	    git_oid_equal(git_reference_target(head), &res.commit) &&
	    git_repository_head_detached(repo) == 1) {
		git_oid_cpy(commit, &res.commit);
		rc = 0;
		goto cleanup;
	}
	if ((rc = checkout_detached(repo, &res.commit, false, &pc, def, d)) < 0)
		goto cleanup;
	*did |= REPO_DID_CHECKOUT;
	git_oid_cpy(commit, &res.commit);
	rc = 0;
cleanup:
	free(url);
	strvec_clear(&dirty);
	resolution_release(&res);
	git_reference_free(head);
	git_remote_free(remote);
	git_repository_free(repo);
	return rc;
}

int repo_sync(const struct repo_opts *o, const struct repo_def *def, unsigned *did_out,
	      char *commit_out, struct diags *d)
{
	char *dir = NULL, *path = NULL;
	unsigned did = 0;
	git_oid commit;
	int rc;

	if ((rc = check_def(o, def, d)) < 0)
		return rc;
	dir = repos_dir(o);
	path = xasprintf("%s/%s", dir, def->name);
	if ((rc = path_exists(path, d)) < 0)
		goto cleanup;
	if (rc == 0) {
		if ((rc = clone_fresh(o, def, dir, path, &commit, d)) < 0)
			goto cleanup;
		did = REPO_DID_CLONE | REPO_DID_CHECKOUT;
	} else if ((rc = sync_existing(o, def, path, &did, &commit, d)) < 0) {
		goto cleanup;
	}
	if (did_out)
		*did_out = did;
	if (commit_out)
		git_oid_tostr(commit_out, 41, &commit);
	rc = 0;
cleanup:
	free(dir);
	free(path);
	return rc;
}

/* ---------------------------------------------------------------- remove */

int repo_remove(const struct repo_opts *o, const char *name, struct diags *d)
{
	struct strvec dirty = STRVEC_INIT;
	git_repository *repo = NULL;
	char *dir = NULL, *path = NULL, *aside = NULL;
	int rc;

	if (!o || !o->project_dir || !name || !*name || strchr(name, '/') || name[0] == '.') {
		diags_add(d, DIAG_ERROR, "repository name '%s' is not a plain folder name",
			  name ? name : "(null)");
		return BERTH_EINVAL;
	}
	dir = repos_dir(o);
	path = xasprintf("%s/%s", dir, name);
	if ((rc = path_exists(path, d)) <= 0)
		goto cleanup; /* 0: already gone */
	if ((rc = open_clone(path, name, &repo, d)) < 0)
		goto cleanup;
	if ((rc = collect_dirty(repo, name, &dirty, d)) < 0)
		goto cleanup;
	git_repository_free(repo);
	repo = NULL;
	if (dirty.n) {
		dirty_message(d, name, path, &dirty, "the removal");
		rc = BERTH_ECONFLICT;
		goto cleanup;
	}
	aside = xasprintf("%s/.%s.remove-%ld-XXXXXX", dir, name, (long)getpid());
	/* mkdtemp reserves a unique name; the rename replaces that empty folder. */
	if (!mkdtemp(aside) || rename(path, aside) < 0) {
		diags_add(d, DIAG_ERROR, "could not remove %s: %s", path, strerror(errno));
		rmdir(aside);
		rc = BERTH_EIO;
		goto cleanup;
	}
	rc = rmtree(aside, d);
cleanup:
	strvec_clear(&dirty);
	git_repository_free(repo);
	free(dir);
	free(path);
	free(aside);
	return rc;
}
