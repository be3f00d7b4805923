/*
 * fuzz_cursor.c - libFuzzer entry point for the cursor codec.
 *
 * Each input is used three ways. As cursor text, decoded with a fixed key: it must never crash
 * or read past its length, and whatever it accepts must be exactly what cursor_encode writes.
 * As a payload, signed here with the same key, so that the payload parser behind the signature
 * is reached at all, under the same rule. And, when long enough, as the fields of a cursor:
 * encoding must succeed exactly when the fields can be carried, the decoded cursor must equal
 * the original, and changing any one byte of the text must make it invalid.
 */
#include "cursor.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "isotime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_HEADER "eyJhbGciOiJIUzI1NiJ9."

static const char fuzz_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void
fuzz_check(bool ok)
{
	if (!ok)
		abort();
}

static const struct cursor_key *
fuzz_key(void)
{
	static struct cursor_key key;
	static bool ready;

	if (!ready) {
		fuzz_check(cursor_key_init(&key, "fuzzing secret", NULL, 0) == 0);
		ready = true;
	}
	return &key;
}

/* Appends the base64url text of len bytes to out at *n. */
static void
fuzz_b64_append(char *out, size_t *n, const uint8_t *src, size_t len)
{
	size_t i;
	uint32_t v;

	for (i = 0; i < len; i += 3) {
		v = (uint32_t)src[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)src[i + 1] << 8;
		if (i + 2 < len)
			v |= src[i + 2];
		out[(*n)++] = fuzz_b64[v >> 18 & 63];
		out[(*n)++] = fuzz_b64[v >> 12 & 63];
		if (i + 1 < len)
			out[(*n)++] = fuzz_b64[v >> 6 & 63];
		if (i + 2 < len)
			out[(*n)++] = fuzz_b64[v & 63];
	}
}

/* An accepted text must be the very text cursor_encode writes for what it decoded to. */
static void
fuzz_accepted_is_canonical(const char *text, size_t len, const struct cursor *c)
{
	char again[CURSOR_TEXT_MAX + 1];
	size_t n = cursor_encode(fuzz_key(), c, again, sizeof(again));

	fuzz_check(n == len && memcmp(again, text, len) == 0);
}

static void
fuzz_decode_raw(const uint8_t *data, size_t size)
{
	struct cursor c;
	enum cursor_status st;

	/* libFuzzer hands over a heap copy of exactly size bytes: any overread is reported. */
	st = cursor_decode(fuzz_key(), (const char *)data, size, 0, &c);
	if (st != CURSOR_INVALID)
		fuzz_accepted_is_canonical((const char *)data, size, &c);
}

static void
fuzz_decode_signed_payload(const uint8_t *data, size_t size)
{
	const struct cursor_key *k = fuzz_key();
	unsigned char mac[32];
	char *text;
	size_t n = sizeof(FUZZ_HEADER) - 1;
	struct cursor c;
	enum cursor_status st;

	if (size > CURSOR_TEXT_MAX)
		return;
	text = malloc(n + size / 3 * 4 + 4 + 1 + 43);
	fuzz_check(text != NULL);
	memcpy(text, FUZZ_HEADER, n);
	fuzz_b64_append(text, &n, data, size);
	fuzz_check(gnutls_hmac_fast(GNUTLS_MAC_SHA256, k->bytes, sizeof(k->bytes), text, n, mac) ==
	           0);
	text[n++] = '.';
	fuzz_b64_append(text, &n, mac, sizeof(mac));
	st = cursor_decode(k, text, n, 0, &c);
	if (st != CURSOR_INVALID)
		fuzz_accepted_is_canonical(text, n, &c);
	free(text);
}

/* Reads fuzz bytes in order; past the end, zeros. */
struct fuzz_reader {
	const uint8_t *p;
	size_t left;
};

static uint64_t
fuzz_u64(struct fuzz_reader *r, size_t bytes)
{
	uint64_t v = 0;

	while (bytes-- > 0) {
		v = v << 8;
		if (r->left > 0) {
			v |= *r->p++;
			r->left--;
		}
	}
	return v;
}

/* Fills 1 to max characters: digits, or once in a while anything, to test the refusal. */
static bool
fuzz_digits(struct fuzz_reader *r, char *out, size_t max, bool allow_junk)
{
	size_t n = 1 + (size_t)(fuzz_u64(r, 1) % max), i;
	bool ok = true;
	uint8_t b;

	for (i = 0; i < n; i++) {
		b = (uint8_t)fuzz_u64(r, 1);
		if (allow_junk && b >= 250) {
			out[i] = (char)(b == 255 ? 0 : b == 254 ? 'x' : b);
			if (out[i] == '\0')
				break;
			ok = false;
		} else {
			out[i] = (char)('0' + b % 10);
		}
	}
	out[i] = '\0';
	return ok && i > 0;
}

/* A date within the years isotime_format writes, or, when raw, any instant. */
static int64_t
fuzz_date(struct fuzz_reader *r, bool raw, int64_t lo, int64_t hi)
{
	uint64_t v = fuzz_u64(r, 8);

	if (raw)
		return (int64_t)v;
	return lo + (int64_t)(v % (uint64_t)(hi - lo + 1));
}

static void
fuzz_round_trip(const uint8_t *data, size_t size)
{
	const int64_t lo = isotime_days_from_civil(0, 1, 1) * 86400 * 1000000;
	const int64_t hi = isotime_days_from_civil(10000, 1, 1) * 86400 * 1000000 - 1;
	struct fuzz_reader r = {data, size};
	struct cursor c, d;
	char text[CURSOR_TEXT_MAX + 1], want_id[CURSOR_ID_MAX + 1];
	const char *id;
	bool carried;
	size_t n, pos;
	uint8_t flags, repl, orig;
	int64_t now;
	enum cursor_status st;

	memset(&c, 0, sizeof(c));
	flags = (uint8_t)fuzz_u64(&r, 1);
	carried = fuzz_digits(&r, c.last_id, CURSOR_ID_MAX, (flags & 0x80) != 0);
	c.total = fuzz_u64(&r, 8);
	c.page_number = fuzz_u64(&r, 8);
	c.page_size = (uint32_t)fuzz_u64(&r, 4);
	c.exp = (int64_t)fuzz_u64(&r, 8);
	c.last_date_us = fuzz_date(&r, (flags & 0x08) != 0, lo, hi);
	c.filter.has_from = (flags & 0x01) != 0;
	c.filter.has_to = (flags & 0x02) != 0;
	c.filter.has_workspace = (flags & 0x04) != 0;
	c.filter.from_us = fuzz_date(&r, (flags & 0x10) != 0, lo, hi);
	c.filter.to_us = fuzz_date(&r, (flags & 0x20) != 0, lo, hi);
	if (!fuzz_digits(&r, c.filter.workspace, FILTER_WORKSPACE_MAX, (flags & 0x40) != 0) &&
	    c.filter.has_workspace)
		carried = false;
	now = (int64_t)fuzz_u64(&r, 8);

	carried = carried && c.page_size != 0 && c.last_date_us >= lo && c.last_date_us <= hi &&
	          (!c.filter.has_from || (c.filter.from_us >= lo && c.filter.from_us <= hi)) &&
	          (!c.filter.has_to || (c.filter.to_us >= lo && c.filter.to_us <= hi));
	n = cursor_encode(fuzz_key(), &c, text, sizeof(text));
	fuzz_check((n != 0) == carried);
	if (n == 0)
		return;
	fuzz_check(n <= CURSOR_TEXT_MAX && n == strlen(text) &&
	           memcmp(text, FUZZ_HEADER, sizeof(FUZZ_HEADER) - 1) == 0);

	st = cursor_decode(fuzz_key(), text, n, now, &d);
	fuzz_check(st == (c.exp <= now ? CURSOR_EXPIRED : CURSOR_OK));
	for (id = c.last_id; id[0] == '0' && id[1] != '\0'; id++)
		;
	strcpy(want_id, id);
	fuzz_check(strcmp(d.last_id, want_id) == 0);
	fuzz_check(d.total == c.total && d.page_number == c.page_number &&
	           d.page_size == c.page_size && d.exp == c.exp &&
	           d.last_date_us == c.last_date_us);
	fuzz_check(d.filter.has_from == c.filter.has_from && d.filter.has_to == c.filter.has_to &&
	           d.filter.has_workspace == c.filter.has_workspace);
	fuzz_check(!c.filter.has_from || d.filter.from_us == c.filter.from_us);
	fuzz_check(!c.filter.has_to || d.filter.to_us == c.filter.to_us);
	fuzz_check(!c.filter.has_workspace || strcmp(d.filter.workspace, c.filter.workspace) == 0);

	/* Any one byte changed, anywhere, to anything else: refused. */
	pos = (size_t)(fuzz_u64(&r, 2) % n);
	repl = (uint8_t)fuzz_u64(&r, 1);
	orig = (uint8_t)text[pos];
	if (repl != orig) {
		text[pos] = (char)repl;
		fuzz_check(cursor_decode(fuzz_key(), text, n, now, &d) == CURSOR_INVALID);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_decode_raw(data, size);
	fuzz_decode_signed_payload(data, size);
	if (size >= 4)
		fuzz_round_trip(data, size);
	return 0;
}
