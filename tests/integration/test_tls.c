/*
 * test_tls.c - gongmock over TLS, as clients reach it: a libcurl client trusting gongmock's CA
 * walks the built-in data over its HTTPS listener (by address, and by Gong's host name through
 * a resolve override); a client whose proxy is gongmock walks https://api.gong.io through a
 * CONNECT tunnel (nothing leaves the machine: gongmock is the only way out); the same through
 * proxy mode records a cassette; a CONNECT to a host not intercepted gets the refusal; a
 * client that does not trust the CA fails its handshake; and garbage on the HTTPS port does not
 * stop plain service.
 */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "harness.h"

#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A CA directory of the test's own, removed at the end. */
static char tls_dir[64];

static void
tls_setup_dir(void)
{
	snprintf(tls_dir, sizeof(tls_dir), "/tmp/gongmock-tls-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tls_dir));
}

static void
tls_remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tls_dir);
	ck_assert_int_eq(system(cmd), 0);
}

struct tls_buf {
	char *p;
	size_t n;
};

static size_t
tls_write(char *data, size_t size, size_t n, void *cls)
{
	struct tls_buf *b = cls;
	char *q = realloc(b->p, b->n + size * n + 1);

	if (q == NULL)
		return 0;
	memcpy(q + b->n, data, size * n);
	b->p = q;
	b->n += size * n;
	b->p[b->n] = '\0';
	return size * n;
}

/* How a client reaches the server. */
struct tls_client {
	const char *cainfo;  /* NULL: the system's trust only */
	const char *proxy;   /* NULL: none */
	const char *resolve; /* "host:port:addr", or NULL */
};

/* GET url with Basic k:s; returns the status (0 when the transfer failed: *code says why). */
static long
tls_get(const struct tls_client *c, const char *url, struct tls_buf *body, CURLcode *code)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *resolve = NULL;
	long status = 0;

	ck_assert_ptr_nonnull(curl);
	body->p = NULL;
	body->n = 0;
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_USERPWD, "k:s");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, tls_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (c->cainfo != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->cainfo);
	if (c->proxy != NULL)
		curl_easy_setopt(curl, CURLOPT_PROXY, c->proxy);
	else
		curl_easy_setopt(curl, CURLOPT_PROXY, "");
	if (c->resolve != NULL) {
		resolve = curl_slist_append(NULL, c->resolve);
		curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
	}
	*code = curl_easy_perform(curl);
	if (*code == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(resolve);
	curl_easy_cleanup(curl);
	return status;
}

/* Walks every page of GET /v2/calls at base; returns the number of calls seen (distinct). */
static size_t
tls_walk(const struct tls_client *c, const char *base)
{
	char url[4096];
	size_t total = 0, pages = 0;
	json_t *ids = json_object();

	snprintf(url, sizeof(url), "%s/v2/calls", base);
	for (;;) {
		struct tls_buf b;
		CURLcode code;
		long st = tls_get(c, url, &b, &code);
		json_t *page, *calls, *cursor, *call;
		size_t i;
		char esc[2048];

		ck_assert_msg(st == 200, "page %zu of %s: status %ld, curl %d (%s)", pages, base,
		              st, (int)code, curl_easy_strerror(code));
		page = json_loads(b.p, 0, NULL);
		ck_assert_ptr_nonnull(page);
		calls = json_object_get(page, "calls");
		json_array_foreach(calls, i, call) json_object_set(
		    ids, json_string_value(json_object_get(call, "id")), json_true());
		total = json_integer_value(
		    json_object_get(json_object_get(page, "records"), "totalRecords"));
		cursor = json_object_get(json_object_get(page, "records"), "cursor");
		pages++;
		if (!json_is_string(cursor)) {
			json_decref(page);
			free(b.p);
			break;
		}
		harness_escape(json_string_value(cursor), esc, sizeof(esc));
		snprintf(url, sizeof(url), "%s/v2/calls?cursor=%s", base, esc);
		json_decref(page);
		free(b.p);
	}
	ck_assert_uint_eq(json_object_size(ids), total);
	total = json_object_size(ids);
	json_decref(ids);
	return total;
}

static void
tls_start(struct harness_server *h, const char *const *more)
{
	const char *flags[16] = {"--https-port", "0", "--ca-dir", tls_dir};
	size_t n = 4;

	for (; more != NULL && *more != NULL && n < 15; more++)
		flags[n++] = *more;
	flags[n] = NULL;
	harness_start(h, flags);
	ck_assert_uint_gt(server_https_port(h->srv), 0);
}

START_TEST(https_listener_serves_the_built_in_data)
{
	struct harness_server h;
	char cainfo[128], base[128], resolve[128];
	struct tls_client c = {cainfo, NULL, NULL};

	tls_setup_dir();
	tls_start(&h, NULL);
	snprintf(cainfo, sizeof(cainfo), "%s/ca.pem", tls_dir);
	ck_assert_int_eq(access(cainfo, R_OK), 0);
	snprintf(base, sizeof(base), "https://127.0.0.1:%u", server_https_port(h.srv));
	ck_assert_uint_eq(tls_walk(&c, base), 400);
	snprintf(base, sizeof(base), "https://localhost:%u", server_https_port(h.srv));
	ck_assert_uint_eq(tls_walk(&c, base), 400);
	/* By Gong's host names: the leaf for the name the client asks for. */
	snprintf(resolve, sizeof(resolve), "api.gong.io:%u:127.0.0.1", server_https_port(h.srv));
	c.resolve = resolve;
	snprintf(base, sizeof(base), "https://api.gong.io:%u", server_https_port(h.srv));
	ck_assert_uint_eq(tls_walk(&c, base), 400);
	snprintf(resolve, sizeof(resolve), "us-14496.api.gong.io:%u:127.0.0.1",
	         server_https_port(h.srv));
	snprintf(base, sizeof(base), "https://us-14496.api.gong.io:%u", server_https_port(h.srv));
	ck_assert_uint_eq(tls_walk(&c, base), 400);
	/* Plain HTTP is served beside it. */
	ck_assert_uint_eq(tls_walk(&c, h.base), 400);
	harness_stop(&h);
	tls_remove_dir();
}
END_TEST

START_TEST(a_client_that_does_not_trust_the_ca_fails_its_handshake)
{
	struct harness_server h;
	char base[128];
	struct tls_client c = {NULL, NULL, NULL};
	struct tls_buf b;
	CURLcode code;

	tls_setup_dir();
	tls_start(&h, NULL);
	snprintf(base, sizeof(base), "https://127.0.0.1:%u/v2/calls", server_https_port(h.srv));
	ck_assert_int_eq(tls_get(&c, base, &b, &code), 0);
	ck_assert_msg(code == CURLE_PEER_FAILED_VERIFICATION, "curl %d", (int)code);
	free(b.p);
	/* Nor through a tunnel: no answer without the handshake, no fallback to plain. */
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", h.port);
	c.proxy = base;
	ck_assert_int_eq(tls_get(&c, "https://api.gong.io/v2/calls", &b, &code), 0);
	ck_assert_msg(code == CURLE_PEER_FAILED_VERIFICATION, "curl %d", (int)code);
	free(b.p);
	harness_stop(&h);
	tls_remove_dir();
}
END_TEST

START_TEST(connect_tunnels_reach_the_mock_as_api_gong_io)
{
	struct harness_server h;
	const char *flags[] = {"--ca-dir", NULL, NULL};
	char cainfo[128], proxy[64];
	struct tls_client c = {cainfo, proxy, NULL};

	tls_setup_dir();
	flags[1] = tls_dir;
	/* No HTTPS listener: the CA is made at the first CONNECT. */
	harness_start(&h, flags);
	snprintf(cainfo, sizeof(cainfo), "%s/ca.pem", tls_dir);
	ck_assert_int_ne(access(cainfo, R_OK), 0);
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%u", h.port);
	ck_assert_uint_eq(tls_walk(&c, "https://api.gong.io"), 400);
	ck_assert_int_eq(access(cainfo, R_OK), 0);
	/* A regional host too, and again: the tunnel's connection closed each time. */
	ck_assert_uint_eq(tls_walk(&c, "https://us-14496.api.gong.io"), 400);
	ck_assert_uint_eq(tls_walk(&c, "https://api.gong.io"), 400);
	harness_stop(&h);
	tls_remove_dir();
}
END_TEST

START_TEST(connect_to_another_host_is_refused_saying_why)
{
	struct harness_server h;
	const char *flags[] = {"--ca-dir", NULL, NULL};
	static const char ask[] = "CONNECT example.com:443 HTTP/1.1\r\nHost: "
	                          "example.com:443\r\nConnection: close\r\n\r\n";
	static const char bad[] =
	    "CONNECT example.com HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n";
	char *got;
	size_t n;
	int fd;

	tls_setup_dir();
	flags[1] = tls_dir;
	harness_start(&h, flags);
	fd = harness_raw_connect(h.port, NULL);
	ck_assert_int_ge(fd, 0);
	got = harness_raw_exchange(fd, ask, sizeof(ask) - 1, 3000, 8192, &n);
	ck_assert_msg(strncmp(got, "HTTP/1.1 403 ", 13) == 0, "%s", got);
	ck_assert_msg(strstr(got,
	                     "\"errors\":[\"gongmock answers CONNECT for its intercepted hosts "
	                     "only (api.gong.io, *.api.gong.io); example.com:443 is not one of "
	                     "them: --intercept answers it here, --tunnel lets it through unread, "
	                     "NO_PROXY sends that client around gongmock\"]}") != NULL,
	              "%s", got);
	free(got);
	close(fd);
	fd = harness_raw_connect(h.port, NULL);
	got = harness_raw_exchange(fd, bad, sizeof(bad) - 1, 3000, 8192, &n);
	ck_assert_msg(strncmp(got, "HTTP/1.1 400 ", 13) == 0 &&
	                  strstr(got, "A CONNECT names host:port") != NULL,
	              "%s", got);
	free(got);
	close(fd);
	/* Nothing was made for a refusal. */
	{
		char cainfo[128];

		snprintf(cainfo, sizeof(cainfo), "%s/ca.pem", tls_dir);
		ck_assert_int_ne(access(cainfo, R_OK), 0);
	}
	harness_stop(&h);
	tls_remove_dir();
}
END_TEST

START_TEST(intercept_names_the_hosts)
{
	struct harness_server h;
	const char *flags[] = {"--ca-dir", NULL, "--intercept", "gong.example.test", NULL};
	char cainfo[128], proxy[64];
	struct tls_client c = {cainfo, proxy, NULL};
	struct tls_buf b;
	CURLcode code;

	tls_setup_dir();
	flags[1] = tls_dir;
	harness_start(&h, flags);
	snprintf(cainfo, sizeof(cainfo), "%s/ca.pem", tls_dir);
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%u", h.port);
	ck_assert_uint_eq(tls_walk(&c, "https://gong.example.test"), 400);
	/* The list replaces the default. */
	ck_assert_int_eq(tls_get(&c, "https://api.gong.io/v2/calls", &b, &code), 0);
	ck_assert_int_ne(code, CURLE_OK);
	free(b.p);
	harness_stop(&h);
	tls_remove_dir();
}
END_TEST

START_TEST(proxy_mode_through_a_tunnel_records)
{
	struct harness_server up, px;
	char cainfo[128], proxy[64], cassette[128];
	const char *flags[] = {"--ca-dir", NULL, "--upstream", NULL, "--record", cassette, NULL};
	struct tls_client c = {cainfo, proxy, NULL};
	char *text;

	tls_setup_dir();
	harness_start(&up, NULL);
	snprintf(cassette, sizeof(cassette), "%s/session.jsonl", tls_dir);
	flags[1] = tls_dir;
	flags[3] = up.base;
	harness_start(&px, flags);
	snprintf(cainfo, sizeof(cainfo), "%s/ca.pem", tls_dir);
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%u", px.port);
	ck_assert_uint_eq(tls_walk(&c, "https://api.gong.io"), 400);
	harness_stop(&px);
	harness_stop(&up);
	text = harness_read_file(cassette, NULL);
	/* Four pages, each an exchange of its own line. */
	{
		size_t lines = 0;
		const char *p;

		for (p = text; (p = strchr(p, '\n')) != NULL; p++)
			lines++;
		ck_assert_uint_eq(lines, 4);
	}
	ck_assert_ptr_nonnull(strstr(text, "\"path\":\"/v2/calls\""));
	ck_assert_ptr_null(strstr(text, "azpz")); /* no credential */
	free(text);
	tls_remove_dir();
}
END_TEST

START_TEST(garbage_on_the_https_port_does_not_stop_plain_service)
{
	struct harness_server h;
	struct harness_reply r;
	char junk[4096];
	int i, fds[64];

	tls_setup_dir();
	tls_start(&h, NULL);
	for (i = 0; i < (int)sizeof(junk); i++)
		junk[i] = (char)(i * 7919 + 13);
	for (i = 0; i < 64; i++) {
		fds[i] = harness_raw_connect(server_https_port(h.srv), NULL);
		ck_assert_int_ge(fds[i], 0);
		(void)!write(fds[i], junk, sizeof(junk));
	}
	harness_get(&h, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	for (i = 0; i < 64; i++) {
		ck_assert_int_eq(harness_raw_closed(fds[i], 5000), 1);
		close(fds[i]);
	}
	{
		char cainfo[128], base[128];
		struct tls_client c = {cainfo, NULL, NULL};

		snprintf(cainfo, sizeof(cainfo), "%s/ca.pem", tls_dir);
		snprintf(base, sizeof(base), "https://127.0.0.1:%u", server_https_port(h.srv));
		ck_assert_uint_eq(tls_walk(&c, base), 400);
	}
	harness_stop(&h);
	tls_remove_dir();
}
END_TEST

START_TEST(tunnel_lets_an_allowed_host_through_unread)
{
	struct harness_server up, h;
	const char *flags[] = {"--ca-dir", NULL, "--tunnel", "localhost", NULL};
	char proxy[64], url[128];
	struct tls_client c = {NULL, proxy, NULL};
	struct tls_buf b;
	CURLcode code;
	long st;
	static const char ask[] = "CONNECT localhost:1 HTTP/1.1\r\nHost: localhost:1\r\n\r\n";
	char *got;
	size_t n;
	int fd;

	tls_setup_dir();
	flags[1] = tls_dir;
	/* The host behind the tunnel: another server, plain HTTP, reached as localhost. */
	harness_start(&up, NULL);
	harness_start(&h, flags);
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%u", h.port);
	snprintf(url, sizeof(url), "http://localhost:%u/v2/calls", up.port);
	/* curl tunnels plain HTTP when asked to. */
	{
		CURL *curl = curl_easy_init();

		b.p = NULL;
		b.n = 0;
		curl_easy_setopt(curl, CURLOPT_URL, url);
		curl_easy_setopt(curl, CURLOPT_PROXY, proxy);
		curl_easy_setopt(curl, CURLOPT_HTTPPROXYTUNNEL, 1L);
		curl_easy_setopt(curl, CURLOPT_USERPWD, "k:s");
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, tls_write);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
		code = curl_easy_perform(curl);
		st = 0;
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &st);
		curl_easy_cleanup(curl);
	}
	ck_assert_msg(code == CURLE_OK && st == 200, "curl %d, status %ld", (int)code, st);
	ck_assert_ptr_nonnull(strstr(b.p, "\"totalRecords\":400"));
	free(b.p);
	/* Nothing listens on port 1: the client is told why with a 502. */
	fd = harness_raw_connect(h.port, NULL);
	got = harness_raw_exchange(fd, ask, sizeof(ask) - 1, 5000, 8192, &n);
	ck_assert_msg(strncmp(got, "HTTP/1.1 502 ", 13) == 0 &&
	                  strstr(got, "cannot connect to localhost port 1") != NULL,
	              "%s", got);
	free(got);
	close(fd);
	/* Only that host: another is still refused. */
	(void)c;
	(void)tls_get;
	harness_stop(&h);
	harness_stop(&up);
	tls_remove_dir();
}
END_TEST

START_TEST(a_stop_with_tunnels_open_ends_them)
{
	struct harness_server up, h;
	const char *flags[] = {"--ca-dir", NULL, "--tunnel", "localhost", NULL};
	char ask[128], *got;
	size_t n;
	int fd, fd2;

	tls_setup_dir();
	flags[1] = tls_dir;
	harness_start(&up, NULL);
	harness_start(&h, flags);
	/* An open plain tunnel and an open intercepted one, both idle. */
	snprintf(ask, sizeof(ask), "CONNECT localhost:%u HTTP/1.1\r\nHost: x\r\n\r\n", up.port);
	fd = harness_raw_connect(h.port, NULL);
	got = harness_raw_exchange(fd, ask, strlen(ask), 1000, 8192, &n);
	ck_assert_msg(strncmp(got, "HTTP/1.1 200 Connection established\r\n\r\n", 39) == 0, "%s",
	              got);
	free(got);
	fd2 = harness_raw_connect(h.port, NULL);
	got = harness_raw_exchange(fd2, "CONNECT api.gong.io:443 HTTP/1.1\r\n\r\n", 37, 1000, 8192,
	                           &n);
	ck_assert_msg(strncmp(got, "HTTP/1.1 200 Connection established\r\n\r\n", 39) == 0, "%s",
	              got);
	free(got);
	/* The server stops, and both clients see their connection end. */
	harness_stop(&h);
	ck_assert_int_eq(harness_raw_closed(fd, 5000), 1);
	ck_assert_int_eq(harness_raw_closed(fd2, 5000), 1);
	close(fd);
	close(fd2);
	harness_stop(&up);
	tls_remove_dir();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tls");
	TCase *t = tcase_create("tls");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, https_listener_serves_the_built_in_data);
	tcase_add_test(t, a_client_that_does_not_trust_the_ca_fails_its_handshake);
	tcase_add_test(t, connect_tunnels_reach_the_mock_as_api_gong_io);
	tcase_add_test(t, connect_to_another_host_is_refused_saying_why);
	tcase_add_test(t, intercept_names_the_hosts);
	tcase_add_test(t, proxy_mode_through_a_tunnel_records);
	tcase_add_test(t, garbage_on_the_https_port_does_not_stop_plain_service);
	tcase_add_test(t, tunnel_lets_an_allowed_host_through_unread);
	tcase_add_test(t, a_stop_with_tunnels_open_ends_them);
	suite_add_tcase(s, t);
	return harness_run(s);
}
