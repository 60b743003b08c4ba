#define _GNU_SOURCE
#include "privsep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

void privsep_identity(const struct conf *c, struct worker_id *w)
{
	struct passwd *pw = getpwnam(c->worker_user);

	if (getuid() != 0) {
		*w = (struct worker_id){ getuid(), getgid() };
		return;
	}
	if (pw == NULL || pw->pw_uid == 0 || pw->pw_gid == 0)
		fatal("worker_user '%s' %s: the workers must run as a user of their own, without "
		      "access to Docker. Create it with: useradd --system --no-create-home --shell "
		      "/usr/sbin/nologin %s", c->worker_user, pw ? "is root" : "does not exist",
		      c->worker_user);
	*w = (struct worker_id){ pw->pw_uid, pw->pw_gid };
}

static void become(const struct worker_id *w)
{
	if (getuid() != 0)
		return;
	if (setgroups(0, NULL) != 0 || setgid(w->gid) != 0 || setuid(w->uid) != 0 ||
	    setuid(0) == 0)
		fatal("cannot drop to uid %ld: %s", (long)w->uid, strerror(errno));
}

void privsep_drop_worker(const struct conf *c, const struct worker_id *w)
{
	(void)prctl(PR_SET_NAME, "runbox-worker");
	become(w);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		fatal("worker: prctl: %s", strerror(errno));
	if (geteuid() != 0 && access(c->docker_socket, R_OK | W_OK) == 0)
		fatal("worker_user '%s' may use Docker's socket %s (through its group?): give the "
		      "workers a user of their own, outside the docker group", c->worker_user,
		      c->docker_socket);
}

int privsep_as_worker(const struct worker_id *w, int (*fn)(void *arg), void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid < 0) {
		log_warn("fork");
		return -1;
	}
	if (pid == 0) {
		become(w);
		(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		_exit(fn(arg));
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Is every entry of the folder dfd the database's own (name, name-wal, name-shm,
 * name.new-*)? */
static int only_db_files(int dfd, const char *name)
{
	size_t n = strlen(name);
	struct dirent *d;
	int fd = dup(dfd), ok = 1;
	DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;

	if (dp == NULL) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (ok && (d = readdir(dp)) != NULL) {
		const char *x = d->d_name;

		ok = strcmp(x, ".") == 0 || strcmp(x, "..") == 0 ||
		     (strncmp(x, name, n) == 0 && (x[n] == '\0' || strcmp(x + n, "-wal") == 0 ||
						   strcmp(x + n, "-shm") == 0 ||
						   strncmp(x + n, ".new-", 5) == 0));
	}
	closedir(dp);
	return ok;
}

/* The database's own files in dfd (a plain file with one link each, never a symlink) to w. */
static void give_files(int dfd, const char *name, const struct worker_id *w)
{
	static const char *const ext[] = { "", "-wal", "-shm" };
	char f[CONF_PATH_MAX + 8];

	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		struct stat st;
		int fd;

		(void)snprintf(f, sizeof f, "%s%s", name, ext[i]);
		fd = openat(dfd, f, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
		    st.st_uid != w->uid && fchown(fd, w->uid, w->gid) != 0)
			log_warn("chown %s", f);
		close(fd);
	}
}

void privsep_give_db(const struct conf *c, const struct worker_id *w)
{
	char path[CONF_PATH_MAX], dir[CONF_PATH_MAX], name[CONF_PATH_MAX], parent[CONF_PATH_MAX];
	struct stat st, pst;
	int dfd;

	if (getuid() != 0 || c->db_path[0] != '/')
		return;
	(void)snprintf(path, sizeof path, "%s", c->db_path);
	(void)snprintf(dir, sizeof dir, "%s", dirname(path));
	(void)snprintf(path, sizeof path, "%s", c->db_path);
	(void)snprintf(name, sizeof name, "%s", basename(path));
	(void)snprintf(path, sizeof path, "%s", dir);
	(void)snprintf(parent, sizeof parent, "%s", dirname(path));
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return; /* its parent is missing: the run log says it is unusable */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return; /* not a folder (or a symlink): the same */
	if (fstat(dfd, &st) != 0 || st.st_uid == w->uid) {
		if (st.st_uid == w->uid)
			give_files(dfd, name, w); /* files an earlier root process left */
		close(dfd);
		return;
	}
	/* A folder given away must not be one that someone else could swap or fill: its parent
	 * only root may write, and it holds nothing but the database. */
	if (stat(parent, &pst) != 0 || pst.st_uid != 0 || (pst.st_mode & (S_IWGRP | S_IWOTH)) ||
	    (st.st_mode & (S_IWOTH | S_ISVTX)) || !only_db_files(dfd, name))
		fatal("the database's folder %s %s, so it cannot be given to the workers' user (%s), "
		      "who keep the run log: give db_path a folder of its own in a folder only root "
		      "may write, e.g. /var/lib/runbox/runbox.db, or chown that folder to %s", dir,
		      (st.st_mode & (S_IWOTH | S_ISVTX)) ? "is writable by everyone"
		      : pst.st_uid != 0 || (pst.st_mode & (S_IWGRP | S_IWOTH)) ? "is in a folder others may write"
		      : "holds other files", c->worker_user, c->worker_user);
	if (fchown(dfd, w->uid, w->gid) != 0 || fchmod(dfd, 0750) != 0)
		fatal("cannot give %s to %s: %s", dir, c->worker_user, strerror(errno));
	give_files(dfd, name, w);
	close(dfd);
}
