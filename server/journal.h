/*
 * journal.h - the last N requests the server answered, newest first, for tests that assert
 * what their client sent (GET /__admin/requests), and the Prometheus counters (GET /metrics).
 *
 * Both live inside this module, behind a lock per journal slot and atomics; every
 * function is safe from any thread. Nothing here holds a credential: callers record only the
 * fields below.
 */
#ifndef GONGMOCK_JOURNAL_H
#define GONGMOCK_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

struct jsonw;

struct journal_entry {
	int64_t time_us;
	const char *request_id;
	const char *method;
	const char *path;
	const char *query; /* raw, may be "" */
	size_t query_len;
	unsigned status;
	const char *source; /* "fixture", "error", "fault:NAME", "ratelimit", ... */
	int64_t duration_us;
};

struct journal;

/* A journal keeping the newest `capacity` entries (0 keeps none). NULL when out of memory. */
struct journal *journal_create(size_t capacity);

/* journal_free(NULL) does nothing. */
void journal_free(struct journal *j);

/* Records a request (copied) and counts it in the metrics. */
void journal_add(struct journal *j, const struct journal_entry *e);

/* Forgets the entries and zeroes the counters. */
void journal_reset(struct journal *j);

/*
 * The newest `limit` entries (0: all kept), newest first, as a malloc'd JSON document
 * {"requests":[{"time":"…","requestId":"…","method":"GET","path":"/v2/calls","query":"…",
 * "status":200,"source":"fixture","us":123},…],"total":N} where total counts every request
 * recorded since the last reset. NULL when out of memory.
 */
char *journal_list_json(struct journal *j, size_t limit);

/*
 * The counters in Prometheus text format, malloc'd: gongmock_requests_total by status and by
 * source, gongmock_request_duration_seconds (a histogram), gongmock_rate_limited_total.
 * NULL when out of memory.
 */
char *journal_metrics(struct journal *j);

/*
 * Appends n bytes of s to b as a Prometheus label value, without the quotes: backslash,
 * double quote and line feed escaped as the text exposition format demands, everything else
 * as it is. For every writer of /metrics text, so that all series escape alike; the values
 * printed today come from fixed tables and checked names, and this keeps the output valid
 * should one ever carry free text.
 */
void journal_escape_label(struct jsonw *b, const char *s, size_t n);

#endif
