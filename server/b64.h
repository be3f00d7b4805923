/*
 * b64.h - base64 (RFC 4648): the standard alphabet for Basic credentials, the URL-safe one
 * for cursors (JWTs). Pure functions, safe from any thread.
 */
#ifndef GONGMOCK_B64_H
#define GONGMOCK_B64_H

#include <stddef.h>

enum b64_alphabet {
	B64_STD, /* A-Z a-z 0-9 + / */
	B64_URL  /* A-Z a-z 0-9 - _ */
};

enum {
	B64_PAD = 1,    /* encode: pad with '=' to a multiple of 4 */
	B64_NO_PAD = 2, /* decode: refuse '=' (JWT segments carry none) */
	B64_STRICT = 4  /* decode: the unused bits of the last character must be zero */
};

/* Characters of the encoding of n bytes: with B64_PAD a multiple of 4, else no padding. */
size_t b64_encoded_len(size_t n, int flags);

/* Writes the encoding of n bytes of src to out (b64_encoded_len bytes, no NUL); returns that
 * length. flags: B64_PAD. */
size_t b64_encode(const unsigned char *src, size_t n, char *out, enum b64_alphabet a, int flags);

/*
 * Decodes len characters of src into out, which has room for len * 3 / 4 bytes. Without
 * B64_NO_PAD, padding is optional (clients differ) but when present must complete the last
 * group of four. Returns the number of bytes, or -1 for a character outside the alphabet,
 * a length no encoding has, or padding where it is refused or wrong.
 */
long b64_decode(const char *src, size_t len, unsigned char *out, enum b64_alphabet a, int flags);

#endif
