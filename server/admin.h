/*
 * admin.h - the control API under /__admin/: health now, and what the server reports about
 * itself. Answers JSON; never takes part in Gong's authentication.
 */
#ifndef GONGMOCK_ADMIN_H
#define GONGMOCK_ADMIN_H

#include <stdint.h>

#include "request.h"
#include "response.h"
#include "store.h"

#define ADMIN_PREFIX "/__admin"

/*
 * GET /__admin/health: 200 {"status":"ok","calls":N,"workspaces":W,"firstCall":DATE,
 * "lastCall":DATE,"uptimeSeconds":S,"version":V}. Other admin paths: Gong-shaped 404, and 405
 * for a method a path does not take.
 */
void admin_handle(struct store_slot *slot, int64_t started_us, const struct request *req,
		  struct response *r);

#endif
