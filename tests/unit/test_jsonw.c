/*
 * test_jsonw.c - the JSON writer: escaping of every byte that needs it, in both modes; text
 * that is not UTF-8 made safe by JSONW_CLEAN; integers at their limits; reals in their
 * shortest form that reads back; any jansson value, compact, keys in order; writing into a
 * fixed buffer without splitting a character; and the buffer's growth, failure and hand-over.
 */
#include "jsonw.h"

#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#include "harness.h"

/* The text jsonw_escaped writes for n bytes of s (static storage, NUL-terminated). */
static const char *
escaped(const char *s, size_t n, int flags)
{
	static char out[1024];
	struct jsonw b = {0};
	char *p;
	size_t len;

	jsonw_escaped(&b, s, n, flags);
	p = jsonw_finish(&b, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_lt(len, sizeof(out));
	ck_assert_uint_eq(strlen(p), len);
	memcpy(out, p, len + 1);
	free(p);
	return out;
}

#define ESC(lit, flags) escaped((lit), sizeof(lit) - 1, (flags))

START_TEST(escapes_every_control_character)
{
	char in[1], want[8];
	int c, flags;

	for (flags = 0; flags <= JSONW_CLEAN; flags += JSONW_CLEAN) {
		for (c = 0; c < 0x20; c++) {
			in[0] = (char)c;
			switch (c) {
			case '\b':
				strcpy(want, "\\b");
				break;
			case '\t':
				strcpy(want, "\\t");
				break;
			case '\n':
				strcpy(want, "\\n");
				break;
			case '\f':
				strcpy(want, "\\f");
				break;
			case '\r':
				strcpy(want, "\\r");
				break;
			default:
				snprintf(want, sizeof(want), "\\u00%02x", c);
				break;
			}
			ck_assert_str_eq(escaped(in, 1, flags), want);
		}
		/* The \u00XX form is lower-case hex, as the server has always written it. */
		ck_assert_str_eq(ESC("\x1f\x0b\x1a", flags), "\\u001f\\u000b\\u001a");
		ck_assert_str_eq(escaped("\0", 1, flags), "\\u0000");
		ck_assert_str_eq(ESC("\"\\", flags), "\\\"\\\\");
		/* Nothing else: the slash, space and printable ASCII stay as they are. */
		ck_assert_str_eq(ESC("a/b c~{}[]:,'", flags), "a/b c~{}[]:,'");
	}
	ck_assert_str_eq(ESC("say \"hi\"\r\n\tC:\\dir", 0), "say \\\"hi\\\"\\r\\n\\tC:\\\\dir");
	ck_assert_str_eq(escaped("a\0b", 3, 0), "a\\u0000b");
}
END_TEST

START_TEST(plain_mode_writes_del_and_high_bytes_as_they_are)
{
	ck_assert_str_eq(ESC("\x7f", 0), "\x7f");
	ck_assert_str_eq(ESC("caf\xc3\xa9 \xe6\x9d\xb1 \xf0\x9f\x98\x80", 0),
	                 "caf\xc3\xa9 \xe6\x9d\xb1 \xf0\x9f\x98\x80");
	/* Not checked: the caller vouches for the text. */
	ck_assert_str_eq(ESC("\xff\xc0\xaf\xed\xa0\x80", 0), "\xff\xc0\xaf\xed\xa0\x80");
}
END_TEST

START_TEST(clean_mode_replaces_what_is_not_utf8)
{
	/* Well-formed text passes whole, up to U+10FFFF. */
	ck_assert_str_eq(
	    ESC("caf\xc3\xa9 \xe6\x9d\xb1 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", JSONW_CLEAN),
	    "caf\xc3\xa9 \xe6\x9d\xb1 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf");
	ck_assert_str_eq(ESC("\x7f", JSONW_CLEAN), "\\u007f");
	/* Every byte of an ill-formed sequence becomes one '?'. */
	ck_assert_str_eq(ESC("\xc0\xaf", JSONW_CLEAN), "??");           /* overlong '/' */
	ck_assert_str_eq(ESC("\xe0\x80\xaf", JSONW_CLEAN), "???");      /* overlong */
	ck_assert_str_eq(ESC("\xf0\x80\x80\xaf", JSONW_CLEAN), "????"); /* overlong */
	ck_assert_str_eq(ESC("b=\xed\xa0\x80", JSONW_CLEAN), "b=???");  /* a surrogate */
	ck_assert_str_eq(ESC("\xed\xbf\xbf", JSONW_CLEAN), "???");      /* a surrogate */
	ck_assert_str_eq(ESC("\xf4\x90\x80\x80", JSONW_CLEAN), "????"); /* past U+10FFFF */
	ck_assert_str_eq(ESC("\xf5\x80\x80\x80", JSONW_CLEAN), "????"); /* past U+10FFFF */
	ck_assert_str_eq(ESC("caf\xc3", JSONW_CLEAN), "caf?");          /* truncated */
	ck_assert_str_eq(ESC("\xe2\x82", JSONW_CLEAN), "??");           /* truncated */
	ck_assert_str_eq(ESC("\xe2\x82x\xc3\xa9", JSONW_CLEAN), "??x\xc3\xa9");
	ck_assert_str_eq(ESC("\x80\xbf", JSONW_CLEAN), "??"); /* continuations */
	ck_assert_str_eq(ESC("\xfe\xff", JSONW_CLEAN), "??");
	ck_assert_str_eq(ESC("\xff\"\n\xc3\xa9", JSONW_CLEAN), "?\\\"\\n\xc3\xa9");
}
END_TEST

START_TEST(string_adds_the_quotes)
{
	struct jsonw b = {0};
	char *p;

	jsonw_string(&b, "a\"b", 3, 0);
	jsonw_char(&b, ',');
	jsonw_string(&b, "", 0, 0);
	jsonw_char(&b, ',');
	jsonw_string(&b, "x\xff", 2, JSONW_CLEAN);
	p = jsonw_finish(&b, NULL);
	ck_assert_str_eq(p, "\"a\\\"b\",\"\",\"x?\"");
	free(p);
}
END_TEST

/* What jansson reads back from a JSON string holding the text jsonw_string wrote. */
START_TEST(jansson_reads_back_every_byte)
{
	char in[256];
	struct jsonw b = {0};
	json_t *j;
	char *p;
	size_t i, len;

	for (i = 0; i < 128; i++)
		in[i] = (char)i;
	memcpy(in + 128, "\xc3\xa9\xe6\x9d\xb1\xf0\x9f\x98\x80", 9);
	jsonw_string(&b, in, 137, 0);
	p = jsonw_finish(&b, &len);
	ck_assert_ptr_nonnull(p);
	j = json_loadb(p, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_uint_eq(json_string_length(j), 137);
	ck_assert(memcmp(json_string_value(j), in, 137) == 0);
	json_decref(j);
	free(p);
}
END_TEST

static const char *
written(void (*fn)(struct jsonw *, double), double v)
{
	static char out[64];
	struct jsonw b = {0};
	char *p;

	fn(&b, v);
	p = jsonw_finish(&b, NULL);
	ck_assert_ptr_nonnull(p);
	snprintf(out, sizeof(out), "%s", p);
	free(p);
	return out;
}

START_TEST(integers_at_their_limits)
{
	struct jsonw b = {0};
	char *p;

	jsonw_int(&b, 0);
	jsonw_char(&b, ' ');
	jsonw_int(&b, -1);
	jsonw_char(&b, ' ');
	jsonw_int(&b, 42);
	jsonw_char(&b, ' ');
	jsonw_int(&b, INT64_MAX);
	jsonw_char(&b, ' ');
	jsonw_int(&b, INT64_MIN);
	jsonw_char(&b, ' ');
	jsonw_uint(&b, 0);
	jsonw_char(&b, ' ');
	jsonw_uint(&b, UINT64_MAX);
	jsonw_char(&b, ' ');
	jsonw_uint(&b, 10000000000000000000u);
	p = jsonw_finish(&b, NULL);
	ck_assert_str_eq(p, "0 -1 42 9223372036854775807 -9223372036854775808 0 "
	                    "18446744073709551615 10000000000000000000");
	free(p);
}
END_TEST

START_TEST(reals_shortest_and_marked)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
	    {0.0, "0.0"},
	    {-0.0, "-0.0"},
	    {1.0, "1.0"},
	    {-1.0, "-1.0"},
	    {123.0, "123.0"},
	    {12345678.0, "12345678.0"},
	    {9007199254740992.0, "9007199254740992.0"},
	    {1.5, "1.5"},
	    {0.1, "0.1"},
	    {0.1 + 0.2, "0.30000000000000004"},
	    {0.000123, "0.000123"},
	    {3.14159, "3.14159"},
	    {-2.5e-7, "-2.5e-07"},
	    /* %g's exponent form when it is shorter; the exponent marks a real already. */
	    {100.0, "1e+02"},
	    {1e16, "1e+16"},
	    {1e20, "1e+20"},
	    {1e23, "1e+23"},
	    {1e-5, "1e-05"},
	    {123456789012345680.0, "1.2345678901234568e+17"},
	    {5e-324, "5e-324"},
	    {DBL_MIN, "2.2250738585072014e-308"},
	    {DBL_MAX, "1.7976931348623157e+308"},
	    /* JSON has no word for these. */
	    {NAN, "null"},
	    {INFINITY, "null"},
	    {-INFINITY, "null"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(written(jsonw_real, cases[i].v), cases[i].text);
}
END_TEST

/* Significant digits of a real as written: the mantissa's digits without leading zeros. */
static int
significant_digits(const char *s)
{
	int n = 0, leading = 1;
	size_t len = strlen(s);

	if (len > 2 && strcmp(s + len - 2, ".0") == 0 && strpbrk(s, "e") == NULL)
		len -= 2; /* the mark, not a digit */
	for (size_t i = 0; i < len && s[i] != 'e'; i++) {
		if (s[i] < '0' || s[i] > '9')
			continue;
		if (s[i] == '0' && leading)
			continue;
		leading = 0;
		n++;
	}
	return n;
}

START_TEST(reals_read_back_and_none_is_shorter)
{
	uint64_t state = 7, bits;
	char fewer[40];
	const char *t;
	double v;
	int i, d;

	for (i = 0; i < 20000; i++) {
		bits = rng_next(&state);
		if (i % 2 == 0)
			memcpy(&v, &bits, sizeof(v));
		else
			v = (double)(int64_t)(bits % 2000001) / 1000.0 - 1000.0;
		if (!isfinite(v))
			continue;
		t = written(jsonw_real, v);
		ck_assert_msg(strtod(t, NULL) == v, "%s does not read back as %.17g", t, v);
		ck_assert_msg(strpbrk(t, ".e") != NULL, "%s reads as an integer", t);
		d = significant_digits(t);
		if (d > 1) {
			ck_assert_int_lt(snprintf(fewer, sizeof(fewer), "%.*g", d - 1, v),
			                 (int)sizeof(fewer));
			ck_assert_msg(strtod(fewer, NULL) != v, "%s is shorter than %s", fewer, t);
		}
	}
}
END_TEST

START_TEST(values_compact_in_stored_order)
{
	json_t *doc = json_object(), *list = json_array();
	struct jsonw b = {0};
	char *p, *dumped;

	json_object_set_new(doc, "z", json_integer(1));
	json_array_append_new(list, json_true());
	json_array_append_new(list, json_false());
	json_array_append_new(list, json_null());
	json_array_append_new(list, json_integer(INT64_MIN));
	json_array_append_new(list, json_real(1.5));
	json_array_append_new(list, json_real(2.0));
	json_array_append_new(list, json_stringn("x\"y\n\x01/\xc3\xa9\0!", 10));
	json_object_set_new(doc, "a", list);
	json_object_set_new(doc, "m", json_object());
	json_object_set_new(doc, "e", json_array());
	json_object_set_new(doc, "k\"ey", json_string(""));

	jsonw_value(&b, doc);
	p = jsonw_finish(&b, NULL);
	ck_assert_str_eq(p, "{\"z\":1,\"a\":[true,false,null,-9223372036854775808,1.5,2.0,"
	                    "\"x\\\"y\\n\\u0001/\xc3\xa9\\u0000!\"],\"m\":{},\"e\":[],"
	                    "\"k\\\"ey\":\"\"}");
	free(p);

	/* Without control characters or reals, the same text as jansson's own writer. */
	json_array_remove(list, 6);
	json_array_remove(list, 5);
	json_array_remove(list, 4);
	json_array_append_new(list, json_string("tab\there \"q\" \\ caf\xc3\xa9"));
	jsonw_value(&b, doc);
	p = jsonw_finish(&b, NULL);
	dumped = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	ck_assert_str_eq(p, dumped);
	free(dumped);
	free(p);

	json_decref(doc);
}
END_TEST

/* jsonw_escape_to with a buffer of `cap` bytes; checks it never writes past cap. */
static size_t
escape_to(char *out, size_t cap, const char *s, size_t n, int flags)
{
	char buf[256];
	size_t w;

	ck_assert_uint_lt(cap, sizeof(buf));
	memset(buf, '#', sizeof(buf));
	w = jsonw_escape_to(buf, cap, s, n, flags);
	ck_assert_uint_le(w, cap);
	for (size_t i = cap; i < sizeof(buf); i++)
		ck_assert_int_eq(buf[i], '#');
	memcpy(out, buf, w);
	out[w] = '\0';
	return w;
}

START_TEST(escape_to_stops_before_what_does_not_fit)
{
	char out[256];

	ck_assert_uint_eq(escape_to(out, 0, "abc", 3, 0), 0);
	ck_assert_uint_eq(escape_to(out, 2, "abc", 3, 0), 2);
	ck_assert_str_eq(out, "ab");
	/* A two-byte escape needs both bytes; \u0001 needs six. */
	ck_assert_uint_eq(escape_to(out, 2, "a\"b", 3, 0), 1);
	ck_assert_str_eq(out, "a");
	ck_assert_uint_eq(escape_to(out, 3, "a\"b", 3, 0), 3);
	ck_assert_str_eq(out, "a\\\"");
	ck_assert_uint_eq(escape_to(out, 5, "\x01", 1, 0), 0);
	ck_assert_uint_eq(escape_to(out, 6, "\x01", 1, 0), 6);
	ck_assert_str_eq(out, "\\u0001");
	ck_assert_uint_eq(escape_to(out, 6, "\x7f", 1, JSONW_CLEAN), 6);
	ck_assert_str_eq(out, "\\u007f");
	/* A UTF-8 character goes whole or not at all, in either mode. */
	ck_assert_uint_eq(escape_to(out, 2, "a\xc3\xa9", 3, JSONW_CLEAN), 1);
	ck_assert_uint_eq(escape_to(out, 3, "a\xc3\xa9", 3, JSONW_CLEAN), 3);
	ck_assert_uint_eq(escape_to(out, 2, "a\xc3\xa9", 3, 0), 1);
	ck_assert_uint_eq(escape_to(out, 3, "ab\xf0\x9f\x98\x80", 6, 0), 2);
	ck_assert_uint_eq(escape_to(out, 5, "ab\xf0\x9f\x98\x80", 6, 0), 2);
	ck_assert_uint_eq(escape_to(out, 6, "ab\xf0\x9f\x98\x80", 6, 0), 6);
	ck_assert_uint_eq(escape_to(out, 4, "\xe6\x9d\xb1\xe6\x9d\xb1", 6, 0), 3);
	/* Bytes that are not UTF-8 are characters of one byte. */
	ck_assert_uint_eq(escape_to(out, 1, "\xff\xff", 2, 0), 1);
	ck_assert_uint_eq(escape_to(out, 2, "\xc3\xc3", 2, 0), 2);
	ck_assert_uint_eq(escape_to(out, 1, "\xff\xff", 2, JSONW_CLEAN), 1);
	ck_assert_str_eq(out, "?");
	ck_assert_uint_eq(escape_to(out, 2, "\xe2\x82", 2, JSONW_CLEAN), 2);
	ck_assert_str_eq(out, "??");
	/* Room to spare: the whole text. */
	ck_assert_uint_eq(escape_to(out, 100, "q=\"1\"\n\xc3\xa9\xff", 9, JSONW_CLEAN), 12);
	ck_assert_str_eq(out, "q=\\\"1\\\"\\n\xc3\xa9?");
}
END_TEST

/* Cut at every size, the text is a prefix of the whole escaping and still valid JSON. */
START_TEST(escape_to_cuts_are_prefixes_and_valid)
{
	static const char in[] = "a\"b\\c\x01\n\x7f\xc3\xa9\xe6\x9d\xb1\xff\xf0\x9f\x98\x80\xed"
	                         "\xa0\x80z\tend";
	char out[256], quoted[260], whole[256];
	size_t n = sizeof(in) - 1, cap, w, full;
	int flags;
	json_t *j;

	for (flags = 0; flags <= JSONW_CLEAN; flags += JSONW_CLEAN) {
		full = escape_to(whole, 200, in, n, flags);
		ck_assert_str_eq(whole, escaped(in, n, flags));
		for (cap = 0; cap <= full; cap++) {
			w = escape_to(out, cap, in, n, flags);
			ck_assert(memcmp(out, whole, w) == 0);
			/* The next piece is at most six bytes: a cut never leaves more unused. */
			ck_assert_uint_gt(w + 6, cap);
			if (flags == JSONW_CLEAN) {
				snprintf(quoted, sizeof(quoted), "\"%s\"", out);
				j = json_loads(quoted, JSON_DECODE_ANY, NULL);
				ck_assert_msg(j != NULL, "cut at %zu: %s", cap, quoted);
				json_decref(j);
			}
		}
	}
}
END_TEST

START_TEST(buffer_grows_fails_and_hands_over)
{
	struct jsonw b;
	char *p;
	size_t len, i;

	jsonw_init(&b);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	p = jsonw_finish(&b, &len);
	ck_assert_str_eq(p, "");
	ck_assert_uint_eq(len, 0);
	free(p);

	for (i = 0; i < 10000; i++)
		JSONW_LIT(&b, "0123456789");
	jsonw_str(&b, "!");
	jsonw_mem(&b, "", 0);
	ck_assert_uint_eq(b.len, 100001);
	ck_assert_uint_ge(b.cap, b.len);
	p = jsonw_finish(&b, &len);
	ck_assert_uint_eq(len, 100001);
	ck_assert_int_eq(p[99999], '9');
	ck_assert_int_eq(p[100000], '!');
	ck_assert_int_eq(p[100001], '\0');
	ck_assert_ptr_null(b.p); /* handed over: b is empty again */
	ck_assert_uint_eq(b.len, 0);
	free(p);

	/* One failure and every later write is ignored; finish says so and frees. */
	JSONW_LIT(&b, "kept");
	jsonw_reserve(&b, SIZE_MAX);
	ck_assert_int_ne(b.failed, 0);
	JSONW_LIT(&b, "more");
	jsonw_int(&b, 5);
	jsonw_string(&b, "x", 1, 0);
	ck_assert_uint_eq(b.len, 4);
	ck_assert_ptr_null(jsonw_finish(&b, &len));
	ck_assert_ptr_null(b.p);
	ck_assert_int_eq(b.failed, 0);

	/* Freeing is idempotent and leaves a usable buffer. */
	JSONW_LIT(&b, "x");
	jsonw_free(&b);
	jsonw_free(&b);
	jsonw_free(NULL);
	jsonw_char(&b, 'y');
	p = jsonw_finish(&b, NULL);
	ck_assert_str_eq(p, "y");
	free(p);
}
END_TEST

static Suite *
jsonw_suite(void)
{
	Suite *s = suite_create("jsonw");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, escapes_every_control_character);
	tcase_add_test(tc, plain_mode_writes_del_and_high_bytes_as_they_are);
	tcase_add_test(tc, clean_mode_replaces_what_is_not_utf8);
	tcase_add_test(tc, string_adds_the_quotes);
	tcase_add_test(tc, jansson_reads_back_every_byte);
	tcase_add_test(tc, integers_at_their_limits);
	tcase_add_test(tc, reals_shortest_and_marked);
	tcase_add_test(tc, reals_read_back_and_none_is_shorter);
	tcase_add_test(tc, values_compact_in_stored_order);
	tcase_add_test(tc, escape_to_stops_before_what_does_not_fit);
	tcase_add_test(tc, escape_to_cuts_are_prefixes_and_valid);
	tcase_add_test(tc, buffer_grows_fails_and_hands_over);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(jsonw_suite());
}
