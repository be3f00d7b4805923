/*
 * media.h - the media links of an extensive answer, and the files behind them.
 *
 * Gong answers `media` with signed links to a call's audio and video that are valid for 8
 * hours and different on every request. gongmock makes such links to itself:
 * `BASE/__media/CALLID/audio.mp3?expires=UNIX&nonce=REQUESTID&signature=SIG`, SIG an
 * HMAC-SHA256 (with the cursor key) of the rest. Until it expires a link serves a small
 * placeholder file; afterwards it is refused as an expired signed link is (403, an XML error
 * body). Safe from any thread. Knows nothing of HTTP beyond the request and response types.
 */
#ifndef GONGMOCK_MEDIA_H
#define GONGMOCK_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "request.h"
#include "response.h"

#define MEDIA_PREFIX "/__media/"
/* How long a link is valid: 8 hours, as Gong's. */
#define MEDIA_TTL_S (8 * 3600)
/* Longest link media_link writes. */
#define MEDIA_LINK_MAX 512

/*
 * Writes the link for call `id` (digits) of kind "audio" or "video" into out (MEDIA_LINK_MAX
 * bytes): base is the scheme and authority clients reach this server at (media_base), nonce
 * anything unique to the request. Returns the length, or 0 when it does not fit.
 */
size_t media_link(const struct cursor_key *key, const char *base, const char *id, const char *kind,
                  int64_t expires, const char *nonce, char *out);

/*
 * The scheme and authority of links for this request: "http://" and its Host header when that
 * is a plain host[:port], else "http://localhost". Writes at most 300 bytes into out.
 */
void media_base(const struct request *req, char *out, size_t outlen);

/* Whether the path is a media link's. */
int media_owns(const char *path);

/*
 * Answers a media link: the placeholder (200, audio/mpeg or video/mp4) while it is valid,
 * 403 with an XML error body once expired or when the signature does not match, 404 for a
 * path that is not a link. `now` is seconds since the epoch.
 */
void media_serve(const struct cursor_key *key, const struct request *req, int64_t now,
                 struct response *r);

#endif
