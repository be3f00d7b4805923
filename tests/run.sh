#!/bin/sh
# Runs each test program given as an argument, shows its output, and adds up check's
# "Checks: N, Failures: F, Errors: E" summaries into one closing line. Exits 1 if any check
# failed or any program did not finish cleanly.
set -u
checks=0
failed=0
status=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for t in "$@"; do
	echo "== $t"
	if ! "$t" >"$out" 2>&1; then
		status=1
	fi
	cat "$out"
	line=$(grep -E 'Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$t: no check summary (crashed?)"
		status=1
		failed=$((failed + 1))
		continue
	fi
	n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	checks=$((checks + n))
	failed=$((failed + f + e))
done
echo "tests: $((checks - failed)) passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
