/*
 * fingerprint.c - deriving, reading and caching the fingerprints of credentials.
 *
 * GnuTLS does the cryptography: PBKDF2 for the salted form, SHA-256 for the unsalted one and
 * for the cache's keys. Reading a fingerprint back accepts only the exact text this module
 * writes, so that a fingerprint derived again for an incoming credential can equal a recorded
 * one byte for byte. The cache exists because a derivation takes a tenth of a second, and
 * every request of a replay (or every exchange of a recording) with the same credential would
 * otherwise pay it again. Which salt a cassette uses, and what a fingerprint is compared with,
 * is for the callers to decide.
 */
#include "fingerprint.h"

#include <gnutls/crypto.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The salted form: "pbkdf2-sha256$ROUNDS$SALT$HASH". */
#define FINGERPRINT_SCHEME "pbkdf2-sha256$"
/* Any salted form, of this scheme or another: what an unsalted fingerprint never starts with. */
#define FINGERPRINT_FAMILY "pbkdf2-"
/* Bytes of the derived key written, as 16 hex digits: enough to tell credentials apart. */
#define FINGERPRINT_HASH_LEN 8
/* The rounds a fingerprint may ask for: a cassette is trusted input, but not a hang. */
#define FINGERPRINT_ITERATIONS_MAX 10000000u

static void
fingerprint_hex_put(char *out, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* Reads exactly 2n lowercase hex digits, as fingerprint_hex_put writes them; -1 otherwise. */
static int
fingerprint_hex_get(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < 2 * n; i++) {
		int v;

		if (s[i] >= '0' && s[i] <= '9')
			v = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = s[i] - 'a' + 10;
		else
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(v << 4);
		else
			out[i / 2] |= (unsigned char)v;
	}
	return 0;
}

void
fingerprint_unsalted(const char *authorization, char out[FINGERPRINT_UNSALTED_LEN + 1])
{
	unsigned char digest[32];

	out[0] = '\0';
	if (authorization == NULL)
		return;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, authorization, strlen(authorization), digest) != 0)
		memset(digest, 0, sizeof(digest));
	fingerprint_hex_put(out, digest, FINGERPRINT_UNSALTED_LEN / 2);
}

int
fingerprint_derive(const char *authorization, const unsigned char salt[FINGERPRINT_SALT_LEN],
                   unsigned iterations, char out[FINGERPRINT_MAX])
{
	unsigned char key[FINGERPRINT_HASH_LEN];
	gnutls_datum_t pw, sd;
	int n;

	out[0] = '\0';
	if (authorization == NULL)
		return 0;
	if (iterations < 1 || iterations > FINGERPRINT_ITERATIONS_MAX)
		return -1;
	pw.data = (unsigned char *)authorization;
	pw.size = (unsigned)strlen(authorization);
	sd.data = (unsigned char *)salt;
	sd.size = FINGERPRINT_SALT_LEN;
	if (gnutls_pbkdf2(GNUTLS_MAC_SHA256, &pw, &sd, iterations, key, sizeof(key)) != 0)
		return -1;
	n = snprintf(out, FINGERPRINT_MAX, FINGERPRINT_SCHEME "%u$", iterations);
	fingerprint_hex_put(out + n, salt, FINGERPRINT_SALT_LEN);
	n += 2 * FINGERPRINT_SALT_LEN;
	out[n++] = '$';
	fingerprint_hex_put(out + n, key, sizeof(key));
	return 0;
}

/*
 * Reads the salt and rounds of a salted fingerprint written exactly as fingerprint_derive
 * writes it. -1 when s is anything else.
 */
static int
fingerprint_parse(const char *s, unsigned char salt[FINGERPRINT_SALT_LEN], unsigned *iterations)
{
	const size_t plen = strlen(FINGERPRINT_SCHEME);
	unsigned long v = 0;
	unsigned char hash[FINGERPRINT_HASH_LEN];
	const char *p;

	if (strncmp(s, FINGERPRINT_SCHEME, plen) != 0)
		return -1;
	p = s + plen;
	if (*p < '1' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > FINGERPRINT_ITERATIONS_MAX)
			return -1;
	}
	if (*p++ != '$' || fingerprint_hex_get(p, salt, FINGERPRINT_SALT_LEN) != 0)
		return -1;
	p += 2 * FINGERPRINT_SALT_LEN;
	if (*p++ != '$' || fingerprint_hex_get(p, hash, FINGERPRINT_HASH_LEN) != 0 ||
	    p[2 * FINGERPRINT_HASH_LEN] != '\0')
		return -1;
	*iterations = (unsigned)v;
	return 0;
}

enum fingerprint_kind
fingerprint_kind(const char *s, unsigned char salt[FINGERPRINT_SALT_LEN], unsigned *iterations)
{
	if (s[0] == '\0')
		return FINGERPRINT_NONE;
	if (fingerprint_parse(s, salt, iterations) == 0)
		return FINGERPRINT_SALTED;
	if (strncmp(s, FINGERPRINT_FAMILY, strlen(FINGERPRINT_FAMILY)) != 0)
		return FINGERPRINT_UNSALTED;
	return FINGERPRINT_UNKNOWN;
}

const char *
fingerprint_hash(const char *s)
{
	const char *d = strrchr(s, '$');

	return strncmp(s, FINGERPRINT_SCHEME, strlen(FINGERPRINT_SCHEME)) == 0 && d != NULL ? d + 1
	                                                                                    : s;
}

/*
 * The cache. A slot is found by the SHA-256 of the Authorization value, so the value itself is
 * not kept. The derivation runs outside the lock; a thread that wants a credential another
 * thread is deriving waits for that result instead of deriving it again. The least recently
 * used slot makes room.
 */
#define FINGERPRINT_CACHE_SLOTS 128
/* How often a thread waits for others' derivations before it derives on its own. */
#define FINGERPRINT_CACHE_WAITS 64

struct fingerprint_slot {
	unsigned char key[32];
	char fp[FINGERPRINT_MAX];
	uint64_t used; /* when last used (the cache's tick); 0: free */
	bool ready;    /* false while a thread derives it */
};

struct fingerprint_cache {
	pthread_mutex_t lock;
	pthread_cond_t done;
	unsigned char salt[FINGERPRINT_SALT_LEN];
	unsigned iterations;
	uint64_t tick;
	struct fingerprint_slot slots[FINGERPRINT_CACHE_SLOTS];
};

struct fingerprint_cache *
fingerprint_cache_create(const unsigned char salt[FINGERPRINT_SALT_LEN], unsigned iterations)
{
	struct fingerprint_cache *fc = calloc(1, sizeof(*fc));

	if (fc == NULL)
		return NULL;
	if (pthread_mutex_init(&fc->lock, NULL) != 0) {
		free(fc);
		return NULL;
	}
	if (pthread_cond_init(&fc->done, NULL) != 0) {
		pthread_mutex_destroy(&fc->lock);
		free(fc);
		return NULL;
	}
	memcpy(fc->salt, salt, FINGERPRINT_SALT_LEN);
	fc->iterations = iterations;
	return fc;
}

void
fingerprint_cache_free(struct fingerprint_cache *fc)
{
	if (fc == NULL)
		return;
	pthread_cond_destroy(&fc->done);
	pthread_mutex_destroy(&fc->lock);
	/* Not a secret, but no reason to leave the fingerprints of credentials in freed memory. */
	memset(fc->slots, 0, sizeof(fc->slots));
	free(fc);
}

/* The slot for key, or NULL. Called with the lock held. */
static struct fingerprint_slot *
fingerprint_cache_find(struct fingerprint_cache *fc, const unsigned char key[32])
{
	for (size_t i = 0; i < FINGERPRINT_CACHE_SLOTS; i++)
		if (fc->slots[i].used != 0 && memcmp(fc->slots[i].key, key, 32) == 0)
			return &fc->slots[i];
	return NULL;
}

/* A free slot, or the least recently used ready one; NULL when every slot is being derived. */
static struct fingerprint_slot *
fingerprint_cache_victim(struct fingerprint_cache *fc)
{
	struct fingerprint_slot *best = NULL;

	for (size_t i = 0; i < FINGERPRINT_CACHE_SLOTS; i++) {
		struct fingerprint_slot *s = &fc->slots[i];

		if (s->used == 0)
			return s;
		if (s->ready && (best == NULL || s->used < best->used))
			best = s;
	}
	return best;
}

int
fingerprint_cache_get(struct fingerprint_cache *fc, const char *authorization,
                      char out[FINGERPRINT_MAX])
{
	unsigned char key[32];
	struct fingerprint_slot *s = NULL;
	int rc;

	out[0] = '\0';
	if (authorization == NULL)
		return 0;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, authorization, strlen(authorization), key) != 0)
		return fingerprint_derive(authorization, fc->salt, fc->iterations, out);
	pthread_mutex_lock(&fc->lock);
	for (int waits = 0;; waits++) {
		s = fingerprint_cache_find(fc, key);
		if (s != NULL && s->ready) {
			memcpy(out, s->fp, sizeof(s->fp));
			s->used = ++fc->tick;
			pthread_mutex_unlock(&fc->lock);
			return 0;
		}
		if (s == NULL || waits == FINGERPRINT_CACHE_WAITS)
			break;
		pthread_cond_wait(&fc->done, &fc->lock);
	}
	s = s == NULL ? fingerprint_cache_victim(fc) : NULL;
	if (s != NULL) {
		memcpy(s->key, key, sizeof(key));
		s->ready = false;
		s->used = ++fc->tick;
	}
	pthread_mutex_unlock(&fc->lock);

	rc = fingerprint_derive(authorization, fc->salt, fc->iterations, out);
	if (s == NULL)
		return rc;
	pthread_mutex_lock(&fc->lock);
	if (rc == 0) {
		memcpy(s->fp, out, sizeof(s->fp));
		s->ready = true;
	} else {
		s->used = 0; /* the next asker tries again */
	}
	pthread_cond_broadcast(&fc->done);
	pthread_mutex_unlock(&fc->lock);
	return rc;
}
