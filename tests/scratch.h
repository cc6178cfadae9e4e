/* Scratch folders for the C unit tests: make one, look into it, remove it
 * whole. Header-only like harness.h (each test is its own program); static
 * inline so a test that uses only some of these gets no unused warnings.
 * Include after util/common.h, which sets the feature macros nftw needs. */
#ifndef BERTH_TEST_SCRATCH_H
#define BERTH_TEST_SCRATCH_H

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Makes /tmp/PREFIX-XXXXXX (a fresh, private folder) into out. */
static inline void scratch_make(char *out, size_t len, const char *prefix)
{
	snprintf(out, len, "/tmp/%s-XXXXXX", prefix);
	if (!mkdtemp(out))
		abort();
}

static inline int scratch_remove_one(const char *path, const struct stat *st, int flag,
				     struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Removes path and everything below it; links are removed, not followed. */
static inline void scratch_remove(const char *path)
{
	nftw(path, scratch_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Entries in a folder (not . and ..); -1 when it cannot be opened. */
static inline int scratch_count(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	int n = 0;
	if (!dir)
		return -1;
	while ((e = readdir(dir)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(dir);
	return n;
}

/* A path's permission bits (not followed through a link); (mode_t)-1 when
 * it does not exist. */
static inline mode_t scratch_mode(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

#endif
