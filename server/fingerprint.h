/*
 * fingerprint.h - what a cassette holds in place of a credential: a salted, deliberately slow
 * fingerprint of the Authorization value, and a cache of derived ones.
 *
 * A fingerprint is PBKDF2-HMAC-SHA256 of the value with a random salt of the cassette and
 * FINGERPRINT_ITERATIONS rounds, written as "pbkdf2-sha256$ROUNDS$SALT$HASH" (SALT 32 hex
 * digits, HASH the first 16 hex digits of the key). The slow derivation makes checking a
 * guessed secret against a committed cassette expensive. Cassettes written before the salt
 * hold the first 12 hex digits of the value's SHA-256 instead ("unsalted"); they are still
 * read and matched, never written.
 *
 * The functions on text are pure and safe from any thread; a cache has its own lock.
 */
#ifndef GONGMOCK_FINGERPRINT_H
#define GONGMOCK_FINGERPRINT_H

#include <stddef.h>

/* Bytes of salt per cassette. */
#define FINGERPRINT_SALT_LEN 16
/*
 * PBKDF2-HMAC-SHA256 rounds per fingerprint: OWASP's figure for this KDF (2023), about 0.1 s
 * on one core, paid once per credential by a recording or a replay, and per guess by anyone
 * trying to recover a credential from a cassette.
 */
#define FINGERPRINT_ITERATIONS 600000
/* Room for a fingerprint's text, NUL included. */
#define FINGERPRINT_MAX 80
/* Hex digits of the unsalted form. */
#define FINGERPRINT_UNSALTED_LEN 12

/*
 * The fingerprint of an Authorization value with the given salt and rounds (1 to 10,000,000)
 * into out; "" for NULL. Slow on purpose. Returns 0, or -1 with out "" when the rounds are out
 * of range or the library refuses.
 */
int fingerprint_derive(const char *authorization, const unsigned char salt[FINGERPRINT_SALT_LEN],
                       unsigned iterations, char out[FINGERPRINT_MAX]);

/* The unsalted form of an Authorization value, into out; "" for NULL. Only for matching. */
void fingerprint_unsalted(const char *authorization, char out[FINGERPRINT_UNSALTED_LEN + 1]);

enum fingerprint_kind {
	FINGERPRINT_NONE,     /* "": the request had no Authorization */
	FINGERPRINT_SALTED,   /* the salted form, exactly as fingerprint_derive writes it */
	FINGERPRINT_UNSALTED, /* the old unsalted form, or any other text, as hand-written */
	FINGERPRINT_UNKNOWN   /* starts as the salted form does, but is not one */
};

/*
 * What kind of fingerprint the text s is. For FINGERPRINT_SALTED, salt and *iterations hold
 * what s was derived with; for the other kinds they are left undefined.
 */
enum fingerprint_kind fingerprint_kind(const char *s, unsigned char salt[FINGERPRINT_SALT_LEN],
                                       unsigned *iterations);

/* The HASH part of a salted fingerprint, what messages show of it; s itself for other text. */
const char *fingerprint_hash(const char *s);

struct fingerprint_cache;

/*
 * A cache of fingerprints derived with one salt and number of rounds, for many threads. NULL
 * when out of memory.
 */
struct fingerprint_cache *fingerprint_cache_create(const unsigned char salt[FINGERPRINT_SALT_LEN],
                                                   unsigned iterations);

/* fingerprint_cache_free(NULL) does nothing. */
void fingerprint_cache_free(struct fingerprint_cache *fc);

/*
 * fingerprint_derive with the cache's salt and rounds, from memory when the credential was
 * seen before: only its first request pays for the derivation, and threads asking for the
 * same credential at once wait for one derivation. The credential itself is not kept, only
 * its SHA-256. Returns 0, or -1 with out "" when the derivation fails. Safe from any thread.
 */
int fingerprint_cache_get(struct fingerprint_cache *fc, const char *authorization,
                          char out[FINGERPRINT_MAX]);

#endif
