/*
 * replay.h - answering requests from a loaded cassette, in the order they were recorded.
 *
 * A request matches a recorded one on the method, the path and the query parameters, in any
 * order, with fromDateTime and toDateTime compared as instants (so `Z`, `+00:00` and `%3A`
 * forms match) and other values as text; and, when credentials are matched, on the credential
 * too. Identical requests recorded several times are answered in recorded order, one per
 * call; once used up, the last answer repeats. A request with no recording gets a message
 * naming the closest recorded one and what differs.
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

/*
 * Finds the answer to a request. With `match_credential` set, `authorization` (NULL: none) is
 * fingerprinted as each line was, with the cassette's salt or, for unsalted lines, without;
 * the derived fingerprint is kept in memory, per credential, so that only the first request
 * with a credential pays for the derivation. Returns 1 and fills *out, or 0 and writes into
 * miss (NUL-terminated, within misslen; cut at a character with "..." when longer) what was
 * asked and the closest recorded request: same method and path, fewest differing parameters,
 * earliest recorded on a tie, naming the parameters that differ; or that nothing was recorded
 * for that method and path. A credential appears in miss only as its fingerprint's hash.
 */
int replay_match(struct replay *rp, const char *method, const char *path, const struct query *q,
                 int match_credential, const char *authorization, struct cassette_answer *out,
                 char *miss, size_t misslen);

/* Rewinds every group to its first answer. replay_rewind(NULL) does nothing. */
void replay_rewind(struct replay *rp);

#endif
