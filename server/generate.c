/*
 * generate.c - `gongmock generate`: a deterministic synthetic dataset of calls, and the company
 * they belong to.
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
 *
 * The extensive shape adds what POST /v2/calls/extensive and POST /v2/calls/transcript tell
 * of a call. Those blocks come from a second stream per call, seeded with a salt of its own,
 * so the 20 basic fields are the same bytes in both shapes and in every dataset a seed has
 * ever produced. The transcript is written first and everything that describes speech is read
 * off it: who spoke (speakerId), for how long (talkTime, the sum of the speaker's sentences),
 * the questions (sentences ending in '?'), the trackers (phrases found in the sentences, at
 * the moment they are said), the topics, the structure and the outline (the parts of the
 * conversation). It is a digest of a call rather than a full one: 2 to 45 sentences, each
 * spanning a longer stretch than a real sentence, so that talk times still add up to most of
 * the call. The sentences come from a small phrase bank per language (English for eng and und,
 * French, Spanish, German, Italian); zxx calls, unanswered phone calls and about 8% of the
 * others have no transcript yet, and then nothing that depends on speech is filled either.
 * What an assistant writes about a call (brief, key points, highlights, outline) is in English,
 * whatever the call's language.
 *
 * The people: the company's users are the workspaces' users, each with a name, email, title,
 * manager and settings that depend only on the seed and the user's place, so that a userId
 * reads the same in every call and in generate_users. Customers have a fixed set of contacts
 * and CRM objects (Salesforce for most, HubSpot for some), derived from the seed and the
 * customer, so a contact or an opportunity keeps its ids from call to call.
 *
 * The extensive shape starts with the company itself (its workspaces, its users and two
 * avatars), so that GET /v2/users and GET /v2/workspaces can be served from the same file as
 * the calls and agree with them. The basic shape stays what it has always been: calls only.
 *
 * Most of this file's length is data (the phrase banks of five languages and the tables of
 * names, customers and titles); the code is the part above each table that draws from it.
 */
#include "generate.h"

#include <errno.h>
#include <limits.h>
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
#define GENERATE_OUT_CHUNK (1U << 20)
#define US_PER_S 1000000LL
#define US_PER_MIN (60 * US_PER_S)
#define US_PER_DAY (86400 * US_PER_S)

/* 10^17: ids are a leading part times this plus a unique 17-digit part. */
#define ID_LOW_MOD 100000000000000000ULL

/*
 * Salts of the streams that are not a call's basic one: the blocks of a call, the people of the
 * company, the customers' CRM data, and the ids made for a call's parties and comments.
 */
#define SALT_BLOCKS 0x3c6ef372fe94f82bULL
#define SALT_PEOPLE 0xa54ff53a5f1d36f1ULL
#define SALT_CRM 0x510e527fade682d1ULL
#define SALT_IDS 0x9b05688c2b3e6c1fULL

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

/*
 * What the CRM knows of each customer, in the order of CUSTOMERS: the domain of its people's
 * email addresses (reserved names, so that no address reaches anyone), its industry, and the
 * start of its phone numbers (the rest is 01 and two digits, numbers kept for fiction).
 */
struct customer_info {
	const char *domain;
	const char *industry;
	const char *phone;
};

static const struct customer_info CUSTOMER_INFO[] = {
    {"acme.example", "Manufacturing", "+1 212-555-"},
    {"globex.example", "Energy", "+1 503-555-"},
    {"initech.example", "Software", "+1 512-555-"},
    {"umbrella-health.example", "Healthcare", "+1 617-555-"},
    {"stark.example", "Aerospace & Defense", "+1 310-555-"},
    {"wayne.example", "Conglomerate", "+1 201-555-"},
    {"hooli.example", "Internet", "+1 650-555-"},
    {"vandelay.example", "Import & Export", "+1 646-555-"},
    {"soylent.example", "Food & Beverage", "+1 773-555-"},
    {"nakatomi.example", "Real Estate", "+81 3-5555-"},
    {"societe-generale.example", "Banking", "+33 1 42 55 "},
    {"mueller-gmbh.example", "Industrial Machinery", "+49 89 5555 "},
    {"zurich-re.example", "Insurance", "+41 44 555 "},
    {"bjork-sonner.example", "Retail", "+46 8 555 "},
    {"oreilly-auto.example", "Automotive", "+1 417-555-"},
    {"tokyo-denki.example", "Electronics", "+81 3-5556-"},
    {"cyberdyne.example", "Robotics", "+1 408-555-"},
    {"tyrell.example", "Biotechnology", "+1 213-555-"},
    {"massive-dynamic.example", "Research", "+1 857-555-"},
    {"dunder-mifflin.example", "Paper & Office Supplies", "+1 570-555-"},
};

/* Made-up vendors the customers compare us with: the "Competitors" tracker's phrases. */
static const char *const COMPETITORS[] = {"Chatterly", "DealScope", "Callwise", "Revvo", NULL};
#define COMPETITOR_COUNT 4U

static const char *const CONTACT_TITLES[] = {
    "VP of Sales",           "Director of Sales Operations", "Head of Revenue Operations",
    "Chief Revenue Officer", "Sales Enablement Manager",     "IT Security Manager",
    "Procurement Lead",      "Regional Sales Director",
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

/* The names above as the local part of an email address spells them. */
static const char *const FIRST_ASCII[] = {
    "dana",  "sam",  "jose", "zoe",    "lukasz", "francois", "priya",    "kenji",
    "amara", "liam", "noor", "ingrid", "mateo",  "aiko",     "olusegun", "hannah",
};

static const char *const LAST_ASCII[] = {
    "smith",  "garcia", "nguyen", "okafor", "muller",    "rossi", "kowalski",
    "tanaka", "obrien", "dubois", "patel",  "johansson", "silva", "cohen",
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

/* The company's users: titles by role, and the workspaces' names. */
static const char *const SELLER_TITLES[] = {
    "Account Executive",  "Senior Account Executive", "Enterprise Account Executive",
    "Solutions Engineer", "Customer Success Manager",
};

static const char *const SDR_TITLES[] = {"Sales Development Representative",
                                         "Senior Sales Development Representative"};

static const char *const SPOKEN_LANGUAGES[] = {"en-US", "en-US", "en-US", "en-US", "en-US",
                                               "en-GB", "fr-FR", "es-ES", "de-DE", "it-IT"};

static const char *const WORKSPACE_NAMES[][2] = {
    {"North America Sales", "Account executives and SDRs selling in North America"},
    {"EMEA Sales", "Sales teams for Europe, the Middle East and Africa"},
    {"APAC Sales", "Sales teams for Asia and the Pacific"},
    {"Customer Success", "Onboarding, renewals and expansion"},
    {"LATAM Sales", "Sales teams for Latin America"},
    {"SMB Sales", "Inside sales for small and mid-sized businesses"},
    {"Enterprise Sales", "Strategic accounts"},
    {"Partnerships", "Resellers and technology partners"},
};

/* Opportunity stages, the open ones first, and the probability each stands for. */
struct stage {
	const char *name;
	unsigned probability;
};

static const struct stage SALESFORCE_STAGES[] = {
    {"Prospecting", 10},       {"Qualification", 20},        {"Needs Analysis", 30},
    {"Value Proposition", 50}, {"Proposal/Price Quote", 75}, {"Negotiation/Review", 90},
    {"Closed Won", 100},       {"Closed Lost", 0},
};

static const struct stage HUBSPOT_STAGES[] = {
    {"Appointment Scheduled", 20},
    {"Qualified To Buy", 40},
    {"Presentation Scheduled", 60},
    {"Decision Maker Bought-In", 80},
    {"Contract Sent", 90},
    {"Closed Won", 100},
    {"Closed Lost", 0},
};

/* Call outcomes, as reps set them. */
struct outcome {
	const char *category;
	const char *name;
};

enum {
	OUT_MEETING_BOOKED,
	OUT_FOLLOW_UP,
	OUT_NOT_INTERESTED,
	OUT_GATEKEEPER,
	OUT_VOICEMAIL,
	OUT_NO_ANSWER,
	OUT_WRONG_NUMBER,
	OUT_NEXT_MEETING,
	OUT_PROPOSAL_SENT,
	OUT_NEEDS_FOLLOW_UP,
	OUT_LOST,
	OUT_COUNT
};

static const struct outcome OUTCOMES[OUT_COUNT] = {
    [OUT_MEETING_BOOKED] = {"Connected", "Meeting booked"},
    [OUT_FOLLOW_UP] = {"Connected", "Follow-up scheduled"},
    [OUT_NOT_INTERESTED] = {"Connected", "Not interested"},
    [OUT_GATEKEEPER] = {"Connected", "Reached gatekeeper"},
    [OUT_VOICEMAIL] = {"Not connected", "Left voicemail"},
    [OUT_NO_ANSWER] = {"Not connected", "No answer"},
    [OUT_WRONG_NUMBER] = {"Not connected", "Wrong number"},
    [OUT_NEXT_MEETING] = {"Positive", "Next meeting scheduled"},
    [OUT_PROPOSAL_SENT] = {"Positive", "Proposal sent"},
    [OUT_NEEDS_FOLLOW_UP] = {"Neutral", "Needs follow-up"},
    [OUT_LOST] = {"Negative", "Lost to competitor"},
};

/* The outcome of a phone call, read from its sdrDisposition (in the order of DISPOSITIONS). */
static const unsigned char DISPOSITION_OUTCOMES[] = {
    OUT_GATEKEEPER,     OUT_VOICEMAIL,      OUT_FOLLOW_UP,    OUT_NO_ANSWER,
    OUT_MEETING_BOOKED, OUT_NOT_INTERESTED, OUT_WRONG_NUMBER,
};

/* What commenters write; %h is the host's first name, %k the competitor. */
static const char *const COMMENTS[] = {
    "Great discovery question here.",
    "Listen to how they react to the pricing.",
    "Good handling of the objection, %h.",
    "This would be a good clip for the next enablement session.",
    "They bring up %k here, worth a follow-up.",
};

static const char *const REPLIES[] = {"Agreed, thanks!", "Will do.", "On it, I'll send it today."};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(COUNT(CUSTOMER_INFO) == COUNT(CUSTOMERS), "one customer_info per customer");
_Static_assert(COUNT(FIRST_ASCII) == COUNT(FIRST_NAMES), "one spelling per first name");
_Static_assert(COUNT(LAST_ASCII) == COUNT(LAST_NAMES), "one spelling per last name");
_Static_assert(COUNT(DISPOSITION_OUTCOMES) == COUNT(DISPOSITIONS), "one outcome each");
_Static_assert(COUNT(COMPETITORS) == COMPETITOR_COUNT + 1, "competitors end with NULL");

/* Every pair of a first and a last name. */
#define NAME_PAIRS (COUNT(FIRST_NAMES) * COUNT(LAST_NAMES))

/* Indices of the salesforce and hubspot CRMs, for a customer's `crm`. */
enum crm { CRM_SALESFORCE, CRM_HUBSPOT };

/*
 * The conversation. A call goes through parts (phases) in order; a sales call and an internal
 * meeting have parts of their own, and a voicemail has one. Each part is a structure entry, a
 * topic for its monologues (or none), an outline section, and the notes an assistant would
 * take about it. In the notes %h is the host's first name, %p the person the host talks with
 * (the first customer contact, or the first colleague in an internal meeting), %c the
 * customer, %k the competitor and %n the customer's number of sellers.
 */
enum phase {
	PH_GREETING,
	PH_DISCOVERY,
	PH_DEMO,
	PH_PRICING,
	PH_COMPETITION,
	PH_SECURITY,
	PH_NEXT,
	PH_VOICEMAIL,
	PH_OPEN,
	PH_PIPELINE,
	PH_DEALS,
	PH_COACHING,
	PH_ACTIONS,
	PH_COUNT
};

struct phase_info {
	const char *structure; /* content.structure[].name */
	const char *topic;     /* the monologues' topic and content.topics[].name; NULL: none */
	const char *section;   /* content.outline[].section */
	const char *note;      /* an outline item, and a highlight's text */
	const char *point;     /* a key point; NULL: none */
	const char *highlight; /* a highlight's title; NULL: none */
	const char *about;     /* what the brief says was discussed; NULL: not mentioned */
};

static const struct phase_info PHASES[PH_COUNT] = {
    [PH_GREETING] = {"Intro", "Small Talk", "Introductions",
                     "%h opened the call and set the agenda with %p.", NULL, NULL, NULL},
    [PH_DISCOVERY] = {"Discovery", NULL, "Current process and challenges",
                      "%p described how %c forecasts and coaches its sellers today.",
                      "%c has about %n sellers and forecasts mostly in spreadsheets.",
                      "Pain points", "their current process"},
    [PH_DEMO] = {"Demo", "Product", "Product walkthrough",
                 "%h showed the deal board, the call timeline and the forecast view.",
                 "The team liked the deal board and asked about the CRM sync.", NULL,
                 "a product walkthrough"},
    [PH_PRICING] = {"Pricing", "Pricing", "Pricing and budget",
                    "%p asked about pricing for %n seats; this year's budget is tight.",
                    "Pricing for %n seats needs procurement's approval.", "Pricing", "pricing"},
    [PH_COMPETITION] = {"Competition", "Competition", "Competitive landscape",
                        "%c is also evaluating %k.",
                        "%k is in the running and quoted a lower price.", "Competitors",
                        "the competition"},
    [PH_SECURITY] = {"Security Review", "Security", "Security and compliance",
                     "%c's security team will review data retention and single sign-on.",
                     "A security review is required before signing.", NULL,
                     "security requirements"},
    [PH_NEXT] = {"Next Steps", "Next Steps", "Next steps",
                 "%h will send a recap and the proposal, and set up a follow-up call.",
                 "Follow-up call next Tuesday; proposal by Friday.", "Next steps", NULL},
    [PH_VOICEMAIL] = {"Voicemail", NULL, "Voicemail",
                      "%h left a voicemail for %p asking for a call back.", NULL, "Next steps",
                      NULL},
    [PH_OPEN] = {"Kickoff", "Call Setup", "Kickoff",
                 "%h opened the meeting and went over the agenda.", NULL, NULL, NULL},
    [PH_PIPELINE] = {"Pipeline Review", "Forecast", "Pipeline and forecast",
                     "The team reviewed the pipeline against the quarterly target.",
                     "The quarter is at about 80% of target; three deals slipped.", NULL,
                     "the pipeline"},
    [PH_DEALS] = {"Deal Review", "Deal Review", "Deal review",
                  "The %c opportunity is in negotiation against %k.",
                  "%c compares the offer with %k on price.", "Risks", "open deals"},
    [PH_COACHING] = {"Coaching", "Coaching", "Coaching",
                     "The team listened to call clips on pricing and discovery questions.",
                     "Ask more open questions in discovery.", NULL, "coaching"},
    [PH_ACTIONS] = {"Action Items", "Next Steps", "Action items",
                    "Forecast updates are due in the CRM by Thursday.",
                    "%p follows up with %c on the proposal.", "Action items", NULL},
};

/* Who says a line: someone of the company, someone of the customer's, or anyone. */
enum role { ROLE_REP, ROLE_CUSTOMER, ROLE_ANY };

/*
 * A line of the phrase bank. In its text %h is the host's first name, %p the person addressed,
 * %c the customer, %k the competitor, %n the customer's number of sellers. `objection` marks
 * what the "Objections" tracker, a smart one, finds.
 */
struct line {
	unsigned char phase;
	unsigned char role;
	unsigned char objection;
	const char *text;
};

#define L(ph, ro, text)                                                                            \
	{                                                                                          \
		PH_##ph, ROLE_##ro, 0, text                                                        \
	}
#define OBJ(ph, ro, text)                                                                          \
	{                                                                                          \
		PH_##ph, ROLE_##ro, 1, text                                                        \
	}

static const struct line LINES_EN[] = {
    L(GREETING, REP, "Hi %p, thanks for making the time today."),
    L(GREETING, REP, "Good morning %p, can you hear me okay?"),
    L(GREETING, REP, "Great to finally meet the %c team."),
    L(GREETING, REP, "Before we dive in, how has your week been?"),
    L(GREETING, CUSTOMER, "Hi %h, yes, loud and clear."),
    L(GREETING, CUSTOMER, "Thanks for having us, we're excited to see this."),
    L(GREETING, CUSTOMER, "Busy week, we're closing out the quarter at %c."),
    L(GREETING, CUSTOMER, "Doing well, thanks for asking."),
    L(DISCOVERY, REP, "What prompted you to look at a solution like ours right now?"),
    L(DISCOVERY, REP, "How does your team track deals and forecast today?"),
    L(DISCOVERY, REP, "How many reps are on the team at %c?"),
    L(DISCOVERY, REP, "What happens if nothing changes over the next six months?"),
    L(DISCOVERY, REP, "Who else is involved in evaluating this?"),
    L(DISCOVERY, CUSTOMER, "We have about %n sellers across three regions."),
    L(DISCOVERY, CUSTOMER, "Honestly, most of our forecasting still lives in spreadsheets."),
    L(DISCOVERY, CUSTOMER,
      "Our managers spend hours listening to calls and still miss the important moments."),
    L(DISCOVERY, CUSTOMER, "Ramp time for new hires is our biggest pain point right now."),
    L(DISCOVERY, CUSTOMER,
      "Our VP of Sales wants better visibility into the pipeline before the next board "
      "meeting."),
    L(DEMO, REP, "Let me share my screen and walk you through the deal board."),
    L(DEMO, REP, "Here you can see every conversation with %c in one timeline."),
    L(DEMO, REP, "This is where managers leave comments and coach on specific moments."),
    L(DEMO, REP, "The forecast view rolls up automatically from the activity on each deal."),
    L(DEMO, CUSTOMER, "Can we filter that view by region?"),
    L(DEMO, CUSTOMER, "That's much cleaner than what we use today."),
    L(DEMO, CUSTOMER, "Does this sync back to our CRM automatically?"),
    L(PRICING, REP, "Pricing is per seat, billed annually."),
    L(PRICING, REP, "For %n seats we could offer a discount on a two-year agreement."),
    L(PRICING, REP, "I'll send over a proposal with the pricing options we discussed."),
    L(PRICING, REP, "Do you have a budget set aside for this?"),
    L(PRICING, CUSTOMER, "What does the price look like for a team our size?"),
    OBJ(PRICING, CUSTOMER, "That price is higher than we expected."),
    OBJ(PRICING, CUSTOMER, "Our budget for this year is already mostly committed."),
    L(PRICING, CUSTOMER, "We'd need to get procurement involved before signing anything."),
    L(COMPETITION, REP, "How does %k compare in your evaluation so far?"),
    L(COMPETITION, REP, "A lot of teams switch to us from %k because of the forecasting accuracy."),
    L(COMPETITION, REP, "Happy to introduce you to a customer who moved from %k last year."),
    OBJ(COMPETITION, CUSTOMER, "We're also looking at %k, and their quote came in lower."),
    L(COMPETITION, CUSTOMER, "Our sales ops team already uses %k for part of this."),
    OBJ(COMPETITION, CUSTOMER, "I'm not sure we can justify switching tools mid-year."),
    L(SECURITY, REP, "We're SOC 2 Type II certified and GDPR compliant."),
    L(SECURITY, REP, "I can send our answers to your security questionnaire today."),
    L(SECURITY, REP, "Recordings are encrypted at rest and in transit."),
    L(SECURITY, CUSTOMER, "Our security team will need to review your data retention policy."),
    L(SECURITY, CUSTOMER, "Where is the data hosted?"),
    L(SECURITY, CUSTOMER, "Do you support single sign-on with Okta?"),
    L(NEXT, REP, "As a next step, I'll set up a technical deep dive with your team."),
    L(NEXT, REP, "I'll send a recap and the proposal by Friday."),
    L(NEXT, REP, "Does next Tuesday work for a follow-up call?"),
    L(NEXT, REP, "Could we get your VP of Sales on the next call?"),
    L(NEXT, CUSTOMER, "Next Tuesday works, send over an invite."),
    L(NEXT, CUSTOMER, "Let me check with my manager and get back to you."),
    L(NEXT, CUSTOMER, "Thanks %h, this was really helpful."),
    L(VOICEMAIL, REP, "Hi %p, this is %h from Gong."),
    L(VOICEMAIL, REP, "I'm calling about the pipeline visibility challenges we discussed."),
    L(VOICEMAIL, REP, "Give me a call back when you have a minute, or just reply to my email."),
    L(VOICEMAIL, REP, "Talk soon, bye."),
    L(OPEN, ANY, "Morning everyone, let's get started."),
    L(OPEN, ANY, "Thanks for joining, we have a full agenda today."),
    L(OPEN, ANY, "Can everyone see my screen?"),
    L(PIPELINE, ANY, "We're at about eighty percent of the quarterly target."),
    L(PIPELINE, ANY, "Three deals slipped to next quarter, mostly on budget timing."),
    L(PIPELINE, ANY, "What's the latest on %c?"),
    L(PIPELINE, ANY, "The %c opportunity moved to negotiation this week."),
    L(DEALS, ANY, "They're comparing us with %k on price."),
    L(DEALS, ANY, "Legal is reviewing the security addendum."),
    L(DEALS, ANY, "I think we need an executive sponsor on their side."),
    L(DEALS, ANY, "Can we get a discount approved by the deal desk?"),
    L(COACHING, ANY, "Let's listen to the clip where the pricing question came up."),
    L(COACHING, ANY, "Try asking more open questions in discovery."),
    L(COACHING, ANY, "Nice job handling the objection about %k."),
    L(ACTIONS, ANY, "Next steps: update the forecast in the CRM by Thursday."),
    L(ACTIONS, ANY, "%p, can you follow up with %c on the proposal?"),
    L(ACTIONS, ANY, "Great, thanks everyone."),
};

static const struct line LINES_FR[] = {
    L(GREETING, REP, "Bonjour %p, merci d'avoir pris le temps aujourd'hui."),
    L(GREETING, REP, "Vous m'entendez bien, %p ?"),
    L(GREETING, REP, "Ravi de rencontrer enfin l'équipe de %c."),
    L(GREETING, REP, "Avant de commencer, comment s'est passée votre semaine ?"),
    L(GREETING, CUSTOMER, "Bonjour %h, oui, parfaitement."),
    L(GREETING, CUSTOMER, "Merci de nous recevoir, nous avons hâte de voir ça."),
    L(GREETING, CUSTOMER, "Semaine chargée, nous clôturons le trimestre chez %c."),
    L(GREETING, CUSTOMER, "Très bien, merci."),
    L(DISCOVERY, REP,
      "Qu'est-ce qui vous pousse à chercher une solution comme la nôtre maintenant ?"),
    L(DISCOVERY, REP,
      "Comment votre équipe suit-elle les affaires et les prévisions aujourd'hui ?"),
    L(DISCOVERY, REP, "Combien de commerciaux compte l'équipe chez %c ?"),
    L(DISCOVERY, REP, "Que se passe-t-il si rien ne change dans les six prochains mois ?"),
    L(DISCOVERY, REP, "Qui d'autre participe à l'évaluation ?"),
    L(DISCOVERY, CUSTOMER, "Nous avons environ %n commerciaux répartis sur trois régions."),
    L(DISCOVERY, CUSTOMER, "Honnêtement, nos prévisions sont encore surtout dans des tableurs."),
    L(DISCOVERY, CUSTOMER,
      "Nos managers passent des heures à écouter des appels et ratent quand même "
      "l'essentiel."),
    L(DISCOVERY, CUSTOMER,
      "Le temps de montée en compétence des nouveaux est notre plus gros problème."),
    L(DISCOVERY, CUSTOMER,
      "Notre directeur commercial veut plus de visibilité sur le pipeline avant le prochain "
      "conseil."),
    L(DEMO, REP, "Je partage mon écran pour vous montrer le tableau des affaires."),
    L(DEMO, REP, "Ici, vous voyez tous les échanges avec %c sur une seule frise."),
    L(DEMO, REP, "C'est ici que les managers commentent et coachent sur des moments précis."),
    L(DEMO, REP, "La vue des prévisions se met à jour automatiquement à partir de l'activité."),
    L(DEMO, CUSTOMER, "Peut-on filtrer cette vue par région ?"),
    L(DEMO, CUSTOMER, "C'est beaucoup plus clair que notre outil actuel."),
    L(DEMO, CUSTOMER, "Est-ce que ça se synchronise automatiquement avec notre CRM ?"),
    L(PRICING, REP, "Le prix est par utilisateur, facturé à l'année."),
    L(PRICING, REP,
      "Pour %n licences, nous pouvons proposer une remise sur un engagement de deux ans."),
    L(PRICING, REP,
      "Je vous envoie une proposition avec les options de tarif dont nous avons parlé."),
    L(PRICING, REP, "Avez-vous déjà un budget prévu pour ce projet ?"),
    L(PRICING, CUSTOMER, "Quel serait le prix pour une équipe de notre taille ?"),
    OBJ(PRICING, CUSTOMER, "Ce prix est plus élevé que prévu."),
    OBJ(PRICING, CUSTOMER, "Notre budget de l'année est déjà presque entièrement engagé."),
    L(PRICING, CUSTOMER, "Il faudra impliquer les achats avant de signer quoi que ce soit."),
    L(COMPETITION, REP, "Comment %k se situe-t-il dans votre évaluation jusqu'ici ?"),
    L(COMPETITION, REP,
      "Beaucoup d'équipes passent de %k à notre solution pour la fiabilité des prévisions."),
    L(COMPETITION, REP,
      "Je peux vous mettre en contact avec un client qui a quitté %k l'an dernier."),
    OBJ(COMPETITION, CUSTOMER, "Nous regardons aussi %k, et leur offre est moins chère."),
    L(COMPETITION, CUSTOMER,
      "Notre équipe sales ops utilise déjà %k pour une partie de ces besoins."),
    OBJ(COMPETITION, CUSTOMER,
        "Je ne suis pas sûr que nous puissions justifier un changement d'outil en cours "
        "d'année."),
    L(SECURITY, REP, "Nous sommes certifiés SOC 2 Type II et conformes au RGPD."),
    L(SECURITY, REP, "Je peux vous envoyer aujourd'hui nos réponses au questionnaire de sécurité."),
    L(SECURITY, REP, "Les enregistrements sont chiffrés au repos et en transit."),
    L(SECURITY, CUSTOMER,
      "Notre équipe sécurité devra valider votre politique de conservation des données."),
    L(SECURITY, CUSTOMER, "Où les données sont-elles hébergées ?"),
    L(SECURITY, CUSTOMER, "Est-ce que vous gérez l'authentification unique avec Okta ?"),
    L(NEXT, REP, "Comme prochaine étape, j'organise un atelier technique avec votre équipe."),
    L(NEXT, REP, "Je vous envoie un récapitulatif et la proposition d'ici vendredi."),
    L(NEXT, REP, "Mardi prochain vous irait pour un point de suivi ?"),
    L(NEXT, REP, "Pourrions-nous inviter votre directeur commercial au prochain appel ?"),
    L(NEXT, CUSTOMER, "Mardi prochain, c'est parfait, envoyez-moi une invitation."),
    L(NEXT, CUSTOMER, "Je vérifie avec mon responsable et je reviens vers vous."),
    L(NEXT, CUSTOMER, "Merci %h, c'était très utile."),
    L(VOICEMAIL, REP, "Bonjour %p, ici %h de chez Gong."),
    L(VOICEMAIL, REP,
      "Je vous appelle au sujet de la visibilité sur le pipeline dont nous avions parlé."),
    L(VOICEMAIL, REP,
      "Rappelez-moi quand vous aurez une minute, ou répondez simplement à mon e-mail."),
    L(VOICEMAIL, REP, "À bientôt, au revoir."),
    L(OPEN, ANY, "Bonjour à tous, on commence."),
    L(OPEN, ANY, "Merci d'être là, l'ordre du jour est chargé."),
    L(OPEN, ANY, "Tout le monde voit mon écran ?"),
    L(PIPELINE, ANY, "Nous sommes à environ quatre-vingts pour cent de l'objectif trimestriel."),
    L(PIPELINE, ANY,
      "Trois affaires ont glissé au trimestre prochain, surtout pour des questions de "
      "budget."),
    L(PIPELINE, ANY, "Où en est-on avec %c ?"),
    L(PIPELINE, ANY, "L'opportunité %c est passée en négociation cette semaine."),
    L(DEALS, ANY, "Ils nous comparent à %k sur le prix."),
    L(DEALS, ANY, "Le juridique relit l'avenant sécurité."),
    L(DEALS, ANY, "Il nous faut un sponsor exécutif de leur côté."),
    L(DEALS, ANY, "Peut-on faire valider une remise par le deal desk ?"),
    L(COACHING, ANY, "Écoutons l'extrait où la question du prix est arrivée."),
    L(COACHING, ANY, "Essaie de poser plus de questions ouvertes en découverte."),
    L(COACHING, ANY, "Bien joué sur l'objection concernant %k."),
    L(ACTIONS, ANY, "Prochaine étape : mettre à jour les prévisions dans le CRM d'ici jeudi."),
    L(ACTIONS, ANY, "%p, tu peux relancer %c sur la proposition ?"),
    L(ACTIONS, ANY, "Parfait, merci à tous."),
};

static const struct line LINES_ES[] = {
    L(GREETING, REP, "Hola %p, gracias por tu tiempo hoy."),
    L(GREETING, REP, "¿Me escuchas bien, %p?"),
    L(GREETING, REP, "Qué bueno conocer por fin al equipo de %c."),
    L(GREETING, REP, "Antes de empezar, ¿qué tal tu semana?"),
    L(GREETING, CUSTOMER, "Hola %h, sí, perfectamente."),
    L(GREETING, CUSTOMER, "Gracias por recibirnos, tenemos muchas ganas de verlo."),
    L(GREETING, CUSTOMER, "Semana intensa, estamos cerrando el trimestre en %c."),
    L(GREETING, CUSTOMER, "Muy bien, gracias por preguntar."),
    L(DISCOVERY, REP, "¿Qué os lleva a buscar una solución como la nuestra ahora?"),
    L(DISCOVERY, REP, "¿Cómo hace hoy tu equipo el seguimiento de oportunidades y previsiones?"),
    L(DISCOVERY, REP, "¿Cuántos comerciales tiene el equipo de %c?"),
    L(DISCOVERY, REP, "¿Qué pasa si nada cambia en los próximos seis meses?"),
    L(DISCOVERY, REP, "¿Quién más participa en la evaluación?"),
    L(DISCOVERY, CUSTOMER, "Tenemos unos %n comerciales en tres regiones."),
    L(DISCOVERY, CUSTOMER, "Sinceramente, casi toda la previsión sigue en hojas de cálculo."),
    L(DISCOVERY, CUSTOMER,
      "Los managers pasan horas escuchando llamadas y aun así se pierden lo importante."),
    L(DISCOVERY, CUSTOMER,
      "El tiempo de incorporación de los nuevos comerciales es nuestro mayor problema."),
    L(DISCOVERY, CUSTOMER,
      "Nuestro director de ventas quiere más visibilidad del pipeline antes del próximo "
      "consejo."),
    L(DEMO, REP, "Comparto mi pantalla y te enseño el tablero de oportunidades."),
    L(DEMO, REP, "Aquí ves todas las conversaciones con %c en una sola línea de tiempo."),
    L(DEMO, REP,
      "Aquí es donde los managers dejan comentarios y hacen coaching sobre momentos "
      "concretos."),
    L(DEMO, REP, "La vista de previsión se actualiza sola con la actividad de cada oportunidad."),
    L(DEMO, CUSTOMER, "¿Podemos filtrar esa vista por región?"),
    L(DEMO, CUSTOMER, "Es mucho más claro que lo que usamos hoy."),
    L(DEMO, CUSTOMER, "¿Se sincroniza automáticamente con nuestro CRM?"),
    L(PRICING, REP, "El precio es por usuario, con facturación anual."),
    L(PRICING, REP, "Para %n licencias podemos ofrecer un descuento con un contrato de dos años."),
    L(PRICING, REP, "Te envío una propuesta con las opciones de precio que hemos comentado."),
    L(PRICING, REP, "¿Tenéis un presupuesto asignado para esto?"),
    L(PRICING, CUSTOMER, "¿Qué precio tendría para un equipo de nuestro tamaño?"),
    OBJ(PRICING, CUSTOMER, "Ese precio es más alto de lo que esperábamos."),
    OBJ(PRICING, CUSTOMER, "Nuestro presupuesto de este año ya está casi comprometido."),
    L(PRICING, CUSTOMER, "Tendríamos que involucrar a compras antes de firmar nada."),
    L(COMPETITION, REP, "¿Cómo se compara %k en vuestra evaluación hasta ahora?"),
    L(COMPETITION, REP,
      "Muchos equipos se cambian de %k a nosotros por la precisión de las previsiones."),
    L(COMPETITION, REP, "Puedo ponerte en contacto con un cliente que dejó %k el año pasado."),
    OBJ(COMPETITION, CUSTOMER, "También estamos mirando %k, y su oferta es más barata."),
    L(COMPETITION, CUSTOMER, "Nuestro equipo de operaciones ya usa %k para parte de esto."),
    OBJ(COMPETITION, CUSTOMER,
        "No sé si podemos justificar un cambio de herramienta a mitad de año."),
    L(SECURITY, REP, "Tenemos la certificación SOC 2 Tipo II y cumplimos el RGPD."),
    L(SECURITY, REP, "Hoy mismo te envío las respuestas al cuestionario de seguridad."),
    L(SECURITY, REP, "Las grabaciones están cifradas en reposo y en tránsito."),
    L(SECURITY, CUSTOMER,
      "Nuestro equipo de seguridad tendrá que revisar vuestra política de retención de "
      "datos."),
    L(SECURITY, CUSTOMER, "¿Dónde se alojan los datos?"),
    L(SECURITY, CUSTOMER, "¿Soportáis inicio de sesión único con Okta?"),
    L(NEXT, REP, "Como próximo paso, organizo una sesión técnica con tu equipo."),
    L(NEXT, REP, "Te envío un resumen y la propuesta antes del viernes."),
    L(NEXT, REP, "¿Te viene bien el martes que viene para una llamada de seguimiento?"),
    L(NEXT, REP, "¿Podríamos invitar a vuestro director de ventas a la próxima llamada?"),
    L(NEXT, CUSTOMER, "El martes me viene bien, envíame la invitación."),
    L(NEXT, CUSTOMER, "Lo consulto con mi responsable y te digo algo."),
    L(NEXT, CUSTOMER, "Gracias %h, ha sido muy útil."),
    L(VOICEMAIL, REP, "Hola %p, soy %h de Gong."),
    L(VOICEMAIL, REP, "Te llamo por lo de la visibilidad del pipeline que comentamos."),
    L(VOICEMAIL, REP, "Llámame cuando tengas un momento, o responde a mi correo."),
    L(VOICEMAIL, REP, "Hasta pronto, adiós."),
    L(OPEN, ANY, "Buenos días a todos, empezamos."),
    L(OPEN, ANY, "Gracias por venir, tenemos una agenda completa."),
    L(OPEN, ANY, "¿Veis todos mi pantalla?"),
    L(PIPELINE, ANY, "Estamos en torno al ochenta por ciento del objetivo trimestral."),
    L(PIPELINE, ANY,
      "Tres oportunidades se han pasado al próximo trimestre, sobre todo por presupuesto."),
    L(PIPELINE, ANY, "¿Cómo va lo de %c?"),
    L(PIPELINE, ANY, "La oportunidad de %c ha pasado a negociación esta semana."),
    L(DEALS, ANY, "Nos están comparando con %k en precio."),
    L(DEALS, ANY, "Legal está revisando el anexo de seguridad."),
    L(DEALS, ANY, "Necesitamos un patrocinador ejecutivo de su lado."),
    L(DEALS, ANY, "¿Podemos conseguir que el deal desk apruebe un descuento?"),
    L(COACHING, ANY, "Escuchemos el fragmento donde salió la pregunta del precio."),
    L(COACHING, ANY, "Intenta hacer más preguntas abiertas en la fase de descubrimiento."),
    L(COACHING, ANY, "Muy bien gestionada la objeción sobre %k."),
    L(ACTIONS, ANY, "Próximo paso: actualizar la previsión en el CRM antes del jueves."),
    L(ACTIONS, ANY, "%p, ¿puedes hacer el seguimiento con %c sobre la propuesta?"),
    L(ACTIONS, ANY, "Perfecto, gracias a todos."),
};

static const struct line LINES_DE[] = {
    L(GREETING, REP, "Hallo %p, danke, dass Sie sich heute Zeit nehmen."),
    L(GREETING, REP, "Können Sie mich gut hören, %p?"),
    L(GREETING, REP, "Schön, das Team von %c endlich kennenzulernen."),
    L(GREETING, REP, "Bevor wir loslegen: Wie war Ihre Woche?"),
    L(GREETING, CUSTOMER, "Hallo %h, ja, sehr gut."),
    L(GREETING, CUSTOMER, "Danke für die Einladung, wir sind gespannt."),
    L(GREETING, CUSTOMER, "Stressige Woche, wir schließen gerade das Quartal bei %c ab."),
    L(GREETING, CUSTOMER, "Gut, danke der Nachfrage."),
    L(DISCOVERY, REP,
      "Was hat Sie dazu gebracht, sich gerade jetzt nach einer Lösung wie unserer "
      "umzusehen?"),
    L(DISCOVERY, REP, "Wie verfolgt Ihr Team heute Deals und Prognosen?"),
    L(DISCOVERY, REP, "Wie viele Vertriebler hat das Team bei %c?"),
    L(DISCOVERY, REP, "Was passiert, wenn sich in den nächsten sechs Monaten nichts ändert?"),
    L(DISCOVERY, REP, "Wer ist sonst noch an der Bewertung beteiligt?"),
    L(DISCOVERY, CUSTOMER, "Wir haben etwa %n Vertriebler in drei Regionen."),
    L(DISCOVERY, CUSTOMER, "Ehrlich gesagt steckt unsere Prognose größtenteils noch in Tabellen."),
    L(DISCOVERY, CUSTOMER,
      "Unsere Manager hören stundenlang Gespräche an und verpassen trotzdem das Wichtige."),
    L(DISCOVERY, CUSTOMER,
      "Die Einarbeitungszeit neuer Mitarbeiter ist gerade unser größtes Problem."),
    L(DISCOVERY, CUSTOMER,
      "Unser Vertriebsleiter möchte vor der nächsten Vorstandssitzung mehr Einblick in die "
      "Pipeline."),
    L(DEMO, REP, "Ich teile kurz meinen Bildschirm und zeige Ihnen das Deal-Board."),
    L(DEMO, REP, "Hier sehen Sie alle Gespräche mit %c auf einer Zeitachse."),
    L(DEMO, REP, "Hier hinterlassen Manager Kommentare und coachen an konkreten Stellen."),
    L(DEMO, REP, "Die Prognoseansicht aktualisiert sich automatisch aus den Aktivitäten."),
    L(DEMO, CUSTOMER, "Können wir diese Ansicht nach Region filtern?"),
    L(DEMO, CUSTOMER, "Das ist viel übersichtlicher als unser heutiges Tool."),
    L(DEMO, CUSTOMER, "Synchronisiert sich das automatisch mit unserem CRM?"),
    L(PRICING, REP, "Der Preis gilt pro Nutzer, jährlich abgerechnet."),
    L(PRICING, REP, "Für %n Lizenzen können wir bei zwei Jahren Laufzeit einen Rabatt anbieten."),
    L(PRICING, REP, "Ich schicke Ihnen ein Angebot mit den besprochenen Preisoptionen."),
    L(PRICING, REP, "Haben Sie dafür schon ein Budget eingeplant?"),
    L(PRICING, CUSTOMER, "Wie sieht der Preis für ein Team unserer Größe aus?"),
    OBJ(PRICING, CUSTOMER, "Der Preis ist höher als erwartet."),
    OBJ(PRICING, CUSTOMER, "Unser Budget für dieses Jahr ist schon fast verplant."),
    L(PRICING, CUSTOMER, "Vor einer Unterschrift müssten wir den Einkauf einbinden."),
    L(COMPETITION, REP, "Wie schneidet %k bisher in Ihrer Bewertung ab?"),
    L(COMPETITION, REP, "Viele Teams wechseln wegen der genaueren Prognosen von %k zu uns."),
    L(COMPETITION, REP,
      "Gern stelle ich den Kontakt zu einem Kunden her, der letztes Jahr von %k gewechselt "
      "ist."),
    OBJ(COMPETITION, CUSTOMER, "Wir schauen uns auch %k an, und deren Angebot ist günstiger."),
    L(COMPETITION, CUSTOMER, "Unser Sales-Ops-Team nutzt %k bereits für einen Teil davon."),
    OBJ(COMPETITION, CUSTOMER,
        "Ich weiß nicht, ob wir einen Toolwechsel mitten im Jahr rechtfertigen können."),
    L(SECURITY, REP, "Wir sind nach SOC 2 Typ II zertifiziert und DSGVO-konform."),
    L(SECURITY, REP, "Die Antworten auf Ihren Sicherheitsfragebogen schicke ich Ihnen heute noch."),
    L(SECURITY, REP, "Aufzeichnungen sind im Ruhezustand und bei der Übertragung verschlüsselt."),
    L(SECURITY, CUSTOMER,
      "Unser Sicherheitsteam muss Ihre Richtlinie zur Datenaufbewahrung prüfen."),
    L(SECURITY, CUSTOMER, "Wo werden die Daten gehostet?"),
    L(SECURITY, CUSTOMER, "Unterstützen Sie Single Sign-on mit Okta?"),
    L(NEXT, REP, "Als nächster Schritt organisiere ich einen technischen Workshop mit Ihrem Team."),
    L(NEXT, REP, "Ich schicke Ihnen bis Freitag eine Zusammenfassung und das Angebot."),
    L(NEXT, REP, "Passt Ihnen nächsten Dienstag ein Follow-up?"),
    L(NEXT, REP, "Könnten wir Ihren Vertriebsleiter zum nächsten Termin einladen?"),
    L(NEXT, CUSTOMER, "Dienstag passt, schicken Sie mir eine Einladung."),
    L(NEXT, CUSTOMER, "Ich kläre das mit meinem Vorgesetzten und melde mich."),
    L(NEXT, CUSTOMER, "Danke %h, das war sehr hilfreich."),
    L(VOICEMAIL, REP, "Hallo %p, hier ist %h von Gong."),
    L(VOICEMAIL, REP,
      "Ich rufe wegen der Pipeline-Transparenz an, über die wir gesprochen hatten."),
    L(VOICEMAIL, REP, "Rufen Sie mich gern zurück, oder antworten Sie einfach auf meine E-Mail."),
    L(VOICEMAIL, REP, "Bis bald, tschüss."),
    L(OPEN, ANY, "Morgen zusammen, fangen wir an."),
    L(OPEN, ANY, "Danke fürs Kommen, die Agenda ist voll."),
    L(OPEN, ANY, "Seht ihr alle meinen Bildschirm?"),
    L(PIPELINE, ANY, "Wir liegen bei etwa achtzig Prozent des Quartalsziels."),
    L(PIPELINE, ANY, "Drei Deals sind ins nächste Quartal gerutscht, meist wegen des Budgets."),
    L(PIPELINE, ANY, "Wie ist der Stand bei %c?"),
    L(PIPELINE, ANY, "Die Opportunity %c ist diese Woche in die Verhandlung gegangen."),
    L(DEALS, ANY, "Sie vergleichen uns beim Preis mit %k."),
    L(DEALS, ANY, "Die Rechtsabteilung prüft den Sicherheitsanhang."),
    L(DEALS, ANY, "Wir brauchen einen Sponsor aus deren Geschäftsleitung."),
    L(DEALS, ANY, "Können wir beim Deal Desk einen Rabatt freigeben lassen?"),
    L(COACHING, ANY, "Hören wir uns die Stelle an, an der die Preisfrage kam."),
    L(COACHING, ANY, "Versuch, in der Bedarfsanalyse mehr offene Fragen zu stellen."),
    L(COACHING, ANY, "Gut gemacht beim Einwand zu %k."),
    L(ACTIONS, ANY, "Nächster Schritt: die Prognose bis Donnerstag im CRM aktualisieren."),
    L(ACTIONS, ANY, "%p, kannst du bei %c wegen des Angebots nachfassen?"),
    L(ACTIONS, ANY, "Super, danke euch allen."),
};

static const struct line LINES_IT[] = {
    L(GREETING, REP, "Ciao %p, grazie per il tempo che ci dedichi oggi."),
    L(GREETING, REP, "Mi senti bene, %p?"),
    L(GREETING, REP, "Che piacere conoscere finalmente il team di %c."),
    L(GREETING, REP, "Prima di iniziare, com'è andata la settimana?"),
    L(GREETING, CUSTOMER, "Ciao %h, sì, benissimo."),
    L(GREETING, CUSTOMER, "Grazie dell'invito, siamo curiosi di vederlo."),
    L(GREETING, CUSTOMER, "Settimana intensa, stiamo chiudendo il trimestre in %c."),
    L(GREETING, CUSTOMER, "Tutto bene, grazie."),
    L(DISCOVERY, REP, "Cosa vi spinge a cercare una soluzione come la nostra proprio adesso?"),
    L(DISCOVERY, REP, "Come segue oggi il tuo team le trattative e le previsioni?"),
    L(DISCOVERY, REP, "Quanti commerciali ha il team di %c?"),
    L(DISCOVERY, REP, "Cosa succede se nei prossimi sei mesi non cambia nulla?"),
    L(DISCOVERY, REP, "Chi altro è coinvolto nella valutazione?"),
    L(DISCOVERY, CUSTOMER, "Abbiamo circa %n commerciali in tre regioni."),
    L(DISCOVERY, CUSTOMER,
      "Sinceramente, le previsioni sono ancora quasi tutte su fogli di calcolo."),
    L(DISCOVERY, CUSTOMER,
      "I manager passano ore ad ascoltare chiamate e perdono comunque i momenti "
      "importanti."),
    L(DISCOVERY, CUSTOMER,
      "Il tempo di inserimento dei nuovi commerciali è il nostro problema più grande."),
    L(DISCOVERY, CUSTOMER,
      "Il nostro direttore vendite vuole più visibilità sulla pipeline prima del prossimo "
      "consiglio."),
    L(DEMO, REP, "Condivido lo schermo e ti mostro la bacheca delle trattative."),
    L(DEMO, REP, "Qui vedi tutte le conversazioni con %c su un'unica linea temporale."),
    L(DEMO, REP, "Qui i manager lasciano commenti e fanno coaching su momenti precisi."),
    L(DEMO, REP, "La vista delle previsioni si aggiorna da sola in base alle attività."),
    L(DEMO, CUSTOMER, "Possiamo filtrare questa vista per regione?"),
    L(DEMO, CUSTOMER, "È molto più chiaro di quello che usiamo oggi."),
    L(DEMO, CUSTOMER, "Si sincronizza automaticamente con il nostro CRM?"),
    L(PRICING, REP, "Il prezzo è per utente, con fatturazione annuale."),
    L(PRICING, REP, "Per %n licenze possiamo offrire uno sconto con un contratto biennale."),
    L(PRICING, REP, "Ti mando una proposta con le opzioni di prezzo di cui abbiamo parlato."),
    L(PRICING, REP, "Avete già un budget previsto per questo progetto?"),
    L(PRICING, CUSTOMER, "Che prezzo avrebbe per un team delle nostre dimensioni?"),
    OBJ(PRICING, CUSTOMER, "Il prezzo è più alto di quanto ci aspettassimo."),
    OBJ(PRICING, CUSTOMER, "Il nostro budget per quest'anno è già quasi tutto impegnato."),
    L(PRICING, CUSTOMER, "Dovremmo coinvolgere l'ufficio acquisti prima di firmare."),
    L(COMPETITION, REP, "Come si colloca %k nella vostra valutazione finora?"),
    L(COMPETITION, REP, "Molti team passano da %k a noi per l'accuratezza delle previsioni."),
    L(COMPETITION, REP,
      "Posso metterti in contatto con un cliente che ha lasciato %k l'anno scorso."),
    OBJ(COMPETITION, CUSTOMER, "Stiamo valutando anche %k, e la loro offerta costa meno."),
    L(COMPETITION, CUSTOMER,
      "Il nostro team di sales operations usa già %k per una parte di questo."),
    OBJ(COMPETITION, CUSTOMER,
        "Non so se possiamo giustificare un cambio di strumento a metà anno."),
    L(SECURITY, REP, "Abbiamo la certificazione SOC 2 Type II e siamo conformi al GDPR."),
    L(SECURITY, REP, "Oggi stesso ti mando le risposte al questionario sulla sicurezza."),
    L(SECURITY, REP, "Le registrazioni sono crittografate a riposo e in transito."),
    L(SECURITY, CUSTOMER,
      "Il nostro team di sicurezza dovrà verificare la vostra politica di conservazione dei "
      "dati."),
    L(SECURITY, CUSTOMER, "Dove sono ospitati i dati?"),
    L(SECURITY, CUSTOMER, "Supportate il single sign-on con Okta?"),
    L(NEXT, REP, "Come prossimo passo, organizzo un approfondimento tecnico con il tuo team."),
    L(NEXT, REP, "Ti mando un riepilogo e la proposta entro venerdì."),
    L(NEXT, REP, "Martedì prossimo va bene per una chiamata di follow-up?"),
    L(NEXT, REP, "Potremmo invitare il vostro direttore vendite alla prossima chiamata?"),
    L(NEXT, CUSTOMER, "Martedì va benissimo, mandami pure l'invito."),
    L(NEXT, CUSTOMER, "Ne parlo con il mio responsabile e ti faccio sapere."),
    L(NEXT, CUSTOMER, "Grazie %h, è stato davvero utile."),
    L(VOICEMAIL, REP, "Ciao %p, sono %h di Gong."),
    L(VOICEMAIL, REP, "Ti chiamo per la visibilità sulla pipeline di cui avevamo parlato."),
    L(VOICEMAIL, REP, "Richiamami quando hai un minuto, oppure rispondi alla mia e-mail."),
    L(VOICEMAIL, REP, "A presto, ciao."),
    L(OPEN, ANY, "Buongiorno a tutti, iniziamo."),
    L(OPEN, ANY, "Grazie di essere qui, l'agenda è piena."),
    L(OPEN, ANY, "Vedete tutti il mio schermo?"),
    L(PIPELINE, ANY, "Siamo a circa l'ottanta per cento dell'obiettivo trimestrale."),
    L(PIPELINE, ANY,
      "Tre trattative sono slittate al prossimo trimestre, soprattutto per il budget."),
    L(PIPELINE, ANY, "A che punto siamo con %c?"),
    L(PIPELINE, ANY, "L'opportunità %c è passata in negoziazione questa settimana."),
    L(DEALS, ANY, "Ci stanno confrontando con %k sul prezzo."),
    L(DEALS, ANY, "L'ufficio legale sta rivedendo l'allegato sulla sicurezza."),
    L(DEALS, ANY, "Ci serve uno sponsor esecutivo dalla loro parte."),
    L(DEALS, ANY, "Possiamo far approvare uno sconto dal deal desk?"),
    L(COACHING, ANY, "Ascoltiamo il pezzo in cui è arrivata la domanda sul prezzo."),
    L(COACHING, ANY, "Prova a fare più domande aperte nella fase di scoperta."),
    L(COACHING, ANY, "Ottima gestione dell'obiezione su %k."),
    L(ACTIONS, ANY, "Prossimo passo: aggiornare le previsioni nel CRM entro giovedì."),
    L(ACTIONS, ANY, "%p, puoi ricontattare %c sulla proposta?"),
    L(ACTIONS, ANY, "Perfetto, grazie a tutti."),
};

#undef L
#undef OBJ

/*
 * The company's trackers. The keyword ones find their phrases in the sentences, ignoring the
 * case of ASCII letters (the phrases are in each language's bank); "Competitors" finds the
 * competitors' names in every language, and "Objections", a smart tracker, the lines marked
 * as objections.
 */
enum tracker {
	TR_COMPETITORS,
	TR_PRICING,
	TR_BUDGET,
	TR_NEXT_STEPS,
	TR_SECURITY,
	TR_OBJECTIONS,
	TR_COUNT
};

static const char *const TRACKER_NAMES[TR_COUNT] = {
    "Competitors", "Pricing", "Budget", "Next Steps", "Security", "Objections",
};

/* The keyword trackers other than Competitors: TR_PRICING to TR_SECURITY. */
#define BANK_KEYWORD_TRACKERS 4
#define BANK_MAX_PHRASES 5

/* A language's phrase bank and its trackers' phrases (each list ends with NULL). */
struct bank {
	const struct line *lines;
	size_t n;
	const char *phrases[BANK_KEYWORD_TRACKERS][BANK_MAX_PHRASES];
};

enum lang { LANG_EN, LANG_FR, LANG_ES, LANG_DE, LANG_IT, LANG_COUNT };

static const struct bank BANKS[LANG_COUNT] = {
    [LANG_EN] = {LINES_EN,
                 COUNT(LINES_EN),
                 {{"price", "pricing", "discount", NULL},
                  {"budget", NULL},
                  {"next step", "follow-up", NULL},
                  {"security", "SOC 2", "GDPR", "single sign-on", NULL}}},
    [LANG_FR] = {LINES_FR,
                 COUNT(LINES_FR),
                 {{"prix", "tarif", "remise", NULL},
                  {"budget", NULL},
                  {"prochaine étape", "relance", NULL},
                  {"sécurité", "SOC 2", "RGPD", "chiffrés", NULL}}},
    [LANG_ES] = {LINES_ES,
                 COUNT(LINES_ES),
                 {{"precio", "descuento", NULL},
                  {"presupuesto", NULL},
                  {"próximo paso", "seguimiento", NULL},
                  {"seguridad", "SOC 2", "RGPD", "cifradas", NULL}}},
    [LANG_DE] = {LINES_DE,
                 COUNT(LINES_DE),
                 {{"Preis", "Rabatt", NULL},
                  {"Budget", NULL},
                  {"nächster Schritt", "Follow-up", NULL},
                  {"Sicherheit", "SOC 2", "DSGVO", "verschlüsselt", NULL}}},
    [LANG_IT] = {LINES_IT,
                 COUNT(LINES_IT),
                 {{"prezzo", "sconto", NULL},
                  {"budget", NULL},
                  {"prossimo passo", "follow-up", NULL},
                  {"sicurezza", "SOC 2", "GDPR", "crittografate", NULL}}},
};

/* Lines a bank may hold: the size of a call's table of lines already said. */
#define BANK_MAX_LINES 96
_Static_assert(COUNT(LINES_EN) <= BANK_MAX_LINES && COUNT(LINES_FR) <= BANK_MAX_LINES &&
                   COUNT(LINES_ES) <= BANK_MAX_LINES && COUNT(LINES_DE) <= BANK_MAX_LINES &&
                   COUNT(LINES_IT) <= BANK_MAX_LINES,
               "a bank fits the table of lines said");

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

/*
 * A stream for what must read the same wherever it appears (a user's name, a contact's email,
 * an opportunity's id): it depends on the seed, a salt and two numbers, never on a call.
 */
static uint64_t
stream_of(uint64_t seed, uint64_t salt, uint64_t a, uint64_t b)
{
	return rng_mix(rng_mix(rng_mix(seed ^ salt) + a) + rng_mix(b + 0x2545f4914f6cdd1dULL));
}

/* Writes `digits` random decimal digits, the first one not zero. */
static void
random_digits(uint64_t *r, char *out, unsigned digits)
{
	out[0] = (char)('1' + draw_below(r, 9));
	for (unsigned i = 1; i < digits; i++)
		out[i] = (char)('0' + draw_below(r, 10));
	out[digits] = '\0';
}

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
static const char MIXED_ALNUM[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
static const char LOWER[] = "abcdefghijklmnopqrstuvwxyz";
static const char HEX[] = "0123456789abcdef";

/* An id of `digits` digits made from a stream of its own. */
static void
id_from(uint64_t stream, char *out, unsigned digits)
{
	random_digits(&stream, out, digits);
}

static uint64_t
gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/*
 * The k-th name pair (first + COUNT(FIRST_NAMES) * last) of a permutation of all pairs that
 * `h` chooses: the first NAME_PAIRS people of a set all have different names, and so does each
 * later run of NAME_PAIRS.
 */
static unsigned
name_pair(uint64_t h, uint64_t k)
{
	uint64_t a = (h % NAME_PAIRS) | 1;
	while (gcd(a, NAME_PAIRS) != 1)
		a += 2;
	return (unsigned)((a * (k % NAME_PAIRS) + (h >> 32)) % NAME_PAIRS);
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
	/*
	 * The company's users, workspace by workspace (user u of workspace w is w * 12 + u). Two
	 * users drawn with the same id (a chance in billions) are one person: `first` holds the
	 * index of the first of them, whose profile the later ones copy.
	 */
	struct generate_user *people;
	unsigned *first;
	unsigned *manager; /* the index of each user's manager; UINT_MAX for none */
	size_t npeople;
};

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

/* The earliest instant a date may be written for (see generate_flag_date). */
static int64_t
earliest_us(void)
{
	return isotime_days_from_civil(1, 1, 2) * US_PER_DAY;
}

/*
 * User g's profile: everything but its id and offset comes from a stream of the seed and g, so
 * the calls' own draws are untouched. The hierarchy: the first user of the first workspace
 * heads the company; each workspace's first user reports to that head, its second and third
 * (the managers) to the first, and the others to one of the two managers, sellers to the
 * second and SDRs to the third.
 */
static void
user_profile(const struct dataset *d, unsigned g, struct generate_user *p, unsigned *manager)
{
	const struct generate_options *o = d->o;
	unsigned w = g / GENERATE_USERS_PER_WORKSPACE, k = g % GENERATE_USERS_PER_WORKSPACE;
	const struct user *src = &d->ws[w].users[k];
	uint64_t r = stream_of(o->seed, SALT_PEOPLE, g, 1);
	unsigned pair = name_pair(stream_of(o->seed, SALT_PEOPLE, 0, 0), g);
	unsigned f = pair % COUNT(FIRST_NAMES), l = pair / COUNT(FIRST_NAMES);
	unsigned copy = (unsigned)(g / NAME_PAIRS);
	char tkn[24], digits[16];

	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "%s", src->id);
	snprintf(p->workspace_id, sizeof(p->workspace_id), "%s", d->ws[w].id);
	p->first_name = FIRST_NAMES[f];
	p->last_name = LAST_NAMES[l];
	if (copy)
		snprintf(p->email, sizeof(p->email), "%s.%s%u@gong.example", FIRST_ASCII[f],
		         LAST_ASCII[l], copy + 1);
	else
		snprintf(p->email, sizeof(p->email), "%s.%s@gong.example", FIRST_ASCII[f],
		         LAST_ASCII[l]);

	if (g == 0) {
		p->title = "Chief Revenue Officer";
		*manager = UINT_MAX;
	} else if (k == 0) {
		p->title = "Regional Vice President, Sales";
		*manager = 0;
	} else if (k <= 2) {
		p->title = k == 1 ? "Sales Manager" : "Sales Development Manager";
		*manager = w * GENERATE_USERS_PER_WORKSPACE;
	} else if (k % 2) {
		p->title = PICK(&r, SELLER_TITLES);
		*manager = w * GENERATE_USERS_PER_WORKSPACE + 1;
	} else {
		p->title = PICK(&r, SDR_TITLES);
		*manager = w * GENERATE_USERS_PER_WORKSPACE + 2;
	}
	if (*manager != UINT_MAX) {
		const struct workspace *mw = &d->ws[*manager / GENERATE_USERS_PER_WORKSPACE];
		snprintf(p->manager_id, sizeof(p->manager_id), "%s",
		         mw->users[*manager % GENERATE_USERS_PER_WORKSPACE].id);
	}

	snprintf(p->phone, sizeof(p->phone), "+1 415-555-0%03u", (unsigned)draw_below(&r, 1000));
	if (draw_percent(&r, 35))
		snprintf(p->extension, sizeof(p->extension), "%u",
		         100 + (unsigned)draw_below(&r, 900));
	random_digits(&r, digits, 10);
	snprintf(p->meeting_url, sizeof(p->meeting_url), "https://zoom.us/j/%s", digits);
	random_alnum(&r, tkn, 22, MIXED_ALNUM);
	snprintf(p->consent_url, sizeof(p->consent_url), "https://join.gong.io/gong/%.*s?tkn=%s",
	         (int)(strchr(p->email, '@') - p->email), p->email, tkn);
	p->language = PICK(&r, SPOKEN_LANGUAGES);
	/* Joined between 60 days and about four years before the first call. */
	int64_t created = o->from_us - (60 + (int64_t)draw_below(&r, 1400)) * US_PER_DAY -
	                  (int64_t)draw_below(&r, 86400) * US_PER_S;
	p->created_us = created < earliest_us() ? o->from_us : created;
	p->tz_min = src->tz_min;
	/* A few have left: some at random, and the last seller of each workspace. */
	p->active = g == 0 || !draw_percent(&r, 8);
	if (k == GENERATE_USERS_PER_WORKSPACE - 1)
		p->active = 0;
	p->web_conferences_recorded = !draw_percent(&r, 5);
	p->prevent_web_conference_recording = draw_percent(&r, 2);
	p->telephony_calls_imported = draw_percent(&r, 80);
	p->emails_imported = draw_percent(&r, 70);
	p->prevent_email_import = !p->emails_imported && draw_percent(&r, 30);
	p->non_recorded_meetings_imported = draw_percent(&r, 60);

	/* An old address for some, from a stream of its own so that nothing above changes. */
	uint64_t ra = stream_of(o->seed, SALT_PEOPLE, g, 2);
	if (draw_percent(&ra, 15))
		snprintf(p->email_alias, sizeof(p->email_alias), "%.*s@legacy.gong.example",
		         (int)(strchr(p->email, '@') - p->email), p->email);
}

/* The avatars: who they are, whatever the seed. */
static const struct {
	const char *first, *last, *title, *email;
} AVATARS[GENERATE_AVATARS] = {
    {"Dana", "Whitaker", "Customer Success Manager", "dana.whitaker@gong.io"},
    {"Ravi", "Menon", "Support Engineer", "ravi.menon@gong.io"},
};

/* Whether id is one of the company's users' or of the avatars before `avatars`. */
static int
id_taken(const struct dataset *d, const char *id, const struct generate_user *avatars, size_t n)
{
	for (size_t g = 0; g < d->npeople; g++)
		if (strcmp(d->people[g].id, id) == 0)
			return 1;
	for (size_t a = 0; a < n; a++)
		if (strcmp(avatars[a].id, id) == 0)
			return 1;
	return 0;
}

/*
 * Fills the avatars (GENERATE_AVATARS of them) after company_init. Their ids come from a stream
 * of their own, redrawn in the rare case one is already a user's.
 */
static void
avatars_make(const struct dataset *d, struct generate_user *out)
{
	for (unsigned a = 0; a < GENERATE_AVATARS; a++) {
		struct generate_user *p = &out[a];
		uint64_t r = stream_of(d->o->seed, SALT_PEOPLE, UINT64_MAX - a, 3);

		memset(p, 0, sizeof(*p));
		do
			random_digits(&r, p->id, 19);
		while (id_taken(d, p->id, out, a));
		p->first_name = AVATARS[a].first;
		p->last_name = AVATARS[a].last;
		p->title = AVATARS[a].title;
		snprintf(p->email, sizeof(p->email), "%s", AVATARS[a].email);
		p->language = "en-US";
		/* Set up a few weeks before the first call. */
		int64_t created = d->o->from_us - (20 + (int64_t)draw_below(&r, 40)) * US_PER_DAY -
		                  (int64_t)draw_below(&r, 86400) * US_PER_S;
		p->created_us = created < earliest_us() ? d->o->from_us : created;
		p->active = 1;
		p->avatar = 1;
	}
}

/* A user's id and index, sorted to find the ids drawn twice. */
struct idref {
	const char *id;
	unsigned g;
};

static int
idref_cmp(const void *pa, const void *pb)
{
	const struct idref *a = pa, *b = pb;
	int c = strcmp(a->id, b->id);
	return c ? c : (a->g > b->g) - (a->g < b->g);
}

/* Fills the company's users. Returns 0, or -1 when memory runs out. */
static int
company_init(struct dataset *d)
{
	size_t n = (size_t)d->o->workspaces * GENERATE_USERS_PER_WORKSPACE;
	struct idref *order = NULL;

	d->npeople = n;
	d->people = calloc(n ? n : 1, sizeof(*d->people));
	d->first = calloc(n ? n : 1, sizeof(*d->first));
	d->manager = calloc(n ? n : 1, sizeof(*d->manager));
	order = calloc(n ? n : 1, sizeof(*order));
	if (!d->people || !d->first || !d->manager || !order) {
		free(order);
		return -1;
	}
	for (unsigned g = 0; g < n; g++) {
		user_profile(d, g, &d->people[g], &d->manager[g]);
		d->first[g] = g;
		order[g].id = d->people[g].id;
		order[g].g = g;
	}
	qsort(order, n, sizeof(*order), idref_cmp);
	for (size_t i = 1; i < n; i++) {
		unsigned a = order[i - 1].g, b = order[i].g;
		if (strcmp(order[i - 1].id, order[i].id) == 0) {
			d->first[b] = d->first[a];
			d->people[b] = d->people[d->first[a]];
			d->manager[b] = d->manager[d->first[a]];
		}
	}
	free(order);
	return 0;
}

/* Workspace w's id, name and description. */
static void
workspace_info(const struct dataset *d, unsigned w, struct generate_workspace *ws)
{
	snprintf(ws->id, sizeof(ws->id), "%s", d->ws[w].id);
	if (w < COUNT(WORKSPACE_NAMES)) {
		snprintf(ws->name, sizeof(ws->name), "%s", WORKSPACE_NAMES[w][0]);
		snprintf(ws->description, sizeof(ws->description), "%s", WORKSPACE_NAMES[w][1]);
	} else {
		snprintf(ws->name, sizeof(ws->name), "Sales Team %u", w + 1);
		snprintf(ws->description, sizeof(ws->description), "Sales team number %u", w + 1);
	}
}

static void
dataset_free(struct dataset *d)
{
	free(d->ws);
	free(d->people);
	free(d->first);
	free(d->manager);
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
	unsigned host;                  /* the host's index among the company's users */
	unsigned customer, first, last; /* the customer and the person the title names */
	int sdr_index;                  /* in DISPOSITIONS, or -1 */
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

	unsigned wi = (unsigned)draw_below(&r, o->workspaces);
	unsigned ui = (unsigned)draw_below(&r, GENERATE_USERS_PER_WORKSPACE);
	const struct workspace *ws = &d->ws[wi];
	const struct user *host = &ws->users[ui];
	c->workspace = ws->id;
	c->user = host->id;
	c->tz_min = host->tz_min;
	c->host = wi * GENERATE_USERS_PER_WORKSPACE + ui;

	c->customer = (unsigned)draw_below(&r, COUNT(CUSTOMERS));
	c->first = (unsigned)draw_below(&r, COUNT(FIRST_NAMES));
	c->last = (unsigned)draw_below(&r, COUNT(LAST_NAMES));
	const char *customer = CUSTOMERS[c->customer];
	const char *first = FIRST_NAMES[c->first];
	const char *last = LAST_NAMES[c->last];
	c->sdr_index = -1;
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
		if (c->direction[0] == 'O' && draw_percent(&r, 70)) {
			c->sdr_index = (int)draw_below(&r, COUNT(DISPOSITIONS));
			c->sdr = DISPOSITIONS[c->sdr_index];
		}
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

/*
 * The blocks of the extensive shape. gblocks_make decides them for one call, from the call's
 * basic fields and a stream of its own; gblocks_render writes them. A struct gblocks is large
 * (the transcript's text lives in it) and reused from call to call.
 */
#define GX_PARTIES 8
#define GX_SENTENCES 45
#define GX_TEXT 16384
#define GX_LINE_MAX 320 /* room for one sentence, names included */
#define GX_HITS 160
#define GX_COMMENTS 3
#define GX_PHASES 8

enum side { SIDE_INTERNAL, SIDE_EXTERNAL, SIDE_UNKNOWN };

struct gparty {
	enum side side;
	const struct generate_user *user; /* an internal party's user */
	unsigned g;                       /* and its index */
	int pair;                         /* a contact's name pair; -1 for others */
	const char *first;                /* the first name lines address them by */
	char name[64];
	char email[96]; /* "" is null */
	const char *title;
	char phone[24]; /* "" is null */
	char crm[24];   /* a contact's id in the customer's CRM; "" when the CRM lacks them */
	char id[GENERATE_ID_SIZE];
	char speaker[GENERATE_ID_SIZE]; /* "" for those who did not speak */
	int invitee, attendee, may_speak;
	int64_t talk_ms;
};

struct gsentence {
	unsigned char party, phase, objection;
	unsigned off, len;  /* the text, in gblocks.text */
	int64_t start, end; /* milliseconds from the start of the call */
};

/* A tracker occurrence: `phrase` indexes the tracker's list (0 for the smart tracker). */
struct ghit {
	unsigned char tracker, phrase, party;
	int64_t ms;
};

struct gcomment {
	char id[GENERATE_ID_SIZE];
	const struct generate_user *by;
	int64_t from_ms, to_ms;
	int64_t posted_us;
	int reply_to; /* the index of the comment answered, or -1 */
	int during;
	char text[192];
};

/* What every call with a customer shares about it. */
struct customer {
	unsigned index;
	unsigned competitor; /* in COMPETITORS */
	unsigned seats;      /* the customer's number of sellers */
	enum crm crm;
};

/* An opportunity as the CRM holds it now. */
struct opportunity {
	char id[24];
	char name[128];
	unsigned stage; /* in the CRM's stages */
	uint64_t amount;
	int64_t close_day; /* days since 1970-01-01 */
};

struct gblocks {
	const struct dataset *d;
	const struct gcall *c;
	const struct bank *bank;
	uint64_t r;
	struct customer cu;
	unsigned opp;           /* which of the customer's two opportunities */
	unsigned stage_at_call; /* the opportunity at the time of the call */
	uint64_t amount_at_call;
	int64_t close_at_call_day;
	struct gparty p[GX_PARTIES];
	size_t np;
	size_t contact; /* whom the host talks with: the first non-internal party, or the
	                 * first colleague in an internal meeting */
	int voicemail;
	struct gsentence s[GX_SENTENCES];
	size_t ns;
	char text[GX_TEXT];
	size_t tlen;
	unsigned char said[BANK_MAX_LINES];
	struct ghit h[GX_HITS];
	size_t nh;
	int outcome; /* in OUTCOMES, or -1 for none */
	int video;
	int64_t video_ms[4];
	struct gcomment cm[GX_COMMENTS];
	size_t ncm;
};

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Days that dates may be written for: those of generate_flag_date, with room for offsets. */
static int64_t
clamp_day(int64_t day)
{
	int64_t lo = isotime_days_from_civil(1, 1, 2), hi = isotime_days_from_civil(9999, 12, 30);
	return day < lo ? lo : day > hi ? hi : day;
}

static int64_t
clamp_us(int64_t us)
{
	int64_t hi = isotime_days_from_civil(9999, 12, 31) * US_PER_DAY - 12 * 3600 * US_PER_S;
	return us < earliest_us() ? earliest_us() : us > hi ? hi : us;
}

static void
customer_of(uint64_t seed, unsigned index, struct customer *cu)
{
	uint64_t r = stream_of(seed, SALT_CRM, index, 0);
	cu->index = index;
	cu->crm = draw_percent(&r, 25) ? CRM_HUBSPOT : CRM_SALESFORCE;
	cu->competitor = (unsigned)draw_below(&r, COMPETITOR_COUNT);
	cu->seats = 20 + 5 * (unsigned)draw_below(&r, 77);
}

/*
 * An object's id in the customer's CRM: Salesforce's 18 characters after the object type's
 * prefix (001 accounts, 003 contacts, 006 opportunities), or HubSpot's number.
 */
static void
crm_id(uint64_t seed, const struct customer *cu, const char *prefix, unsigned digits, uint64_t what,
       char *out)
{
	uint64_t r = stream_of(seed, SALT_CRM, cu->index, what);
	if (cu->crm == CRM_HUBSPOT) {
		random_digits(&r, out, digits);
	} else {
		memcpy(out, prefix, 3);
		random_alnum(&r, out + 3, 15, MIXED_ALNUM);
	}
}

static const struct stage *
crm_stages(enum crm crm, size_t *n)
{
	*n = crm == CRM_HUBSPOT ? COUNT(HUBSPOT_STAGES) : COUNT(SALESFORCE_STAGES);
	return crm == CRM_HUBSPOT ? HUBSPOT_STAGES : SALESFORCE_STAGES;
}

/* Opportunity k (0: new business, 1: expansion) of a customer, as the CRM holds it now. */
static void
opportunity_of(const struct dataset *d, const struct customer *cu, unsigned k,
               struct opportunity *op)
{
	uint64_t r = stream_of(d->o->seed, SALT_CRM, cu->index, 100 + k);
	size_t nst;
	(void)crm_stages(cu->crm, &nst);
	unsigned open = (unsigned)nst - 2; /* the last two stages are the closed ones */
	int64_t to_day = floor_div(d->o->to_us, US_PER_DAY);

	crm_id(d->o->seed, cu, "006", 11, 2000 + k, op->id);
	snprintf(op->name, sizeof(op->name), "%s - %s", CUSTOMERS[cu->index],
	         k ? "Expansion" : "New Business");
	unsigned x = (unsigned)draw_below(&r, 100);
	op->stage = x < 20 ? open : x < 30 ? open + 1 : 1 + (unsigned)draw_below(&r, open - 1);
	op->amount = (12 + draw_below(&r, 229)) * 1000;
	op->close_day = op->stage >= open ? clamp_day(to_day - 5 - (int64_t)draw_below(&r, 60))
	                                  : clamp_day(to_day + 10 + (int64_t)draw_below(&r, 120));
}

static void
party_internal(struct gblocks *x, unsigned g)
{
	struct gparty *p = &x->p[x->np++];
	const struct generate_user *u = &x->d->people[g];
	memset(p, 0, sizeof(*p));
	p->side = SIDE_INTERNAL;
	p->user = u;
	p->g = g;
	p->pair = -1;
	p->first = u->first_name;
	snprintf(p->name, sizeof(p->name), "%s %s", u->first_name, u->last_name);
	snprintf(p->email, sizeof(p->email), "%s", u->email);
	p->title = u->title;
}

static int
has_user(const struct gblocks *x, unsigned g)
{
	for (size_t i = 0; i < x->np; i++)
		if (x->p[i].side == SIDE_INTERNAL && x->p[i].g == g)
			return 1;
	return 0;
}

/* A colleague of the host: mostly from the host's workspace, now and then from another. */
static void
party_colleague(struct gblocks *x)
{
	unsigned host = x->p[0].g, ws = host / GENERATE_USERS_PER_WORKSPACE;
	for (int tries = 0; tries < 8 && x->np < GX_PARTIES; tries++) {
		unsigned g = draw_percent(&x->r, 85)
		                 ? ws * GENERATE_USERS_PER_WORKSPACE +
		                       (unsigned)draw_below(&x->r, GENERATE_USERS_PER_WORKSPACE)
		                 : (unsigned)draw_below(&x->r, x->d->npeople);
		g = x->d->first[g];
		if (!has_user(x, g)) {
			party_internal(x, g);
			return;
		}
	}
}

/*
 * A contact of the customer, by name pair. Everything about them comes from the seed, the
 * customer and the pair, so the same person reads the same in every call.
 */
static void
party_contact(struct gblocks *x, unsigned pair)
{
	const struct customer *cu = &x->cu;
	const struct customer_info *ci = &CUSTOMER_INFO[cu->index];
	unsigned f = pair % COUNT(FIRST_NAMES), l = pair / COUNT(FIRST_NAMES);
	uint64_t r = stream_of(x->d->o->seed, SALT_CRM, cu->index, 5000 + pair);

	for (size_t i = 0; i < x->np; i++)
		if (x->p[i].pair == (int)pair || x->np == GX_PARTIES)
			return;
	struct gparty *p = &x->p[x->np++];
	memset(p, 0, sizeof(*p));
	p->side = SIDE_EXTERNAL;
	p->pair = (int)pair;
	p->first = FIRST_NAMES[f];
	snprintf(p->name, sizeof(p->name), "%s %s", FIRST_NAMES[f], LAST_NAMES[l]);
	snprintf(p->email, sizeof(p->email), "%s.%s@%s", FIRST_ASCII[f], LAST_ASCII[l], ci->domain);
	p->title = PICK(&r, CONTACT_TITLES);
	snprintf(p->phone, sizeof(p->phone), "%s01%02u", ci->phone, (unsigned)draw_below(&r, 100));
	if (!draw_percent(&r, 15))
		crm_id(x->d->o->seed, cu, "003", 10, 3000 + pair, p->crm);
}

/* Someone Gong could not place: the person the title names, known by name alone. */
static void
party_unknown(struct gblocks *x)
{
	const struct gcall *c = x->c;
	struct gparty *p = &x->p[x->np++];
	memset(p, 0, sizeof(*p));
	p->side = SIDE_UNKNOWN;
	p->pair = -1;
	p->first = FIRST_NAMES[c->first];
	snprintf(p->name, sizeof(p->name), "%s %s", FIRST_NAMES[c->first], LAST_NAMES[c->last]);
	p->title = NULL;
	snprintf(p->phone, sizeof(p->phone), "+1 646-555-01%02u", (unsigned)draw_below(&x->r, 100));
}

static int
is_scope(const struct gcall *c, const char *scope)
{
	return strcmp(c->scope, scope) == 0;
}

/* Who took part, invited or not, and who may speak. */
static void
gblocks_parties(struct gblocks *x, int no_answer)
{
	const struct gcall *c = x->c;
	int conference = c->meeting_url[0] != '\0';
	int internal = is_scope(c, "Internal"), external = is_scope(c, "External");

	x->np = 0;
	party_internal(x, x->d->first[c->host]);
	if (internal) {
		unsigned n = 1 + (unsigned)draw_below(&x->r, 3);
		for (unsigned k = 0; k < n; k++)
			party_colleague(x);
	} else if (external) {
		unsigned v = (unsigned)draw_below(&x->r, 100);
		unsigned n = v < 60 ? 0 : v < 90 ? 1 : 2;
		for (unsigned k = 0; k < n; k++)
			party_colleague(x);
		if (!conference) {
			/* A phone call is with the person its title names. */
			party_contact(x, c->first + (unsigned)COUNT(FIRST_NAMES) * c->last);
		} else {
			uint64_t h = stream_of(x->d->o->seed, SALT_CRM, 0, 0);
			unsigned m = 1 + (unsigned)draw_below(&x->r, 3);
			for (unsigned k = 0; k < m; k++)
				party_contact(x, name_pair(h, c->customer * 6 +
				                                  (unsigned)draw_below(&x->r, 6)));
		}
	} else {
		party_unknown(x);
	}
	/* A meeting needs someone to meet. */
	if (x->np == 1)
		party_colleague(x);

	x->contact = 1;
	for (size_t i = x->np; i-- > 1;)
		if (x->p[i].side != SIDE_INTERNAL)
			x->contact = i;

	int first_colleague = 1, first_other = 1;
	for (size_t i = 0; i < x->np; i++) {
		struct gparty *p = &x->p[i];
		int mine = p->side == SIDE_INTERNAL;
		p->invitee = conference && c->has_scheduled;
		p->attendee = 1;
		if (i > 0 && p->invitee && !(mine ? first_colleague : first_other) &&
		    draw_percent(&x->r, 12))
			p->attendee = 0;
		if (!conference && !mine && (no_answer || x->voicemail)) {
			/* Dialled, never on the line. */
			p->attendee = 0;
			p->invitee = 1;
		}
		if (i == 0)
			p->may_speak = 1;
		else if (p->attendee && (mine ? first_colleague : first_other))
			p->may_speak = 1;
		else
			p->may_speak = p->attendee && draw_percent(&x->r, mine ? 80 : 70);
		if (i > 0) {
			if (mine)
				first_colleague = 0;
			else
				first_other = 0;
		}
		/* Phone calls show everyone's number; conferences only those who dialled in. */
		if (!conference && mine)
			snprintf(p->phone, sizeof(p->phone), "%s", p->user->phone);
		else if (conference && (mine || !draw_percent(&x->r, 10)))
			p->phone[0] = '\0';
	}
}

/*
 * Writes the template t into out, a buffer of cap bytes, with %h, %p, %c, %k and %n replaced
 * (see struct line); a piece that does not fit ends the text, never in the middle of a
 * character. Returns the length (out is NUL-terminated).
 */
static size_t
expand(const struct gblocks *x, const char *t, const char *addressee, char *out, size_t cap)
{
	size_t n = 0;
	char num[24];
	while (*t) {
		const char *v = NULL;
		size_t k;
		if (t[0] == '%' && t[1]) {
			switch (t[1]) {
			case 'c':
				v = CUSTOMERS[x->c->customer];
				break;
			case 'k':
				v = COMPETITORS[x->cu.competitor];
				break;
			case 'h':
				v = x->p[0].first;
				break;
			case 'p':
				v = addressee;
				break;
			case 'n':
				snprintf(num, sizeof(num), "%u", x->cu.seats);
				v = num;
				break;
			default:
				break;
			}
		}
		if (v) {
			k = strlen(v);
			t += 2;
		} else {
			unsigned char u = (unsigned char)*t;
			k = u < 0x80 ? 1 : u < 0xe0 ? 2 : u < 0xf0 ? 3 : 4;
			v = t;
			t += k;
		}
		if (n + k >= cap)
			break;
		memcpy(out + n, v, k);
		n += k;
	}
	out[n] = '\0';
	return n;
}

static int
line_fits(const struct line *l, unsigned phase, enum role role)
{
	return l->phase == phase &&
	       (role == ROLE_ANY || l->role == ROLE_ANY || l->role == (unsigned char)role);
}

/* The lines of `phase` for `role` the bank holds, or those not said yet in this call. */
static unsigned
lines_left(const struct gblocks *x, unsigned phase, enum role role, int unsaid)
{
	unsigned n = 0;
	for (size_t i = 0; i < x->bank->n; i++)
		n += line_fits(&x->bank->lines[i], phase, role) && !(unsaid && x->said[i]);
	return n;
}

/*
 * One sentence of a line of `phase` for `role`, said by party `who`: a line not said yet in
 * this call when there is one, at random but for a voicemail, which goes in the bank's order.
 */
static void
gblocks_say(struct gblocks *x, size_t who, unsigned phase, enum role role, const char *addressee)
{
	const struct bank *bk = x->bank;
	unsigned short cand[BANK_MAX_LINES];
	size_t nc = 0, chosen;

	if (x->ns == GX_SENTENCES || GX_TEXT - x->tlen < GX_LINE_MAX)
		return;
	for (size_t i = 0; i < bk->n; i++)
		if (line_fits(&bk->lines[i], phase, role))
			cand[nc++] = (unsigned short)i;
	if (nc == 0)
		return;
	size_t start = phase == PH_VOICEMAIL ? 0 : (size_t)draw_below(&x->r, nc);
	chosen = cand[start];
	for (size_t j = 0; j < nc; j++) {
		if (!x->said[cand[(start + j) % nc]]) {
			chosen = cand[(start + j) % nc];
			break;
		}
	}
	x->said[chosen] = 1;

	struct gsentence *s = &x->s[x->ns++];
	s->party = (unsigned char)who;
	s->phase = (unsigned char)phase;
	s->objection = bk->lines[chosen].objection;
	s->off = (unsigned)x->tlen;
	s->len =
	    (unsigned)expand(x, bk->lines[chosen].text, addressee, x->text + x->tlen, GX_LINE_MAX);
	x->tlen += s->len;
}

/* A party that may speak, other than `not`, on our side (want_internal) or theirs. */
static size_t
pick_speaker(struct gblocks *x, size_t not, int want_internal)
{
	size_t cand[GX_PARTIES], n = 0;
	for (size_t i = 0; i < x->np; i++)
		if (x->p[i].may_speak &&
		    i != not &&(x->p[i].side == SIDE_INTERNAL) == (want_internal != 0))
			cand[n++] = i;
	return n ? cand[draw_below(&x->r, n)] : SIZE_MAX;
}

/*
 * The conversation: which parts, how many sentences each, and who says them. Monologues
 * alternate: in a call with a customer our side and theirs take turns (the host most of the
 * time on ours); in an internal meeting anyone but the last speaker talks next.
 */
static void
gblocks_conversation(struct gblocks *x)
{
	const struct gcall *c = x->c;
	int internal = is_scope(c, "Internal");
	int conference = c->meeting_url[0] != '\0';
	unsigned char ph[GX_PHASES];
	unsigned counts[GX_PHASES];
	size_t k = 0, n;

	if (x->voicemail) {
		n = 2 + (size_t)draw_below(&x->r, 3);
		ph[k++] = PH_VOICEMAIL;
	} else {
		n = 8 + (size_t)(c->duration / 150) + (size_t)draw_below(&x->r, 5);
		if (internal) {
			ph[k++] = PH_OPEN;
			ph[k++] = PH_PIPELINE;
			ph[k++] = PH_DEALS;
			if (draw_percent(&x->r, 50))
				ph[k++] = PH_COACHING;
			ph[k++] = PH_ACTIONS;
		} else {
			int demo = draw_percent(&x->r, conference ? 70 : 15);
			int pricing = draw_percent(&x->r, 55);
			int competition = draw_percent(&x->r, 40);
			int security = draw_percent(&x->r, 30);
			ph[k++] = PH_GREETING;
			ph[k++] = PH_DISCOVERY;
			if (demo)
				ph[k++] = PH_DEMO;
			if (pricing)
				ph[k++] = PH_PRICING;
			if (competition)
				ph[k++] = PH_COMPETITION;
			if (security)
				ph[k++] = PH_SECURITY;
			ph[k++] = PH_NEXT;
		}
	}
	/* Each sentence lasts at least 4 seconds of the call. */
	if (n > GX_SENTENCES)
		n = GX_SENTENCES;
	if (n > (size_t)(c->duration / 4))
		n = (size_t)(c->duration / 4);
	if (n < 1)
		n = 1;
	/* Short calls drop the middle parts, the last first, until each has two sentences. */
	while (k > 2 && n < 2 * k) {
		ph[k - 2] = ph[k - 1];
		k--;
	}
	if (k > n)
		k = n;
	unsigned room[GX_PHASES];
	for (size_t j = 0; j < k; j++) {
		counts[j] = 1;
		room[j] = lines_left(x, ph[j], ROLE_ANY, 0);
	}
	for (size_t left = n - k; left > 0; left--) {
		/* The middle parts take three times the share of the opening and the close, which
		 * stop at three sentences; no part says more than the bank has lines for it, so a
		 * long call says less rather than repeat itself. */
		unsigned w[GX_PHASES], total = 0;
		for (size_t j = 0; j < k; j++) {
			int end = (j == 0 || j == k - 1) && k > 2;
			w[j] = counts[j] >= room[j] ? 0 : end ? (counts[j] < 3 ? 1 : 0) : 3;
			total += w[j];
		}
		if (total == 0)
			break;
		unsigned v = (unsigned)draw_below(&x->r, total);
		for (size_t j = 0; j < k; j++) {
			if (v < w[j]) {
				counts[j]++;
				break;
			}
			v -= w[j];
		}
	}

	size_t prev = SIZE_MAX;
	for (size_t j = 0; j < k; j++) {
		unsigned left = counts[j];
		while (left > 0 && x->ns < GX_SENTENCES) {
			size_t who;
			enum role role;
			if (x->voicemail) {
				who = 0;
				role = ROLE_REP;
			} else if (internal) {
				/* The host opens the meeting. */
				who = prev == SIZE_MAX ? 0 : pick_speaker(x, prev, 1);
				role = ROLE_ANY;
			} else if (prev == SIZE_MAX || x->p[prev].side != SIDE_INTERNAL) {
				role = ROLE_REP;
				who = 0;
				if (!draw_percent(&x->r, 75)) {
					size_t other = pick_speaker(x, 0, 1);
					who = other == SIZE_MAX ? 0 : other;
				}
			} else {
				role = ROLE_CUSTOMER;
				who = pick_speaker(x, prev, 0);
			}
			if (who == SIZE_MAX)
				who = 0;
			unsigned m =
			    x->voicemail
			        ? left
			        : 1 + (unsigned)draw_below(&x->r, role == ROLE_CUSTOMER ? 2 : 3);
			if (m > left)
				m = left;
			/* Not more than the lines left for this speaker's side, if any are. */
			unsigned fresh = lines_left(x, ph[j], role, 1);
			if (!x->voicemail && fresh > 0 && m > fresh)
				m = fresh;
			/* Our side opens each part and theirs closes it, so that a part's first
			 * line is ours and answers follow questions. */
			if (!internal && !x->voicemail && role == ROLE_REP && m == left && left > 1)
				m = left - 1;
			const char *addressee = x->p[x->contact].first;
			if (internal && prev != SIZE_MAX && prev != who)
				addressee = x->p[prev].first;
			else if (internal && who == x->contact)
				addressee = x->p[0].first;
			for (unsigned q = 0; q < m; q++)
				gblocks_say(x, who, ph[j], role, addressee);
			prev = who;
			left -= m;
		}
	}
}

/*
 * When each sentence is said. The sentences share 72% to 90% of the call in proportion to
 * their length; the silence left is spread over the gaps, wider between speakers than within
 * a monologue. All in whole milliseconds, so every sentence ends by the end of the call.
 */
static void
gblocks_timing(struct gblocks *x)
{
	int64_t total = x->c->duration * 1000;
	int64_t speech = total * (720 + (int64_t)draw_below(&x->r, 180)) / 1000;
	int64_t weight = 0, used = 0, gaps = 0, t = 0;
	int64_t gap[GX_SENTENCES + 1];

	for (size_t i = 0; i < x->ns; i++)
		weight += (int64_t)x->s[i].len + 24;
	for (size_t i = 0; i < x->ns; i++) {
		int64_t dur = speech * ((int64_t)x->s[i].len + 24) / weight;
		x->s[i].end = dur > 0 ? dur : 1;
		used += x->s[i].end;
	}
	for (size_t i = 0; i <= x->ns; i++) {
		if (i == 0)
			gap[i] = 2 + (int64_t)draw_below(&x->r, 6);
		else if (i == x->ns)
			gap[i] = 1 + (int64_t)draw_below(&x->r, 8);
		else if (x->s[i].party == x->s[i - 1].party && x->s[i].phase == x->s[i - 1].phase)
			gap[i] = 1;
		else
			gap[i] = 2 + (int64_t)draw_below(&x->r, 4);
		gaps += gap[i];
	}
	int64_t silence = total > used ? total - used : 0;
	for (size_t i = 0; i < x->ns; i++) {
		int64_t dur = x->s[i].end;
		t += silence * gap[i] / gaps;
		x->s[i].start = t;
		t += dur;
		x->s[i].end = t;
		x->p[x->s[i].party].talk_ms += dur;
	}
}

/* Copies s with its ASCII letters in lower case (other bytes as they are); out has room for
 * the n bytes and a NUL. */
static void
ascii_lower(const char *s, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		out[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch + ('a' - 'A')) : ch;
	}
	out[n] = '\0';
}

static const char *const *
tracker_phrases(const struct bank *bk, unsigned tracker)
{
	static const char *const none[] = {NULL};
	if (tracker == TR_COMPETITORS)
		return COMPETITORS;
	if (tracker >= TR_PRICING && tracker <= TR_SECURITY)
		return bk->phrases[tracker - TR_PRICING];
	return none;
}

/*
 * The trackers' occurrences, read off the transcript: each phrase found in a sentence, the
 * case of ASCII letters aside, at the moment of the sentence where it starts (its share of the
 * sentence's bytes), and each objection at the start of its sentence.
 */
static void
gblocks_trackers(struct gblocks *x)
{
	x->nh = 0;
	for (size_t i = 0; i < x->ns; i++) {
		const struct gsentence *s = &x->s[i];
		char t[GX_LINE_MAX], phrase[64];
		struct ghit found[16];
		size_t pos[16], nf = 0;
		ascii_lower(x->text + s->off, s->len, t);
		for (unsigned tr = 0; tr < TR_OBJECTIONS; tr++) {
			const char *const *list = tracker_phrases(x->bank, tr);
			for (unsigned k = 0; list[k]; k++) {
				ascii_lower(list[k], strlen(list[k]), phrase);
				const char *at = strstr(t, phrase);
				while (at && nf < COUNT(found)) {
					found[nf].tracker = (unsigned char)tr;
					found[nf].phrase = (unsigned char)k;
					pos[nf++] = (size_t)(at - t);
					at = strstr(at + 1, phrase);
				}
			}
		}
		if (s->objection && nf < COUNT(found)) {
			found[nf].tracker = TR_OBJECTIONS;
			found[nf].phrase = 0;
			pos[nf++] = 0;
		}
		/* In the order they are said. */
		for (size_t a = 1; a < nf; a++)
			for (size_t b = a; b > 0 && pos[b - 1] > pos[b]; b--) {
				struct ghit th = found[b];
				size_t tp = pos[b];
				found[b] = found[b - 1];
				pos[b] = pos[b - 1];
				found[b - 1] = th;
				pos[b - 1] = tp;
			}
		for (size_t a = 0; a < nf && x->nh < GX_HITS; a++) {
			found[a].party = s->party;
			found[a].ms =
			    s->start + (s->end - s->start) * (int64_t)pos[a] / (int64_t)s->len;
			x->h[x->nh++] = found[a];
		}
	}
}

/* Public comments: a few calls have some, from the host, the host's manager or a colleague,
 * posted after the call or, now and then, while it went on. */
static void
gblocks_comments(struct gblocks *x)
{
	const struct gcall *c = x->c;
	const struct dataset *d = x->d;
	int64_t total_ms = c->duration * 1000;
	unsigned host = x->p[0].g;

	x->ncm = 0;
	if (!draw_percent(&x->r, 18))
		return;
	size_t n = 1 + (size_t)draw_below(&x->r, GX_COMMENTS);
	for (size_t k = 0; k < n; k++) {
		struct gcomment *m = &x->cm[x->ncm];
		unsigned v = (unsigned)draw_below(&x->r, 100), g;
		if (v < 35 || d->manager[host] == UINT_MAX)
			g = host;
		else if (v < 75)
			g = d->first[d->manager[host]];
		else
			g = d->first[(host / GENERATE_USERS_PER_WORKSPACE) *
			                 GENERATE_USERS_PER_WORKSPACE +
			             (unsigned)draw_below(&x->r, GENERATE_USERS_PER_WORKSPACE)];
		m->by = &d->people[g];
		id_from(stream_of(d->o->seed, SALT_IDS, c->id, 200 + k), m->id, 19);
		m->reply_to = k > 0 && draw_percent(&x->r, 50) ? (int)k - 1 : -1;
		m->during = 0;
		if (m->reply_to >= 0) {
			const struct gcomment *to = &x->cm[m->reply_to];
			m->from_ms = to->from_ms;
			m->to_ms = to->to_ms;
			m->posted_us =
			    to->posted_us + (10 + (int64_t)draw_below(&x->r, 1430)) * US_PER_MIN;
			snprintf(m->text, sizeof(m->text), "%s", PICK(&x->r, REPLIES));
		} else {
			if (x->ns) {
				const struct gsentence *s = &x->s[draw_below(&x->r, x->ns)];
				m->from_ms = s->start;
				m->to_ms = s->end;
			} else {
				m->from_ms = (int64_t)draw_below(&x->r, (uint64_t)total_ms / 2);
				m->to_ms = m->from_ms + 1000 + (int64_t)draw_below(&x->r, 20000);
				if (m->to_ms > total_ms)
					m->to_ms = total_ms;
			}
			int64_t end_us = c->started_us + c->duration * US_PER_S;
			m->during = draw_percent(&x->r, 15);
			if (m->during) {
				m->posted_us = c->started_us + m->to_ms * 1000 +
				               (int64_t)draw_below(&x->r, 30) * US_PER_S;
				if (m->posted_us >= end_us)
					m->posted_us = end_us - US_PER_S;
			} else {
				m->posted_us =
				    end_us + (5 + (int64_t)draw_below(&x->r, 4320)) * US_PER_MIN;
			}
			if (g != host && draw_percent(&x->r, 40)) {
				const struct generate_user *h = x->p[0].user;
				snprintf(m->text, sizeof(m->text),
				         "@[%s %s](%s) can you follow up on this?", h->first_name,
				         h->last_name, h->id);
			} else {
				(void)expand(x, PICK(&x->r, COMMENTS), x->p[x->contact].first,
				             m->text, sizeof(m->text));
			}
		}
		m->posted_us = clamp_us(m->posted_us - m->posted_us % US_PER_S);
		x->ncm++;
	}
}

static int
gblocks_outcome(struct gblocks *x)
{
	const struct gcall *c = x->c;
	unsigned v;
	if (is_scope(c, "Internal"))
		return -1;
	if (c->meeting_url[0] == '\0') {
		if (c->sdr_index >= 0)
			return DISPOSITION_OUTCOMES[c->sdr_index];
		v = (unsigned)draw_below(&x->r, 100);
		return v < 30   ? OUT_MEETING_BOOKED
		       : v < 65 ? OUT_FOLLOW_UP
		       : v < 80 ? OUT_NOT_INTERESTED
		                : OUT_NEEDS_FOLLOW_UP;
	}
	if (!is_scope(c, "External"))
		return draw_percent(&x->r, 50) ? OUT_NEEDS_FOLLOW_UP : -1;
	v = (unsigned)draw_below(&x->r, 100);
	return v < 40   ? OUT_NEXT_MEETING
	       : v < 65 ? OUT_PROPOSAL_SENT
	       : v < 90 ? OUT_NEEDS_FOLLOW_UP
	                : OUT_LOST;
}

static enum lang
lang_of(const char *language)
{
	if (strcmp(language, "fre") == 0)
		return LANG_FR;
	if (strcmp(language, "spa") == 0)
		return LANG_ES;
	if (strcmp(language, "ger") == 0)
		return LANG_DE;
	if (strcmp(language, "ita") == 0)
		return LANG_IT;
	return LANG_EN;
}

/* Decides the blocks of call c, number `index` of the dataset. */
static void
gblocks_make(struct gblocks *x, const struct dataset *d, uint64_t index, const struct gcall *c)
{
	const struct generate_options *o = d->o;

	x->d = d;
	x->c = c;
	x->r = rng_mix((o->seed ^ SALT_BLOCKS) * 0x9e3779b97f4a7c15ULL + rng_mix(index + 1));
	x->bank = &BANKS[lang_of(c->language)];
	x->ns = x->tlen = x->nh = x->ncm = 0;
	memset(x->said, 0, sizeof(x->said));
	customer_of(o->seed, c->customer, &x->cu);

	/* Unanswered calls and wrong numbers have nothing to transcribe (the contact was never on
	 * the line); some others are not transcribed yet. */
	int no_answer = c->sdr_index >= 0 &&
	                (strcmp(c->sdr, "No answer") == 0 || strcmp(c->sdr, "Wrong number") == 0);
	x->voicemail = c->sdr_index >= 0 && strcmp(c->sdr, "Left voicemail") == 0;
	gblocks_parties(x, no_answer);
	int transcribed = strcmp(c->language, "zxx") != 0 && !no_answer && !draw_percent(&x->r, 8);
	if (transcribed) {
		gblocks_conversation(x);
		gblocks_timing(x);
		gblocks_trackers(x);
	}
	for (size_t i = 0; i < x->np; i++) {
		struct gparty *p = &x->p[i];
		id_from(stream_of(o->seed, SALT_IDS, c->id, i), p->id, 16);
		p->speaker[0] = '\0';
		if (p->talk_ms > 0)
			id_from(stream_of(o->seed, SALT_IDS, c->id, 100 + i), p->speaker, 19);
	}

	/* The opportunity then: an earlier stage the earlier the call, another amount. */
	struct opportunity op;
	x->opp = (unsigned)draw_below(&x->r, 2);
	opportunity_of(d, &x->cu, x->opp, &op);
	size_t nst;
	(void)crm_stages(x->cu.crm, &nst);
	unsigned last_open = (unsigned)nst - 3;
	unsigned now = op.stage > last_open ? last_open : op.stage;
	uint64_t per_mille =
	    (uint64_t)((c->date_us - o->from_us) / ((o->to_us - o->from_us) / 1000 + 1));
	if (per_mille > 1000)
		per_mille = 1000;
	x->stage_at_call = (unsigned)(now * per_mille / 1000);
	x->amount_at_call = op.amount * (70 + draw_below(&x->r, 41)) / 100 / 1000 * 1000;
	x->close_at_call_day =
	    clamp_day(floor_div(c->started_us, US_PER_DAY) + 30 + (int64_t)draw_below(&x->r, 90));

	x->video = strcmp(c->media, "Video") == 0;
	if (x->video) {
		int64_t ms = c->duration * 1000;
		int64_t browser = ms * (int64_t)draw_below(&x->r, 30) / 100;
		int64_t slides = ms * (int64_t)draw_below(&x->r, 40) / 100;
		x->video_ms[0] = browser;
		x->video_ms[1] = slides;
		x->video_ms[2] = ms * (50 + (int64_t)draw_below(&x->r, 46)) / 100;
		x->video_ms[3] =
		    is_scope(c, "Internal") ? 0 : ms * (20 + (int64_t)draw_below(&x->r, 66)) / 100;
	}
	gblocks_comments(x);
	x->outcome = gblocks_outcome(x);
}

/*
 * v / 10^decimals as a JSON number, trailing zeros dropped but one kept after the point
 * ("12.345", "12.3", "12.0"): the text jansson writes for the nearest double. Used for
 * seconds with millisecond precision and ratios; jsonw_real would find the same text by
 * trial, a dozen times slower.
 */
static void
out_decimal(struct jsonw *b, int64_t v, unsigned decimals)
{
	char t[48];
	uint64_t scale = 1, a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	for (unsigned i = 0; i < decimals; i++)
		scale *= 10;
	int n =
	    snprintf(t, sizeof(t), "%s%llu.", v < 0 ? "-" : "", (unsigned long long)(a / scale));
	uint64_t frac = a % scale;
	char f[24];
	unsigned k = decimals;
	for (unsigned i = decimals; i-- > 0;) {
		f[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	while (k > 1 && f[k - 1] == '0')
		k--;
	if (k == 0)
		f[k++] = '0';
	jsonw_mem(b, t, (size_t)n);
	jsonw_mem(b, f, k);
}

static void
out_seconds(struct jsonw *b, int64_t ms)
{
	out_decimal(b, ms, 3);
}

/* A day as "YYYY-MM-DD". */
static void
out_day(struct jsonw *b, int64_t day)
{
	char text[ISOTIME_TEXT_MAX + 1];
	if (isotime_format(day * US_PER_DAY, text, sizeof(text)) < 10) {
		b->failed = 1;
		errno = ERANGE;
		return;
	}
	jsonw_char(b, '"');
	jsonw_mem(b, text, 10);
	jsonw_char(b, '"');
}

static void
out_text(struct jsonw *b, const char *s)
{
	jsonw_string(b, s, strlen(s), 0);
}

/* A template of the notes (see PHASES), expanded and quoted. */
static void
out_note(const struct gblocks *x, struct jsonw *b, const char *t)
{
	char text[512];
	size_t n = expand(x, t, x->p[x->contact].first, text, sizeof(text));
	jsonw_string(b, text, n, 0);
}

static const char *
crm_name(enum crm crm)
{
	return crm == CRM_HUBSPOT ? "HubSpot" : "Salesforce";
}

/* {"name":"...","value":"..."}: a CRM field whose value is text. */
static void
out_field_text(struct jsonw *b, const char *name, const char *value)
{
	jsonw_str(b, "{\"name\":\"");
	jsonw_str(b, name);
	jsonw_str(b, "\",\"value\":");
	out_text(b, value);
	jsonw_char(b, '}');
}

static void
out_field_number(struct jsonw *b, const char *name, uint64_t value)
{
	jsonw_str(b, "{\"name\":\"");
	jsonw_str(b, name);
	jsonw_str(b, "\",\"value\":");
	jsonw_uint(b, value);
	jsonw_char(b, '}');
}

/*
 * context: the customer's account and the call's opportunity in the customer's CRM, each as it
 * is now and as it was at the time of the call. Calls without a known customer have none.
 */
static void
render_context(const struct gblocks *x, struct jsonw *b)
{
	const struct gcall *c = x->c;
	const struct customer *cu = &x->cu;
	struct opportunity op;
	char account[24], site[96];
	size_t nst;
	const struct stage *st = crm_stages(cu->crm, &nst);

	if (!is_scope(c, "External")) {
		JSONW_LIT(b, "[]");
		return;
	}
	opportunity_of(x->d, cu, x->opp, &op);
	crm_id(x->d->o->seed, cu, "001", 10, 1000, account);
	snprintf(site, sizeof(site), "https://www.%s", CUSTOMER_INFO[cu->index].domain);
	jsonw_str(b, "[{\"system\":\"");
	jsonw_str(b, crm_name(cu->crm));
	jsonw_str(b, "\",\"objects\":[");
	for (int then = 0; then < 2; then++) {
		const char *timing = then ? "TimeOfCall" : "Now";
		unsigned stage = then ? x->stage_at_call : op.stage;
		if (then)
			jsonw_char(b, ',');
		jsonw_str(b, "{\"objectType\":\"Account\",\"objectId\":\"");
		jsonw_str(b, account);
		jsonw_str(b, "\",\"timing\":\"");
		jsonw_str(b, timing);
		jsonw_str(b, "\",\"fields\":[");
		out_field_text(b, "Name", CUSTOMERS[cu->index]);
		jsonw_char(b, ',');
		out_field_text(b, "Industry", CUSTOMER_INFO[cu->index].industry);
		jsonw_char(b, ',');
		out_field_text(b, "Website", site);
		jsonw_str(b, "]},{\"objectType\":\"Opportunity\",\"objectId\":\"");
		jsonw_str(b, op.id);
		jsonw_str(b, "\",\"timing\":\"");
		jsonw_str(b, timing);
		jsonw_str(b, "\",\"fields\":[");
		out_field_text(b, "Name", op.name);
		jsonw_char(b, ',');
		out_field_text(b, "StageName", st[stage].name);
		jsonw_char(b, ',');
		out_field_number(b, "Amount", then ? x->amount_at_call : op.amount);
		jsonw_char(b, ',');
		out_field_number(b, "Probability", st[stage].probability);
		jsonw_str(b, ",{\"name\":\"CloseDate\",\"value\":");
		out_day(b, then ? x->close_at_call_day : op.close_day);
		jsonw_str(b, "}]}");
	}
	jsonw_str(b, "]}]");
}

static const char *const AFFILIATIONS[] = {"Internal", "External", "Unknown"};

static void
render_parties(const struct gblocks *x, struct jsonw *b)
{
	jsonw_char(b, '[');
	for (size_t i = 0; i < x->np; i++) {
		const struct gparty *p = &x->p[i];
		jsonw_str(b, i ? ",{\"id\":\"" : "{\"id\":\"");
		jsonw_str(b, p->id);
		out_key_string(b, "\",\"emailAddress\":", p->email);
		out_key_string(b, ",\"name\":", p->name);
		out_key_string(b, ",\"title\":", p->title);
		out_key_string(b, ",\"userId\":", p->user ? p->user->id : NULL);
		out_key_string(b, ",\"speakerId\":", p->speaker);
		if (p->crm[0]) {
			jsonw_str(b, ",\"context\":[{\"system\":\"");
			jsonw_str(b, crm_name(x->cu.crm));
			jsonw_str(b, "\",\"objects\":[{\"objectType\":\"Contact\",\"objectId\":\"");
			jsonw_str(b, p->crm);
			jsonw_str(b, "\"}]}]");
		} else {
			jsonw_str(b, ",\"context\":[]");
		}
		jsonw_str(b, ",\"affiliation\":\"");
		jsonw_str(b, AFFILIATIONS[p->side]);
		out_key_string(b, "\",\"phoneNumber\":", p->phone);
		jsonw_str(b, p->invitee && p->attendee ? ",\"methods\":[\"Invitee\",\"Attendee\"]}"
		             : p->invitee              ? ",\"methods\":[\"Invitee\"]}"
		                                       : ",\"methods\":[\"Attendee\"]}");
	}
	jsonw_char(b, ']');
}

/* The parts of a transcribed call: each part's sentences [first, last] and its time span,
 * from its first sentence to the next part's first (or its own last sentence's end). */
struct span {
	unsigned phase;
	size_t first, last;
	int64_t start, end, speech;
};

static size_t
spans_of(const struct gblocks *x, struct span *sp)
{
	size_t n = 0;
	for (size_t i = 0; i < x->ns; i++) {
		const struct gsentence *s = &x->s[i];
		if (n == 0 || sp[n - 1].phase != s->phase) {
			if (n > 0)
				sp[n - 1].end = s->start;
			sp[n].phase = s->phase;
			sp[n].first = i;
			sp[n].start = s->start;
			sp[n].speech = 0;
			n++;
		}
		sp[n - 1].last = i;
		sp[n - 1].end = s->end;
		sp[n - 1].speech += s->end - s->start;
	}
	return n;
}

static int
has_phase(const struct span *sp, size_t n, unsigned phase)
{
	for (size_t i = 0; i < n; i++)
		if (sp[i].phase == phase)
			return 1;
	return 0;
}

/* brief: two or three sentences, in English, from the parts the call went through. */
static void
render_brief(const struct gblocks *x, struct jsonw *b, const struct span *sp, size_t n)
{
	char t[768];
	size_t len = 0, k = 0, total = 0;
	int internal = is_scope(x->c, "Internal");

	if (x->voicemail) {
		out_note(x, b,
		         "%h called %p at %c and left a voicemail about pipeline visibility. %h "
		         "will try again later this week.");
		return;
	}
	for (size_t i = 0; i < n; i++)
		total += PHASES[sp[i].phase].about != NULL;
	len += (size_t)snprintf(t + len, sizeof(t) - len, "%s",
	                        internal ? "%h led an internal meeting on "
	                                 : "%h met with %p from %c to discuss ");
	for (size_t i = 0; i < n; i++) {
		const char *about = PHASES[sp[i].phase].about;
		if (!about)
			continue;
		k++;
		len += (size_t)snprintf(t + len, sizeof(t) - len, "%s%s",
		                        k == 1       ? ""
		                        : k == total ? " and "
		                                     : ", ",
		                        about);
	}
	if (total == 0)
		len += (size_t)snprintf(t + len, sizeof(t) - len, "%s", "next steps");
	len += (size_t)snprintf(t + len, sizeof(t) - len, "%s", ".");
	if (has_phase(sp, n, PH_COMPETITION))
		len +=
		    (size_t)snprintf(t + len, sizeof(t) - len, "%s", " %c is also evaluating %k.");
	if (has_phase(sp, n, PH_DEALS))
		len += (size_t)snprintf(t + len, sizeof(t) - len, "%s",
		                        " The %c deal is up against %k.");
	(void)snprintf(t + len, sizeof(t) - len, "%s",
	               internal ? " Forecast updates are due in the CRM by Thursday."
	                        : " %h will send a recap and set up a follow-up call.");
	out_note(x, b, t);
}

/* Action items: Gong stopped filling them in 2025; older calls have their next steps. */
static void
render_action_items(const struct gblocks *x, struct jsonw *b)
{
	size_t n = 0;
	jsonw_str(b, "{\"actionItems\":[");
	if (x->c->started_us < isotime_days_from_civil(2025, 1, 1) * US_PER_DAY) {
		for (size_t i = 0; i < x->ns && n < 2; i++) {
			const struct gsentence *s = &x->s[i];
			const struct gparty *p = &x->p[s->party];
			if (p->side != SIDE_INTERNAL ||
			    (s->phase != PH_NEXT && s->phase != PH_ACTIONS &&
			     s->phase != PH_VOICEMAIL))
				continue;
			jsonw_str(b, n++ ? ",{\"snippetStartTime\":" : "{\"snippetStartTime\":");
			out_seconds(b, s->start);
			jsonw_str(b, ",\"snippetEndTime\":");
			out_seconds(b, s->end);
			jsonw_str(b, ",\"speakerID\":\"");
			jsonw_str(b, p->speaker);
			jsonw_str(b, "\",\"snippet\":");
			jsonw_string(b, x->text + s->off, s->len, 0);
			jsonw_char(b, '}');
		}
	}
	jsonw_str(b, "]}");
}

static void
out_occurrence(struct jsonw *b, const struct gblocks *x, const struct ghit *h, int comma)
{
	jsonw_str(b, comma ? ",{\"startTime\":" : "{\"startTime\":");
	out_seconds(b, h->ms);
	jsonw_str(b, ",\"speakerId\":\"");
	jsonw_str(b, x->p[h->party].speaker);
	jsonw_str(b, "\"}");
}

/* trackers: those heard in the call, each with its occurrences and, for keyword trackers,
 * the phrases found. */
static void
render_trackers(const struct gblocks *x, struct jsonw *b)
{
	int first = 1;
	jsonw_char(b, '[');
	for (unsigned tr = 0; tr < TR_COUNT; tr++) {
		size_t count = 0;
		for (size_t i = 0; i < x->nh; i++)
			count += x->h[i].tracker == tr;
		if (count == 0)
			continue;
		char id[GENERATE_ID_SIZE];
		id_from(stream_of(x->d->o->seed, SALT_IDS, tr, 0), id, 15);
		jsonw_str(b, first ? "{\"id\":\"" : ",{\"id\":\"");
		first = 0;
		jsonw_str(b, id);
		jsonw_str(b, "\",\"name\":\"");
		jsonw_str(b, TRACKER_NAMES[tr]);
		jsonw_str(b, "\",\"count\":");
		jsonw_uint(b, count);
		jsonw_str(b, tr == TR_OBJECTIONS ? ",\"type\":\"SMART\",\"occurrences\":["
		                                 : ",\"type\":\"KEYWORD\",\"occurrences\":[");
		size_t k = 0;
		for (size_t i = 0; i < x->nh; i++)
			if (x->h[i].tracker == tr)
				out_occurrence(b, x, &x->h[i], k++ > 0);
		jsonw_str(b, "],\"phrases\":[");
		const char *const *list = tracker_phrases(x->bank, tr);
		int pfirst = 1;
		for (unsigned ph = 0; list[ph]; ph++) {
			size_t pc = 0;
			for (size_t i = 0; i < x->nh; i++)
				pc += x->h[i].tracker == tr && x->h[i].phrase == ph;
			if (pc == 0)
				continue;
			jsonw_str(b, pfirst ? "{\"count\":" : ",{\"count\":");
			pfirst = 0;
			jsonw_uint(b, pc);
			jsonw_str(b, ",\"occurrences\":[");
			k = 0;
			for (size_t i = 0; i < x->nh; i++)
				if (x->h[i].tracker == tr && x->h[i].phrase == ph)
					out_occurrence(b, x, &x->h[i], k++ > 0);
			jsonw_str(b, "],\"phrase\":");
			out_text(b, list[ph]);
			jsonw_char(b, '}');
		}
		jsonw_str(b, "]}");
	}
	jsonw_char(b, ']');
}

static void
render_content(const struct gblocks *x, struct jsonw *b)
{
	struct span sp[GX_SENTENCES];
	size_t n = spans_of(x, sp), k;

	jsonw_str(b, "{\"structure\":[");
	for (size_t i = 0; i < n; i++) {
		jsonw_str(b, i ? ",{\"name\":\"" : "{\"name\":\"");
		jsonw_str(b, PHASES[sp[i].phase].structure);
		jsonw_str(b, "\",\"duration\":");
		jsonw_int(b, (sp[i].end - sp[i].start) / 1000);
		jsonw_char(b, '}');
	}
	jsonw_str(b, "],\"topics\":[");
	k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!PHASES[sp[i].phase].topic)
			continue;
		jsonw_str(b, k++ ? ",{\"name\":\"" : "{\"name\":\"");
		jsonw_str(b, PHASES[sp[i].phase].topic);
		jsonw_str(b, "\",\"duration\":");
		jsonw_int(b, sp[i].speech / 1000);
		jsonw_char(b, '}');
	}
	jsonw_str(b, "],\"trackers\":");
	render_trackers(x, b);
	jsonw_str(b, ",\"pointsOfInterest\":");
	render_action_items(x, b);

	jsonw_str(b, ",\"brief\":");
	if (x->ns)
		render_brief(x, b, sp, n);
	else
		JSONW_LIT(b, "null");

	jsonw_str(b, ",\"keyPoints\":[");
	k = 0;
	for (size_t i = 0; i < n && k < 3; i++) {
		if (!PHASES[sp[i].phase].point)
			continue;
		jsonw_str(b, k++ ? ",{\"text\":" : "{\"text\":");
		out_note(x, b, PHASES[sp[i].phase].point);
		jsonw_char(b, '}');
	}

	jsonw_str(b, "],\"highlights\":[");
	k = 0;
	for (size_t i = 0; i < n && k < 2; i++) {
		const struct phase_info *pi = &PHASES[sp[i].phase];
		if (!pi->highlight)
			continue;
		jsonw_str(b, k++ ? ",{\"title\":\"" : "{\"title\":\"");
		jsonw_str(b, pi->highlight);
		jsonw_str(b, "\",\"items\":[{\"text\":");
		out_note(x, b, pi->note);
		jsonw_str(b, ",\"startTimes\":[");
		out_seconds(b, x->s[sp[i].first].start);
		if (sp[i].last > sp[i].first) {
			jsonw_char(b, ',');
			out_seconds(b, x->s[sp[i].first + 1].start);
		}
		jsonw_str(b, "]}]}");
	}

	jsonw_str(b, "],\"outline\":[");
	for (size_t i = 0; i < n; i++) {
		const struct phase_info *pi = &PHASES[sp[i].phase];
		jsonw_str(b, i ? ",{\"section\":\"" : "{\"section\":\"");
		jsonw_str(b, pi->section);
		jsonw_str(b, "\",\"startTime\":");
		out_seconds(b, sp[i].start);
		jsonw_str(b, ",\"duration\":");
		out_seconds(b, sp[i].end - sp[i].start);
		jsonw_str(b, ",\"items\":[{\"text\":");
		out_note(x, b, pi->note);
		jsonw_str(b, ",\"startTime\":");
		out_seconds(b, x->s[sp[i].first].start);
		jsonw_str(b, "}]}");
	}

	jsonw_str(b, "],\"callOutcome\":");
	if (x->outcome < 0) {
		JSONW_LIT(b, "null");
	} else {
		char id[GENERATE_ID_SIZE];
		id_from(stream_of(x->d->o->seed, SALT_IDS, x->outcome, 1), id, 17);
		jsonw_str(b, "{\"id\":\"");
		jsonw_str(b, id);
		jsonw_str(b, "\",\"category\":\"");
		jsonw_str(b, OUTCOMES[x->outcome].category);
		jsonw_str(b, "\",\"name\":\"");
		jsonw_str(b, OUTCOMES[x->outcome].name);
		jsonw_str(b, "\"}");
	}
	jsonw_char(b, '}');
}

/*
 * interaction. Speakers' talk times are the sums of their sentences; the statistics are the
 * host's, read off the monologues: Talk Ratio, the host's share of all talk (two decimals);
 * Longest Monologue, the host's longest, and Longest Customer Story, the longest of someone
 * outside the company, in whole seconds; Interactivity, speaker changes per minute of the
 * call times four, at most 10; Patience, the mean silence in seconds before the host takes
 * over from someone else. Questions are the sentences ending in '?'.
 */
static void
render_interaction(const struct gblocks *x, struct jsonw *b)
{
	int64_t total = 0, longest_host = 0, longest_other = 0, wait = 0;
	size_t switches = 0, waits = 0, ours = 0, theirs = 0, k = 0;

	jsonw_str(b, "{\"speakers\":[");
	for (size_t i = 0; i < x->np; i++) {
		const struct gparty *p = &x->p[i];
		total += p->talk_ms;
		if (!p->speaker[0])
			continue;
		jsonw_str(b, k++ ? ",{\"id\":\"" : "{\"id\":\"");
		jsonw_str(b, p->speaker);
		out_key_string(b, "\",\"userId\":", p->user ? p->user->id : NULL);
		jsonw_str(b, ",\"talkTime\":");
		out_seconds(b, p->talk_ms);
		jsonw_char(b, '}');
	}
	jsonw_str(b, "],\"interactionStats\":[");
	if (x->ns) {
		for (size_t i = 0, j; i < x->ns; i = j) {
			const struct gsentence *s = &x->s[i];
			for (j = i + 1;
			     j < x->ns && x->s[j].party == s->party && x->s[j].phase == s->phase;
			     j++)
				;
			int64_t len = x->s[j - 1].end - s->start;
			if (s->party == 0 && len > longest_host)
				longest_host = len;
			if (x->p[s->party].side != SIDE_INTERNAL && len > longest_other)
				longest_other = len;
			if (i > 0 && x->s[i - 1].party != s->party) {
				switches++;
				if (s->party == 0) {
					wait += s->start - x->s[i - 1].end;
					waits++;
				}
			}
		}
		int64_t ratio = total ? (x->p[0].talk_ms * 100 + total / 2) / total : 0;
		int64_t inter =
		    (int64_t)switches * 4 * 60 * 100 / (x->c->duration ? x->c->duration : 1);
		jsonw_str(b, "{\"name\":\"Talk Ratio\",\"value\":");
		out_decimal(b, ratio, 2);
		jsonw_str(b, "},{\"name\":\"Longest Monologue\",\"value\":");
		jsonw_int(b, longest_host / 1000);
		jsonw_str(b, "},{\"name\":\"Longest Customer Story\",\"value\":");
		jsonw_int(b, longest_other / 1000);
		jsonw_str(b, "},{\"name\":\"Interactivity\",\"value\":");
		out_decimal(b, inter > 1000 ? 1000 : inter, 2);
		jsonw_str(b, "},{\"name\":\"Patience\",\"value\":");
		out_decimal(b, waits ? wait / (int64_t)waits / 10 : 0, 2);
		jsonw_char(b, '}');
	}
	jsonw_str(b, "],\"video\":[");
	if (x->video) {
		static const char *const names[] = {"Browser", "Presentation", "WebcamPrimaryUser",
		                                    "WebcamNonCompany"};
		for (size_t i = 0; i < 4; i++) {
			jsonw_str(b, i ? ",{\"name\":\"" : "{\"name\":\"");
			jsonw_str(b, names[i]);
			jsonw_str(b, "\",\"duration\":");
			out_seconds(b, x->video_ms[i]);
			jsonw_char(b, '}');
		}
	}
	for (size_t i = 0; i < x->ns; i++) {
		const struct gsentence *s = &x->s[i];
		if (s->len && x->text[s->off + s->len - 1] == '?') {
			if (x->p[s->party].side == SIDE_INTERNAL)
				ours++;
			else
				theirs++;
		}
	}
	jsonw_str(b, "],\"questions\":{\"companyCount\":");
	jsonw_uint(b, ours);
	jsonw_str(b, ",\"nonCompanyCount\":");
	jsonw_uint(b, theirs);
	jsonw_str(b, "}}");
}

static void
render_collaboration(const struct gblocks *x, struct jsonw *b)
{
	jsonw_str(b, "{\"publicComments\":[");
	for (size_t i = 0; i < x->ncm; i++) {
		const struct gcomment *m = &x->cm[i];
		jsonw_str(b, i ? ",{\"id\":\"" : "{\"id\":\"");
		jsonw_str(b, m->id);
		jsonw_str(b, "\",\"audioStartTime\":");
		out_seconds(b, m->from_ms);
		jsonw_str(b, ",\"audioEndTime\":");
		out_seconds(b, m->to_ms);
		jsonw_str(b, ",\"commenterUserId\":\"");
		jsonw_str(b, m->by->id);
		jsonw_str(b, "\",\"comment\":");
		out_text(b, m->text);
		jsonw_str(b, ",\"posted\":");
		out_date(b, m->posted_us, m->by->tz_min);
		out_key_string(b,
		               ",\"inReplyTo\":", m->reply_to >= 0 ? x->cm[m->reply_to].id : NULL);
		jsonw_str(b, m->during ? ",\"duringCall\":true}" : ",\"duringCall\":false}");
	}
	jsonw_str(b, "]}");
}

/* transcript: a monologue per run of sentences by one speaker on one part of the call. */
static void
render_transcript(const struct gblocks *x, struct jsonw *b)
{
	jsonw_char(b, '[');
	for (size_t i = 0, j; i < x->ns; i = j) {
		const struct gsentence *s = &x->s[i];
		jsonw_str(b, i ? ",{\"speakerId\":\"" : "{\"speakerId\":\"");
		jsonw_str(b, x->p[s->party].speaker);
		out_key_string(b, "\",\"topic\":", PHASES[s->phase].topic);
		jsonw_str(b, ",\"sentences\":[");
		for (j = i; j < x->ns && x->s[j].party == s->party && x->s[j].phase == s->phase;
		     j++) {
			const struct gsentence *t = &x->s[j];
			jsonw_str(b, j > i ? ",{\"start\":" : "{\"start\":");
			jsonw_int(b, t->start);
			jsonw_str(b, ",\"end\":");
			jsonw_int(b, t->end);
			jsonw_str(b, ",\"text\":");
			jsonw_string(b, x->text + t->off, t->len, 0);
			jsonw_char(b, '}');
		}
		jsonw_str(b, "]}");
	}
	jsonw_char(b, ']');
}

/* One call in the extensive shape: its basic fields as metaData, then the blocks. */
static void
gblocks_render(const struct gblocks *x, struct jsonw *b)
{
	jsonw_str(b, "{\"metaData\":");
	gcall_render(x->c, b);
	jsonw_str(b, ",\"context\":");
	render_context(x, b);
	jsonw_str(b, ",\"parties\":");
	render_parties(x, b);
	jsonw_str(b, ",\"content\":");
	render_content(x, b);
	jsonw_str(b, ",\"interaction\":");
	render_interaction(x, b);
	jsonw_str(b, ",\"collaboration\":");
	render_collaboration(x, b);
	jsonw_str(b, ",\"transcript\":");
	render_transcript(x, b);
	jsonw_char(b, '}');
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

/* A key and its boolean value. */
static void
out_key_bool(struct jsonw *b, const char *key, int v)
{
	jsonw_str(b, key);
	jsonw_str(b, v ? "true" : "false");
}

/* A list of at most one string: [] for an empty one. */
static void
out_key_list(struct jsonw *b, const char *key, const char *s)
{
	jsonw_str(b, key);
	jsonw_char(b, '[');
	if (*s)
		jsonw_string(b, s, strlen(s), 0);
	jsonw_char(b, ']');
}

/* One user as GET /v2/users shows it (UserMetadata), plus "avatar": true for an avatar. */
static void
user_render(const struct generate_user *p, struct jsonw *b)
{
	out_key_string(b, "{\"id\":", p->id);
	out_key_string(b, ",\"emailAddress\":", p->email);
	jsonw_str(b, ",\"created\":");
	out_date(b, p->created_us, p->tz_min);
	out_key_bool(b, ",\"active\":", p->active);
	out_key_list(b, ",\"emailAliases\":", p->email_alias);
	out_key_string(b, ",\"firstName\":", p->first_name);
	out_key_string(b, ",\"lastName\":", p->last_name);
	out_key_string(b, ",\"title\":", p->title);
	out_key_string(b, ",\"phoneNumber\":", p->phone);
	out_key_string(b, ",\"extension\":", p->extension);
	out_key_list(b, ",\"personalMeetingUrls\":", p->meeting_url);
	out_key_bool(b, ",\"settings\":{\"webConferencesRecorded\":", p->web_conferences_recorded);
	out_key_bool(b, ",\"preventWebConferenceRecording\":", p->prevent_web_conference_recording);
	out_key_bool(b, ",\"telephonyCallsImported\":", p->telephony_calls_imported);
	out_key_bool(b, ",\"emailsImported\":", p->emails_imported);
	out_key_bool(b, ",\"preventEmailImport\":", p->prevent_email_import);
	out_key_bool(b, ",\"nonRecordedMeetingsImported\":", p->non_recorded_meetings_imported);
	out_key_string(b, "},\"managerId\":", p->manager_id);
	out_key_string(b, ",\"meetingConsentPageUrl\":", p->consent_url);
	out_key_string(b, ",\"spokenLanguages\":[{\"language\":", p->language);
	jsonw_str(b, ",\"primary\":true}]");
	jsonw_str(b, p->avatar ? ",\"avatar\":true}" : "}");
}

/* The company record: {"workspaces": [...], "users": [the company's..., the avatars...]}. */
static void
company_render(const struct dataset *d, struct jsonw *b)
{
	struct generate_user avatars[GENERATE_AVATARS];
	struct generate_workspace ws;
	int comma = 0;

	jsonw_str(b, "{\"workspaces\":[");
	for (unsigned w = 0; w < d->o->workspaces; w++) {
		workspace_info(d, w, &ws);
		out_key_string(b, w ? ",{\"id\":" : "{\"id\":", ws.id);
		out_key_string(b, ",\"name\":", ws.name);
		out_key_string(b, ",\"description\":", ws.description);
		jsonw_char(b, '}');
	}
	jsonw_str(b, "],\"users\":[");
	for (size_t g = 0; g < d->npeople; g++) {
		if (d->first[g] != g)
			continue;
		if (comma++)
			jsonw_char(b, ',');
		user_render(&d->people[g], b);
	}
	avatars_make(d, avatars);
	for (unsigned a = 0; a < GENERATE_AVATARS; a++) {
		if (comma++)
			jsonw_char(b, ',');
		user_render(&avatars[a], b);
	}
	jsonw_str(b, "]}");
}

void
generate_defaults(struct generate_options *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->calls = 400;
	o->workspaces = 3;
	o->shape = GENERATE_SHAPE_EXTENSIVE;
	/* 2025-01-01T00:00:00Z and 2025-07-01T00:00:00Z */
	o->from_us = isotime_days_from_civil(2025, 1, 1) * 86400 * US_PER_S;
	o->to_us = isotime_days_from_civil(2025, 7, 1) * 86400 * US_PER_S;
}

int
generate_write(const struct generate_options *o, FILE *out)
{
	struct dataset d = {0};
	struct gkey *keys = NULL;
	struct gblocks *x = NULL;
	struct jsonw b = {0};
	struct gcall c;
	int basic = o->shape == GENERATE_SHAPE_BASIC;
	int rc = -1;
	int progress = o->progress && isatty(STDERR_FILENO);

	if (o->workspaces == 0 || o->from_us >= o->to_us || o->calls > GENERATE_MAX_CALLS ||
	    o->calls > SIZE_MAX / sizeof(*keys)) {
		errno = EINVAL;
		return -1;
	}
	if (dataset_init(&d, o) < 0 || company_init(&d) < 0)
		goto out;
	if (!basic && (x = malloc(sizeof(*x))) == NULL)
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

	if (basic) {
		jsonw_str(&b, o->jsonl ? "" : o->calls ? "[\n" : "[]\n");
	} else {
		/* The company first, then the calls, each on a line of its own. */
		jsonw_str(&b, o->jsonl ? "" : "[\n");
		company_render(&d, &b);
		jsonw_str(&b, o->jsonl || o->calls == 0 ? "\n" : ",\n");
	}
	uint64_t step = o->calls / 100 ? o->calls / 100 : 1;
	for (uint64_t i = 0; i < o->calls; i++) {
		gcall_make(&d, keys[i].index, &c);
		if (basic) {
			gcall_render(&c, &b);
		} else {
			gblocks_make(x, &d, keys[i].index, &c);
			gblocks_render(x, &b);
		}
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
	if (!o->jsonl && (o->calls || !basic))
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
	free(x);
	dataset_free(&d);
	return rc;
}

size_t
generate_users(const struct generate_options *o, struct generate_user *out, size_t max)
{
	struct dataset d = {0};
	size_t n = 0;

	if (o->workspaces == 0 || o->workspaces > GENERATE_MAX_WORKSPACES)
		return 0;
	if (dataset_init(&d, o) < 0 || company_init(&d) < 0) {
		dataset_free(&d);
		return 0;
	}
	for (size_t g = 0; g < d.npeople; g++) {
		if (d.first[g] != g)
			continue;
		if (n < max)
			out[n] = d.people[g];
		n++;
	}
	dataset_free(&d);
	return n;
}

size_t
generate_workspaces(const struct generate_options *o, struct generate_workspace *out, size_t max)
{
	struct dataset d = {0};

	if (o->workspaces == 0 || o->workspaces > GENERATE_MAX_WORKSPACES)
		return 0;
	if (dataset_init(&d, o) < 0) {
		dataset_free(&d);
		return 0;
	}
	for (unsigned w = 0; w < o->workspaces && w < max; w++)
		workspace_info(&d, w, &out[w]);
	dataset_free(&d);
	return o->workspaces;
}

size_t
generate_avatars(const struct generate_options *o, struct generate_user *out, size_t max)
{
	struct dataset d = {0};
	struct generate_user avatars[GENERATE_AVATARS];

	if (o->workspaces == 0 || o->workspaces > GENERATE_MAX_WORKSPACES)
		return 0;
	if (dataset_init(&d, o) < 0 || company_init(&d) < 0) {
		dataset_free(&d);
		return 0;
	}
	avatars_make(&d, avatars);
	for (size_t a = 0; a < GENERATE_AVATARS && a < max; a++)
		out[a] = avatars[a];
	dataset_free(&d);
	return GENERATE_AVATARS;
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
static const struct flags_word generate_shapes[] = {
    {"extensive", GENERATE_SHAPE_EXTENSIVE}, {"basic", GENERATE_SHAPE_BASIC}, {NULL, 0}};

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
    {.name = "--shape",
     .arg = "SHAPE",
     .help = "extensive: a call of POST /v2/calls/extensive with its\n"
             "transcript (default);\n"
             "basic: the 20 fields of GET /v2/calls",
     .kind = FLAGS_ENUM,
     .words = generate_shapes,
     GENERATE_AT(shape),
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
	      "                         [--shape extensive|basic]\n"
	      "\n"
	      "Writes a synthetic dataset of calls to stdout, sorted by date then id. The same\n"
	      "options always give the same bytes. In the extensive shape each call is\n"
	      "{\"metaData\": its basic fields, \"context\", \"parties\", \"content\",\n"
	      "\"interaction\", \"collaboration\", \"transcript\"}; its metaData is the same\n"
	      "bytes as the call in the basic shape. The extensive shape starts with one\n"
	      "company record, {\"workspaces\": [...], \"users\": [...]}, before the calls.\n"
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
