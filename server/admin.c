/*
 * admin.c - the control API.
 *
 * Its answers are small and rare next to the calls, so they are built with jansson for
 * clarity rather than by hand.
 */
#include "admin.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "isotime.h"
#include "log.h"

#ifndef GONGMOCK_VERSION
#define GONGMOCK_VERSION "0.1.0"
#endif

/* Sends a jansson object (taking it) as the 200 JSON body. */
static void
admin_send(struct response *r, unsigned status, json_t *obj)
{
	char *text = obj != NULL ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(obj);
	if (text == NULL) {
		error_respond(r, ERROR_INTERNAL, NULL);
		return;
	}
	r->status = status;
	r->source = "admin";
	if (response_header_add(r, "Content-Type", RESPONSE_JSON_TYPE) != 0 ||
	    response_piece_own(r, text, strlen(text)) != 0) {
		r->status = 0;
		error_respond(r, ERROR_INTERNAL, NULL);
	}
}

static json_t *
admin_date(int64_t us, size_t count)
{
	char buf[ISOTIME_TEXT_MAX + 1];

	if (count == 0 || isotime_format(us, buf, sizeof(buf)) == 0)
		return json_null();
	return json_string(buf);
}

static void
admin_health(struct store_slot *slot, int64_t started_us, struct response *r)
{
	unsigned ticket;
	const struct store *s = store_slot_acquire(slot, &ticket);
	size_t calls = store_count(s), workspaces = store_workspace_count(s);
	int64_t first, last;
	json_t *o;

	store_date_span(s, &first, &last);
	store_slot_release(slot, ticket);
	o = json_object();
	if (o == NULL) {
		error_respond(r, ERROR_INTERNAL, NULL);
		return;
	}
	json_object_set_new(o, "status", json_string("ok"));
	json_object_set_new(o, "calls", json_integer((json_int_t)calls));
	json_object_set_new(o, "workspaces", json_integer((json_int_t)workspaces));
	json_object_set_new(o, "firstCall", admin_date(first, calls));
	json_object_set_new(o, "lastCall", admin_date(last, calls));
	json_object_set_new(o, "uptimeSeconds",
			    json_integer((json_int_t)((log_now_us() - started_us) / 1000000)));
	json_object_set_new(o, "version", json_string(GONGMOCK_VERSION));
	admin_send(r, 200, o);
}

void
admin_handle(struct store_slot *slot, int64_t started_us, const struct request *req,
	     struct response *r)
{
	const char *sub = req->path + strlen(ADMIN_PREFIX);

	if (strcmp(sub, "/health") == 0) {
		if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
			error_respond(r, ERROR_METHOD, NULL);
			return;
		}
		admin_health(slot, started_us, r);
		return;
	}
	error_respond(r, ERROR_NOT_FOUND, NULL);
}
