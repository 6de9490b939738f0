#!/bin/sh
# Issue 6, the command-line side: --help and --version everywhere and
# exit 2 on usage errors; install-hook installs where git runs hooks
# (core.hooksPath) and refuses a configuration the hook cannot read, shown
# with real pushes; --worktree follows no symbolic link; configuration
# mistakes that used to pass `revguardd -n`; where the configuration lives.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv
: "${REVGUARD_HOOK:=$top_builddir/revguard-hook}"
VERSION=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' \
    "$top_builddir/config.h")

# run CMD ARGS...: like rg, for any program; stdin is empty.
run() {
	"$@" >"$T/out" 2>"$T/err" </dev/null
	echo $? >"$T/rc"
}
# stdout_has DESC PATTERN: the last run printed PATTERN on stdout.
stdout_has() {
	if grep -qF -- "$2" "$T/out"; then ok "$1"; else
		not_ok "$1 (no \`$2\` on stdout)"; diag "$T/out"; diag "$T/err"
	fi
}

# --- --help and --version, for every binary and subcommand -------------
# name | command | an option its help must list
while IFS='|' read -r name cmd opt; do
	# shellcheck disable=SC2086
	run $cmd --help
	expect "$name --help exits 0" 0
	stdout_has "$name --help lists $opt" "$opt"
	# shellcheck disable=SC2086
	run $cmd --version
	expect "$name --version exits 0" 0
	stdout_has "$name --version prints $VERSION" "$VERSION"
	# shellcheck disable=SC2086
	run $cmd --no-such-option
	expect "$name: unknown option is exit 2" 2
done <<EOF
revguard|$REVGUARD|install-hook
revguard check|$REVGUARD check|--base REV
revguard heads|$REVGUARD heads|--worktree DIR
revguard graph|$REVGUARD graph|dot (default) or json
revguard hook|$REVGUARD hook|--on-unavailable
revguard install-hook|$REVGUARD install-hook|--force
revguard-hook|$REVGUARD_HOOK|--in-process
revguardd|$REVGUARDD|check the configuration
EOF

run "$REVGUARD"
expect "revguard without a command is exit 2" 2 "usage:"
# Missing arguments and extra arguments.
while IFS='|' read -r name cmd; do
	# shellcheck disable=SC2086
	run $cmd
	expect "$name is exit 2" 2
done <<EOF
check --repo (missing argument)|$REVGUARD check --repo
check extra argument|$REVGUARD check extra
heads --base (an option of check only)|$REVGUARD heads --base HEAD
heads --format (heads has none)|$REVGUARD heads --format json
graph --config (missing argument)|$REVGUARD graph --config
hook --socket (missing argument)|$REVGUARD hook --socket
hook extra argument|$REVGUARD hook extra
hook bad --timeout|$REVGUARD hook --timeout soon
revguard-hook extra argument|$REVGUARD_HOOK extra
revguard-hook --on-unavailable maybe|$REVGUARD_HOOK --on-unavailable maybe
install-hook --repo (missing argument)|$REVGUARD install-hook --repo
install-hook extra argument|$REVGUARD install-hook --repo srv extra
install-hook unknown hook option|$REVGUARD install-hook --repo srv -- --bogus
install-hook extra hook argument|$REVGUARD install-hook --repo srv -- x
revguardd -f (missing argument)|$REVGUARDD -f
revguardd extra argument|$REVGUARDD -n extra
EOF

# --- install-hook honours core.hooksPath; real pushes ----------------------
cat >"$T/d.yaml" <<YAML
hook:
  socket: $T/d.sock
YAML
start_daemon d -f "$T/d.yaml"

# new_repo NAME: bare srv/NAME.git and a work tree NAME pushed to it
# (before any hook is installed).
new_repo() {
	git -c init.defaultBranch=main init -q --bare "srv/$1.git"
	gen repo "$1" --count 4 --seed 61 >/dev/null
	git_quiet -C "$1" remote add origin "$T/srv/$1.git"
	git_quiet -C "$1" push origin main
}
# bad_push NAME: commits a hand-picked ID and pushes it.
bad_push() {
	add_migration "$1" a1b2c3d4e5f6 "$(head_of "$1")" picked
	commit_all "$1" "hand-picked"
	push "$1" origin main
}

# A relative core.hooksPath in the repository: relative to GIT_DIR, where
# git runs pre-receive.  The relative --config is made absolute.
new_repo hp
git -C srv/hp.git config core.hooksPath custom-hooks
rg install-hook --repo srv/hp.git -- --config d.yaml
expect "install-hook names the core.hooksPath directory" 0 \
    "installed $T/srv/hp.git/custom-hooks/pre-receive" "core.hooksPath"
if grep -qF "'--config' '$T/d.yaml'" srv/hp.git/custom-hooks/pre-receive
then ok "a relative --config is written as an absolute path"
else not_ok "a relative --config is written as an absolute path"
	diag srv/hp.git/custom-hooks/pre-receive
fi
bad_push hp
expect "the hook in core.hooksPath runs on a real push and rejects" 1 \
    "remote: migrations/versions/a1b2c3d4e5f6_picked.py" \
    "error[placeholder-id]" "pre-receive hook declined"

# An absolute core.hooksPath from the pusher's global configuration.
mkdir -p home globalhooks
new_repo gh
H="env HOME=$T/home"
$H git config --global core.hooksPath "$T/globalhooks"
run $H "$REVGUARD" install-hook --repo srv/gh.git -- --config "$T/d.yaml"
expect "install-hook follows a global core.hooksPath" 0 \
    "installed $T/globalhooks/pre-receive"
add_migration gh a1b2c3d4e5f6 "$(head_of gh)" picked
commit_all gh "hand-picked"
run $H git -C gh push origin main
expect "the hook in the global core.hooksPath runs and rejects" 1 \
    "error[placeholder-id]" "pre-receive hook declined"
if [ -e srv/gh.git/hooks/pre-receive ]; then
	not_ok "nothing is written where git would not run it"
else
	ok "nothing is written where git would not run it"
fi

# Without core.hooksPath: GIT_DIR/hooks, as before, and a clean push passes.
new_repo plain
rg install-hook --repo srv/plain.git -- --config "$T/d.yaml"
expect "no core.hooksPath: GIT_DIR/hooks" 0 \
    "installed $T/srv/plain.git/hooks/pre-receive"
add_migration plain "$(rand_id)" "$(head_of plain)" next
commit_all plain "random id"
push plain origin main
expect "a good push through the installed hook is accepted" 0 \
    "main -> main"
stop_daemon d

# --- install-hook refuses a configuration the hook cannot read -----------
git -c init.defaultBranch=main init -q --bare srv/cfg.git
rg install-hook --repo srv/cfg.git -- --config "$T/missing.yaml"
expect "a missing --config is refused" 2 "$T/missing.yaml: cannot open"
printf 'strict: [\n' >broken.yaml
rg install-hook --repo srv/cfg.git -- --config broken.yaml
expect "a broken --config is refused with line and column" 2 \
    "$T/broken.yaml:2:1: YAML syntax error"
if [ -e srv/cfg.git/hooks/pre-receive ]; then
	not_ok "a refused install writes no hook"
else
	ok "a refused install writes no hook"
fi
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	# The hook runs as the repository's owner: check as that user.
	chmod 755 "$T"
	git -c init.defaultBranch=main init -q --bare srv/nob.git
	chown -R nobody srv/nob.git
	printf 'strict: true\n' >secret.yaml
	chmod 600 secret.yaml
	rg install-hook --repo srv/nob.git -- --config "$T/secret.yaml"
	expect "a --config the repository owner cannot read is refused" 2 \
	    "$T/secret.yaml: cannot open: Permission denied"
	chmod 644 secret.yaml
	rg install-hook --repo srv/nob.git -- --config "$T/secret.yaml"
	expect "readable by the owner: installed" 0 "installed"
	chmod 700 "$T"
else
	ok "# SKIP needs root and a nobody user to check as the owner"
	ok "# SKIP needs root and a nobody user to check as the owner"
fi

# --- --worktree follows no symbolic link ----------------------------------
mkdir -p outside/versions outside/clean/versions lnk/sub
gen tree outside/clean --count 3 --seed 5 >/dev/null
cp outside/clean/migrations/versions/*.py outside/clean/versions/
cat >outside/versions/a1b2c3d4e5f6_picked.py <<'PY'
"""picked

Revision ID: a1b2c3d4e5f6
Revises:
Create Date: 2024-06-01 00:00:00
"""
revision = 'a1b2c3d4e5f6'
down_revision = None
branch_labels = None
depends_on = None
PY
ln -s "$T/outside" lnk/a
printf 'versions_path: a/versions\n' >lnk.yaml
rg check --worktree lnk --config lnk.yaml
expect "a link higher up the versions path is an error naming it" 2 \
    "\`a/versions\`: \`a\` is a symbolic link"
refute "the linked migration was not read" "a1b2c3d4e5f6"
# The same with a clean tree outside: before, this passed.
printf 'versions_path: a/clean/versions\n' >lnk2.yaml
rg check --worktree lnk --config lnk2.yaml
expect "a link to a clean tree outside is not a pass" 2 \
    "\`a/clean/versions\`: \`a\` is a symbolic link"
ln -s "$T/outside/clean" lnk/sub/deeper
printf 'versions_path: sub/deeper/versions\n' >lnk3.yaml
rg check --worktree lnk --config lnk3.yaml
expect "a link in the middle of the path is named" 2 \
    "\`sub/deeper/versions\`: \`sub/deeper\` is a symbolic link"
# alembic.ini as a link.
mkdir -p ini
printf '[alembic]\nscript_location = %s/outside/clean/migrations\n' "$T" \
    >outside/alembic.ini
ln -s "$T/outside/alembic.ini" ini/alembic.ini
rg check --worktree ini
expect "alembic.ini as a symbolic link is an error naming it, and refused" 1 \
    "\`alembic.ini\`: \`alembic.ini\` is a symbolic link"
# A real tree still passes.
gen tree real --count 3 --seed 5 >/dev/null
rg check --worktree real
expect "a tree without links is checked as before" 0

# --- configuration mistakes that used to pass `revguardd -n` -------------
# file|yaml (printf format)|line:column and message
while IFS='|' read -r file yaml want; do
	# shellcheck disable=SC2059
	printf "$yaml" >"$file"
	run "$REVGUARDD" -n -f "$file"
	expect "revguardd -n: $file" 1 "$file:$want"
done <<'EOF'
dup.yaml|strict: true\nstrict: false\n|2:1: duplicate key `strict`
zero.yaml|daemon:\n  job_timeout: 0s\n|2:16: `job_timeout` must be at least 1ms
nul.yaml|placeholder_patterns: ["^dead\\0beef"]\n|1:24: a NUL character
null.yaml|placeholder_patterns:\n  - ~\n|2:5: an item of `placeholder_patterns` is null
abs.yaml|versions_path: /srv/app/versions\n|1:16: `versions_path` must be relative
EOF
run "$REVGUARDD" -n -f "$top_srcdir/conf/revguard.yaml"
expect "the shipped example still passes revguardd -n" 0 "OK"

# --- where the configuration lives ----------------------------------------
# The binaries, the unit and (for a default configure) the README agree.
run "$REVGUARDD" --help
default=$(sed -n 's/.*-f FILE *configuration (default \([^,]*\),.*/\1/p' \
    "$T/out")
unit="$top_builddir/systemd/revguardd.service"
if [ -n "$default" ] && grep -qF -- "-f $default" "$unit"; then
	ok "the unit reads the binaries' default configuration ($default)"
else
	not_ok "the unit reads the binaries' default configuration ($default)"
	grep ExecStart "$unit" | sed 's/^/# /'
fi
if "$top_builddir/config.status" --config | grep -q -- "--sysconfdir\|--prefix"
then
	ok "# SKIP configured with --prefix or --sysconfdir"
elif [ "$default" = /etc/revguard/revguard.yaml ] &&
    grep -qF "sudoedit $default" "$top_srcdir/README.md"; then
	ok "a default configure reads the README's /etc/revguard/revguard.yaml"
else
	not_ok "a default configure reads the README's /etc/revguard/revguard.yaml ($default)"
fi
# make install puts the example where the binaries look, and keeps an
# edited one.
make -s -C "$top_builddir" install-data-local DESTDIR="$T/inst" \
    >/dev/null 2>&1
if [ -f "$T/inst$default" ]; then
	ok "make install puts revguard.yaml at $default"
else
	not_ok "make install puts revguard.yaml at $default"
fi
echo "# edited" >>"$T/inst$default"
make -s -C "$top_builddir" install-data-local DESTDIR="$T/inst" \
    >/dev/null 2>&1
if grep -q "^# edited" "$T/inst$default"; then
	ok "a reinstall keeps the edited configuration"
else
	not_ok "a reinstall keeps the edited configuration"
fi
# Every path the unit names may be missing on this host ("-" prefix).
if grep -E '^(ReadOnlyPaths|ReadWritePaths|InaccessiblePaths)=' "$unit" |
    sed 's/^[^=]*=//' | tr ' ' '\n' | grep -v '^-' | grep -q .; then
	not_ok "the unit does not fail where /srv/git does not exist"
	grep Paths= "$unit" | sed 's/^/# /'
else
	ok "the unit does not fail where /srv/git does not exist"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p units
	sed "s|^ExecStart=[^ ]*|ExecStart=$REVGUARDD|" "$unit" \
	    >units/revguardd.service
	cp "$top_srcdir/systemd/revguardd.socket" units/
	if systemd-analyze verify --man=no units/revguardd.service \
	    >"$T/verify" 2>&1; then
		ok "systemd-analyze verify accepts the unit"
	else
		not_ok "systemd-analyze verify accepts the unit"; diag "$T/verify"
	fi
else
	ok "# SKIP no systemd-analyze"
fi

finish
