#!/bin/sh
# GitHub Enterprise Server, for real where this machine allows: the
# environment tarball (tools/ghe-env.sh, `make ghe-env`) unpacked and
# entered with chroot, the hook replayed there against pushes recorded
# by a recording pre-receive hook (environment, ref lines and the
# quarantine, copied while the push waits), for an accepted and a
# rejected push; the same hook on real pushes with GitHub's variables;
# and hook.deadline against a real large push and a stalled hook.
# Needs root (chroot); without it that part is skipped, said so.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv rec

# ms: a monotonic-enough wall clock in milliseconds.
ms() { echo $(($(date +%s%N) / 1000000)); }

# The policy the environment carries: header-missing is an error only
# when this file is the one read.
cat >policy.yaml <<'YAML'
rules:
  header-missing: error
hook:
  on_unavailable: reject
YAML

# --- the environment ---------------------------------------------------
sh "$top_srcdir/tools/ghe-env.sh" --binary "$REVGUARD" --config policy.yaml \
    --out env.tar.gz --script pre-receive >build.log 2>&1
if [ $? -eq 0 ] && [ -s env.tar.gz ] && [ -x pre-receive ]; then
	ok "ghe-env.sh builds the environment and the hook script ($(wc -c <env.tar.gz) bytes)"
else
	not_ok "ghe-env.sh builds the environment"; diag build.log
fi
if [ -f "$top_builddir/Makefile" ] &&
    make -s -n -C "$top_builddir" ghe-env 2>/dev/null | grep -q "tools/ghe-env.sh"; then
	ok "make ghe-env runs tools/ghe-env.sh"
else
	not_ok "make ghe-env runs tools/ghe-env.sh"
fi
mkdir root
tar -xzf env.tar.gz -C root
listing=$(tar -tzvf env.tar.gz)
missing=
for f in usr/bin/revguard bin/sh lib64/ld-linux-x86-64.so.2 \
    etc/ssl/certs/ca-certificates.crt etc/revguard/revguard.yaml \
    usr/share/revguard/ghe-env.manifest; do
	[ -f "root/$f" ] || missing="$missing $f"
done
# Every library the binary loads, libgit2's TLS and compression too.
for lib in $(ldd "$REVGUARD" | awk '$2 == "=>" { print $3 }'); do
	[ -f "root$lib" ] || missing="$missing $lib"
done
for want in libgit2 libmbedtls libz libc.so; do
	echo "$listing" | grep -q "$want" || missing="$missing $want"
done
if [ -z "$missing" ]; then
	ok "the environment holds the binary, every library ldd lists, the loader, CA bundle, policy and manifest"
else
	not_ok "the environment is missing:$missing"
fi
if [ -z "$(find root -type l)" ] && [ ! -e root/dev ] && [ ! -e root/proc ] &&
    ! echo "$listing" | grep -v '^[-d]' | grep -q .; then
	ok "the environment has only regular files and directories, no /dev, no /proc"
else
	not_ok "the environment has links, devices, /dev or /proc"
	echo "$listing" | grep -v '^[-d]' | sed 's/^/# /'
fi
if ! ldd root/bin/sh >/dev/null 2>&1 && root/bin/sh -c 'echo sh-works' | grep -q sh-works; then
	ok "/bin/sh is a static busybox"
else
	not_ok "/bin/sh is a static busybox"
fi
if grep -q 'libgit2.*libgit2-1.5' root/usr/share/revguard/ghe-env.manifest &&
    grep -q 'ca-certificates.crt.*ca-certificates' root/usr/share/revguard/ghe-env.manifest; then
	ok "the manifest names each file's Debian package"
else
	not_ok "the manifest names each file's Debian package"
	diag root/usr/share/revguard/ghe-env.manifest
fi
echo "rules: {no-such-rule: error}" >broken.yaml
if sh "$top_srcdir/tools/ghe-env.sh" --binary "$REVGUARD" --config broken.yaml \
    --out broken.tar.gz >broken.log 2>&1 || [ -e broken.tar.gz ]; then
	not_ok "a policy that does not load is refused before it ships"
	diag broken.log
else
	ok "a policy that does not load is refused before it ships"
fi

# --- a repository, and two pushes recorded while they wait -------------
git -c init.defaultBranch=main init -q --bare srv/app.git
git -C srv/app.git config receive.advertisePushOptions true
gen repo app --count 12 --seed 91 >/dev/null
git_quiet -C app remote add origin "$T/srv/app.git"
git_quiet -C app push origin main
base=$(git -C app rev-parse HEAD)
h=$(head_of app)

# The recording hook: what a pre-receive hook gets (environment, stdin,
# working directory, the quarantined objects), then it refuses, so the
# repository stays as it was for the replay.
cat >srv/app.git/hooks/pre-receive <<'SH'
#!/bin/sh
[ -n "${REC:-}" ] || exit 1
mkdir -p "$REC"
cat >"$REC/stdin"
env >"$REC/env"
pwd >"$REC/cwd"
cp -a "$GIT_QUARANTINE_PATH" "$REC/quarantine"
echo "$GIT_QUARANTINE_PATH" >"$REC/qpath"
exit 1
SH
chmod +x srv/app.git/hooks/pre-receive

good=$(rand_id)
add_migration app "$good" "$h" good
commit_all app "a good migration"
good_commit=$(git -C app rev-parse HEAD)
REC=$T/rec/good GITHUB_USER_LOGIN=alice GITHUB_REPO_NAME=octo/app \
    GITHUB_USER_IP=192.0.2.1 git -C app push -o ci.skip origin main \
    >/dev/null 2>&1

git_quiet -C app reset --hard "$base"
bad=$(rand_id)
add_migration app "$bad" "$h" bad
sed -i '/^Revision ID:/d' "app/migrations/versions/${bad}_bad.py"
commit_all app "a migration without its header"
bad_commit=$(git -C app rev-parse HEAD)
REC=$T/rec/bad GITHUB_USER_LOGIN=alice GITHUB_REPO_NAME=octo/app \
    GITHUB_VIA="pull request merge button" \
    GITHUB_PULL_REQUEST_HEAD="alice:feature" \
    GITHUB_PULL_REQUEST_BASE="main" git -C app push origin main \
    >/dev/null 2>&1

if [ -s rec/good/stdin ] && [ -s rec/bad/stdin ] &&
    [ -d rec/good/quarantine ] && [ -d rec/bad/quarantine ] &&
    grep -q "^GIT_PUSH_OPTION_0=ci.skip" rec/good/env &&
    ! git -C srv/app.git cat-file -e "$good_commit" 2>/dev/null &&
    ! git -C srv/app.git cat-file -e "$bad_commit" 2>/dev/null; then
	ok "two pushes recorded; their objects exist only in the recorded quarantines"
else
	not_ok "two pushes recorded with their quarantines"
fi

# --- replayed inside the environment, with chroot ----------------------
# replay NAME: runs the hook script in the environment with the recorded
# variables (the ones GitHub sets), working directory and stdin, the
# repository and the recorded quarantine where the push had them.
replay() {
	q=$(cat "rec/$1/qpath")
	rm -rf "root$T/srv"
	mkdir -p "root$T/srv"
	cp -a srv/app.git "root$T/srv/"
	rm -rf "root$q"
	cp -a "rec/$1/quarantine" "root$q"
	grep -E '^(GIT_DIR|GIT_QUARANTINE_PATH|GIT_OBJECT_DIRECTORY|GIT_ALTERNATE_OBJECT_DIRECTORIES|GIT_PUSH_OPTION_[A-Z0-9]+|GITHUB_[A-Z_]+)=' \
	    "rec/$1/env" | sed "s/'/'\\\\''/g; s/=\\(.*\\)/='\\1'/; s/^/export /" \
	    >"rec/$1/replay.env"
	t0=$(ms)
	replay_run "$1"
	echo $(($(ms) - t0)) >"rec/$1/elapsed"
}

# replay_run NAME: the hook script in the environment, as GitHub runs
# it: only the recorded variables, from the repository's directory.
chroot_bin=$(command -v chroot || echo /usr/sbin/chroot)
replay_run() {
	env -i PATH=/usr/bin:/bin sh -c '. "$1"; exec "$2" "$3" /bin/sh -c \
	    "cd \"\$0\" && exec /bin/sh /pre-receive" "$4"' \
	    sh "$T/rec/$1/replay.env" "$chroot_bin" "$T/root" \
	    "$(cat "rec/$1/cwd")" <"rec/$1/stdin" >"$T/out" 2>"$T/err"
	echo $? >"$T/rc"
}

if [ "$(id -u)" -ne 0 ]; then
	ok "# SKIP chroot replay needs root"
elif ldd "$REVGUARD" | grep -q libasan; then
	# The sanitizers' runtime reads its options from /proc, which the
	# environment has not; the plain build's run covers the replay.
	ok "# SKIP chroot replay of a sanitizer build (needs /proc)"
else
	cp pre-receive root/pre-receive
	replay good
	expect "chroot: the recorded good push is accepted ($(cat rec/good/elapsed) ms)" 0
	refute "chroot: nothing is said about an accepted push" "rejected"
	replay bad
	expect "chroot: the recorded bad push is rejected by the environment's policy" 1 \
	    "error[header-missing]" "${bad}_bad.py"
	first=$(head -1 "$T/out")
	case $first in
	"revguard: octo/app: push rejected: error[header-missing] in migrations/versions/${bad}_bad.py"*)
		ok "chroot: the first line names the repository, rule and file" ;;
	*)	not_ok "chroot: the first line names the repository, rule and file"
		diag "$T/err" ;;
	esac
	if [ ! -s "$T/err" ]; then
		ok "chroot: everything is said on standard output, which GitHub shows in its web UI"
	else
		not_ok "chroot: everything is said on standard output"; diag "$T/err"
	fi
	expect "chroot: a web merge says where to fix it" 1 \
	    "alice's web merge (pull request merge button) of pull request branch alice:feature into main: fix the migrations on alice:feature"
	# Without the quarantine the pushed commit is not there: the replay
	# really read the recorded objects.
	rm -rf "root$(cat rec/bad/qpath)"
	replay_run bad
	expect "chroot: without the quarantine the push cannot be checked, and is rejected" 1 \
	    "cannot check this push"
fi

# --- the hook on real pushes with GitHub's variables --------------------
# No daemon and no --in-process: the GITHUB_* variables make the hook
# check in its own process.
cat >srv/app.git/hooks/pre-receive <<SH
#!/bin/sh
exec '$REVGUARD' hook --config '$T/policy.yaml' --socket '$T/nobody.sock'
SH
git_quiet -C app reset --hard "$bad_commit"
GITHUB_USER_LOGIN=alice GITHUB_REPO_NAME=octo/app \
    GITHUB_VIA="pull request merge button" \
    GITHUB_PULL_REQUEST_HEAD="alice:feature" GITHUB_PULL_REQUEST_BASE=main \
    git -C app push origin main >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
expect "push with GitHub's variables: checked in-process and rejected" 1 \
    "error[header-missing]" "alice's web merge"
first=$(grep '^remote: ' "$T/err" | head -1)
case $first in
"remote: revguard: octo/app: push rejected: error[header-missing] in migrations/versions/${bad}_bad.py"*)
	ok "push with GitHub's variables: the first remote: line names rule and file" ;;
*)	not_ok "push with GitHub's variables: the first remote: line names rule and file"
	diag "$T/err" ;;
esac
push app origin main
expect "the same hook without GitHub's variables asks the daemon (none here)" 1 \
    "cannot connect to $T/nobody.sock"
git_quiet -C app reset --hard "$good_commit"
GITHUB_USER_LOGIN=alice GITHUB_REPO_NAME=octo/app \
    git -C app push origin main >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
expect "push with GitHub's variables: a good push is accepted" 0
if [ "$(git -C srv/app.git rev-parse main)" = "$good_commit" ]; then
	ok "the good push landed"
else
	not_ok "the good push landed"
fi
# A name that tries to forge a line is shown escaped.
git_quiet -C app reset --hard "$bad_commit"
GITHUB_USER_LOGIN=alice GITHUB_REPO_NAME="$(printf 'octo/app\nremote: all good')" \
    git -C app push -f origin main >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
expect "a repository name with a newline is escaped, not a second line" 1 \
    'octo/app\nremote: all good: push rejected'

# A fork, as GitHub keeps them: its objects/info/alternates names the
# network's objects by a relative path (GitHub requires hooks to read
# those).  The fork has none of the base's objects itself.
git init -q --bare srv/fork.git
echo "../../app.git/objects" >srv/fork.git/objects/info/alternates
git -C srv/fork.git update-ref refs/heads/main "$good_commit"
git -C srv/fork.git symbolic-ref HEAD refs/heads/main
cp srv/app.git/hooks/pre-receive srv/fork.git/hooks/pre-receive
git_quiet -C app reset --hard "$good_commit"
bad2=$(rand_id)
add_migration app "$bad2" "$good" bad2
sed -i '/^Revision ID:/d' "app/migrations/versions/${bad2}_bad2.py"
commit_all app "a fork's migration without its header"
GITHUB_USER_LOGIN=bob GITHUB_REPO_NAME=bob/app \
    git -C app push "$T/srv/fork.git" main >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
expect "a fork reading its network through a relative alternates path: checked, rejected" 1 \
    "revguard: bob/app: push rejected: error[header-missing] in migrations/versions/${bad2}_bad2.py"
refute "... with every object found through the alternates" "cannot check"

# --- hook.deadline ------------------------------------------------------
# A real large push: 20,000 migrations in one new branch, checked in
# full.  Unbounded it takes a while; with hook.deadline it stops there.
gen repo big --count 20000 --seed 93 >/dev/null
for name in bounded unbounded; do
	git -c init.defaultBranch=main init -q --bare "srv/$name.git"
	cat >"srv/$name.git/hooks/pre-receive" <<SH
#!/bin/sh
t0=\$(date +%s%N)
'$REVGUARD' hook --in-process --config '$T/$name.yaml'
rc=\$?
echo \$(( (\$(date +%s%N) - t0) / 1000000 )) >'$T/$name.ms'
exit \$rc
SH
	chmod +x "srv/$name.git/hooks/pre-receive"
done
printf 'hook:\n  deadline: 50ms\n' >bounded.yaml
printf 'hook:\n  deadline: 60s\n' >unbounded.yaml
push big "$T/srv/unbounded.git" main
expect "20,000 migrations within a 60 s deadline: accepted" 0
rg check --repo srv/unbounded.git --rev main
expect "... and all 20,000 were checked" 0 "20000 migrations, 0 errors"
push big "$T/srv/bounded.git" main
# The check stops itself at the deadline; on a loaded machine the
# watchdog may get there first (5 ms later): the same fail policy.
expect "20,000 migrations, hook.deadline 50ms: stopped at the deadline, fail policy applies" 1 \
    "cannot check this push: the check did not finish within hook.deadline (50 ms)" \
    "push rejected (on_unavailable: reject)"
if grep -q "the check was stopped at its deadline" "$T/err"; then
	echo "# the check stopped itself at the deadline"
else
	echo "# the watchdog cut the check off"
fi
b=$(cat bounded.ms 2>/dev/null || echo 99999)
u=$(cat unbounded.ms 2>/dev/null || echo 0)
echo "# hook time for 20,000 migrations: $u ms unbounded, $b ms with hook.deadline 50ms"
if [ "$b" -lt "$u" ] && [ "$b" -lt 1000 ]; then
	ok "the bounded hook answered in $b ms, the unbounded check took $u ms"
else
	not_ok "the bounded hook answered in $b ms, the unbounded check took $u ms"
fi

# A hook that cannot get on (its stdin never ends) is cut off by the
# watchdog: on GitHub Enterprise at the 4 s default, before the 5 s kill.
# stalled CMD...: runs CMD with a standard input that never ends (a
# FIFO whose writer says nothing), in $T/out, $T/err and $T/rc, and the
# milliseconds it took in $took.
mkfifo stall
stalled() {
	sleep 30 >stall &
	writer=$!
	t0=$(ms)
	"$@" <stall >"$T/out" 2>"$T/err"
	echo $? >"$T/rc"
	took=$(($(ms) - t0))
	kill "$writer" 2>/dev/null
	wait "$writer" 2>/dev/null
}
printf 'hook:\n  on_unavailable: reject\n' >plain.yaml
stalled env GITHUB_USER_LOGIN=alice GITHUB_REPO_NAME=octo/app \
    "$REVGUARD" hook --config plain.yaml
expect "GitHub Enterprise, a stalled hook: rejected at the 4 s default deadline" 1 \
    "revguard: octo/app: push rejected: not checked within hook.deadline (4000 ms)" \
    "the check did not finish within hook.deadline (4000 ms) and was cut off"
if [ "$took" -ge 3900 ] && [ "$took" -lt 4800 ]; then
	ok "it answered after $took ms: after 4 s, before GitHub's 5 s"
else
	not_ok "it answered after $took ms, not between 4 and 4.8 s"
fi
printf 'hook:\n  deadline: 200ms\n  on_unavailable: accept\n' >open.yaml
stalled "$REVGUARD" hook --in-process --config open.yaml
expect "hook.deadline everywhere, on_unavailable accept: accepted with a warning" 0 \
    "WARNING: migrations were NOT checked: the check did not finish within hook.deadline (200 ms)"
# The deadline bounds the wait for the daemon too: one that never answers.
"$PYTHON" - "$T/silent.sock" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(8)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
PY
echo $! >"$T/silent.pid"
i=0; while [ ! -S silent.sock ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
printf 'hook:\n  deadline: 300ms\n  timeout: 30s\n' >silent.yaml
t0=$(ms)
rg hook --config silent.yaml --socket "$T/silent.sock" <rec/good/stdin
took=$(($(ms) - t0))
expect "a silent daemon: the hook gives up at hook.deadline, not hook.timeout" 1 \
    "hook.deadline (300 ms)"
if [ "$took" -lt 2000 ]; then
	ok "... after $took ms"
else
	not_ok "... after $took ms"
fi
# An observed repository is never rejected, not even when the deadline's
# watchdog cuts the hook off (here git's ref lines never come).
printf 'mode: observe\nhook:\n  deadline: 300ms\n' >stall-observe.yaml
stalled env GIT_DIR="$T/srv/app.git" "$REVGUARD" hook --in-process \
    --config stall-observe.yaml
expect "a stalled hook, observe mode: the watchdog accepts, saying so" 0 \
    "migrations were NOT checked: the check did not finish within hook.deadline (300 ms)" \
    "push accepted (mode: observe never rejects)"

finish
