/*
 * router.c - dispatching requests.
 *
 * /v2/calls answers GET (and HEAD, which libmicrohttpd sends without a body) after Gong's
 * credential check; any other method gets 405 with Allow: GET, because POST /v2/calls is
 * Gong's upload operation and must never be mistaken for a list. Paths are compared after
 * request_normalise, so `//v2/calls` and the absolute form reach the same handler.
 */
#include "router.h"

#include <string.h>

#include "admin.h"
#include "error.h"

void
router_handle(const struct request *req, struct response *r, void *cls)
{
	struct router *rt = cls;
	size_t plen = strlen(ADMIN_PREFIX);

	if (strcmp(req->path, "/v2/calls") == 0 || strcmp(req->path, "/v2/calls/") == 0) {
		if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
			error_respond(r, ERROR_METHOD, NULL);
			return;
		}
		switch (auth_check(rt->auth, request_header(req, "Authorization"), NULL)) {
		case AUTH_OK:
			break;
		case AUTH_NO_SCOPE:
			error_respond(r, ERROR_NO_SCOPE, NULL);
			return;
		default:
			error_respond(r, ERROR_UNAUTHORIZED, NULL);
			return;
		}
		calls_list(&rt->calls, req, r);
		return;
	}
	if (strncmp(req->path, ADMIN_PREFIX, plen) == 0 &&
	    (req->path[plen] == '/' || req->path[plen] == '\0')) {
		admin_handle(rt->slot, rt->started_us, req, r);
		return;
	}
	error_respond(r, ERROR_NOT_FOUND, NULL);
}
