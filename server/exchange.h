/*
 * exchange.h - one exchange with the upstream as one line of a cassette, and back.
 *
 * A cassette is JSON Lines, one exchange per line, keys always in this order:
 *   {"time":"2026-01-02T03:04:05.678Z",
 *    "request":{"method":"GET","path":"/v2/calls",
 *               "query":[["fromDateTime","2025-01-01T00:00:00Z"],["cursor","…"]],
 *               "credential":"pbkdf2-sha256$600000$0f1e…(32 hex)$3f2a9c1d7e5b4a39",
 *               "body":{"filter":{…},"cursor":"…"}},
 *    "response":{"status":200,
 *                "headers":{"Content-Type":"application/json; charset=utf-8",
 *                           "Retry-After":"2","x-traceid":"…",
 *                           "WWW-Authenticate":"…","Allow":"GET"},
 *                "body":{…the JSON answer…}},
 *    "latencyMs":12.345}
 * Query values are decoded; headers hold only those five, when sent; `body` is the JSON
 * answer, or a string when the answer was not JSON. The request's `body` is there only when
 * the request had one: the parsed value when it is a JSON object or array, else its text as a
 * string; either way with every credential in it redacted (exchange_request_body). No
 * Authorization, Cookie or Set-Cookie value is ever written: `credential` is "" when the
 * request had no Authorization, else its fingerprint (fingerprint.h), which the caller
 * derives.
 *
 * Pure functions, safe from any thread. Files of such lines are cassette.h's business.
 */
#ifndef GONGMOCK_EXCHANGE_H
#define GONGMOCK_EXCHANGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "query.h"

struct jsonw;

/* Every JSON text of a cassette is written compact, keys in insertion order. */
#define EXCHANGE_JSON_DUMP (JSON_COMPACT | JSON_PRESERVE_ORDER)
/*
 * And read with JSON_ALLOW_NUL, because a decoded query value may hold a NUL byte (%00),
 * which is written as \u0000; refusing it on the way back would make such a line unreadable.
 */
#define EXCHANGE_JSON_LOAD JSON_ALLOW_NUL

/* One exchange, as the proxy saw it. */
struct exchange {
	int64_t time_us;
	const char *method;
	const char *path;
	const struct query *query; /* decoded parameters, in the order sent; NULL: none */
	const char *authorization; /* only fingerprinted; NULL: none */
	const char *request_body;  /* the client's; NULL or request_body_len 0: none */
	size_t request_body_len;
	unsigned status;
	const char *content_type; /* NULL or "": not written */
	const char *retry_after;
	const char *traceid;
	const char *www_authenticate;
	const char *allow;
	const char *body; /* the upstream's answer */
	size_t body_len;
	int64_t latency_us;
};

/*
 * True when `field` may be redacted: the free-text fields of a call (title, url, meetingUrl,
 * customData, purpose, sdrDisposition, clientUniqueId, calendarEventId) and not the id, dates,
 * enums, numbers or ids a dataset needs.
 */
int exchange_redactable(const char *field);

/* What a redacted value becomes. */
#define EXCHANGE_REDACTED "REDACTED"

/*
 * True when a member of a request body named `name` holds a credential: compared without
 * regard to case, `_` or `-`, the name is or ends with token, secret, password, passwd,
 * apikey, accesskey, privatekey or authorization, or is credential or credentials (so
 * accessKey, accessKeySecret, apiKey, api_key, client_secret, refreshToken all are).
 */
int exchange_secret_name(const char *name);

/*
 * Redacts the credentials of a request body in the form a line records it (below), in place:
 * in an object or array, at any depth, the value of every member that exchange_secret_name
 * names (but null) and every string that starts with "Bearer " or "Basic " become "REDACTED";
 * a string body (text that was not JSON) becomes "REDACTED" whole when it mentions any of
 * those names, or "bearer", anywhere, case and `_` or `-` aside. Returns 0, or -1 when memory
 * runs out.
 */
int exchange_redact_request(json_t *body);

/*
 * A request body in the form a line records it: the parsed value when the len bytes at text
 * are a JSON object or array, else a string of the text made valid UTF-8 (exchange_clean);
 * redacted (exchange_redact_request). Sets *out to a new reference, or to NULL when len is 0.
 * Returns 0, or -1 when memory runs out. The recorder writes this; a replay compares it.
 */
int exchange_request_body(const char *text, size_t len, json_t **out);

/*
 * Appends e to out as one line, newline included, with `credential` (never NULL; "": none) in
 * place of the Authorization value. The request's body goes in as exchange_request_body makes
 * it. The answer's body is parsed when it is a JSON object or array, and the `redact` fields
 * of every object in its `calls` array then have their value replaced by "REDACTED" (null
 * stays null). Text that is not UTF-8 is written with U+FFFD in place of each bad byte
 * (exchange_clean). Returns 0, or -1 when memory runs out (out may then hold part of the
 * line).
 */
int exchange_write(struct jsonw *out, const struct exchange *e, const char *credential,
                   const char *const *redact, size_t nredact);

/*
 * Appends n bytes of s to out as a recorded string holds them: every byte that is not part of
 * well-formed UTF-8 replaced by U+FFFD. A replay passes incoming values through this too, so
 * that a request with such a value finds its recording.
 */
void exchange_clean(struct jsonw *out, const char *s, size_t n);

/*
 * A line read back, checked. The strings and values belong to the parsed line and live as
 * long as it does.
 */
struct exchange_view {
	const char *method; /* not empty */
	const char *path;
	json_t *query;            /* an array of [name, value] string pairs, or NULL */
	const char *credential;   /* "" when none */
	json_t *request_body;     /* NULL when not recorded (or null); a string: not JSON */
	unsigned status;          /* 100 to 599 */
	const char *content_type; /* NULL when not recorded */
	const char *retry_after;
	const char *traceid;
	const char *www_authenticate;
	const char *allow;
	json_t *body; /* NULL when not recorded */
};

/*
 * Checks that root is an exchange and fills *v. Only what replay and the dataset need is
 * demanded: `time` and `latencyMs` are informative and may be absent, as may the query, the
 * credential, the request's body, the headers and the answer's body, so that a hand-written
 * cassette (or one recorded before request bodies were) stays short. Header
 * names are matched without regard to case. Returns 0, or -1 with the reason in reason (a
 * phrase such as "\"request\" must be an object").
 */
int exchange_parse(json_t *root, struct exchange_view *v, char *reason, size_t rlen);

#endif
