/*
 * admin_exdir: an exercise's folder read into memory for `runbox exercise add|update`:
 * its exercise.conf and every file that names (core/exercise.h), each at most
 * EXDIR_FILE_MAX bytes and all together at most EXDIR_TOTAL_MAX.
 *
 * The admin command often runs as root and the folder is a teacher's: no symbolic link
 * is followed inside it (each part of a path is opened relative to the one before, with
 * O_NOFOLLOW, and checked to be the file whose type was looked at), and only regular
 * files and folders are read, so nothing outside the folder can be stored by naming it.
 * The folder itself (DIR, given by whoever runs the command) may be reached through links.
 *
 * Errors (the message in e names the file, says what is wrong and what to do):
 * RC_NOT_FOUND (no such folder, no exercise.conf, a file exercise.conf names is missing),
 * RC_BAD_REQUEST (a link, neither a file nor a folder, too big, not UTF-8 text, too many
 * files or folders too deep), RC_NOMEM, RC_INTERNAL (a read failed).
 */
#ifndef RUNBOX_ADMIN_EXDIR_H
#define RUNBOX_ADMIN_EXDIR_H

#include <stddef.h>

#include "err.h"
#include "exercise.h"
#include "store.h"

#define EXDIR_FILE_MAX (1L << 20)
#define EXDIR_TOTAL_MAX (8L << 20)
#define EXDIR_FILES_MAX 1000
#define EXDIR_DEPTH_MAX 16

struct exdir {
	char dir[4096];               /* as given, without trailing '/', for messages */
	int fd;                       /* the folder */
	char *definition;             /* exercise.conf's text, NUL-terminated */
	struct exercise_file *files;  /* each once, paths relative to the folder */
	size_t nfiles, cap;
	size_t total;                 /* bytes read, exercise.conf's included */
};

/* Open folder dir and read its exercise.conf into d->definition (NUL-free UTF-8 text).
 * d needs no initialising; release it with exdir_release even on failure. */
int exdir_open(struct exdir *d, const char *dir, struct err *e);
/* Read every file x (parsed from d->definition) names: instructions, starters, suites
 * (a suite may name a folder: every regular file under it, which must hold one), cases'
 * stdin_file and expected_file. A path named twice is read once. */
int exdir_read_all(struct exdir *d, const struct exercise *x, struct err *e);
/* Close the folder and free what was read. */
void exdir_release(struct exdir *d);

#endif
