/*
 * harness.c - starting servers and talking to them over real sockets, for the tests, and the
 * small things every test program would otherwise write again. What cannot go wrong in a
 * sound test environment (a socket, a temporary file) fails the test through check.
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
#include <pthread.h>
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
	for (; flags != NULL && *flags != NULL && argc < 62; flags++) {
		h->flags[h->nflags] = strdup(*flags);
		ck_assert_ptr_nonnull(h->flags[h->nflags]);
		argv[argc++] = h->flags[h->nflags++];
	}
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
	size_t i;

	server_stop(h->srv);
	h->srv = NULL;
	config_release(&h->cfg);
	for (i = 0; i < h->nflags; i++)
		free(h->flags[i]);
	h->nflags = 0;
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

char *
harness_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s (tests run from the repository root)", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
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
	const char *b = getenv("TEST_GONGMOCK_BIN");

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

/* Waits up to HARNESS_RAW_WAIT_MS for fd to become readable; 1 when it did. */
static int
harness_raw_wait(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, HARNESS_RAW_WAIT_MS) == 1;
}

static int
harness_raw_send(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Waits up to ms for the client on fd to close (or reset), reading what it sends meanwhile. */
static void
harness_raw_hold(int fd, int ms)
{
	struct timespec t0;
	char sink[4096];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		long left = ms - harness_ms_since(&t0);

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return;
		if (recv(fd, sink, sizeof(sink), 0) <= 0)
			return;
	}
}

/*
 * Reads a request head into head (NUL-terminated) until the blank line, the client closes,
 * it is quiet for HARNESS_RAW_WAIT_MS, or cap - 1 bytes came; returns its length.
 */
static size_t
harness_raw_read_head(int fd, char *head, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	head[0] = '\0';
	while (len < cap - 1 && harness_raw_wait(fd)) {
		n = recv(fd, head + len, cap - 1 - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
		head[len] = '\0';
		if (strstr(head, "\r\n\r\n") != NULL)
			break;
	}
	return len;
}

/* Sends the reply and the filler, then holds the connection, as the options say. */
static void
harness_raw_answer(const struct harness_raw_options *o, int fd)
{
	char filler[16384];
	size_t left, chunk;

	if (o->reply != NULL && harness_raw_send(fd, o->reply, strlen(o->reply)) != 0)
		return;
	memset(filler, 'x', sizeof(filler));
	for (left = o->fill; left > 0; left -= chunk) {
		chunk = left < sizeof(filler) ? left : sizeof(filler);
		if (harness_raw_send(fd, filler, chunk) != 0)
			return;
	}
	if (o->hold_ms > 0)
		harness_raw_hold(fd, o->hold_ms);
}

/*
 * Takes the connections one at a time until the count is reached or harness_raw_stop shuts
 * the listening socket, which wakes accept. The first request head is copied out under the
 * lock before the answer, so a test can look at it while the connection is held.
 */
static void *
harness_raw_main(void *cls)
{
	struct harness_raw_server *s = cls;
	unsigned i, conns = s->opt.conns > 0 ? s->opt.conns : 1;

	for (i = 0; i < conns; i++) {
		char head[sizeof(s->request)];
		size_t len;
		int c = accept(s->fd, NULL, NULL);

		if (c < 0)
			break;
		len = harness_raw_read_head(c, head, sizeof(head));
		if (i == 0) {
			pthread_mutex_lock(&s->lock);
			memcpy(s->request, head, len + 1);
			s->request_len = len;
			s->request_done = 1;
			pthread_cond_broadcast(&s->cond);
			pthread_mutex_unlock(&s->lock);
		}
		harness_raw_answer(&s->opt, c);
		close(c);
	}
	return NULL;
}

void
harness_raw_start(struct harness_raw_server *s, const struct harness_raw_options *o)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	memset(s, 0, sizeof(*s));
	s->opt = *o;
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(s->fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(s->fd, 8), 0);
	ck_assert_int_eq(getsockname(s->fd, (struct sockaddr *)&sa, &len), 0);
	s->port = ntohs(sa.sin_port);
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%u", s->port);
	ck_assert_int_eq(pthread_mutex_init(&s->lock, NULL), 0);
	ck_assert_int_eq(pthread_cond_init(&s->cond, NULL), 0);
	ck_assert_int_eq(pthread_create(&s->thread, NULL, harness_raw_main, s), 0);
}

void
harness_raw_stop(struct harness_raw_server *s)
{
	/* On Linux, shutting a listening socket down wakes a thread blocked in accept on it. */
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->thread, NULL);
	close(s->fd);
	s->fd = -1;
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
}

int
harness_raw_request(struct harness_raw_server *s, char *buf, size_t buflen, int ms)
{
	struct timespec until;
	int done;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->lock);
	while (!s->request_done && pthread_cond_timedwait(&s->cond, &s->lock, &until) != ETIMEDOUT)
		;
	done = s->request_done;
	snprintf(buf, buflen, "%s", s->request);
	pthread_mutex_unlock(&s->lock);
	return done ? 0 : -1;
}

unsigned
harness_closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

int64_t
harness_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long
harness_mono_ms(void)
{
	return (long)(harness_mono_us() / 1000);
}

void
harness_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
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

int
harness_sh(const char *cmd, char *out, size_t outlen)
{
	FILE *f = popen(cmd, "r");
	size_t n;
	int rc;

	ck_assert_ptr_nonnull(f);
	n = fread(out, 1, outlen - 1, f);
	out[n] = '\0';
	rc = pclose(f);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}
