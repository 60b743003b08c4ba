/*
 * runner: opening the run module's Docker client and profile, and what the rest of runbox
 * asks Docker through it (run.h).
 */
#include "run.h"

#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner_int.h"

static int read_text(const char *path, char **out, struct err *e)
{
	FILE *f = fopen(path, "r");
	struct buf b;
	char chunk[8192];
	size_t n;
	int rc = 0;

	if (f == NULL)
		return err_set(e, RC_CONFIG, "cannot read %s: %s", path, strerror(errno));
	buf_init(&b, 1u << 20);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if ((rc = buf_add(&b, chunk, n)) != 0)
			break;
	fclose(f);
	if (rc == 0 && (b.truncated || b.len == 0))
		rc = err_set(e, RC_CONFIG, "%s is empty or too large", path);
	if (rc != 0) {
		buf_release(&b);
		return rc;
	}
	*out = (char *)b.data; /* buf keeps a NUL after the data */
	return 0;
}

int runner_open(struct runner **out, const struct conf *c, struct err *e)
{
	struct runner *r = calloc(1, sizeof *r);
	json_t *check = NULL;
	int rc;

	if (r == NULL)
		return err_set(e, RC_NOMEM, "runner");
	(void)snprintf(r->instance, sizeof r->instance, "%s", c->instance);
	(void)snprintf(r->agent_path, sizeof r->agent_path, "%s", c->agent_path);
	/* Every container mounts it, so it must exist before the first one is made; the
	 * runner process empties it when it starts (suite_reset). */
	if (snprintf(r->suites_path, sizeof r->suites_path, "%s/suites", c->run_dir) >=
	    (int)sizeof r->suites_path) {
		rc = err_set(e, RC_CONFIG, "run_dir is too long");
		goto fail;
	}
	/* run_dir itself too, when it is missing: /run is emptied at every boot, and only the
	 * package's service has systemd make it (RuntimeDirectory). */
	if (mkdir(c->run_dir, 0755) < 0 && errno != EEXIST) {
		rc = err_set(e, RC_CONFIG, "cannot create run_dir %s: %s", c->run_dir, strerror(errno));
		goto fail;
	}
	if (mkdir(r->suites_path, 0711) < 0 && errno != EEXIST) {
		rc = err_set(e, RC_CONFIG, "cannot create %s: %s", r->suites_path, strerror(errno));
		goto fail;
	}
	if ((rc = read_text(c->seccomp_profile, &r->seccomp, e)) != 0)
		goto fail;
	/* Refuse a broken profile now rather than on every create. */
	if ((check = json_loads(r->seccomp, JSON_REJECT_DUPLICATES, NULL)) == NULL) {
		rc = err_set(e, RC_CONFIG, "%s is not valid JSON", c->seccomp_profile);
		goto fail;
	}
	json_decref(check);
	if ((rc = dk_open(&r->dk, c->docker_socket, c->docker_api, c->docker_timeout_ms, e)) != 0)
		goto fail;
	*out = r;
	return 0;
fail:
	runner_close(r);
	return rc;
}

const char *runner_suites_path(const struct runner *r)
{
	return r->suites_path;
}

void runner_close(struct runner *r)
{
	if (r == NULL)
		return;
	dk_close(r->dk);
	free(r->seccomp);
	free(r);
}

struct dk *runner_docker(struct runner *r)
{
	return r->dk;
}

const char *runner_image(const struct runner *r, const struct lang *lang)
{
	(void)r;
	return lang->image;
}

int runner_docker_version(struct runner *r, char *out, size_t cap, struct err *e)
{
	return dk_version(r->dk, out, cap, e);
}

int runner_image_version(struct runner *r, const struct lang *lang, char *out, size_t cap,
			 struct err *e)
{
	json_t *img = NULL, *labels;
	const char *v;
	char key[64];
	int rc;

	out[0] = '\0';
	if ((rc = dk_image_inspect(r->dk, runner_image(r, lang), &img, e)) != 0)
		return rc;
	/* An image serving several languages (gcc: C and C++) labels each one. */
	labels = json_object_get(json_object_get(img, "Config"), "Labels");
	(void)snprintf(key, sizeof key, "runbox.version.%s", lang->id);
	if ((v = json_string_value(json_object_get(labels, key))) == NULL)
		v = json_string_value(json_object_get(labels, "runbox.version"));
	(void)snprintf(out, cap, "%s", v ? v : "");
	json_decref(img);
	return 0;
}

int runner_remove(struct runner *r, const char *id, struct err *e)
{
	return dk_remove(r->dk, id, e);
}

int runner_remove_all(struct runner *r, long owner_pid, int *n, struct err *e)
{
	char label[160];

	if (owner_pid > 0)
		(void)snprintf(label, sizeof label, "runbox.owner=%s:%ld", r->instance, owner_pid);
	else
		(void)snprintf(label, sizeof label, "runbox.instance=%s", r->instance);
	return dk_remove_labelled(r->dk, label, n, e);
}

int runner_list(struct runner *r, struct runner_container **out, size_t *n, struct err *e)
{
	char label[96];
	json_t *live = NULL, *c;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	(void)snprintf(label, sizeof label, "runbox.instance=%s", r->instance);
	if ((rc = dk_list_labelled(r->dk, label, &live, e)) != 0)
		return rc;
	if (json_array_size(live) > 0 &&
	    (*out = calloc(json_array_size(live), sizeof **out)) == NULL) {
		json_decref(live);
		return err_set(e, RC_NOMEM, "container list");
	}
	json_array_foreach(live, i, c) {
		struct runner_container *rc_ = &(*out)[*n];
		const char *id = json_string_value(json_object_get(c, "Id"));
		const char *state = json_string_value(json_object_get(json_object_get(c, "Labels"),
								      "runbox.state"));

		if (id == NULL || strlen(id) >= DK_ID_MAX)
			continue;
		(void)snprintf(rc_->id, sizeof rc_->id, "%s", id);
		rc_->running = strcmp(json_string_value(json_object_get(c, "State")) ?: "", "running") == 0;
		rc_->pooled = state != NULL && strcmp(state, "pool") == 0;
		(*n)++;
	}
	json_decref(live);
	return 0;
}
