/*
 * stores.h - what the unit tests that load calls into a store share (those of store, reader,
 * callrec and generate): text that must load or must fail to, a store's calls in order and its
 * text as one string, a call's id and its rendered JSON. Everything fails the test through
 * check.
 */
#ifndef GONGMOCK_STORES_H
#define GONGMOCK_STORES_H

#include <stdint.h>

#include "store.h"

#define S0 "\"started\":\"2025-01-01T00:00:00Z\""
#define URL "https://us-49467.app.gong.io/call?id="

/* Nulls for the contract keys after `started`, up to and with calendarEventId. */
#define TAIL_NULLS                                                                                 \
	"\"duration\":null,\"primaryUserId\":null,\"direction\":null,\"system\":null,"             \
	"\"scope\":null,\"media\":null,\"language\":null,\"workspaceId\":null,"                    \
	"\"sdrDisposition\":null,\"clientUniqueId\":null,\"customData\":null,\"purpose\":null,"    \
	"\"meetingUrl\":null,\"isPrivate\":null,\"calendarEventId\":null"

/* Loads text as the file "calls.json"; the load must succeed. The caller frees the store. */
struct store *stores_load(const char *text);

/* Loads text as the file `name`; the load must fail. Returns the message (valid until the
 * next call). */
const char *stores_load_error(const char *name, const char *text);

/* Every call, in the store's order, *n of them; the caller frees the array. */
const struct store_call **stores_all(const struct store *s, size_t *n);

/* The store's calls, rendered, one after the other: its text as one string (the caller frees
 * it). */
char *stores_text(const struct store *s);

/* The one call of a store holding one call. */
const struct store_call *stores_only(const struct store *s);

/* A call's id as digits (valid until eight more calls). */
const char *stores_id(const struct store_call *c);

/* Fails unless the call's rendered JSON is exactly `expected`. */
void stores_assert_json(const struct store_call *c, const char *expected);

/* An ISO-8601 date-time with an offset, in microseconds. */
int64_t stores_at(const char *iso);

#endif
