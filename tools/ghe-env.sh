#!/bin/sh
# ghe-env.sh: builds the GitHub Enterprise Server pre-receive hook
# environment for revguard (`make ghe-env`), from this Debian system's
# packages: the revguard binary, every shared library it loads (as ldd
# lists them: libgit2 with its TLS, SSH, HTTP and compression libraries,
# down to libc), the dynamic loader, the CA bundle libgit2 reads, and
# busybox-static as /bin/sh.  Nothing in it needs /dev, /proc or a
# writable file system.  Every file is a regular file (GitHub's docs warn
# that symbolic links in an environment break hooks), owned by root, at
# the path the binary looks for it.  A manifest names the Debian package
# and version each file came from.
#
#   tools/ghe-env.sh --binary revguard --out revguard-ghe-env.tar.gz
#                    [--config FILE] [--script FILE]
#
# --config FILE becomes /etc/revguard/revguard.yaml in the environment
# (default: the commented example, conf/revguard.yaml); --script FILE is
# where the pre-receive script for the hook repository is written.
set -eu

binary= out= config= script=
here=$(cd "$(dirname "$0")/.." && pwd)
while [ $# -gt 0 ]; do
	case $1 in
	--binary) binary=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--config) config=$2; shift 2 ;;
	--script) script=$2; shift 2 ;;
	*) echo "ghe-env.sh: unknown option \`$1\`" >&2; exit 2 ;;
	esac
done
[ -n "$binary" ] && [ -n "$out" ] || {
	echo "usage: ghe-env.sh --binary FILE --out FILE.tar.gz" \
	    "[--config FILE] [--script FILE]" >&2
	exit 2
}
[ -n "$config" ] || config=$here/conf/revguard.yaml
for f in "$binary" "$config" /bin/busybox; do
	[ -r "$f" ] || {
		echo "ghe-env.sh: cannot read $f" >&2
		[ "$f" != /bin/busybox ] ||
		    echo "ghe-env.sh: apt-get install busybox-static" >&2
		exit 1
	}
done
# A dynamic busybox would need its own libraries; the package's is static.
if ldd /bin/busybox >/dev/null 2>&1; then
	echo "ghe-env.sh: /bin/busybox is not static;" \
	    "apt-get install busybox-static" >&2
	exit 1
fi
case $binary in
*/*) ;;
*) binary=./$binary ;;
esac
# The configuration must load before it ships: a broken one would reject
# every push on the server.  The hook loads it, then finds no ref lines.
msg=$(env -u GITHUB_USER_LOGIN -u GITHUB_REPO_NAME "$binary" hook \
    --in-process --config "$config" </dev/null 2>&1) || true
case $msg in
*"no ref updates on standard input"*) ;;
*)	echo "ghe-env.sh: $config does not load:" >&2
	echo "$msg" | sed -n '1p' >&2
	exit 1 ;;
esac

root=$(mktemp -d "${TMPDIR:-/tmp}/ghe-env.XXXXXX")
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"
manifest=$root/usr/share/revguard/ghe-env.manifest
mkdir -p "$root/bin" "$root/usr/bin" "$root/etc/revguard" \
    "$root/etc/ssl/certs" "$root/usr/share/revguard"

# owner FILE: the Debian package that owns FILE, under either of its
# names on a usr-merged system (/lib/x or /usr/lib/x).
owner() {
	for f in "$1" "${1#/usr}" "/usr$1"; do
		p=$(dpkg -S "$f" 2>/dev/null | head -1 | cut -d: -f1) || p=
		[ -n "$p" ] && { echo "$p"; return 0; }
	done
	return 0
}

# pkg FILE: "package version" for the manifest.
pkg() {
	p=$(owner "$1")
	[ -n "$p" ] || p=$(owner "$(readlink -f "$1")")
	case $1 in
	*/ca-certificates.crt) [ -n "$p" ] || p=ca-certificates ;;
	esac
	if [ -n "$p" ]; then
		echo "$p $(dpkg-query -W -f='${Version}' "$p" 2>/dev/null)"
	else
		echo "(not from a package)"
	fi
}

# put SRC DEST: SRC's content (links followed) as the regular file DEST.
put() {
	mkdir -p "$root$(dirname "$2")"
	cp -L "$1" "$root$2"
	printf '%s\t%s\n' "$2" "$(pkg "$1")" >>"$manifest"
}

: >"$manifest"
put "$binary" /usr/bin/revguard
strip --strip-unneeded "$root/usr/bin/revguard" 2>/dev/null || true
chmod 0755 "$root/usr/bin/revguard"
printf '/usr/bin/revguard\t%s\n' "revguard $("$binary" --version |
    cut -d' ' -f2) (built here)" >"$manifest.tmp"
grep -v '^/usr/bin/revguard' "$manifest" >>"$manifest.tmp" || true
mv "$manifest.tmp" "$manifest"

# Every library, at the path ldd resolved it to (ld.so looks there by
# default; no ld.so.cache is needed), and the loader at the binary's
# PT_INTERP path.
ldd "$binary" | awk '
	$2 == "=>" && $3 ~ /^\// { print $3 }
	$1 ~ /^\// { print $1 }' | sort -u >"$root/libs"
[ -s "$root/libs" ] || { echo "ghe-env.sh: ldd found no libraries" >&2; exit 1; }
while read -r lib; do
	put "$lib" "$lib"
done <"$root/libs"
rm -f "$root/libs"
interp=$(readelf -l "$binary" 2>/dev/null |
    sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
if [ -n "$interp" ] && [ ! -f "$root$interp" ]; then
	put "$interp" "$interp"
fi

put /bin/busybox /bin/sh
chmod 0755 "$root/bin/sh"
[ -f /etc/ssl/certs/ca-certificates.crt ] &&
    put /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
cp "$config" "$root/etc/revguard/revguard.yaml"
chmod 0644 "$root/etc/revguard/revguard.yaml"
printf '/etc/revguard/revguard.yaml\tthe policy (%s)\n' "$config" >>"$manifest"
sort -o "$manifest" "$manifest"

# The hook's own check that the environment is whole: the binary runs
# inside it (only as root, which chroot needs).
# A sanitizer build (./build.sh asan) cannot run there: its runtime reads
# its options from /proc, which the environment has not.
if ldd "$binary" 2>/dev/null | grep -q 'libasan'; then
	echo "ghe-env.sh: a sanitizer build; not run inside the environment" \
	    "(it needs /proc); do not upload this one" >&2
elif [ "$(id -u)" -eq 0 ]; then
	if ! chroot "$root" /usr/bin/revguard --version >/dev/null; then
		echo "ghe-env.sh: revguard does not run inside the" \
		    "environment" >&2
		exit 1
	fi
fi
if [ -n "$(find "$root" -type l)" ]; then
	echo "ghe-env.sh: symbolic links in the environment:" >&2
	find "$root" -type l >&2
	exit 1
fi

tar -C "$root" --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime='2000-01-01 00:00:00 UTC' -czf "$out.tmp" .
mv "$out.tmp" "$out"

if [ -n "$script" ]; then
	cat >"$script" <<'SH'
#!/bin/sh
# revguard: checks Alembic migrations on push (GitHub Enterprise Server
# pre-receive hook; docs/github-enterprise.md).  Runs in the environment
# built by `make ghe-env`; the policy is /etc/revguard/revguard.yaml in
# that environment.  GITHUB_* variables make revguard check in this
# process within hook.deadline (default 4s).
exec /usr/bin/revguard hook --in-process --config /etc/revguard/revguard.yaml
SH
	chmod 0755 "$script"
fi
echo "ghe-env.sh: wrote $out ($(wc -c <"$out") bytes," \
    "$(tar -tzf "$out" | grep -vc '/$') files)"
