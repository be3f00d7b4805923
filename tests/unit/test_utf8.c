/*
 * test_utf8.c - UTF-8 as RFC 3629 has it: the boundaries of each sequence length, overlong
 * forms, surrogates, code points past U+10FFFF, truncated and stray bytes, and every two- and
 * three-byte sequence checked against a decoder written out the long way.
 */
#include "utf8.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static size_t
seq(const char *s, size_t len)
{
	return utf8_seq((const unsigned char *)s, len);
}

START_TEST(ascii_is_one_byte_control_characters_and_nul_included)
{
	unsigned c;
	unsigned char b;

	for (c = 0; c < 0x80; c++) {
		b = (unsigned char)c;
		ck_assert_uint_eq(utf8_seq(&b, 1), 1);
	}
	ck_assert_uint_eq(seq("ab", 2), 1);
	ck_assert_uint_eq(seq("a", 0), 0);
}
END_TEST

START_TEST(lengths_at_their_boundaries)
{
	/* The first and last code point of each length. */
	ck_assert_uint_eq(seq("\xc2\x80", 2), 2);         /* U+0080 */
	ck_assert_uint_eq(seq("\xdf\xbf", 2), 2);         /* U+07FF */
	ck_assert_uint_eq(seq("\xe0\xa0\x80", 3), 3);     /* U+0800 */
	ck_assert_uint_eq(seq("\xed\x9f\xbf", 3), 3);     /* U+D7FF */
	ck_assert_uint_eq(seq("\xee\x80\x80", 3), 3);     /* U+E000 */
	ck_assert_uint_eq(seq("\xef\xbf\xbf", 3), 3);     /* U+FFFF */
	ck_assert_uint_eq(seq("\xf0\x90\x80\x80", 4), 4); /* U+10000 */
	ck_assert_uint_eq(seq("\xf4\x8f\xbf\xbf", 4), 4); /* U+10FFFF */
	/* More bytes available than the sequence needs. */
	ck_assert_uint_eq(seq("\xc3\xa9!", 3), 2);
	ck_assert_uint_eq(seq("\xe6\x9d\xb1\xe4\xba\xac", 6), 3);
	ck_assert_uint_eq(seq("\xf0\x9f\x98\x80z", 5), 4);
}
END_TEST

START_TEST(ill_formed_sequences_are_refused)
{
	/* Overlong forms. */
	ck_assert_uint_eq(seq("\xc0\x80", 2), 0);
	ck_assert_uint_eq(seq("\xc1\xbf", 2), 0);
	ck_assert_uint_eq(seq("\xe0\x80\x80", 3), 0);
	ck_assert_uint_eq(seq("\xe0\x9f\xbf", 3), 0);
	ck_assert_uint_eq(seq("\xf0\x80\x80\x80", 4), 0);
	ck_assert_uint_eq(seq("\xf0\x8f\xbf\xbf", 4), 0);
	/* Surrogates, high and low. */
	ck_assert_uint_eq(seq("\xed\xa0\x80", 3), 0);
	ck_assert_uint_eq(seq("\xed\xbf\xbf", 3), 0);
	/* Past U+10FFFF, and lead bytes that could only start such code points. */
	ck_assert_uint_eq(seq("\xf4\x90\x80\x80", 4), 0);
	ck_assert_uint_eq(seq("\xf5\x80\x80\x80", 4), 0);
	ck_assert_uint_eq(seq("\xf7\xbf\xbf\xbf", 4), 0);
	ck_assert_uint_eq(seq("\xf8\x88\x80\x80\x80", 5), 0);
	ck_assert_uint_eq(seq("\xff", 1), 0);
	ck_assert_uint_eq(seq("\xfe", 1), 0);
	/* Truncated: the length given ends the sequence early. */
	ck_assert_uint_eq(seq("\xc3\xa9", 1), 0);
	ck_assert_uint_eq(seq("\xe2\x82\xac", 2), 0);
	ck_assert_uint_eq(seq("\xf0\x9f\x98\x80", 3), 0);
	/* Cut short by a byte that is not a continuation. */
	ck_assert_uint_eq(seq("\xc3"
	                      "A",
	                      2),
	                  0);
	ck_assert_uint_eq(seq("\xe2\x82"
	                      "A",
	                      3),
	                  0);
	ck_assert_uint_eq(seq("\xf0\x9f\x98"
	                      "A",
	                      4),
	                  0);
	ck_assert_uint_eq(seq("\xe2\xc3\xa9", 3), 0);
	/* Continuation bytes alone. */
	ck_assert_uint_eq(seq("\x80", 1), 0);
	ck_assert_uint_eq(seq("\xbf\xbf", 2), 0);
}
END_TEST

/* The length of the sequence at s the long way: decode, then check the code point's range. */
static size_t
reference_seq(const unsigned char *s, size_t len)
{
	size_t need, i;
	uint32_t cp;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000))
		return 0;
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

START_TEST(every_short_sequence_agrees_with_a_decoder)
{
	unsigned char b[4];
	uint32_t v;
	unsigned x, y;
	static const unsigned char tails[] = {0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0};

	for (v = 0; v < 0x10000; v++) {
		b[0] = (unsigned char)(v >> 8);
		b[1] = (unsigned char)v;
		ck_assert_uint_eq(utf8_seq(b, 2), reference_seq(b, 2));
	}
	for (v = 0; v < 0x1000000; v++) {
		b[0] = (unsigned char)(v >> 16);
		b[1] = (unsigned char)(v >> 8);
		b[2] = (unsigned char)v;
		if (utf8_seq(b, 3) != reference_seq(b, 3))
			ck_abort_msg("%02x %02x %02x", b[0], b[1], b[2]);
	}
	/* Four bytes: every lead from F0 and second byte, then continuations at their edges. */
	for (v = 0xf000; v < 0x10000; v++) {
		b[0] = (unsigned char)(v >> 8);
		b[1] = (unsigned char)v;
		for (x = 0; x < sizeof(tails); x++) {
			for (y = 0; y < sizeof(tails); y++) {
				b[2] = tails[x];
				b[3] = tails[y];
				if (utf8_seq(b, 4) != reference_seq(b, 4))
					ck_abort_msg("%02x %02x %02x %02x", b[0], b[1], b[2], b[3]);
			}
		}
	}
}
END_TEST

START_TEST(valid_checks_the_whole_text)
{
	ck_assert_int_eq(utf8_valid("", 0), 1);
	ck_assert_int_eq(utf8_valid("plain ascii\t\n", 13), 1);
	ck_assert_int_eq(utf8_valid("a\0b", 3), 1);
	ck_assert_int_eq(utf8_valid("caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80", 17),
	                 1);
	ck_assert_int_eq(utf8_valid("\xef\xbb\xbf{}", 5), 1);
	ck_assert_int_eq(utf8_valid("\xf4\x8f\xbf\xbf", 4), 1);
	/* One bad sequence anywhere, the last bytes included. */
	ck_assert_int_eq(utf8_valid("caf\xc3", 4), 0);
	ck_assert_int_eq(utf8_valid("\xff"
	                            "abc",
	                            4),
	                 0);
	ck_assert_int_eq(utf8_valid("abc\xed\xa0\x80"
	                            "def",
	                            9),
	                 0);
	ck_assert_int_eq(utf8_valid("ab\xc0\xaf", 4), 0);
	ck_assert_int_eq(utf8_valid("ab\xf4\x90\x80\x80", 6), 0);
	ck_assert_int_eq(utf8_valid("ab\x80", 3), 0);
	/* Only n bytes are read: a bad byte past them does not count. */
	ck_assert_int_eq(utf8_valid("ab\xff", 2), 1);
	ck_assert_int_eq(utf8_valid("\xc3\xa9", 1), 0);
}
END_TEST

static Suite *
utf8_suite(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ascii_is_one_byte_control_characters_and_nul_included);
	tcase_add_test(tc, lengths_at_their_boundaries);
	tcase_add_test(tc, ill_formed_sequences_are_refused);
	tcase_add_test(tc, every_short_sequence_agrees_with_a_decoder);
	tcase_add_test(tc, valid_checks_the_whole_text);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(utf8_suite());
}
