/*
 * error.h - the one table from domain errors to HTTP status and Gong's error body
 * {"requestId":"...","errors":["..."]}. Handlers never build error JSON by hand.
 */
#ifndef GONGMOCK_ERROR_H
#define GONGMOCK_ERROR_H

#include "response.h"

enum error_code {
	ERROR_BAD_REQUEST,     /* 400, message from the caller */
	ERROR_CURSOR_INVALID,  /* 400 "Failed to verify cursor" */
	ERROR_CURSOR_EXPIRED,  /* 400 "cursor has expired" */
	ERROR_UNAUTHORIZED,    /* 401 + WWW-Authenticate */
	ERROR_NO_SCOPE,        /* 401 scope message */
	ERROR_FORBIDDEN,       /* 403 */
	ERROR_NO_CALLS,        /* 404 "No calls found corresponding to the provided filters" */
	ERROR_NOT_FOUND,       /* 404 for a path that does not exist */
	ERROR_METHOD,          /* 405 "Method Not Allowed" + Allow */
	ERROR_TOO_LARGE,       /* 413 */
	ERROR_UNSUPPORTED,     /* 415 "Unsupported Media Type" */
	ERROR_RATE_LIMIT,      /* 429 "API request limit exceeded" */
	ERROR_INTERNAL,        /* 500 "Internal server error occurred" */
	ERROR_NOT_IMPLEMENTED, /* 501 */
	ERROR_BAD_GATEWAY,     /* 502 */
	ERROR_UNAVAILABLE,     /* 503 */
	ERROR_GATEWAY_TIMEOUT, /* 504 */
	ERROR_COUNT
};

/* The HTTP status of a code. */
unsigned error_status(enum error_code code);

/* Gong's default message for an HTTP status (a generic one for statuses Gong has none for). */
const char *error_default_message(unsigned status);

/*
 * Fills r with the error: status, Content-Type, the headers the code needs (WWW-Authenticate
 * for 401, Allow: GET for 405 unless r has an Allow header already), source "error" (unless a
 * source is set already), and the body with r->request_id and `message` (NULL: the code's default).
 * r->request_id must be set; the HTTP layer adds the matching x-traceid. Out of memory leaves
 * r->status 500 and no body.
 */
void error_respond(struct response *r, enum error_code code, const char *message);

/*
 * The same for any status with a list of messages (NULL or empty list: the status's default).
 * For faults and upstream failures.
 */
void error_respond_status(struct response *r, unsigned status, const char *const *messages,
                          size_t nmessages);

#endif
