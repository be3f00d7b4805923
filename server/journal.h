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

/* The most of a request body an entry keeps; past it the entry says the body was cut. */
#define JOURNAL_BODY_MAX 4096

struct journal_entry {
	int64_t time_us;
	const char *request_id;
	const char *method;
	const char *path;
	const char *query; /* raw, may be "" */
	size_t query_len;
	const char *body; /* the request body as sent; NULL (or body_len 0) when none */
	size_t body_len;
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
 * recorded since the last reset. An entry whose request had a body also has "body" after
 * "query": the body itself when what was kept is a whole JSON object or array, else the kept
 * text as a string (bytes that are not UTF-8 read '?'); and "bodyTruncated":true when the
 * body was longer than JOURNAL_BODY_MAX bytes and only its start was kept (always a string
 * then). A request without a body has neither key. NULL when out of memory.
 */
char *journal_list_json(struct journal *j, size_t limit);

/*
 * The counters in Prometheus text format, malloc'd. gongmock_requests_total has one series per
 * status, source and operation seen ({code="200",source="fixture",operation="listCalls"}), so
 * summing by any of the three gives that breakdown and summing all gives the request count;
 * gongmock_request_duration_seconds is a histogram per operation, every operation printed
 * from the start, zeros included; gongmock_rate_limited_total. NULL when out of memory.
 */
char *journal_metrics(struct journal *j);

/*
 * The operation a request is, named after Gong's operationIds, for the `operation` label of
 * the metrics and for anyone else who groups requests:
 *   GET /v2/calls                listCalls
 *   GET /v2/calls/{id}           getCall
 *   POST /v2/calls/extensive     getCallsExtensive
 *   POST /v2/calls/transcript    getCallTranscripts
 *   GET /v2/users                listUsers
 *   GET /v2/users/{id}           getUser
 *   POST /v2/users/extensive     listUsersExtensive
 *   GET /v2/workspaces           listWorkspaces
 *   /__admin, /__admin/... and /metrics, any method    admin
 *   anything else (another method, a deeper path, NULL)  other
 * HEAD counts as GET, as the router answers it. {id} is any one segment but the names of the
 * POST operations beside it ("extensive" and "transcript" under /v2/calls, "extensive" under
 * /v2/users), so GET /v2/calls/extensive is "other". The path is the normalised one
 * (request_normalise). Returns a static string; safe from any thread.
 */
const char *journal_operation(const char *method, const char *path);

/*
 * Appends n bytes of s to b as a Prometheus label value, without the quotes: backslash,
 * double quote and line feed escaped as the text exposition format demands, everything else
 * as it is. For every writer of /metrics text, so that all series escape alike; the values
 * printed today come from fixed tables and checked names, and this keeps the output valid
 * should one ever carry free text.
 */
void journal_escape_label(struct jsonw *b, const char *s, size_t n);

#endif
