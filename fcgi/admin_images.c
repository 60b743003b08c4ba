/*
 * The admin command's images: `runbox images build [LANGUAGE...]` builds the language images
 * with the build.sh that sits beside the language registry the server reads (images/ in the
 * source tree, /usr/share/runbox/images when installed), for this configuration.
 */
#define _GNU_SOURCE
#include "admin.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int admin_images_build(struct cli *cli, int argc, char **argv)
{
	char dir[CONF_PATH_MAX], script[CONF_PATH_MAX + 16], self[4096], fcgi[4096 + 16];
	char **args;
	ssize_t n;
	int i, rc;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return admin_parse(cli, 1, (char *[]){ argv[i], NULL }, NULL, NULL, NULL, 0);
		if (argv[i][0] == '-')
			return admin_usage_error(cli, "unknown option '%s'", argv[i]);
	}
	if ((rc = admin_load_conf(cli)) != EX_OK)
		return rc;
	(void)snprintf(dir, sizeof dir, "%s", cli->conf.languages);
	(void)snprintf(script, sizeof script, "%s/build.sh", dirname(dir));
	if (access(script, R_OK) != 0) {
		fprintf(stderr, "runbox: images build: %s: %s (it sits beside the language registry, "
			"languages in runbox.conf)\n", script, strerror(errno));
		return EX_FAIL;
	}
	/* The server binary beside this one says which registry and limits are in force. */
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
		self[n] = '\0';
		(void)snprintf(fcgi, sizeof fcgi, "%s/runbox-fcgi", dirname(self));
		(void)setenv("RUNBOX_FCGI", fcgi, 1);
	}
	if (cli->conf_path != NULL)
		(void)setenv("RUNBOX_CONF", cli->conf_path, 1);
	if ((args = calloc((size_t)argc + 3, sizeof *args)) == NULL)
		return admin_nomem();
	args[0] = "bash";
	args[1] = script;
	for (i = 0; i < argc; i++)
		args[i + 2] = argv[i];
	(void)fflush(stdout);
	execvp("bash", args);
	fprintf(stderr, "runbox: images build: cannot run bash: %s\n", strerror(errno));
	free(args);
	return EX_FAIL;
}
