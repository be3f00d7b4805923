/*
 * test_media.c - signed media links and what serves them: the link's exact form and its
 * signature worked out here with GnuTLS, the placeholders while a link is valid, the refusals
 * of a storage service (403 SignatureDoesNotMatch for anything altered, 403 AccessDenied once
 * expired, 404 NoSuchKey for a path that is no link, 405 for another method), and the base a
 * link is made with.
 */
#include "media.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>

#include "harness.h"

#define EXPIRES INT64_C(1767351845) /* 2026-01-02T11:04:05Z */

static const char xml_bad_sig[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"
    "<Message>The request signature we calculated does not match the signature you "
    "provided.</Message></Error>\n";
static const char xml_expired[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
    "<Message>Request has expired</Message></Error>\n";
static const char xml_missing[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
    "<Message>The specified key does not exist.</Message></Error>\n";

static struct cursor_key
key_for(const char *secret)
{
	struct cursor_key k;
	char err[64];

	ck_assert_int_eq(cursor_key_init(&k, secret, err, sizeof(err)), 0);
	return k;
}

/* HMAC-SHA256 of text with the key, base64url without padding, into out[64]. */
static void
signature(const struct cursor_key *k, const char *text, char out[64])
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char mac[32];
	size_t n = 0;

	ck_assert_int_eq(gnutls_hmac_fast(GNUTLS_MAC_SHA256, k->bytes, sizeof(k->bytes), text,
	                                  strlen(text), mac),
	                 0);
	for (size_t i = 0; i < sizeof(mac); i += 3) {
		unsigned v = (unsigned)mac[i] << 16;

		if (i + 1 < sizeof(mac))
			v |= (unsigned)mac[i + 1] << 8;
		if (i + 2 < sizeof(mac))
			v |= mac[i + 2];
		out[n++] = tab[v >> 18 & 63];
		out[n++] = tab[v >> 12 & 63];
		if (i + 1 < sizeof(mac))
			out[n++] = tab[v >> 6 & 63];
		if (i + 2 < sizeof(mac))
			out[n++] = tab[v & 63];
	}
	out[n] = '\0';
	ck_assert_uint_eq(n, 43);
}

struct served {
	unsigned status;
	char type[64];
	char allow[64];
	char *body;
	size_t len;
};

static const char *
header_of(const struct response *r, const char *name, char *out, size_t outlen)
{
	out[0] = '\0';
	for (size_t i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0) {
			snprintf(out, outlen, "%s", r->headers[i].value);
			return out;
		}
	return NULL;
}

/* Serves `method` of path?query at time now. */
static void
serve(const struct cursor_key *k, const char *method, const char *path, const char *query,
      int64_t now, struct served *s)
{
	struct request req;
	struct response r;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.target = path;
	req.query = query;
	req.query_len = strlen(query);
	strcpy(req.request_id, "abcdefghijklmnopqr");
	response_init(&r);
	strcpy(r.request_id, req.request_id);
	media_serve(k, &req, now, &r);
	s->status = r.status;
	header_of(&r, "Content-Type", s->type, sizeof(s->type));
	header_of(&r, "Allow", s->allow, sizeof(s->allow));
	s->len = response_body_len(&r);
	s->body = malloc(s->len + 1);
	ck_assert_ptr_nonnull(s->body);
	response_copy_body(&r, 0, s->body, s->len);
	s->body[s->len] = '\0';
	response_free(&r);
}

/* Serves a whole link (from its path on) at time now. */
static void
serve_link(const struct cursor_key *k, const char *link, int64_t now, struct served *s)
{
	const char *p = strstr(link, MEDIA_PREFIX), *q;
	char path[256];

	ck_assert_ptr_nonnull(p);
	q = strchr(p, '?');
	ck_assert_ptr_nonnull(q);
	snprintf(path, sizeof(path), "%.*s", (int)(q - p), p);
	serve(k, "GET", path, q + 1, now, s);
}

static void
assert_xml(struct served *s, unsigned status, const char *body)
{
	ck_assert_uint_eq(s->status, status);
	ck_assert_str_eq(s->type, "application/xml");
	ck_assert_str_eq(s->body, body);
	free(s->body);
	s->body = NULL;
}

START_TEST(a_link_is_its_call_kind_expiry_nonce_and_signature)
{
	struct cursor_key k = key_for("media secret");
	char link[MEDIA_LINK_MAX], sig[64], want[MEDIA_LINK_MAX];
	size_t n;

	n = media_link(&k, "http://gong.test:8080", "7169926501002320084", "audio", EXPIRES,
	               "4owy28ohqhwqpci6wpc", link);
	signature(&k, "7169926501002320084/audio/1767351845/4owy28ohqhwqpci6wpc", sig);
	snprintf(want, sizeof(want),
	         "http://gong.test:8080/__media/7169926501002320084/audio.mp3?expires=1767351845&"
	         "nonce=4owy28ohqhwqpci6wpc&signature=%s",
	         sig);
	ck_assert_str_eq(link, want);
	ck_assert_uint_eq(n, strlen(want));

	n = media_link(&k, "http://localhost", "1", "video", EXPIRES, "n", link);
	signature(&k, "1/video/1767351845/n", sig);
	snprintf(want, sizeof(want),
	         "http://localhost/__media/1/video.mp4?expires=1767351845&nonce=n&signature=%s",
	         sig);
	ck_assert_str_eq(link, want);
	ck_assert_uint_eq(n, strlen(want));

	/* Another key, another signature. */
	{
		struct cursor_key other = key_for("other");
		char link2[MEDIA_LINK_MAX];

		media_link(&other, "http://localhost", "1", "video", EXPIRES, "n", link2);
		ck_assert_str_ne(link, link2);
	}
	/* A link that does not fit is not written. */
	{
		char base[MEDIA_LINK_MAX];

		memset(base, 'h', sizeof(base) - 1);
		base[sizeof(base) - 1] = '\0';
		ck_assert_uint_eq(media_link(&k, base, "1", "audio", EXPIRES, "n", link), 0);
		base[MEDIA_LINK_MAX - 200] = '\0';
		ck_assert_uint_gt(media_link(&k, base, "1", "audio", EXPIRES, "n", link), 0);
		ck_assert_uint_lt(strlen(link), MEDIA_LINK_MAX);
	}
}
END_TEST

START_TEST(a_valid_link_serves_its_placeholder)
{
	struct cursor_key k = key_for("media secret");
	char link[MEDIA_LINK_MAX];
	struct served s;

	media_link(&k, "http://h", "42", "audio", EXPIRES, "nonce", link);
	serve_link(&k, link, EXPIRES - 8 * 3600, &s);
	ck_assert_uint_eq(s.status, 200);
	ck_assert_str_eq(s.type, "audio/mpeg");
	/* An MP3: an ID3 tag, then a frame sync. */
	ck_assert_uint_ge(s.len, 12);
	ck_assert_int_eq(memcmp(s.body, "ID3", 3), 0);
	ck_assert_int_eq((unsigned char)s.body[10], 0xff);
	ck_assert_int_eq((unsigned char)s.body[11] & 0xe0, 0xe0);
	free(s.body);

	media_link(&k, "http://h", "42", "video", EXPIRES, "nonce", link);
	serve_link(&k, link, EXPIRES - 1, &s);
	ck_assert_uint_eq(s.status, 200);
	ck_assert_str_eq(s.type, "video/mp4");
	/* An MP4: a file type box. */
	ck_assert_uint_ge(s.len, 8);
	ck_assert_int_eq(memcmp(s.body + 4, "ftyp", 4), 0);
	free(s.body);

	/* HEAD is served too (the HTTP layer leaves the body out). */
	{
		const char *q = strchr(link, '?');

		serve(&k, "HEAD", "/__media/42/video.mp4", q + 1, EXPIRES - 1, &s);
		ck_assert_uint_eq(s.status, 200);
		ck_assert_str_eq(s.type, "video/mp4");
		free(s.body);
	}
}
END_TEST

START_TEST(an_expired_link_is_refused)
{
	struct cursor_key k = key_for("media secret");
	char link[MEDIA_LINK_MAX];
	struct served s;

	media_link(&k, "http://h", "42", "audio", EXPIRES, "nonce", link);
	serve_link(&k, link, EXPIRES, &s);
	assert_xml(&s, 403, xml_expired);
	serve_link(&k, link, EXPIRES + 86400, &s);
	assert_xml(&s, 403, xml_expired);
	/* Expired and altered: the signature is judged first. */
	media_link(&k, "http://h", "42", "audio", 100, "nonce", link);
	serve(&k, "GET", "/__media/43/audio.mp3", strchr(link, '?') + 1, EXPIRES, &s);
	assert_xml(&s, 403, xml_bad_sig);
}
END_TEST

START_TEST(an_altered_link_is_refused)
{
	struct cursor_key k = key_for("media secret");
	struct cursor_key other = key_for("media secret 2");
	char sig[64], q[512];
	struct served s;
	int64_t now = EXPIRES - 3600;

	signature(&k, "42/audio/1767351845/nonce", sig);
	/* The genuine one first, as written by hand. */
	snprintf(q, sizeof(q), "expires=1767351845&nonce=nonce&signature=%s", sig);
	serve(&k, "GET", "/__media/42/audio.mp3", q, now, &s);
	ck_assert_uint_eq(s.status, 200);
	free(s.body);
	/* The parameters in another order are the same link. */
	snprintf(q, sizeof(q), "signature=%s&nonce=nonce&expires=1767351845", sig);
	serve(&k, "GET", "/__media/42/audio.mp3", q, now, &s);
	ck_assert_uint_eq(s.status, 200);
	free(s.body);

	/* A later expiry, another nonce, another call, the other kind. */
	snprintf(q, sizeof(q), "expires=1767351846&nonce=nonce&signature=%s", sig);
	serve(&k, "GET", "/__media/42/audio.mp3", q, now, &s);
	assert_xml(&s, 403, xml_bad_sig);
	snprintf(q, sizeof(q), "expires=1767351845&nonce=nonce2&signature=%s", sig);
	serve(&k, "GET", "/__media/42/audio.mp3", q, now, &s);
	assert_xml(&s, 403, xml_bad_sig);
	snprintf(q, sizeof(q), "expires=1767351845&nonce=nonce&signature=%s", sig);
	serve(&k, "GET", "/__media/43/audio.mp3", q, now, &s);
	assert_xml(&s, 403, xml_bad_sig);
	serve(&k, "GET", "/__media/420/audio.mp3", q, now, &s);
	assert_xml(&s, 403, xml_bad_sig);
	serve(&k, "GET", "/__media/42/video.mp4", q, now, &s);
	assert_xml(&s, 403, xml_bad_sig);
	/* Another key signed it. */
	serve(&other, "GET", "/__media/42/audio.mp3", q, now, &s);
	assert_xml(&s, 403, xml_bad_sig);

	/* The signature altered, cut, lengthened or missing. */
	sig[5] = sig[5] == 'A' ? 'B' : 'A';
	snprintf(q, sizeof(q), "expires=1767351845&nonce=nonce&signature=%s", sig);
	serve(&k, "GET", "/__media/42/audio.mp3", q, now, &s);
	assert_xml(&s, 403, xml_bad_sig);
	signature(&k, "42/audio/1767351845/nonce", sig);
	snprintf(q, sizeof(q), "expires=1767351845&nonce=nonce&signature=%.42s", sig);
	serve(&k, "GET", "/__media/42/audio.mp3", q, now, &s);
	assert_xml(&s, 403, xml_bad_sig);
	snprintf(q, sizeof(q), "expires=1767351845&nonce=nonce&signature=%sA", sig);
	serve(&k, "GET", "/__media/42/audio.mp3", q, now, &s);
	assert_xml(&s, 403, xml_bad_sig);
	serve(&k, "GET", "/__media/42/audio.mp3", "expires=1767351845&nonce=nonce", now, &s);
	assert_xml(&s, 403, xml_bad_sig);
	serve(&k, "GET", "/__media/42/audio.mp3", "expires=1767351845&nonce=nonce&signature=", now,
	      &s);
	assert_xml(&s, 403, xml_bad_sig);
	/* The expiry or the nonce missing, empty, or not a number. */
	snprintf(q, sizeof(q), "nonce=nonce&signature=%s", sig);
	serve(&k, "GET", "/__media/42/audio.mp3", q, now, &s);
	assert_xml(&s, 403, xml_bad_sig);
	snprintf(q, sizeof(q), "expires=1767351845&signature=%s", sig);
	serve(&k, "GET", "/__media/42/audio.mp3", q, now, &s);
	assert_xml(&s, 403, xml_bad_sig);
	snprintf(q, sizeof(q), "expires=&nonce=nonce&signature=%s", sig);
	serve(&k, "GET", "/__media/42/audio.mp3", q, now, &s);
	assert_xml(&s, 403, xml_bad_sig);
	snprintf(q, sizeof(q), "expires=1767351845x&nonce=nonce&signature=%s", sig);
	serve(&k, "GET", "/__media/42/audio.mp3", q, now, &s);
	assert_xml(&s, 403, xml_bad_sig);
	serve(&k, "GET", "/__media/42/audio.mp3", "", now, &s);
	assert_xml(&s, 403, xml_bad_sig);
	/* A negative expiry is never a link's, even signed. */
	signature(&k, "42/audio/-5/nonce", sig);
	snprintf(q, sizeof(q), "expires=-5&nonce=nonce&signature=%s", sig);
	serve(&k, "GET", "/__media/42/audio.mp3", q, -100, &s);
	assert_xml(&s, 403, xml_bad_sig);
}
END_TEST

START_TEST(a_path_that_is_no_link_is_404_and_another_method_405)
{
	static const char *const paths[] = {
	    "/__media/",
	    "/__media/42",
	    "/__media/42/",
	    "/__media/42/audio.wav",
	    "/__media/42/audio.mp4",
	    "/__media/42/video.mp3",
	    "/__media/42/audio.mp3/x",
	    "/__media/abc/audio.mp3",
	    "/__media/4a/audio.mp3",
	    "/__media//audio.mp3",
	    "/__media/123456789012345678901/audio.mp3",
	    "/__media/42/Audio.mp3",
	};
	struct cursor_key k = key_for("media secret");
	char link[MEDIA_LINK_MAX];
	const char *q;
	struct served s;

	media_link(&k, "http://h", "42", "audio", EXPIRES, "nonce", link);
	q = strchr(link, '?') + 1;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		serve(&k, "GET", paths[i], q, EXPIRES - 1, &s);
		ck_assert_msg(s.status == 404, "%s: %u", paths[i], s.status);
		assert_xml(&s, 404, xml_missing);
	}
	/* Twenty digits is still an id. */
	media_link(&k, "http://h", "12345678901234567890", "audio", EXPIRES, "nonce", link);
	serve_link(&k, link, EXPIRES - 1, &s);
	ck_assert_uint_eq(s.status, 200);
	free(s.body);

	serve(&k, "POST", "/__media/42/audio.mp3", q, EXPIRES - 1, &s);
	ck_assert_uint_eq(s.status, 405);
	ck_assert_str_eq(s.allow, "GET");
	assert_xml(&s, 405, xml_missing);
	serve(&k, "DELETE", "/__media/nothing", "", EXPIRES - 1, &s);
	ck_assert_uint_eq(s.status, 405);
	ck_assert_str_eq(s.allow, "GET");
	free(s.body);
}
END_TEST

START_TEST(media_paths_are_owned)
{
	ck_assert(media_owns("/__media/1/audio.mp3"));
	ck_assert(media_owns("/__media/"));
	ck_assert(!media_owns("/__media"));
	ck_assert(!media_owns("/__mediax/1"));
	ck_assert(!media_owns("/v2/calls"));
	ck_assert(!media_owns("/__admin/health"));
}
END_TEST

static const char *
host_lookup(const struct request *r, const char *name)
{
	return strcasecmp(name, "Host") == 0 ? r->header_cls : NULL;
}

static void
base_for(const char *host, char *out, size_t outlen)
{
	struct request req;

	memset(&req, 0, sizeof(req));
	if (host != NULL) {
		req.header = host_lookup;
		req.header_cls = (void *)host;
	}
	media_base(&req, out, outlen);
}

START_TEST(the_base_is_the_host_clients_reached)
{
	char base[320], longest[300];

	base_for("gong.test:8080", base, sizeof(base));
	ck_assert_str_eq(base, "http://gong.test:8080");
	base_for("127.0.0.1:39871", base, sizeof(base));
	ck_assert_str_eq(base, "http://127.0.0.1:39871");
	base_for("[::1]:8080", base, sizeof(base));
	ck_assert_str_eq(base, "http://[::1]:8080");
	base_for("API.Example-1.com", base, sizeof(base));
	ck_assert_str_eq(base, "http://API.Example-1.com");
	/* Anything else could send a client elsewhere, or break the link. */
	base_for(NULL, base, sizeof(base));
	ck_assert_str_eq(base, "http://localhost");
	base_for("", base, sizeof(base));
	ck_assert_str_eq(base, "http://localhost");
	base_for("evil.test/x?", base, sizeof(base));
	ck_assert_str_eq(base, "http://localhost");
	base_for("user@evil.test", base, sizeof(base));
	ck_assert_str_eq(base, "http://localhost");
	base_for("a b", base, sizeof(base));
	ck_assert_str_eq(base, "http://localhost");
	base_for("h\"><x", base, sizeof(base));
	ck_assert_str_eq(base, "http://localhost");
	memset(longest, 'a', 255);
	longest[255] = '\0';
	base_for(longest, base, sizeof(base));
	ck_assert_uint_eq(strlen(base), 7 + 255);
	longest[255] = 'a';
	longest[256] = '\0';
	base_for(longest, base, sizeof(base));
	ck_assert_str_eq(base, "http://localhost");
}
END_TEST

static Suite *
media_suite(void)
{
	Suite *s = suite_create("media");
	TCase *tc = tcase_create("links");

	tcase_add_test(tc, a_link_is_its_call_kind_expiry_nonce_and_signature);
	tcase_add_test(tc, a_valid_link_serves_its_placeholder);
	tcase_add_test(tc, an_expired_link_is_refused);
	tcase_add_test(tc, an_altered_link_is_refused);
	tcase_add_test(tc, a_path_that_is_no_link_is_404_and_another_method_405);
	tcase_add_test(tc, media_paths_are_owned);
	tcase_add_test(tc, the_base_is_the_host_clients_reached);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(media_suite());
}
