/*
 * semver: whether a version satisfies a range written the way npm's semver (and so Piston
 * and its clients) writes them: "*", "x", "3", "3.11.x", "=3.11.2", "v3.11.2", "^3.10",
 * "~3.11.2", "~>3.11", ">=3.9", ">3.11.1", "<4", "<=3.11", sets joined by spaces (all must
 * hold: ">=3.9 <4", ">= 3.9 < 4"), alternatives joined by "||". A pre-release or build
 * suffix, or anything else, matches nothing. Pure.
 */
#ifndef RUNBOX_SEMVER_H
#define RUNBOX_SEMVER_H

#include <stdbool.h>

/* version: "3.11.2" (fewer parts count as .0). */
bool semver_match(const char *range, const char *version);

#endif
