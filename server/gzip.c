/*
 * gzip.c - compressing answers.
 *
 * The output buffer is sized once from deflateBound, so compressing never reallocates; the
 * pieces are fed to one deflate stream in order, as they would have been sent.
 */
#include "gzip.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* The q-value of one Accept-Encoding element's parameters ("; q=0.5"); 1 when absent. */
static double
gzip_q(const char *params, const char *end)
{
	const char *p = params;

	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *e = semi != NULL ? semi : end;

		while (p < e && (*p == ' ' || *p == '\t' || *p == ';'))
			p++;
		if (e - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
			return strtod(p + 2, NULL);
		p = e + (semi != NULL);
	}
	return 1.0;
}

int
gzip_accepted(const char *ae)
{
	const char *p = ae;
	int gzip = -1, star = -1;

	if (ae == NULL)
		return 0;
	while (*p != '\0') {
		const char *end = p + strcspn(p, ","), *semi = memchr(p, ';', (size_t)(end - p));
		const char *k = p, *ke = semi != NULL ? semi : end;
		int ok;

		while (k < ke && (*k == ' ' || *k == '\t'))
			k++;
		while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
			ke--;
		ok = gzip_q(semi != NULL ? semi : end, end) > 0;
		if ((ke - k == 4 && strncasecmp(k, "gzip", 4) == 0) ||
		    (ke - k == 6 && strncasecmp(k, "x-gzip", 6) == 0))
			gzip = ok;
		else if (ke - k == 1 && *k == '*')
			star = ok;
		p = *end != '\0' ? end + 1 : end;
	}
	return gzip >= 0 ? gzip : star > 0;
}

int
gzip_pieces(const struct response_piece *p, size_t n, char **out, size_t *outlen)
{
	z_stream zs;
	size_t i, total = 0;
	unsigned char *buf;
	uLong bound;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	for (i = 0; i < n; i++)
		total += p[i].len;
	bound = deflateBound(&zs, (uLong)total);
	buf = malloc(bound);
	if (buf == NULL) {
		deflateEnd(&zs);
		return -1;
	}
	zs.next_out = buf;
	zs.avail_out = (uInt)bound;
	/* The output has room for everything (deflateBound), so each piece is taken whole. */
	for (i = 0; i < n; i++) {
		zs.next_in = (Bytef *)(uintptr_t)p[i].base;
		zs.avail_in = (uInt)p[i].len;
		if (deflate(&zs, Z_NO_FLUSH) != Z_OK || zs.avail_in != 0)
			break;
	}
	if (i < n || deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		free(buf);
		return -1;
	}
	*outlen = zs.total_out;
	*out = (char *)buf;
	deflateEnd(&zs);
	return 0;
}

/* A gzip member's header: deflate, no name, no time, no flags, any OS (255). */
const unsigned char GZIP_HEAD[GZIP_HEAD_LEN] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};

static pthread_key_t gzip_key;
static pthread_once_t gzip_once = PTHREAD_ONCE_INIT;

static void
gzip_stream_free(void *p)
{
	z_stream *zs = p;

	deflateEnd(zs);
	free(zs);
}

static void
gzip_key_make(void)
{
	(void)pthread_key_create(&gzip_key, gzip_stream_free);
}

/*
 * This thread's raw deflate stream for answers, reset, at `level`; NULL when out of memory.
 * Its hash table is small (memLevel 1): a reset clears it, and a page resets it once per
 * segment, where the default table would cost a 64 KB memset each time for segments of a
 * few hundred bytes.
 */
static z_stream *
gzip_stream(int level)
{
	z_stream *zs;

	pthread_once(&gzip_once, gzip_key_make);
	zs = pthread_getspecific(gzip_key);
	if (zs == NULL) {
		zs = calloc(1, sizeof(*zs));
		if (zs == NULL)
			return NULL;
		if (deflateInit2(zs, level, Z_DEFLATED, -15, 1, Z_DEFAULT_STRATEGY) != Z_OK) {
			free(zs);
			return NULL;
		}
		if (pthread_setspecific(gzip_key, zs) != 0) {
			gzip_stream_free(zs);
			return NULL;
		}
		return zs;
	}
	if (deflateReset(zs) != Z_OK || deflateParams(zs, level, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	return zs;
}

size_t
gzip_segment_bound(size_t len)
{
	/* deflateBound's stored-block worst case, and the sync flush's empty block. */
	return len + (len >> 12) + (len >> 14) + (len >> 25) + 13 + 16;
}

int
gzip_segment(const void *dict, size_t dictlen, const struct response_piece *p, size_t n, int level,
             unsigned char *out, size_t *outlen)
{
	z_stream own, *zs;
	size_t i, total = 0;
	int rc = -1;

	/* A segment made once and kept is worth a stream of its own, with the full hash table:
	 * levels above 1 are taken to mean that. */
	if (level > 1) {
		memset(&own, 0, sizeof(own));
		if (deflateInit2(&own, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		zs = &own;
	} else {
		zs = gzip_stream(level);
		if (zs == NULL)
			return -1;
	}
	for (i = 0; i < n; i++)
		total += p[i].len;
	if (dict != NULL && dictlen > 0) {
		/* Only the window's worth counts: 32 KB at most. */
		if (dictlen > 32768) {
			dict = (const char *)dict + dictlen - 32768;
			dictlen = 32768;
		}
		if (deflateSetDictionary(zs, dict, (uInt)dictlen) != Z_OK)
			goto out;
	}
	zs->next_out = out;
	zs->avail_out = (uInt)gzip_segment_bound(total);
	for (i = 0; i < n; i++) {
		zs->next_in = (Bytef *)(uintptr_t)p[i].base;
		zs->avail_in = (uInt)p[i].len;
		if (deflate(zs, i + 1 == n ? Z_SYNC_FLUSH : Z_NO_FLUSH) != Z_OK ||
		    zs->avail_in != 0)
			goto out;
	}
	if (n == 0 && deflate(zs, Z_SYNC_FLUSH) != Z_OK)
		goto out;
	*outlen = (size_t)(zs->next_out - out);
	rc = 0;
out:
	if (zs == &own)
		deflateEnd(&own);
	return rc;
}

void
gzip_tail(uint32_t crc, uint64_t total, unsigned char out[GZIP_TAIL_LEN])
{
	/* A last block, fixed codes, holding only its end: 1 + 01 + 0000000, packed LSB first. */
	out[0] = 0x03;
	out[1] = 0x00;
	out[2] = (unsigned char)crc;
	out[3] = (unsigned char)(crc >> 8);
	out[4] = (unsigned char)(crc >> 16);
	out[5] = (unsigned char)(crc >> 24);
	out[6] = (unsigned char)total;
	out[7] = (unsigned char)(total >> 8);
	out[8] = (unsigned char)(total >> 16);
	out[9] = (unsigned char)(total >> 24);
}

uint32_t
gzip_crc(uint32_t crc, const void *data, size_t len)
{
	return (uint32_t)crc32(crc, data, (uInt)len);
}

uint32_t
gzip_crc_op(size_t len)
{
	return (uint32_t)crc32_combine_gen((z_off_t)len);
}

uint32_t
gzip_crc_join(uint32_t crc_a, uint32_t crc_b, uint32_t op)
{
	return (uint32_t)crc32_combine_op(crc_a, crc_b, op);
}
