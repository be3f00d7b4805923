/*
 * company.h - the company the calls belong to: its users and workspaces, as GET /v2/users,
 * POST /v2/users/extensive, GET /v2/users/{id} and GET /v2/workspaces serve them.
 *
 * Fixture files give them in records of their own ({"users":[...]} and {"workspaces":[...]},
 * together or apart: a saved /v2/users or /v2/workspaces answer is such a record). Each user
 * and workspace is checked once and rendered once, compact, in the order its keys came; a
 * later one with an id seen before replaces the earlier. A user may carry "avatar": true,
 * gongmock's own mark for Gong's synthetic users (served only when includeAvatars asks, and
 * never with the mark). A company is built once, then read-only: safe from any thread.
 * Knows nothing of files, calls or HTTP.
 */
#ifndef GONGMOCK_COMPANY_H
#define GONGMOCK_COMPANY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jsonw.h"

struct company_user {
	uint64_t id_hi; /* the id as store_id_split gives it */
	uint64_t id_lo;
	int64_t created_us; /* `created`, or INT64_MIN when absent or null */
	const char *json;   /* the rendered object, without the avatar mark */
	uint32_t len;
	bool avatar;
};

struct company_workspace {
	char id[21];
	const char *json;
	uint32_t len;
};

/* What a load gathers; zero-initialise. */
struct company_set {
	struct jsonw text;
	struct company_user *users; /* json holds an offset into text while gathering */
	size_t nusers;
	size_t capusers;
	struct company_workspace *ws;
	size_t nws;
	size_t capws;
	bool given_users; /* the data held users (or workspaces) of its own */
	bool given_ws;
};

struct company;

/*
 * Reads a record holding "users" and/or "workspaces" arrays into cs. Returns 0, or -1 with
 * "users[INDEX].KEY: REASON" (or "out of memory") in err.
 */
int company_add_record(struct company_set *cs, const json_t *record, char *err, size_t errlen);

/* A user known only by id (the data gave none): every other field null. */
int company_add_bare_user(struct company_set *cs, uint64_t id_hi, uint64_t id_lo);

/* A workspace known only by id (the data gave none): name and description null. */
int company_add_bare_workspace(struct company_set *cs, const char *id);

/* Builds the company from cs (emptied); NULL when out of memory. */
struct company *company_build(struct company_set *cs);

void company_set_free(struct company_set *cs);
void company_free(struct company *c);

/* The users, sorted by id (as numbers); the workspaces, in the order they were first given. */
const struct company_user *company_users(const struct company *c, size_t *n);
const struct company_workspace *company_workspaces(const struct company *c, size_t *n);

/* The user with this id, or NULL. O(log n). */
const struct company_user *company_user(const struct company *c, uint64_t id_hi, uint64_t id_lo);

/* Whether the data gave users / workspaces of its own (else they were made from the calls). */
bool company_has_users(const struct company *c);
bool company_has_workspaces(const struct company *c);

/* Whether a workspace with this id is known. */
bool company_has_workspace(const struct company *c, const char *id);

#endif
