/*
 * test_scan.c - the fast call scanner: the fields it hands over (kinds, values, which strings
 * stay in place and which are decoded), and everything it must decline for jansson to judge.
 */
#include "scan.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

START_TEST(test_fields)
{
	struct callrec c = {0};
	const char *text = " {\"id\":\"12\", \"title\" : \"a\\u00e9\\n\\/\",\"n\":-7,\"ok\":true,"
	                   "\"no\":false,\"x\":null,\"k\\u0065y\":0}\r\n";
	ck_assert_int_eq(scan_call(&c, text, strlen(text)), 0);
	ck_assert_uint_eq(c.n, 7);

	/* A string without escapes stays where it is. */
	ck_assert_int_eq(c.fields[0].ckey, 0);
	ck_assert_int_eq(c.fields[0].kind, CALLREC_STRING);
	ck_assert_ptr_eq(c.fields[0].s, strstr(text, "12"));
	ck_assert_uint_eq(c.fields[0].len, 2);
	ck_assert_int_eq(c.fields[0].plain, 1);
	ck_assert_int_eq(c.fields[0].key_plain, 1);

	/* One with escapes is decoded, and marked as needing escapes written. */
	ck_assert_int_eq(c.fields[1].ckey, 2);
	ck_assert_uint_eq(c.fields[1].len, 5);
	ck_assert_int_eq(memcmp(c.fields[1].s, "a\xc3\xa9\n/", 5), 0);
	ck_assert_int_eq(c.fields[1].plain, 0);

	ck_assert_int_eq(c.fields[2].ckey, -1);
	ck_assert_int_eq(c.fields[2].kind, CALLREC_INT);
	ck_assert_int_eq(c.fields[2].i, -7);
	ck_assert_int_eq(c.fields[3].kind, CALLREC_TRUE);
	ck_assert_int_eq(c.fields[4].kind, CALLREC_FALSE);
	ck_assert_int_eq(c.fields[5].kind, CALLREC_NULL);

	/* Keys are decoded too. */
	ck_assert_uint_eq(c.fields[6].key_len, 3);
	ck_assert_int_eq(memcmp(c.fields[6].key, "key", 3), 0);
	ck_assert_int_eq(c.fields[6].key_plain, 0);
	ck_assert_int_eq(c.fields[6].i, 0);

	/* The same callrec reads the next call afresh; an empty object has no fields. */
	ck_assert_int_eq(scan_call(&c, " { } ", 5), 0);
	ck_assert_uint_eq(c.n, 0);
	callrec_free(&c);
}
END_TEST

START_TEST(test_declines)
{
	static const char *const declined[] = {
	    "",
	    "[]",
	    "\"call\"",
	    "{\"x\":[1]}",
	    "{\"x\":{}}",
	    "{\"x\":1.5}",
	    "{\"x\":1e3}",
	    "{\"x\":-}",
	    "{\"x\":01}",
	    "{\"x\":1234567890123456789}",
	    "{\"id\":\"1\",\"id\":\"2\"}",
	    "{\"x\":1,\"x\":2}",
	    "{\"x\":nul}",
	    "{\"x\":True}",
	    "{\"x\":1,}",
	    "{\"x\" 1}",
	    "{x:1}",
	    "{\"x\":1} x",
	    "{\"x\":1",
	    "{\"x\":\"\\u0000\"}",
	    "{\"x\":\"\\ud800\"}",
	    "{\"x\":\"\\udc00\"}",
	    "{\"x\":\"\\u12g4\"}",
	    "{\"x\":\"\\x\"}",
	    "{\"x\":\"\xc3\"}",
	    "{\"x\":\"\xed\xa0\x80\"}",
	    "{\"x\":\"\x01\"}",
	    "{\"x\":\"open}",
	};
	struct callrec c = {0};
	for (size_t i = 0; i < sizeof(declined) / sizeof(declined[0]); i++)
		ck_assert_msg(scan_call(&c, declined[i], strlen(declined[i])) == -1, "took %s",
		              declined[i]);
	/* The largest integer it takes, and a surrogate pair. */
	const char *edge = "{\"x\":-999999999999999999,\"y\":\"\\ud83d\\ude00\"}";
	ck_assert_int_eq(scan_call(&c, edge, strlen(edge)), 0);
	ck_assert_int_eq(c.fields[0].i, -999999999999999999LL);
	ck_assert_int_eq(memcmp(c.fields[1].s, "\xf0\x9f\x98\x80", 4), 0);
	callrec_free(&c);
}
END_TEST

static Suite *
scan_suite(void)
{
	Suite *s = suite_create("scan");
	TCase *tc = tcase_create("scan");
	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_declines);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(scan_suite());
}
