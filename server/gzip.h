/*
 * gzip.h - Content-Encoding: gzip for answers, as Gong's API gives it to clients that ask:
 * whether a client's Accept-Encoding takes gzip, and one answer's body pieces compressed into
 * one gzip member.
 *
 * zlib only; no state; thread-safe.
 */
#ifndef GONGMOCK_GZIP_H
#define GONGMOCK_GZIP_H

#include <stddef.h>
#include <stdint.h>

#include "response.h"

/* Bodies shorter than this go out as they are: compressing them saves nothing worth it. */
#define GZIP_MIN_BODY 860

/*
 * 1 when an Accept-Encoding value takes gzip: "gzip" or "x-gzip" or "*" with a q-value above
 * 0 (a "gzip;q=0" refuses it even after a "*"). NULL (no header) takes none.
 */
int gzip_accepted(const char *accept_encoding);

/*
 * The body pieces p[0..n) as one gzip member into a malloc'd buffer (*out, *outlen; the
 * caller frees). Compressed at zlib's fastest level: an answer is sent once, and its time
 * matters more than a few bytes. 0, or -1 when out of memory.
 */
int gzip_pieces(const struct response_piece *p, size_t n, char **out, size_t *outlen);

/*
 * A page sent gzipped without compressing it whole: one gzip member made of segments, each
 * raw deflate data that ends on a byte boundary and refers back to nothing before its own
 * start but its dictionary, which must be the plaintext that directly precedes it in the
 * member. Segments made once (a call's, with the call before it as dictionary) and segments
 * made per answer (the envelope) are then laid end to end, between GZIP_HEAD and a tail.
 */
#define GZIP_HEAD_LEN 10
#define GZIP_TAIL_LEN 10
extern const unsigned char GZIP_HEAD[GZIP_HEAD_LEN];

/* The most a segment of len bytes may take. */
size_t gzip_segment_bound(size_t len);

/*
 * Compresses the pieces p[0..n) as one segment into out (room: gzip_segment_bound of their
 * total), with dict (may be NULL) as what precedes them, at zlib level `level`; *outlen its
 * length. Uses a stream kept per thread. 0, or -1 when zlib fails.
 */
int gzip_segment(const void *dict, size_t dictlen, const struct response_piece *p, size_t n,
                 int level, unsigned char *out, size_t *outlen);

/* The member's end: an empty last block, the CRC-32 and the length of all the plaintext. */
void gzip_tail(uint32_t crc, uint64_t total, unsigned char out[GZIP_TAIL_LEN]);

/* CRC-32 (gzip's) of len bytes, continuing crc (0 to start). */
uint32_t gzip_crc(uint32_t crc, const void *data, size_t len);

/* What joining the CRC of len more bytes takes (for gzip_crc_join), made once per length. */
uint32_t gzip_crc_op(size_t len);

/* The CRC of A then B, from crc_a, crc_b and gzip_crc_op(length of B): no byte is read. */
uint32_t gzip_crc_join(uint32_t crc_a, uint32_t crc_b, uint32_t op);

#endif
