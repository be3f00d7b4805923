/*
 * test_flags.c - the table-driven command line: every kind of flag in both spellings, every
 * message (the defaults and the templates), help and version ending the parse, the usage
 * layout, tables that contradict themselves, flags given by environment variables, and the
 * flag or variable suggested for a misspelt one.
 */
#include "flags.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct opts {
	const char *name;
	unsigned port;
	uint64_t seed;
	int64_t ttl;
	unsigned timeout;
	int verbose;
	int mode;
	unsigned color;
	const char *tags[3];
	size_t ntags;
	int64_t day;
	const char *url;
};

/* Accepts "day1" to "day9", storing the digit. */
static int
opts_day(const char *v, void *field, char *why, size_t whylen)
{
	if (strlen(v) != 4 || strncmp(v, "day", 3) != 0 || v[3] < '1' || v[3] > '9') {
		snprintf(why, whylen, "'%s' is not day1 to day9", v);
		return -1;
	}
	*(int64_t *)field = v[3] - '0';
	return 0;
}

/* Refuses tags that start with 'x'. */
static int
opts_tag(const char *v, void *field, char *why, size_t whylen)
{
	(void)field;
	if (v[0] != 'x')
		return 0;
	snprintf(why, whylen, "'%s' starts with x", v);
	return -1;
}

static int
opts_url(const char *v, void *field, char *why, size_t whylen)
{
	(void)field;
	if (strncmp(v, "http://", 7) == 0)
		return 0;
	snprintf(why, whylen, "'%s' is not a URL", v);
	return -1;
}

static const struct flags_word modes[] = {{"fast", 1}, {"slow", 2}, {"off", -1}, {NULL, 0}};
static const struct flags_word colors[] = {{"red", 0}, {"blue", 7}, {NULL, 0}};

#define AT(member) FLAGS_AT(struct opts, member)

static const struct flags_spec spec[] = {
    {.kind = FLAGS_SECTION, .help = "general"},
    {.name = "--name", .arg = "S", .help = "a name", .kind = FLAGS_STRING, AT(name)},
    {.name = "--port",
     .arg = "N",
     .help = "a port",
     .kind = FLAGS_UNSIGNED,
     .min = 1,
     .max = 65535,
     AT(port),
     .bad = "'%v' is not a port (%<-%>, 100%%)"},
    {.name = "--seed", .arg = "N", .help = "a seed", .kind = FLAGS_UINT64, AT(seed)},
    {.name = "--ttl",
     .arg = "SECONDS",
     .help = "a lifetime\nover two lines",
     .kind = FLAGS_SECONDS,
     .min = 1,
     .max = 86400,
     AT(ttl)},
    {.name = "--timeout",
     .arg = "S",
     .help = "a timeout",
     .kind = FLAGS_UNSIGNED,
     .min = 0,
     .max = 60,
     AT(timeout)},
    {.name = "--verbose", .alias = "-v", .help = "say more", .kind = FLAGS_BOOL, AT(verbose)},
    {.kind = FLAGS_SECTION, .help = "more"},
    {.name = "--mode", .arg = "M", .help = "a mode", .kind = FLAGS_ENUM, .words = modes, AT(mode)},
    {.name = "--color",
     .arg = "red|blue",
     .help = "a color",
     .kind = FLAGS_ENUM,
     .words = colors,
     AT(color),
     .bad = "must be %w, not '%v'"},
    {.name = "--tag",
     .arg = "T",
     .help = "a tag (repeatable)",
     .kind = FLAGS_LIST,
     FLAGS_LIST_AT(struct opts, tags, ntags),
     .check = opts_tag},
    {.name = "--day",
     .arg = "D",
     .help = "a day",
     .kind = FLAGS_CUSTOM,
     AT(day),
     .check = opts_day},
    {.name = "--url",
     .arg = "URL",
     .help = "a URL",
     .kind = FLAGS_STRING,
     AT(url),
     .check = opts_url},
    {.name = "--a-very-long-flag-name",
     .arg = "VALUE",
     .help = "wraps",
     .kind = FLAGS_STRING,
     AT(name)},
    {.name = "--version", .help = "the version", .kind = FLAGS_VERSION},
    {.name = "--help", .alias = "-h", .help = "this text", .kind = FLAGS_HELP},
};

static const struct flags_table table = {
    .spec = spec,
    .nspec = sizeof(spec) / sizeof(spec[0]),
    .column = 20,
    .unexpected = "unexpected '%a'",
    .unknown = "unknown '%n' in '%a'",
    .no_value = "%n wants a value",
};

static enum flags_result
parse_with(const struct flags_table *t, struct opts *o, const char *const *args, char *err,
           size_t errlen)
{
	const char *argv[32];
	int argc = 0;

	memset(o, 0, sizeof(*o));
	argv[argc++] = "prog";
	for (; *args != NULL; args++)
		argv[argc++] = *args;
	argv[argc] = NULL;
	return flags_parse(t, o, argc, (char **)argv, err, errlen);
}

static enum flags_result
parse(struct opts *o, const char *const *args, char *err, size_t errlen)
{
	return parse_with(&table, o, args, err, errlen);
}

START_TEST(every_kind_in_both_spellings)
{
	static const char *const args[] = {"--name",
	                                   "n",
	                                   "--port=80",
	                                   "--seed",
	                                   "18446744073709551615",
	                                   "--ttl=60",
	                                   "--timeout",
	                                   "0",
	                                   "-v",
	                                   "--mode=off",
	                                   "--color",
	                                   "blue",
	                                   "--tag",
	                                   "a",
	                                   "--tag=b=c",
	                                   "--day",
	                                   "day7",
	                                   "--url=http://x",
	                                   NULL};
	struct opts o;
	char err[256] = "";

	ck_assert_int_eq(parse(&o, args, err, sizeof(err)), FLAGS_OK);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(o.name, "n");
	ck_assert_uint_eq(o.port, 80);
	ck_assert_uint_eq(o.seed, UINT64_MAX);
	ck_assert_int_eq(o.ttl, 60);
	ck_assert_uint_eq(o.timeout, 0);
	ck_assert_int_eq(o.verbose, 1);
	ck_assert_int_eq(o.mode, -1);
	ck_assert_uint_eq(o.color, 7);
	ck_assert_uint_eq(o.ntags, 2);
	ck_assert_str_eq(o.tags[0], "a");
	ck_assert_str_eq(o.tags[1], "b=c");
	ck_assert_int_eq(o.day, 7);
	ck_assert_str_eq(o.url, "http://x");
}
END_TEST

START_TEST(later_flags_win)
{
	static const char *const args[] = {
	    "--port", "1", "--port=2", "--name", "a", "--a-very-long-flag-name", "b", NULL};
	struct opts o;
	char err[256];

	ck_assert_int_eq(parse(&o, args, err, sizeof(err)), FLAGS_OK);
	ck_assert_uint_eq(o.port, 2);
	ck_assert_str_eq(o.name, "b");
}
END_TEST

/* A 70-character name, and ones of 63 and 64. */
#define NAME70 "--xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define NAME63 "--xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define NAME64 "--xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define CUT40 "--xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."

START_TEST(every_message)
{
	static const char *const cases[][4] = {
	    /* Arguments no flag takes. */
	    {"stray", NULL, NULL, "unexpected 'stray'"},
	    {"-x", NULL, NULL, "unexpected '-x'"},
	    {"-v=1", NULL, NULL, "unexpected '-v=1'"},
	    {"--nope", NULL, NULL, "unknown '--nope' in '--nope'"},
	    {"--nope=1", NULL, NULL, "unknown '--nope' in '--nope=1'"},
	    {"--", NULL, NULL, "unknown '--' in '--'"},
	    {"--verbose=1", NULL, NULL, "unknown '--verbose' in '--verbose=1'"},
	    {"--help=1", NULL, NULL, "unknown '--help' in '--help=1'"},
	    {NAME63, NULL, NULL, "unknown '" NAME63 "' in '" NAME63 "'"},
	    {NAME64, NULL, NULL, "unknown '" CUT40 "' in '" NAME64 "'"},
	    {NAME70 "=1", NULL, NULL, "unknown '" CUT40 "' in '" NAME70 "=1'"},
	    {"--port", NULL, NULL, "--port wants a value"},
	    /* The kinds' default reasons. */
	    {"--name", "", NULL, "--name: must not be empty"},
	    {"--name=", NULL, NULL, "--name: must not be empty"},
	    {"--seed", "18446744073709551616", NULL,
	     "--seed: '18446744073709551616' is not a "
	     "whole number"},
	    {"--seed", "-1", NULL, "--seed: '-1' is not a whole number"},
	    {"--ttl", "0", NULL, "--ttl: '0' is not a number of seconds (1 to 86400)"},
	    {"--ttl", "86401", NULL, "--ttl: '86401' is not a number of seconds (1 to 86400)"},
	    {"--timeout", "61", NULL, "--timeout: '61' is not a number from 0 to 60"},
	    {"--timeout", " 1", NULL, "--timeout: ' 1' is not a number from 0 to 60"},
	    {"--timeout", "+1", NULL, "--timeout: '+1' is not a number from 0 to 60"},
	    {"--timeout", "1x", NULL, "--timeout: '1x' is not a number from 0 to 60"},
	    {"--timeout", "", NULL, "--timeout: '' is not a number from 0 to 60"},
	    {"--mode", "medium", NULL, "--mode: 'medium' is not fast, slow or off"},
	    /* A flag's own template. */
	    {"--port", "0", NULL, "--port: '0' is not a port (1-65535, 100%)"},
	    {"--port=65536", NULL, NULL, "--port: '65536' is not a port (1-65535, 100%)"},
	    {"--color", "green", NULL, "--color: must be red or blue, not 'green'"},
	    /* A check's reason. */
	    {"--day", "day0", NULL, "--day: 'day0' is not day1 to day9"},
	    {"--url", "", NULL, "--url: '' is not a URL"},
	    {"--tag", "xy", NULL, "--tag: 'xy' starts with x"},
	    /* The first error wins. */
	    {"--port", "0", "--nope", "--port: '0' is not a port (1-65535, 100%)"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[4] = {cases[i][0], cases[i][1], cases[i][2], NULL};
		struct opts o;
		char err[256] = "";

		if (args[1] == NULL)
			args[2] = NULL;
		ck_assert_int_eq(parse(&o, args, err, sizeof(err)), FLAGS_ERROR);
		ck_assert_msg(strcmp(err, cases[i][3]) == 0, "case %zu: got '%s', want '%s'", i,
		              err, cases[i][3]);
	}
}
END_TEST

/* The same flags, with messages that end in a parenthesis. */
static const struct flags_table parens = {
    .spec = spec,
    .nspec = sizeof(spec) / sizeof(spec[0]),
    .column = 20,
    .unexpected = "unexpected '%a' (see --help)",
    .unknown = "unknown '%n' (see --help)",
    .no_value = "%n wants a value (see --help)",
};

START_TEST(unknown_names_get_the_closest_flag)
{
	static const char *const cases[][3] = {
	    /* A swap, a letter missing, one too many, another case, a name cut short. */
	    {"--prot", "unknown '--prot' in '--prot' (did you mean --port?)",
	     "unknown '--prot' (did you mean --port? see --help)"},
	    {"--verbos", "unknown '--verbos' in '--verbos' (did you mean --verbose?)",
	     "unknown '--verbos' (did you mean --verbose? see --help)"},
	    {"--seeds=1", "unknown '--seeds' in '--seeds=1' (did you mean --seed?)",
	     "unknown '--seeds' (did you mean --seed? see --help)"},
	    {"--TIMEOUT", "unknown '--TIMEOUT' in '--TIMEOUT' (did you mean --timeout?)",
	     "unknown '--TIMEOUT' (did you mean --timeout? see --help)"},
	    {"--a-very", "unknown '--a-very' in '--a-very' (did you mean --a-very-long-flag-name?)",
	     "unknown '--a-very' (did you mean --a-very-long-flag-name? see --help)"},
	    /* Two edits in a name of seven. */
	    {"--veborse", "unknown '--veborse' in '--veborse' (did you mean --verbose?)",
	     "unknown '--veborse' (did you mean --verbose? see --help)"},
	    /* A long flag with one dash. */
	    {"-port", "unexpected '-port' (did you mean --port?)",
	     "unexpected '-port' (did you mean --port? see --help)"},
	    /* Nothing close: two edits are too many for four letters; "ver" begins two names. */
	    {"--nope", "unknown '--nope' in '--nope'", "unknown '--nope' (see --help)"},
	    {"--ver", "unknown '--ver' in '--ver'", "unknown '--ver' (see --help)"},
	    {"--t", "unknown '--t' in '--t'", "unknown '--t' (see --help)"},
	    {"-x", "unexpected '-x'", "unexpected '-x' (see --help)"},
	    {"stray", "unexpected 'stray'", "unexpected 'stray' (see --help)"},
	    /* A flag that exists but takes no value is not misspelt. */
	    {"--verbose=1", "unknown '--verbose' in '--verbose=1'",
	     "unknown '--verbose' (see --help)"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[2] = {cases[i][0], NULL};
		struct opts o;
		char err[256] = "";

		ck_assert_int_eq(parse(&o, args, err, sizeof(err)), FLAGS_ERROR);
		ck_assert_msg(strcmp(err, cases[i][1]) == 0, "case %zu: got '%s'", i, err);
		ck_assert_int_eq(parse_with(&parens, &o, args, err, sizeof(err)), FLAGS_ERROR);
		ck_assert_msg(strcmp(err, cases[i][2]) == 0, "case %zu: got '%s'", i, err);
	}
}
END_TEST

START_TEST(suggestions_are_cut_to_the_buffer)
{
	static const char *const args[] = {"--prot", NULL};
	struct opts o;
	char err[32];

	memset(err, '#', sizeof(err));
	ck_assert_int_eq(parse_with(&parens, &o, args, err, 24), FLAGS_ERROR);
	ck_assert_str_eq(err, "unknown '--prot' (did y");
	ck_assert_int_eq(err[24], '#');
}
END_TEST

START_TEST(the_closest_name_of_a_list)
{
	static const char *const vars[] = {
	    "T_PORT", "T_PAGE_SIZE", "T_RATE_LIMIT", "T_RATE_LIMIT_SCOPE",
	    "T_SEED", "T_TLS_CERT",  "T_TLS_KEY"};
	size_t n = sizeof(vars) / sizeof(vars[0]);
	static const struct {
		const char *word;
		const char *want; /* NULL: none */
	} cases[] = {
	    {"T_PROT", "T_PORT"},
	    {"T_RATE_LIMT", "T_RATE_LIMIT"},
	    {"T_RATE_LIMIT_SCOP", "T_RATE_LIMIT_SCOPE"},
	    {"T_SED", "T_SEED"},
	    {"T_page_size", "T_PAGE_SIZE"},
	    {"T_TLS_CER", "T_TLS_CERT"},
	    {"T_TLS_KE", "T_TLS_KEY"},
	    {"T_TLS", NULL},        /* begins two */
	    {"T_RATE", NULL},       /* begins two */
	    {"T_SEEDS_OF_X", NULL}, /* too far */
	    {"T_ZZ", NULL},
	    {"T_", NULL},
	    {"T", NULL},      /* shorter than the prefix */
	    {"X_PORT", NULL}, /* another prefix */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got =
		    flags_closest(cases[i].word, strlen(cases[i].word), vars, n, strlen("T_"));

		if (cases[i].want == NULL)
			ck_assert_msg(got == NULL, "%s: got %s", cases[i].word, got);
		else
			ck_assert_msg(got != NULL && strcmp(got, cases[i].want) == 0, "%s: got %s",
			              cases[i].word, got != NULL ? got : "NULL");
	}
	/* Only len bytes of the word count: the rest of "NAME=value" is not looked at. */
	ck_assert_str_eq(flags_closest("T_PROT=8080", 6, vars, n, 2), "T_PORT");
	/* Words far longer than any name are not compared at all. */
	{
		char big[200];

		memset(big, 'A', sizeof(big));
		memcpy(big, "T_", 2);
		ck_assert_ptr_null(flags_closest(big, sizeof(big), vars, n, 2));
	}
	ck_assert_ptr_null(flags_closest("T_PORT", 6, vars, 0, 2));
}
END_TEST

START_TEST(a_list_holds_as_many_as_its_array)
{
	static const char *const full[] = {"--tag", "a",     "--tag", "b", "--tag",
	                                   "c",     "--tag", "d",     NULL};
	static const char *const both[] = {"--tag", "a",     "--tag", "b", "--tag",
	                                   "c",     "--tag", "xd",    NULL};
	struct opts o;
	char err[256];

	ck_assert_int_eq(parse(&o, full, err, sizeof(err)), FLAGS_ERROR);
	ck_assert_str_eq(err, "--tag: at most 3 values");
	ck_assert_uint_eq(o.ntags, 3);
	/* The check comes before the count. */
	ck_assert_int_eq(parse(&o, both, err, sizeof(err)), FLAGS_ERROR);
	ck_assert_str_eq(err, "--tag: 'xd' starts with x");
}
END_TEST

START_TEST(help_and_version_end_the_parse)
{
	static const char *const help[] = {"--port", "80", "--help", "--port", "0", NULL};
	static const char *const alias[] = {"-h", NULL};
	static const char *const version[] = {"--version", "stray", NULL};
	static const char *const late[] = {"--port", "0", "--help", NULL};
	struct opts o;
	char err[256];

	ck_assert_int_eq(parse(&o, help, err, sizeof(err)), FLAGS_ASK_HELP);
	ck_assert_uint_eq(o.port, 80);
	ck_assert_int_eq(parse(&o, alias, err, sizeof(err)), FLAGS_ASK_HELP);
	ck_assert_int_eq(parse(&o, version, err, sizeof(err)), FLAGS_ASK_VERSION);
	ck_assert_int_eq(parse(&o, late, err, sizeof(err)), FLAGS_ERROR);
}
END_TEST

START_TEST(messages_are_cut_to_the_buffer)
{
	static const char *const unknown[] = {"--nope", NULL};
	static const char *const refused[] = {"--timeout", "123456789", NULL};
	static const char *const checked[] = {"--url", "ftp://a-long-host-name", NULL};
	struct opts o;
	char err[12];

	memset(err, '#', sizeof(err));
	ck_assert_int_eq(parse(&o, unknown, err, 8), FLAGS_ERROR);
	ck_assert_str_eq(err, "unknown");
	ck_assert_int_eq(err[8], '#');
	ck_assert_int_eq(parse(&o, refused, err, 8), FLAGS_ERROR);
	ck_assert_str_eq(err, "--timeo");
	ck_assert_int_eq(parse(&o, checked, err, 10), FLAGS_ERROR);
	ck_assert_str_eq(err, "--url: 'f");
	ck_assert_int_eq(parse(&o, checked, err, 0), FLAGS_ERROR);
	ck_assert_int_eq(err[0], '-');
}
END_TEST

START_TEST(usage_lists_sections_and_flags)
{
	static const char want[] = "\n"
	                           "general:\n"
	                           "  --name S          a name\n"
	                           "  --port N          a port\n"
	                           "  --seed N          a seed\n"
	                           "  --ttl SECONDS     a lifetime\n"
	                           "                    over two lines\n"
	                           "  --timeout S       a timeout\n"
	                           "  --verbose         say more\n"
	                           "\n"
	                           "more:\n"
	                           "  --mode M          a mode\n"
	                           "  --color red|blue  a color\n"
	                           "  --tag T           a tag (repeatable)\n"
	                           "  --day D           a day\n"
	                           "  --url URL         a URL\n"
	                           "  --a-very-long-flag-name VALUE\n"
	                           "                    wraps\n"
	                           "  --version         the version\n"
	                           "  --help            this text\n";
	static const struct flags_spec fits[] = {
	    {.name = "--abcdefgh",
	     .arg = "XYZ",
	     .help = "one space",
	     .kind = FLAGS_STRING,
	     AT(name)},
	    {.name = "--abcdefgh1", .arg = "XYZ", .help = "wraps", .kind = FLAGS_STRING, AT(url)},
	};
	static const struct flags_table t = {fits, 2, 17, "u", "u", "u", NULL};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	flags_usage(&table, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_str_eq(text, want);
	free(text);

	/* Help text starts at the column, after one space at least. */
	f = open_memstream(&text, &len);
	flags_usage(&t, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_str_eq(text, "  --abcdefgh XYZ one space\n"
	                       "  --abcdefgh1 XYZ\n"
	                       "                 wraps\n");
	free(text);
}
END_TEST

START_TEST(tables_that_contradict_themselves_are_refused)
{
	struct bad {
		struct flags_spec spec;
		const char *why;
	};
	static const struct bad cases[] = {
	    {{.name = "--a", .arg = "N", .help = "h", .kind = FLAGS_UNSIGNED, .max = 1, AT(name)},
	     "not a number"},
	    {{.name = "--a", .arg = "S", .help = "h", .kind = FLAGS_STRING, AT(port)},
	     "not a string"},
	    {{.name = "--a",
	      .arg = "N",
	      .help = "h",
	      .kind = FLAGS_UNSIGNED,
	      .max = 1ULL << 32,
	      AT(port)},
	     "does not fit"},
	    {{.name = "--a",
	      .arg = "N",
	      .help = "h",
	      .kind = FLAGS_SECONDS,
	      .min = 2,
	      .max = 1,
	      AT(ttl)},
	     "range is empty"},
	    {{.name = "--a", .arg = "N", .help = "h", .kind = FLAGS_UINT64, AT(ttl)}, "uint64_t"},
	    {{.name = "--a",
	      .arg = "W",
	      .help = "h",
	      .kind = FLAGS_ENUM,
	      .words = modes,
	      AT(color)},
	     "negative"},
	    {{.name = "--a", .arg = "W", .help = "h", .kind = FLAGS_ENUM, AT(mode)}, "no words"},
	    {{.name = "--a", .help = "h", .kind = FLAGS_BOOL, AT(port)}, "not an int"},
	    {{.name = "--a", .arg = "X", .help = "h", .kind = FLAGS_BOOL, AT(verbose)},
	     "placeholder"},
	    {{.name = "--a", .help = "h", .kind = FLAGS_STRING, AT(name)}, "placeholder"},
	    {{.name = "--a", .arg = "D", .help = "h", .kind = FLAGS_CUSTOM, AT(day)},
	     "needs a check"},
	    {{.name = "--a", .help = "h", .kind = FLAGS_HELP, AT(verbose)}, "store nothing"},
	    {{.name = "-a", .help = "h", .kind = FLAGS_HELP}, "--word"},
	    {{.name = "--a=b", .help = "h", .kind = FLAGS_HELP}, "--word"},
	    {{.name = "--a", .alias = "a", .help = "h", .kind = FLAGS_HELP}, "alias"},
	    {{.name = "--a", .kind = FLAGS_HELP}, "no help"},
	    {{.name = "--a", .help = "h", .kind = FLAGS_SECTION}, "section"},
	    {{.name = "--help", .help = "h", .kind = FLAGS_VERSION}, "--help given twice"},
	    {{.name = "--b", .alias = "-h", .help = "h", .kind = FLAGS_VERSION}, "-h given twice"},
	};
	static const char *const none[] = {NULL};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct flags_spec two[2] = {
		    {.name = "--help", .alias = "-h", .help = "h", .kind = FLAGS_HELP},
		    cases[i].spec,
		};
		struct flags_table t = {two, 2, 20, "u", "u", "u", NULL};
		struct opts o;
		char err[256] = "";

		ck_assert_int_eq(parse_with(&t, &o, none, err, sizeof(err)), FLAGS_ERROR);
		ck_assert_msg(strncmp(err, "flag table", 10) == 0 && strstr(err, cases[i].why),
		              "case %zu: got '%s'", i, err);
	}
}
END_TEST

START_TEST(a_table_without_messages_is_refused)
{
	static const struct flags_table t = {spec, 1, 20, "u", NULL, "u", NULL};
	static const char *const none[] = {NULL};
	struct opts o;
	char err[256];

	ck_assert_int_eq(parse_with(&t, &o, none, err, sizeof(err)), FLAGS_ERROR);
	ck_assert_str_eq(err, "flag table: a message is missing");
}
END_TEST

/* The same table, with variables T_NAME, T_PORT, ... */
static const struct flags_table env_table = {
    .spec = spec,
    .nspec = sizeof(spec) / sizeof(spec[0]),
    .column = 20,
    .unexpected = "unexpected '%a'",
    .unknown = "unknown '%n' in '%a'",
    .no_value = "%n wants a value",
    .env_prefix = "T_",
};

static enum flags_result
parse_env(struct opts *o, const char *const *args, const char *const *envp, char **hold, char *err,
          size_t errlen)
{
	const char *argv[32];
	int argc = 0;

	memset(o, 0, sizeof(*o));
	argv[argc++] = "prog";
	for (; *args != NULL; args++)
		argv[argc++] = *args;
	argv[argc] = NULL;
	return flags_parse_env(&env_table, o, argc, (char **)argv, (char *const *)envp, hold, err,
	                       errlen);
}

START_TEST(variables_are_named_after_their_flags)
{
	char name[32];

	ck_assert_int_eq(flags_env_name(&env_table, &spec[1], name, sizeof(name)), 0);
	ck_assert_str_eq(name, "T_NAME");
	ck_assert_int_eq(flags_env_name(&env_table, &spec[1], name, 6), -1);
	ck_assert_int_eq(flags_env_name(&table, &spec[1], name, sizeof(name)), -1);
	ck_assert_str_eq(spec[13].name, "--a-very-long-flag-name");
	ck_assert_int_eq(flags_env_name(&env_table, &spec[13], name, sizeof(name)), 0);
	ck_assert_str_eq(name, "T_A_VERY_LONG_FLAG_NAME");
}
END_TEST

START_TEST(every_kind_from_the_environment)
{
	static const char *const none[] = {NULL};
	static const char *const env[] = {
	    "HOME=/root",     "T_NAME=n",        "T_PORT=81",    "T_SEED=42",   "T_TTL=60",
	    "T_VERBOSE=yes",  "T_MODE=slow",     "T_COLOR=blue", "T_TAG=a,b,c", "T_DAY=day3",
	    "T_URL=http://x", "T_NAMES=ignored", "T_TIMEOUT=",   NULL};
	struct opts o;
	char err[256], *hold = NULL;

	ck_assert_int_eq(parse_env(&o, none, env, &hold, err, sizeof(err)), FLAGS_OK);
	ck_assert_str_eq(o.name, "n");
	ck_assert_uint_eq(o.port, 81);
	ck_assert_uint_eq(o.seed, 42);
	ck_assert_int_eq(o.ttl, 60);
	ck_assert_int_eq(o.verbose, 1);
	ck_assert_int_eq(o.mode, 2);
	ck_assert_uint_eq(o.color, 7);
	ck_assert_uint_eq(o.ntags, 3);
	ck_assert_str_eq(o.tags[0], "a");
	ck_assert_str_eq(o.tags[1], "b");
	ck_assert_str_eq(o.tags[2], "c");
	ck_assert_int_eq(o.day, 3);
	ck_assert_str_eq(o.url, "http://x");
	/* Empty: unset, the default stays. */
	ck_assert_uint_eq(o.timeout, 0);
	ck_assert_ptr_nonnull(hold);
	free(hold);
}
END_TEST

START_TEST(the_command_line_wins)
{
	static const char *const args[] = {"--port", "82", "--tag", "z", "-v", NULL};
	static const char *const env[] = {"T_PORT=81", "T_TAG=a,b", "T_VERBOSE=0", "T_NAME=n",
	                                  NULL};
	struct opts o;
	char err[256], *hold = NULL;

	ck_assert_int_eq(parse_env(&o, args, env, &hold, err, sizeof(err)), FLAGS_OK);
	ck_assert_uint_eq(o.port, 82);
	ck_assert_uint_eq(o.ntags, 1);
	ck_assert_str_eq(o.tags[0], "z");
	ck_assert_int_eq(o.verbose, 1);
	ck_assert_str_eq(o.name, "n");
	/* The list came from argv only: nothing was copied. */
	ck_assert_ptr_null(hold);
}
END_TEST

START_TEST(booleans_take_words)
{
	static const char *const none[] = {NULL};
	static const char *const yes[] = {"1", "true", "YES", "On", NULL};
	static const char *const no[] = {"0", "false", "no", "OFF", NULL};
	char var[32], err[256], *hold = NULL;
	const char *env[2] = {var, NULL};
	struct opts o;
	size_t i;

	for (i = 0; yes[i] != NULL; i++) {
		snprintf(var, sizeof(var), "T_VERBOSE=%s", yes[i]);
		ck_assert_int_eq(parse_env(&o, none, env, &hold, err, sizeof(err)), FLAGS_OK);
		ck_assert_int_eq(o.verbose, 1);
	}
	for (i = 0; no[i] != NULL; i++) {
		snprintf(var, sizeof(var), "T_VERBOSE=%s", no[i]);
		ck_assert_int_eq(parse_env(&o, none, env, &hold, err, sizeof(err)), FLAGS_OK);
		ck_assert_int_eq(o.verbose, 0);
	}
	snprintf(var, sizeof(var), "T_VERBOSE=maybe");
	ck_assert_int_eq(parse_env(&o, none, env, &hold, err, sizeof(err)), FLAGS_ERROR);
	ck_assert_str_eq(err,
	                 "T_VERBOSE: 'maybe' is neither 1, true, yes, on nor 0, false, no, off");
}
END_TEST

START_TEST(errors_name_the_variable)
{
	static const char *const none[] = {NULL};
	static const char *const help[] = {"--help", NULL};
	static const char *const port[] = {"T_PORT=0", NULL};
	static const char *const day[] = {"T_DAY=day0", NULL};
	static const char *const tags[] = {"T_TAG=a,xb", NULL};
	static const char *const many[] = {"T_TAG=a,b,c,d", NULL};
	static const char *const empty_item[] = {"T_NAME=", "T_COLOR=green", NULL};
	struct opts o;
	char err[256], *hold = NULL;

	ck_assert_int_eq(parse_env(&o, none, port, &hold, err, sizeof(err)), FLAGS_ERROR);
	ck_assert_str_eq(err, "T_PORT: '0' is not a port (1-65535, 100%)");
	ck_assert_int_eq(parse_env(&o, none, day, &hold, err, sizeof(err)), FLAGS_ERROR);
	ck_assert_str_eq(err, "T_DAY: 'day0' is not day1 to day9");
	ck_assert_int_eq(parse_env(&o, none, tags, &hold, err, sizeof(err)), FLAGS_ERROR);
	ck_assert_str_eq(err, "T_TAG: 'xb' starts with x");
	ck_assert_ptr_null(hold);
	ck_assert_int_eq(parse_env(&o, none, many, &hold, err, sizeof(err)), FLAGS_ERROR);
	ck_assert_str_eq(err, "T_TAG: at most 3 values");
	ck_assert_int_eq(parse_env(&o, none, empty_item, &hold, err, sizeof(err)), FLAGS_ERROR);
	ck_assert_str_eq(err, "T_COLOR: must be red or blue, not 'green'");
	/* Help on the command line comes before any mistake of the environment. */
	ck_assert_int_eq(parse_env(&o, help, port, &hold, err, sizeof(err)), FLAGS_ASK_HELP);
	ck_assert_ptr_null(hold);
}
END_TEST

START_TEST(unknown_variables_are_found)
{
	static const char *const env[] = {"T_PORT=1", "T_PROT=2", "PATH=/bin", "T_=3",
	                                  "T_HELP=1", "T_NAME",   "T_NAMEX=4", NULL};
	size_t from = 0;

	ck_assert_int_eq(flags_env_unknown(&env_table, (char *const *)env, &from), 1);
	ck_assert_int_eq(flags_env_unknown(&env_table, (char *const *)env, &from), 4);
	ck_assert_int_eq(flags_env_unknown(&env_table, (char *const *)env, &from), 6);
	ck_assert_int_eq(flags_env_unknown(&env_table, (char *const *)env, &from), -1);
	from = 0;
	ck_assert_int_eq(flags_env_unknown(&table, (char *const *)env, &from), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("flags");
	TCase *t = tcase_create("flags");

	tcase_add_test(t, every_kind_in_both_spellings);
	tcase_add_test(t, later_flags_win);
	tcase_add_test(t, every_message);
	tcase_add_test(t, unknown_names_get_the_closest_flag);
	tcase_add_test(t, suggestions_are_cut_to_the_buffer);
	tcase_add_test(t, the_closest_name_of_a_list);
	tcase_add_test(t, a_list_holds_as_many_as_its_array);
	tcase_add_test(t, help_and_version_end_the_parse);
	tcase_add_test(t, messages_are_cut_to_the_buffer);
	tcase_add_test(t, usage_lists_sections_and_flags);
	tcase_add_test(t, tables_that_contradict_themselves_are_refused);
	tcase_add_test(t, a_table_without_messages_is_refused);
	tcase_add_test(t, variables_are_named_after_their_flags);
	tcase_add_test(t, every_kind_from_the_environment);
	tcase_add_test(t, the_command_line_wins);
	tcase_add_test(t, booleans_take_words);
	tcase_add_test(t, errors_name_the_variable);
	tcase_add_test(t, unknown_variables_are_found);
	suite_add_tcase(s, t);
	return harness_run(s);
}
