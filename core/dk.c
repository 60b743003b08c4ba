#define _GNU_SOURCE
#include "dk.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "clock.h"

/* The daemon's JSON answers are small; a container list of a busy host is the largest. */
#define DK_BODY_CAP (8u << 20)

struct dk {
	CURL *h;       /* reused: keeps the connection to the daemon open between calls */
	char socket[512];
	char api[16];
	long timeout_ms;
	char errbuf[CURL_ERROR_SIZE];
};

struct dk_stream {
	CURL *h;
	int fd;
	unsigned char pending[4096]; /* stream bytes that arrived with the HTTP header */
	size_t pend_len, pend_off;
};

int dk_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_NOTHING) == CURLE_OK ? 0 : RC_INTERNAL;
}

int dk_open(struct dk **out, const char *socket_path, const char *api_version, int timeout_ms,
	    struct err *e)
{
	struct dk *d;

	d = calloc(1, sizeof *d);
	if (d == NULL)
		return err_set(e, RC_NOMEM, "dk_open");
	if ((d->h = curl_easy_init()) == NULL) {
		free(d);
		return err_set(e, RC_NOMEM, "curl_easy_init");
	}
	(void)snprintf(d->socket, sizeof d->socket, "%s", socket_path);
	(void)snprintf(d->api, sizeof d->api, "%s", api_version);
	d->timeout_ms = timeout_ms;
	*out = d;
	return 0;
}

void dk_close(struct dk *d)
{
	if (d == NULL)
		return;
	curl_easy_cleanup(d->h);
	free(d);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_add(b, p, size * n) != 0 || b->truncated)
		return 0; /* abort the transfer: out of memory or an absurd answer */
	return size * n;
}

static int curl_rc(CURLcode c, const char *what, const char *detail, struct err *e)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		return err_set(e, RC_DOCKER_DOWN, "%s: %s", what, detail);
	case CURLE_OPERATION_TIMEDOUT:
		return err_set(e, RC_TIMEOUT_IO, "%s: %s", what, detail);
	default:
		return err_set(e, RC_DOCKER, "%s: %s", what, detail);
	}
}

/* One API call. body (may be NULL) is sent as JSON; the answer's status goes to *status
 * and its body to resp (initialised by the caller, may be NULL). */
static int call(struct dk *d, const char *method, const char *path, const char *body,
		long *status, struct buf *resp, struct err *e)
{
	char url[1024];
	struct curl_slist *hdrs = NULL;
	struct buf sink;
	CURLcode c;
	int w, rc = 0;

	w = snprintf(url, sizeof url, "http://docker/%s%s", d->api, path);
	if (w < 0 || (size_t)w >= sizeof url)
		return err_set(e, RC_INTERNAL, "docker url too long: %s", path);
	buf_init(&sink, DK_BODY_CAP);
	curl_easy_reset(d->h);
	d->errbuf[0] = '\0';
	curl_easy_setopt(d->h, CURLOPT_UNIX_SOCKET_PATH, d->socket);
	curl_easy_setopt(d->h, CURLOPT_URL, url);
	curl_easy_setopt(d->h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(d->h, CURLOPT_TIMEOUT_MS, d->timeout_ms);
	curl_easy_setopt(d->h, CURLOPT_CONNECTTIMEOUT_MS, d->timeout_ms);
	curl_easy_setopt(d->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(d->h, CURLOPT_ERRORBUFFER, d->errbuf);
	curl_easy_setopt(d->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(d->h, CURLOPT_WRITEDATA, resp ? resp : &sink);
	if (body != NULL) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		if (hdrs == NULL)
			return err_set(e, RC_NOMEM, "curl_slist_append");
		curl_easy_setopt(d->h, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(d->h, CURLOPT_POSTFIELDS, body);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(d->h, CURLOPT_POSTFIELDS, "");
	}
	c = curl_easy_perform(d->h);
	if (c != CURLE_OK) {
		rc = curl_rc(c, path, d->errbuf[0] ? d->errbuf : curl_easy_strerror(c), e);
		goto out;
	}
	curl_easy_getinfo(d->h, CURLINFO_RESPONSE_CODE, status);
out:
	curl_slist_free_all(hdrs);
	buf_release(&sink);
	return rc;
}

/* The daemon's {"message": "..."} of an error answer, or a fallback. */
static int daemon_error(const char *what, long status, const struct buf *resp, struct err *e)
{
	json_t *j = resp->len ? json_loadb((const char *)resp->data, resp->len, 0, NULL) : NULL;
	const char *msg = j ? json_string_value(json_object_get(j, "message")) : NULL;

	err_set(e, RC_DOCKER, "%s: HTTP %ld: %s", what, status, msg ? msg : "(no message)");
	json_decref(j);
	return RC_DOCKER;
}

int dk_ping(struct dk *d, struct err *e)
{
	long status = 0;
	int rc = call(d, "GET", "/_ping", NULL, &status, NULL, e);

	if (rc == 0 && status != 200)
		return err_set(e, RC_DOCKER_DOWN, "ping: HTTP %ld", status);
	return rc;
}

int dk_version(struct dk *d, char *out, size_t cap, struct err *e)
{
	struct buf resp;
	long status = 0;
	json_t *j = NULL;
	const char *v;
	int rc;

	buf_init(&resp, DK_BODY_CAP);
	if ((rc = call(d, "GET", "/version", NULL, &status, &resp, e)) != 0)
		goto out;
	if (status != 200) {
		rc = daemon_error("version", status, &resp, e);
		goto out;
	}
	j = json_loadb((const char *)resp.data, resp.len, 0, NULL);
	v = json_string_value(json_object_get(j, "Version"));
	(void)snprintf(out, cap, "%s", v ? v : "unknown");
out:
	json_decref(j);
	buf_release(&resp);
	return rc;
}

/* Image names carry '/' and ':'; both are fine in this path segment, but nothing that
 * could start a query string or a new path is let through. */
static int safe_name(const char *s)
{
	for (; *s; s++)
		if (*s == '?' || *s == '#' || *s == '%' || *s == ' ' || (unsigned char)*s < 0x21)
			return 0;
	return 1;
}

int dk_image_inspect(struct dk *d, const char *image, json_t **out, struct err *e)
{
	char path[512];
	struct buf resp;
	long status = 0;
	int rc;

	*out = NULL;
	if (!safe_name(image) ||
	    snprintf(path, sizeof path, "/images/%s/json", image) >= (int)sizeof path)
		return err_set(e, RC_CONFIG, "bad image name '%s'", image);
	buf_init(&resp, DK_BODY_CAP);
	if ((rc = call(d, "GET", path, NULL, &status, &resp, e)) != 0)
		goto out;
	if (status == 404) {
		rc = err_set(e, RC_IMAGE_MISSING, "image %s is not built", image);
		goto out;
	}
	if (status != 200) {
		rc = daemon_error("image inspect", status, &resp, e);
		goto out;
	}
	if ((*out = json_loadb((const char *)resp.data, resp.len, 0, NULL)) == NULL)
		rc = err_set(e, RC_DOCKER, "image inspect: unreadable answer");
out:
	buf_release(&resp);
	return rc;
}

int dk_create(struct dk *d, const json_t *config, char id[DK_ID_MAX], struct err *e)
{
	struct buf resp;
	long status = 0;
	char *body;
	json_t *j = NULL;
	const char *s;
	int rc;

	if ((body = json_dumps(config, JSON_COMPACT)) == NULL)
		return err_set(e, RC_NOMEM, "create: json_dumps");
	buf_init(&resp, DK_BODY_CAP);
	if ((rc = call(d, "POST", "/containers/create", body, &status, &resp, e)) != 0)
		goto out;
	if (status == 404) {
		rc = err_set(e, RC_IMAGE_MISSING, "create: %s", resp.len ? (char *)resp.data : "");
		goto out;
	}
	if (status != 201) {
		rc = daemon_error("create", status, &resp, e);
		goto out;
	}
	j = json_loadb((const char *)resp.data, resp.len, 0, NULL);
	s = json_string_value(json_object_get(j, "Id"));
	if (s == NULL || strlen(s) >= DK_ID_MAX) {
		rc = err_set(e, RC_DOCKER, "create: no container id in the answer");
		goto out;
	}
	(void)snprintf(id, DK_ID_MAX, "%s", s);
out:
	json_decref(j);
	buf_release(&resp);
	free(body);
	return rc;
}

static int id_path(char *path, size_t cap, const char *fmt, const char *id, struct err *e)
{
	size_t i;
	int w;

	for (i = 0; id[i]; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return err_set(e, RC_INTERNAL, "bad container id");
	w = snprintf(path, cap, fmt, id);
	if (w < 0 || (size_t)w >= cap)
		return err_set(e, RC_INTERNAL, "container path too long");
	return 0;
}

int dk_start(struct dk *d, const char *id, struct err *e)
{
	char path[160];
	struct buf resp;
	long status = 0;
	int rc;

	if ((rc = id_path(path, sizeof path, "/containers/%s/start", id, e)) != 0)
		return rc;
	buf_init(&resp, DK_BODY_CAP);
	rc = call(d, "POST", path, NULL, &status, &resp, e);
	if (rc == 0 && status != 204 && status != 304)
		rc = daemon_error("start", status, &resp, e);
	buf_release(&resp);
	return rc;
}

int dk_update_memory(struct dk *d, const char *id, long bytes, struct err *e)
{
	return dk_update(d, id, bytes, 0, e);
}

int dk_update(struct dk *d, const char *id, long bytes, long pids, struct err *e)
{
	char path[160], *body = NULL;
	struct buf resp;
	long status = 0;
	json_t *j;
	int rc;

	if ((rc = id_path(path, sizeof path, "/containers/%s/update", id, e)) != 0)
		return rc;
	/* MemorySwap equal to Memory: no swap, as at create. runc orders the two cgroup
	 * writes itself, whether the limit goes down or up. */
	j = json_object();
	if (j != NULL && bytes > 0) {
		json_object_set_new(j, "Memory", json_integer(bytes));
		json_object_set_new(j, "MemorySwap", json_integer(bytes));
	}
	if (j != NULL && pids > 0)
		json_object_set_new(j, "PidsLimit", json_integer(pids));
	body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (body == NULL)
		return err_set(e, RC_NOMEM, "update: json_dumps");
	buf_init(&resp, DK_BODY_CAP);
	rc = call(d, "POST", path, body, &status, &resp, e);
	if (rc == 0 && status == 404)
		rc = err_set(e, RC_DOCKER, "update: the container is gone");
	else if (rc == 0 && status != 200)
		rc = daemon_error("update", status, &resp, e);
	buf_release(&resp);
	free(body);
	return rc;
}

int dk_remove(struct dk *d, const char *id, struct err *e)
{
	char path[160];
	struct buf resp;
	long status = 0;
	int rc;

	if ((rc = id_path(path, sizeof path, "/containers/%s?force=1&v=1", id, e)) != 0)
		return rc;
	buf_init(&resp, DK_BODY_CAP);
	rc = call(d, "DELETE", path, NULL, &status, &resp, e);
	/* 404: already gone; 409: AutoRemove is removing it right now. Both are what we want. */
	if (rc == 0 && status != 204 && status != 404 && status != 409)
		rc = daemon_error("remove", status, &resp, e);
	buf_release(&resp);
	return rc;
}

/* GET /containers/json?all=1&filters={"label":[label]} into *out (an array). */
static int list_labelled(struct dk *d, const char *label, json_t **out, struct err *e)
{
	char path[512];
	char *filters = NULL, *escaped = NULL;
	json_t *f;
	struct buf resp;
	long status = 0;
	int rc = 0;

	*out = NULL;
	buf_init(&resp, DK_BODY_CAP);
	f = json_pack("{s:[s]}", "label", label);
	filters = f ? json_dumps(f, JSON_COMPACT) : NULL;
	escaped = filters ? curl_easy_escape(d->h, filters, 0) : NULL;
	if (escaped == NULL) {
		rc = err_set(e, RC_NOMEM, "list: filters");
		goto out;
	}
	if (snprintf(path, sizeof path, "/containers/json?all=1&filters=%s", escaped) >= (int)sizeof path) {
		rc = err_set(e, RC_INTERNAL, "list: label too long");
		goto out;
	}
	if ((rc = call(d, "GET", path, NULL, &status, &resp, e)) != 0)
		goto out;
	if (status != 200) {
		rc = daemon_error("list", status, &resp, e);
		goto out;
	}
	*out = json_loadb((const char *)resp.data, resp.len, 0, NULL);
	if (!json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		rc = err_set(e, RC_DOCKER, "list: unreadable answer");
	}
out:
	curl_free(escaped);
	free(filters);
	json_decref(f);
	buf_release(&resp);
	return rc;
}

int dk_list_labelled(struct dk *d, const char *label, json_t **out, struct err *e)
{
	return list_labelled(d, label, out, e);
}

int dk_count_labelled(struct dk *d, const char *label, int *count, struct err *e)
{
	json_t *list;
	int rc = list_labelled(d, label, &list, e);

	if (rc == 0)
		*count = (int)json_array_size(list);
	json_decref(list);
	return rc;
}

int dk_remove_labelled(struct dk *d, const char *label, int *removed, struct err *e)
{
	json_t *list, *c;
	size_t i;
	int rc, n = 0;

	if ((rc = list_labelled(d, label, &list, e)) != 0)
		return rc;
	json_array_foreach(list, i, c) {
		const char *id = json_string_value(json_object_get(c, "Id"));

		if (id == NULL)
			continue;
		if ((rc = dk_remove(d, id, e)) != 0)
			break;
		n++;
	}
	json_decref(list);
	if (removed)
		*removed = n;
	return rc;
}


static int wait_fd(int fd, short events, long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long left = deadline - clock_mono_ms();
	int r;

	if (left <= 0)
		return 0;
	do
		r = poll(&p, 1, (int)left);
	while (r < 0 && errno == EINTR);
	return r;
}

int dk_attach(struct dk *d, const char *id, struct dk_stream **out, struct err *e)
{
	char path[192], req[512];
	struct dk_stream *s;
	unsigned char hdr[4096];
	size_t have = 0, n;
	long deadline, sock = -1;
	CURLcode c;
	char *end;
	int rc, w;

	*out = NULL;
	if ((rc = id_path(path, sizeof path,
			  "/containers/%s/attach?stream=1&stdin=1&stdout=1&stderr=1", id, e)) != 0)
		return rc;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return err_set(e, RC_NOMEM, "attach");
	s->fd = -1;
	if ((s->h = curl_easy_init()) == NULL) {
		rc = err_set(e, RC_NOMEM, "attach: curl_easy_init");
		goto fail;
	}
	/* libcurl has no API for a hijacked HTTP connection: let it connect only, then speak
	 * HTTP/1.1 ourselves on that connection. */
	curl_easy_setopt(s->h, CURLOPT_UNIX_SOCKET_PATH, d->socket);
	curl_easy_setopt(s->h, CURLOPT_URL, "http://docker/");
	curl_easy_setopt(s->h, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT_MS, d->timeout_ms);
	curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
	if ((c = curl_easy_perform(s->h)) != CURLE_OK) {
		rc = curl_rc(c, "attach", curl_easy_strerror(c), e);
		goto fail;
	}
	curl_easy_getinfo(s->h, CURLINFO_ACTIVESOCKET, &sock);
	s->fd = (int)sock;
	w = snprintf(req, sizeof req,
		     "POST /%s%s HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n"
		     "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n", d->api, path);
	if (w < 0 || (size_t)w >= sizeof req) {
		rc = err_set(e, RC_INTERNAL, "attach: request too long");
		goto fail;
	}
	if ((rc = dk_stream_write(s, req, (size_t)w, (int)d->timeout_ms, e)) != 0)
		goto fail;
	deadline = clock_mono_ms() + d->timeout_ms;
	for (;;) {
		c = curl_easy_recv(s->h, hdr + have, sizeof hdr - 1 - have, &n);
		if (c == CURLE_AGAIN) {
			if (wait_fd(s->fd, POLLIN, deadline) <= 0) {
				rc = err_set(e, RC_TIMEOUT_IO, "attach: no answer from the daemon");
				goto fail;
			}
			continue;
		}
		if (c != CURLE_OK || n == 0) {
			rc = err_set(e, RC_DOCKER_DOWN, "attach: connection closed");
			goto fail;
		}
		have += n;
		hdr[have] = '\0';
		if ((end = strstr((char *)hdr, "\r\n\r\n")) != NULL)
			break;
		if (have == sizeof hdr - 1) {
			rc = err_set(e, RC_DOCKER, "attach: answer header too long");
			goto fail;
		}
	}
	if (strncmp((char *)hdr, "HTTP/1.1 101", 12) != 0 && strncmp((char *)hdr, "HTTP/1.1 200", 12) != 0) {
		*strchrnul((char *)hdr, '\r') = '\0';
		rc = err_set(e, RC_DOCKER, "attach: %s", (char *)hdr);
		goto fail;
	}
	end += 4;
	s->pend_len = have - (size_t)((unsigned char *)end - hdr);
	memcpy(s->pending, end, s->pend_len);
	*out = s;
	return 0;
fail:
	dk_stream_close(s);
	return rc;
}

int dk_stream_fd(const struct dk_stream *s)
{
	return s->fd;
}

int dk_stream_write(struct dk_stream *s, const void *p, size_t n, int timeout_ms, struct err *e)
{
	const unsigned char *q = p;
	long deadline = clock_mono_ms() + timeout_ms;
	size_t sent;
	CURLcode c;

	while (n > 0) {
		c = curl_easy_send(s->h, q, n, &sent);
		if (c == CURLE_AGAIN) {
			if (wait_fd(s->fd, POLLOUT, deadline) <= 0)
				return err_set(e, RC_TIMEOUT_IO, "stream write: the container is not reading");
			continue;
		}
		if (c != CURLE_OK)
			return err_set(e, RC_DOCKER, "stream write: %s", curl_easy_strerror(c));
		q += sent;
		n -= sent;
	}
	return 0;
}

int dk_stream_read(struct dk_stream *s, void *p, size_t cap, size_t *got, struct err *e)
{
	CURLcode c;
	size_t n;

	*got = 0;
	if (s->pend_off < s->pend_len) {
		n = s->pend_len - s->pend_off;
		if (n > cap)
			n = cap;
		memcpy(p, s->pending + s->pend_off, n);
		s->pend_off += n;
		*got = n;
		return 0;
	}
	c = curl_easy_recv(s->h, p, cap, &n);
	if (c == CURLE_AGAIN)
		return 0;
	if (c != CURLE_OK)
		return err_set(e, RC_DOCKER, "stream read: %s", curl_easy_strerror(c));
	if (n == 0)
		return 1;
	*got = n;
	return 0;
}

void dk_stream_close(struct dk_stream *s)
{
	if (s == NULL)
		return;
	if (s->h)
		curl_easy_cleanup(s->h);
	free(s);
}
