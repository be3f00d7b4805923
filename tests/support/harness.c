/*
 * harness.c - starting servers and talking to them over real sockets, for the tests.
 */
#define _DEFAULT_SOURCE /* mkstemps, kill */
#include "harness.h"

#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#include "log.h"

int
harness_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	curl_global_init(CURL_GLOBAL_ALL);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed == 0 ? 0 : 1;
}

void
harness_start(struct harness_server *h, const char *const *flags)
{
	const char *argv[64];
	char err[1024];
	int argc = 0, code;

	memset(h, 0, sizeof(*h));
	argv[argc++] = "gongmock";
	argv[argc++] = "--port";
	argv[argc++] = "0";
	argv[argc++] = "--quiet";
	argv[argc++] = "--threads";
	argv[argc++] = "2";
	for (; flags != NULL && *flags != NULL && argc < 62; flags++)
		argv[argc++] = *flags;
	argv[argc] = NULL;
	config_defaults(&h->cfg);
	ck_assert_int_eq(config_parse(&h->cfg, argc, (char **)argv, err, sizeof(err)), CONFIG_OK);
	log_setup(LOG_TEXT, h->cfg.quiet);
	h->srv = server_start(&h->cfg, err, sizeof(err), &code);
	ck_assert_msg(h->srv != NULL, "server_start: %s", err);
	h->port = server_port(h->srv);
	ck_assert_uint_gt(h->port, 0);
	snprintf(h->base, sizeof(h->base), "http://127.0.0.1:%u", h->port);
}

void
harness_stop(struct harness_server *h)
{
	server_stop(h->srv);
	h->srv = NULL;
}

struct harness_buf {
	char *p;
	size_t len;
};

static size_t
harness_sink(char *data, size_t size, size_t n, void *cls)
{
	struct harness_buf *b = cls;
	size_t len = size * n;
	char *p = realloc(b->p, b->len + len + 1);

	if (p == NULL)
		return 0;
	memcpy(p + b->len, data, len);
	b->p = p;
	b->len += len;
	b->p[b->len] = '\0';
	return len;
}

void
harness_request(const struct harness_server *h, const char *method, const char *target,
                const char *authorization, const char *const *extra_headers, const char *body,
                struct harness_reply *out)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	struct harness_buf bb = {NULL, 0}, hb = {NULL, 0};
	char url[16384], line[8192];

	ck_assert_ptr_nonnull(c);
	memset(out, 0, sizeof(*out));
	snprintf(url, sizeof(url), "%s%s", h->base, target);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, harness_sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &bb);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, harness_sink);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hb);
	if (method != NULL && strcmp(method, "GET") != 0) {
		if (strcmp(method, "HEAD") == 0)
			curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		else
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	}
	if (authorization != NULL) {
		snprintf(line, sizeof(line), "Authorization: %s", authorization);
		hdrs = curl_slist_append(hdrs, line);
	}
	for (; extra_headers != NULL && *extra_headers != NULL; extra_headers++)
		hdrs = curl_slist_append(hdrs, *extra_headers);
	if (hdrs != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	out->curl_code = (int)curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	out->body = bb.p != NULL ? bb.p : strdup("");
	out->body_len = bb.len;
	out->headers = hb.p != NULL ? hb.p : strdup("");
	out->json = json_loadb(out->body, out->body_len, 0, NULL);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
}

void
harness_get(const struct harness_server *h, const char *target, struct harness_reply *out)
{
	/* base64("k:s") */
	harness_request(h, NULL, target, "Basic azpz", NULL, NULL, out);
}

const char *
harness_header(const struct harness_reply *r, const char *name, char *buf, size_t buflen)
{
	const char *p = r->headers;
	size_t nlen = strlen(name);

	while (p != NULL && *p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			const char *v = p + nlen + 1;
			size_t vlen;

			while (*v == ' ')
				v++;
			vlen = (size_t)(p + len - v);
			while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == ' '))
				vlen--;
			if (vlen >= buflen)
				vlen = buflen - 1;
			memcpy(buf, v, vlen);
			buf[vlen] = '\0';
			return buf;
		}
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

void
harness_reply_free(struct harness_reply *r)
{
	free(r->body);
	free(r->headers);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

void
harness_temp_file(const char *text, const char *suffix, char *buf, size_t buflen)
{
	int fd;
	size_t len = strlen(text);

	snprintf(buf, buflen, "/tmp/gongmock-test-XXXXXX%s", suffix);
	fd = mkstemps(buf, (int)strlen(suffix));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
}

void
harness_escape(const char *s, char *buf, size_t buflen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s != '\0' && n + 4 < buflen; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			buf[n++] = (char)c;
		} else {
			buf[n++] = '%';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 15];
		}
	}
	buf[n] = '\0';
}

static const char *
harness_bin(void)
{
	const char *b = getenv("GONGMOCK_BIN");

	return b != NULL ? b : "build/gongmock";
}

void
harness_spawn(struct harness_proc *p, const char *const *args)
{
	posix_spawn_file_actions_t fa;
	const char *argv[32];
	int o[2], e[2];
	size_t n = 0;

	argv[n++] = harness_bin();
	for (; *args != NULL && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	ck_assert_int_eq(pipe(o), 0);
	ck_assert_int_eq(pipe(e), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, o[1], 1);
	posix_spawn_file_actions_adddup2(&fa, e[1], 2);
	posix_spawn_file_actions_addclose(&fa, o[0]);
	posix_spawn_file_actions_addclose(&fa, e[0]);
	ck_assert_int_eq(posix_spawn(&p->pid, argv[0], &fa, NULL, (char **)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(o[1]);
	close(e[1]);
	p->out = o[0];
	p->err = e[0];
}

/* Reads fd until EOF or `ms` pass; returns what came, NUL-terminated (caller frees). */
char *
harness_read_until(int fd, int ms, const char *stop_at)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	buf[0] = '\0';
	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		long spent;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		spent = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= ms || poll(&pfd, 1, (int)(ms - spent)) <= 0)
			break;
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (stop_at != NULL && strstr(buf, stop_at) != NULL)
			break;
		if (len + 1 >= cap)
			break;
	}
	return buf;
}

int
harness_wait(struct harness_proc *p, int ms)
{
	int status = 0, i;

	for (i = 0; i < ms / 10; i++) {
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			close(p->out);
			close(p->err);
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		usleep(10000);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &status, 0);
	close(p->out);
	close(p->err);
	return -1;
}

int
harness_raw_connect(unsigned port, const char *from)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (from != NULL) {
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		if (inet_pton(AF_INET, from, &a.sin_addr) != 1 ||
		    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
			close(fd);
			return -1;
		}
	}
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static long
harness_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

char *
harness_raw_exchange(int fd, const char *data, size_t len, int ms, size_t max, size_t *got)
{
	struct timespec t0;
	size_t sent = 0, n = 0;
	char *out = malloc(max + 1);

	ck_assert_ptr_nonnull(out);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (sent < len) {
		ssize_t w = send(fd, data + sent, len - sent, MSG_NOSIGNAL);

		if (w <= 0)
			break;
		sent += (size_t)w;
	}
	while (n < max) {
		struct pollfd p = {fd, POLLIN, 0};
		long left = ms - harness_ms_since(&t0);
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		r = recv(fd, out + n, max - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	out[n] = '\0';
	if (got != NULL)
		*got = n;
	return out;
}

int
harness_raw_closed(int fd, int ms)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		long left = ms - harness_ms_since(&t0);
		char c;
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return 0;
		r = recv(fd, &c, 1, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			return 1;
	}
}

long
harness_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}
