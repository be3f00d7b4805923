/*
 * media.c - signed media links and the placeholder files behind them.
 *
 * A link carries its own expiry and is signed, so serving it needs no state: the signature
 * proves gongmock made it, the expiry says whether it still may be used. The nonce (the
 * answer's request id) makes every answer's links different, as Gong's are. The refusals
 * mimic the storage service Gong's links point at, whose errors are XML, because a client
 * that downloads media handles those and not Gong's JSON.
 */
#include "media.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "b64.h"
#include "query.h"

#define MEDIA_SIG_LEN 32

/* An MPEG-1 Layer III frame of silence behind an empty ID3v2.3 tag. */
static const unsigned char media_audio[] = {
    'I', 'D', '3', 3, 0, 0, 0, 0, 0, 0, 0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* An MP4 file type box. */
static const unsigned char media_video[] = {
    0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2',
    0, 0, 0, 0,    'm', 'p', '4', '2', 'i', 's', 'o', 'm',
};

static const char media_expired[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
    "<Message>Request has expired</Message></Error>\n";
static const char media_bad_sig[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"
    "<Message>The request signature we calculated does not match the signature you "
    "provided.</Message></Error>\n";
static const char media_missing[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
    "<Message>The specified key does not exist.</Message></Error>\n";

/* Appends n bytes of s at *at within out[0, cap); returns 0, or -1 when they do not fit. */
static int
media_put(char *out, size_t cap, size_t *at, const char *s, size_t n)
{
	if (n > cap - *at)
		return -1;
	memcpy(out + *at, s, n);
	*at += n;
	return 0;
}

/* A number of seconds as decimal digits (a negative one as 0: links never expire before
 * 1970). */
static size_t
media_digits(int64_t v, char out[24])
{
	char tmp[24];
	size_t n = 0, k = 0;
	uint64_t u = v > 0 ? (uint64_t)v : 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	while (n > 0)
		out[k++] = tmp[--n];
	return k;
}

/*
 * The signed text: "ID/KIND/EXPIRES/NONCE". Returns the signature's base64url length, or 0.
 * A page of extensive calls makes two links per call, so this is written without printf.
 */
static size_t
media_sign(const struct cursor_key *key, const char *id, const char *kind, int64_t expires,
           const char *nonce, char out[64])
{
	char text[200], num[24];
	unsigned char mac[MEDIA_SIG_LEN];
	size_t n = 0, d = media_digits(expires, num);

	if (media_put(text, sizeof(text), &n, id, strlen(id)) != 0 ||
	    media_put(text, sizeof(text), &n, "/", 1) != 0 ||
	    media_put(text, sizeof(text), &n, kind, strlen(kind)) != 0 ||
	    media_put(text, sizeof(text), &n, "/", 1) != 0 ||
	    media_put(text, sizeof(text), &n, num, d) != 0 ||
	    media_put(text, sizeof(text), &n, "/", 1) != 0 ||
	    media_put(text, sizeof(text), &n, nonce, strlen(nonce)) != 0 ||
	    gnutls_hmac_fast(GNUTLS_MAC_SHA256, key->bytes, sizeof(key->bytes), text, n, mac) < 0)
		return 0;
	return b64_encode(mac, sizeof(mac), out, B64_URL, 0);
}

size_t
media_link(const struct cursor_key *key, const char *base, const char *id, const char *kind,
           int64_t expires, const char *nonce, char *out)
{
	char sig[64], num[24];
	size_t slen = media_sign(key, id, kind, expires, nonce, sig);
	size_t n = 0, d = media_digits(expires, num);
	int video = strcmp(kind, "video") == 0;

	if (slen == 0 || media_put(out, MEDIA_LINK_MAX, &n, base, strlen(base)) != 0 ||
	    media_put(out, MEDIA_LINK_MAX, &n, MEDIA_PREFIX, strlen(MEDIA_PREFIX)) != 0 ||
	    media_put(out, MEDIA_LINK_MAX, &n, id, strlen(id)) != 0 ||
	    media_put(out, MEDIA_LINK_MAX, &n, video ? "/video.mp4" : "/audio.mp3", 10) != 0 ||
	    media_put(out, MEDIA_LINK_MAX, &n, "?expires=", 9) != 0 ||
	    media_put(out, MEDIA_LINK_MAX, &n, num, d) != 0 ||
	    media_put(out, MEDIA_LINK_MAX, &n, "&nonce=", 7) != 0 ||
	    media_put(out, MEDIA_LINK_MAX, &n, nonce, strlen(nonce)) != 0 ||
	    media_put(out, MEDIA_LINK_MAX, &n, "&signature=", 11) != 0 ||
	    media_put(out, MEDIA_LINK_MAX, &n, sig, slen) != 0 || n >= MEDIA_LINK_MAX)
		return 0;
	out[n] = '\0';
	return n;
}

void
media_base(const struct request *req, char *out, size_t outlen)
{
	const char *host = request_header(req, "Host");
	size_t n = host != NULL ? strlen(host) : 0;

	/* Only a plain host[:port] (or [v6]:port) goes into a link a client will follow. */
	if (n == 0 || n > 255 ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
	        n)
		host = "localhost";
	snprintf(out, outlen, "http://%s", host);
}

int
media_owns(const char *path)
{
	return strncmp(path, MEDIA_PREFIX, strlen(MEDIA_PREFIX)) == 0;
}

static void
media_xml(struct response *r, unsigned status, const char *body, size_t len)
{
	r->status = status;
	r->source = "media";
	(void)response_header_add(r, "Content-Type", "application/xml");
	(void)response_piece_add(r, body, len);
}

/* A parameter's value as a C string in out; 0, or -1 when absent or too long. */
static int
media_param(const struct query *q, const char *name, char *out, size_t outlen)
{
	const struct query_param *p = query_get(q, name);

	if (p == NULL || p->value_len == 0 || p->value_len >= outlen ||
	    memchr(p->value, '\0', p->value_len) != NULL)
		return -1;
	memcpy(out, p->value, p->value_len);
	out[p->value_len] = '\0';
	return 0;
}

void
media_serve(const struct cursor_key *key, const struct request *req, int64_t now,
            struct response *r)
{
	const char *rest = req->path + strlen(MEDIA_PREFIX);
	const char *slash = strchr(rest, '/');
	char id[24], kind[8], nonce[64], sig[64], want[64], expires_text[24];
	struct query *q = NULL;
	int64_t expires;
	char *end;
	size_t idlen, wlen;

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		media_xml(r, 405, media_missing, sizeof(media_missing) - 1);
		(void)response_header_set(r, "Allow", "GET");
		return;
	}
	idlen = slash != NULL ? (size_t)(slash - rest) : 0;
	if (idlen == 0 || idlen > 20 || strspn(rest, "0123456789") != idlen ||
	    (strcmp(slash + 1, "audio.mp3") != 0 && strcmp(slash + 1, "video.mp4") != 0))
		goto missing;
	memcpy(id, rest, idlen);
	id[idlen] = '\0';
	snprintf(kind, sizeof(kind), "%s", slash[1] == 'a' ? "audio" : "video");
	q = malloc(sizeof(*q));
	if (q == NULL || query_parse(q, req->query, req->query_len) != 0 ||
	    media_param(q, "expires", expires_text, sizeof(expires_text)) != 0 ||
	    media_param(q, "nonce", nonce, sizeof(nonce)) != 0 ||
	    media_param(q, "signature", sig, sizeof(sig)) != 0)
		goto forged;
	expires = strtoll(expires_text, &end, 10);
	if (*end != '\0' || expires_text[0] == '-')
		goto forged;
	wlen = media_sign(key, id, kind, expires, nonce, want);
	if (wlen == 0 || strlen(sig) != wlen || gnutls_memcmp(sig, want, wlen) != 0)
		goto forged;
	free(q);
	if (now >= expires) {
		media_xml(r, 403, media_expired, sizeof(media_expired) - 1);
		return;
	}
	r->status = 200;
	r->source = "media";
	if (kind[0] == 'a') {
		(void)response_header_add(r, "Content-Type", "audio/mpeg");
		(void)response_piece_add(r, media_audio, sizeof(media_audio));
	} else {
		(void)response_header_add(r, "Content-Type", "video/mp4");
		(void)response_piece_add(r, media_video, sizeof(media_video));
	}
	return;
forged:
	free(q);
	media_xml(r, 403, media_bad_sig, sizeof(media_bad_sig) - 1);
	return;
missing:
	media_xml(r, 404, media_missing, sizeof(media_missing) - 1);
}
