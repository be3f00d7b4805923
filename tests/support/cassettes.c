/*
 * cassettes.c - cassette files and replays for the unit tests of the cassette modules.
 *
 * Files go under /tmp through the harness; a replay always comes with the cassette it reads,
 * and the tests free both.
 */
#include "cassettes.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

const char cassettes_anon[] = "(no Authorization)";

void
cassettes_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

void
cassettes_file(char path[64], const char *text)
{
	harness_temp_file(text, "", path, 64);
}

void
cassettes_parse_query(struct query *q, const char *raw)
{
	ck_assert_int_eq(query_parse(q, raw, strlen(raw)), 0);
}

void
cassettes_add_line(char *buf, size_t cap, const char *query, const char *cred, unsigned status,
                   const char *body)
{
	size_t n = strlen(buf);

	snprintf(buf + n, cap - n,
	         "{\"time\":\"2026-01-02T03:04:05.678Z\",\"request\":{\"method\":\"GET\",\"path\":"
	         "\"/v2/calls\",\"query\":%s,\"credential\":\"%s\"},\"response\":{\"status\":%u,"
	         "\"headers\":{\"Content-Type\":\"" CT_JSON
	         "\"},\"body\":%s},\"latencyMs\":1.000}\n",
	         query, cred, status, body);
}

void
cassettes_add_body_line(char *buf, size_t cap, const char *method, const char *path,
                        const char *body, unsigned status, const char *answer)
{
	size_t n = strlen(buf);
	int w;

	w = snprintf(buf + n, cap - n,
	             "{\"time\":\"2026-01-02T03:04:05.678Z\",\"request\":{\"method\":\"%s\","
	             "\"path\":\"%s\",\"query\":[],\"credential\":\"\"%s%s},\"response\":{"
	             "\"status\":%u,\"headers\":{\"Content-Type\":\"" CT_JSON
	             "\"},\"body\":%s},\"latencyMs\":1.000}\n",
	             method, path, body != NULL ? ",\"body\":" : "", body != NULL ? body : "",
	             status, answer);
	ck_assert_msg(w > 0 && (size_t)w < cap - n, "the cassette text does not fit");
}

struct replay *
cassettes_open(const char *path, struct cassette **c)
{
	char err[512] = "";
	struct replay *rp;

	*c = cassette_load(path, err, sizeof(err));
	ck_assert_msg(*c != NULL, "load failed: %s", err);
	rp = replay_create(*c);
	ck_assert_ptr_nonnull(rp);
	return rp;
}

struct replay *
cassettes_load(char path[64], const char *text, struct cassette **c)
{
	cassettes_file(path, text);
	return cassettes_open(path, c);
}

char *
cassettes_warning(const struct cassette *c, size_t i, const char *path)
{
	const char *w = cassette_warning(c, i);
	char *out;

	if (w == NULL)
		return NULL;
	ck_assert_msg(strncmp(w, path, strlen(path)) == 0, "warning does not name the file: %s", w);
	out = malloc(strlen(w) + 8);
	ck_assert_ptr_nonnull(out);
	sprintf(out, "FILE%s", w + strlen(path));
	return out;
}

int
cassettes_ask(struct replay *rp, const char *method, const char *path, const char *raw,
              const char *auth, struct cassette_answer *a, char *miss, size_t misslen)
{
	struct query q;

	cassettes_parse_query(&q, raw);
	memset(a, 0, sizeof(*a));
	if (miss != NULL && misslen > 0)
		miss[0] = '\0';
	return replay_match(rp, method, path, &q, auth != NULL, auth == ANON ? NULL : auth, a, miss,
	                    misslen);
}

int
cassettes_ask_body(struct replay *rp, const char *method, const char *path, const char *raw,
                   const char *body, struct cassette_answer *a, char *miss, size_t misslen)
{
	struct replay_ask ask;
	struct query q;

	cassettes_parse_query(&q, raw);
	memset(&ask, 0, sizeof(ask));
	ask.method = method;
	ask.path = path;
	ask.query = &q;
	ask.body = body;
	ask.body_len = body != NULL ? strlen(body) : 0;
	memset(a, 0, sizeof(*a));
	if (miss != NULL && misslen > 0)
		miss[0] = '\0';
	return replay_answer(rp, &ask, a, miss, misslen);
}

size_t
cassettes_hit_body(struct replay *rp, const char *method, const char *path, const char *raw,
                   const char *body)
{
	struct cassette_answer a;
	char miss[1024];

	ck_assert_msg(cassettes_ask_body(rp, method, path, raw, body, &a, miss, sizeof(miss)) == 1,
	              "%s: miss: %s", body != NULL ? body : "(no body)", miss);
	return a.line;
}

void
cassettes_missed_body(struct replay *rp, const char *method, const char *path, const char *raw,
                      const char *body, char *miss, size_t misslen)
{
	struct cassette_answer a;

	ck_assert_msg(cassettes_ask_body(rp, method, path, raw, body, &a, miss, misslen) == 0,
	              "%s: answered from line %zu", body != NULL ? body : "(no body)", a.line);
}

size_t
cassettes_hit(struct replay *rp, const char *method, const char *path, const char *raw,
              const char *auth)
{
	struct cassette_answer a;
	char miss[512];

	ck_assert_msg(cassettes_ask(rp, method, path, raw, auth, &a, miss, sizeof(miss)) == 1,
	              "miss: %s", miss);
	return a.line;
}

void
cassettes_missed(struct replay *rp, const char *method, const char *path, const char *raw,
                 const char *auth, char *miss, size_t misslen)
{
	struct cassette_answer a;

	ck_assert_int_eq(cassettes_ask(rp, method, path, raw, auth, &a, miss, misslen), 0);
}

double
cassettes_mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
