/*
 * router.h - which handler answers a request: the Gong API under /v2/, the control API under
 * /__admin/, and Gong-shaped errors for everything else.
 *
 * The router also applies Gong's authentication to the API paths. It holds the server's
 * shared, read-only context; router_handle is safe from any thread.
 */
#ifndef GONGMOCK_ROUTER_H
#define GONGMOCK_ROUTER_H

#include <stdint.h>

#include "auth.h"
#include "calls.h"
#include "request.h"
#include "response.h"
#include "store.h"

struct router {
	struct calls_ctx calls;
	struct store_slot *slot;
	const struct auth *auth; /* NULL: any well-formed credential */
	int64_t started_us;
};

/* Answers req into r (an http_handler_fn; cls is the struct router). */
void router_handle(const struct request *req, struct response *r, void *cls);

#endif
