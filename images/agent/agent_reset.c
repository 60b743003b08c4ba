/*
 * agent_reset: between two jobs in one container, put back everything a job can leave
 * behind, then prove it is back, against what was measured when the container started
 * (agent.h). The agent runs as the program's own user (no capabilities), so everything the
 * job made is the agent's to remove: its processes, its files (even in folders it locked
 * with chmod 000), its SysV IPC objects and message queues.
 *
 * Proof, after the reset: no process but the agent (by /proc and by the pids cgroup); every
 * writable mount with exactly the blocks and inodes it had, the mode it had and no extended
 * attribute it did not have; no SysV
 * object, no message queue, no more sockets in the network namespace than at the start; the
 * agent's own open fds as at the start and its memory within a small margin; the agent's own
 * rlimits, nice value, scheduling policy, CPU affinity and I/O priority as at the start (a job
 * runs as the agent's uid, so prlimit(1, ...), setpriority and sched_setaffinity on the agent
 * are allowed to it, and every later program would inherit what they set; the agent cannot
 * raise a lowered hard limit or priority again, so such a container is retired). Anything
 * else and the container is retired.
 *
 * What needs no reset, because it cannot cross: the environment, umask, cwd and signal
 * dispositions are set afresh in each child (agent_run.c) from the agent's, which no other
 * process can change; timers, file locks and shared memory mappings die with the processes
 * that hold them; kernel keyrings cannot be made (the seccomp profile refuses add_key and
 * keyctl).
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

/* The writable places a job can reach, as the container config makes them. */
static const char *const writable[RESET_MOUNTS] = { WORKDIR, "/tmp", "/dev/shm", "/dev/mqueue" };

#define DEPTH_MAX 64        /* a deeper tree than this is not worth emptying: retire */
#define RSS_SLACK_KB 1024   /* the agent's heap may keep a freed buffer's pages */

static int fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, cap, fmt, ap);
	va_end(ap);
	return -1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Lines of a /proc table after its header (-1 if it cannot be read). */
static long table_rows(const char *path)
{
	FILE *f = fopen(path, "re");
	long n = -1;
	int c, prev = '\n';

	if (f == NULL)
		return -1;
	while ((c = getc(f)) != EOF) {
		if (prev == '\n')
			n++;
		prev = c;
	}
	fclose(f);
	return n < 0 ? 0 : n;
}

static long count_dir(const char *path, int skip_self_pid)
{
	DIR *d = opendir(path);
	struct dirent *de;
	long n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (skip_self_pid && (de->d_name[0] < '0' || de->d_name[0] > '9'))
			continue; /* /proc: only the process entries */
		n++;
	}
	closedir(d);
	return n;
}

static int mount_use(const char *path, uint64_t *blocks, uint64_t *inodes, unsigned *mode)
{
	struct statfs sf;
	struct stat st;

	if (statfs(path, &sf) < 0 || stat(path, &st) < 0)
		return -1;
	*blocks = (uint64_t)(sf.f_blocks - sf.f_bfree);
	*inodes = (uint64_t)(sf.f_files - sf.f_ffree);
	*mode = (unsigned)(st.st_mode & 07777);
	return 0;
}

/* Extended attributes the job set on a mount's own folder (tmpfs keeps user.* ones): the
 * folder stays, so they would. Removed; the count left is returned (-1: cannot list). */
static long mount_xattrs(const char *path, int remove)
{
	char names[4096];
	ssize_t n = llistxattr(path, names, sizeof names);
	long left = 0;

	if (n < 0)
		return errno == ENOTSUP ? 0 : -1;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		if (remove && lremovexattr(path, names + i) == 0)
			continue;
		left++;
	}
	return left;
}

static long sockets(void)
{
	static const char *const tables[] = { "/proc/net/unix", "/proc/net/tcp", "/proc/net/tcp6",
					      "/proc/net/udp", "/proc/net/udp6", "/proc/net/raw" };
	long n = 0;

	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		long r = table_rows(tables[i]);

		n += r > 0 ? r : 0;
	}
	return n;
}

static uint64_t rss_kb(void)
{
	unsigned long long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f != NULL) {
		if (fscanf(f, "%llu %llu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (uint64_t)res * ((uint64_t)sysconf(_SC_PAGESIZE) / 1024);
}

static long pids_current(void)
{
	uint64_t n;

	if (agent_cgroup_number("/sys/fs/cgroup/pids/pids.current", &n) == 0 ||
	    agent_cgroup_number("/sys/fs/cgroup/pids.current", &n) == 0)
		return n == UINT64_MAX ? -1 : (long)n;
	return -1;
}

/* The agent's own attributes a job could change (struct baseline's self). */
static int self_attrs(struct baseline *b)
{
	memset(&b->self, 0, sizeof b->self);
	for (int r = 0; r < RLIM_NLIMITS; r++)
		if (getrlimit(r, &b->self.rl[r]) != 0)
			return -1;
	errno = 0;
	b->self.nice = getpriority(PRIO_PROCESS, 0);
	if (errno != 0)
		return -1;
	b->self.policy = sched_getscheduler(0);
	b->self.ioprio = (int)syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
	return b->self.policy < 0 || sched_getaffinity(0, sizeof b->self.cpus, &b->self.cpus) != 0 ? -1 : 0;
}

int agent_baseline(struct baseline *b, char *err, size_t cap)
{
	memset(b, 0, sizeof *b);
	for (int i = 0; i < RESET_MOUNTS; i++) {
		b->mount[i].present = mount_use(writable[i], &b->mount[i].blocks,
						&b->mount[i].inodes, &b->mount[i].mode) == 0;
		if (!b->mount[i].present && i == 0)
			return fail(err, cap, "The agent cannot measure %s.", writable[i]);
		b->mount[i].xattrs = b->mount[i].present ? mount_xattrs(writable[i], 0) : 0;
	}
	b->fds = count_dir("/proc/self/fd", 0);
	b->sockets = sockets();
	b->pids = pids_current();
	b->rss_kb = rss_kb();
	if (self_attrs(b) != 0)
		return fail(err, cap, "The agent cannot read its own limits and scheduling.");
	return b->fds < 0 ? fail(err, cap, "The agent cannot count its open files.") : 0;
}

/* Kill every process but us and reap them, until /proc shows none (at most 2 s). */
static int kill_all_others(char *err, size_t cap)
{
	long long deadline = now_ms() + 2000;

	for (;;) {
		long left;

		(void)kill(-1, SIGKILL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		left = count_dir("/proc", 1) - 1; /* all but ourselves */
		if (left <= 0)
			return 0;
		if (now_ms() > deadline)
			return fail(err, cap, "%ld process(es) of the job would not end.", left);
		(void)usleep(5000);
	}
}

/* Remove everything below the folder dfd, never following a symlink; folders the job
 * locked are opened up first (they are ours: the agent is the job's user). */
static int empty_dir(int dfd, int depth, char *err, size_t cap)
{
	DIR *d;
	struct dirent *de;
	int rc = 0, fd = dup(dfd);

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return fail(err, cap, "Cannot read a folder the job left: %s.", strerror(errno));
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		struct stat st;
		int sub;

		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* gone already */
		if (!S_ISDIR(st.st_mode)) {
			if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT)
				rc = fail(err, cap, "Cannot remove a file the job left: %s.", strerror(errno));
			continue;
		}
		if (depth >= DEPTH_MAX)
			rc = fail(err, cap, "The job left folders more than %d levels deep.", DEPTH_MAX);
		else if (fchmodat(dfd, de->d_name, 0700, 0) < 0 ||
			 (sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			rc = fail(err, cap, "Cannot open a folder the job left: %s.", strerror(errno));
		else {
			rc = empty_dir(sub, depth + 1, err, cap);
			close(sub);
			if (rc == 0 && unlinkat(dfd, de->d_name, AT_REMOVEDIR) < 0)
				rc = fail(err, cap, "Cannot remove a folder the job left: %s.", strerror(errno));
		}
	}
	closedir(d);
	return rc;
}

static void remove_ipc(void)
{
	static const char *const tables[] = { "/proc/sysvipc/shm", "/proc/sysvipc/sem", "/proc/sysvipc/msg" };
	char line[512];

	for (int t = 0; t < 3; t++) {
		FILE *f = fopen(tables[t], "re");
		long key, id;

		if (f == NULL)
			continue;
		if (fgets(line, sizeof line, f) == NULL) { /* the header */
			fclose(f);
			continue;
		}
		while (fgets(line, sizeof line, f) != NULL) {
			if (sscanf(line, "%ld %ld", &key, &id) != 2)
				continue;
			if (t == 0)
				(void)shmctl((int)id, IPC_RMID, NULL);
			else if (t == 1)
				(void)semctl((int)id, 0, IPC_RMID);
			else
				(void)msgctl((int)id, IPC_RMID, NULL);
		}
		fclose(f);
	}
}

/* The agent's own attributes as at start (a job may have changed them from outside). */
static int verify_self(const struct baseline *b, char *err, size_t cap)
{
	struct baseline now;

	if (self_attrs(&now) != 0)
		return fail(err, cap, "The agent cannot read its own limits and scheduling.");
	for (int r = 0; r < RLIM_NLIMITS; r++)
		if (now.self.rl[r].rlim_cur != b->self.rl[r].rlim_cur ||
		    now.self.rl[r].rlim_max != b->self.rl[r].rlim_max)
			return fail(err, cap, "The job changed the agent's resource limit %d.", r);
	if (now.self.nice != b->self.nice || now.self.policy != b->self.policy ||
	    now.self.ioprio != b->self.ioprio)
		return fail(err, cap, "The job changed the agent's priority or scheduling.");
	if (!CPU_EQUAL(&now.self.cpus, &b->self.cpus))
		return fail(err, cap, "The job changed the agent's CPU affinity.");
	return 0;
}

/* Every check of the module comment; the first that fails says why. */
static int verify(const struct baseline *b, char *err, size_t cap)
{
	long n;

	if ((n = count_dir("/proc", 1)) != 1)
		return fail(err, cap, "%ld process(es) are left after the reset.", n - 1);
	if (b->pids > 0 && (n = pids_current()) != b->pids)
		return fail(err, cap, "The pids cgroup counts %ld tasks, not %ld.", n, b->pids);
	for (int i = 0; i < RESET_MOUNTS; i++) {
		uint64_t blocks, inodes;
		unsigned mode;

		if (!b->mount[i].present)
			continue;
		if (mount_use(writable[i], &blocks, &inodes, &mode) < 0)
			return fail(err, cap, "Cannot measure %s after the reset.", writable[i]);
		if (mount_xattrs(writable[i], 0) != b->mount[i].xattrs)
			return fail(err, cap, "%s has extended attributes the job set.", writable[i]);
		if (blocks != b->mount[i].blocks || inodes != b->mount[i].inodes || mode != b->mount[i].mode)
			return fail(err, cap, "%s uses %llu blocks and %llu inodes (mode %o) after the reset, "
				    "not %llu and %llu (mode %o).", writable[i], (unsigned long long)blocks,
				    (unsigned long long)inodes, (unsigned)mode,
				    (unsigned long long)b->mount[i].blocks,
				    (unsigned long long)b->mount[i].inodes, (unsigned)b->mount[i].mode);
	}
	if (table_rows("/proc/sysvipc/shm") > 0 || table_rows("/proc/sysvipc/sem") > 0 ||
	    table_rows("/proc/sysvipc/msg") > 0)
		return fail(err, cap, "A SysV IPC object of the job is left.");
	if (sockets() > b->sockets)
		return fail(err, cap, "A socket of the job is left (%ld, not %ld).", sockets(), b->sockets);
	if ((n = count_dir("/proc/self/fd", 0)) != b->fds)
		return fail(err, cap, "The agent has %ld open files, not %ld.", n, b->fds);
	if (rss_kb() > b->rss_kb + RSS_SLACK_KB)
		return fail(err, cap, "The agent holds %llu KB, not about %llu KB.",
			    (unsigned long long)rss_kb(), (unsigned long long)b->rss_kb);
	return verify_self(b, err, cap);
}

int agent_reset(const struct baseline *b, char *err, size_t cap)
{
	/* kill(-1) and emptying /tmp are only ours to do as PID 1 of a container. */
	if (getpid() != 1)
		return fail(err, cap, "The agent is not PID 1 of a container: no reset.");
	if (kill_all_others(err, cap) < 0)
		return -1;
	for (int i = 0; i < RESET_MOUNTS; i++) {
		int fd;

		if (!b->mount[i].present)
			continue;
		/* The job may have locked the mount's own folder (/work is its user's); the
		 * root-owned ones it cannot change. */
		(void)chmod(writable[i], (mode_t)b->mount[i].mode);
		if ((fd = open(writable[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			return fail(err, cap, "Cannot open %s: %s.", writable[i], strerror(errno));
		if (empty_dir(fd, 0, err, cap) < 0) {
			close(fd);
			return -1;
		}
		close(fd);
		if (b->mount[i].xattrs == 0)
			(void)mount_xattrs(writable[i], 1);
	}
	remove_ipc();
	return verify(b, err, cap);
}
