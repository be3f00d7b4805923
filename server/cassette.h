/*
 * cassette.h - recording exchanges with the upstream to a file, and replaying them.
 *
 * A cassette is JSON Lines, one exchange per line, keys always in this order:
 *   {"time":"2026-01-02T03:04:05.678Z",
 *    "request":{"method":"GET","path":"/v2/calls",
 *               "query":[["fromDateTime","2025-01-01T00:00:00Z"],["cursor","…"]],
 *               "credential":"3f2a9c1d7e5b"},
 *    "response":{"status":200,
 *                "headers":{"Content-Type":"application/json; charset=utf-8",
 *                           "Retry-After":"2","x-traceid":"…",
 *                           "WWW-Authenticate":"…","Allow":"GET"},
 *                "body":{…the JSON answer…}},
 *    "latencyMs":12.345}
 * Query values are decoded; `credential` is a fingerprint of the Authorization value (the first
 * 12 hex digits of its SHA-256), never the value; headers hold only those five, when sent;
 * `body` is the JSON answer, or a string when the answer was not JSON. No Authorization,
 * Cookie or Set-Cookie value is ever written.
 *
 * The recorder appends each line with one write and flushes it, under its own mutex, so an
 * interrupted recording leaves only whole lines. A loaded cassette is read-only but for the
 * replay position of each group of identical requests, kept behind its own mutex: every
 * function is safe from any thread. Knows nothing of HTTP servers or libcurl.
 */
#ifndef GONGMOCK_CASSETTE_H
#define GONGMOCK_CASSETTE_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"

#define CASSETTE_FINGERPRINT_LEN 12
#define CASSETTE_HEADER_MAX 256

/* The fingerprint of an Authorization value ("" for NULL), into out[13]. */
void cassette_fingerprint(const char *authorization, char out[CASSETTE_FINGERPRINT_LEN + 1]);

/*
 * True when `field` may be given to --redact: the free-text fields of a call (title, url,
 * meetingUrl, customData, purpose, sdrDisposition, clientUniqueId, calendarEventId) and not
 * the id, dates, enums, numbers or ids a dataset needs.
 */
int cassette_redactable(const char *field);

/* One exchange, as the proxy saw it. */
struct cassette_exchange {
	int64_t time_us;
	const char *method;
	const char *path;
	const struct query *query; /* decoded parameters, in the order sent; NULL: none */
	const char *authorization; /* only fingerprinted; NULL: none */
	unsigned status;
	const char *content_type; /* NULL or "": not written */
	const char *retry_after;
	const char *traceid;
	const char *www_authenticate;
	const char *allow;
	const char *body;
	size_t body_len;
	int64_t latency_us;
};

struct cassette_recorder;

/*
 * Opens (creating, or appending to) a cassette. Each redact name must pass
 * cassette_redactable. Returns the recorder, or NULL with the reason in err.
 */
struct cassette_recorder *cassette_recorder_open(const char *path, const char *const *redact,
                                                 size_t nredact, char *err, size_t errlen);

/*
 * Appends one exchange as a line: the body is parsed when it is JSON, and the redacted fields
 * of every object in its `calls` array have their value replaced by "REDACTED" (null stays
 * null). Returns 0, or -1 on a write error (logged by the caller; the client's answer is not
 * affected).
 */
int cassette_record(struct cassette_recorder *rec, const struct cassette_exchange *e);

/* Closes the file. cassette_recorder_close(NULL) does nothing. */
void cassette_recorder_close(struct cassette_recorder *rec);

struct cassette;

/*
 * Loads a cassette for replay. A line that is not an exchange stops the load with
 * "FILE: line N: REASON". Returns the cassette, or NULL with the reason in err.
 */
struct cassette *cassette_load(const char *path, char *err, size_t errlen);

/* cassette_free(NULL) does nothing. */
void cassette_free(struct cassette *c);

/* Number of exchanges. */
size_t cassette_count(const struct cassette *c);

/* A recorded answer. Strings point into the cassette and live as long as it does. */
struct cassette_answer {
	unsigned status;
	const char *content_type; /* "" when none was recorded */
	const char *retry_after;
	const char *traceid;
	const char *www_authenticate;
	const char *allow;
	const char *body; /* as recorded (a JSON body written compact) */
	size_t body_len;
	size_t line; /* 1-based line of the exchange in the file */
};

/*
 * Finds the answer to a request. A request matches a recorded one on the method, the path and
 * the query parameters, in any order, with fromDateTime and toDateTime compared as instants
 * (so `Z`, `+00:00` and `%3A` forms match) and other values as text; and, when
 * `fingerprint` is not NULL, on the credential fingerprint too. Identical requests recorded
 * several times are answered in recorded order, one per call; once used up, the last answer
 * repeats. Returns 1 and fills *out, or 0 and writes into miss (NUL-terminated, within
 * misslen) what was asked and the closest recorded request: same method and path, fewest
 * differing parameters, earliest recorded on a tie, naming the parameters that differ; or
 * that nothing was recorded for that method and path.
 */
int cassette_replay(struct cassette *c, const char *method, const char *path, const struct query *q,
                    const char *fingerprint, struct cassette_answer *out, char *miss,
                    size_t misslen);

/* Rewinds every group to its first answer. */
void cassette_rewind(struct cassette *c);

/*
 * True when the file at path looks like a cassette: its first non-blank line is a JSON object
 * with "request" and "response".
 */
int cassette_is_cassette(const char *path);

/*
 * The calls of every 200 answer to GET /v2/calls in the cassette, deduplicated by id (the
 * later recording wins), as one malloc'd JSON array text (caller frees) of *len bytes, ready
 * for store_load_buffer. NULL with the reason in err.
 */
char *cassette_calls_json(const char *path, size_t *len, char *err, size_t errlen);

#endif
