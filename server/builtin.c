/*
 * builtin.c - inflating the built-in fixtures.
 *
 * The data is 3 MB of JSON and about a sixth of that gzipped; the container image counts every
 * megabyte, and inflating takes a few milliseconds at the first load. The gzip member's
 * trailer gives the inflated size, so the buffer is allocated once at its final size.
 */
#include "builtin.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

extern const unsigned char gongmock_fixture_start[];
extern const unsigned char gongmock_fixture_end[];

static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static char *builtin_data;
static size_t builtin_len;

static void
builtin_inflate(void)
{
	size_t zlen = (size_t)(gongmock_fixture_end - gongmock_fixture_start);
	const unsigned char *t;
	z_stream zs = {0};
	uint32_t size;
	char *out;

	if (zlen < 18)
		return;
	t = gongmock_fixture_start + zlen - 4;
	/* ISIZE: the inflated length modulo 2^32, little-endian; the data is far below that. */
	size = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
	out = malloc((size_t)size + 1);
	if (out == NULL || inflateInit2(&zs, 15 + 16) != Z_OK) {
		free(out);
		return;
	}
	zs.next_in = (unsigned char *)(uintptr_t)gongmock_fixture_start;
	zs.avail_in = (uInt)zlen;
	zs.next_out = (unsigned char *)out;
	zs.avail_out = (uInt)size;
	if (inflate(&zs, Z_FINISH) != Z_STREAM_END || zs.total_out != size) {
		inflateEnd(&zs);
		free(out);
		return;
	}
	inflateEnd(&zs);
	out[size] = '\0';
	builtin_len = size;
	builtin_data = out;
}

const char *
builtin_fixtures(size_t *len)
{
	pthread_once(&builtin_once, builtin_inflate);
	*len = builtin_len;
	return builtin_data;
}
