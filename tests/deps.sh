#!/bin/sh
# Installs the Debian packages named as arguments that are not installed yet: directly as
# root, through sudo when it works without a password prompt, else stops with the command.
set -u
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing missing packages:$missing" >&2
if [ "$(id -u)" = 0 ]; then
	run=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	run="sudo -n"
else
	echo "gongmock needs these Debian packages; install them with:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$run apt-get update -q >&2 || true
# shellcheck disable=SC2086
$run apt-get install -y -q $missing >&2 || {
	echo "could not install:$missing; run: sudo apt-get install -y$missing" >&2
	exit 1
}
