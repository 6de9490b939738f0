#!/bin/sh
# A short libFuzzer run of every harness in fuzz/ (parser, alembic.ini,
# configuration, wire protocol, tree listings, HTTP request targets)
# under AddressSanitizer and UBSan, seeded with the project's own
# fixtures.  Long campaigns: fuzz/README.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

SECONDS_EACH=${FUZZ_SECONDS:-15}
if ! command -v clang >/dev/null 2>&1; then
	echo "ok 1 - fuzz harnesses # SKIP clang is not installed"
	echo "1..1"
	exit 0
fi
if sh "$top_srcdir/fuzz/build.sh" "$T/bin" >build.log 2>&1; then
	ok "fuzz harnesses build with -fsanitize=fuzzer,address,undefined"
else
	not_ok "fuzz harnesses build"; diag build.log
	finish; exit 1
fi
mkdir -p seeds/migration seeds/alembic_ini seeds/config seeds/proto seeds/tree seeds/api
cp "$top_srcdir"/tests/unit/fixtures/parser/*.in seeds/migration/
printf '[alembic]\nscript_location = %%(here)s/db\nversion_locations = a b\n' \
    >seeds/alembic_ini/a.ini
cp "$top_srcdir/conf/revguard.yaml" seeds/config/
printf '{"repository":"/srv/git/a.git","quarantine":"/srv/git/a.git/objects/q","alternates":["/x"],"updates":[{"old":"%040d","new":"%s","ref":"refs/heads/main"}]}' \
    0 1111111111111111111111111111111111111111 >seeds/proto/req.json
printf '/api/v1/decisions?repo=%%2Fsrv%%2Fa.git&since=2026-11-26T15:04:05.5%%2B01:00&until=30d&limit=5&cursor=MTc' >seeds/api/decisions
printf '/api/v1/repos/team%%2Fapp.git/chain.dot?ref=release/2.0' >seeds/api/chain
printf '/api/v1/repos/a/../b/chain?ref=refs%%2Fheads%%2Fx' >seeds/api/traversal
# Tree seeds: a versions directory (files, a subdirectory, a symbolic
# link, a legacy 100664 mode) and an empty tree, as git writes them.
git init -q --bare seedrepo.git
b=$(echo x | git -C seedrepo.git hash-object -w --stdin)
printf '100644 blob %s\t0001_a.py\n100664 blob %s\t0002_b.py\n120000 blob %s\tl\n' \
    "$b" "$b" "$b" | git -C seedrepo.git mktree >tree.id
sub=$(cat tree.id)
printf '100755 blob %s\t0003_c.py\n040000 tree %s\tsub\n' "$b" "$sub" |
    git -C seedrepo.git mktree >tree2.id
git -C seedrepo.git cat-file tree "$sub" >seeds/tree/versions
git -C seedrepo.git cat-file tree "$(cat tree2.id)" >seeds/tree/nested
: >seeds/tree/empty
for h in migration alembic_ini config proto tree api; do
	if "$T/bin/fuzz_$h" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 \
	    -artifact_prefix="$T/crash-$h-" "seeds/$h" >"$h.log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$h.log" | cut -d' ' -f2)
		ok "fuzz_$h: $runs inputs in ${SECONDS_EACH}s, no crash, leak or UB"
	else
		not_ok "fuzz_$h found a problem (artifact in $T)"
		grep -E "ERROR|SUMMARY|#[0-9] 0x" "$h.log" | head -12 >"$h.sum"; diag "$h.sum"
	fi
done
finish
