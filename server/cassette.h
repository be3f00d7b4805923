/*
 * cassette.h - recording exchanges with the upstream to a file, and replaying them.
 *
 * A cassette is JSON Lines, one exchange per line, keys always in this order:
 *   {"time":"2026-01-02T03:04:05.678Z",
 *    "request":{"method":"GET","path":"/v2/calls",
 *               "query":[["fromDateTime","2025-01-01T00:00:00Z"],["cursor","…"]],
 *               "credential":"pbkdf2-sha256$600000$0f1e…(32 hex)$3f2a9c1d7e5b4a39"},
 *    "response":{"status":200,
 *                "headers":{"Content-Type":"application/json; charset=utf-8",
 *                           "Retry-After":"2","x-traceid":"…",
 *                           "WWW-Authenticate":"…","Allow":"GET"},
 *                "body":{…the JSON answer…}},
 *    "latencyMs":12.345}
 * Query values are decoded; headers hold only those five, when sent; `body` is the JSON
 * answer, or a string when the answer was not JSON. No Authorization, Cookie or Set-Cookie
 * value is ever written.
 *
 * `credential` is "" when the request had no Authorization, else a fingerprint of the value:
 * PBKDF2-HMAC-SHA256 of it with a random salt of the cassette and CASSETTE_KDF_ITERATIONS
 * rounds, written as "pbkdf2-sha256$ROUNDS$SALT$HASH" (SALT 32 hex digits, HASH the first 16
 * hex digits of the key). Every line of one cassette carries the same salt, so a replay pays
 * the derivation once per credential; the slow derivation makes checking a guessed secret
 * against a committed cassette expensive. Cassettes written before the salt hold the first 12
 * hex digits of the value's SHA-256 instead ("unsalted"); they still load and still match.
 *
 * The recorder appends each line with one write under its own mutex. A write that fails is
 * undone (the file is cut back to its last whole line) and recording stops there, so the file
 * always holds the exchanges recorded before the failure and nothing torn after them. A loaded
 * cassette is read-only but for the replay position of each group of identical requests and a
 * cache of derived fingerprints, each behind a mutex: every function is safe from any thread.
 * Knows nothing of HTTP servers or libcurl, and logs nothing: what callers should tell the
 * user comes back as text.
 */
#ifndef GONGMOCK_CASSETTE_H
#define GONGMOCK_CASSETTE_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"

/* Bytes of salt per cassette. */
#define CASSETTE_SALT_LEN 16
/*
 * PBKDF2-HMAC-SHA256 rounds per fingerprint: OWASP's figure for this KDF (2023), about 0.1 s
 * on one core, paid once per credential by a recording or a replay, and per guess by anyone
 * trying to recover a credential from a cassette.
 */
#define CASSETTE_KDF_ITERATIONS 600000
/* Room for a fingerprint's text, NUL included. */
#define CASSETTE_FINGERPRINT_MAX 80
#define CASSETTE_HEADER_MAX 256

/*
 * The fingerprint of an Authorization value with the given salt and rounds (1 to 10,000,000),
 * as the recorder writes it, into out; "" for NULL. Slow on purpose. Returns 0, or -1 with
 * out "" when the rounds are out of range or the library refuses.
 */
int cassette_fingerprint(const char *authorization, const unsigned char salt[CASSETTE_SALT_LEN],
                         unsigned iterations, char out[CASSETTE_FINGERPRINT_MAX]);

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
 * cassette_redactable. An existing cassette keeps its salt; a new one gets a random salt. A
 * last line cut short by an interrupted recording (no newline, not JSON) is cut off the file
 * first, so that the next line does not follow half a line. Returns the recorder, or NULL
 * with the reason in err ("PATH: cannot open for writing: REASON" when the file cannot be
 * opened). warn (may be NULL) receives what the caller should tell the user, or "".
 */
struct cassette_recorder *cassette_recorder_open(const char *path, const char *const *redact,
                                                 size_t nredact, char *warn, size_t warnlen,
                                                 char *err, size_t errlen);

enum cassette_record_result {
	CASSETTE_RECORDED = 0,
	/*
	 * This exchange could not be recorded (err says why, naming the file) and recording has
	 * stopped: returned once per recorder, so that the caller logs it once.
	 */
	CASSETTE_RECORD_FAILED = -1,
	/* Not recorded: recording stopped after an earlier failure. */
	CASSETTE_RECORD_STOPPED = -2
};

/*
 * Appends one exchange as a line: the body is parsed when it is JSON, and the redacted fields
 * of every object in its `calls` array have their value replaced by "REDACTED" (null stays
 * null). A write that fails, in full or in part, is cut off the file again where it can be (a
 * regular file), and nothing more is written. The client's answer is not the recorder's
 * business: callers go on serving whatever this returns. err may be NULL.
 */
enum cassette_record_result cassette_record(struct cassette_recorder *rec,
                                            const struct cassette_exchange *e, char *err,
                                            size_t errlen) __attribute__((warn_unused_result));

/* What a recorder has done so far. */
struct cassette_recorder_stats {
	const char *path;     /* as given to open; lives as long as the recorder */
	uint64_t recorded;    /* exchanges written since open */
	uint64_t failed;      /* exchanges not written: the one that failed, and every later one */
	int stopped;          /* 1 once a failure stopped the recording */
	char last_error[256]; /* why it stopped, without the path; "" while recording */
};

/* Fills *out. Safe from any thread, while exchanges are being recorded. */
void cassette_recorder_stats(struct cassette_recorder *rec, struct cassette_recorder_stats *out);

/* Closes the file. cassette_recorder_close(NULL) does nothing. */
void cassette_recorder_close(struct cassette_recorder *rec);

struct cassette;

/*
 * Loads a cassette for replay. A line that is not an exchange stops the load with
 * "FILE: line N: REASON", except a last line cut short (no newline, and not JSON), as an
 * interrupted recording leaves it: that one is dropped, with a warning. Returns the cassette,
 * or NULL with the reason in err.
 */
struct cassette *cassette_load(const char *path, char *err, size_t errlen);

/*
 * The warnings of the load, one line each, naming the file: a dropped last line; exchanges
 * with unsalted fingerprints, which should be recorded again; exchanges salted apart from the
 * rest (cassettes joined from two recordings), which match no request when credentials
 * count. NULL past the last one. The text lives as long as c.
 */
const char *cassette_warning(const struct cassette *c, size_t i);

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
 * `match_credential` is set, on the credential too: `authorization` (NULL: none) is
 * fingerprinted as each line was, with the cassette's salt or, for unsalted lines, without.
 * The derived fingerprint is kept in memory, per credential, so that only the first request
 * with a credential pays for the derivation. Identical requests recorded several times are
 * answered in recorded order, one per call; once used up, the last answer repeats. Returns 1
 * and fills *out, or 0 and writes into miss (NUL-terminated, within misslen) what was asked
 * and the closest recorded request: same method and path, fewest differing parameters,
 * earliest recorded on a tie, naming the parameters that differ; or that nothing was recorded
 * for that method and path. A credential appears in miss only as its fingerprint's hash.
 */
int cassette_replay(struct cassette *c, const char *method, const char *path, const struct query *q,
                    int match_credential, const char *authorization, struct cassette_answer *out,
                    char *miss, size_t misslen);

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
 * for store_load_buffer. A last line cut short is dropped as by cassette_load, and said so in
 * warn (may be NULL; "" when nothing was dropped). NULL with the reason in err.
 */
char *cassette_calls_json(const char *path, size_t *len, char *warn, size_t warnlen, char *err,
                          size_t errlen);

#endif
