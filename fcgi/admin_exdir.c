/*
 * admin_exdir: an exercise's folder read without following links (admin_exdir.h).
 */
#include "admin_exdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin_fmt.h"
#include "buf.h"

static int sys_fail(const struct exdir *d, const char *rel, int err, struct err *e)
{
	return err_set(e, RC_INTERNAL, "cannot read %s/%s: %s", d->dir, rel, strerror(err));
}

static int link_refused(const struct exdir *d, const char *rel, struct err *e)
{
	return err_set(e, RC_BAD_REQUEST, "%s/%s is a symbolic link: runbox follows no link in an "
		       "exercise's folder (one could lead out of it); put the file or folder "
		       "itself there", d->dir, rel);
}

/* name in the folder open as at (DIR/rel in messages): its type looked at without
 * following a link, then opened without following one and checked to be that same file
 * (it may have been swapped for a link in between). O_NONBLOCK: a FIFO put there
 * meanwhile cannot hang the open. RC_NOT_FOUND, without a message, if it is not there. */
static int open_at(const struct exdir *d, int at, const char *name, const char *rel,
		   struct stat *st, int *fd, struct err *e)
{
	struct stat again;

	*fd = -1;
	if (fstatat(at, name, st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? RC_NOT_FOUND : sys_fail(d, rel, errno, e);
	if (S_ISLNK(st->st_mode))
		return link_refused(d, rel, e);
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		return err_set(e, RC_BAD_REQUEST, "%s/%s is neither a file nor a folder: an "
			       "exercise's folder holds only those", d->dir, rel);
	*fd = openat(at, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
		     (S_ISDIR(st->st_mode) ? O_DIRECTORY : 0));
	if (*fd < 0)
		return errno == ELOOP ? link_refused(d, rel, e)
		       : errno == ENOENT ? RC_NOT_FOUND : sys_fail(d, rel, errno, e);
	if (fstat(*fd, &again) != 0 || again.st_dev != st->st_dev || again.st_ino != st->st_ino ||
	    (again.st_mode & S_IFMT) != (st->st_mode & S_IFMT)) {
		close(*fd);
		*fd = -1;
		return err_set(e, RC_BAD_REQUEST, "%s/%s changed while it was read: try again",
			       d->dir, rel);
	}
	*st = again;
	return 0;
}

/* path (relative, checked by exercise_parse: no "..", "." or empty parts) opened a part
 * at a time from the folder; what names it in messages ("starter.python"). */
static int open_path(const struct exdir *d, const char *path, const char *what,
		     struct stat *st, int *fd, struct err *e)
{
	char part[EXERCISE_PATH_MAX], rel[EXERCISE_PATH_MAX];
	size_t i = 0, n = strlen(path);
	int at = d->fd, next = -1, rc;

	*fd = -1;
	if (n == 0 || n >= sizeof part)
		return err_set(e, RC_BAD_REQUEST, "%s: '%s' is not a file of the folder", what, path);
	for (;;) {
		size_t len = strcspn(path + i, "/");

		memcpy(part, path + i, len);
		part[len] = '\0';
		(void)snprintf(rel, sizeof rel, "%.*s", (int)(i + len), path);
		rc = open_at(d, at, part, rel, st, &next, e);
		if (at != d->fd)
			close(at);
		if (rc == RC_NOT_FOUND)
			return err_set(e, RC_NOT_FOUND, "%s/%s is missing, and exercise.conf names "
				       "%s as %s: add it to the folder or correct exercise.conf",
				       d->dir, rel, path, what);
		if (rc != 0)
			return rc;
		i += len + 1;
		if (i >= n) {
			*fd = next;
			return 0;
		}
		if (!S_ISDIR(st->st_mode)) {
			close(next);
			return err_set(e, RC_NOT_FOUND, "%s/%s is a file, not a folder, and exercise.conf "
				       "names %s as %s: correct exercise.conf", d->dir, rel, path, what);
		}
		at = next;
	}
}

/* The regular file open as fd (rel in messages) into *data (NUL-terminated), within the
 * caps. Closes fd. */
static int read_file(struct exdir *d, int fd, const struct stat *st, const char *rel,
		     unsigned char **data, size_t *len, struct err *e)
{
	size_t size = (size_t)st->st_size, got = 0;
	char sz[24];
	ssize_t r;
	int rc = 0;

	*data = NULL;
	fmt_size((long long)st->st_size, sz, sizeof sz);
	if (st->st_size > EXDIR_FILE_MAX)
		rc = err_set(e, RC_BAD_REQUEST, "%s/%s is %lld bytes: a file of an exercise may be at "
			     "most 1 MB (%ld bytes)", d->dir, rel, (long long)st->st_size,
			     EXDIR_FILE_MAX);
	else if (d->total + size > EXDIR_TOTAL_MAX)
		rc = err_set(e, RC_BAD_REQUEST, "%s: the exercise's files come to more than 8 MB "
			     "with %s (%s): an exercise may hold at most 8 MB; make its largest "
			     "files smaller", d->dir, rel, sz);
	else if ((*data = malloc(size + 1)) == NULL)
		rc = err_set(e, RC_NOMEM, "out of memory");
	/* One byte more than its size: a file that grew meanwhile is noticed. */
	while (rc == 0 && got < size + 1) {
		r = read(fd, *data + got, size + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = sys_fail(d, rel, errno, e);
		else if (r == 0)
			break;
		else
			got += (size_t)r;
	}
	close(fd);
	if (rc == 0 && got != size)
		rc = err_set(e, RC_BAD_REQUEST, "%s/%s changed while it was read: try again",
			     d->dir, rel);
	if (rc != 0) {
		free(*data);
		*data = NULL;
		return rc;
	}
	(*data)[got] = '\0';
	*len = got;
	d->total += got;
	return 0;
}

static int known(const struct exdir *d, const char *rel)
{
	for (size_t i = 0; i < d->nfiles; i++)
		if (strcmp(d->files[i].path, rel) == 0)
			return 1;
	return 0;
}

/* Read the regular file open as fd and keep it as rel. Closes fd. */
static int read_keep(struct exdir *d, int fd, const struct stat *st, const char *rel,
		     struct err *e)
{
	struct exercise_file *f;
	unsigned char *data;
	size_t len;
	int rc;

	if (d->nfiles == EXDIR_FILES_MAX) {
		close(fd);
		return err_set(e, RC_BAD_REQUEST, "%s: more than %d files: an exercise may have at "
			       "most %d", d->dir, EXDIR_FILES_MAX, EXDIR_FILES_MAX);
	}
	if (d->nfiles == d->cap) {
		size_t want = d->cap ? 2 * d->cap : 16;

		if ((f = realloc(d->files, want * sizeof *f)) == NULL) {
			close(fd);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		d->files = f;
		d->cap = want;
	}
	if ((rc = read_file(d, fd, st, rel, &data, &len, e)) != 0)
		return rc;
	f = &d->files[d->nfiles];
	if ((f->path = strdup(rel)) == NULL) {
		free(data);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	f->content = data;
	f->len = len;
	d->nfiles++;
	return 0;
}

/* A name of a file under a suite folder becomes a stored path that students' programs
 * and JSON will carry: printable UTF-8 only. */
static int name_ok(const char *name)
{
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return utf8_valid((const unsigned char *)name, strlen(name));
}

/* Every regular file under the folder open as fd (rel: its path), as rel/NAME; *seen
 * counts them, read now or before. Closes fd. */
static int walk(struct exdir *d, int fd, const char *rel, int depth, size_t *seen,
		struct err *e)
{
	DIR *dir = fdopendir(fd);
	char child[EXERCISE_PATH_MAX];
	struct dirent *de;
	struct stat st;
	int cfd, n, rc = 0;

	if (dir == NULL) {
		rc = sys_fail(d, rel, errno, e);
		close(fd);
		return rc;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(dir)) == NULL) {
			if (errno != 0)
				rc = sys_fail(d, rel, errno, e);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		n = snprintf(child, sizeof child, "%s/%s", rel, de->d_name);
		if (n < 0 || (size_t)n >= sizeof child) {
			rc = err_set(e, RC_BAD_REQUEST, "%s/%s/%s: the path is too long (at most %d "
				     "characters within the folder)", d->dir, rel, de->d_name,
				     EXERCISE_PATH_MAX - 1);
			break;
		}
		if (!name_ok(de->d_name)) {
			rc = err_set(e, RC_BAD_REQUEST, "%s/%s: a file under %s has a name that is not "
				     "plain UTF-8 text: rename it", d->dir, rel, rel);
			break;
		}
		if ((rc = open_at(d, dirfd(dir), de->d_name, child, &st, &cfd, e)) == RC_NOT_FOUND)
			rc = err_set(e, RC_BAD_REQUEST, "%s/%s vanished while it was read: try again",
				     d->dir, child);
		if (rc != 0)
			break;
		if (S_ISDIR(st.st_mode) && depth + 1 >= EXDIR_DEPTH_MAX) {
			close(cfd);
			rc = err_set(e, RC_BAD_REQUEST, "%s/%s: folders nested more than %d deep",
				     d->dir, child, EXDIR_DEPTH_MAX);
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk(d, cfd, child, depth + 1, seen, e);
		} else {
			++*seen;
			rc = known(d, child) ? (close(cfd), 0) : read_keep(d, cfd, &st, child, e);
		}
		if (rc != 0)
			break;
	}
	closedir(dir);
	return rc;
}

/* The file (or, if dir_ok, the folder) path that exercise.conf names as what. */
static int add(struct exdir *d, const char *path, const char *what, int dir_ok,
	       struct err *e)
{
	char rel[EXERCISE_PATH_MAX];
	size_t n = (size_t)snprintf(rel, sizeof rel, "%s", path), seen = 0;
	struct stat st;
	int fd, rc;

	while (n > 1 && rel[n - 1] == '/')
		rel[--n] = '\0';
	if (known(d, rel))
		return 0;
	if ((rc = open_path(d, rel, what, &st, &fd, e)) != 0)
		return rc;
	if (!S_ISDIR(st.st_mode))
		return read_keep(d, fd, &st, rel, e);
	if (!dir_ok) {
		close(fd);
		return err_set(e, RC_BAD_REQUEST, "%s/%s is a folder, but %s must name a file: "
			       "correct exercise.conf", d->dir, rel, what);
	}
	if ((rc = walk(d, fd, rel, 0, &seen, e)) == 0 && seen == 0)
		rc = err_set(e, RC_BAD_REQUEST, "%s/%s is an empty folder, and exercise.conf names "
			     "it as %s: put the suite's files in it", d->dir, rel, what);
	return rc;
}

int exdir_read_all(struct exdir *d, const struct exercise *x, struct err *e)
{
	char what[128];
	int rc = 0;

	if (x->instructions[0])
		rc = add(d, x->instructions, "instructions", 0, e);
	for (size_t i = 0; i < x->nlangs && rc == 0; i++) {
		const struct exercise_lang *l = &x->langs[i];

		(void)snprintf(what, sizeof what, "starter.%s", l->id);
		if (l->starter[0] && (rc = add(d, l->starter, what, 0, e)) != 0)
			break;
		(void)snprintf(what, sizeof what, "suite.%s", l->id);
		if (l->suite[0])
			rc = add(d, l->suite, what, 1, e);
	}
	for (size_t i = 0; i < x->ncases && rc == 0; i++) {
		const struct exercise_case *c = &x->cases[i];

		(void)snprintf(what, sizeof what, "stdin_file of case %s", c->name);
		if (c->stdin_file[0] && (rc = add(d, c->stdin_file, what, 0, e)) != 0)
			break;
		(void)snprintf(what, sizeof what, "expected_file of case %s", c->name);
		if (c->expected_file[0] && (rc = add(d, c->expected_file, what, 0, e)) != 0)
			break;
		(void)snprintf(what, sizeof what, "a file of case %s", c->name);
		for (size_t f = 0; f < c->nfiles && rc == 0; f++)
			rc = add(d, c->files[f], what, 0, e);
	}
	return rc;
}

int exdir_open(struct exdir *d, const char *dir, struct err *e)
{
	unsigned char *text = NULL;
	size_t n, len = 0;
	struct stat st;
	int fd, rc;

	memset(d, 0, sizeof *d);
	d->fd = -1;
	n = (size_t)snprintf(d->dir, sizeof d->dir, "%s", dir);
	if (n >= sizeof d->dir)
		return err_set(e, RC_BAD_REQUEST, "%.40s...: the folder's path is too long", dir);
	while (n > 1 && d->dir[n - 1] == '/')
		d->dir[--n] = '\0';
	if ((d->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? err_set(e, RC_NOT_FOUND, "%s: no such folder", d->dir)
		       : errno == ENOTDIR ? err_set(e, RC_BAD_REQUEST, "%s is not a folder: give the "
						    "exercise's folder, the one that holds "
						    "exercise.conf", d->dir)
		       : err_set(e, RC_INTERNAL, "cannot open %s: %s", d->dir, strerror(errno));
	if ((rc = open_path(d, "exercise.conf", "the definition", &st, &fd, e)) == RC_NOT_FOUND)
		return err_set(e, RC_NOT_FOUND, "%s has no exercise.conf: an exercise's folder holds "
			       "its definition in a file of that name (its format is in "
			       "core/exercise.h)", d->dir);
	if (rc != 0)
		return rc;
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(e, RC_BAD_REQUEST, "%s/exercise.conf is a folder: it must be the "
			       "exercise's definition, a text file", d->dir);
	}
	if ((rc = read_file(d, fd, &st, "exercise.conf", &text, &len, e)) != 0)
		return rc;
	if (memchr(text, '\0', len) != NULL || !utf8_valid(text, len)) {
		free(text);
		return err_set(e, RC_BAD_REQUEST, "%s/exercise.conf is not UTF-8 text: save it as "
			       "UTF-8 (any editor can)", d->dir);
	}
	d->definition = (char *)text;
	return 0;
}

void exdir_release(struct exdir *d)
{
	for (size_t i = 0; i < d->nfiles; i++) {
		free(d->files[i].path);
		free(d->files[i].content);
	}
	free(d->files);
	free(d->definition);
	if (d->fd >= 0)
		close(d->fd);
	memset(d, 0, sizeof *d);
	d->fd = -1;
}
