/*
 * runbox-load: the attack suite's load generator. C connections, each a thread that sends
 * run requests one after another until the duration is over, then waits for its last
 * answer (so every request sent is answered or counted as failed, never abandoned).
 *
 *   runbox-load HOST:PORT CONNECTIONS SECONDS KEYS-FILE KIND=BODY-FILE...
 *
 * Connection n signs in with key (n mod K) of KEYS-FILE (one key per line, "-" for none)
 * and sends the kinds in the order given, starting at kind n, so every connection mixes
 * them. Prints one line per request:
 *
 *   user kind answer http seconds retry-after
 *
 * user is the key's line (1-based); answer is the JSON's error.code, else its status
 * ("not-json" if neither); http is 000 when the exchange failed; retry-after is the header's
 * value or "-". HTTP/1.0, one connection per request: as a browser behind a proxy would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <jansson.h>

#define MAX_KINDS 32
#define MAX_KEYS 16
#define MAX_CONNS 256
#define ANSWER_MAX (4 * 1024 * 1024)

struct kind {
	const char *name;
	char *body;
	size_t len;
};

static struct sockaddr_in addr;
static struct kind kinds[MAX_KINDS];
static int nkinds;
static char *keys[MAX_KEYS];
static int nkeys;
static double deadline;

struct conn {
	pthread_t tid;
	int n;
	char *out;     /* the lines of this connection */
	size_t out_len, out_cap;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (p = malloc((size_t)n + 1)) == NULL ||
	    fread(p, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "runbox-load: cannot read %s: %s\n", path, strerror(errno));
		exit(2);
	}
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* One request. Fills http (0 on failure), answer and retry. Returns seconds taken. */
static double exchange(const struct kind *k, const char *key, int *http, char *answer,
		       size_t answer_cap, char *retry, size_t retry_cap)
{
	struct timeval tv = { 60, 0 };
	char head[512];
	char *resp = malloc(ANSWER_MAX);
	size_t got = 0;
	double t0 = now();
	int fd = -1, hl;
	const char *body, *h;
	json_t *j = NULL, *v;

	*http = 0;
	(void)snprintf(answer, answer_cap, "no-answer");
	(void)snprintf(retry, retry_cap, "-");
	if (resp == NULL)
		goto out;
	hl = snprintf(head, sizeof head, "POST /api/editor/run HTTP/1.0\r\nHost: runbox\r\n"
		      "Content-Type: application/json\r\nContent-Length: %zu\r\n%s%s%s\r\n",
		      k->len, key ? "Authorization: Bearer " : "", key ? key : "", key ? "\r\n" : "");
	if (hl < 0 || (size_t)hl >= sizeof head)
		goto out;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
	    connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
	    send_all(fd, head, (size_t)hl) != 0 || send_all(fd, k->body, k->len) != 0)
		goto out;
	for (;;) {
		ssize_t r = recv(fd, resp + got, ANSWER_MAX - 1 - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;  /* timed out or reset: counted as failed */
		if (r == 0 || (got += (size_t)r) == ANSWER_MAX - 1)
			break;
	}
	resp[got] = '\0';
	if (sscanf(resp, "HTTP/%*d.%*d %d", http) != 1 || (body = strstr(resp, "\r\n\r\n")) == NULL) {
		*http = 0;
		goto out;
	}
	for (h = strstr(resp, "\r\n"); h && h < body; h = strstr(h + 2, "\r\n"))
		if (strncasecmp(h + 2, "Retry-After:", 12) == 0)
			(void)sscanf(h + 14, "%15s", retry);
	body += 4;
	(void)snprintf(answer, answer_cap, "not-json");
	if ((j = json_loadb(body, got - (size_t)(body - resp), 0, NULL)) != NULL) {
		if ((v = json_object_get(json_object_get(j, "error"), "code")) == NULL)
			v = json_object_get(j, "status");
		if (json_is_string(v))
			(void)snprintf(answer, answer_cap, "%s", json_string_value(v));
	}
out:
	json_decref(j);
	if (fd >= 0)
		close(fd);
	free(resp);
	return now() - t0;
}

static void *run_conn(void *arg)
{
	struct conn *c = arg;
	int user = c->n % nkeys, i = c->n % nkinds;

	while (now() < deadline) {
		char answer[64], retry[16], line[256];
		int http, len;
		const struct kind *k = &kinds[i];
		double secs = exchange(k, keys[user], &http, answer, sizeof answer, retry, sizeof retry);

		i = (i + 1) % nkinds;
		len = snprintf(line, sizeof line, "%d %s %s %03d %.3f %s\n", user + 1, k->name,
			       answer, http, secs, retry);
		if (len < 0 || (size_t)len >= sizeof line)
			continue;
		if (c->out_len + (size_t)len > c->out_cap) {
			size_t cap = c->out_cap ? c->out_cap * 2 : 4096;
			char *p = realloc(c->out, cap);

			if (p == NULL)
				break;
			c->out = p;
			c->out_cap = cap;
		}
		memcpy(c->out + c->out_len, line, (size_t)len);
		c->out_len += (size_t)len;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static struct conn conns[MAX_CONNS];
	char host[64], *colon, *text, *end;
	size_t len;
	int nconns, i, port, bad = 0;
	double secs;

	if (argc < 6) {
		fprintf(stderr, "usage: runbox-load HOST:PORT CONNECTIONS SECONDS KEYS-FILE KIND=BODY-FILE...\n");
		return 2;
	}
	(void)snprintf(host, sizeof host, "%s", argv[1]);
	nconns = (int)strtol(argv[2], &end, 10);
	bad |= *end != '\0';
	secs = strtod(argv[3], &end);
	bad |= *end != '\0';
	if (bad || (colon = strchr(host, ':')) == NULL || nconns < 1 || nconns > MAX_CONNS ||
	    secs <= 0 || secs > 600 || argc - 5 > MAX_KINDS) {
		fprintf(stderr, "runbox-load: bad arguments\n");
		return 2;
	}
	*colon = '\0';
	port = (int)strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535) {
		fprintf(stderr, "runbox-load: bad port in %s\n", argv[1]);
		return 2;
	}
	addr.sin_family = AF_INET;
	addr.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		fprintf(stderr, "runbox-load: %s is not an IPv4 address\n", host);
		return 2;
	}
	text = slurp(argv[4], &len);
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && nkeys < MAX_KEYS;
	     l = strtok_r(NULL, "\n", &save))
		keys[nkeys++] = strcmp(l, "-") == 0 ? NULL : l;
	if (nkeys == 0) {
		fprintf(stderr, "runbox-load: no keys in %s\n", argv[4]);
		return 2;
	}
	for (i = 5; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (eq == NULL) {
			fprintf(stderr, "runbox-load: %s is not KIND=BODY-FILE\n", argv[i]);
			return 2;
		}
		*eq = '\0';
		kinds[nkinds].name = argv[i];
		kinds[nkinds].body = slurp(eq + 1, &kinds[nkinds].len);
		nkinds++;
	}
	deadline = now() + secs;
	for (i = 0; i < nconns; i++) {
		conns[i].n = i;
		if (pthread_create(&conns[i].tid, NULL, run_conn, &conns[i]) != 0) {
			fprintf(stderr, "runbox-load: cannot start thread %d\n", i);
			return 1;
		}
	}
	for (i = 0; i < nconns; i++) {
		pthread_join(conns[i].tid, NULL);
		fwrite(conns[i].out, 1, conns[i].out_len, stdout);
		free(conns[i].out);
	}
	for (i = 0; i < nkinds; i++)
		free(kinds[i].body);
	free(text);
	return 0;
}
