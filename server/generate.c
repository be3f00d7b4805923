/*
 * generate.c - `gongmock generate`: a deterministic synthetic dataset of calls.
 *
 * Every call is drawn from its own pseudo-random stream, seeded from the dataset seed and the
 * call's number, so a call's content does not depend on any other call and the same options
 * always give the same bytes on every platform (splitmix64, integers and IEEE doubles; the C
 * library's rand() and locale never take part). The calls are written in the order Gong
 * serves them, ascending by (date, id), with the keys in the contract's order.
 *
 * What it makes: web conferences (meetingUrl set, scheduled on a quarter hour, started a few
 * minutes later), ad-hoc meetings (meetingUrl set, never scheduled) and phone calls (no
 * meetingUrl, sometimes scheduled); every value of direction, scope, media and language, the
 * usual conferencing and telephony systems, optional fields that are mostly null, titles with
 * quotes and non-ASCII letters, dates written in UTC (`Z`) or with the host's offset, and ids
 * of 18 and 19 digits, all of them above 2^53. It does not read anything and knows nothing of
 * the store or of HTTP.
 */
#include "generate.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flags.h"
#include "isotime.h"
#include "jsonw.h"
#include "rng.h"

#define GENERATE_MAX_CALLS 1000000000ULL
#define GENERATE_MAX_WORKSPACES 1000U
#define GENERATE_USERS_PER_WORKSPACE 12U
#define GENERATE_OUT_CHUNK (1U << 20)
#define US_PER_S 1000000LL
#define US_PER_MIN (60 * US_PER_S)

/* 10^17: ids are a leading part times this plus a unique 17-digit part. */
#define ID_LOW_MOD 100000000000000000ULL

/* The tables below are what the data is made of. */
struct weighted {
	const char *value;
	unsigned weight;
};

static const struct weighted LANGUAGES[] = {
    {"eng", 76}, {"fre", 5}, {"spa", 5}, {"ger", 4}, {"ita", 3}, {"und", 4}, {"zxx", 3},
};

/* Conferencing systems and the shape of their meeting links. */
enum conf_kind { CONF_ZOOM, CONF_MEET, CONF_TEAMS, CONF_WEBEX, CONF_COUNT };
static const char *const CONF_SYSTEMS[CONF_COUNT] = {"Zoom", "Google Meet", "Microsoft Teams",
                                                     "WebEx"};
static const unsigned CONF_WEIGHTS[CONF_COUNT] = {45, 25, 20, 10};

static const struct weighted PHONE_SYSTEMS[] = {
    {"Outreach", 30}, {"Aircall", 20},   {"RingCentral", 15}, {"ShoreTel", 10},
    {"Dialpad", 10},  {"Salesloft", 10}, {"Five9", 5},
};

static const char *const CUSTOMERS[] = {
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Industries",
    "Wayne Enterprises",
    "Hooli",
    "Vandelay Industries",
    "Soylent",
    "Nakatomi Trading",
    "Société Générale",
    "Müller GmbH",
    "Zürich Re",
    "Björk & Sønner",
    "O'Reilly Auto",
    "東京電機",
    "Cyberdyne Systems",
    "Tyrell Corp",
    "Massive Dynamic",
    "Dunder Mifflin",
};

static const char *const EXTERNAL_KINDS[] = {
    "Discovery Call", "Demo",        "Technical Deep Dive", "Pricing Review",
    "Kickoff",        "QBR",         "Renewal Discussion",  "Security Review",
    "Intro Call",     "Negotiation",
};

static const char *const INTERNAL_TITLES[] = {
    "Weekly Pipeline Review",       "Forecast Call", "Team Standup",
    "Sales Enablement: Objections", "Deal Desk",     "All Hands",
};

static const char *const FIRST_NAMES[] = {
    "Dana",  "Sam",  "José", "Zoë",    "Łukasz", "François", "Priya",    "Kenji",
    "Amara", "Liam", "Noor", "Ingrid", "Mateo",  "Aiko",     "Olusegun", "Hannah",
};

static const char *const LAST_NAMES[] = {
    "Smith",  "García",  "Nguyen", "Okafor", "Müller",    "Rossi", "Kowalski",
    "Tanaka", "O'Brien", "Dubois", "Patel",  "Johansson", "Silva", "Cohen",
};

static const char *const DISPOSITIONS[] = {
    "Got the gatekeeper", "Left voicemail", "Connected",    "No answer",
    "Meeting booked",     "Not interested", "Wrong number",
};

static const char *const PURPOSES[] = {"Demo Call",  "Discovery", "Negotiation",
                                       "Onboarding", "QBR",       "Follow-up"};

static const char *const CUSTOM_DATA[] = {"Conference Call", "campaign=Q2-outbound",
                                          "crm=salesforce;stage=Proposal"};

/* Offsets, in minutes east of UTC, that some hosts write their dates with; others write `Z`. */
static const int TZ_OFFSETS[] = {-420, -300, -240, 60, 120, 330, 540};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A number in [0, n) from the call's stream. Plain modulo rather than rng_below: the bias is
 * far below anything this data could show, and changing how a number is drawn would change
 * every dataset a seed has ever produced.
 */
static uint64_t
draw_below(uint64_t *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

static int
draw_percent(uint64_t *r, unsigned pct)
{
	return draw_below(r, 100) < pct;
}

static const char *
draw_weighted(uint64_t *r, const struct weighted *w, size_t n)
{
	unsigned total = 0;
	for (size_t i = 0; i < n; i++)
		total += w[i].weight;
	unsigned x = (unsigned)draw_below(r, total);
	for (size_t i = 0; i < n; i++) {
		if (x < w[i].weight)
			return w[i].value;
		x -= w[i].weight;
	}
	return w[n - 1].value;
}

#define PICK(r, a) ((a)[draw_below((r), COUNT(a))])

/* (a * b) mod m without overflow, for m < 2^63. */
static uint64_t
mulmod(uint64_t a, uint64_t b, uint64_t m)
{
	uint64_t res = 0;
	a %= m;
	while (b) {
		if (b & 1)
			res = (res + a) % m;
		a = (a * 2) % m;
		b >>= 1;
	}
	return res;
}

/* What the whole dataset shares: workspaces, their users, and the id permutation. */
struct user {
	char id[20]; /* 15 to 19 digits */
	int tz_min;
};

struct workspace {
	char id[20]; /* 19 digits */
	struct user users[GENERATE_USERS_PER_WORKSPACE];
};

struct dataset {
	const struct generate_options *o;
	struct workspace *ws;
	uint64_t id_mul; /* odd, not a multiple of 5: i -> i * id_mul + id_add is a bijection */
	uint64_t id_add;
};

/* Writes `digits` random decimal digits, the first one not zero. */
static void
random_digits(uint64_t *r, char *out, unsigned digits)
{
	out[0] = (char)('1' + draw_below(r, 9));
	for (unsigned i = 1; i < digits; i++)
		out[i] = (char)('0' + draw_below(r, 10));
	out[digits] = '\0';
}

static int
dataset_init(struct dataset *d, const struct generate_options *o)
{
	uint64_t r = rng_mix(o->seed ^ 0x6a09e667f3bcc908ULL);
	d->o = o;
	d->ws = calloc(o->workspaces ? o->workspaces : 1, sizeof(*d->ws));
	if (!d->ws)
		return -1;
	for (unsigned w = 0; w < o->workspaces; w++) {
		struct workspace *ws = &d->ws[w];
		int dup;
		do {
			random_digits(&r, ws->id, 19);
			dup = 0;
			for (unsigned k = 0; k < w; k++)
				dup |= strcmp(d->ws[k].id, ws->id) == 0;
		} while (dup);
		for (unsigned u = 0; u < GENERATE_USERS_PER_WORKSPACE; u++) {
			random_digits(&r, ws->users[u].id, 15 + (unsigned)draw_below(&r, 5));
			ws->users[u].tz_min = draw_percent(&r, 60) ? 0 : PICK(&r, TZ_OFFSETS);
		}
	}
	d->id_mul = (rng_next(&r) % ID_LOW_MOD) | 1;
	if (d->id_mul % 5 == 0)
		d->id_mul += 2;
	d->id_add = rng_next(&r) % ID_LOW_MOD;
	return 0;
}

/* One call, as the generator decides it; strings point into the tables, the dataset or here. */
struct gcall {
	uint64_t id;
	int64_t date_us; /* the filtering date */
	int64_t scheduled_us;
	int64_t started_us;
	int has_scheduled;
	int tz_min;
	int64_t duration;
	const char *user;
	const char *direction;
	const char *system;
	const char *scope;
	const char *media;
	const char *language;
	const char *workspace;
	const char *sdr;
	const char *custom;
	const char *purpose;
	int is_private;
	/* Composed strings; empty means null. */
	char title[160];
	char client_id[24];
	char meeting_url[128];
	char calendar_id[64];
};

static void
random_alnum(uint64_t *r, char *out, size_t n, const char *alphabet)
{
	size_t k = strlen(alphabet);
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[draw_below(r, k)];
	out[n] = '\0';
}

static const char LOWER_ALNUM[] = "abcdefghijklmnopqrstuvwxyz0123456789";
static const char UPPER_ALNUM[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
static const char LOWER[] = "abcdefghijklmnopqrstuvwxyz";
static const char HEX[] = "0123456789abcdef";

static void
make_meeting_url(uint64_t *r, enum conf_kind kind, char *out, size_t len)
{
	char a[40];
	switch (kind) {
	case CONF_ZOOM:
		random_digits(r, a, 10);
		snprintf(out, len, "https://zoom.us/j/9%s", a);
		break;
	case CONF_MEET:
		random_alnum(r, a, 12, LOWER);
		a[3] = a[8] = '-';
		snprintf(out, len, "https://meet.google.com/%s", a);
		break;
	case CONF_TEAMS:
		random_alnum(r, a, 24, LOWER_ALNUM);
		snprintf(
		    out, len,
		    "https://teams.microsoft.com/l/meetup-join/19%%3ameeting_%s%%40thread.v2/0", a);
		break;
	default:
		random_alnum(r, a, 32, HEX);
		snprintf(out, len, "https://gong.webex.com/gong/j.php?MTID=m%s", a);
		break;
	}
}

/*
 * Decides call number i of the dataset; the same (seed, i, options) always give the same call.
 * It is long on purpose: each field is one draw in a fixed order, and that order is what keeps
 * every dataset a seed has ever produced the same, so the draws stay together where their
 * order can be read at a glance.
 */
static void
gcall_make(const struct dataset *d, uint64_t i, struct gcall *c)
{
	const struct generate_options *o = d->o;
	uint64_t r = rng_mix(o->seed * 0x9e3779b97f4a7c15ULL + rng_mix(i + 1));

	/* The id: a leading part (3-7 then one more digit for 19 digits, 1-9 for 18) times 10^17
	 * plus a 17-digit part that is a bijection of i, so ids never collide. */
	uint64_t low = (mulmod(i, d->id_mul, ID_LOW_MOD) + d->id_add) % ID_LOW_MOD;
	uint64_t lead = draw_percent(&r, 85) ? 30 + draw_below(&r, 50) : 1 + draw_below(&r, 9);
	c->id = lead * ID_LOW_MOD + low;

	/* Dates are spread evenly: call i falls in the i-th of `calls` equal slices of the span. */
	double span = (double)(o->to_us - o->from_us);
	double u = rng_unit(&r);
	int64_t x = o->from_us + (int64_t)(span * ((double)i + u) / (double)o->calls);
	if (x >= o->to_us)
		x = o->to_us - 1;
	int64_t whole = x - x % US_PER_S;
	if (whole >= o->from_us)
		x = whole;

	const struct workspace *ws = &d->ws[draw_below(&r, o->workspaces)];
	const struct user *host = &ws->users[draw_below(&r, GENERATE_USERS_PER_WORKSPACE)];
	c->workspace = ws->id;
	c->user = host->id;
	c->tz_min = host->tz_min;

	const char *customer = PICK(&r, CUSTOMERS);
	const char *first = PICK(&r, FIRST_NAMES);
	const char *last = PICK(&r, LAST_NAMES);
	unsigned kind = (unsigned)draw_below(&r, 100);
	c->sdr = c->custom = c->purpose = NULL;
	c->client_id[0] = c->meeting_url[0] = c->calendar_id[0] = '\0';
	c->is_private = draw_percent(&r, 8);
	c->language = draw_weighted(&r, LANGUAGES, COUNT(LANGUAGES));

	if (kind < 60) {
		/* A conference: scheduled (on a quarter hour when that stays in range) or, about
		 * one time in twelve, an ad-hoc meeting that never was. */
		enum conf_kind ck = CONF_COUNT - 1;
		unsigned pick = (unsigned)draw_below(&r, 100);
		for (unsigned k = 0; k < CONF_COUNT; k++) {
			if (pick < CONF_WEIGHTS[k]) {
				ck = (enum conf_kind)k;
				break;
			}
			pick -= CONF_WEIGHTS[k];
		}
		c->system = CONF_SYSTEMS[ck];
		make_meeting_url(&r, ck, c->meeting_url, sizeof(c->meeting_url));
		c->media = draw_percent(&r, 88) ? "Video" : "Audio";
		c->direction = draw_percent(&r, 94) ? "Conference" : "Unknown";
		int internal = draw_percent(&r, 28);
		c->scope = internal ? "Internal" : draw_percent(&r, 94) ? "External" : "Unknown";
		if (internal) {
			if (draw_percent(&r, 30))
				snprintf(c->title, sizeof(c->title), "1:1 %s / %s", first,
				         PICK(&r, FIRST_NAMES));
			else if (draw_percent(&r, 20))
				snprintf(c->title, sizeof(c->title), "Deal Review: %s", customer);
			else
				snprintf(c->title, sizeof(c->title), "%s",
				         PICK(&r, INTERNAL_TITLES));
		} else if (draw_percent(&r, 6)) {
			snprintf(c->title, sizeof(c->title), "%s - \"Quick Sync\"", customer);
		} else {
			snprintf(c->title, sizeof(c->title), "%s <> Gong - %s", customer,
			         PICK(&r, EXTERNAL_KINDS));
		}
		c->has_scheduled = !draw_percent(&r, 8);
		if (c->has_scheduled) {
			int64_t q = x - x % (15 * US_PER_MIN);
			c->scheduled_us = q >= o->from_us ? q : x;
			c->started_us = c->scheduled_us + (int64_t)draw_below(&r, 9) * US_PER_MIN +
			                (int64_t)draw_below(&r, 60) * US_PER_S;
			c->date_us = c->scheduled_us;
			if (draw_percent(&r, 60)) {
				char a[40];
				if (draw_percent(&r, 60)) {
					random_alnum(&r, a, 26, LOWER_ALNUM);
					snprintf(c->calendar_id, sizeof(c->calendar_id),
					         "%s@google.com", a);
				} else {
					random_alnum(&r, a, 36, UPPER_ALNUM);
					snprintf(c->calendar_id, sizeof(c->calendar_id),
					         "AAMkAG%s=", a);
				}
			}
		} else {
			c->started_us = c->date_us = x;
		}
		c->duration = 600 + (int64_t)draw_below(&r, 3000);
		if (draw_percent(&r, 20))
			c->purpose = PICK(&r, PURPOSES);
	} else {
		/* A phone call: its date is when it started, scheduled or not. */
		c->system = draw_weighted(&r, PHONE_SYSTEMS, COUNT(PHONE_SYSTEMS));
		c->media = "Audio";
		unsigned dir = (unsigned)draw_below(&r, 100);
		c->direction = dir < 58 ? "Outbound" : dir < 95 ? "Inbound" : "Unknown";
		c->scope = draw_percent(&r, 90)   ? "External"
		           : draw_percent(&r, 50) ? "Internal"
		                                  : "Unknown";
		if (c->direction[0] == 'O')
			snprintf(c->title, sizeof(c->title), "Outbound call to %s %s (%s)", first,
			         last, customer);
		else if (c->direction[0] == 'I')
			snprintf(c->title, sizeof(c->title), "Inbound call from %s %s", first,
			         last);
		else
			snprintf(c->title, sizeof(c->title), "Call with %s %s", first, last);
		c->started_us = c->date_us = x;
		c->has_scheduled = draw_percent(&r, 25);
		if (c->has_scheduled) {
			int64_t q = x - x % (15 * US_PER_MIN);
			c->scheduled_us = q - (int64_t)draw_below(&r, 2) * 15 * US_PER_MIN;
		}
		c->duration = 15 + (int64_t)draw_below(&r, 1800);
		if (c->direction[0] == 'O' && draw_percent(&r, 70))
			c->sdr = PICK(&r, DISPOSITIONS);
		if (draw_percent(&r, 65))
			random_alnum(&r, c->client_id, 19, UPPER_ALNUM);
		if (draw_percent(&r, 10))
			c->custom = PICK(&r, CUSTOM_DATA);
		if (draw_percent(&r, 10))
			c->purpose = PICK(&r, PURPOSES);
	}
	/* Nothing worth hearing in a few seconds: short calls are the ones without speech. */
	if (strcmp(c->language, "zxx") == 0)
		c->duration = 5 + (int64_t)draw_below(&r, 40);
}

/* A key and its string value; an empty string is written as null. */
static void
out_key_string(struct jsonw *b, const char *key, const char *s)
{
	jsonw_str(b, key);
	if (s && *s)
		jsonw_string(b, s, strlen(s), 0);
	else
		JSONW_LIT(b, "null");
}

/* `"YYYY-MM-DDTHH:MM:SS` plus `Z` or the host's offset. */
static void
out_date(struct jsonw *b, int64_t us, int tz_min)
{
	char text[ISOTIME_TEXT_MAX + 8];
	size_t n = isotime_format(us + (int64_t)tz_min * US_PER_MIN, text, sizeof(text));
	if (n == 0) {
		b->failed = 1;
		errno = ERANGE;
		return;
	}
	if (tz_min != 0) {
		int m = tz_min < 0 ? -tz_min : tz_min;
		n--; /* drop the Z */
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%c%02d:%02d",
		                      tz_min < 0 ? '-' : '+', m / 60, m % 60);
	}
	jsonw_char(b, '"');
	jsonw_mem(b, text, n);
	jsonw_char(b, '"');
}

/* One call's compact JSON, keys in the contract's order. */
static void
gcall_render(const struct gcall *c, struct jsonw *b)
{
	char id[24];
	snprintf(id, sizeof(id), "%llu", (unsigned long long)c->id);
	jsonw_str(b, "{\"id\":\"");
	jsonw_str(b, id);
	jsonw_str(b, "\",\"url\":\"https://us-49467.app.gong.io/call?id=");
	jsonw_str(b, id);
	out_key_string(b, "\",\"title\":", c->title);
	jsonw_str(b, ",\"scheduled\":");
	if (c->has_scheduled)
		out_date(b, c->scheduled_us, c->tz_min);
	else
		jsonw_str(b, "null");
	jsonw_str(b, ",\"started\":");
	out_date(b, c->started_us, c->tz_min);
	jsonw_str(b, ",\"duration\":");
	jsonw_uint(b, (uint64_t)c->duration);
	out_key_string(b, ",\"primaryUserId\":", c->user);
	out_key_string(b, ",\"direction\":", c->direction);
	out_key_string(b, ",\"system\":", c->system);
	out_key_string(b, ",\"scope\":", c->scope);
	out_key_string(b, ",\"media\":", c->media);
	out_key_string(b, ",\"language\":", c->language);
	out_key_string(b, ",\"workspaceId\":", c->workspace);
	out_key_string(b, ",\"sdrDisposition\":", c->sdr);
	out_key_string(b, ",\"clientUniqueId\":", c->client_id);
	out_key_string(b, ",\"customData\":", c->custom);
	out_key_string(b, ",\"purpose\":", c->purpose);
	out_key_string(b, ",\"meetingUrl\":", c->meeting_url);
	jsonw_str(b, c->is_private ? ",\"isPrivate\":true" : ",\"isPrivate\":false");
	out_key_string(b, ",\"calendarEventId\":", c->calendar_id);
	jsonw_str(b, "}");
}

/* The order calls are written in: by filtering date, then id, as Gong serves them. */
struct gkey {
	int64_t date_us;
	uint64_t id;
	uint64_t index;
};

static int
gkey_cmp(const void *pa, const void *pb)
{
	const struct gkey *a = pa, *b = pb;
	if (a->date_us != b->date_us)
		return a->date_us < b->date_us ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

void
generate_defaults(struct generate_options *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->calls = 400;
	o->workspaces = 3;
	/* 2025-01-01T00:00:00Z and 2025-07-01T00:00:00Z */
	o->from_us = isotime_days_from_civil(2025, 1, 1) * 86400 * US_PER_S;
	o->to_us = isotime_days_from_civil(2025, 7, 1) * 86400 * US_PER_S;
}

int
generate_write(const struct generate_options *o, FILE *out)
{
	struct dataset d = {0};
	struct gkey *keys = NULL;
	struct jsonw b = {0};
	struct gcall c;
	int rc = -1;
	int progress = o->progress && isatty(STDERR_FILENO);

	if (o->workspaces == 0 || o->from_us >= o->to_us || o->calls > GENERATE_MAX_CALLS ||
	    o->calls > SIZE_MAX / sizeof(*keys)) {
		errno = EINVAL;
		return -1;
	}
	if (dataset_init(&d, o) < 0)
		goto out;
	if (o->calls) {
		keys = malloc((size_t)o->calls * sizeof(*keys));
		if (!keys)
			goto out;
	}
	for (uint64_t i = 0; i < o->calls; i++) {
		gcall_make(&d, i, &c);
		keys[i].date_us = c.date_us;
		keys[i].id = c.id;
		keys[i].index = i;
	}
	if (o->calls)
		qsort(keys, (size_t)o->calls, sizeof(*keys), gkey_cmp);

	jsonw_str(&b, o->jsonl ? "" : o->calls ? "[\n" : "[]\n");
	uint64_t step = o->calls / 100 ? o->calls / 100 : 1;
	for (uint64_t i = 0; i < o->calls; i++) {
		gcall_make(&d, keys[i].index, &c);
		gcall_render(&c, &b);
		jsonw_str(&b, o->jsonl || i + 1 == o->calls ? "\n" : ",\n");
		if (b.failed)
			goto out;
		if (b.len >= GENERATE_OUT_CHUNK) {
			if (fwrite(b.p, 1, b.len, out) != b.len)
				goto out;
			b.len = 0;
		}
		if (progress && (i + 1) % step == 0)
			fprintf(stderr, "\rgenerate: %3u%%", (unsigned)((i + 1) * 100 / o->calls));
	}
	if (!o->jsonl && o->calls)
		jsonw_str(&b, "]\n");
	if (b.failed)
		goto out;
	if (b.len && fwrite(b.p, 1, b.len, out) != b.len)
		goto out;
	if (fflush(out) != 0)
		goto out;
	rc = 0;
out:
	if (progress && o->calls)
		fputc('\n', stderr);
	jsonw_free(&b);
	free(keys);
	free(d.ws);
	return rc;
}

/* An ISO-8601 date-time, or a bare date meaning its midnight UTC. */
static int
parse_date(const char *s, int64_t *out)
{
	size_t n = strlen(s);
	if (isotime_parse(s, n, ISOTIME_LENIENT, out) == 0)
		return 0;
	if (n == 10) {
		char full[32];
		snprintf(full, sizeof(full), "%sT00:00:00Z", s);
		return isotime_parse(full, strlen(full), ISOTIME_LENIENT, out);
	}
	return -1;
}

/* --from and --to. Dates must be printable with any host offset, so a day is kept clear of
 * both ends of years 1 to 9999. */
static int
generate_flag_date(const char *v, void *field, char *why, size_t whylen)
{
	int64_t min_us = isotime_days_from_civil(1, 1, 2) * 86400 * US_PER_S;
	int64_t max_us = isotime_days_from_civil(9999, 12, 30) * 86400 * US_PER_S;
	int64_t t;

	if (parse_date(v, &t) < 0 || t < min_us || t > max_us) {
		snprintf(why, whylen,
		         "must be an ISO-8601 date-time between years 1 and 9999, not '%s'", v);
		return -1;
	}
	*(int64_t *)field = t;
	return 0;
}

static const struct flags_word generate_formats[] = {{"json", 0}, {"jsonl", 1}, {NULL, 0}};

#define GENERATE_AT(member) FLAGS_AT(struct generate_options, member)

/* Every flag of `gongmock generate`, in the order of the usage text. */
static const struct flags_spec generate_spec[] = {
    {.name = "--seed",
     .arg = "N",
     .help = "seed of the generator (default 1)",
     .kind = FLAGS_UINT64,
     GENERATE_AT(seed),
     .bad = "must be a whole number, not '%v'"},
    {.name = "--calls",
     .arg = "N",
     .help = "number of calls, 0 to 1000000000 (default 400)",
     .kind = FLAGS_UNSIGNED,
     .min = 0,
     .max = GENERATE_MAX_CALLS,
     GENERATE_AT(calls),
     .bad = "must be a whole number from %< to %>, not '%v'"},
    {.name = "--workspaces",
     .arg = "N",
     .help = "number of workspaces, 1 to 1000 (default 3)",
     .kind = FLAGS_UNSIGNED,
     .min = 1,
     .max = GENERATE_MAX_WORKSPACES,
     GENERATE_AT(workspaces),
     .bad = "must be a whole number from %< to %>, not '%v'"},
    {.name = "--from",
     .arg = "DATE",
     .help = "calls on or after DATE (default 2025-01-01T00:00:00Z)",
     .kind = FLAGS_CUSTOM,
     GENERATE_AT(from_us),
     .check = generate_flag_date},
    {.name = "--to",
     .arg = "DATE",
     .help = "calls before DATE (default 2025-07-01T00:00:00Z)",
     .kind = FLAGS_CUSTOM,
     GENERATE_AT(to_us),
     .check = generate_flag_date},
    {.name = "--format",
     .arg = "FORMAT",
     .help = "json: one array, a call per line (default);\n"
             "jsonl: JSON Lines, one call per line",
     .kind = FLAGS_ENUM,
     .words = generate_formats,
     GENERATE_AT(jsonl),
     .bad = "must be %w, not '%v'"},
    {.name = "--help", .alias = "-h", .help = "show this text", .kind = FLAGS_HELP},
};

static const struct flags_table generate_flags = {
    .spec = generate_spec,
    .nspec = COUNT(generate_spec),
    .column = 20,
    .unexpected = "unexpected argument: %a",
    .unknown = "unknown flag: %a",
    .no_value = "%n needs a value",
};

static void
usage(FILE *f)
{
	fputs("usage: gongmock generate [--seed N] [--calls N] [--workspaces N]\n"
	      "                         [--from DATE] [--to DATE] [--format json|jsonl]\n"
	      "\n"
	      "Writes a synthetic dataset of calls to stdout, sorted by date then id. The same\n"
	      "options always give the same bytes.\n"
	      "\n",
	      f);
	flags_usage(&generate_flags, f);
	fputs("\n"
	      "DATE is ISO-8601: 2025-01-01, 2025-01-01T09:30:00Z, 2025-01-01T09:30:00-07:00.\n"
	      "A date without an offset is UTC.\n",
	      f);
}

/* Says what is wrong with the command line; returns the exit code for it. */
__attribute__((format(printf, 1, 2))) static int
bad(const char *fmt, ...)
{
	va_list ap;
	fputs("generate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\ntry 'gongmock generate --help'\n", stderr);
	return 2;
}

int
generate_main(int argc, char **argv)
{
	struct generate_options o;
	generate_defaults(&o);
	o.progress = 1;

	/* A message quotes one argument at most: room for the longest, whole. */
	size_t errlen = 256;
	for (int i = 1; i < argc; i++)
		if (strlen(argv[i]) + 256 > errlen)
			errlen = strlen(argv[i]) + 256;
	char *err = malloc(errlen);
	if (err == NULL) {
		fputs("generate: out of memory\n", stderr);
		return 1;
	}
	enum flags_result r = flags_parse(&generate_flags, &o, argc, argv, err, errlen);
	if (r == FLAGS_ASK_HELP)
		usage(stdout);
	else if (r != FLAGS_OK)
		(void)bad("%s", err);
	free(err);
	if (r != FLAGS_OK)
		return r == FLAGS_ASK_HELP ? 0 : 2;
	if (o.from_us >= o.to_us)
		return bad("--from must be before --to");
	if (generate_write(&o, stdout) < 0) {
		fprintf(stderr, "generate: cannot write: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
