/*
 * error.c - Gong's error answers, from one table.
 *
 * Every error Gong sends has the body {"requestId":"...","errors":["..."]}; the messages below
 * are the ones seen from the real service, or the nearest in its style where none was seen.
 * Keeping them in one table means a handler names what went wrong and never writes the JSON.
 */
#include "error.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonw.h"

struct error_entry {
	unsigned status;
	const char *message;
};

static const struct error_entry error_table[ERROR_COUNT] = {
    [ERROR_BAD_REQUEST] = {400, "Malformed request"},
    [ERROR_CURSOR_INVALID] = {400, "Failed to verify cursor"},
    [ERROR_CURSOR_EXPIRED] = {400, "cursor: cursor has expired, please restart the listing "
                                   "without a cursor"},
    [ERROR_UNAUTHORIZED] = {401, "Validate credentials failed. Please check your credentials "
                                 "and try again."},
    [ERROR_NO_SCOPE] = {401, "You don't have permission to use 'api:calls:read:basic' in your "
                             "app."},
    [ERROR_FORBIDDEN] = {403, "Forbidden"},
    [ERROR_NO_CALLS] = {404, "No calls found corresponding to the provided filters"},
    [ERROR_NOT_FOUND] = {404, "Not Found"},
    [ERROR_METHOD] = {405, "Method Not Allowed"},
    [ERROR_TOO_LARGE] = {413, "Request too large"},
    [ERROR_UNSUPPORTED] = {415, "Unsupported Media Type"},
    [ERROR_RATE_LIMIT] = {429, "API request limit exceeded"},
    [ERROR_INTERNAL] = {500, "Internal server error occurred"},
    [ERROR_NOT_IMPLEMENTED] = {501, "Not Implemented"},
    [ERROR_BAD_GATEWAY] = {502, "Bad Gateway"},
    [ERROR_UNAVAILABLE] = {503, "Service Unavailable"},
    [ERROR_GATEWAY_TIMEOUT] = {504, "Gateway Timeout"},
};

unsigned
error_status(enum error_code code)
{
	return error_table[code].status;
}

const char *
error_default_message(unsigned status)
{
	size_t i;

	/* The table lists each status's most common message first: for a bare 404 that is the
	 * "no calls" answer, which is what a client of this endpoint sees in practice. */
	for (i = 0; i < ERROR_COUNT; i++)
		if (error_table[i].status == status)
			return error_table[i].message;
	if (status >= 500)
		return "Internal server error occurred";
	return "Request failed";
}

static int
error_has_header(const struct response *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return 1;
	return 0;
}

void
error_respond_status(struct response *r, unsigned status, const char *const *messages,
                     size_t nmessages)
{
	static const char *const none[1] = {NULL};
	struct jsonw b = {0};
	size_t i, n;
	char *body;

	if (nmessages == 0 || messages == NULL) {
		messages = none;
		nmessages = 1;
	}
	r->status = status;
	if (r->source == NULL)
		r->source = "error";
	JSONW_LIT(&b, "{\"requestId\":\"");
	jsonw_str(&b, r->request_id);
	JSONW_LIT(&b, "\",\"errors\":[");
	for (i = 0; i < nmessages; i++) {
		const char *m = messages[i] ? messages[i] : error_default_message(status);

		if (i > 0)
			jsonw_char(&b, ',');
		jsonw_string(&b, m, strlen(m), 0);
	}
	JSONW_LIT(&b, "]}");
	body = jsonw_finish(&b, &n);
	if (body == NULL) {
		r->status = 500;
		return;
	}
	(void)response_header_add(r, "Content-Type", RESPONSE_JSON_TYPE);
	if (status == 401)
		(void)response_header_add(r, "WWW-Authenticate", "Basic realm=\"Gong.io API\"");
	if (status == 405 && !error_has_header(r, "Allow"))
		(void)response_header_add(r, "Allow", "GET");
	(void)response_piece_own(r, body, n);
}

void
error_respond(struct response *r, enum error_code code, const char *message)
{
	const char *m = message != NULL ? message : error_table[code].message;

	error_respond_status(r, error_table[code].status, &m, 1);
}
