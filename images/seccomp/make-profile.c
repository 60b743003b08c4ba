/*
 * make-profile: write the seccomp profile runbox gives every container.
 *
 * Input: Docker's default profile as the distribution ships it (Debian 12's
 * golang-github-docker-docker-dev, the profile of Docker 20.10 that runs here). Output:
 * that profile brought up to the current upstream default, whose changes since 20.10
 * matter for untrusted code:
 *   - io_uring_setup, io_uring_enter and io_uring_register are no longer allowed
 *     (upstream removed them after a run of io_uring kernel exploits);
 *   - socket() is allowed for every address family except AF_VSOCK (40), which reaches
 *     the host's hypervisor sockets;
 *   - pkey_alloc, pkey_free and pkey_mprotect are allowed (harmless, used by runtimes);
 *   - the default errno for a refused call is EPERM, stated explicitly.
 * Docker 25 and later ship these changes themselves; passing the profile explicitly keeps
 * the same rules on any daemon version.
 *
 * Usage: make-profile IN.json OUT.json
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

static const char *const removed[] = { "io_uring_setup", "io_uring_enter", "io_uring_register",
				       "socket" };
static const char *const added[] = { "pkey_alloc", "pkey_free", "pkey_mprotect" };

#define AF_VSOCK_FAMILY 40

static int in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

/* The unconditional allow-list: the first ALLOW rule without args, includes or excludes
 * that have content. */
static json_t *main_allow_list(json_t *syscalls)
{
	size_t i;
	json_t *rule;

	json_array_foreach(syscalls, i, rule) {
		const char *action = json_string_value(json_object_get(rule, "action"));

		if (action && strcmp(action, "SCMP_ACT_ALLOW") == 0 &&
		    json_array_size(json_object_get(rule, "args")) == 0 &&
		    json_object_size(json_object_get(rule, "includes")) == 0 &&
		    json_object_size(json_object_get(rule, "excludes")) == 0)
			return json_object_get(rule, "names");
	}
	return NULL;
}

int main(int argc, char **argv)
{
	json_error_t jerr;
	json_t *p, *syscalls, *names, *fresh, *v, *rule;
	size_t i, n;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN.json OUT.json\n", argv[0]);
		return 2;
	}
	if ((p = json_load_file(argv[1], JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		fprintf(stderr, "%s:%d: %s\n", argv[1], jerr.line, jerr.text);
		return 1;
	}
	syscalls = json_object_get(p, "syscalls");
	names = syscalls ? main_allow_list(syscalls) : NULL;
	if (!json_is_array(names)) {
		fprintf(stderr, "%s: no unconditional allow-list found: not a Docker profile?\n", argv[1]);
		return 1;
	}
	fresh = json_array();
	json_array_foreach(names, i, v)
		if (!in_list(json_string_value(v), removed, sizeof removed / sizeof removed[0]))
			json_array_append(fresh, v);
	for (n = 0; n < sizeof added / sizeof added[0]; n++) {
		int found = 0;

		json_array_foreach(fresh, i, v)
			if (strcmp(json_string_value(v), added[n]) == 0)
				found = 1;
		if (!found)
			json_array_append_new(fresh, json_string(added[n]));
	}
	json_array_clear(names);
	json_array_extend(names, fresh);
	json_decref(fresh);
	rule = json_pack("{s:[s], s:s, s:[{s:i, s:i, s:s}]}", "names", "socket",
			 "action", "SCMP_ACT_ALLOW", "args", "index", 0, "value", AF_VSOCK_FAMILY,
			 "op", "SCMP_CMP_NE");
	json_array_append_new(syscalls, rule);
	json_object_set_new(p, "defaultErrnoRet", json_integer(1));
	if (rule == NULL || json_dump_file(p, argv[2], JSON_INDENT(1)) != 0) {
		fprintf(stderr, "cannot write %s\n", argv[2]);
		return 1;
	}
	json_decref(p);
	return 0;
}
