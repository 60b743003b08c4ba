#include "limits.h"

#include <stdio.h>

void limits_clamp(struct limits *out, const struct limits *want, const struct limits *max)
{
#define CLAMP(f) out->f = (want->f > 0 && want->f < max->f) ? want->f : max->f
	CLAMP(wall_ms);
	CLAMP(cpu_ms);
	CLAMP(memory_bytes);
	CLAMP(nano_cpus);
	CLAMP(pids);
	CLAMP(work_tmpfs_bytes);
	CLAMP(tmp_tmpfs_bytes);
	CLAMP(stdout_cap);
	CLAMP(stderr_cap);
#undef CLAMP
	/* Not a limit: the uid is always the admin's. */
	out->run_uid = max->run_uid;
}

/* json_* constructors return NULL on allocation failure and the _new setters accept NULL
 * (and fail), so one check of the final result catches every failure below. */
static json_t *tmpfs_spec(const struct limits *l)
{
	/* /work must allow exec: compiled programs run from it. /tmp stays noexec (Docker's
	 * default for tmpfs). Neither allows setuid files or device nodes. */
	char work[160], tmp[96];

	(void)snprintf(work, sizeof work, "rw,exec,nosuid,nodev,size=%ld,uid=%ld,gid=%ld,mode=0700",
		       l->work_tmpfs_bytes, l->run_uid, l->run_uid);
	(void)snprintf(tmp, sizeof tmp, "rw,nosuid,nodev,size=%ld,mode=1777", l->tmp_tmpfs_bytes);
	return json_pack("{s:s, s:s}", "/work", work, "/tmp", tmp);
}

json_t *limits_container_config(const struct limits *l, const struct container_spec *s)
{
	char user[48], created[24];
	json_t *host, *secopt, *cfg;

	(void)snprintf(user, sizeof user, "%ld:%ld", l->run_uid, l->run_uid);
	(void)snprintf(created, sizeof created, "%ld", s->created);

	secopt = json_pack("[s]", "no-new-privileges");
	if (secopt != NULL && s->seccomp != NULL) {
		json_t *opt = json_sprintf("seccomp=%s", s->seccomp);
		if (opt == NULL || json_array_append_new(secopt, opt) != 0) {
			json_decref(secopt);
			return NULL;
		}
	}
	host = json_pack(
		"{s:I, s:I, s:I, s:I, s:s, s:b, s:[s], s:o, s:o, s:b, s:s, s:I,"
		" s:[{s:s, s:i, s:i}], s:{s:s, s:{}}, s:[{s:s, s:s, s:s, s:b}]}",
		"Memory", (json_int_t)l->memory_bytes,
		"MemorySwap", (json_int_t)l->memory_bytes, /* equal to Memory: no swap */
		"NanoCpus", (json_int_t)l->nano_cpus,
		"PidsLimit", (json_int_t)l->pids,
		"NetworkMode", "none",
		"ReadonlyRootfs", 1,
		"CapDrop", "ALL",
		"SecurityOpt", secopt,
		"Tmpfs", tmpfs_spec(l),
		"AutoRemove", 1, /* the daemon removes it even if we die mid-run */
		"IpcMode", "private",
		/* /dev/shm is writable memory too: cap it like /tmp. */
		"ShmSize", (json_int_t)l->tmp_tmpfs_bytes,
		"Ulimits", "Name", "core", "Soft", 0, "Hard", 0,
		/* The agent's stdout carries result frames: never write them to a log on disk. */
		"LogConfig", "Type", "none", "Config",
		"Mounts", "Type", "bind", "Source", s->agent_path, "Target", "/runbox/agent",
		"ReadOnly", 1);
	if (host == NULL)
		return NULL;
	/* The teachers' test suites: read-only, and root's (core/suite.h). */
	if (s->suites_path != NULL &&
	    json_array_append_new(json_object_get(host, "Mounts"),
				  json_pack("{s:s, s:s, s:s, s:b}", "Type", "bind", "Source",
					    s->suites_path, "Target", "/suites", "ReadOnly", 1)) != 0) {
		json_decref(host);
		return NULL;
	}
	cfg = json_pack(
		"{s:s, s:[s], s:n, s:s, s:s, s:[s, s], s:b, s:b, s:b, s:b, s:b, s:b, s:b,"
		" s:{s:s, s:s, s:s, s:s, s:s}, s:o}",
		"Image", s->image,
		"Entrypoint", "/runbox/agent",
		"Cmd",
		"User", user,
		"WorkingDir", "/work",
		"Env", "LANG=C.UTF-8", "HOME=/work",
		"AttachStdin", 1, "AttachStdout", 1, "AttachStderr", 1,
		"OpenStdin", 1, "StdinOnce", 1, "Tty", 0,
		"NetworkDisabled", 1,
		"Labels", "runbox.instance", s->instance, "runbox.lang", s->lang,
		"runbox.state", s->state ? s->state : "run", "runbox.created", created,
		"runbox.owner", s->owner ? s->owner : "",
		"HostConfig", host);
	return cfg;
}
