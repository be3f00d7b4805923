/*
 * test_gzip.c - Accept-Encoding read as RFC 9110 says (q-values, "*", refusals), a body's
 * pieces gzipped into one member that zlib inflates back, and a member laid out of segments
 * made apart (each with the plaintext before it as dictionary) that inflates to the whole.
 */
#include "gzip.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "harness.h"

START_TEST(accept_encoding)
{
	static const struct {
		const char *v;
		int ok;
	} cases[] = {
	    {"gzip", 1},
	    {"GZIP", 1},
	    {"gzip, deflate, br", 1},
	    {"deflate, gzip;q=0.5", 1},
	    {"x-gzip", 1},
	    {"*", 1},
	    {"br;q=1, *;q=0.1", 1},
	    {"gzip;q=0", 0},
	    {"gzip; q=0.0", 0},
	    {"*;q=0.5, gzip;q=0", 0},
	    {"identity", 0},
	    {"deflate, br", 0},
	    {"", 0},
	    {"gzipx", 0},
	    {"*;q=0", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(gzip_accepted(cases[i].v) == cases[i].ok, "'%s'", cases[i].v);
	ck_assert_int_eq(gzip_accepted(NULL), 0);
}
END_TEST

/* Inflates a gzip member (checking its CRC and length, as zlib does) into a fresh string. */
static char *
inflate_all(const unsigned char *z, size_t zlen, size_t *n)
{
	z_stream s;
	size_t cap = 1 << 20;
	char *out = malloc(cap + 1);

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(inflateInit2(&s, 15 + 16), Z_OK);
	s.next_in = (Bytef *)(uintptr_t)z;
	s.avail_in = (uInt)zlen;
	s.next_out = (Bytef *)out;
	s.avail_out = (uInt)cap;
	ck_assert_int_eq(inflate(&s, Z_FINISH), Z_STREAM_END);
	ck_assert_uint_eq(s.avail_in, 0);
	*n = s.total_out;
	out[*n] = '\0';
	inflateEnd(&s);
	return out;
}

START_TEST(pieces_make_one_member)
{
	struct response_piece p[3] = {{"{\"a\":", 5}, {"[1,2,3,1,2,3,1,2,3]", 19}, {"}", 1}};
	char *z, *back;
	size_t zlen, n;

	ck_assert_int_eq(gzip_pieces(p, 3, &z, &zlen), 0);
	back = inflate_all((unsigned char *)z, zlen, &n);
	ck_assert_str_eq(back, "{\"a\":[1,2,3,1,2,3,1,2,3]}");
	free(back);
	free(z);
	ck_assert_int_eq(gzip_pieces(p, 0, &z, &zlen), 0);
	back = inflate_all((unsigned char *)z, zlen, &n);
	ck_assert_uint_eq(n, 0);
	free(back);
	free(z);
}
END_TEST

START_TEST(segments_made_apart_inflate_to_the_whole)
{
	/* Three "calls" much alike, as a page's are; the second is made once, with the first as
	 * dictionary, at level 6; the others per answer at level 1. */
	static const char a[] =
	    "{\"id\":\"1\",\"title\":\"Initech - Discovery\",\"duration\":1800},";
	static const char b[] =
	    "{\"id\":\"2\",\"title\":\"Initech - Discovery call\",\"duration\":1795},";
	static const char c[] = "{\"id\":\"3\",\"title\":\"Vandelay - Demo\",\"duration\":2400}]}";
	struct response_piece pa = {a, sizeof(a) - 1}, pb = {b, sizeof(b) - 1},
	                      pc = {c, sizeof(c) - 1};
	unsigned char out[4096];
	size_t used = 0, len, n;
	uint32_t crc;
	char *back, want[512];

	memcpy(out, GZIP_HEAD, GZIP_HEAD_LEN);
	used = GZIP_HEAD_LEN;
	ck_assert_int_eq(gzip_segment(NULL, 0, &pa, 1, 1, out + used, &len), 0);
	used += len;
	ck_assert_int_eq(gzip_segment(a, sizeof(a) - 1, &pb, 1, 6, out + used, &len), 0);
	/* The dictionary pays: b costs far less than its length. */
	ck_assert_uint_lt(len, (sizeof(b) - 1) / 2);
	used += len;
	ck_assert_int_eq(gzip_segment(b, sizeof(b) - 1, &pc, 1, 1, out + used, &len), 0);
	used += len;
	crc = gzip_crc(0, a, sizeof(a) - 1);
	crc = gzip_crc(crc, b, sizeof(b) - 1);
	crc = gzip_crc(crc, c, sizeof(c) - 1);
	gzip_tail(crc, sizeof(a) + sizeof(b) + sizeof(c) - 3, out + used);
	used += GZIP_TAIL_LEN;
	back = inflate_all(out, used, &n);
	snprintf(want, sizeof(want), "%s%s%s", a, b, c);
	ck_assert_str_eq(back, want);
	free(back);
	/* A wrong CRC is caught by the client's inflater: the tail is what makes it a member. */
	out[used - 8] ^= 1;
	{
		z_stream s;
		char sink[512];

		memset(&s, 0, sizeof(s));
		ck_assert_int_eq(inflateInit2(&s, 15 + 16), Z_OK);
		s.next_in = out;
		s.avail_in = (uInt)used;
		s.next_out = (Bytef *)sink;
		s.avail_out = sizeof(sink);
		ck_assert_int_eq(inflate(&s, Z_FINISH), Z_DATA_ERROR);
		inflateEnd(&s);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("gzip");
	TCase *t = tcase_create("gzip");

	tcase_add_test(t, accept_encoding);
	tcase_add_test(t, pieces_make_one_member);
	tcase_add_test(t, segments_made_apart_inflate_to_the_whole);
	suite_add_tcase(s, t);
	return harness_run(s);
}
