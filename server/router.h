/*
 * router.h - which handler answers a request, and in what order the decisions are made.
 *
 * For the Gong API: the method, then Gong's authentication, then fault rules and the
 * `Prefer: code=NNN` header, then the rate limiter, then the normal answer. In proxy and
 * replay modes every request under /v2/ is answered by the upstream or the cassette instead,
 * with no credential check of ours (the upstream decides; a replay needs none), but still
 * behind the faults and the limiter. The control API
 * (everything under /__admin, and /metrics) goes to admin; everything else gets Gong's 404.
 * The router holds the server's shared context; router_handle is safe from any thread.
 */
#ifndef GONGMOCK_ROUTER_H
#define GONGMOCK_ROUTER_H

#include <stdint.h>

#include "admin.h"
#include "auth.h"
#include "calls.h"
#include "fault.h"
#include "proxy.h"
#include "ratelimit.h"
#include "recorder.h"
#include "replay.h"
#include "request.h"
#include "response.h"
#include "store.h"

struct router {
	struct calls_ctx calls;
	struct admin_ctx admin;
	const struct auth *auth; /* NULL: any well-formed credential */
	struct fault_set *faults;
	struct ratelimit *limiter; /* NULL: no rate limit */
	int limit_per_credential;  /* count each credential apart */
	struct proxy *proxy;       /* proxy mode: every /v2/ request goes upstream */
	struct recorder *recorder; /* with proxy: exchanges are recorded; the first
	                            * failure is logged, and stops the recording */
	struct replay *replay;     /* replay mode: every /v2/ request is answered from it */
	int match_credential;      /* replay tells credentials apart */
	unsigned miss_status;      /* replay: the status of an unrecorded request */
	int hybrid; /* with proxy or replay: the emulated operations are answered here */
};

/* Answers req into r (an http_handler_fn; cls is the struct router). */
void router_handle(const struct request *req, struct response *r, void *cls);

#endif
