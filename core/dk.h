/*
 * dk: a Docker Engine API client over the daemon's unix socket (libcurl).
 *
 * The API version is pinned (conf docker_api, v1.41 = Docker 20.10) so a newer daemon
 * answers in the format we parse. Every call has a timeout (conf docker_timeout_ms), so a
 * hung daemon cannot pin a FastCGI process forever; the attach stream is read by the
 * caller with its own deadline.
 *
 * Errors: RC_DOCKER_DOWN (socket refused or missing), RC_TIMEOUT_IO (no answer in time),
 * RC_IMAGE_MISSING (image not built), RC_DOCKER (the daemon refused: detail in e),
 * RC_NOMEM.
 */
#ifndef RUNBOX_DK_H
#define RUNBOX_DK_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

struct dk;
struct dk_stream;

#define DK_ID_MAX 65 /* 64 hex digits + NUL */

/* Once per process, before any other thread or call: libcurl's global set-up. */
int dk_global_init(void);

/* A client for socket_path. No connection is made until the first call. */
int dk_open(struct dk **out, const char *socket_path, const char *api_version,
	    int timeout_ms, struct err *e);
void dk_close(struct dk *d);

/* GET /_ping. 0 when the daemon answers. */
int dk_ping(struct dk *d, struct err *e);
/* The daemon's version string ("20.10.24+dfsg1") into out. */
int dk_version(struct dk *d, char *out, size_t cap, struct err *e);

/* GET /images/{name}/json. On success *out is a new reference to the inspect document
 * (caller json_decref's it); RC_IMAGE_MISSING if there is no such image. */
int dk_image_inspect(struct dk *d, const char *image, json_t **out, struct err *e);

/* POST /containers/create with config (borrowed). The new id goes to id. */
int dk_create(struct dk *d, const json_t *config, char id[DK_ID_MAX], struct err *e);
int dk_start(struct dk *d, const char *id, struct err *e);
/* DELETE /containers/{id}?force=1: kills and removes. Already gone, or being removed by
 * AutoRemove, counts as success. */
int dk_remove(struct dk *d, const char *id, struct err *e);
/* POST /containers/{id}/update: set the running container's memory limit (and its
 * memory+swap limit, so no swap) to bytes, in the kernel, at once. Lowering it below what
 * the container holds makes the kernel reclaim first; what it cannot reclaim makes the
 * daemon refuse (RC_DOCKER). */
int dk_update_memory(struct dk *d, const char *id, long bytes, struct err *e);
/* The same call for memory (bytes > 0) and the process limit (pids > 0, the pids
 * cgroup); a value <= 0 is left as it is. */
int dk_update(struct dk *d, const char *id, long bytes, long pids, struct err *e);
/* Force-remove every container (running or not) carrying label (e.g.
 * "runbox.instance=default"). *removed (if not NULL) gets the count. */
int dk_remove_labelled(struct dk *d, const char *label, int *removed, struct err *e);
/* Count containers carrying label, running or not. */
/* Every container (running or not) with the label "key=value": the Engine API's list
 * objects (Id, State, Labels...). The caller owns *out. */
int dk_list_labelled(struct dk *d, const char *label, json_t **out, struct err *e);
int dk_count_labelled(struct dk *d, const char *label, int *count, struct err *e);

/* POST /containers/{id}/attach with stdin, stdout, stderr, stream=1, on a connection of
 * its own that the daemon then hijacks: a two-way byte stream. Attach before start so
 * no output is missed. The caller owns *out (dk_stream_close). */
int dk_attach(struct dk *d, const char *id, struct dk_stream **out, struct err *e);
/* Socket descriptor to poll(2) on; reads and writes never block. */
int dk_stream_fd(const struct dk_stream *s);
/* Write all n bytes, waiting at most timeout_ms in total. */
int dk_stream_write(struct dk_stream *s, const void *p, size_t n, int timeout_ms,
		    struct err *e);
/* Read what is available: *got = 0 means nothing yet (poll again). Returns 0, 1 at end of
 * stream, or an RC_* code. */
int dk_stream_read(struct dk_stream *s, void *p, size_t cap, size_t *got, struct err *e);
void dk_stream_close(struct dk_stream *s);

#endif
