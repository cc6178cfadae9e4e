/* Files berth keeps for itself under .berth/: private folders, atomic writes,
 * reads that never follow symlinks, and the per-stack lock.
 *
 * Why so careful: .berth/ holds physical ids and last applied values, and may
 * sit in a shared or world-writable working folder; a symlink planted there
 * must not redirect a write or a read, and a crash mid-write must leave either
 * the old file or the new one, never half of one (git's lockfile.h idea). */
#ifndef BERTH_FSUTIL_H
#define BERTH_FSUTIL_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/buf.h"
#include "util/diag.h"

/* Writes data to path atomically: a new temp file in the same folder
 * (O_CREAT|O_EXCL|O_NOFOLLOW, so nothing pre-planted is reused), the data,
 * fsync, rename over path, fsync of the folder so the rename itself survives a
 * crash. mode 0 means 0600; the mode is set exactly (umask does not apply).
 * Readers see the old content or the new, never a mix. On failure the temp file
 * is removed and path is untouched. BERTH_EIO with a diagnostic on failure. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		    struct diags *d);

/* Creates path as a folder with mode 0700, creating missing parents (also
 * 0700). An existing folder is accepted when it is a real folder (not a symlink)
 * owned by the effective user; its group/other permission bits are then
 * removed, since berth's files in it must be private. Anything else is
 * BERTH_EIO with a diagnostic saying what is wrong. */
int fs_mkdir_private(const char *path, struct diags *d);

/* Reads a whole regular file into out (appending), refusing a symlink
 * (O_NOFOLLOW) or anything but a regular file. BERTH_ENOTFOUND when path does
 * not exist (with no diagnostic: a missing file is often normal), BERTH_EIO
 * with a diagnostic otherwise. */
int fs_read_nofollow(const char *path, struct buf *out, struct diags *d);

/* The current UTC time as ISO-8601 ("2026-11-24T16:02:11Z") into out. */
void fs_iso8601_now(char out[21]);

/* berth's per-user state folder, where what belongs to a stack rather than to
 * a project folder lives (the stack locks): $XDG_STATE_HOME/berth when that
 * is an absolute path (the XDG base directory rule), else
 * $HOME/.local/state/berth. Sets *out (caller frees) to the path, which may
 * not exist yet (fs_mkdir_private makes it); BERTH_EINVAL with a diagnostic
 * when neither variable is usable. */
int fs_user_state_dir(char **out, struct diags *d);

/* ---- The stack lock ----
 *
 * DIR/NAME.lock holds JSON {"pid", "host", "started", "command"} describing the
 * holder. It is created complete and exclusively: the content goes to a private
 * temp file first, then link(2) puts it at DIR/NAME.lock, which, like
 * O_CREAT|O_EXCL, fails if the lock exists; unlike creating it in place, no
 * other process can ever read a half-written lock. */
struct fs_lock {
	/* Fixed storage, so that releasing needs no allocator and can run from a
	 * signal handler. Empty when not held. */
	char path[PATH_MAX];
};

#define FS_LOCK_INIT { { 0 } }

/* Takes the lock for stack NAME in DIR (which must exist; see
 * fs_mkdir_private). command describes the holder for others
 * ("berth apply").
 *
 * If the lock is held by a process that is gone (same host, kill(pid, 0) says
 * ESRCH), the lock is stale: it is taken over atomically (the new lock is
 * renamed over the stale one, so the lock file never disappears in between and
 * two processes cannot both win) and a DIAG_WARNING says so. If it is held by a
 * live process, on another host, or cannot be understood, returns
 * BERTH_ELOCKED with a diagnostic naming the holder and how to clear it:
 *   stack 'x' is locked by pid 1234 (berth apply) since 2026-11-24T16:02:11Z;
 *   wait for it or, if that process is gone, remove .berth/x.lock
 * (A reused pid makes a dead holder look alive; the message tells the user
 * what to remove then.) A lock path that cannot be read as a lock (a
 * symlink, not a regular file) is BERTH_ELOCKED, saying what to remove; it is
 * never followed nor replaced. A NAME with '/' or a leading '.' is
 * BERTH_EINVAL; other failures are BERTH_EIO. *lock is set only on success. */
int fs_lock_acquire(const char *dir, const char *name, const char *command,
		    struct fs_lock *lock, struct diags *d);

/* Releases a held lock (a no-op on one not held). Async-signal-safe: only
 * unlink(2) of the stored path and a store, so a SIGINT/SIGTERM handler may
 * call it before re-raising the signal. */
void fs_lock_release(struct fs_lock *lock);

#endif
