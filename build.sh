#!/bin/sh
# build.sh: one-command set-up on a fresh Debian 12 machine.
#   ./build.sh demo   install missing Debian packages, build, run the demo
#   ./build.sh test   install missing Debian packages, build, run every test
#   ./build.sh deps   only install missing Debian packages
#   ./build.sh asan   every test again, built with ASan, UBSan (alignment
#                     included, every finding fatal) and LSan, in
#                     a clean clone of HEAD (takes a few minutes)
# Run as root (or with sudo) the first time: it uses apt-get.
set -eu

cd "$(dirname "$0")"

PACKAGES="build-essential autoconf autoconf-archive automake libtool pkg-config git
libgit2-dev libevent-dev libpcre2-dev libyaml-dev libjansson-dev
libsystemd-dev libcriterion-dev python3 python3-alembic python3-sqlalchemy
clang libclang-rt-14-dev libsqlite3-dev libpq-dev postgresql chromium
busybox-static python3-prometheus-client graphviz"

deps() {
	missing=""
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "build.sh: installing$missing"
	if [ "$(id -u)" -ne 0 ]; then
		SUDO=sudo
	else
		SUDO=
	fi
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing
}

build() {
	if [ ! -x configure ] || [ configure.ac -nt configure ] ||
	    [ Makefile.am -nt configure ]; then
		autoreconf -fi
	fi
	if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
		./configure ${CONFIGURE_FLAGS:-}
	fi
	make -j"$(nproc)"
}

# Totals over every test case (Criterion and shell tests both speak TAP,
# so each case has its own result in a .trs file).
counts() {
	pass=0 fail=0 skip=0
	for trs in $(find tests -name '*.trs'); do
		p=$(grep -c '^:test-result: PASS' "$trs" || true)
		f=$(grep -c '^:test-result: \(FAIL\|ERROR\|XPASS\)' "$trs" || true)
		s=$(grep -c '^:test-result: SKIP' "$trs" || true)
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	done
	[ "$skip" -eq 0 ] || echo "$skip skipped"
	echo "$pass passed, $fail failed"
}

case "${1:-}" in
deps)
	deps
	;;
demo)
	deps
	build
	exec ./tests/demo.sh
	;;
test)
	deps
	build
	status=0
	make -j"$(nproc)" check || status=$?
	for log in $(find tests -name '*.log' ! -name test-suite.log); do
		if grep -q '^not ok\|^ERROR' "$log"; then
			echo "--- $log"
			grep -v '^ok ' "$log" | head -60
		fi
	done
	counts
	exit $status
	;;
asan)
	deps
	dir=$(mktemp -d /tmp/revguard-asan.XXXXXX)
	git clone -q . "$dir"
	cd "$dir"
	autoreconf -fi
	# undefined includes alignment on gcc and clang; named anyway, and
	# every UBSan finding is fatal (exit status), not a log line.
	san="-fsanitize=address,undefined,alignment -fno-sanitize-recover=all"
	./configure CFLAGS="-g -O1 $san -fno-omit-frame-pointer" \
	    LDFLAGS="$san"
	make -j"$(nproc)"
	status=0
	# Criterion itself leaks its argument copy; nothing of ours is hidden.
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$dir/tests/lsan.supp \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 FUZZ_SECONDS=2 \
	    make -j"$(nproc)" check || status=$?
	counts
	echo "build.sh: sanitizer build kept in $dir"
	exit $status
	;;
*)
	echo "usage: $0 demo | test | deps | asan" >&2
	exit 2
	;;
esac
