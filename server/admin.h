/*
 * admin.h - the control API: GET /__admin/health, the fault rules (/__admin/faults), a reset
 * for test suites (/__admin/reset), the request journal (/__admin/requests) and GET /metrics.
 *
 * JSON in and out. It never takes part in Gong's authentication: it answers only to loopback
 * clients, or, with an admin token, only to requests carrying `Authorization: Bearer TOKEN`;
 * /__admin/health answers everyone (load balancers probe it). Safe from any thread: the
 * objects it drives have their own locks.
 */
#ifndef GONGMOCK_ADMIN_H
#define GONGMOCK_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "cassette.h"
#include "fault.h"
#include "journal.h"
#include "ratelimit.h"
#include "recorder.h"
#include "request.h"
#include "response.h"
#include "store.h"

#define ADMIN_PREFIX "/__admin"
#define ADMIN_METRICS "/metrics"

struct admin_ctx {
	struct store_slot *slot;
	int64_t started_us;
	struct fault_set *faults;
	struct ratelimit *limiter; /* NULL when off */
	struct journal *journal;
	const char *token;               /* NULL: loopback clients only */
	const char *mode;                /* "mock", "proxy" or "replay" */
	int dataset;                     /* requests are answered from the dataset (mock mode) */
	const char *fixtures;            /* its --fixtures path; NULL: built-in */
	const char *upstream;            /* proxy mode: the upstream's URL, as it may be shown */
	const struct cassette *cassette; /* replay mode: the recording served */
	const char *cassette_path;       /* and its file */
	struct recorder *recorder;       /* proxy mode with --record (NULL: none) */
	const char *scenario;            /* the --scenario file (NULL: none) */
	size_t scenario_rules;           /* the rules it held at start-up */
	/* Rewinds anything else a reset must rewind (NULL: nothing). */
	void (*on_reset)(void *cls);
	void *on_reset_cls;
};

/*
 * Answers a request whose path is under ADMIN_PREFIX or is ADMIN_METRICS:
 *   GET /__admin/health     200 {"status":"ok","mode":M,"calls":N,"workspaces":W,
 *                           "firstCall":…,"lastCall":…,"uptimeSeconds":S,"version":V},
 *                           then what the mode serves from: when the dataset answers
 *                           (`dataset`), "fixtures":PATH or "built-in"; in proxy mode
 *                           "upstream":URL and, when recording, "recording":{"path":P,
 *                           "recorded":N,"failed":F,"stopped":B,"lastError":null or the
 *                           reason recording stopped}; in replay mode "cassette":{"path":P,
 *                           "exchanges":N} (and "exchanges":N after "mode"); with a
 *                           scenario, "scenario":{"path":P,"rules":N}, N the rules it held
 *                           at start-up. calls, workspaces, firstCall and lastCall describe
 *                           the dataset when it answers requests, and are null otherwise
 *                           (proxy and replay modes).
 *   GET /__admin/faults     the rules with their counters
 *   POST /__admin/faults    one rule or {"rules":[…]}: 201 {"ids":[…]}; 400 names the field
 *   DELETE /__admin/faults  removes all: 200 {"ids":[…],"names":[…]}, the rules removed;
 *                           DELETE /__admin/faults/ID removes one, the same answer (404 if
 *                           none)
 *   POST /__admin/reset     zeroes counters, rule progress, rate-limit buckets, the journal
 *   GET /__admin/requests?limit=N   the newest requests first
 *   GET /metrics            Prometheus text; when recording, with
 *                           gongmock_recorded_exchanges_total and
 *                           gongmock_record_failures_total
 * 403 for a client the access rule refuses, saying how to be let in (--admin-token and the
 * header to send; never the token), 404 for other paths, 405 for other methods.
 */
void admin_handle(const struct admin_ctx *ctx, const struct request *req, struct response *r);

/* True when the path belongs to the control API (never matched by fault rules). */
int admin_owns(const char *path);

#endif
