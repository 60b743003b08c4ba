/*
 * suite: see suite.h.
 */
#define _GNU_SOURCE
#include "suite.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

void suite_id(const struct run_file *files, size_t n, char id[SHA256_HEX])
{
	unsigned char d[SHA256_DIGEST], len[8];
	struct sha256 c;

	sha256_init(&c);
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < 8; k++)
			len[k] = (unsigned char)((unsigned long long)files[i].len >> (56 - 8 * k));
		sha256_update(&c, files[i].name, strlen(files[i].name) + 1);
		sha256_update(&c, len, sizeof len);
		sha256_update(&c, files[i].data, files[i].len);
	}
	sha256_final(&c, d);
	for (int k = 0; k < SHA256_DIGEST; k++)
		(void)snprintf(id + 2 * k, 3, "%02x", d[k]);
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One file of the suite under the folder dfd, its folders made on the way (0755 while
 * the suite is written, 0555 once it is whole). */
static int put_file(int dfd, const struct run_file *f, struct err *e)
{
	char name[1024], *comp, *slash;
	int d = dfd, fd, rc = 0;

	if (snprintf(name, sizeof name, "%s", f->name) >= (int)sizeof name || name[0] == '/' ||
	    name[0] == '\0')
		return err_set(e, RC_BAD_REQUEST, "a suite file's name is empty, absolute or too long");
	for (comp = name; (slash = strchr(comp, '/')) != NULL; comp = slash + 1) {
		int next;

		*slash = '\0';
		if (strcmp(comp, "..") == 0 || strcmp(comp, ".") == 0 || comp[0] == '\0') {
			rc = err_set(e, RC_BAD_REQUEST, "a suite file's name has a '.', '..' or empty part");
			goto out;
		}
		if (mkdirat(d, comp, 0755) < 0 && errno != EEXIST) {
			rc = err_set(e, RC_INTERNAL, "mkdir %s: %s", comp, strerror(errno));
			goto out;
		}
		next = openat(d, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		*slash = '/';
		if (next < 0) {
			rc = err_set(e, RC_INTERNAL, "open %s: %s", name, strerror(errno));
			goto out;
		}
		if (d != dfd)
			close(d);
		d = next;
	}
	if (strcmp(comp, "..") == 0 || strcmp(comp, ".") == 0) {
		rc = err_set(e, RC_BAD_REQUEST, "a suite file's name has a '.' or '..' part");
		goto out;
	}
	fd = openat(d, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0) {
		rc = err_set(e, errno == EEXIST ? RC_BAD_REQUEST : RC_INTERNAL, "create %s: %s",
			     f->name, strerror(errno));
		goto out;
	}
	if (write_all(fd, f->data, f->len) < 0 || fchmod(fd, 0444) < 0)
		rc = err_set(e, RC_INTERNAL, "write %s: %s", f->name, strerror(errno));
	close(fd);
out:
	if (d != dfd)
		close(d);
	return rc;
}

static int seal_dir(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)ftw;
	return type == FTW_DP ? chmod(path, 0555) : 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (ftw->level == 0)
		return 0; /* the suites folder itself stays */
	if (type == FTW_DP)
		(void)chmod(path, 0700); /* root can remove it regardless; kept for clarity */
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

int suite_put(const char *root, const char *id, const struct run_file *files, size_t n,
	      struct err *e)
{
	char dir[4096], tmp[4096];
	unsigned int r = 0;
	int dfd, rc = 0;

	if (snprintf(dir, sizeof dir, "%s/%s", root, id) >= (int)sizeof dir)
		return err_set(e, RC_INTERNAL, "the suites folder's path is too long");
	if (access(dir, F_OK) == 0)
		return 0; /* written before: its name is its content */
	/* Written aside and renamed into place whole, so a container never sees half a suite
	 * and two runs writing the same suite at once both end with one. */
	(void)getrandom(&r, sizeof r, 0);
	(void)snprintf(tmp, sizeof tmp, "%s/.new-%s-%08x", root, id, r);
	if (mkdir(tmp, 0755) < 0)
		return err_set(e, RC_INTERNAL, "mkdir %s: %s", tmp, strerror(errno));
	if ((dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		rc = err_set(e, RC_INTERNAL, "open %s: %s", tmp, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = put_file(dfd, &files[i], e);
	close(dfd);
	if (rc == 0 && nftw(tmp, seal_dir, 16, FTW_PHYS | FTW_DEPTH) != 0)
		rc = err_set(e, RC_INTERNAL, "sealing %s: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, dir) < 0 && errno != EEXIST && errno != ENOTEMPTY)
		rc = err_set(e, RC_INTERNAL, "rename %s: %s", tmp, strerror(errno));
out:
	if (access(tmp, F_OK) == 0)
		(void)nftw(tmp, remove_entry, 16, FTW_PHYS | FTW_DEPTH), (void)rmdir(tmp);
	return rc;
}

int suite_reset(const char *root, struct err *e)
{
	struct stat st;

	if (mkdir(root, 0711) < 0 && errno != EEXIST)
		return err_set(e, RC_CONFIG, "cannot create the suites folder %s: %s", root,
			       strerror(errno));
	if (lstat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(e, RC_CONFIG, "the suites folder %s is not a folder", root);
	if (chmod(root, 0711) < 0)
		return err_set(e, RC_CONFIG, "chmod %s: %s", root, strerror(errno));
	if (nftw(root, remove_entry, 16, FTW_PHYS | FTW_DEPTH) != 0)
		return err_set(e, RC_CONFIG, "cannot empty the suites folder %s: %s", root,
			       strerror(errno));
	return 0;
}
