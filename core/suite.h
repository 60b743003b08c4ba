/*
 * suite: a teacher's test suite, kept where the student's program can read it but not
 * change it. The runner (root) writes each suite once into a folder of its own under the
 * suites folder (run_dir/suites), which every container mounts read-only at /suites. The
 * folder holding the suites is root's and not listable (0711), and each suite's folder is
 * named by the SHA-256 of its content: a program can open the suite it was given the name
 * of, and cannot list or guess another exercise's (guessing the name means knowing the
 * content). Files are 0444 and folders 0555, all root's: the program's user can neither
 * write nor chmod them, and the mount is read-only besides.
 */
#ifndef RUNBOX_SUITE_H
#define RUNBOX_SUITE_H

#include <stddef.h>

#include "err.h"
#include "run.h"
#include "sha256.h"

/* Where containers see the suites folder. */
#define SUITE_MOUNT "/suites"

/* The suite's name: the SHA-256 (hex) of its files in order, each its name, a NUL, its
 * length as 8 big-endian bytes and its bytes. Pure. */
void suite_id(const struct run_file *files, size_t n, char id[SHA256_HEX]);

/* Make sure root/id holds exactly files (written once: a suite already there is kept, its
 * content being what its name says). Names must be relative, without "." or ".." parts
 * (the run message's decoder checked them); nothing is followed through a symlink.
 * 0, or RC_INTERNAL / RC_BAD_REQUEST with a sentence in e. */
int suite_put(const char *root, const char *id, const struct run_file *files, size_t n,
	      struct err *e);

/* Create root (0711) if needed and remove every suite in it: at the runner's start no
 * container can be using one. 0, or RC_CONFIG with a sentence. */
int suite_reset(const char *root, struct err *e);

#endif
