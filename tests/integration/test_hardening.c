/*
 * test_hardening.c - requests no well-behaved client sends, over real sockets: hundreds of
 * query parameters, a request head sent a byte at a time, one address opening connection
 * after connection. Each must get an answer or a clean close, never a leak or a hang, and
 * the server must go on serving everyone else.
 */
#define _DEFAULT_SOURCE /* usleep */
#include "harness.h"

#include <check.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define AUTH_LINE "Authorization: Basic a2V5OnNlY3JldA==\r\n"

/* "GET /v2/calls?a=0&a=1&... HTTP/1.1" with n parameters, credentials unless anonymous. */
static char *
many_params_request(unsigned n, int anonymous, const char *connection, size_t *len)
{
	size_t cap = 64 + (size_t)n * 12 + 256, at = 0;
	char *s = malloc(cap);
	unsigned i;

	ck_assert_ptr_nonnull(s);
	at += (size_t)snprintf(s + at, cap - at, "GET /v2/calls?");
	for (i = 0; i < n; i++)
		at += (size_t)snprintf(s + at, cap - at, "%sa=%u", i ? "&" : "", i);
	at += (size_t)snprintf(s + at, cap - at, " HTTP/1.1\r\nHost: x\r\n%sConnection: %s\r\n\r\n",
	                       anonymous ? "" : AUTH_LINE, connection);
	*len = at;
	return s;
}

/* The status of the answer to one raw request on a new connection; 0 when none came. */
static int
raw_status(unsigned port, const char *req, size_t len, char **body)
{
	int fd = harness_raw_connect(port, NULL);
	char *out;
	int status = 0;

	ck_assert_int_ge(fd, 0);
	out = harness_raw_exchange(fd, req, len, 5000, 64 * 1024, NULL);
	close(fd);
	if (sscanf(out, "HTTP/1.1 %d ", &status) != 1)
		status = 0;
	if (body != NULL) {
		const char *b = strstr(out, "\r\n\r\n");

		*body = strdup(b != NULL ? b + 4 : "");
	}
	free(out);
	return status;
}

START_TEST(every_number_of_parameters_gets_an_answer)
{
	struct harness_server s;
	static const unsigned counts[] = {1, 100, 465, 512, 513, 1000, 2000, 3000};
	size_t i;

	harness_start(&s, NULL);
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		size_t len;
		char *req = many_params_request(counts[i], 0, "close", &len);
		char *body = NULL;
		int status = raw_status(s.port, req, len, &body);

		/* Up to 512 parameters in 8 KB are served (unknown names are ignored, as Gong
		 * does); past either, Gong's 400. */
		if (counts[i] <= 512 && len < 8000) {
			ck_assert_msg(status == 200, "%u parameters: status %d", counts[i], status);
		} else {
			json_error_t e;
			json_t *j = json_loads(body, 0, &e);
			const char *msg;

			ck_assert_msg(status == 400, "%u parameters: status %d", counts[i], status);
			ck_assert_msg(j != NULL, "%u parameters: body not JSON: %s", counts[i],
			              body);
			msg = json_string_value(json_array_get(json_object_get(j, "errors"), 0));
			ck_assert_ptr_nonnull(msg);
			ck_assert_str_eq(msg, "query: too long or too many parameters");
			ck_assert_ptr_nonnull(json_string_value(json_object_get(j, "requestId")));
			json_decref(j);
		}
		free(body);
		free(req);
	}
	/* Without credentials, the 401 comes first, whatever the query. */
	{
		size_t len;
		char *req = many_params_request(2000, 1, "close", &len);

		ck_assert_int_eq(raw_status(s.port, req, len, NULL), 401);
		free(req);
	}
	harness_stop(&s);
}
END_TEST

/* Under AddressSanitizer freed memory is quarantined, so RSS says nothing there; LeakSanitizer
 * checks the same path at exit instead. */
#if defined(__SANITIZE_ADDRESS__)
#define HARNESS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HARNESS_ASAN 1
#endif
#endif

START_TEST(oversized_requests_leave_memory_flat)
{
	struct harness_server s;
	size_t len;
	char *req = many_params_request(2000, 1, "close", &len);
	unsigned i, answered = 0, total = 10000;
	long before = 0, after;

#ifdef HARNESS_ASAN
	total = 1000;
#endif
	harness_start(&s, NULL);
	for (i = 0; i < total + 1000; i++) {
		/* The first thousand warm the allocator up. */
		if (i == 1000)
			before = harness_rss_kb();
		if (raw_status(s.port, req, len, NULL) == 401)
			answered++;
	}
	after = harness_rss_kb();
	ck_assert_uint_eq(answered, total + 1000);
#ifndef HARNESS_ASAN
	/* A leak of even 1 KB a request would show as 10 MB. */
	ck_assert_msg(after - before < 8 * 1024, "RSS grew from %ld to %ld KB", before, after);
#else
	(void)before;
	(void)after;
#endif
	harness_stop(&s);
	free(req);
}
END_TEST

START_TEST(the_proxy_answers_many_parameters_too)
{
	struct harness_server up, p;
	const char *flags[] = {"--upstream", NULL, NULL};
	size_t len;
	char *req = many_params_request(2000, 0, "close", &len);
	char *body = NULL;
	int status;

	harness_start(&up, NULL);
	flags[1] = up.base;
	harness_start(&p, flags);
	status = raw_status(p.port, req, len, &body);
	ck_assert_msg(status == 400, "status %d, body %s", status, body);
	ck_assert_ptr_nonnull(strstr(body, "too many parameters"));
	free(body);
	free(req);
	harness_stop(&p);
	harness_stop(&up);
}
END_TEST

START_TEST(a_request_head_sent_slowly_is_cut_at_its_deadline)
{
	struct harness_server s;
	const char *flags[] = {"--request-timeout", "1", NULL};
	struct harness_reply r;
	int fd, closed = 0;
	int64_t t0;
	double took;
	int step;

	harness_start(&s, flags);
	fd = harness_raw_connect(s.port, NULL);
	ck_assert_int_ge(fd, 0);
	t0 = harness_mono_us();
	ck_assert_int_eq(send(fd, "GET /v2/calls HTTP/1.1\r\nHost: x\r\n", 33, MSG_NOSIGNAL), 33);
	/* A byte every 100 ms keeps an idle timer from ever firing; the deadline does not move. */
	for (step = 0; step < 50 && !closed; step++) {
		closed = harness_raw_closed(fd, 100);
		if (!closed)
			(void)send(fd, "X", 1, MSG_NOSIGNAL);
	}
	took = (double)(harness_mono_us() - t0) / 1e6;
	ck_assert_msg(closed, "still open after %.1f s", took);
	ck_assert_msg(took >= 0.9 && took < 3.0, "closed after %.2f s", took);
	close(fd);
	/* Everyone else is served as before. */
	harness_get(&s, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_stop(&s);
}
END_TEST

START_TEST(a_kept_alive_connection_outlives_the_request_deadline)
{
	struct harness_server s;
	const char *flags[] = {"--request-timeout", "1", NULL};
	static const char req[] = "GET /__admin/health HTTP/1.1\r\nHost: x\r\n\r\n";
	int fd, round;

	harness_start(&s, flags);
	fd = harness_raw_connect(s.port, NULL);
	ck_assert_int_ge(fd, 0);
	for (round = 0; round < 2; round++) {
		char *out = harness_raw_exchange(fd, req, sizeof(req) - 1, 300, 8192, NULL);

		ck_assert_msg(strncmp(out, "HTTP/1.1 200 ", 13) == 0, "round %d: %.60s", round,
		              out);
		free(out);
		/* Idle between requests for longer than the deadline: a client's pool keeps
		 * its connections so. */
		if (round == 0)
			ck_assert_int_eq(harness_raw_closed(fd, 1600), 0);
	}
	close(fd);
	harness_stop(&s);
}
END_TEST

START_TEST(one_address_cannot_take_every_connection)
{
	struct harness_server s;
	const char *flags[] = {"--max-client-connections", "4", NULL};
	static const char req[] =
	    "GET /v2/calls HTTP/1.1\r\nHost: x\r\n" AUTH_LINE "Connection: close\r\n\r\n";
	int held[4], extra, other, i;
	char *out;

	harness_start(&s, flags);
	for (i = 0; i < 4; i++) {
		held[i] = harness_raw_connect(s.port, "127.0.0.1");
		ck_assert_int_ge(held[i], 0);
		ck_assert_int_eq(send(held[i], "GET /v2/calls HTTP/1.1\r\n", 24, MSG_NOSIGNAL), 24);
	}
	/* The held ones are taken in before the next arrives. */
	ck_assert_int_eq(harness_raw_closed(held[3], 300), 0);
	extra = harness_raw_connect(s.port, "127.0.0.1");
	ck_assert_int_ge(extra, 0);
	ck_assert_int_eq(harness_raw_closed(extra, 2000), 1);
	close(extra);
	/* Another address is served while the first is at its cap. */
	other = harness_raw_connect(s.port, "127.0.0.2");
	ck_assert_int_ge(other, 0);
	out = harness_raw_exchange(other, req, sizeof(req) - 1, 3000, 256 * 1024, NULL);
	ck_assert_msg(strncmp(out, "HTTP/1.1 200 ", 13) == 0, "%.60s", out);
	free(out);
	close(other);
	/* Once the first address lets go, it is served again. */
	for (i = 0; i < 4; i++)
		close(held[i]);
	for (i = 0; i < 50; i++) {
		int fd = harness_raw_connect(s.port, "127.0.0.1");

		out = harness_raw_exchange(fd, req, sizeof(req) - 1, 3000, 256 * 1024, NULL);
		close(fd);
		if (strncmp(out, "HTTP/1.1 200 ", 13) == 0) {
			free(out);
			break;
		}
		free(out);
		usleep(20 * 1000);
	}
	ck_assert_int_lt(i, 50);
	harness_stop(&s);
}
END_TEST

START_TEST(a_content_length_past_64_bits_does_not_stop_the_server)
{
	struct harness_server s;
	static const char req[] = "POST /v2/calls/extensive HTTP/1.1\r\nHost: x\r\n" AUTH_LINE
	                          "Content-Length: 99999999999999999999\r\n\r\n";
	struct harness_reply r;
	int fd;
	char *out;

	harness_start(&s, NULL);
	fd = harness_raw_connect(s.port, NULL);
	ck_assert_int_ge(fd, 0);
	out = harness_raw_exchange(fd, req, sizeof(req) - 1, 2000, 8192, NULL);
	ck_assert_msg(strncmp(out, "HTTP/1.1 413 ", 13) == 0, "%.60s", out);
	free(out);
	close(fd);
	harness_get(&s, "/v2/calls", &r);
	ck_assert_int_eq(r.status, 200);
	harness_reply_free(&r);
	harness_stop(&s);
}
END_TEST

static Suite *
hardening_suite(void)
{
	Suite *s = suite_create("hardening");
	TCase *t = tcase_create("hardening");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, every_number_of_parameters_gets_an_answer);
	tcase_add_test(t, oversized_requests_leave_memory_flat);
	tcase_add_test(t, the_proxy_answers_many_parameters_too);
	tcase_add_test(t, a_request_head_sent_slowly_is_cut_at_its_deadline);
	tcase_add_test(t, a_kept_alive_connection_outlives_the_request_deadline);
	tcase_add_test(t, one_address_cannot_take_every_connection);
	tcase_add_test(t, a_content_length_past_64_bits_does_not_stop_the_server);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return harness_run(hardening_suite());
}
