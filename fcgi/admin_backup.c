/*
 * The admin command's backup: a copy of the database as it is at one moment, taken while
 * the server runs (SQLite's online backup API), into a new file that only its maker reads.
 *
 * Root does not open the database in a folder the workers' user owns (admin_open becomes
 * that user first), and that user may not write where root keeps backups. So as root, a
 * child that has become the database's owner takes the copy into a file beside the
 * database, and root moves its bytes into the file it made itself.
 */
#define _GNU_SOURCE
#include "admin.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void fmt_bytes(long long n, char *out, size_t cap)
{
	if (n >= 1024 * 1024)
		(void)snprintf(out, cap, "%.1f MB", (double)n / (1024.0 * 1024.0));
	else
		(void)snprintf(out, cap, "%lld KB", (n + 1023) / 1024);
}

/* Open the database (as its owner) and copy it into path, an empty file. EX_OK or EX_FAIL
 * (said on stderr). */
static int copy_into(struct cli *cli, const char *path, struct store_backup_info *info)
{
	struct err e;
	int rc;

	if ((rc = admin_open(cli)) != EX_OK)
		return rc;
	err_init(&e);
	if (store_backup(cli->store, path, info, &e) != 0) {
		fprintf(stderr, "runbox: %s\n", e.msg);
		return EX_FAIL;
	}
	return EX_OK;
}

/* Copy the bytes of the file at from (the owner's copy) into fd. 0, or -1 with errno. */
static int move_bytes(const char *from, uid_t owner, int fd)
{
	char buf[1 << 16];
	struct stat st;
	ssize_t n;
	int in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (in < 0)
		return -1;
	if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != owner) {
		close(in);
		errno = EPERM;
		return -1;
	}
	while ((n = read(in, buf, sizeof buf)) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));

			if (w < 0) {
				close(in);
				return -1;
			}
			off += w;
		}
	}
	close(in);
	return n < 0 || fsync(fd) != 0 ? -1 : 0;
}

/* As root, for a database folder owned by owner: the copy is taken by a child that has
 * become owner, into tmp beside the database, then moved into fd. */
static int copy_as_owner(struct cli *cli, uid_t owner, const char *tmp, int fd,
			 struct store_backup_info *info)
{
	int pipefd[2], status, rc = EX_FAIL;
	pid_t pid;

	if (pipe(pipefd) != 0 || (pid = fork()) < 0) {
		fprintf(stderr, "runbox: backup: %s\n", strerror(errno));
		return EX_FAIL;
	}
	if (pid == 0) {
		int t;

		close(pipefd[0]);
		rc = admin_load_conf(cli);
		/* admin_open becomes the owner before it opens anything there. */
		if (rc == EX_OK && (rc = admin_open(cli)) == EX_OK) {
			if ((t = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600)) < 0) {
				fprintf(stderr, "runbox: backup: %s: %s\n", tmp, strerror(errno));
				rc = EX_FAIL;
			} else {
				struct err e;

				close(t);
				err_init(&e);
				if (store_backup(cli->store, tmp, info, &e) != 0) {
					fprintf(stderr, "runbox: %s\n", e.msg);
					rc = EX_FAIL;
				} else if (write(pipefd[1], info, sizeof *info) != (ssize_t)sizeof *info) {
					rc = EX_FAIL;
				}
			}
		}
		_exit(rc);
	}
	close(pipefd[1]);
	if (read(pipefd[0], info, sizeof *info) == (ssize_t)sizeof *info)
		rc = EX_OK;
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		rc = EX_FAIL;
	if (rc == EX_OK && move_bytes(tmp, owner, fd) != 0) {
		fprintf(stderr, "runbox: backup: moving the copy from %s: %s\n", tmp, strerror(errno));
		rc = EX_FAIL;
	}
	(void)unlink(tmp);
	return rc;
}

int admin_backup(struct cli *cli, int argc, char **argv)
{
	const char *file = NULL;
	struct store_backup_info info;
	char size[32], dir[CONF_PATH_MAX], tmp[CONF_PATH_MAX + 64];
	struct stat st;
	int rc, fd;

	if ((rc = admin_parse(cli, argc, argv, NULL, &file, "FILE", 1)) != 0)
		return rc;
	if ((rc = admin_load_conf(cli)) != EX_OK)
		return rc;
	/* A new file, readable by its maker only (it holds everyone's code and key hashes);
	 * never one that exists, never through a symlink. */
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "runbox: backup: %s: %s%s\n", file, strerror(errno),
			errno == EEXIST ? " (a backup never replaces a file: name a new one)" : "");
		return EX_FAIL;
	}
	(void)snprintf(dir, sizeof dir, "%s", cli->conf.db_path);
	(void)dirname(dir);
	if (getuid() == 0 && stat(dir, &st) == 0 && st.st_uid != 0) {
		(void)snprintf(tmp, sizeof tmp, "%s/.runbox-backup-%ld.db", dir, (long)getpid());
		rc = copy_as_owner(cli, st.st_uid, tmp, fd, &info);
		close(fd);
	} else {
		close(fd);
		rc = copy_into(cli, file, &info);
	}
	if (rc != EX_OK) {
		(void)unlink(file);
		return rc;
	}
	if (cli->json)
		return admin_print_json(json_pack("{s:s, s:I, s:I, s:I, s:I}", "file", file,
						  "bytes", (json_int_t)info.bytes,
						  "runs", (json_int_t)info.runs,
						  "users", (json_int_t)info.users,
						  "exercises", (json_int_t)info.exercises));
	fmt_bytes(info.bytes, size, sizeof size);
	printf("Backed up the database to %s (%s): %lld runs, %lld users, %lld exercises.\n"
	       "To restore it: stop runbox, copy the file over %s (and remove the -wal and -shm\n"
	       "files beside it), give it to %s, and start runbox again.\n", file, size,
	       info.runs, info.users, info.exercises, cli->conf.db_path, cli->conf.worker_user);
	return EX_OK;
}
