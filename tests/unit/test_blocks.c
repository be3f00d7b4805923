/*
 * test_blocks.c - a call's extensive blocks checked and rendered once: the fragment of every
 * part byte for byte, trackers with and without their occurrences, the four context parts
 * (Basic deduplicated and stripped, Extended by timing), parts the data does not hold and
 * their empty values, where each part lies in the text, and the message of every refusal
 * with the text left as it was. Each is done twice, from a jansson tree and from tokens
 * (what a load uses), which must agree byte for byte.
 */
#include "blocks.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jtok.h"

#include "harness.h"

#define PARTIES                                                                                    \
	"[{\"id\":\"p1\",\"name\":\"Ann\",\"userId\":\"11\",\"speakerId\":\"s1\","                 \
	"\"affiliation\":\"Internal\",\"methods\":[\"Invitee\"],\"extra\":true},"                  \
	"{\"id\":\"p2\",\"name\":\"Bob\",\"userId\":null,\"speakerId\":null,\"affiliation\":null," \
	"\"context\":[]}]"
#define STRUCTURE "[{\"name\":\"Intro\",\"duration\":10}]"
#define TOPICS "[{\"name\":\"Pricing\",\"duration\":20}]"
#define TRACKER1_HEAD "{\"id\":\"t1\",\"name\":\"Rivals\",\"count\":2,\"type\":\"KEYWORD\","
#define TRACKER1_OCC                                                                               \
	"\"occurrences\":[{\"startTime\":1.5,\"speakerId\":\"s1\"},{\"startTime\":3,"              \
	"\"speakerId\":\"s1\"}],"
#define TRACKER1_TAIL "\"phrases\":[{\"count\":2,\"occurrences\":[],\"phrase\":\"rival\"}]}"
#define TRACKERS                                                                                   \
	"[" TRACKER1_HEAD TRACKER1_OCC TRACKER1_TAIL                                               \
	",{\"occurrences\":[],\"id\":\"t2\",\"count\":0,\"type\":\"SMART\"}]"
#define TRACKERS_BARE                                                                              \
	"[" TRACKER1_HEAD TRACKER1_TAIL ",{\"id\":\"t2\",\"count\":0,\"type\":\"SMART\"}]"
#define POINTS "{\"actionItems\":[{\"snippet\":\"Send it\"}]}"
#define BRIEF "\"Short call.\""
#define OUTLINE "[{\"section\":\"Intro\",\"startTime\":0,\"duration\":10,\"items\":[]}]"
#define HIGHLIGHTS "[{\"title\":\"H\",\"items\":[{\"text\":\"x\",\"startTimes\":[1]}]}]"
#define OUTCOME "{\"id\":\"o\",\"category\":\"c\",\"name\":\"n\"}"
#define KEY_POINTS "[{\"text\":\"k\"}]"
#define SPEAKERS "[{\"id\":\"s1\",\"userId\":\"11\",\"talkTime\":12.5}]"
#define STATS "[{\"name\":\"Patience\",\"value\":0.8}]"
#define VIDEO "[{\"name\":\"Webcam\",\"duration\":30}]"
#define QUESTIONS "{\"companyCount\":2,\"nonCompanyCount\":1}"
#define COMMENTS "[{\"id\":\"c1\",\"comment\":\"Nice\",\"duringCall\":true}]"

/* Objects of the context: A1 under both timings, O1 without a timing, O2 with a null one. */
#define A1_NOW                                                                                     \
	"{\"objectType\":\"Account\",\"objectId\":\"A1\",\"timing\":\"Now\",\"fields\":[{"         \
	"\"name\":"                                                                                \
	"\"Name\",\"value\":\"Acme\"}]}"
#define A1_TOC                                                                                     \
	"{\"objectType\":\"Account\",\"objectId\":\"A1\",\"timing\":\"TimeOfCall\",\"fields\":[{"  \
	"\"name\":\"Name\",\"value\":\"Acme Old\"}]}"
#define O1                                                                                         \
	"{\"objectType\":\"Opportunity\",\"objectId\":\"O1\",\"fields\":[{\"name\":\"Amount\","    \
	"\"value\":100}]}"
#define O2 "{\"objectType\":\"Opportunity\",\"objectId\":\"O2\",\"timing\":null,\"fields\":[]}"
#define D1 "{\"objectType\":\"Deal\",\"objectId\":\"D1\",\"timing\":\"TimeOfCall\",\"fields\":[]}"
#define CONTEXT                                                                                    \
	"[{\"system\":\"Salesforce\",\"extra\":1,\"objects\":[" A1_NOW "," A1_TOC "," O1 "," O2    \
	"]},"                                                                                      \
	"{\"system\":\"HubSpot\",\"objects\":[" D1 "]},"                                           \
	"{\"system\":\"Generic\",\"objects\":[]},"                                                 \
	"{\"system\":\"MicrosoftDynamic\"},"                                                       \
	"{\"objects\":[{\"objectType\":\"Account\",\"timing\":\"Now\"}]}]"
#define CONTEXT_BASIC                                                                              \
	"[{\"system\":\"Salesforce\",\"objects\":[{\"objectType\":\"Account\",\"objectId\":"       \
	"\"A1\"},"                                                                                 \
	"{\"objectType\":\"Opportunity\",\"objectId\":\"O1\"},{\"objectType\":\"Opportunity\","    \
	"\"objectId\":\"O2\"}]},{\"system\":\"HubSpot\",\"objects\":[{\"objectType\":\"Deal\","    \
	"\"objectId\":\"D1\"}]},{\"system\":null,\"objects\":[{\"objectType\":\"Account\","        \
	"\"objectId\":null}]}]"
#define CONTEXT_NOW                                                                                \
	"[{\"system\":\"Salesforce\",\"objects\":[" A1_NOW "," O1 "," O2 "]},"                     \
	"{\"system\":null,\"objects\":[{\"objectType\":\"Account\",\"timing\":\"Now\"}]}]"
#define CONTEXT_TOC                                                                                \
	"[{\"system\":\"Salesforce\",\"objects\":[" A1_TOC "]},{\"system\":\"HubSpot\","           \
	"\"objects\":[" D1 "]}]"
#define CONTEXT_BOTH                                                                               \
	"[{\"system\":\"Salesforce\",\"objects\":[" A1_NOW "," A1_TOC "," O1 "," O2 "]},"          \
	"{\"system\":\"HubSpot\",\"objects\":[" D1 "]},"                                           \
	"{\"system\":null,\"objects\":[{\"objectType\":\"Account\",\"timing\":\"Now\"}]}]"
#define TRANSCRIPT                                                                                 \
	"[{\"speakerId\":\"s1\",\"topic\":null,\"sentences\":[{\"start\":0,\"end\":900,"           \
	"\"text\":\"Hi.\"},{\"start\":900,\"end\":900,\"text\":\"\"}]},{\"speakerId\":null,"       \
	"\"sentences\":[]}]"

/* A call with every block, each member in an order other than the parts'. */
static const char full_call[] =
    "{\"metaData\":{\"id\":\"1\"},\"transcript\":" TRANSCRIPT ",\"media\":{\"audioUrl\":\"x\"},"
    "\"collaboration\":{\"publicComments\":" COMMENTS "},"
    "\"interaction\":{\"questions\":" QUESTIONS ",\"speakers\":" SPEAKERS
    ",\"interactionStats\":" STATS ",\"video\":" VIDEO "},"
    "\"context\":" CONTEXT ","
    "\"content\":{\"keyPoints\":" KEY_POINTS ",\"structure\":" STRUCTURE ",\"topics\":" TOPICS
    ",\"trackers\":" TRACKERS ",\"pointsOfInterest\":" POINTS ",\"brief\":" BRIEF
    ",\"outline\":" OUTLINE ",\"highlights\":" HIGHLIGHTS ",\"callOutcome\":" OUTCOME "},"
    "\"parties\":" PARTIES "}";

static const char *const full_parts[BLOCKS_COUNT] = {
    [BLOCKS_PARTIES] = PARTIES,
    [BLOCKS_STRUCTURE] = STRUCTURE,
    [BLOCKS_TOPICS] = TOPICS,
    [BLOCKS_TRACKERS] = TRACKERS,
    [BLOCKS_TRACKERS_BARE] = TRACKERS_BARE,
    [BLOCKS_POINTS] = POINTS,
    [BLOCKS_BRIEF] = BRIEF,
    [BLOCKS_OUTLINE] = OUTLINE,
    [BLOCKS_HIGHLIGHTS] = HIGHLIGHTS,
    [BLOCKS_OUTCOME] = OUTCOME,
    [BLOCKS_KEY_POINTS] = KEY_POINTS,
    [BLOCKS_SPEAKERS] = SPEAKERS,
    [BLOCKS_STATS] = STATS,
    [BLOCKS_VIDEO] = VIDEO,
    [BLOCKS_QUESTIONS] = QUESTIONS,
    [BLOCKS_COMMENTS] = COMMENTS,
    [BLOCKS_CONTEXT_BASIC] = CONTEXT_BASIC,
    [BLOCKS_CONTEXT_NOW] = CONTEXT_NOW,
    [BLOCKS_CONTEXT_TIME_OF_CALL] = CONTEXT_TOC,
    [BLOCKS_CONTEXT_BOTH] = CONTEXT_BOTH,
    [BLOCKS_TRANSCRIPT] = TRANSCRIPT,
};

static json_t *
parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &e);

	ck_assert_msg(j != NULL, "test data is not JSON: %s: %s", e.text, text);
	return j;
}

/*
 * Renders text's call into out, which must succeed; the same call rendered from its tokens
 * must give the same fragments, byte for byte.
 */
static void
render(const char *text, struct jsonw *out, struct blocks *b)
{
	json_t *call = parse(text);
	char err[256] = "";
	struct jtoks ts = {0};
	struct jsonw other = {0};
	struct blocks bt;

	ck_assert_msg(blocks_render(call, out, b, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(out->failed, 0);
	json_decref(call);

	ck_assert_int_eq(jtok_parse(&ts, text, strlen(text)), 0);
	JSONW_LIT(&other, "x");
	ck_assert_msg(blocks_render_tok(text, &ts, 0, &other, &bt, err, sizeof(err)) == 0,
	              "tokens: %s", err);
	ck_assert_uint_eq(bt.off, 1);
	for (int p = 0; p < BLOCKS_COUNT; p++) {
		ck_assert_msg(bt.len[p] == b->len[p], "%s: part %d is %u bytes from tokens, %u",
		              text, p, bt.len[p], b->len[p]);
		ck_assert_msg(b->len[p] == 0 ||
		                  memcmp(other.p + blocks_part_off(&bt, (enum blocks_part)p),
		                         out->p + blocks_part_off(b, (enum blocks_part)p),
		                         b->len[p]) == 0,
		              "%s: part %d differs from tokens", text, p);
	}
	jtok_free(&ts);
	jsonw_free(&other);
}

/* Part p's fragment as a string (the caller frees it). */
static char *
fragment(const struct jsonw *text, const struct blocks *b, enum blocks_part p)
{
	uint64_t off = blocks_part_off(b, p);
	char *s;

	ck_assert_uint_le(off + b->len[p], text->len);
	s = malloc(b->len[p] + 1u);
	ck_assert_ptr_nonnull(s);
	memcpy(s, text->p + off, b->len[p]);
	s[b->len[p]] = '\0';
	return s;
}

static void
assert_part(const struct jsonw *text, const struct blocks *b, enum blocks_part p, const char *want)
{
	char *got = fragment(text, b, p);

	ck_assert_msg(strcmp(got, want) == 0, "part %d (%s)\n  got  %s\n  want %s", (int)p,
	              blocks_key(p), got, want);
	ck_assert_uint_eq(b->len[p], strlen(want));
	free(got);
}

/* Refused with exactly `want`, text untouched. */
static void
assert_refused(const char *text, const char *want)
{
	json_t *call = parse(text);
	struct jsonw out = {0};
	struct blocks b;
	char err[256] = "";

	JSONW_LIT(&out, "before");
	ck_assert_msg(blocks_render(call, &out, &b, err, sizeof(err)) == -1, "accepted: %s", text);
	ck_assert_msg(strcmp(err, want) == 0, "%s\n  got  %s\n  want %s", text, err, want);
	ck_assert_uint_eq(out.len, 6);
	ck_assert_int_eq(memcmp(out.p, "before", 6), 0);
	json_decref(call);
	/* The same from the tokens. */
	{
		struct jtoks ts = {0};

		ck_assert_int_eq(jtok_parse(&ts, text, strlen(text)), 0);
		err[0] = '\0';
		ck_assert_msg(blocks_render_tok(text, &ts, 0, &out, &b, err, sizeof(err)) == -1,
		              "accepted from tokens: %s", text);
		ck_assert_msg(strcmp(err, want) == 0, "tokens: %s\n  got  %s\n  want %s", text, err,
		              want);
		ck_assert_uint_eq(out.len, 6);
		jtok_free(&ts);
	}
	jsonw_free(&out);
}

/* ---- Rendering ---- */

START_TEST(every_part_is_rendered_byte_for_byte)
{
	struct jsonw text = {0};
	struct blocks b;

	render(full_call, &text, &b);
	ck_assert_uint_eq(b.off, 0);
	for (int p = 0; p < BLOCKS_COUNT; p++)
		assert_part(&text, &b, (enum blocks_part)p, full_parts[p]);
	/* Nothing else is written: media is made per request, metaData is the store's. */
	{
		uint64_t sum = 0;

		for (int p = 0; p < BLOCKS_COUNT; p++)
			sum += b.len[p];
		char *all;

		ck_assert_uint_eq(text.len, sum);
		all = strndup(text.p, text.len);
		ck_assert_ptr_null(strstr(all, "audioUrl"));
		ck_assert_ptr_null(strstr(all, "metaData"));
		free(all);
	}
	jsonw_free(&text);
}
END_TEST

START_TEST(parts_lie_one_after_another_in_enum_order)
{
	struct jsonw text = {0};
	struct blocks a, b;

	render(full_call, &text, &a);
	render(full_call, &text, &b);
	/* The second call's fragments start where the first's end. */
	ck_assert_uint_eq(b.off, a.tx_off + a.len[BLOCKS_TRANSCRIPT]);
	for (int p = 0; p + 1 < BLOCKS_TRANSCRIPT; p++)
		ck_assert_uint_eq(blocks_part_off(&b, (enum blocks_part)(p + 1)),
		                  blocks_part_off(&b, (enum blocks_part)p) + b.len[p]);
	ck_assert_uint_eq(b.tx_off,
	                  blocks_part_off(&b, BLOCKS_CONTEXT_BOTH) + b.len[BLOCKS_CONTEXT_BOTH]);
	for (int p = 0; p < BLOCKS_COUNT; p++)
		assert_part(&text, &b, (enum blocks_part)p, full_parts[p]);
	jsonw_free(&text);
}
END_TEST

START_TEST(part_offsets_are_sums_and_the_transcript_its_own)
{
	struct blocks b;

	memset(&b, 0, sizeof(b));
	b.off = 1000;
	b.tx_off = 7;
	for (int p = 0; p < BLOCKS_COUNT; p++)
		b.len[p] = (uint32_t)(p + 1) * 10;
	ck_assert_uint_eq(blocks_part_off(&b, BLOCKS_PARTIES), 1000);
	ck_assert_uint_eq(blocks_part_off(&b, BLOCKS_STRUCTURE), 1010);
	ck_assert_uint_eq(blocks_part_off(&b, BLOCKS_TOPICS), 1030);
	ck_assert_uint_eq(blocks_part_off(&b, BLOCKS_TRACKERS_BARE), 1000 + 10 + 20 + 30 + 40);
	/* 10 + 20 + ... + 200 = 2100 before the transcript's place. */
	ck_assert_uint_eq(blocks_part_off(&b, BLOCKS_CONTEXT_BOTH), 1000 + 2100 - 200);
	ck_assert_uint_eq(blocks_part_off(&b, BLOCKS_TRANSCRIPT), 7);
	b.tx_off = UINT64_C(5000000000);
	ck_assert_uint_eq(blocks_part_off(&b, BLOCKS_TRANSCRIPT), UINT64_C(5000000000));
}
END_TEST

START_TEST(trackers_with_and_without_occurrences)
{
	struct jsonw text = {0};
	struct blocks b;
	json_t *with, *bare;

	render("{\"content\":{\"trackers\":[{\"occurrences\":[{\"startTime\":2,\"speakerId\":"
	       "\"s\"}],\"id\":\"t\",\"phrases\":[{\"occurrences\":[1],\"phrase\":\"p\"}]},{}]}}",
	       &text, &b);
	assert_part(&text, &b, BLOCKS_TRACKERS,
	            "[{\"occurrences\":[{\"startTime\":2,\"speakerId\":\"s\"}],\"id\":\"t\","
	            "\"phrases\":[{\"occurrences\":[1],\"phrase\":\"p\"}]},{}]");
	/* Only the tracker's own occurrences go; a phrase keeps its own. */
	assert_part(&text, &b, BLOCKS_TRACKERS_BARE,
	            "[{\"id\":\"t\",\"phrases\":[{\"occurrences\":[1],\"phrase\":\"p\"}]},{}]");
	with = parse(TRACKERS);
	bare = parse(TRACKERS_BARE);
	ck_assert_int_eq(json_array_size(with), json_array_size(bare));
	json_decref(with);
	json_decref(bare);
	jsonw_free(&text);
}
END_TEST

START_TEST(context_parts_by_level_and_timing)
{
	struct jsonw text = {0};
	struct blocks b;

	render("{\"context\":" CONTEXT "}", &text, &b);
	assert_part(&text, &b, BLOCKS_CONTEXT_BASIC, CONTEXT_BASIC);
	assert_part(&text, &b, BLOCKS_CONTEXT_NOW, CONTEXT_NOW);
	assert_part(&text, &b, BLOCKS_CONTEXT_TIME_OF_CALL, CONTEXT_TOC);
	assert_part(&text, &b, BLOCKS_CONTEXT_BOTH, CONTEXT_BOTH);
	jsonw_free(&text);

	/* A system whose objects are all of the other timing is left out of that part; a
	 * system left with none in every part gives "[]". */
	text = (struct jsonw){0};
	render("{\"context\":[{\"system\":\"HubSpot\",\"objects\":[{\"objectType\":\"Deal\","
	       "\"objectId\":\"D\",\"timing\":\"TimeOfCall\",\"fields\":[{\"name\":\"n\",\"value\":"
	       "1}]}]},{\"system\":\"Generic\",\"objects\":[]}]}",
	       &text, &b);
	assert_part(&text, &b, BLOCKS_CONTEXT_NOW, "[]");
	assert_part(&text, &b, BLOCKS_CONTEXT_BASIC,
	            "[{\"system\":\"HubSpot\",\"objects\":[{\"objectType\":\"Deal\",\"objectId\":"
	            "\"D\"}]}]");
	assert_part(
	    &text, &b, BLOCKS_CONTEXT_TIME_OF_CALL,
	    "[{\"system\":\"HubSpot\",\"objects\":[{\"objectType\":\"Deal\",\"objectId\":"
	    "\"D\",\"timing\":\"TimeOfCall\",\"fields\":[{\"name\":\"n\",\"value\":1}]}]}]");
	jsonw_free(&text);

	/* Basic keeps one link per object, in the order first seen, and no field of it. */
	text = (struct jsonw){0};
	render("{\"context\":[{\"system\":\"Salesforce\",\"objects\":["
	       "{\"objectType\":\"Account\",\"objectId\":\"A\",\"timing\":\"TimeOfCall\"},"
	       "{\"objectType\":\"Account\",\"objectId\":\"B\",\"timing\":\"Now\"},"
	       "{\"objectType\":\"Account\",\"objectId\":\"A\",\"timing\":\"Now\"},"
	       "{\"objectType\":\"Contact\",\"objectId\":\"A\"}]}]}",
	       &text, &b);
	assert_part(&text, &b, BLOCKS_CONTEXT_BASIC,
	            "[{\"system\":\"Salesforce\",\"objects\":[{\"objectType\":\"Account\","
	            "\"objectId\":\"A\"},{\"objectType\":\"Account\",\"objectId\":\"B\"},"
	            "{\"objectType\":\"Contact\",\"objectId\":\"A\"}]}]");
	jsonw_free(&text);
}
END_TEST

START_TEST(parts_the_data_does_not_hold_are_empty)
{
	static const char *const calls[] = {
	    "{\"metaData\":{\"id\":\"1\"}}",
	    ("{\"metaData\":{\"id\":\"1\"},\"parties\":null,\"content\":null,\"interaction\":null,"
	     "\"collaboration\":null,\"context\":null,\"transcript\":null}"),
	    "{\"content\":{},\"interaction\":{},\"collaboration\":{},\"media\":null}",
	};
	struct jsonw text = {0};
	struct blocks b;

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		size_t before = text.len;

		render(calls[i], &text, &b);
		ck_assert_uint_eq(b.off, before);
		for (int p = 0; p < BLOCKS_COUNT; p++)
			ck_assert_msg(b.len[p] == 0, "%s: part %d has %u bytes", calls[i], p,
			              b.len[p]);
		ck_assert_uint_eq(text.len, before);
	}
	/* One block given, the others not: only its parts are filled. */
	render("{\"interaction\":{\"speakers\":[]},\"transcript\":[]}", &text, &b);
	for (int p = 0; p < BLOCKS_COUNT; p++)
		if (p == BLOCKS_SPEAKERS || p == BLOCKS_TRANSCRIPT)
			assert_part(&text, &b, (enum blocks_part)p, "[]");
		else
			ck_assert_uint_eq(b.len[p], 0);
	/* A part given as null is written as null. */
	render("{\"content\":{\"brief\":null,\"trackers\":[]}}", &text, &b);
	assert_part(&text, &b, BLOCKS_BRIEF, "null");
	assert_part(&text, &b, BLOCKS_TRACKERS, "[]");
	assert_part(&text, &b, BLOCKS_TRACKERS_BARE, "[]");
	ck_assert_uint_eq(b.len[BLOCKS_STRUCTURE], 0);
	jsonw_free(&text);
}
END_TEST

START_TEST(keys_and_empty_values)
{
	static const struct {
		enum blocks_part p;
		const char *key, *empty;
	} want[] = {
	    {BLOCKS_PARTIES, "parties", "[]"},
	    {BLOCKS_STRUCTURE, "structure", "[]"},
	    {BLOCKS_TOPICS, "topics", "[]"},
	    {BLOCKS_TRACKERS, "trackers", "[]"},
	    {BLOCKS_TRACKERS_BARE, "trackers", "[]"},
	    {BLOCKS_POINTS, "pointsOfInterest", "null"},
	    {BLOCKS_BRIEF, "brief", "null"},
	    {BLOCKS_OUTLINE, "outline", "[]"},
	    {BLOCKS_HIGHLIGHTS, "highlights", "[]"},
	    {BLOCKS_OUTCOME, "callOutcome", "null"},
	    {BLOCKS_KEY_POINTS, "keyPoints", "[]"},
	    {BLOCKS_SPEAKERS, "speakers", "[]"},
	    {BLOCKS_STATS, "interactionStats", "[]"},
	    {BLOCKS_VIDEO, "video", "[]"},
	    {BLOCKS_QUESTIONS, "questions", "null"},
	    {BLOCKS_COMMENTS, "publicComments", "[]"},
	    {BLOCKS_CONTEXT_BASIC, "context", "[]"},
	    {BLOCKS_CONTEXT_NOW, "context", "[]"},
	    {BLOCKS_CONTEXT_TIME_OF_CALL, "context", "[]"},
	    {BLOCKS_CONTEXT_BOTH, "context", "[]"},
	    {BLOCKS_TRANSCRIPT, "transcript", "[]"},
	};

	ck_assert_uint_eq(sizeof(want) / sizeof(want[0]), BLOCKS_COUNT);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_str_eq(blocks_key(want[i].p), want[i].key);
		ck_assert_str_eq(blocks_empty(want[i].p), want[i].empty);
	}
}
END_TEST

START_TEST(blocks_present_looks_at_every_block)
{
	static const char *const with[] = {
	    "{\"parties\":[]}",       "{\"content\":{}}", "{\"interaction\":{}}",
	    "{\"collaboration\":{}}", "{\"context\":[]}", "{\"transcript\":[]}",
	    "{\"transcript\":null}",
	};
	static const char *const without[] = {
	    "{}",
	    "{\"metaData\":{\"id\":\"1\"}}",
	    "{\"metaData\":{},\"media\":{\"audioUrl\":null}}",
	    "{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\"}",
	};

	for (size_t i = 0; i < sizeof(with) / sizeof(with[0]); i++) {
		json_t *j = parse(with[i]);
		struct jtoks ts = {0};

		ck_assert_msg(blocks_present(j) == 1, "%s", with[i]);
		ck_assert_int_eq(jtok_parse(&ts, with[i], strlen(with[i])), 0);
		ck_assert_msg(blocks_present_tok(with[i], &ts, 0) == 1, "tokens: %s", with[i]);
		jtok_free(&ts);
		json_decref(j);
	}
	for (size_t i = 0; i < sizeof(without) / sizeof(without[0]); i++) {
		json_t *j = parse(without[i]);
		struct jtoks ts = {0};

		ck_assert_msg(blocks_present(j) == 0, "%s", without[i]);
		ck_assert_int_eq(jtok_parse(&ts, without[i], strlen(without[i])), 0);
		ck_assert_msg(blocks_present_tok(without[i], &ts, 0) == 0, "tokens: %s",
		              without[i]);
		jtok_free(&ts);
		json_decref(j);
	}
}
END_TEST

/* ---- Refusals ---- */

START_TEST(parties_refused)
{
	assert_refused("{\"parties\":{}}", "parties: must be an array");
	assert_refused("{\"parties\":[{},3]}", "parties[1]: must be an object");
	assert_refused("{\"parties\":[{\"affiliation\":\"Partner\"}]}",
	               "parties[0].affiliation: must be one of Internal, External, Unknown");
	assert_refused("{\"parties\":[{\"affiliation\":\"internal\"}]}",
	               "parties[0].affiliation: must be one of Internal, External, Unknown");
	assert_refused("{\"parties\":[{},{\"affiliation\":1}]}",
	               "parties[1].affiliation: must be one of Internal, External, Unknown");
	assert_refused("{\"parties\":[{\"userId\":\"12a\"}]}",
	               "parties[0].userId: must be a string of 1-20 digits or null");
	assert_refused("{\"parties\":[{\"userId\":11}]}",
	               "parties[0].userId: must be a string of 1-20 digits or null");
	assert_refused("{\"parties\":[{\"userId\":\"123456789012345678901\"}]}",
	               "parties[0].userId: must be a string of 1-20 digits or null");
	assert_refused("{\"parties\":[{\"speakerId\":5}]}",
	               "parties[0].speakerId: must be a string or null");
	assert_refused("{\"parties\":[{\"id\":[]}]}", "parties[0].id: must be a string or null");
	assert_refused("{\"parties\":[{\"name\":false}]}",
	               "parties[0].name: must be a string or null");
	assert_refused("{\"parties\":[{\"emailAddress\":{}}]}",
	               "parties[0].emailAddress: must be a string or null");
	assert_refused("{\"parties\":[{\"methods\":\"Invitee\"}]}",
	               "parties[0].methods: must be an array");
	assert_refused("{\"parties\":[{\"context\":{}}]}", "parties[0].context: must be an array");
}
END_TEST

START_TEST(content_interaction_collaboration_refused)
{
	assert_refused("{\"content\":[]}", "content: must be an object");
	assert_refused("{\"content\":{\"structure\":{}}}", "content.structure: must be an array");
	assert_refused("{\"content\":{\"topics\":[{},1]}}", "content.topics[1]: must be an object");
	assert_refused("{\"content\":{\"trackers\":[\"t\"]}}",
	               "content.trackers[0]: must be an object");
	assert_refused("{\"content\":{\"brief\":5}}", "content.brief: must be a string or null");
	assert_refused("{\"content\":{\"outline\":\"o\"}}", "content.outline: must be an array");
	assert_refused("{\"content\":{\"highlights\":{}}}", "content.highlights: must be an array");
	assert_refused("{\"content\":{\"keyPoints\":[null]}}",
	               "content.keyPoints[0]: must be an object");
	assert_refused("{\"interaction\":\"x\"}", "interaction: must be an object");
	assert_refused("{\"interaction\":{\"speakers\":{}}}",
	               "interaction.speakers: must be an array");
	assert_refused("{\"interaction\":{\"interactionStats\":1}}",
	               "interaction.interactionStats: must be an array");
	assert_refused("{\"interaction\":{\"video\":null}}", "interaction.video: must be an array");
	assert_refused("{\"collaboration\":[]}", "collaboration: must be an object");
	assert_refused("{\"collaboration\":{\"publicComments\":{}}}",
	               "collaboration.publicComments: must be an array");
	assert_refused("{\"collaboration\":{\"publicComments\":[1]}}",
	               "collaboration.publicComments[0]: must be an object");
}
END_TEST

START_TEST(context_refused)
{
	assert_refused("{\"context\":{}}", "context: must be an array");
	assert_refused("{\"context\":[[]]}", "context[0]: must be an object");
	assert_refused("{\"context\":[{\"system\":1}]}",
	               "context[0].system: must be a string or null");
	assert_refused("{\"context\":[{},{\"objects\":{}}]}",
	               "context[1].objects: must be an array");
	assert_refused("{\"context\":[{\"objects\":[{},\"o\"]}]}",
	               "context[0].objects[1]: must be an object");
	assert_refused("{\"context\":[{\"objects\":[{\"timing\":\"Later\"}]}]}",
	               "context[0].objects[0].timing: must be Now or TimeOfCall");
	assert_refused("{\"context\":[{\"objects\":[{\"timing\":\"now\"}]}]}",
	               "context[0].objects[0].timing: must be Now or TimeOfCall");
	assert_refused("{\"context\":[{\"objects\":[{\"timing\":[\"Now\"]}]}]}",
	               "context[0].objects[0].timing: must be Now or TimeOfCall");
	assert_refused("{\"context\":[{\"objects\":[{\"fields\":{}}]}]}",
	               "context[0].objects[0].fields: must be an array");
	assert_refused("{\"context\":[{\"objects\":[{\"objectType\":2}]}]}",
	               "context[0].objects[0].objectType: must be a string or null");
}
END_TEST

START_TEST(transcript_refused)
{
	assert_refused("{\"transcript\":{}}", "transcript: must be an array");
	assert_refused("{\"transcript\":[{\"sentences\":[]},1]}",
	               "transcript[1]: must be an object");
	assert_refused("{\"transcript\":[{\"speakerId\":\"s\"}]}",
	               "transcript[0].sentences: must be an array");
	assert_refused("{\"transcript\":[{\"speakerId\":7,\"sentences\":[]}]}",
	               "transcript[0].speakerId: must be a string or null");
	assert_refused("{\"transcript\":[{\"topic\":[],\"sentences\":[]}]}",
	               "transcript[0].topic: must be a string or null");
	assert_refused("{\"transcript\":[{\"sentences\":[]},{\"sentences\":[]},{\"sentences\":["
	               "{\"start\":500,\"end\":499,\"text\":\"x\"}]}]}",
	               "transcript[2].sentences[0].end: must be an integer no less than start");
	assert_refused("{\"transcript\":[{\"sentences\":[{\"start\":0,\"end\":1,\"text\":\"\"},"
	               "{\"start\":1.5,\"end\":2,\"text\":\"x\"}]}]}",
	               "transcript[0].sentences[1].start: must be an integer of milliseconds, no "
	               "less than 0");
	assert_refused(
	    "{\"transcript\":[{\"sentences\":[{\"start\":\"0\",\"end\":1,\"text\":\"\"}]}]}",
	    "transcript[0].sentences[0].start: must be an integer of milliseconds, no "
	    "less than 0");
	assert_refused(
	    "{\"transcript\":[{\"sentences\":[{\"start\":-1,\"end\":1,\"text\":\"\"}]}]}",
	    "transcript[0].sentences[0].start: must be an integer of milliseconds, no "
	    "less than 0");
	assert_refused("{\"transcript\":[{\"sentences\":[{\"end\":1,\"text\":\"\"}]}]}",
	               "transcript[0].sentences[0].start: must be an integer of milliseconds, no "
	               "less than 0");
	assert_refused(
	    "{\"transcript\":[{\"sentences\":[{\"start\":1,\"end\":2.0,\"text\":\"\"}]}]}",
	    "transcript[0].sentences[0].end: must be an integer no less than start");
	assert_refused("{\"transcript\":[{\"sentences\":[{\"start\":1,\"text\":\"\"}]}]}",
	               "transcript[0].sentences[0].end: must be an integer no less than start");
	assert_refused("{\"transcript\":[{\"sentences\":[{\"start\":1,\"end\":2}]}]}",
	               "transcript[0].sentences[0].text: must be a string");
	assert_refused("{\"transcript\":[{\"sentences\":[{\"start\":1,\"end\":2,\"text\":null}]}]}",
	               "transcript[0].sentences[0].text: must be a string");
	assert_refused("{\"transcript\":[{\"sentences\":[3]}]}",
	               "transcript[0].sentences[0]: must be an object");
}
END_TEST

START_TEST(blocks_are_checked_in_a_fixed_order)
{
	/* Whatever order the keys come in, parties are judged first, the transcript last. */
	assert_refused("{\"transcript\":1,\"context\":1,\"collaboration\":1,\"interaction\":1,"
	               "\"content\":1,\"parties\":1}",
	               "parties: must be an array");
	assert_refused("{\"transcript\":1,\"context\":1,\"collaboration\":1,\"interaction\":1,"
	               "\"content\":1}",
	               "content: must be an object");
	assert_refused("{\"transcript\":1,\"context\":1,\"collaboration\":1,\"interaction\":1}",
	               "interaction: must be an object");
	assert_refused("{\"transcript\":1,\"context\":1,\"collaboration\":1}",
	               "collaboration: must be an object");
	assert_refused("{\"transcript\":1,\"context\":1}", "context: must be an array");
	/* A bad block after good ones leaves nothing of the good ones behind. */
	assert_refused("{\"parties\":[],\"content\":{\"brief\":\"b\"},\"transcript\":[{}]}",
	               "transcript[0].sentences: must be an array");
}
END_TEST

START_TEST(a_transcript_on_its_own)
{
	struct jsonw text = {0};
	char err[256] = "";
	json_t *t = parse(TRANSCRIPT), *bad;
	int64_t n;

	JSONW_LIT(&text, "xyz");
	n = blocks_render_transcript(t, "callTranscripts[3].transcript", &text, err, sizeof(err));
	ck_assert_int_eq(n, (int64_t)strlen(TRANSCRIPT));
	ck_assert_uint_eq(text.len, 3 + strlen(TRANSCRIPT));
	ck_assert_int_eq(memcmp(text.p + 3, TRANSCRIPT, strlen(TRANSCRIPT)), 0);
	json_decref(t);

	t = parse("[]");
	ck_assert_int_eq(blocks_render_transcript(t, "transcript", &text, err, sizeof(err)), 2);
	json_decref(t);

	bad = parse("[{\"sentences\":[{\"start\":5,\"end\":4,\"text\":\"\"}]}]");
	n = blocks_render_transcript(bad, "callTranscripts[3].transcript", &text, err, sizeof(err));
	ck_assert_int_eq(n, -1);
	ck_assert_str_eq(err, "callTranscripts[3].transcript[0].sentences[0].end: must be an "
	                      "integer no less than start");
	ck_assert_uint_eq(text.len, 3 + strlen(TRANSCRIPT) + 2);
	json_decref(bad);
	bad = parse("{}");
	ck_assert_int_eq(blocks_render_transcript(bad, "t", &text, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t: must be an array");
	json_decref(bad);
	jsonw_free(&text);

	/* The same from the tokens, the transcript a member of a record. */
	{
		static const char rec[] = "{\"callId\":\"1\",\"transcript\": " TRANSCRIPT "}";
		static const char badrec[] = "{\"callId\":\"1\",\"transcript\":[{\"sentences\":[{"
		                             "\"start\":5,\"end\":4,\"text\":\"\"}]}]}";
		struct jtoks ts = {0};
		long tr;

		text = (struct jsonw){0};
		ck_assert_int_eq(jtok_parse(&ts, rec, strlen(rec)), 0);
		tr = jtok_get(&ts, rec, 0, "transcript");
		ck_assert_int_ge(tr, 0);
		n = blocks_render_transcript_tok(rec, &ts, (size_t)tr, "transcript", &text, err,
		                                 sizeof(err));
		ck_assert_int_eq(n, (int64_t)strlen(TRANSCRIPT));
		ck_assert_int_eq(memcmp(text.p, TRANSCRIPT, strlen(TRANSCRIPT)), 0);
		jtok_free(&ts);
		ck_assert_int_eq(jtok_parse(&ts, badrec, strlen(badrec)), 0);
		tr = jtok_get(&ts, badrec, 0, "transcript");
		n = blocks_render_transcript_tok(badrec, &ts, (size_t)tr,
		                                 "callTranscripts[3].transcript", &text, err,
		                                 sizeof(err));
		ck_assert_int_eq(n, -1);
		ck_assert_str_eq(err,
		                 "callTranscripts[3].transcript[0].sentences[0].end: must be an "
		                 "integer no less than start");
		ck_assert_uint_eq(text.len, strlen(TRANSCRIPT));
		jtok_free(&ts);
		jsonw_free(&text);
	}
}
END_TEST

static Suite *
blocks_suite(void)
{
	Suite *s = suite_create("blocks");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, every_part_is_rendered_byte_for_byte);
	tcase_add_test(tc, parts_lie_one_after_another_in_enum_order);
	tcase_add_test(tc, part_offsets_are_sums_and_the_transcript_its_own);
	tcase_add_test(tc, trackers_with_and_without_occurrences);
	tcase_add_test(tc, context_parts_by_level_and_timing);
	tcase_add_test(tc, parts_the_data_does_not_hold_are_empty);
	tcase_add_test(tc, keys_and_empty_values);
	tcase_add_test(tc, blocks_present_looks_at_every_block);
	suite_add_tcase(s, tc);
	tc = tcase_create("refusals");
	tcase_add_test(tc, parties_refused);
	tcase_add_test(tc, content_interaction_collaboration_refused);
	tcase_add_test(tc, context_refused);
	tcase_add_test(tc, transcript_refused);
	tcase_add_test(tc, blocks_are_checked_in_a_fixed_order);
	tcase_add_test(tc, a_transcript_on_its_own);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(blocks_suite());
}
