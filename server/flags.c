/*
 * flags.c - parsing a command line from a table of flags, and printing the table as the
 * option list of a usage text.
 *
 * The engine knows the kinds of values (strings, numbers in a range, words, booleans, lists)
 * and the C types they may be stored as; what a particular flag means is in its caller's
 * table. Messages are short templates so that each program keeps its own wording. The table
 * is checked before every parse: it is small, and a mistake in it then shows up in the first
 * test that parses anything, not in front of a user.
 */
#include "flags.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A name this long or longer is cut in messages (an argument is not a place for prose). */
#define FLAGS_NAME_CUT 64
#define FLAGS_NAME_SHOWN 40

/* What a message template may refer to. */
struct flags_say {
	const char *arg;             /* the argument as given */
	size_t namelen;              /* its name: arg up to '=' */
	const char *value;           /* NULL: none */
	const struct flags_spec *fs; /* NULL: no flag matched */
	const char *label;           /* who gave the value, in refusals: the flag's name, or its
	                                environment variable's */
};

/* Appends to err at *pos, keeping it NUL-terminated and cut at errlen. */
static void
flags_put(char *err, size_t errlen, size_t *pos, const char *s, size_t n)
{
	size_t room;

	if (errlen == 0 || *pos >= errlen - 1)
		return;
	room = errlen - 1 - *pos;
	if (n > room)
		n = room;
	memcpy(err + *pos, s, n);
	*pos += n;
	err[*pos] = '\0';
}

static void
flags_put_number(char *err, size_t errlen, size_t *pos, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);

	flags_put(err, errlen, pos, num, (size_t)n);
}

/* "a", "a or b", "a, b or c". */
static void
flags_put_words(char *err, size_t errlen, size_t *pos, const struct flags_word *w)
{
	size_t i, n = 0;

	while (w[n].word != NULL)
		n++;
	for (i = 0; i < n; i++) {
		if (i > 0)
			flags_put(err, errlen, pos, i + 1 == n ? " or " : ", ", i + 1 == n ? 4 : 2);
		flags_put(err, errlen, pos, w[i].word, strlen(w[i].word));
	}
}

/* Expands template tmpl at err + *pos (see flags.h for what each %x stands for). */
static void
flags_expand(char *err, size_t errlen, size_t *pos, const char *tmpl, const struct flags_say *s)
{
	const char *p = tmpl;

	while (*p != '\0') {
		const char *pct = strchr(p, '%');

		if (pct == NULL || pct[1] == '\0') {
			flags_put(err, errlen, pos, p, strlen(p));
			return;
		}
		flags_put(err, errlen, pos, p, (size_t)(pct - p));
		switch (pct[1]) {
		case 'a':
			flags_put(err, errlen, pos, s->arg, strlen(s->arg));
			break;
		case 'n':
			if (s->namelen >= FLAGS_NAME_CUT) {
				flags_put(err, errlen, pos, s->arg, FLAGS_NAME_SHOWN);
				flags_put(err, errlen, pos, "...", 3);
			} else {
				flags_put(err, errlen, pos, s->arg, s->namelen);
			}
			break;
		case 'v':
			if (s->value != NULL)
				flags_put(err, errlen, pos, s->value, strlen(s->value));
			break;
		case '<':
			if (s->fs != NULL)
				flags_put_number(err, errlen, pos, s->fs->min);
			break;
		case '>':
			if (s->fs != NULL)
				flags_put_number(err, errlen, pos, s->fs->max);
			break;
		case 'w':
			if (s->fs != NULL && s->fs->words != NULL)
				flags_put_words(err, errlen, pos, s->fs->words);
			break;
		default:
			flags_put(err, errlen, pos, pct + 1, 1);
			break;
		}
		p = pct + 2;
	}
}

/* A whole message from a template. */
static void
flags_message(char *err, size_t errlen, const char *tmpl, const struct flags_say *s)
{
	size_t pos = 0;

	if (errlen > 0)
		err[0] = '\0';
	flags_expand(err, errlen, &pos, tmpl, s);
}

/* "NAME: " and the kind's reason for refusing the value (the flag's own, or the default). */
static void
flags_refuse(char *err, size_t errlen, const struct flags_say *s)
{
	const char *tmpl = s->fs->bad;
	size_t pos = 0;

	if (tmpl == NULL) {
		switch (s->fs->kind) {
		case FLAGS_UNSIGNED:
			tmpl = "'%v' is not a number from %< to %>";
			break;
		case FLAGS_SECONDS:
			tmpl = "'%v' is not a number of seconds (%< to %>)";
			break;
		case FLAGS_UINT64:
			tmpl = "'%v' is not a whole number";
			break;
		case FLAGS_ENUM:
			tmpl = "'%v' is not %w";
			break;
		case FLAGS_LIST:
			tmpl = "at most %> values";
			break;
		default:
			tmpl = "must not be empty";
			break;
		}
	}
	if (errlen > 0)
		err[0] = '\0';
	flags_put(err, errlen, &pos, s->label, strlen(s->label));
	flags_put(err, errlen, &pos, ": ", 2);
	flags_expand(err, errlen, &pos, tmpl, s);
}

/* A whole decimal number within [min, max]: digits only, no sign, no space. */
static int
flags_number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/* The largest number a field of this type holds; 0 for fields that are not numbers. */
static uint64_t
flags_field_max(enum flags_field f)
{
	switch (f) {
	case FLAGS_FIELD_INT:
		return INT_MAX;
	case FLAGS_FIELD_UNSIGNED:
		return UINT_MAX;
	case FLAGS_FIELD_U64:
		return UINT64_MAX;
	case FLAGS_FIELD_I64:
		return INT64_MAX;
	default:
		return 0;
	}
}

/* Stores a number already known to fit the field. */
static void
flags_store_number(void *field, enum flags_field f, uint64_t v)
{
	switch (f) {
	case FLAGS_FIELD_INT:
		*(int *)field = (int)v;
		break;
	case FLAGS_FIELD_UNSIGNED:
		*(unsigned *)field = (unsigned)v;
		break;
	case FLAGS_FIELD_U64:
		*(uint64_t *)field = v;
		break;
	case FLAGS_FIELD_I64:
		*(int64_t *)field = (int64_t)v;
		break;
	default:
		break;
	}
}

static int
flags_takes_value(enum flags_kind k)
{
	return k != FLAGS_SECTION && k != FLAGS_BOOL && k != FLAGS_HELP && k != FLAGS_VERSION;
}

/* What is wrong with one entry, or NULL. */
static const char *
flags_spec_fault(const struct flags_spec *fs)
{
	const struct flags_word *w;

	if (fs->kind == FLAGS_SECTION)
		return fs->name == NULL && fs->help != NULL ? NULL : "a section has a title only";
	if (fs->name == NULL || strncmp(fs->name, "--", 2) != 0 || fs->name[2] == '\0' ||
	    strchr(fs->name, '=') != NULL)
		return "a name is --word";
	if (fs->alias != NULL && (fs->alias[0] != '-' || strchr(fs->alias, '=') != NULL))
		return "an alias starts with -";
	if (fs->help == NULL)
		return "no help text";
	if ((fs->arg != NULL) != flags_takes_value(fs->kind))
		return "a placeholder goes with a flag that takes a value, and only then";
	switch (fs->kind) {
	case FLAGS_STRING:
	case FLAGS_LIST:
		if (fs->field != FLAGS_FIELD_STRING)
			return "the field is not a string";
		if (fs->kind == FLAGS_LIST && fs->max == 0)
			return "a list holds at least one value";
		break;
	case FLAGS_UNSIGNED:
	case FLAGS_SECONDS:
	case FLAGS_UINT64:
		if (flags_field_max(fs->field) == 0)
			return "the field is not a number";
		if (fs->kind == FLAGS_UINT64 && fs->field != FLAGS_FIELD_U64)
			return "the field is not a uint64_t";
		if (fs->kind != FLAGS_UINT64 &&
		    (fs->min > fs->max || fs->max > flags_field_max(fs->field)))
			return "the range is empty or does not fit the field";
		break;
	case FLAGS_ENUM:
		if (fs->field != FLAGS_FIELD_INT && fs->field != FLAGS_FIELD_UNSIGNED)
			return "the field is not an int or unsigned";
		if (fs->words == NULL || fs->words[0].word == NULL)
			return "no words";
		for (w = fs->words; w->word != NULL; w++)
			if (w->value < 0 && fs->field == FLAGS_FIELD_UNSIGNED)
				return "a negative value for an unsigned field";
		break;
	case FLAGS_BOOL:
		if (fs->field != FLAGS_FIELD_INT)
			return "the field is not an int";
		break;
	case FLAGS_CUSTOM:
		if (fs->check == NULL || fs->field == FLAGS_FIELD_NONE)
			return "a custom flag needs a check and a field";
		break;
	case FLAGS_HELP:
	case FLAGS_VERSION:
		if (fs->field != FLAGS_FIELD_NONE || fs->check != NULL)
			return "help and version store nothing";
		break;
	default:
		return "an unknown kind";
	}
	return NULL;
}

/* Every entry sound, and no name or alias given twice. */
static int
flags_table_ok(const struct flags_table *t, char *err, size_t errlen)
{
	size_t i, j;

	if (t->unexpected == NULL || t->unknown == NULL || t->no_value == NULL) {
		snprintf(err, errlen, "flag table: a message is missing");
		return -1;
	}
	for (i = 0; i < t->nspec; i++) {
		const struct flags_spec *a = &t->spec[i];
		const char *why = flags_spec_fault(a);

		if (why != NULL) {
			snprintf(err, errlen, "flag table, entry %zu (%s): %s", i,
			         a->name != NULL ? a->name : "section", why);
			return -1;
		}
		if (a->kind == FLAGS_SECTION)
			continue;
		for (j = i + 1; j < t->nspec; j++) {
			const struct flags_spec *b = &t->spec[j];

			if (b->kind == FLAGS_SECTION)
				continue;
			if (strcmp(a->name, b->name) == 0) {
				snprintf(err, errlen, "flag table: %s given twice", a->name);
				return -1;
			}
			if (a->alias != NULL && b->alias != NULL &&
			    strcmp(a->alias, b->alias) == 0) {
				snprintf(err, errlen, "flag table: %s given twice", a->alias);
				return -1;
			}
		}
	}
	return 0;
}

/*
 * Suggestions.
 */

/* Longer words are never compared: no flag or variable name comes near this. */
#define FLAGS_NEAR_MAX 64

/*
 * The optimal-string-alignment distance between a and b (insertions, deletions,
 * substitutions and swaps of neighbours, each 1), without regard to case. Both at most
 * FLAGS_NEAR_MAX bytes.
 */
static size_t
flags_distance(const char *a, size_t na, const char *b, size_t nb)
{
	size_t rows[3][FLAGS_NEAR_MAX + 1];
	size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
	size_t i, j;

	for (j = 0; j <= nb; j++)
		prev[j] = j;
	for (i = 1; i <= na; i++) {
		int ca = tolower((unsigned char)a[i - 1]);
		size_t *t;

		cur[0] = i;
		for (j = 1; j <= nb; j++) {
			int cb = tolower((unsigned char)b[j - 1]);
			size_t d = prev[j - 1] + (ca != cb);

			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[nb];
}

/* The search for the name closest to a word, one candidate at a time. */
struct flags_near {
	const char *word; /* without the shared prefix */
	size_t len;
	const char *best; /* the closest name so far (whole), and its distance */
	size_t best_d;
	const char *prefixed; /* a name the word begins, and how many there were */
	size_t nprefixed;
};

static void
flags_near_init(struct flags_near *n, const char *word, size_t len)
{
	memset(n, 0, sizeof(*n));
	n->word = word;
	n->len = len;
	n->best_d = SIZE_MAX;
}

/* Weighs name (whole), whose first skip bytes are the prefix the word was stripped of. */
static void
flags_near_try(struct flags_near *n, const char *name, size_t skip)
{
	const char *stem = name + skip;
	size_t sl = strlen(stem), d;

	if (n->len > FLAGS_NEAR_MAX || sl > FLAGS_NEAR_MAX)
		return;
	d = flags_distance(n->word, n->len, stem, sl);
	if (d <= 2 && 3 * d <= sl && d < n->best_d) {
		n->best = name;
		n->best_d = d;
	}
	if (n->len >= 2 && n->len < sl && strncmp(stem, n->word, n->len) == 0) {
		n->prefixed = name;
		n->nprefixed++;
	}
}

static const char *
flags_near_pick(const struct flags_near *n)
{
	if (n->best != NULL)
		return n->best;
	return n->nprefixed == 1 ? n->prefixed : NULL;
}

const char *
flags_closest(const char *word, size_t len, const char *const *names, size_t n, size_t skip)
{
	struct flags_near near;
	size_t i;

	if (len < skip)
		return NULL;
	flags_near_init(&near, word + skip, len - skip);
	for (i = 0; i < n; i++)
		if (strlen(names[i]) >= skip && strncmp(names[i], word, skip) == 0)
			flags_near_try(&near, names[i], skip);
	return flags_near_pick(&near);
}

/* The flag whose name is closest to the stem (a name without its dashes); NULL if none. */
static const char *
flags_suggest(const struct flags_table *t, const char *stem, size_t len)
{
	struct flags_near near;
	size_t i;

	flags_near_init(&near, stem, len);
	for (i = 0; i < t->nspec; i++)
		if (t->spec[i].kind != FLAGS_SECTION)
			flags_near_try(&near, t->spec[i].name, 2);
	return flags_near_pick(&near);
}

/*
 * A whole message from a template, with "did you mean NAME?" when there is a suggestion:
 * inside the template's closing parenthesis when it ends with one that no %x follows, else
 * at the end in a parenthesis of its own.
 */
static void
flags_message_suggest(char *err, size_t errlen, const char *tmpl, const struct flags_say *s,
                      const char *suggestion)
{
	const char *open = strrchr(tmpl, '(');
	size_t tl = strlen(tmpl), pos = 0;
	char head[256];

	if (suggestion == NULL) {
		flags_message(err, errlen, tmpl, s);
		return;
	}
	if (errlen > 0)
		err[0] = '\0';
	if (tl > 0 && tmpl[tl - 1] == ')' && open != NULL && strchr(open, '%') == NULL &&
	    (size_t)(open - tmpl) + 1 < sizeof(head)) {
		memcpy(head, tmpl, (size_t)(open - tmpl) + 1);
		head[open - tmpl + 1] = '\0';
		flags_expand(err, errlen, &pos, head, s);
		flags_put(err, errlen, &pos, "did you mean ", 13);
		flags_put(err, errlen, &pos, suggestion, strlen(suggestion));
		flags_put(err, errlen, &pos, "? ", 2);
		flags_put(err, errlen, &pos, open + 1, strlen(open + 1));
		return;
	}
	flags_expand(err, errlen, &pos, tmpl, s);
	flags_put(err, errlen, &pos, " (did you mean ", 15);
	flags_put(err, errlen, &pos, suggestion, strlen(suggestion));
	flags_put(err, errlen, &pos, "?)", 2);
}

/* The entry whose name is arg's first namelen bytes; NULL if none. */
static const struct flags_spec *
flags_find(const struct flags_table *t, const char *arg, size_t namelen)
{
	size_t i;

	for (i = 0; i < t->nspec; i++) {
		const struct flags_spec *fs = &t->spec[i];

		if (fs->kind != FLAGS_SECTION && strlen(fs->name) == namelen &&
		    strncmp(fs->name, arg, namelen) == 0)
			return fs;
	}
	return NULL;
}

/* The entry whose alias is arg; NULL if none. */
static const struct flags_spec *
flags_find_alias(const struct flags_table *t, const char *arg)
{
	size_t i;

	for (i = 0; i < t->nspec; i++) {
		const struct flags_spec *fs = &t->spec[i];

		if (fs->kind != FLAGS_SECTION && fs->alias != NULL && strcmp(fs->alias, arg) == 0)
			return fs;
	}
	return NULL;
}

/* Checks one value and stores it in dst. */
static enum flags_result
flags_take(const struct flags_say *s, void *dst, char *err, size_t errlen)
{
	const struct flags_spec *fs = s->fs;
	void *field = (char *)dst + fs->at;
	const struct flags_word *w;
	uint64_t n;
	size_t *count;
	size_t pos = 0;

	if (fs->check != NULL) {
		/* The check writes its reason straight after "NAME: ", cut where err ends. */
		if (errlen > 0)
			err[0] = '\0';
		flags_put(err, errlen, &pos, s->label, strlen(s->label));
		flags_put(err, errlen, &pos, ": ", 2);
		if (fs->check(s->value, field, err + pos, errlen - pos) != 0)
			return FLAGS_ERROR;
		if (errlen > 0)
			err[0] = '\0';
	}
	switch (fs->kind) {
	case FLAGS_STRING:
		if (s->value[0] == '\0')
			goto refuse;
		*(const char **)field = s->value;
		break;
	case FLAGS_UNSIGNED:
	case FLAGS_SECONDS:
	case FLAGS_UINT64:
		if (flags_number(s->value, fs->kind == FLAGS_UINT64 ? 0 : fs->min,
		                 fs->kind == FLAGS_UINT64 ? UINT64_MAX : fs->max, &n) != 0)
			goto refuse;
		flags_store_number(field, fs->field, n);
		break;
	case FLAGS_ENUM:
		for (w = fs->words; w->word != NULL; w++)
			if (strcmp(w->word, s->value) == 0)
				break;
		if (w->word == NULL)
			goto refuse;
		if (fs->field == FLAGS_FIELD_INT)
			*(int *)field = w->value;
		else
			*(unsigned *)field = (unsigned)w->value;
		break;
	case FLAGS_LIST:
		count = (size_t *)(void *)((char *)dst + fs->count_at);
		if (*count >= fs->max)
			goto refuse;
		((const char **)field)[(*count)++] = s->value;
		break;
	default: /* FLAGS_CUSTOM: the check stored it */
		break;
	}
	return FLAGS_OK;
refuse:
	flags_refuse(err, errlen, s);
	return FLAGS_ERROR;
}

/* The command line; given[i] is set for each entry i it names (when given is not NULL). */
static enum flags_result
flags_parse_argv(const struct flags_table *t, void *dst, int argc, char **argv,
                 unsigned char *given, char *err, size_t errlen)
{
	int i;

	for (i = 1; i < argc; i++) {
		struct flags_say s = {argv[i], 0, NULL, NULL, NULL};
		const char *eq;
		enum flags_result r;

		/* An alias is a whole argument; it never takes "=value". */
		s.fs = flags_find_alias(t, s.arg);
		if (s.fs == NULL) {
			eq = strchr(s.arg, '=');
			s.namelen = eq != NULL ? (size_t)(eq - s.arg) : strlen(s.arg);
			if (strncmp(s.arg, "--", 2) != 0) {
				/* "-port": a long flag with one dash too few, perhaps. */
				const char *like = s.arg[0] == '-' && s.namelen > 1
				                       ? flags_suggest(t, s.arg + 1, s.namelen - 1)
				                       : NULL;

				s.namelen = 0;
				flags_message_suggest(err, errlen, t->unexpected, &s, like);
				return FLAGS_ERROR;
			}
			s.fs = flags_find(t, s.arg, s.namelen);
			if (s.fs == NULL) {
				flags_message_suggest(err, errlen, t->unknown, &s,
				                      flags_suggest(t, s.arg + 2, s.namelen - 2));
				return FLAGS_ERROR;
			}
			if (eq != NULL && !flags_takes_value(s.fs->kind)) {
				s.fs = NULL;
				flags_message(err, errlen, t->unknown, &s);
				return FLAGS_ERROR;
			}
			if (eq != NULL)
				s.value = eq + 1;
		} else {
			s.namelen = strlen(s.arg);
		}
		s.label = s.fs->name;
		if (given != NULL)
			given[s.fs - t->spec] = 1;
		switch (s.fs->kind) {
		case FLAGS_HELP:
			return FLAGS_ASK_HELP;
		case FLAGS_VERSION:
			return FLAGS_ASK_VERSION;
		case FLAGS_BOOL:
			*(int *)(void *)((char *)dst + s.fs->at) = 1;
			continue;
		default:
			break;
		}
		if (s.value == NULL) {
			if (i + 1 >= argc) {
				flags_message(err, errlen, t->no_value, &s);
				return FLAGS_ERROR;
			}
			s.value = argv[++i];
		}
		r = flags_take(&s, dst, err, errlen);
		if (r != FLAGS_OK)
			return r;
	}
	return FLAGS_OK;
}

enum flags_result
flags_parse(const struct flags_table *t, void *dst, int argc, char **argv, char *err, size_t errlen)
{
	if (flags_table_ok(t, err, errlen) != 0)
		return FLAGS_ERROR;
	return flags_parse_argv(t, dst, argc, argv, NULL, err, errlen);
}

int
flags_env_name(const struct flags_table *t, const struct flags_spec *fs, char *out, size_t outlen)
{
	size_t plen, i, n;

	if (t->env_prefix == NULL || fs->name == NULL)
		return -1;
	plen = strlen(t->env_prefix);
	n = strlen(fs->name) - 2;
	if (plen + n + 1 > outlen)
		return -1;
	memcpy(out, t->env_prefix, plen);
	for (i = 0; i < n; i++) {
		char c = fs->name[2 + i];

		out[plen + i] = c == '-' ? '_' : (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
	}
	out[plen + n] = '\0';
	return 0;
}

/* Whether a flag of this kind may come from the environment. */
static int
flags_env_kind(enum flags_kind k)
{
	return k != FLAGS_SECTION && k != FLAGS_HELP && k != FLAGS_VERSION;
}

/* The value of NAME in envp, or NULL. */
static const char *
flags_env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* A boolean variable's value: 1, 0, or -1 for a word that is neither. */
static int
flags_env_bool(const char *v)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Takes every comma-separated item of a list variable; copies go to *pos in the hold block. */
static enum flags_result
flags_env_list(struct flags_say *s, void *dst, char **pos, char *err, size_t errlen)
{
	const char *item = s->value;

	for (;;) {
		const char *comma = strchr(item, ',');
		size_t n = comma != NULL ? (size_t)(comma - item) : strlen(item);
		enum flags_result r;

		memcpy(*pos, item, n);
		(*pos)[n] = '\0';
		s->value = *pos;
		*pos += n + 1;
		r = flags_take(s, dst, err, errlen);
		if (r != FLAGS_OK)
			return r;
		if (comma == NULL)
			return FLAGS_OK;
		item = comma + 1;
	}
}

enum flags_result
flags_parse_env(const struct flags_table *t, void *dst, int argc, char **argv, char *const *envp,
                char **hold, char *err, size_t errlen)
{
	unsigned char *given;
	char name[128], *pos = NULL;
	size_t i, need = 0;
	enum flags_result r;

	*hold = NULL;
	if (flags_table_ok(t, err, errlen) != 0)
		return FLAGS_ERROR;
	given = calloc(t->nspec, 1);
	if (given == NULL) {
		snprintf(err, errlen, "out of memory");
		return FLAGS_ERROR;
	}
	r = flags_parse_argv(t, dst, argc, argv, given, err, errlen);
	if (r != FLAGS_OK || envp == NULL || t->env_prefix == NULL)
		goto out;
	/* Room for the copies of list values, split at their commas. */
	for (i = 0; i < t->nspec; i++) {
		const char *v;

		if (t->spec[i].kind != FLAGS_LIST || given[i] ||
		    flags_env_name(t, &t->spec[i], name, sizeof(name)) != 0)
			continue;
		v = flags_env_get(envp, name);
		if (v != NULL)
			need += strlen(v) + 1;
	}
	if (need > 0) {
		*hold = pos = malloc(need);
		if (pos == NULL) {
			snprintf(err, errlen, "out of memory");
			r = FLAGS_ERROR;
			goto out;
		}
	}
	for (i = 0; i < t->nspec && r == FLAGS_OK; i++) {
		const struct flags_spec *fs = &t->spec[i];
		struct flags_say s = {NULL, 0, NULL, fs, name};
		int b;

		if (!flags_env_kind(fs->kind) || given[i] ||
		    flags_env_name(t, fs, name, sizeof(name)) != 0)
			continue;
		s.value = flags_env_get(envp, name);
		if (s.value == NULL || s.value[0] == '\0')
			continue;
		s.arg = name;
		s.namelen = strlen(name);
		switch (fs->kind) {
		case FLAGS_BOOL:
			b = flags_env_bool(s.value);
			if (b < 0) {
				snprintf(
				    err, errlen,
				    "%s: '%.40s' is neither 1, true, yes, on nor 0, false, no, off",
				    name, s.value);
				r = FLAGS_ERROR;
				break;
			}
			*(int *)(void *)((char *)dst + fs->at) = b;
			break;
		case FLAGS_LIST:
			r = flags_env_list(&s, dst, &pos, err, errlen);
			break;
		default:
			r = flags_take(&s, dst, err, errlen);
			break;
		}
	}
out:
	free(given);
	if (r != FLAGS_OK && r != FLAGS_ASK_HELP && r != FLAGS_ASK_VERSION) {
		free(*hold);
		*hold = NULL;
	}
	return r;
}

long
flags_env_unknown(const struct flags_table *t, char *const *envp, size_t *from)
{
	char name[128];
	size_t i, j, plen;

	if (t->env_prefix == NULL || envp == NULL)
		return -1;
	plen = strlen(t->env_prefix);
	for (i = *from; envp[i] != NULL; i++) {
		const char *eq = strchr(envp[i], '=');
		size_t n = eq != NULL ? (size_t)(eq - envp[i]) : strlen(envp[i]);
		int known = 0;

		if (n <= plen || strncmp(envp[i], t->env_prefix, plen) != 0)
			continue;
		for (j = 0; j < t->nspec && !known; j++)
			known = flags_env_kind(t->spec[j].kind) &&
			        flags_env_name(t, &t->spec[j], name, sizeof(name)) == 0 &&
			        strlen(name) == n && strncmp(name, envp[i], n) == 0;
		if (!known) {
			*from = i + 1;
			return (long)i;
		}
	}
	*from = i;
	return -1;
}

void
flags_usage(const struct flags_table *t, FILE *out)
{
	size_t i;

	for (i = 0; i < t->nspec; i++) {
		const struct flags_spec *fs = &t->spec[i];
		const char *line, *nl;
		int used;

		if (fs->kind == FLAGS_SECTION) {
			fprintf(out, "\n%s:\n", fs->help);
			continue;
		}
		used = fprintf(out, "  %s%s%s", fs->name, fs->arg != NULL ? " " : "",
		               fs->arg != NULL ? fs->arg : "");
		if (used < 0)
			return;
		if ((unsigned)used >= t->column) {
			fputc('\n', out);
			used = 0;
		}
		for (line = fs->help;; line = nl + 1) {
			nl = strchr(line, '\n');
			fprintf(out, "%*s%.*s\n", (int)t->column - used, "",
			        (int)(nl != NULL ? (size_t)(nl - line) : strlen(line)), line);
			used = 0;
			if (nl == NULL)
				break;
		}
	}
}
