/*
 * callpost.h - the POST views of calls: POST /v2/calls/extensive and POST /v2/calls/transcript.
 *
 * Both read a JSON body (callsbody.h), walk the calls by start time in pages with the cursor
 * in the body, and answer Gong's envelope: `calls` of {"metaData", and the blocks asked for}
 * for the extensive view, `callTranscripts` of {"callId","transcript"} for transcripts. A
 * page is the envelope written per request and, per call, fragments rendered at load
 * (blocks.h); only media links are made per request. Like calls_list, a handler fills a
 * response and never touches a socket.
 *
 * What Gong lets through but a client should not send (a cursor in the query string of a POST,
 * which Gong does not read, so the walk starts over; unknown keys or query parameters; a
 * filter changed in the middle of a walk) is logged as a warning naming the mistake, or,
 * with ctx->strict, answered with a 400 saying so.
 */
#ifndef GONGMOCK_CALLPOST_H
#define GONGMOCK_CALLPOST_H

#include "calls.h"
#include "reqctx.h"
#include "response.h"

void callpost_extensive(const struct calls_ctx *ctx, struct reqctx *x, struct response *r);
void callpost_transcript(const struct calls_ctx *ctx, struct reqctx *x, struct response *r);

#endif
