/*
 * generate.h - `gongmock generate`: deterministic synthetic call data, for the built-in
 * fixtures and for benchmark datasets, and the company those calls belong to.
 *
 * The same options always give the same bytes. The data covers every enum value of the
 * contract, phone calls and web conferences, null optional fields, dates with offsets and
 * ids above 2^53.
 *
 * A dataset is one company: its workspaces, its users (every call's host is one of them, and
 * so is every internal participant, speaker and commenter), its customers and their contacts.
 * Each call comes in one of two shapes:
 *
 *   basic      the 20 fields of GET /v2/calls, one flat object per call;
 *   extensive  one element of the `calls` array of POST /v2/calls/extensive plus the call's
 *              transcript: {"metaData": {the basic call}, "context", "parties", "content",
 *              "interaction", "collaboration", "transcript"}. Every block is there, filled as
 *              if every exposed field had been asked for (`context` as with "Extended", both
 *              timings); `media` is not, since its links are made per request.
 *
 * In the extensive shape the calls are preceded by one company record, the first element of the
 * array (or the first line of JSON Lines): {"workspaces": [{"id", "name", "description"}],
 * "users": [...]}, the workspaces as GET /v2/workspaces lists them and the users as GET
 * /v2/users does (UserMetadata, keys in the contract's order), the company's users first and
 * then its avatars, which alone carry a last key "avatar": true. Every user and workspace id
 * the calls mention is in it. The basic shape has calls only.
 *
 * A call's metaData is byte for byte its basic object: the blocks come from a random stream
 * of their own, so asking for them changes nothing else. Within a call the blocks agree with
 * each other and with the transcript (speakers, talk times, question counts, tracker
 * occurrences, topics, structure and outline are all read off it); across calls a user, a
 * customer contact or a CRM object always has the same name, email and ids.
 */
#ifndef GONGMOCK_GENERATE_H
#define GONGMOCK_GENERATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The two shapes of a generated call (see above). */
enum generate_shape { GENERATE_SHAPE_EXTENSIVE = 0, GENERATE_SHAPE_BASIC = 1 };

struct generate_options {
	uint64_t seed;       /* default 1 */
	uint64_t calls;      /* default 400 */
	unsigned workspaces; /* default 3 */
	int64_t from_us;     /* default 2025-01-01T00:00:00Z */
	int64_t to_us;       /* default 2025-07-01T00:00:00Z (exclusive) */
	int jsonl;           /* 0: one JSON array; 1: JSON Lines */
	int shape;           /* enum generate_shape; default GENERATE_SHAPE_EXTENSIVE */
	int progress;        /* report progress on stderr */
};

/* Fills the defaults. */
void generate_defaults(struct generate_options *o);

/* Writes the dataset to out. Returns 0, or -1 on a write error (or bad options, EINVAL). */
int generate_write(const struct generate_options *o, FILE *out);

/*
 * Runs the subcommand: argv[0] is "generate". Flags: --seed N, --calls N, --workspaces N,
 * --from DATE, --to DATE, --format json|jsonl, --shape extensive|basic, --help. Writes to
 * stdout; progress on stderr when stderr is a terminal. Returns the process exit code (0, or
 * 2 for a bad flag, with the reason on stderr, or 1 for a write error).
 */
int generate_main(int argc, char **argv);

/* Room for an id of up to 20 digits and its NUL. */
#define GENERATE_ID_SIZE 21

/* Users per workspace: a company of W workspaces has 12 * W users. */
#define GENERATE_USERS_PER_WORKSPACE 12U

/*
 * One user of the company, with everything GET /v2/users tells of a user. Strings are UTF-8
 * and NUL-terminated; the const char * ones point to static tables, valid for the life of the
 * program. An empty string stands for an absent value (JSON null or an empty list).
 */
struct generate_user {
	char id[GENERATE_ID_SIZE];           /* 15 to 19 digits */
	char workspace_id[GENERATE_ID_SIZE]; /* the workspace the user belongs to */
	char manager_id[GENERATE_ID_SIZE];   /* "" for the head of the company */
	const char *first_name;
	const char *last_name;
	const char *title;
	char email[64];       /* first.last@gong.example (first.last2@ for a namesake), unique */
	char email_alias[64]; /* the one entry of emailAliases; "" for none (most users) */
	char phone[24];       /* "+1 415-555-0123" */
	char extension[8];    /* "" when none */
	char meeting_url[48]; /* the one personal meeting URL */
	char consent_url[96]; /* meetingConsentPageUrl */
	const char *language; /* the primary (and only) spoken language, BCP-47: "en-US" */
	int64_t created_us;   /* before the dataset's first call */
	int tz_min;           /* offset, in minutes east of UTC, the user's dates are written
	                       * with (the calls the user hosts carry it too); 0 writes `Z` */
	int active;           /* 0 for a few who have left */
	int avatar;           /* 1 for an avatar (see generate_avatars), 0 for the company's */
	/* settings {} of GET /v2/users */
	int web_conferences_recorded;
	int prevent_web_conference_recording;
	int telephony_calls_imported;
	int emails_imported;
	int prevent_email_import;
	int non_recorded_meetings_imported;
};

/*
 * Enumerates the company's users for the given options (only seed and workspaces matter;
 * from_us dates their creation). Writes up to `max` of them to out, workspace by workspace in
 * the order of generate_workspaces, and returns how many the company has, which may be more
 * than max: generate_users(o, NULL, 0) sizes the array. Every primaryUserId and every userId in
 * the calls written with the same options is one of these ids, each listed once; a userId
 * always has the same name, email and title wherever it appears. Returns 0 only for no
 * workspaces, more than 1000, or when memory runs out. Thread-safe: it keeps no state.
 */
size_t generate_users(const struct generate_options *o, struct generate_user *out, size_t max);

/* Avatars per dataset. */
#define GENERATE_AVATARS 2U

/*
 * Enumerates the dataset's avatars, the synthetic users that stand for the vendor's own staff
 * (a customer success manager and a support engineer, emails at gong.io): active, no manager,
 * no workspace ("" workspace_id), no phone or meeting URLs, avatar set. Their ids are none of
 * generate_users' and no call mentions them. Writes up to max, returns GENERATE_AVATARS (0
 * only for the cases where generate_users returns 0). Thread-safe.
 */
size_t generate_avatars(const struct generate_options *o, struct generate_user *out, size_t max);

/* One workspace of the company, as GET /v2/workspaces lists it. */
struct generate_workspace {
	char id[GENERATE_ID_SIZE]; /* 19 digits; every call's workspaceId is one of these */
	char name[48];
	char description[96];
};

/*
 * Enumerates the company's workspaces (o->workspaces of them, in the order the generator
 * draws them), as generate_users does its users: writes up to max, returns how many there are
 * (0 only for no workspaces, more than 1000, or out of memory). Thread-safe.
 */
size_t generate_workspaces(const struct generate_options *o, struct generate_workspace *out,
                           size_t max);

#endif
