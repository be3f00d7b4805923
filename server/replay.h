/*
 * replay.h - answering requests from a loaded cassette, in the order they were recorded.
 *
 * A request matches a recorded one on the method, the path and the query parameters, in any
 * order, with fromDateTime and toDateTime compared as instants (so `Z`, `+00:00` and `%3A`
 * forms match) and other values as text; on the body; on whether it had a credential at all
 * (always: an answer recorded without one, a 401 say, never answers a request with one, nor
 * the reverse); and, when credentials are matched, on the credential too. A JSON body (an
 * object or array) matches by meaning: members in any order and any white space; strings
 * that are ISO-8601 date-times compared as instants; callIds, primaryUserIds and userIds
 * arrays, at any depth, as sets (order and repeats aside); a "cursor" member that is null as
 * no cursor; numbers by value; everything else exactly. The values exchange_redact_request
 * redacts take no part (the members holding them still do). Any other body matches byte for
 * byte, and a request without a body only a
 * recording without one. Identical requests recorded several times are answered in recorded
 * order, one per call; once used up, the last answer repeats. A request with no recording
 * gets a message naming the closest recorded one and what differs.
 *
 * Each recorded body is parsed and brought to a canonical form once, by replay_create; a
 * request's body once per request.
 *
 * A replay holds the replay position of each group of identical requests and a cache of the
 * fingerprints derived for incoming credentials, each behind a lock: every function is safe
 * from any thread. It reads the cassette it was made from, which must outlive it.
 */
#ifndef GONGMOCK_REPLAY_H
#define GONGMOCK_REPLAY_H

#include <stddef.h>

#include "cassette.h"
#include "query.h"

struct replay;

/* A replay of c, every group at its first answer. NULL when out of memory. */
struct replay *replay_create(const struct cassette *c);

/* replay_free(NULL) does nothing; the cassette stays. */
void replay_free(struct replay *rp);

/* A request to answer. */
struct replay_ask {
	const char *method;
	const char *path;
	const struct query *query; /* decoded parameters; NULL: none */
	const char *body;          /* as received; NULL or body_len 0: none */
	size_t body_len;
	int match_credential;
	const char *authorization; /* NULL: none */
};

/*
 * Finds the answer to a request. With `match_credential` set, `authorization` is
 * fingerprinted as each line was, with the cassette's salt or, for unsalted lines, without;
 * the derived fingerprint is kept in memory, per credential, so that only the first request
 * with a credential pays for the derivation. Returns 1 and fills *out, or 0 and writes into
 * miss (NUL-terminated, within misslen; cut at a character with "..." when longer) what was
 * asked and the closest recorded request: same method and path, fewest differences (each
 * parameter, each body field, the credential), earliest recorded on a tie, naming what
 * differs: "differs in NAME, NAME" for parameters (and the credential), then, when
 * credentials are not matched, "recorded without credentials; this request has some" (or
 * "recorded with credentials; this request has none"), then "body field PATH differs",
 * "... missing" (recorded, not sent) or "... unexpected" (sent, not recorded) for each member
 * of a JSON body, PATH naming it from the top (`filter.callIds`), or "body differs",
 * "body missing", "body unexpected" for a body as a whole; or that nothing was recorded for
 * that method and path. A credential appears in miss only as its fingerprint's hash; a
 * body's values not at all.
 */
int replay_answer(struct replay *rp, const struct replay_ask *ask, struct cassette_answer *out,
                  char *miss, size_t misslen);

/*
 * replay_answer for a request without a body (q NULL: no parameters), which matches only
 * recordings without one.
 */
int replay_match(struct replay *rp, const char *method, const char *path, const struct query *q,
                 int match_credential, const char *authorization, struct cassette_answer *out,
                 char *miss, size_t misslen);

/* Rewinds every group to its first answer. replay_rewind(NULL) does nothing. */
void replay_rewind(struct replay *rp);

#endif
