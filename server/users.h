/*
 * users.h - the company's operations: GET /v2/users, GET /v2/users/{id},
 * POST /v2/users/extensive and GET /v2/workspaces, from the store's company (company.h).
 *
 * Users are served in id order, in pages of the calls' page size, with a signed cursor in the
 * query string (GET) or the JSON body (POST), as Gong's. Avatars (Gong's synthetic users) are
 * left out unless includeAvatars is true, or their ids are asked for. Like the calls handlers,
 * each fills a response and never touches a socket.
 */
#ifndef GONGMOCK_USERS_H
#define GONGMOCK_USERS_H

#include "calls.h"
#include "reqctx.h"
#include "response.h"

void users_list(const struct calls_ctx *ctx, struct reqctx *x, struct response *r);
void users_get(const struct calls_ctx *ctx, const char *id, struct response *r);
void users_extensive(const struct calls_ctx *ctx, struct reqctx *x, struct response *r);
void users_workspaces(const struct calls_ctx *ctx, struct response *r);

#endif
