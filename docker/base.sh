#!/bin/sh
# Makes the image debian:bookworm-slim when the Docker daemon does not have it and no registry
# can be reached: Debian's minimal bootstrap (debootstrap --variant=minbase bookworm), trimmed
# as the official slim image is (no documentation, manual pages or translations, and dpkg told
# to leave them out of later installs), imported under that tag. Does nothing when the image is
# there. Needs root (debootstrap) and Debian's package mirror.
set -eu
tag=debian:bookworm-slim
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if docker image inspect "$tag" >/dev/null 2>&1; then
	exit 0
fi
if docker pull "$tag" >/dev/null 2>&1; then
	echo "pulled $tag"
	exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
sh "$here/../tests/deps.sh" debootstrap
echo "making $tag locally: debootstrap --variant=minbase bookworm, imported as $tag"
root=$(mktemp -d /tmp/gongmock-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
	tail -n 20 "$root.log" >&2
	echo "debootstrap failed (log: $root.log)" >&2
	exit 1
}
rm -f "$root.log"

# What the official slim image does to the same bootstrap.
cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
cat >"$root/etc/apt/apt.conf.d/docker-no-languages" <<'EOF'
Acquire::Languages "none";
EOF
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$root/usr/share/man/"* "$root/usr/share/groff/"* "$root/usr/share/info/"* \
	"$root/usr/share/lintian/"* "$root/usr/share/linda/"*
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin "$root/var/cache/apt/archives/"*.deb \
	"$root/var/log/"*.log "$root/var/log/apt/"* "$root/tmp/"*
echo "deb $mirror bookworm main" >"$root/etc/apt/sources.list"

tar -C "$root" -c . | docker import --change 'CMD ["bash"]' - "$tag" >/dev/null
echo "made $tag: $(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.1f MB", $1/1e6}')"
