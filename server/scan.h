/*
 * scan.h - the fast call scanner: reads one flat JSON object into a struct callrec in a single
 * pass, pointing at the text where it can instead of copying it.
 *
 * It takes what most fixture calls are: an object of strings, integers of up to 18 digits,
 * booleans and nulls, with no key given twice. Anything else - nested values, fractions and
 * exponents, longer integers, a key given twice, every syntax error, and text jansson would
 * refuse (bad UTF-8, lone surrogates, \u0000) - it declines, and the caller hands the text to
 * jansson, which decides and words the message. So on text both read, the two must agree.
 * jansson alone took about 8 s for a million calls; the scanner is why loading takes a
 * fraction of that.
 */
#ifndef GONGMOCK_SCAN_H
#define GONGMOCK_SCAN_H

#include <stddef.h>

#include "callrec.h"

/*
 * Reads the len bytes of text (one object, white space around it allowed) into c, replacing
 * what c held. Returns 0, or -1 when it declines the text (c's fields are then meaningless).
 * Strings without escapes point into text, the others into c->dec: the fields are valid while
 * both are. Safe from any thread on distinct callrecs.
 */
int scan_call(struct callrec *c, const char *text, size_t len);

#endif
