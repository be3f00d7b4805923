/*
 * fuzz_isotime.c - libFuzzer entry point for isotime.
 *
 * Feeds the input to isotime_parse in both modes and checks what must hold for any text: the
 * strict mode never accepts what the lenient one refuses, both agree on the instant, and an
 * accepted instant whose year is 0000-9999 formats to text that parses back to it. The first
 * eight bytes are also read as an instant, to put the formatter through values no date text
 * reaches. Any broken property aborts, which libFuzzer reports as a crash.
 */
#include "isotime.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z, the formatter's range. */
#define FIRST_US INT64_C(-62167219200000000)
#define LAST_US INT64_C(253402300799999999)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Formats us and parses the text back. Inside the formatter's range this must succeed and
 * give the same instant; outside it the formatter must refuse.
 */
static void
check_round_trip(int64_t us)
{
	char buf[ISOTIME_TEXT_MAX + 1];
	size_t n = isotime_format(us, buf, sizeof buf);
	int64_t back;

	if (us < FIRST_US || us > LAST_US) {
		if (n != 0)
			abort();
		return;
	}
	if (n < 20 || n > ISOTIME_TEXT_MAX || strlen(buf) != n)
		abort();
	if (isotime_parse(buf, n, ISOTIME_REQUIRE_OFFSET, &back) != 0 || back != us)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	int64_t lenient = 0, strict = 0;
	int rl = isotime_parse(s, size, ISOTIME_LENIENT, &lenient);
	int rs = isotime_parse(s, size, ISOTIME_REQUIRE_OFFSET, &strict);

	if ((rl != 0 && rl != -1) || (rs != 0 && rs != -1))
		abort();
	if (rs == 0 && (rl != 0 || lenient != strict))
		abort();
	if (rl == 0)
		check_round_trip(lenient);

	if (size >= sizeof(int64_t)) {
		int64_t us;

		memcpy(&us, data, sizeof us);
		check_round_trip(us);
	}
	return 0;
}
