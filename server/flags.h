/*
 * flags.h - a command line described by a table: parsing it, and the option list of its usage
 * text.
 *
 * Each flag is described once, in one entry of a table: its name, the placeholder and the help
 * lines of the usage text, the kind of value it takes, where in the caller's struct the value
 * goes, and an optional check for what the kind alone does not cover. Parsing, the usage text
 * and the answer to an unknown name all come from that entry, so they cannot disagree.
 *
 * Nothing here opens a file or keeps state; tables are read-only and may be shared by threads.
 */
#ifndef GONGMOCK_FLAGS_H
#define GONGMOCK_FLAGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What a flag takes, and how its value is read. */
enum flags_kind {
	FLAGS_SECTION,  /* not a flag: a heading of the usage text, `help` is its title */
	FLAGS_STRING,   /* a string, stored as a pointer into argv; an empty one is refused */
	FLAGS_UNSIGNED, /* a decimal number in [min, max] */
	FLAGS_SECONDS,  /* the same, a number of seconds (only the default message differs) */
	FLAGS_UINT64,   /* any decimal number that fits 64 bits */
	FLAGS_ENUM,     /* one of `words`; the word's value is stored */
	FLAGS_BOOL,     /* no value; 1 is stored */
	FLAGS_LIST,   /* a string, repeatable: appended to an array of `max` (see FLAGS_LIST_AT) */
	FLAGS_CUSTOM, /* a string that `check` reads and stores itself */
	FLAGS_HELP,   /* no value; parsing stops with FLAGS_ASK_HELP */
	FLAGS_VERSION /* no value; parsing stops with FLAGS_ASK_VERSION */
};

/* The C type of the field a flag stores into (set by FLAGS_AT, checked against the kind). */
enum flags_field {
	FLAGS_FIELD_NONE = 0, /* FLAGS_SECTION, FLAGS_HELP, FLAGS_VERSION */
	FLAGS_FIELD_INT,
	FLAGS_FIELD_UNSIGNED,
	FLAGS_FIELD_U64,
	FLAGS_FIELD_I64,
	FLAGS_FIELD_STRING /* const char * */
};

/* The field type of an lvalue; any other type is a compile-time error. */
#define FLAGS_FIELD_OF(x)                                                                          \
	_Generic((x),                                                                              \
	    int: FLAGS_FIELD_INT,                                                                  \
	    unsigned: FLAGS_FIELD_UNSIGNED,                                                        \
	    uint64_t: FLAGS_FIELD_U64,                                                             \
	    int64_t: FLAGS_FIELD_I64,                                                              \
	    const char *: FLAGS_FIELD_STRING)

/* In a struct flags_spec initializer: the flag stores into `member` of `type`. */
#define FLAGS_AT(type, member)                                                                     \
	.at = offsetof(type, member), .field = FLAGS_FIELD_OF(((type *)0)->member)

/*
 * For FLAGS_LIST: values go to `array` (of const char *), their number to `count` (a size_t);
 * the array's length is the most the flag may be given.
 */
#define FLAGS_LIST_AT(type, array, count)                                                          \
	.at = offsetof(type, array), .field = FLAGS_FIELD_OF(((type *)0)->array[0]),               \
	.count_at = offsetof(type, count),                                                         \
	.max = sizeof(((type *)0)->array) / sizeof(((type *)0)->array[0])

/* A word a FLAGS_ENUM flag accepts, and what it stores. */
struct flags_word {
	const char *word;
	int value;
};

/*
 * Messages are templates: %a is the argument as given, %n the flag's name as given (up to
 * '='; a name of 64 characters or more is cut to its first 40 and "..."), %v the value, %< and
 * %> the flag's min and max, %w its words ("a, b or c"), %% a percent sign.
 */
struct flags_spec {
	const char *name;  /* "--port"; NULL for FLAGS_SECTION */
	const char *alias; /* "-q": another name, given alone; NULL for none */
	const char *arg;   /* the value's placeholder in the usage text; NULL when it takes none */
	const char *help;  /* the usage text's lines for it, separated by '\n' */
	enum flags_kind kind;
	uint64_t min, max;              /* FLAGS_UNSIGNED, FLAGS_SECONDS: the range */
	const struct flags_word *words; /* FLAGS_ENUM: ended by a NULL word */
	size_t at;                      /* where the value goes in the caller's struct */
	enum flags_field field;         /* and its type */
	size_t count_at;                /* FLAGS_LIST: where the count is */
	/*
	 * Why the kind refuses a value, after "NAME: " (an empty string, a number out of range,
	 * a word not listed, a full list); NULL for the kind's default.
	 */
	const char *bad;
	/*
	 * Optional; runs first, with the value and the field it is meant for. Returns 0, or -1
	 * with the reason in why (the message is then "NAME: why"). A FLAGS_CUSTOM flag's check
	 * stores the value itself.
	 */
	int (*check)(const char *value, void *field, char *why, size_t whylen);
};

struct flags_table {
	const struct flags_spec *spec;
	size_t nspec;
	unsigned column; /* where help lines start in the usage text */
	/*
	 * Messages for arguments no flag takes (templates, as above). When a flag's name is close
	 * to what was given (flags_closest), `unexpected` and `unknown` suggest it: inside the
	 * template's closing parenthesis when it ends with one ("unknown option '--prot' (did you
	 * mean --port? see --help)"), else at the end ("unknown flag: --frob (did you mean
	 * --from?)"). `unexpected` suggests only for an argument with a single '-' ("-port").
	 */
	const char *unexpected; /* one that does not start with "--" */
	const char *unknown;    /* a name no flag has, or a value given to a flag that takes none */
	const char *no_value;   /* a flag that needs a value, last on the line */
	/*
	 * NULL, or the prefix of the environment variables that may give the flags too: each
	 * flag's is the prefix and its name in capitals, '-' as '_' ("GONGMOCK_" + "--rate-limit":
	 * GONGMOCK_RATE_LIMIT). See flags_parse_env.
	 */
	const char *env_prefix;
};

enum flags_result {
	FLAGS_OK = 0,
	FLAGS_ASK_HELP,    /* a FLAGS_HELP flag came before any error */
	FLAGS_ASK_VERSION, /* a FLAGS_VERSION flag came before any error */
	FLAGS_ERROR        /* the reason is in err */
};

/*
 * Parses argv[1..argc-1] into dst, a struct laid out as the table says, left to right: later
 * flags override earlier ones, and the first error, help or version flag ends the parse.
 * A flag takes its value as the next argument or after '=' ("--port 80", "--port=80").
 * Strings stored point into argv. A table that contradicts itself (a kind and field type that
 * do not go together, a name given twice, ...) is refused with FLAGS_ERROR too, whatever argv
 * holds.
 */
__attribute__((warn_unused_result)) enum flags_result flags_parse(const struct flags_table *t,
                                                                  void *dst, int argc, char **argv,
                                                                  char *err, size_t errlen);

/*
 * flags_parse, then the environment for every flag argv did not give: in envp (an `environ`-
 * style array, "NAME=value", ended by NULL; NULL for none), each flag's variable (see
 * env_prefix) is read as its value would be on the command line, the flag on the command line
 * winning. An empty value counts as unset. A FLAGS_BOOL variable takes 1, true, yes or on, and
 * 0, false, no or off; a FLAGS_LIST one a comma-separated list. An error names the variable
 * ("GONGMOCK_PORT: 'x' is not a port"). Strings stored point into argv or envp, or, for lists
 * from the environment, into *hold: a block the caller frees with free() once dst is no longer
 * used (NULL when nothing needed it). Help and version on the command line win over any error
 * of the environment.
 */
__attribute__((warn_unused_result)) enum flags_result
flags_parse_env(const struct flags_table *t, void *dst, int argc, char **argv, char *const *envp,
                char **hold, char *err, size_t errlen);

/*
 * The environment variable of flag fs into out (NUL-terminated, cut at outlen); 0, or -1 when
 * the table has no env_prefix or out is too short.
 */
int flags_env_name(const struct flags_table *t, const struct flags_spec *fs, char *out,
                   size_t outlen);

/*
 * The "NAME" part of envp entries that start with the table's env_prefix but are no flag's
 * variable, one at a time: returns the index in envp of the next such entry at or after
 * *from (and moves *from past it), or -1. For warning about a misspelt variable.
 */
long flags_env_unknown(const struct flags_table *t, char *const *envp, size_t *from);

/*
 * The name among names[0..n-1] that word (len bytes) was most likely meant to be, or NULL
 * when none is close. The first skip bytes of word and of every name are a prefix they share
 * ("--", "GONGMOCK_"), left out of the comparison; a name that does not start with the same
 * skip bytes is passed over. Compared without regard to case, a name is close when the
 * Damerau-Levenshtein distance (an adjacent swap counts one) is at most 2 and at most a third
 * of the name's length without the prefix, so that a short word is not "corrected" into an
 * unrelated one; the closest wins, the first of equals. Failing that, a word of two
 * characters or more that begins exactly one name is taken as that name cut short.
 */
const char *flags_closest(const char *word, size_t len, const char *const *names, size_t n,
                          size_t skip);

/*
 * Prints the table's section headings (a blank line, then "title:") and flags: two spaces,
 * name and placeholder, then the help lines from the table's column (from the next line when
 * the name does not leave room).
 */
void flags_usage(const struct flags_table *t, FILE *out);

#endif
