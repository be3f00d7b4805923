/*
 * cassettes.h - what the unit tests of the cassette modules share: credentials and their
 * fingerprints worked out by hand, cassette files written line by line, and requests replayed
 * from them. Everything fails the test through check.
 */
#ifndef GONGMOCK_CASSETTES_H
#define GONGMOCK_CASSETTES_H

#include <stddef.h>

#include "cassette.h"
#include "query.h"
#include "replay.h"

/* 2026-01-02T03:04:05.678Z, worked out with date(1), not with the code under test. */
#define T0 INT64_C(1767323045678000)

#define AUTH_BASIC "Basic YWJjOmRlZg=="
#define AUTH_TOK1 "Bearer tok-1"
#define AUTH_TOK2 "Bearer tok-2"

/*
 * Fingerprints in the old unsalted form, as cassettes recorded before the salt hold them:
 * SHA-256 prefixes worked out with sha256sum(1).
 */
#define FP_BASIC "a3096fbaadfb" /* AUTH_BASIC */
#define FP_TOK1 "594151d65d79"  /* AUTH_TOK1 */
#define FP_TOK2 "ccb5404820c8"  /* AUTH_TOK2 */

/*
 * Salted fingerprints, worked out with Python's hashlib.pbkdf2_hmac("sha256", value, salt,
 * rounds)[:8].hex(), not with the code under test. SALT0 is the bytes 0 to 15.
 */
#define SALT0_HEX "000102030405060708090a0b0c0d0e0f"
#define SALTA5_HEX "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5"
#define FP1000(salt, hash) "pbkdf2-sha256$1000$" salt "$" hash
#define FP1000_BASIC FP1000(SALT0_HEX, "c5e9396b7a701028")
#define FP1000_TOK1 FP1000(SALT0_HEX, "100c2e6fa8596d59")
#define FP1000_TOK2 FP1000(SALT0_HEX, "700bc945f68629d7")
#define FP1000_EMPTY FP1000(SALT0_HEX, "c5b301b1fd61bced")
#define FP1000_TOK1_A5 FP1000(SALTA5_HEX, "94442c8d931dc9ba")
#define FP600K_TOK1 "pbkdf2-sha256$600000$" SALT0_HEX "$66b8653931dfcd3d"
#define FP600K_TOK2 "pbkdf2-sha256$600000$" SALT0_HEX "$96638be3edafb4fc"

#define CT_JSON "application/json; charset=utf-8"

/* Asks a replay to match credentials, for a request without Authorization (cassettes_ask). */
extern const char cassettes_anon[];
#define ANON cassettes_anon

/* Writes text as the whole file at path. */
void cassettes_write(const char *path, const char *text);

/* A cassette file holding text, under /tmp; its name goes to path (the caller unlinks it). */
void cassettes_file(char path[64], const char *text);

void cassettes_parse_query(struct query *q, const char *raw);

/* Appends to buf a recorded GET /v2/calls line with the given query pairs (JSON), credential
 * and body. */
void cassettes_add_line(char *buf, size_t cap, const char *query, const char *cred, unsigned status,
                        const char *body);

/*
 * Appends to buf a recorded `method path` line with no query or credential, the request body
 * `body` as the line holds it (JSON text: an object or array, or a string for text that was
 * not JSON; NULL: no body) and the answer's status and body.
 */
void cassettes_add_body_line(char *buf, size_t cap, const char *method, const char *path,
                             const char *body, unsigned status, const char *answer);

/* The cassette at path, which must load, into *c, and a replay of it; the caller frees both. */
struct replay *cassettes_open(const char *path, struct cassette **c);

/*
 * A cassette file holding text (cassettes_file), loaded into *c, and a replay of it; the
 * caller frees both and unlinks path.
 */
struct replay *cassettes_load(char path[64], const char *text, struct cassette **c);

/* Warning i of a load with the temporary file name replaced by FILE (caller frees), or NULL. */
char *cassettes_warning(const struct cassette *c, size_t i, const char *path);

/*
 * Replays `method path?raw`; the answer or the miss text is left in *a and miss. auth NULL
 * ignores credentials; ANON matches them for a request without Authorization; anything else
 * is the Authorization value.
 */
int cassettes_ask(struct replay *rp, const char *method, const char *path, const char *raw,
                  const char *auth, struct cassette_answer *a, char *miss, size_t misslen);

/*
 * Replays `method path?raw` with the body (NULL: none), ignoring credentials; the answer or
 * the miss text is left in *a and miss.
 */
int cassettes_ask_body(struct replay *rp, const char *method, const char *path, const char *raw,
                       const char *body, struct cassette_answer *a, char *miss, size_t misslen);

/* cassettes_ask_body that demands an answer; returns its line. */
size_t cassettes_hit_body(struct replay *rp, const char *method, const char *path, const char *raw,
                          const char *body);

/* cassettes_ask_body that demands a miss; returns its text in miss. */
void cassettes_missed_body(struct replay *rp, const char *method, const char *path, const char *raw,
                           const char *body, char *miss, size_t misslen);

/* Replays and demands an answer; returns its line. */
size_t cassettes_hit(struct replay *rp, const char *method, const char *path, const char *raw,
                     const char *auth);

/* Replays and demands a miss; returns its text in miss. */
void cassettes_missed(struct replay *rp, const char *method, const char *path, const char *raw,
                      const char *auth, char *miss, size_t misslen);

/* Seconds on the monotonic clock. */
double cassettes_mono_s(void);

#endif
