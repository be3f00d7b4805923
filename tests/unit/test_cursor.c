/*
 * test_cursor.c - the cursor codec: exact payload text, round trips with every combination of
 * filters, tampering, foreign keys, expiry, and a strict reading of payloads that are well
 * signed but not in the canonical form (the tests sign those themselves with the key bytes).
 * The POST views' cursors add their operation and a hash of their id sets, read back the same
 * and refused when altered.
 */
#include "cursor.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "isotime.h"

#include "harness.h"

#define PREFIX "eyJhbGciOiJIUzI1NiJ9."

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static struct cursor_key
key_for(const char *secret)
{
	struct cursor_key k;
	char err[128];

	ck_assert_int_eq(cursor_key_init(&k, secret, err, sizeof(err)), 0);
	return k;
}

static int64_t
iso(const char *s)
{
	int64_t us;

	ck_assert_int_eq(isotime_parse(s, strlen(s), ISOTIME_REQUIRE_OFFSET, &us), 0);
	return us;
}

static struct cursor
sample(void)
{
	struct cursor c;

	memset(&c, 0, sizeof(c));
	strcpy(c.last_id, "4953707601776238360");
	c.last_date_us = iso("2022-09-13T09:30:00Z");
	c.total = 179;
	c.page_number = 1;
	c.page_size = 100;
	c.exp = 1716626146;
	return c;
}

static void
assert_same(const struct cursor *a, const struct cursor *b)
{
	ck_assert_str_eq(a->last_id, b->last_id);
	ck_assert_int_eq(a->last_date_us, b->last_date_us);
	ck_assert_uint_eq(a->total, b->total);
	ck_assert_uint_eq(a->page_number, b->page_number);
	ck_assert_uint_eq(a->page_size, b->page_size);
	ck_assert_int_eq(a->exp, b->exp);
	ck_assert_int_eq(a->filter.has_from, b->filter.has_from);
	ck_assert_int_eq(a->filter.has_to, b->filter.has_to);
	ck_assert_int_eq(a->filter.has_workspace, b->filter.has_workspace);
	if (a->filter.has_from)
		ck_assert_int_eq(a->filter.from_us, b->filter.from_us);
	if (a->filter.has_to)
		ck_assert_int_eq(a->filter.to_us, b->filter.to_us);
	if (a->filter.has_workspace)
		ck_assert_str_eq(a->filter.workspace, b->filter.workspace);
}

static size_t
encode(const struct cursor_key *k, const struct cursor *c, char out[CURSOR_TEXT_MAX + 1])
{
	size_t n = cursor_encode(k, c, out, CURSOR_TEXT_MAX + 1);

	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(n, strlen(out));
	return n;
}

static int
b64val(char ch)
{
	const char *p = ch != '\0' ? strchr(b64url, ch) : NULL;

	return p != NULL ? (int)(p - b64url) : -1;
}

/* Decodes the payload part of a cursor text into out (NUL-terminated). */
static void
payload_of(const char *text, char *out, size_t outlen)
{
	const char *p = text + strlen(PREFIX);
	const char *end = strchr(p, '.');
	unsigned acc = 0, bits = 0;
	size_t n = 0;

	ck_assert_ptr_nonnull(end);
	for (; p < end; p++) {
		ck_assert_int_ge(b64val(*p), 0);
		acc = (acc << 6 | (unsigned)b64val(*p)) & 0xfff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			ck_assert_uint_lt(n + 1, outlen);
			out[n++] = (char)(acc >> bits);
		}
	}
	out[n] = '\0';
}

static void
b64_append(char *out, size_t *n, const unsigned char *src, size_t len)
{
	size_t i;
	unsigned v;

	for (i = 0; i < len; i += 3) {
		v = (unsigned)src[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)src[i + 1] << 8;
		if (i + 2 < len)
			v |= src[i + 2];
		out[(*n)++] = b64url[v >> 18 & 63];
		out[(*n)++] = b64url[v >> 12 & 63];
		if (i + 1 < len)
			out[(*n)++] = b64url[v >> 6 & 63];
		if (i + 2 < len)
			out[(*n)++] = b64url[v & 63];
	}
	out[*n] = '\0';
}

/* Builds `PREFIX payload_text . sig` with a valid HMAC over whatever payload text is given. */
static void
sign_text(const struct cursor_key *k, const char *payload_text, char *out, size_t outlen)
{
	unsigned char mac[32];
	size_t n;

	ck_assert_uint_lt(strlen(PREFIX) + strlen(payload_text) + 45, outlen);
	strcpy(out, PREFIX);
	strcat(out, payload_text);
	n = strlen(out);
	ck_assert_int_eq(
	    gnutls_hmac_fast(GNUTLS_MAC_SHA256, k->bytes, sizeof(k->bytes), out, n, mac), 0);
	out[n++] = '.';
	b64_append(out, &n, mac, sizeof(mac));
}

/* The same for a JSON payload, base64url-encoded first. */
static void
sign_json(const struct cursor_key *k, const char *json, char *out, size_t outlen)
{
	char enc[1024];
	size_t n = 0;

	ck_assert_uint_lt(strlen(json) * 4 / 3 + 4, sizeof(enc));
	b64_append(enc, &n, (const unsigned char *)json, strlen(json));
	sign_text(k, enc, out, outlen);
}

static enum cursor_status
decode_str(const struct cursor_key *k, const char *text, int64_t now, struct cursor *out)
{
	return cursor_decode(k, text, strlen(text), now, out);
}

START_TEST(test_shape)
{
	struct cursor_key k = key_for("s");
	struct cursor c = sample();
	char text[CURSOR_TEXT_MAX + 1];
	size_t n = encode(&k, &c, text), dots = 0, i;
	const char *sig;

	ck_assert_int_eq(strncmp(text, PREFIX, strlen(PREFIX)), 0);
	for (i = 0; i < n; i++)
		dots += text[i] == '.';
	ck_assert_uint_eq(dots, 2);
	sig = strrchr(text, '.') + 1;
	ck_assert_uint_eq(strlen(sig), 43);
	for (i = 0; i < n; i++)
		ck_assert(text[i] == '.' || b64val(text[i]) >= 0);
	ck_assert_uint_le(n, CURSOR_TEXT_MAX);
}
END_TEST

START_TEST(test_payload_text)
{
	struct cursor_key k = key_for("s");
	struct cursor c = sample();
	char text[CURSOR_TEXT_MAX + 1], json[CURSOR_TEXT_MAX];

	encode(&k, &c, text);
	payload_of(text, json, sizeof(json));
	ck_assert_str_eq(json,
	                 "{\"callId\":4953707601776238360,\"total\":179,\"pageNumber\":1,"
	                 "\"pageSize\":100,\"time\":\"2022-09-13T09:30:00Z\",\"exp\":1716626146}");

	c.filter.has_from = true;
	c.filter.from_us = iso("2022-09-01T00:00:00.25+02:00");
	c.filter.has_to = true;
	c.filter.to_us = iso("2022-10-01T00:00:00Z");
	c.filter.has_workspace = true;
	strcpy(c.filter.workspace, "12345678901234567890");
	encode(&k, &c, text);
	payload_of(text, json, sizeof(json));
	ck_assert_str_eq(json,
	                 "{\"callId\":4953707601776238360,\"total\":179,\"pageNumber\":1,"
	                 "\"pageSize\":100,\"time\":\"2022-09-13T09:30:00Z\",\"exp\":1716626146,"
	                 "\"from\":\"2022-08-31T22:00:00.25Z\",\"to\":\"2022-10-01T00:00:00Z\","
	                 "\"workspaceId\":\"12345678901234567890\"}");
}
END_TEST

/* _i is check's loop index: each of the 8 combinations of the three filters. */
START_TEST(test_roundtrip_filters)
{
	struct cursor_key k = key_for("s");
	struct cursor c = sample(), d;
	char text[CURSOR_TEXT_MAX + 1];
	size_t n;

	c.filter.has_from = (_i & 1) != 0;
	c.filter.has_to = (_i & 2) != 0;
	c.filter.has_workspace = (_i & 4) != 0;
	c.filter.from_us = iso("2021-01-01T00:00:00Z") + 1;
	c.filter.to_us = iso("2023-06-30T23:59:59.999999Z");
	strcpy(c.filter.workspace, "007");
	n = encode(&k, &c, text);
	memset(&d, 0xa5, sizeof(d));
	ck_assert_int_eq(cursor_decode(&k, text, n, 0, &d), CURSOR_OK);
	assert_same(&c, &d);
	ck_assert_int_eq(d.filter.has_from, (_i & 1) != 0);
	ck_assert_int_eq(d.filter.has_to, (_i & 2) != 0);
	ck_assert_int_eq(d.filter.has_workspace, (_i & 4) != 0);
}
END_TEST

START_TEST(test_big_ids)
{
	static const char *const ids[] = {"9223372036854775808",  /* 2^63 */
	                                  "18446744073709551616", /* 2^64 */
	                                  "99999999999999999999", "0", "1"};
	struct cursor_key k = key_for("s");
	struct cursor c = sample(), d;
	char text[CURSOR_TEXT_MAX + 1], json[CURSOR_TEXT_MAX], want[64];
	size_t i, n;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		strcpy(c.last_id, ids[i]);
		n = encode(&k, &c, text);
		ck_assert_int_eq(cursor_decode(&k, text, n, 0, &d), CURSOR_OK);
		ck_assert_str_eq(d.last_id, ids[i]);
		payload_of(text, json, sizeof(json));
		snprintf(want, sizeof(want), "{\"callId\":%s,", ids[i]);
		ck_assert_int_eq(strncmp(json, want, strlen(want)), 0);
	}
}
END_TEST

START_TEST(test_leading_zeros_dropped)
{
	struct cursor_key k = key_for("s");
	struct cursor c = sample(), d;
	char text[CURSOR_TEXT_MAX + 1];
	size_t n;

	strcpy(c.last_id, "00000000000000000042");
	n = encode(&k, &c, text);
	ck_assert_int_eq(cursor_decode(&k, text, n, 0, &d), CURSOR_OK);
	ck_assert_str_eq(d.last_id, "42");
	strcpy(c.last_id, "000");
	n = encode(&k, &c, text);
	ck_assert_int_eq(cursor_decode(&k, text, n, 0, &d), CURSOR_OK);
	ck_assert_str_eq(d.last_id, "0");
}
END_TEST

START_TEST(test_extreme_values)
{
	struct cursor_key k = key_for("s");
	struct cursor c = sample(), d;
	char text[CURSOR_TEXT_MAX + 1];
	size_t n;

	c.total = UINT64_MAX;
	c.page_number = UINT64_MAX;
	c.page_size = UINT32_MAX;
	c.exp = INT64_MAX;
	c.last_date_us = iso("9999-12-31T23:59:59.999999Z");
	c.filter.has_from = true;
	c.filter.from_us = iso("0000-01-01T00:00:00Z");
	c.filter.has_to = true;
	c.filter.to_us = iso("1969-12-31T23:59:59.5Z");
	c.filter.has_workspace = true;
	strcpy(c.filter.workspace, "99999999999999999999");
	strcpy(c.last_id, "99999999999999999999");
	n = encode(&k, &c, text);
	ck_assert_int_eq(cursor_decode(&k, text, n, INT64_MAX - 1, &d), CURSOR_OK);
	assert_same(&c, &d);

	c.exp = INT64_MIN;
	n = encode(&k, &c, text);
	ck_assert_int_eq(cursor_decode(&k, text, n, INT64_MIN, &d), CURSOR_EXPIRED);
	assert_same(&c, &d);
	c.exp = -1;
	n = encode(&k, &c, text);
	ck_assert_int_eq(cursor_decode(&k, text, n, -2, &d), CURSOR_OK);
	ck_assert_int_eq(d.exp, -1);
}
END_TEST

START_TEST(test_expiry_boundary)
{
	struct cursor_key k = key_for("s");
	struct cursor c = sample(), d;
	char text[CURSOR_TEXT_MAX + 1];
	size_t n = encode(&k, &c, text);

	ck_assert_int_eq(cursor_decode(&k, text, n, c.exp - 1, &d), CURSOR_OK);
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(cursor_decode(&k, text, n, c.exp, &d), CURSOR_EXPIRED);
	assert_same(&c, &d);
	ck_assert_int_eq(cursor_decode(&k, text, n, c.exp + 1, &d), CURSOR_EXPIRED);
}
END_TEST

/*
 * Every single-character change anywhere in the text, to any base64url character or to `.`
 * or `=`, must be refused: in the fixed header, the payload, the dots and the signature.
 */
START_TEST(test_every_flip_refused)
{
	static const char extra[] = ".=";
	struct cursor_key k = key_for("s");
	struct cursor c = sample(), d;
	char text[CURSOR_TEXT_MAX + 1], orig;
	size_t n, i, j, tried = 0;
	char repl;

	c.filter.has_workspace = true;
	strcpy(c.filter.workspace, "5");
	n = encode(&k, &c, text);
	for (i = 0; i < n; i++) {
		orig = text[i];
		for (j = 0; j < sizeof(b64url) - 1 + sizeof(extra) - 1; j++) {
			repl = j < sizeof(b64url) - 1 ? b64url[j] : extra[j - (sizeof(b64url) - 1)];
			if (repl == orig)
				continue;
			text[i] = repl;
			ck_assert_msg(cursor_decode(&k, text, n, 0, &d) == CURSOR_INVALID,
			              "position %zu changed to '%c' still decodes", i, repl);
			tried++;
		}
		text[i] = orig;
	}
	ck_assert_uint_gt(tried, n * 60);
	ck_assert_int_eq(cursor_decode(&k, text, n, 0, &d), CURSOR_OK);
}
END_TEST

START_TEST(test_foreign_key)
{
	struct cursor_key a = key_for("one"), b = key_for("two"), r1, r2;
	struct cursor c = sample(), d;
	char text[CURSOR_TEXT_MAX + 1], err[128];
	size_t n = encode(&a, &c, text);

	ck_assert_int_eq(cursor_decode(&b, text, n, 0, &d), CURSOR_INVALID);
	ck_assert_int_eq(cursor_key_init(&r1, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(cursor_key_init(&r2, NULL, err, sizeof(err)), 0);
	ck_assert_int_ne(memcmp(r1.bytes, r2.bytes, sizeof(r1.bytes)), 0);
	n = encode(&r1, &c, text);
	ck_assert_int_eq(cursor_decode(&r1, text, n, 0, &d), CURSOR_OK);
	ck_assert_int_eq(cursor_decode(&r2, text, n, 0, &d), CURSOR_INVALID);
}
END_TEST

START_TEST(test_same_secret_interchangeable)
{
	struct cursor_key a = key_for("shared secret"), b = key_for("shared secret");
	struct cursor_key e = key_for("");
	struct cursor c = sample(), d;
	char text[CURSOR_TEXT_MAX + 1], again[CURSOR_TEXT_MAX + 1];
	size_t n;
	/* SHA-256 of the empty string: the key is the hash of the secret, nothing else. */
	static const unsigned char empty_sha[8] = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14};

	ck_assert_int_eq(memcmp(a.bytes, b.bytes, sizeof(a.bytes)), 0);
	ck_assert_int_eq(memcmp(e.bytes, empty_sha, sizeof(empty_sha)), 0);
	n = encode(&a, &c, text);
	ck_assert_int_eq(cursor_decode(&b, text, n, 0, &d), CURSOR_OK);
	assert_same(&c, &d);
	encode(&b, &c, again);
	ck_assert_str_eq(text, again);
}
END_TEST

START_TEST(test_garbage)
{
	struct cursor_key k = key_for("s");
	struct cursor c = sample(), d;
	char text[CURSOR_TEXT_MAX + 1], big[CURSOR_TEXT_MAX + 64], *exact;
	size_t n = encode(&k, &c, text);
	const char *sig = strrchr(text, '.');

	ck_assert_int_eq(cursor_decode(&k, "", 0, 0, &d), CURSOR_INVALID);
	ck_assert_int_eq(cursor_decode(&k, NULL, 0, 0, &d), CURSOR_INVALID);
	ck_assert_int_eq(decode_str(&k, "garbage", 0, &d), CURSOR_INVALID);
	ck_assert_int_eq(decode_str(&k, "..", 0, &d), CURSOR_INVALID);
	ck_assert_int_eq(decode_str(&k, "a.b.c", 0, &d), CURSOR_INVALID);
	ck_assert_int_eq(decode_str(&k, PREFIX, 0, &d), CURSOR_INVALID);
	ck_assert_int_eq(decode_str(&k, PREFIX ".", 0, &d), CURSOR_INVALID);
	ck_assert_int_eq(decode_str(&k, "eyJhbGciOiJIUzI1NiJ9", 0, &d), CURSOR_INVALID);

	/* The header and signature, with no payload between them. */
	snprintf(big, sizeof(big), "%s%s", PREFIX, sig);
	ck_assert_int_eq(decode_str(&k, big, 0, &d), CURSOR_INVALID);
	/* A third dot, and padding after the signature. */
	snprintf(big, sizeof(big), "%s.", text);
	ck_assert_int_eq(decode_str(&k, big, 0, &d), CURSOR_INVALID);
	snprintf(big, sizeof(big), "%s=", text);
	ck_assert_int_eq(decode_str(&k, big, 0, &d), CURSOR_INVALID);
	/* Cut short by one byte, and a NUL inside. */
	ck_assert_int_eq(cursor_decode(&k, text, n - 1, 0, &d), CURSOR_INVALID);
	memcpy(big, text, n);
	big[30] = '\0';
	ck_assert_int_eq(cursor_decode(&k, big, n, 0, &d), CURSOR_INVALID);

	/* Too long: a valid cursor followed by junk, and one just past the cap. */
	memset(big, 'A', sizeof(big));
	memcpy(big, text, n);
	ck_assert_int_eq(cursor_decode(&k, big, CURSOR_TEXT_MAX + 1, 0, &d), CURSOR_INVALID);
	ck_assert_int_eq(cursor_decode(&k, big, sizeof(big), 0, &d), CURSOR_INVALID);

	/* A buffer holding exactly the text, no NUL after it: nothing past len may be read. */
	exact = malloc(n);
	ck_assert_ptr_nonnull(exact);
	memcpy(exact, text, n);
	ck_assert_int_eq(cursor_decode(&k, exact, n, 0, &d), CURSOR_OK);
	free(exact);
}
END_TEST

START_TEST(test_bad_base64)
{
	struct cursor_key k = key_for("s");
	struct cursor d;
	char text[1024];

	/* Well signed, but the payload part is not base64url: refused after the signature. */
	sign_text(&k, "eyJj*WxsSWQiOjF9", text, sizeof(text));
	ck_assert_int_eq(decode_str(&k, text, 0, &d), CURSOR_INVALID);
	sign_text(&k, "e30=", text, sizeof(text));
	ck_assert_int_eq(decode_str(&k, text, 0, &d), CURSOR_INVALID);
	sign_text(&k, "e30+", text, sizeof(text));
	ck_assert_int_eq(decode_str(&k, text, 0, &d), CURSOR_INVALID);
	sign_text(&k, "e", text, sizeof(text));
	ck_assert_int_eq(decode_str(&k, text, 0, &d), CURSOR_INVALID);
	/* "e31": the last character carries bits that the two bytes do not use. */
	sign_text(&k, "e31", text, sizeof(text));
	ck_assert_int_eq(decode_str(&k, text, 0, &d), CURSOR_INVALID);
	/* The signature in standard base64 or with a stray character. */
	sign_text(&k, "e30", text, sizeof(text));
	text[strlen(text) - 1] = '*';
	ck_assert_int_eq(decode_str(&k, text, 0, &d), CURSOR_INVALID);
}
END_TEST

/* The test helper signs like cursor_encode does: without this, the refusals prove nothing. */
START_TEST(test_forged_canonical_accepted)
{
	struct cursor_key k = key_for("s");
	struct cursor c = sample(), d;
	char text[1024], mine[CURSOR_TEXT_MAX + 1];

	sign_json(&k,
	          "{\"callId\":4953707601776238360,\"total\":179,\"pageNumber\":1,"
	          "\"pageSize\":100,\"time\":\"2022-09-13T09:30:00Z\",\"exp\":1716626146}",
	          text, sizeof(text));
	encode(&k, &c, mine);
	ck_assert_str_eq(text, mine);
	ck_assert_int_eq(decode_str(&k, text, 0, &d), CURSOR_OK);
	assert_same(&c, &d);
}
END_TEST

/* Payloads that are well signed but not what cursor_encode writes. */
START_TEST(test_noncanonical_refused)
{
	static const char *const bad[] = {
	    "",
	    "{}",
	    "null",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\"}",
	    /* keys out of order */
	    "{\"total\":1,\"callId\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5}",
	    /* white space */
	    "{\"callId\": 1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5}",
	    /* id as a string, with a leading zero, 21 digits, negative */
	    "{\"callId\":\"1\",\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5}",
	    "{\"callId\":01,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5}",
	    "{\"callId\":123456789012345678901,\"total\":1,\"pageNumber\":1,\"pageSize\":100,"
	    "\"time\":\"2022-09-13T09:30:00Z\",\"exp\":5}",
	    "{\"callId\":-1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5}",
	    /* numbers with leading zeros, out of range */
	    "{\"callId\":1,\"total\":01,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":00,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5}",
	    "{\"callId\":1,\"total\":18446744073709551616,\"pageNumber\":1,\"pageSize\":100,"
	    "\"time\":\"2022-09-13T09:30:00Z\",\"exp\":5}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":4294967296,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":0,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":9223372036854775808}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":-9223372036854775809}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":-0}",
	    "{\"callId\":1,\"total\":1.0,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5}",
	    /* dates: not canonical, without offset, impossible, not a string */
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00+00:00\",\"exp\":5}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00.000Z\",\"exp\":5}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00\",\"exp\":5}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-02-30T09:30:00Z\",\"exp\":5}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "1663061400,\"exp\":5}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\"   ,\"exp\":5}",
	    /* filters: out of order, bad workspace, unknown key, trailing bytes */
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5,\"to\":\"2022-09-13T09:30:00Z\","
	    "\"from\":\"2022-09-13T09:30:00Z\"}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5,\"workspaceId\":\"\"}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5,\"workspaceId\":\"12a\"}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5,\"workspaceId\":\"123456789012345678901\"}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5,\"workspaceId\":1}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5,\"extra\":1}",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5}x",
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5",
	};
	static const char good[] =
	    "{\"callId\":1,\"total\":1,\"pageNumber\":1,\"pageSize\":100,\"time\":"
	    "\"2022-09-13T09:30:00Z\",\"exp\":5,\"from\":\"2022-09-13T09:30:00Z\","
	    "\"workspaceId\":\"0\"}";
	struct cursor_key k = key_for("s");
	struct cursor d;
	char text[1024];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sign_json(&k, bad[i], text, sizeof(text));
		ck_assert_msg(decode_str(&k, text, 0, &d) == CURSOR_INVALID, "accepted: %s",
		              bad[i]);
	}
	sign_json(&k, good, text, sizeof(text));
	ck_assert_int_eq(decode_str(&k, text, 0, &d), CURSOR_OK);
	ck_assert_str_eq(d.last_id, "1");
	ck_assert(d.filter.has_from && !d.filter.has_to && d.filter.has_workspace);
	ck_assert_str_eq(d.filter.workspace, "0");
}
END_TEST

START_TEST(test_encode_refuses)
{
	struct cursor_key k = key_for("s");
	struct cursor c;
	char text[CURSOR_TEXT_MAX + 1];
	size_t n;

	c = sample();
	n = encode(&k, &c, text);
	/* Exactly big enough, and one byte short. */
	ck_assert_uint_eq(cursor_encode(&k, &c, text, n + 1), n);
	ck_assert_uint_eq(cursor_encode(&k, &c, text, n), 0);
	ck_assert_uint_eq(cursor_encode(&k, &c, text, 0), 0);

	c = sample();
	c.last_id[0] = '\0';
	ck_assert_uint_eq(cursor_encode(&k, &c, text, sizeof(text)), 0);
	strcpy(c.last_id, "12a");
	ck_assert_uint_eq(cursor_encode(&k, &c, text, sizeof(text)), 0);
	memset(c.last_id, '1', sizeof(c.last_id)); /* no NUL at all */
	ck_assert_uint_eq(cursor_encode(&k, &c, text, sizeof(text)), 0);

	c = sample();
	c.page_size = 0;
	ck_assert_uint_eq(cursor_encode(&k, &c, text, sizeof(text)), 0);

	c = sample();
	c.filter.has_workspace = true;
	strcpy(c.filter.workspace, "x");
	ck_assert_uint_eq(cursor_encode(&k, &c, text, sizeof(text)), 0);

	c = sample();
	c.last_date_us = iso("9999-12-31T23:59:59Z") + INT64_C(1000000);
	ck_assert_uint_eq(cursor_encode(&k, &c, text, sizeof(text)), 0);
	c = sample();
	c.filter.has_to = true;
	c.filter.to_us = iso("0000-01-01T00:00:00Z") - 1;
	ck_assert_uint_eq(cursor_encode(&k, &c, text, sizeof(text)), 0);
}
END_TEST

START_TEST(test_longest_fits)
{
	struct cursor_key k = key_for("s");
	struct cursor c = sample(), d;
	char text[CURSOR_TEXT_MAX + 1];
	size_t n;

	c.total = UINT64_MAX;
	c.page_number = UINT64_MAX;
	c.page_size = UINT32_MAX;
	c.exp = INT64_MIN;
	strcpy(c.last_id, "18446744073709551616");
	c.last_date_us = iso("2022-09-13T09:30:00.123456Z");
	c.filter.has_from = c.filter.has_to = c.filter.has_workspace = true;
	c.filter.from_us = iso("2022-09-13T09:30:00.123456Z");
	c.filter.to_us = iso("2022-09-13T09:30:00.654321Z");
	strcpy(c.filter.workspace, "18446744073709551616");
	n = encode(&k, &c, text);
	ck_assert_uint_le(n, CURSOR_TEXT_MAX);
	ck_assert_int_eq(cursor_decode(&k, text, n, INT64_MIN, &d), CURSOR_EXPIRED);
	assert_same(&c, &d);
}
END_TEST

/* ---- The operation and the filter hash of the POST views ---- */

START_TEST(test_op_and_filter_hash_roundtrip)
{
	static const uint64_t hashes[] = {0, 1, UINT64_C(0x0123456789abcdef), UINT64_MAX};
	struct cursor_key k = key_for("s");
	char text[CURSOR_TEXT_MAX + 1], json[CURSOR_TEXT_MAX], want[128];
	size_t n;

	for (unsigned op = CURSOR_OP_EXTENSIVE; op <= CURSOR_OP_TRANSCRIPT; op++)
		for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
			struct cursor c = sample(), d;

			c.op = op;
			c.filter_hash = hashes[i];
			c.filter.has_workspace = true;
			strcpy(c.filter.workspace, "7");
			n = encode(&k, &c, text);
			payload_of(text, json, sizeof(json));
			/* The two keys come last, the hash as 16 lower-case hex digits. */
			snprintf(want, sizeof(want),
			         ",\"workspaceId\":\"7\",\"op\":%u,\"filterHash\":\"%016llx\"}", op,
			         (unsigned long long)hashes[i]);
			ck_assert_msg(strlen(json) > strlen(want) &&
			                  strcmp(json + strlen(json) - strlen(want), want) == 0,
			              "%s does not end with %s", json, want);
			memset(&d, 0xa5, sizeof(d));
			ck_assert_int_eq(cursor_decode(&k, text, n, 0, &d), CURSOR_OK);
			assert_same(&c, &d);
			ck_assert_uint_eq(d.op, op);
			ck_assert_uint_eq(d.filter_hash, hashes[i]);
		}
	/* GET /v2/calls's cursors carry neither key, whatever the hash field holds. */
	{
		struct cursor c = sample(), d;

		c.op = CURSOR_OP_LIST;
		c.filter_hash = 99;
		n = encode(&k, &c, text);
		payload_of(text, json, sizeof(json));
		ck_assert_ptr_null(strstr(json, "\"op\""));
		ck_assert_ptr_null(strstr(json, "filterHash"));
		memset(&d, 0xa5, sizeof(d));
		ck_assert_int_eq(cursor_decode(&k, text, n, 0, &d), CURSOR_OK);
		ck_assert_uint_eq(d.op, CURSOR_OP_LIST);
		ck_assert_uint_eq(d.filter_hash, 0);
	}
	/* An operation that is none is not written. */
	{
		struct cursor c = sample();

		c.op = CURSOR_OP_COUNT;
		ck_assert_uint_eq(cursor_encode(&k, &c, text, sizeof(text)), 0);
		c.op = 77;
		ck_assert_uint_eq(cursor_encode(&k, &c, text, sizeof(text)), 0);
	}
	/* The longest cursor of a POST view fits. */
	{
		struct cursor c = sample(), d;

		c.total = UINT64_MAX;
		c.page_number = UINT64_MAX;
		c.page_size = UINT32_MAX;
		c.exp = INT64_MIN;
		strcpy(c.last_id, "18446744073709551616");
		c.last_date_us = iso("2022-09-13T09:30:00.123456Z");
		c.filter.has_from = c.filter.has_to = c.filter.has_workspace = true;
		c.filter.from_us = iso("2022-09-13T09:30:00.123456Z");
		c.filter.to_us = iso("2022-09-13T09:30:00.654321Z");
		strcpy(c.filter.workspace, "18446744073709551616");
		c.op = CURSOR_OP_TRANSCRIPT;
		c.filter_hash = UINT64_MAX;
		n = encode(&k, &c, text);
		ck_assert_uint_le(n, CURSOR_TEXT_MAX);
		ck_assert_int_eq(cursor_decode(&k, text, n, INT64_MIN, &d), CURSOR_EXPIRED);
		ck_assert_uint_eq(d.op, CURSOR_OP_TRANSCRIPT);
		ck_assert_uint_eq(d.filter_hash, UINT64_MAX);
	}
}
END_TEST

#define BASE_PAYLOAD                                                                               \
	"{\"callId\":4953707601776238360,\"total\":179,\"pageNumber\":1,\"pageSize\":100,"         \
	"\"time\":\"2022-09-13T09:30:00Z\",\"exp\":1716626146"

START_TEST(test_op_tampered_or_malformed_refused)
{
	static const char *const bad[] = {
	    /* The list's operation is never written. */
	    BASE_PAYLOAD ",\"op\":0,\"filterHash\":\"0000000000000000\"}",
	    /* No such operation. */
	    BASE_PAYLOAD ",\"op\":5,\"filterHash\":\"0000000000000000\"}",
	    BASE_PAYLOAD ",\"op\":-1,\"filterHash\":\"0000000000000000\"}",
	    BASE_PAYLOAD ",\"op\":01,\"filterHash\":\"0000000000000000\"}",
	    BASE_PAYLOAD ",\"op\":\"1\",\"filterHash\":\"0000000000000000\"}",
	    /* An operation without its hash, a hash without its operation, in the wrong order. */
	    BASE_PAYLOAD ",\"op\":1}",
	    BASE_PAYLOAD ",\"filterHash\":\"0000000000000000\"}",
	    BASE_PAYLOAD ",\"filterHash\":\"0000000000000000\",\"op\":1}",
	    /* A hash of the wrong length, case or digits. */
	    BASE_PAYLOAD ",\"op\":1,\"filterHash\":\"000000000000000\"}",
	    BASE_PAYLOAD ",\"op\":1,\"filterHash\":\"00000000000000000\"}",
	    BASE_PAYLOAD ",\"op\":1,\"filterHash\":\"0123456789ABCDEF\"}",
	    BASE_PAYLOAD ",\"op\":1,\"filterHash\":\"0123456789abcdeg\"}",
	    BASE_PAYLOAD ",\"op\":1,\"filterHash\":81985529216486895}",
	    /* The keys before the filters'. */
	    "{\"callId\":4953707601776238360,\"total\":179,\"pageNumber\":1,\"pageSize\":100,"
	    "\"time\":\"2022-09-13T09:30:00Z\",\"exp\":1716626146,\"op\":1,\"filterHash\":"
	    "\"0000000000000000\",\"workspaceId\":\"7\"}",
	};
	struct cursor_key k = key_for("s");
	struct cursor c = sample(), d;
	char text[1024], mine[CURSOR_TEXT_MAX + 1], json[CURSOR_TEXT_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sign_json(&k, bad[i], text, sizeof(text));
		ck_assert_msg(decode_str(&k, text, 0, &d) == CURSOR_INVALID, "accepted: %s",
		              bad[i]);
	}
	/* The canonical form, signed with the key, is what encode writes and reads back. */
	sign_json(&k, BASE_PAYLOAD ",\"op\":2,\"filterHash\":\"0123456789abcdef\"}", text,
	          sizeof(text));
	c.op = CURSOR_OP_TRANSCRIPT;
	c.filter_hash = UINT64_C(0x0123456789abcdef);
	encode(&k, &c, mine);
	ck_assert_str_eq(text, mine);
	ck_assert_int_eq(decode_str(&k, text, 0, &d), CURSOR_OK);
	ck_assert_uint_eq(d.op, CURSOR_OP_TRANSCRIPT);

	/* The operation changed in a real cursor without its key: the signature fails. */
	c.op = CURSOR_OP_EXTENSIVE;
	encode(&k, &c, mine);
	payload_of(mine, json, sizeof(json));
	{
		char *at = strstr(json, "\"op\":1");
		char forged[1024];
		size_t n = 0;

		ck_assert_ptr_nonnull(at);
		at[5] = '2';
		strcpy(forged, PREFIX);
		n = strlen(forged);
		b64_append(forged, &n, (const unsigned char *)json, strlen(json));
		strcat(forged, strrchr(mine, '.'));
		ck_assert_int_eq(decode_str(&k, forged, 0, &d), CURSOR_INVALID);
		/* While the same payload, signed, reads as the transcript view's. */
		sign_json(&k, json, text, sizeof(text));
		ck_assert_int_eq(decode_str(&k, text, 0, &d), CURSOR_OK);
		ck_assert_uint_eq(d.op, CURSOR_OP_TRANSCRIPT);
	}
}
END_TEST

static Suite *
cursor_suite(void)
{
	Suite *s = suite_create("cursor");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_shape);
	tcase_add_test(tc, test_payload_text);
	tcase_add_loop_test(tc, test_roundtrip_filters, 0, 8);
	tcase_add_test(tc, test_big_ids);
	tcase_add_test(tc, test_leading_zeros_dropped);
	tcase_add_test(tc, test_extreme_values);
	tcase_add_test(tc, test_expiry_boundary);
	tcase_add_test(tc, test_every_flip_refused);
	tcase_add_test(tc, test_foreign_key);
	tcase_add_test(tc, test_same_secret_interchangeable);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_bad_base64);
	tcase_add_test(tc, test_forged_canonical_accepted);
	tcase_add_test(tc, test_noncanonical_refused);
	tcase_add_test(tc, test_encode_refuses);
	tcase_add_test(tc, test_longest_fits);
	tcase_add_test(tc, test_op_and_filter_hash_roundtrip);
	tcase_add_test(tc, test_op_tampered_or_malformed_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(cursor_suite());
}
