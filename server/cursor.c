/*
 * cursor.c - signing and verifying page cursors (HS256 JWTs shaped like Gong's).
 *
 * The payload is written by hand in one canonical form, and reading it back accepts that form
 * and nothing else: a decoded payload is parsed, rendered again and compared byte for byte with
 * what was received. The module only carries a position and the filters of a walk; deciding
 * what the next page holds belongs to the store, and turning a refusal into a 400 belongs to
 * the error table. It keeps no state of its own: the key is the caller's.
 */
#include "cursor.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "b64.h"
#include "isotime.h"

/* base64url of {"alg":"HS256"}, the only header Gong's cursors carry, and its dot. */
#define CURSOR_HEADER "eyJhbGciOiJIUzI1NiJ9."
#define CURSOR_HEADER_LEN (sizeof(CURSOR_HEADER) - 1)
#define CURSOR_MAC_LEN 32
/* 32 bytes are 43 base64url characters without padding. */
#define CURSOR_MAC_TEXT_LEN 43
/* Room for any payload: the longest one cursor_encode can write is under 300 bytes. */
#define CURSOR_PAYLOAD_MAX CURSOR_TEXT_MAX

int
cursor_key_init(struct cursor_key *key, const char *secret, char *err, size_t errlen)
{
	int rc;

	/*
	 * A secret of any length is hashed into a key of fixed length, so that two processes given
	 * the same secret accept each other's cursors. Without one, a random key makes every
	 * cursor die with the process, which is what a mock restarted between tests wants.
	 */
	if (secret != NULL)
		rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, secret, strlen(secret), key->bytes);
	else
		rc = gnutls_rnd(GNUTLS_RND_KEY, key->bytes, sizeof(key->bytes));
	if (rc < 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cursor key: %s: %s",
			         secret != NULL ? "cannot hash the secret" : "no random bytes",
			         gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

/*
 * Decodes len base64url characters (a JWT segment: no padding) into out. The unused low bits
 * of the last character must be zero: otherwise several texts would decode to the same
 * bytes, and changing one character of a cursor could leave it valid. Returns the number of
 * bytes, or -1.
 */
static long
cursor_b64_decode(const char *src, size_t len, unsigned char *out)
{
	return b64_decode(src, len, out, B64_URL, B64_NO_PAD | B64_STRICT);
}

/* True when s holds 1 to max decimal digits and a NUL within max + 1 bytes. */
static bool
cursor_digits_ok(const char *s, size_t max)
{
	const char *nul = memchr(s, '\0', max + 1);
	size_t i, n;

	if (nul == NULL || nul == s)
		return false;
	n = (size_t)(nul - s);
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * Writes the canonical payload of c into out. Returns its length, or 0 when it does not fit or
 * c holds something a cursor cannot carry. The id is written as a bare number, as Gong does,
 * straight from its digits: ids reach 20 digits and so do not fit an int64_t. Its leading
 * zeros are dropped because JSON numbers have none; ids compare as numbers, so the position is
 * the same.
 */
static size_t
cursor_payload_render(const struct cursor *c, char *out, size_t outlen)
{
	char when[ISOTIME_TEXT_MAX + 1];
	char from[ISOTIME_TEXT_MAX + 1];
	char to[ISOTIME_TEXT_MAX + 1];
	const char *id = c->last_id;
	const struct filter *f = &c->filter;
	size_t n;
	int w;

	if (!cursor_digits_ok(c->last_id, CURSOR_ID_MAX) || c->page_size == 0)
		return 0;
	if (f->has_workspace && !cursor_digits_ok(f->workspace, FILTER_WORKSPACE_MAX))
		return 0;
	while (id[0] == '0' && id[1] != '\0')
		id++;
	if (isotime_format(c->last_date_us, when, sizeof(when)) == 0)
		return 0;
	if (f->has_from && isotime_format(f->from_us, from, sizeof(from)) == 0)
		return 0;
	if (f->has_to && isotime_format(f->to_us, to, sizeof(to)) == 0)
		return 0;

	w = snprintf(out, outlen,
	             "{\"callId\":%s,\"total\":%" PRIu64 ",\"pageNumber\":%" PRIu64
	             ",\"pageSize\":%" PRIu32 ",\"time\":\"%s\",\"exp\":%" PRId64,
	             id, c->total, c->page_number, c->page_size, when, c->exp);
	if (w < 0 || (size_t)w >= outlen)
		return 0;
	n = (size_t)w;
	if (f->has_from) {
		w = snprintf(out + n, outlen - n, ",\"from\":\"%s\"", from);
		if (w < 0 || (size_t)w >= outlen - n)
			return 0;
		n += (size_t)w;
	}
	if (f->has_to) {
		w = snprintf(out + n, outlen - n, ",\"to\":\"%s\"", to);
		if (w < 0 || (size_t)w >= outlen - n)
			return 0;
		n += (size_t)w;
	}
	if (f->has_workspace) {
		w = snprintf(out + n, outlen - n, ",\"workspaceId\":\"%s\"", f->workspace);
		if (w < 0 || (size_t)w >= outlen - n)
			return 0;
		n += (size_t)w;
	}
	if (c->op >= CURSOR_OP_COUNT)
		return 0;
	if (c->op != CURSOR_OP_LIST) {
		w = snprintf(out + n, outlen - n, ",\"op\":%u,\"filterHash\":\"%016" PRIx64 "\"",
		             c->op, c->filter_hash);
		if (w < 0 || (size_t)w >= outlen - n)
			return 0;
		n += (size_t)w;
	}
	if (n + 2 > outlen)
		return 0;
	out[n++] = '}';
	out[n] = '\0';
	return n;
}

size_t
cursor_encode(const struct cursor_key *key, const struct cursor *c, char *out, size_t outlen)
{
	char payload[CURSOR_PAYLOAD_MAX];
	unsigned char mac[CURSOR_MAC_LEN];
	size_t plen, signed_len, total;

	if (out == NULL || outlen == 0)
		return 0;
	out[0] = '\0';
	plen = cursor_payload_render(c, payload, sizeof(payload));
	if (plen == 0)
		return 0;
	signed_len = CURSOR_HEADER_LEN + b64_encoded_len(plen, 0);
	total = signed_len + 1 + CURSOR_MAC_TEXT_LEN;
	if (total > CURSOR_TEXT_MAX || total + 1 > outlen)
		return 0;

	memcpy(out, CURSOR_HEADER, CURSOR_HEADER_LEN);
	b64_encode((const unsigned char *)payload, plen, out + CURSOR_HEADER_LEN, B64_URL, 0);
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key->bytes, sizeof(key->bytes), out, signed_len,
	                     mac) < 0) {
		out[0] = '\0';
		return 0;
	}
	out[signed_len] = '.';
	b64_encode(mac, sizeof(mac), out + signed_len + 1, B64_URL, 0);
	out[total] = '\0';
	return total;
}

/*
 * A reader over the decoded payload. Every helper checks the end before it looks at a byte,
 * and each one accepts only what cursor_payload_render writes, so that the final comparison
 * with a fresh rendering is a second line of defence rather than the only one.
 */
struct cursor_scan {
	const char *p;
	const char *end;
};

static bool
cursor_scan_lit(struct cursor_scan *s, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
		return false;
	s->p += n;
	return true;
}

/* Tests for a literal without consuming it. */
static bool
cursor_scan_peek(const struct cursor_scan *s, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(s->end - s->p) >= n && memcmp(s->p, lit, n) == 0;
}

/* Reads an unsigned number no greater than max, without leading zeros. */
static bool
cursor_scan_u64(struct cursor_scan *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned d;
	const char *start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		d = (unsigned)(*s->p - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
		s->p++;
	}
	if (s->p == start || (start[0] == '0' && s->p - start > 1))
		return false;
	*out = v;
	return true;
}

/* Reads a signed number that fits an int64_t; "-0" is not canonical and is refused. */
static bool
cursor_scan_i64(struct cursor_scan *s, int64_t *out)
{
	uint64_t mag;
	bool neg = cursor_scan_lit(s, "-");

	if (!cursor_scan_u64(s, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &mag))
		return false;
	if (!neg)
		*out = (int64_t)mag;
	else if (mag == 0)
		return false;
	else if (mag == (uint64_t)INT64_MAX + 1)
		*out = INT64_MIN;
	else
		*out = -(int64_t)mag;
	return true;
}

/* Reads 1 to max digits into out (max + 1 bytes); a bare number may not have leading zeros. */
static bool
cursor_scan_digits(struct cursor_scan *s, size_t max, bool bare, char *out)
{
	size_t n = 0;

	while (s->p + n < s->end && s->p[n] >= '0' && s->p[n] <= '9') {
		if (n == max)
			return false;
		n++;
	}
	if (n == 0 || (bare && n > 1 && s->p[0] == '0'))
		return false;
	memcpy(out, s->p, n);
	out[n] = '\0';
	s->p += n;
	return true;
}

/* Reads a quoted date-time with an explicit offset. */
static bool
cursor_scan_date(struct cursor_scan *s, int64_t *out)
{
	const char *start;

	if (!cursor_scan_lit(s, "\""))
		return false;
	start = s->p;
	while (s->p < s->end && *s->p != '"') {
		if (s->p - start >= ISOTIME_TEXT_MAX)
			return false;
		s->p++;
	}
	if (s->p == s->end ||
	    isotime_parse(start, (size_t)(s->p - start), ISOTIME_REQUIRE_OFFSET, out) != 0)
		return false;
	s->p++;
	return true;
}

/* Reads a payload into c, field by field in the order cursor_payload_render writes them. */
static bool
cursor_payload_parse(const char *payload, size_t len, struct cursor *c)
{
	struct cursor_scan s = {payload, payload + len};
	struct filter *f = &c->filter;
	uint64_t size;

	memset(c, 0, sizeof(*c));
	if (!cursor_scan_lit(&s, "{\"callId\":") ||
	    !cursor_scan_digits(&s, CURSOR_ID_MAX, true, c->last_id) ||
	    !cursor_scan_lit(&s, ",\"total\":") || !cursor_scan_u64(&s, UINT64_MAX, &c->total) ||
	    !cursor_scan_lit(&s, ",\"pageNumber\":") ||
	    !cursor_scan_u64(&s, UINT64_MAX, &c->page_number) ||
	    !cursor_scan_lit(&s, ",\"pageSize\":") || !cursor_scan_u64(&s, UINT32_MAX, &size) ||
	    size == 0 || !cursor_scan_lit(&s, ",\"time\":") ||
	    !cursor_scan_date(&s, &c->last_date_us) || !cursor_scan_lit(&s, ",\"exp\":") ||
	    !cursor_scan_i64(&s, &c->exp))
		return false;
	c->page_size = (uint32_t)size;
	if (cursor_scan_peek(&s, ",\"from\":")) {
		s.p += strlen(",\"from\":");
		if (!cursor_scan_date(&s, &f->from_us))
			return false;
		f->has_from = true;
	}
	if (cursor_scan_peek(&s, ",\"to\":")) {
		s.p += strlen(",\"to\":");
		if (!cursor_scan_date(&s, &f->to_us))
			return false;
		f->has_to = true;
	}
	if (cursor_scan_peek(&s, ",\"workspaceId\":\"")) {
		s.p += strlen(",\"workspaceId\":\"");
		if (!cursor_scan_digits(&s, FILTER_WORKSPACE_MAX, false, f->workspace) ||
		    !cursor_scan_lit(&s, "\""))
			return false;
		f->has_workspace = true;
	}
	if (cursor_scan_peek(&s, ",\"op\":")) {
		uint64_t op;
		s.p += strlen(",\"op\":");
		if (!cursor_scan_u64(&s, CURSOR_OP_COUNT - 1, &op) || op == CURSOR_OP_LIST ||
		    !cursor_scan_lit(&s, ",\"filterHash\":\""))
			return false;
		c->op = (unsigned)op;
		for (int i = 0; i < 16; i++) {
			char ch = s.p < s.end ? *s.p++ : 0;
			unsigned d;
			if (ch >= '0' && ch <= '9')
				d = (unsigned)(ch - '0');
			else if (ch >= 'a' && ch <= 'f')
				d = (unsigned)(ch - 'a' + 10);
			else
				return false;
			c->filter_hash = c->filter_hash << 4 | d;
		}
		if (!cursor_scan_lit(&s, "\""))
			return false;
	}
	return cursor_scan_lit(&s, "}") && s.p == s.end;
}

enum cursor_status
cursor_decode(const struct cursor_key *key, const char *text, size_t len, int64_t now,
              struct cursor *out)
{
	unsigned char mac[CURSOR_MAC_LEN];
	unsigned char want[CURSOR_MAC_LEN];
	unsigned char payload[CURSOR_PAYLOAD_MAX];
	char again[CURSOR_PAYLOAD_MAX];
	const char *dot;
	size_t signed_len, plen;
	long n;
	struct cursor c;

	if (text == NULL || len <= CURSOR_HEADER_LEN || len > CURSOR_TEXT_MAX ||
	    memcmp(text, CURSOR_HEADER, CURSOR_HEADER_LEN) != 0)
		return CURSOR_INVALID;
	dot = memchr(text + CURSOR_HEADER_LEN, '.', len - CURSOR_HEADER_LEN);
	if (dot == NULL || dot == text + CURSOR_HEADER_LEN)
		return CURSOR_INVALID;
	signed_len = (size_t)(dot - text);
	if (len - signed_len - 1 != CURSOR_MAC_TEXT_LEN ||
	    cursor_b64_decode(dot + 1, CURSOR_MAC_TEXT_LEN, mac) != CURSOR_MAC_LEN)
		return CURSOR_INVALID;

	/*
	 * The signature is checked before a byte of the payload is decoded, and with a comparison
	 * whose time does not depend on where the bytes differ, so a forger learns nothing from
	 * how fast a guess is refused.
	 */
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key->bytes, sizeof(key->bytes), text, signed_len,
	                     want) < 0 ||
	    gnutls_memcmp(mac, want, sizeof(mac)) != 0)
		return CURSOR_INVALID;

	/* At most CURSOR_TEXT_MAX characters decode to three quarters as many bytes: payload
	 * has room for them. */
	n = cursor_b64_decode(text + CURSOR_HEADER_LEN, signed_len - CURSOR_HEADER_LEN, payload);
	if (n <= 0)
		return CURSOR_INVALID;
	plen = (size_t)n;
	if (!cursor_payload_parse((const char *)payload, plen, &c))
		return CURSOR_INVALID;

	/*
	 * Only the canonical text of these values is accepted. A well-signed payload can only
	 * have come from cursor_encode, so this refuses nothing in practice; it guards against a
	 * reader that is laxer than the writer, and against two encodings of one position.
	 */
	if (cursor_payload_render(&c, again, sizeof(again)) != plen ||
	    memcmp(again, payload, plen) != 0)
		return CURSOR_INVALID;

	*out = c;
	return c.exp <= now ? CURSOR_EXPIRED : CURSOR_OK;
}
