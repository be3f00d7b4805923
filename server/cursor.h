/*
 * cursor.h - stateless, signed page cursors shaped like Gong's.
 *
 * A cursor is an HS256 JWT: `eyJhbGciOiJIUzI1NiJ9.<base64url payload>.<base64url signature>`.
 * Its payload records everything needed to serve the next page without server state: the
 * filters of the walk, the position (date and id) of the last call served, the number of the
 * page it asks for, the total of the walk, the page size and an expiry. Because the position
 * is a (date, id) pair and not an offset, a reload of the data between two pages neither skips
 * nor repeats a call that both datasets hold.
 *
 * The key is set once at start-up and read-only afterwards, so encode and decode are safe from
 * any thread. HMAC-SHA256 comes from GnuTLS. Knows nothing of HTTP.
 */
#ifndef GONGMOCK_CURSOR_H
#define GONGMOCK_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"

/* Longest cursor text cursor_encode writes (without the NUL); longer input never verifies. */
#define CURSOR_TEXT_MAX 640
/* Longest call id: 20 digits. */
#define CURSOR_ID_MAX 20
#define CURSOR_KEY_LEN 32

struct cursor_key {
	unsigned char bytes[CURSOR_KEY_LEN];
};

struct cursor {
	struct filter filter;            /* the walk's filters */
	int64_t last_date_us;            /* date of the last call served (its filtering date) */
	char last_id[CURSOR_ID_MAX + 1]; /* id of the last call served, digits */
	uint64_t page_number;            /* the page this cursor brings (1 for the second page) */
	uint64_t total;                  /* totalRecords of the walk */
	uint32_t page_size;
	int64_t exp; /* expiry, seconds since the epoch */
	/* The operation the walk is of (CURSOR_OP_LIST for GET /v2/calls) and, for the POST
	 * views, a hash of the filters a cursor cannot carry whole (ids, users), so a walk whose
	 * filter changes can be told. */
	unsigned op;
	uint64_t filter_hash;
};

enum cursor_op {
	CURSOR_OP_LIST = 0,
	CURSOR_OP_EXTENSIVE,
	CURSOR_OP_TRANSCRIPT,
	CURSOR_OP_USERS,           /* GET /v2/users */
	CURSOR_OP_USERS_EXTENSIVE, /* POST /v2/users/extensive */
	CURSOR_OP_COUNT
};

enum cursor_status {
	CURSOR_OK = 0,
	CURSOR_INVALID, /* malformed, foreign, or tampered with */
	CURSOR_EXPIRED  /* well signed, but exp <= now */
};

/*
 * Derives the key from `secret` (any length, hashed with SHA-256), or draws CURSOR_KEY_LEN
 * random bytes when secret is NULL. Returns 0, or -1 with a message in err.
 */
int cursor_key_init(struct cursor_key *key, const char *secret, char *err, size_t errlen);

/*
 * Writes the cursor for `c` into out (outlen should be CURSOR_TEXT_MAX + 1). The payload is
 * JSON with the keys callId (a number), total, pageNumber, pageSize, time (the last date,
 * ISO-8601 UTC), exp, then from, to and workspaceId when the filter has them, then for the
 * POST views and the users' walks op (1 to 4) and filterHash (16 hex digits). Returns the
 * length written, or 0 if out is too small or c cannot be carried: last_id or the workspace
 * not 1-20 digits, page_size 0, op not a cursor_op, or a date outside the years 0000-9999. Leading zeros of
 * last_id are dropped (a JSON number has none), so decoding gives the id without them.
 */
size_t cursor_encode(const struct cursor_key *key, const struct cursor *c, char *out,
                     size_t outlen);

/*
 * Verifies and reads `len` bytes of `text`. The signature is checked (in constant time) before
 * anything of the payload is read; then the payload must have exactly the shape cursor_encode
 * writes. `now` is seconds since the epoch. Returns CURSOR_OK and fills *out, CURSOR_EXPIRED
 * (and fills *out) when exp <= now, or CURSOR_INVALID.
 */
__attribute__((warn_unused_result)) enum cursor_status cursor_decode(const struct cursor_key *key,
                                                                     const char *text, size_t len,
                                                                     int64_t now,
                                                                     struct cursor *out);

#endif
