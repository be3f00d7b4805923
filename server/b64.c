/*
 * b64.c - base64 in both RFC 4648 alphabets, by table.
 *
 * Encoding turns each group of three bytes into four characters; a last group of one or two
 * bytes gives two or three characters, then '=' up to four when padding is asked for.
 * Decoding looks every character up in a 256-entry table per alphabet (-1 outside it), so a
 * character of the other alphabet, a '=' in the middle or a stray byte fails the same way.
 * What is accepted at the end of the text (padding, unused bits) is set by the caller's flags,
 * because Basic credentials and cursors want different answers there.
 */
#include "b64.h"

#include <stdint.h>

static const char b64_chars[2][65] = {
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
};

/* The value of character c in the standard (url 0) or URL-safe (url 1) alphabet, or -1. */
#define B64_VAL(c, url)                                                                            \
	((c) >= 'A' && (c) <= 'Z'     ? (c) - 'A'                                                  \
	 : (c) >= 'a' && (c) <= 'z'   ? (c) - 'a' + 26                                             \
	 : (c) >= '0' && (c) <= '9'   ? (c) - '0' + 52                                             \
	 : (c) == ((url) ? '-' : '+') ? 62                                                         \
	 : (c) == ((url) ? '_' : '/') ? 63                                                         \
	                              : -1)
/* Cast one by one: clang weighs the branches a character does not take, some out of range. */
#define B64_VAL1(c, u) (signed char)B64_VAL(c, u)
#define B64_VAL4(c, u) B64_VAL1(c, u), B64_VAL1(c + 1, u), B64_VAL1(c + 2, u), B64_VAL1(c + 3, u)
#define B64_VAL16(c, u) B64_VAL4(c, u), B64_VAL4(c + 4, u), B64_VAL4(c + 8, u), B64_VAL4(c + 12, u)
#define B64_VAL64(c, u)                                                                            \
	B64_VAL16(c, u), B64_VAL16(c + 16, u), B64_VAL16(c + 32, u), B64_VAL16(c + 48, u)
#define B64_VAL256(u) B64_VAL64(0, u), B64_VAL64(64, u), B64_VAL64(128, u), B64_VAL64(192, u)

static const signed char b64_values[2][256] = {{B64_VAL256(0)}, {B64_VAL256(1)}};

size_t
b64_encoded_len(size_t n, int flags)
{
	if (flags & B64_PAD)
		return n / 3 * 4 + (n % 3 != 0 ? 4 : 0);
	return n / 3 * 4 + (n % 3 != 0 ? n % 3 + 1 : 0);
}

size_t
b64_encode(const unsigned char *src, size_t n, char *out, enum b64_alphabet a, int flags)
{
	const char *chars = b64_chars[a == B64_URL];
	size_t i, w = 0;
	uint32_t v;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
		out[w++] = chars[v >> 18 & 63];
		out[w++] = chars[v >> 12 & 63];
		out[w++] = chars[v >> 6 & 63];
		out[w++] = chars[v & 63];
	}
	if (n - i == 0)
		return w;
	v = (uint32_t)src[i] << 16;
	if (n - i == 2)
		v |= (uint32_t)src[i + 1] << 8;
	out[w++] = chars[v >> 18 & 63];
	out[w++] = chars[v >> 12 & 63];
	if (n - i == 2)
		out[w++] = chars[v >> 6 & 63];
	if (flags & B64_PAD)
		while (w % 4 != 0)
			out[w++] = '=';
	return w;
}

long
b64_decode(const char *src, size_t len, unsigned char *out, enum b64_alphabet a, int flags)
{
	const signed char *val = b64_values[a == B64_URL];
	const unsigned char *u = (const unsigned char *)src;
	size_t i, n = 0, rest;
	int c0, c1, c2, c3;
	uint32_t v;

	/* Padding may only fill the last group of four, with one '=' or two. */
	if (len > 0 && src[len - 1] == '=') {
		if ((flags & B64_NO_PAD) || len % 4 != 0)
			return -1;
		len--;
		if (src[len - 1] == '=')
			len--;
	}
	/* One character carries 6 bits, less than a byte: no encoding ends that way. */
	rest = len % 4;
	if (rest == 1)
		return -1;
	for (i = 0; i + 4 <= len; i += 4) {
		c0 = val[u[i]];
		c1 = val[u[i + 1]];
		c2 = val[u[i + 2]];
		c3 = val[u[i + 3]];
		if ((c0 | c1 | c2 | c3) < 0)
			return -1;
		v = (uint32_t)c0 << 18 | (uint32_t)c1 << 12 | (uint32_t)c2 << 6 | (uint32_t)c3;
		out[n++] = (unsigned char)(v >> 16);
		out[n++] = (unsigned char)(v >> 8);
		out[n++] = (unsigned char)v;
	}
	if (rest == 0)
		return (long)n;
	c0 = val[u[i]];
	c1 = val[u[i + 1]];
	c2 = rest == 3 ? val[u[i + 2]] : 0;
	if ((c0 | c1 | c2) < 0)
		return -1;
	/*
	 * The last character's low bits (4 of them after two characters, 2 after three) belong
	 * to no byte. Most decoders ignore them; B64_STRICT refuses them when set, so that each
	 * byte string has exactly one text.
	 */
	if ((flags & B64_STRICT) && (rest == 2 ? c1 & 15 : c2 & 3) != 0)
		return -1;
	v = (uint32_t)c0 << 18 | (uint32_t)c1 << 12 | (uint32_t)c2 << 6;
	out[n++] = (unsigned char)(v >> 16);
	if (rest == 3)
		out[n++] = (unsigned char)(v >> 8);
	return (long)n;
}
