/*
 * test_prefer.c - the Prefer header: the codes honoured, every way of asking for what cannot
 * be honoured refused with a sentence that says why, and the preferences of RFC 7240 let
 * through.
 */
#include "prefer.h"

#include <check.h>
#include <string.h>

#include "harness.h"

START_TEST(codes_are_honoured)
{
	static const struct {
		const char *value;
		unsigned code;
	} cases[] = {
	    {"code=429", 429},          {"Code=500", 500},
	    {"code=\"404\"", 404},      {" code = 401 ", 401},
	    {"code=200", 200},          {"return=minimal, code=503", 503},
	    {"code=502; foo=bar", 502}, {"respond-async, wait=5, handling=lenient, code=400", 400},
	};
	char why[512];
	unsigned code;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(prefer_parse(cases[i].value, &code, why, sizeof(why)) == 1, "%s: %s",
		              cases[i].value, why);
		ck_assert_uint_eq(code, cases[i].code);
	}
}
END_TEST

START_TEST(nothing_asked_is_nothing)
{
	static const char *const none[] = {
	    "", " ", ",", "return=representation", "respond-async", "wait=10", "handling=strict"};
	char why[512];
	unsigned code = 7;
	size_t i;

	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		ck_assert_int_eq(prefer_parse(none[i], &code, why, sizeof(why)), 0);
		ck_assert_uint_eq(code, 0);
	}
}
END_TEST

START_TEST(what_cannot_be_honoured_is_refused)
{
	static const struct {
		const char *value;
		const char *why;
	} cases[] = {
	    {"code=999",
	     "Prefer: code=999 is not a status Gong's API answers with; code takes one "
	     "of 200, 400, 401, 403, 404, 405, 413, 415, 429, 500, 501, 502, 503 or 504 "
	     "(a fault rule can answer anything)"},
	    {"code=301",
	     "Prefer: code=301 is not a status Gong's API answers with (a redirect would "
	     "need a Location Gong never sends); code takes one"},
	    {"code=abc", "Prefer: code=abc is not a status: code takes one of 200, 400"},
	    {"code=4290", "Prefer: code=4290 is not a status"},
	    {"code=", "Prefer: code= is not a status"},
	    {"code", "Prefer: code= is not a status"},
	    {"code=-42", "Prefer: code=-42 is not a status"},
	    {"code=429, code=500", "Prefer asks for code twice"},
	    {"example=foo", "Prefer: example is Prism's"},
	    {"dynamic=true", "Prefer: dynamic is Prism's"},
	    {"cod=500", "Prefer: cod is not a preference gongmock reads: it reads code=NNN"},
	    {"status=500", "Prefer: status is not a preference gongmock reads"},
	};
	char why[512];
	unsigned code;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why[0] = '\0';
		ck_assert_msg(prefer_parse(cases[i].value, &code, why, sizeof(why)) == -1, "%s",
		              cases[i].value);
		ck_assert_msg(strncmp(why, cases[i].why, strlen(cases[i].why)) == 0, "%s: got '%s'",
		              cases[i].value, why);
	}
	/* A long value is cut in the message, never overflowing it. */
	ck_assert_int_eq(
	    prefer_parse("code=1234567890123456789012345678901234567890123456789", &code, why, 64),
	    -1);
	ck_assert_uint_lt(strlen(why), 64);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("prefer");
	TCase *t = tcase_create("prefer");

	tcase_add_test(t, codes_are_honoured);
	tcase_add_test(t, nothing_asked_is_nothing);
	tcase_add_test(t, what_cannot_be_honoured_is_refused);
	suite_add_tcase(s, t);
	return harness_run(s);
}
