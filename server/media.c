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

/* The signed text: "ID/KIND/EXPIRES/NONCE". Returns the signature's base64url length, or 0. */
static size_t
media_sign(const struct cursor_key *key, const char *id, const char *kind, int64_t expires,
           const char *nonce, char out[64])
{
	char text[200];
	unsigned char mac[MEDIA_SIG_LEN];
	int n = snprintf(text, sizeof(text), "%s/%s/%" PRId64 "/%s", id, kind, expires, nonce);

	if (n < 0 || (size_t)n >= sizeof(text) ||
	    gnutls_hmac_fast(GNUTLS_MAC_SHA256, key->bytes, sizeof(key->bytes), text, (size_t)n,
	                     mac) < 0)
		return 0;
	return b64_encode(mac, sizeof(mac), out, B64_URL, 0);
}

size_t
media_link(const struct cursor_key *key, const char *base, const char *id, const char *kind,
           int64_t expires, const char *nonce, char *out)
{
	char sig[64];
	size_t slen = media_sign(key, id, kind, expires, nonce, sig);
	int n;

	if (slen == 0)
		return 0;
	n = snprintf(out, MEDIA_LINK_MAX,
	             "%s" MEDIA_PREFIX "%s/%s.%s?expires=%" PRId64 "&nonce=%s&signature=%.*s", base,
	             id, kind, strcmp(kind, "video") == 0 ? "mp4" : "mp3", expires, nonce,
	             (int)slen, sig);
	if (n < 0 || n >= MEDIA_LINK_MAX)
		return 0;
	return (size_t)n;
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
