#!/bin/sh
# Crafted objects in the versions directory: a truncated tree object (the
# CLI and the daemon report it and reject, never crash or pass), a corrupt
# tree on the way to the versions directory (an error, not "absent"), and
# legacy file modes such as 100664 (an ordinary file to git, so checked
# like one).  Every bad object is built with git plumbing.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

start_daemon d
bare_repo srv/app.git --socket "$T/d.sock"
gen repo app --count 8 --seed 81 >/dev/null
git_quiet -C app remote add origin "$T/srv/app.git"
push app origin main
expect "good history accepted" 0 "main -> main"
base=$(git -C app rev-parse HEAD)

gitc() {
	GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid \
	GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid \
	    git -C app "$@"
}

# with_migrations TREE: a commit on top of $base whose migrations/ is TREE.
with_migrations() {
	root=$( (git -C app ls-tree "$base" | grep -v '	migrations$'
	    printf '040000 tree %s\tmigrations\n' "$1") | git -C app mktree --missing)
	gitc commit-tree "$root" -p "$base" -m "crafted"
}

# with_versions TREE: the same, with migrations/versions/ replaced by TREE.
with_versions() {
	mtree=$( (git -C app ls-tree "$base:migrations" | grep -v '	versions$'
	    printf '040000 tree %s\tversions\n' "$1") | git -C app mktree --missing)
	with_migrations "$mtree"
}

# to_store COMMIT: copies the commit and every object it names, valid or
# not, into the bare repository and points refs/heads/wip-N at it, as if
# it had arrived before the hook was installed.  git's own connectivity
# check refuses to receive a corrupt tree, so this is the only way one
# reaches a push.
wip=0
to_store() {
	for o in "$1" $(git -C app rev-parse "$1^{tree}" "$1:migrations") \
	    $(git -C app rev-parse -q --verify "$1:migrations/versions" \
	    2>/dev/null); do
		d=$(echo "$o" | cut -c1-2) f=$(echo "$o" | cut -c3-)
		[ -f "app/.git/objects/$d/$f" ] || continue
		mkdir -p "srv/app.git/objects/$d"
		cp "app/.git/objects/$d/$f" "srv/app.git/objects/$d/"
	done
	wip=$((wip + 1))
	git -C srv/app.git update-ref "refs/heads/wip-$wip" "$1"
}

daemon_alive() {
	if kill -0 "$(cat "$T/d.pid")" 2>/dev/null; then
		ok "$1: the daemon is still running"
	else
		not_ok "$1: the daemon is still running"; diag "$T/d.log"
	fi
}

# --- a truncated tree object as the versions directory -----------------
# One entry whose object ID stops after 3 of its 20 bytes.
trunc=$(printf '100644 0001_x.py\000abc' |
    git -C app hash-object -t tree --literally -w --stdin)
c=$(with_versions "$trunc")
git -C app branch trunc "$c"

rg check --repo app --rev trunc
expect "check: truncated versions tree is an error naming the directory" 2 \
    "cannot read directory \`migrations/versions\` (tree $trunc)" \
    "failed to parse tree"

push app origin trunc:main
if [ "$(cat "$T/rc")" != 0 ] &&
    [ "$(git -C srv/app.git rev-parse main)" = "$base" ]; then
	ok "push of a truncated tree: refused (git itself cannot pack it)"
else
	not_ok "push of a truncated tree: refused"; diag "$T/err"
fi

to_store "$c"
push app origin trunc:main
expect "push of a commit whose truncated tree is already stored: rejected" 1 \
    "cannot read directory \`migrations/versions\`" "failed to parse tree"
daemon_alive "truncated tree"
if [ "$(git -C srv/app.git rev-parse main)" = "$base" ]; then
	ok "truncated tree: main did not move"
else
	not_ok "truncated tree: main did not move"
fi

# A tree truncated in its mode or its name: every cut of a good tree.
vt=$(git -C app rev-parse "$base:migrations/versions")
git -C app cat-file tree "$vt" >vt.raw
size=$(wc -c <vt.raw)
crashed=0 silent=0
for cut in 1 7 30 $((size / 2)) $((size - 21)) $((size - 1)); do
	t=$(head -c "$cut" vt.raw |
	    git -C app hash-object -t tree --literally -w --stdin)
	"$REVGUARD" check --repo app --rev "$(with_versions "$t")" \
	    >cut.out 2>&1
	rc=$?
	[ $rc -gt 2 ] && crashed=$((crashed + 1))
	[ $rc -eq 2 ] && grep -q "failed to parse tree" cut.out ||
	    silent=$((silent + 1))
done
if [ $crashed -eq 0 ] && [ $silent -eq 0 ]; then
	ok "check: versions tree cut at 6 places, each a clear error"
else
	not_ok "check: cut versions trees: $crashed crashed, $silent without the error"
fi

# --- a corrupt tree on the way to the versions directory ---------------
mid=$(printf '40000 versions\000ab' |
    git -C app hash-object -t tree --literally -w --stdin)
c=$(with_migrations "$mid")
git -C app branch midcut "$c"
rg check --repo app --rev midcut
expect "check: corrupt migrations/ tree is an error, not an absent directory" 2 \
    "cannot read directory \`migrations/versions\`"
refute "check: corrupt migrations/ tree is not reported absent" \
    "does not exist"
to_store "$c"
push app origin midcut:main
expect "push over a corrupt migrations/ tree: rejected, not skipped" 1 \
    "cannot read directory \`migrations/versions\`"
daemon_alive "corrupt migrations/ tree"

# --- legacy file modes --------------------------------------------------
h=$(head_of app)
add_migration app a1b2c3d4e5f6 "$h" flags
blob=$(git -C app hash-object -w migrations/versions/a1b2c3d4e5f6_flags.py)
rm -f app/migrations/versions/a1b2c3d4e5f6_flags.py
for mode in 100664 100600; do
	vt=$( (git -C app ls-tree "$base:migrations/versions"
	    printf '%s blob %s\ta1b2c3d4e5f6_flags.py\n' "$mode" "$blob") |
	    git -C app mktree)
	git -C app branch "mode$mode" "$(with_versions "$vt")"
	rg check --repo app --rev "mode$mode"
	expect "check: a $mode migration is read as a file" 1 \
	    "a1b2c3d4e5f6_flags.py:9: error[placeholder-id]"
	refute "check: a $mode migration is not skipped as a special file" \
	    "special file"
done
git -C srv/app.git config receive.fsckObjects true
push app origin mode100664:main
expect "push of a 100664 hand-picked ID (git's fsck lets the mode pass): rejected" 1 \
    "error[placeholder-id]" "remote: refs/heads/main: rejected"
git -C srv/app.git config receive.fsckObjects false
push app origin mode100600:main
expect "push of a 100600 hand-picked ID: rejected" 1 "error[placeholder-id]"

# --- the daemon still serves good pushes --------------------------------
add_migration app "$(rand_id)" "$h" next
commit_all app "next"
push app origin main
expect "a good push after all that is accepted" 0 "main -> main"
stop_daemon d
finish
