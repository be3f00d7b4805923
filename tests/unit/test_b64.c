/*
 * test_b64.c - base64 against the RFC 4648 test vectors in both alphabets, with and without
 * padding; what decoding refuses (characters, lengths, padding, unused bits); and round trips
 * of every length up to a few groups.
 */
#include "b64.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* RFC 4648, section 10. */
static const struct {
	const char *plain;
	const char *padded;
	const char *bare;
} vectors[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};
#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

static long
dec(const char *s, enum b64_alphabet a, int flags, unsigned char *out)
{
	return b64_decode(s, strlen(s), out, a, flags);
}

START_TEST(encodes_the_rfc_vectors)
{
	char out[16];
	size_t i, n, len;

	for (i = 0; i < NVECTORS; i++) {
		len = strlen(vectors[i].plain);
		memset(out, '#', sizeof(out));
		n = b64_encode((const unsigned char *)vectors[i].plain, len, out, B64_STD, B64_PAD);
		ck_assert_uint_eq(n, strlen(vectors[i].padded));
		ck_assert_uint_eq(n, b64_encoded_len(len, B64_PAD));
		ck_assert(memcmp(out, vectors[i].padded, n) == 0);
		ck_assert_int_eq(out[n], '#'); /* no NUL, nothing past the text */

		n = b64_encode((const unsigned char *)vectors[i].plain, len, out, B64_URL, 0);
		ck_assert_uint_eq(n, strlen(vectors[i].bare));
		ck_assert_uint_eq(n, b64_encoded_len(len, 0));
		ck_assert(memcmp(out, vectors[i].bare, n) == 0);
	}
}
END_TEST

START_TEST(decodes_the_rfc_vectors_padded_or_not)
{
	unsigned char out[16];
	size_t i, len;

	for (i = 0; i < NVECTORS; i++) {
		len = strlen(vectors[i].plain);
		ck_assert_int_eq(dec(vectors[i].padded, B64_STD, 0, out), (long)len);
		ck_assert(memcmp(out, vectors[i].plain, len) == 0);
		ck_assert_int_eq(dec(vectors[i].bare, B64_STD, 0, out), (long)len);
		ck_assert(memcmp(out, vectors[i].plain, len) == 0);
		ck_assert_int_eq(dec(vectors[i].bare, B64_URL, B64_NO_PAD | B64_STRICT, out),
		                 (long)len);
		ck_assert(memcmp(out, vectors[i].plain, len) == 0);
		/* NO_PAD refuses padding, even where it is right. */
		if (strchr(vectors[i].padded, '=') != NULL)
			ck_assert_int_eq(dec(vectors[i].padded, B64_URL, B64_NO_PAD, out), -1);
	}
}
END_TEST

START_TEST(the_alphabets_differ_in_two_characters)
{
	static const unsigned char bytes[] = {0xfb, 0xff, 0xbf, 0xfb, 0xf0};
	unsigned char out[8];
	char text[12];
	size_t n;

	n = b64_encode(bytes, sizeof(bytes), text, B64_STD, B64_PAD);
	ck_assert_uint_eq(n, 8);
	ck_assert(memcmp(text, "+/+/+/A=", 8) == 0);
	n = b64_encode(bytes, sizeof(bytes), text, B64_URL, B64_PAD);
	ck_assert(memcmp(text, "-_-_-_A=", 8) == 0);
	n = b64_encode(bytes, sizeof(bytes), text, B64_URL, 0);
	ck_assert_uint_eq(n, 7);
	ck_assert(memcmp(text, "-_-_-_A", 7) == 0);

	ck_assert_int_eq(dec("+/+/+/A=", B64_STD, 0, out), 5);
	ck_assert(memcmp(out, bytes, 5) == 0);
	ck_assert_int_eq(dec("-_-_-_A", B64_URL, 0, out), 5);
	ck_assert(memcmp(out, bytes, 5) == 0);
	/* Each alphabet refuses the other's two characters. */
	ck_assert_int_eq(dec("-_-_", B64_STD, 0, out), -1);
	ck_assert_int_eq(dec("ab-c", B64_STD, 0, out), -1);
	ck_assert_int_eq(dec("+/+/", B64_URL, 0, out), -1);
	ck_assert_int_eq(dec("ab/c", B64_URL, 0, out), -1);
}
END_TEST

START_TEST(encoded_lengths)
{
	static const size_t padded[] = {0, 4, 4, 4, 8, 8, 8, 12};
	static const size_t bare[] = {0, 2, 3, 4, 6, 7, 8, 10};
	size_t n;

	for (n = 0; n < 8; n++) {
		ck_assert_uint_eq(b64_encoded_len(n, B64_PAD), padded[n]);
		ck_assert_uint_eq(b64_encoded_len(n, 0), bare[n]);
	}
	/* 32 bytes (an HMAC-SHA256) are 43 characters bare. */
	ck_assert_uint_eq(b64_encoded_len(32, 0), 43);
	ck_assert_uint_eq(b64_encoded_len(32, B64_PAD), 44);
}
END_TEST

START_TEST(bad_input_is_refused)
{
	static const char *const bad[] = {
	    "Z",                              /* one character carries less than a byte */
	    "Zm9vY",                          /* the same after whole groups */
	    "=",                              /* padding alone */
	    "==",       "====",      "Zg=",   /* padding that does not end a group of four */
	    "Zg===",    "Z===",      "Zm9v=", /* too much of it, or after a whole group */
	    "Zg==Zg==",                       /* padding in the middle */
	    "Z=g=",     "Zm9v Zm9v", "Zm9v\n", "Zm9v\r\n", " Zm9v",
	    "Zm9v\t",   "Zm9*",      "Zm.v",   "Zm9v\x80", "\xffZm9",
	};
	unsigned char out[16];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(dec(bad[i], B64_STD, 0, out) == -1, "accepted \"%s\"", bad[i]);
		ck_assert_msg(dec(bad[i], B64_URL, B64_NO_PAD | B64_STRICT, out) == -1,
		              "accepted \"%s\"", bad[i]);
	}
	/* A NUL inside the given length is a character outside the alphabet. */
	ck_assert_int_eq(b64_decode("Zm\0v", 4, out, B64_STD, 0), -1);
	/* Nothing at all decodes to nothing. */
	ck_assert_int_eq(b64_decode("", 0, out, B64_STD, 0), 0);
	ck_assert_int_eq(b64_decode("", 0, out, B64_URL, B64_NO_PAD | B64_STRICT), 0);
}
END_TEST

START_TEST(strict_refuses_unused_bits)
{
	unsigned char out[8];

	/* "Zh": 'h' is 100001; its low four bits belong to no byte. */
	ck_assert_int_eq(dec("Zh", B64_STD, 0, out), 1);
	ck_assert_int_eq(out[0], 'f');
	ck_assert_int_eq(dec("Zh==", B64_STD, 0, out), 1);
	ck_assert_int_eq(dec("Zh", B64_URL, B64_STRICT, out), -1);
	ck_assert_int_eq(dec("Zh==", B64_STD, B64_STRICT, out), -1);
	/* "Zm9": '9' is 111101; its low two bits belong to no byte. */
	ck_assert_int_eq(dec("Zm9", B64_STD, 0, out), 2);
	ck_assert(memcmp(out, "fo", 2) == 0);
	ck_assert_int_eq(dec("Zm9", B64_URL, B64_STRICT, out), -1);
	ck_assert_int_eq(dec("Zm8", B64_URL, B64_STRICT, out), 2);
	/* Whole groups have no unused bits. */
	ck_assert_int_eq(dec("Zm9v", B64_URL, B64_STRICT, out), 3);
	/* The last character of each group of the vectors: every one is accepted. */
	ck_assert_int_eq(dec("Zm9vYmE", B64_URL, B64_STRICT, out), 5);
	ck_assert_int_eq(dec("Zm9vYmF", B64_URL, B64_STRICT, out), -1);
}
END_TEST

START_TEST(round_trips_every_length)
{
	unsigned char src[256], back[256];
	char text[400];
	size_t n, len, i;
	int a, pad;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 167 + 13);
	for (a = 0; a < 2; a++) {
		enum b64_alphabet alpha = a ? B64_URL : B64_STD;

		for (pad = 0; pad < 2; pad++) {
			for (n = 0; n <= 40; n++) {
				len = b64_encode(src, n, text, alpha, pad ? B64_PAD : 0);
				ck_assert_uint_eq(len, b64_encoded_len(n, pad ? B64_PAD : 0));
				ck_assert_int_eq(
				    b64_decode(text, len, back, alpha,
				               pad ? B64_STRICT : B64_NO_PAD | B64_STRICT),
				    (long)n);
				ck_assert(memcmp(back, src, n) == 0);
			}
		}
	}
	/* All 256 byte values. */
	for (i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)i;
	len = b64_encode(src, sizeof(src), text, B64_STD, B64_PAD);
	ck_assert_uint_eq(len, 344);
	ck_assert(memcmp(text, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", 44) == 0);
	ck_assert(memcmp(text + 300, "4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==", 44) == 0);
	ck_assert_int_eq(b64_decode(text, len, back, B64_STD, B64_STRICT), 256);
	ck_assert(memcmp(back, src, 256) == 0);
}
END_TEST

static Suite *
b64_suite(void)
{
	Suite *s = suite_create("b64");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, encodes_the_rfc_vectors);
	tcase_add_test(tc, decodes_the_rfc_vectors_padded_or_not);
	tcase_add_test(tc, the_alphabets_differ_in_two_characters);
	tcase_add_test(tc, encoded_lengths);
	tcase_add_test(tc, bad_input_is_refused);
	tcase_add_test(tc, strict_refuses_unused_bits);
	tcase_add_test(tc, round_trips_every_length);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(b64_suite());
}
