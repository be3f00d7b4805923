/*
 * auth.h - Gong's authentication: `Authorization: Basic base64(accessKey:accessKeySecret)` or
 * `Authorization: Bearer <token>`, and the scope this endpoint needs.
 *
 * Without a credentials file every well-formed credential is accepted. With one, only the
 * listed ones are, and a Bearer token must carry the scopes of the operation (for GET
 * /v2/calls, api:calls:read:basic). The set is
 * loaded once and read-only afterwards: auth_check is safe from any thread.
 */
#ifndef GONGMOCK_AUTH_H
#define GONGMOCK_AUTH_H

#include <stddef.h>

#define AUTH_SCOPE_CALLS "api:calls:read:basic"

/* The scopes an operation can need, as bits. */
#define AUTH_CALLS_BASIC 1U      /* api:calls:read:basic */
#define AUTH_CALLS_EXTENSIVE 2U  /* api:calls:read:extensive */
#define AUTH_CALLS_MEDIA 4U      /* api:calls:read:media-url */
#define AUTH_CALLS_TRANSCRIPT 8U /* api:calls:read:transcript */
#define AUTH_USERS 16U           /* api:users:read */
#define AUTH_WORKSPACES 32U      /* api:workspaces:read */
/* Longest Authorization value read; a longer one is invalid. */
#define AUTH_HEADER_MAX 4096
/* Longest identity kept (access key or token): a whole header's worth, so long tokens that
 * share a prefix (JWTs) stay apart in rate-limit buckets and rule matches. */
#define AUTH_ID_MAX AUTH_HEADER_MAX

struct auth;

enum auth_result {
	AUTH_OK = 0,
	AUTH_INVALID, /* missing, malformed, or not in the credentials file */
	AUTH_NO_SCOPE /* a listed Bearer token without a scope the operation needs */
};

/* Who made a request: the access key of a Basic credential, or the Bearer token. */
struct auth_identity {
	char kind; /* 'b' Basic, 't' Bearer, 0 none */
	char id[AUTH_ID_MAX + 1];
};

/*
 * Loads a credentials file:
 *   {"basic":[{"accessKey":"k","accessKeySecret":"s"}],
 *    "bearer":[{"token":"t","scopes":["api:calls:read:basic"]}]}
 * Either list may be absent. Returns a new set (free with auth_free), or NULL with the file
 * and the reason in err.
 */
struct auth *auth_load(const char *path, char *err, size_t errlen);

/* Frees a set; auth_free(NULL) does nothing. */
void auth_free(struct auth *a);

/*
 * Checks an Authorization header value (NULL when absent) against `a` (NULL: accept any
 * well-formed credential). The scheme is case-insensitive; Basic must decode (standard base64,
 * padding optional) to `key:secret` with a non-empty key; Bearer needs a non-empty token.
 * Secrets are compared in constant time. Fills *who when the credential is well formed, even
 * if it is then refused (who may be NULL).
 */
enum auth_result auth_check(const struct auth *a, const char *header, struct auth_identity *who);

/*
 * auth_check for an operation needing the scopes `need` (AUTH_* bits; a Basic credential has
 * every scope). On AUTH_NO_SCOPE, *missing (when not NULL) gets the bits the token lacks.
 */
enum auth_result auth_check_scopes(const struct auth *a, const char *header, unsigned need,
                                   struct auth_identity *who, unsigned *missing);

/* The name of one scope bit ("api:calls:read:extensive"), or "" for anything else. */
const char *auth_scope_name(unsigned scope);

#endif
