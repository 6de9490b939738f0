#!/bin/sh
# Three holes a red team found in the endpoint and the door both roads
# share (serve_admit_repository, docs/api.md):
# - a directory inside repo_roots whose objects, refs, packed-refs,
#   commondir or objects/info/alternates (however deep) lead outside the
#   roots is refused, by the API (404, no path echoed) and for a push
#   (told why); a fork's relative alternates inside the roots still work;
# - HEAD answers GET's headers with Content-Length and no body, so the
#   next response on a keep-alive connection parses;
# - until=1970-01-01 is a time (nothing before it), not "no filter".
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv outside

probe() { "$PYTHON" "$top_srcdir/tests/http_probe.py" "$@"; }
P=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >h.yaml <<YAML
http:
  listen: 127.0.0.1:$P
decisions:
  path: $T/decisions.db
  spool: off
YAML
start_daemon d -f "$T/h.yaml"
i=0
while ! probe get "$P" /healthz >/dev/null 2>&1 && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done

# A clean repository inside the roots, pushed for real, and a secret one
# outside them (packed, so a linked pack directory has something to read).
gen repo app --count 4 --seed 26 >/dev/null
bare_repo srv/app.git --socket "$T/d.sock"
git_quiet -C app remote add origin "$T/srv/app.git"
push app origin main
expect "a clean push is accepted" 0
gen repo secret --count 3 --seed 5 >/dev/null
git clone -q --bare secret outside/secret.git
git -C outside/secret.git repack -adq
sec=$(git -C outside/secret.git rev-parse main)

# chain_is DESC WANT REPO: GET its chain answers WANT and names nothing
# outside.
chain_is() {
	probe get "$P" "/api/v1/repos/$3/chain?ref=main" >"$T/out" 2>&1
	if head -1 "$T/out" | grep -qx "status=$2" &&
	    ! grep -q "secret\|outside\|$T" "$T/out"; then ok "$1"
	else not_ok "$1 (want $2)"; diag "$T/out"; fi
}

# --- the door: what a repository inside the roots leads to ---------------
mkdir srv/links.git
for f in objects refs packed-refs; do
	ln -s "$T/outside/secret.git/$f" "srv/links.git/$f"
done
cp outside/secret.git/HEAD outside/secret.git/config srv/links.git/
chain_is "objects, refs and packed-refs linked outside: 404" 404 links.git

# borrowed NAME ALTERNATES: a bare repository whose main is the secret
# commit, its objects found only through ALTERNATES.
borrowed() {
	git init -q --bare "srv/$1"
	printf '%s\n' "$2" >"srv/$1/objects/info/alternates"
	echo "$sec" >"srv/$1/refs/heads/main"
}
borrowed abs.git "$T/outside/secret.git/objects"
chain_is "alternates naming an objects directory outside: 404" 404 abs.git
borrowed rel.git "../../../outside/secret.git/objects"
chain_is "relative alternates climbing outside: 404" 404 rel.git
git init -q --bare srv/mid.git
echo "$T/outside/secret.git/objects" >srv/mid.git/objects/info/alternates
borrowed deep.git "# a comment
$T/srv/mid.git/objects"
chain_is "alternates through a repository inside to one outside: 404" 404 deep.git
git init -q --bare srv/pack.git
rmdir srv/pack.git/objects/pack
ln -s "$T/outside/secret.git/objects/pack" srv/pack.git/objects/pack
echo "$sec" >srv/pack.git/refs/heads/main
chain_is "objects/pack linked outside: 404" 404 pack.git
git init -q --bare srv/common.git
echo "$T/outside/secret.git" >srv/common.git/commondir
echo "$sec" >srv/common.git/refs/heads/main
chain_is "a commondir outside: 404" 404 common.git

# A bare repository with a `.git` beside its objects: libgit2 tried that
# `.git` first, which the door never looked at.  Git itself, run with
# GIT_DIR, takes the bare directory; so does revguard now.
git init -q --bare srv/dotgit.git
echo "gitdir: $T/outside/secret.git" >srv/dotgit.git/.git
chain_is "a .git file beside a bare layout is not followed outside" 404 dotgit.git
git init -q --bare srv/dotdir.git
mkdir srv/dotdir.git/.git
for f in objects refs packed-refs; do
	ln -s "$T/outside/secret.git/$f" "srv/dotdir.git/.git/$f"
done
cp outside/secret.git/HEAD outside/secret.git/config srv/dotdir.git/.git/
chain_is "a .git directory of links beside a bare layout is not read" 404 dotdir.git

# A fork as git hosts keep them: alternates relative, inside the roots.
git clone -q --bare --shared "$T/srv/app.git" srv/fork.git
echo "../../app.git/objects" >srv/fork.git/objects/info/alternates
chain_is "the repository itself: 200" 200 app.git
chain_is "a fork reading its network through relative alternates: 200" 200 fork.git
probe json "$P" "/api/v1/repos/fork.git/chain?ref=main" 'len(j["nodes"])' >"$T/out" 2>&1
grep -qx 4 "$T/out" && ok "... every migration found through them" ||
    { not_ok "... every migration found through them"; diag "$T/out"; }

# --- the same layouts on a push ---------------------------------------------
bare_repo srv/palt.git --socket "$T/d.sock"
echo "$T/outside/secret.git/objects" >srv/palt.git/objects/info/alternates
push app "$T/srv/palt.git" main
grep -h "repo_roots" "$T/out" "$T/err" | sed "s/^/# pusher sees: /"
expect "a push into a repository whose alternates leave the roots: refused" 1 \
    "outside the configured repo_roots"
refute "... without naming where they lead" "outside/secret"
"$REVGUARD" install-hook --repo srv/fork.git -- --socket "$T/d.sock" >/dev/null
git_quiet -C app commit --allow-empty -m more
push app "$T/srv/fork.git" main
expect "a push into the fork with relative alternates inside: checked" 0
refute "... not refused" "repo_roots"

# --- HEAD on a keep-alive connection ------------------------------------------
# HEAD then GET of one path on one connection: HEAD's Content-Length is
# GET's body length and no body follows it, so the GET's answer is next.
for path in /healthz /metrics /api/v1/decisions / /api/v1/nothing; do
	"$PYTHON" - "$P" "$path" >"$T/out" 2>&1 <<'PY'
import socket, sys
port, path = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(("HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n"
           "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
           % (path, path)).encode())
got = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
def head(buf):
    h, _, rest = buf.partition(b"\r\n\r\n")
    lines = h.split(b"\r\n")
    hdr = {}
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        hdr[k.strip().lower().decode()] = v.strip().decode()
    return lines[0].decode(), hdr, rest
s1, h1, rest = head(got)
assert rest.startswith(b"HTTP/1.1 "), "HEAD carried a body: %r" % rest[:60]
s2, h2, body = head(rest)
print(s1, "|", s2)
assert s1 == s2, "statuses differ"
assert "content-length" in h1, "HEAD has no Content-Length"
assert h1.get("content-type") == h2.get("content-type"), "types differ"
if path != "/metrics":	# its counters move between the two
    assert int(h1["content-length"]) == len(body), \
        "HEAD says %s, GET sent %d" % (h1["content-length"], len(body))
assert int(h2.get("content-length", len(body))) == len(body)
PY
	if [ $? -eq 0 ]; then ok "HEAD then GET $path on one connection: $(head -1 "$T/out")"
	else not_ok "HEAD then GET $path on one connection"; diag "$T/out"; fi
done

# --- the epoch is a time ------------------------------------------------------
probe json "$P" "/api/v1/decisions?until=1970-01-01" 'len(j["decisions"])' >"$T/out" 2>&1
grep -qx 0 "$T/out" && ok "until=1970-01-01: nothing" ||
    { not_ok "until=1970-01-01: nothing"; diag "$T/out"; }
probe json "$P" "/api/v1/decisions?until=1970-01-01T00:00:00Z" 'len(j["decisions"])' >"$T/out" 2>&1
grep -qx 0 "$T/out" && ok "until=1970-01-01T00:00:00Z: nothing" ||
    { not_ok "until=1970-01-01T00:00:00Z: nothing"; diag "$T/out"; }
probe json "$P" "/api/v1/decisions?since=1970-01-01" 'len(j["decisions"])' >"$T/out" 2>&1
all=$(probe json "$P" "/api/v1/decisions" 'len(j["decisions"])' 2>&1)
[ "$all" -ge 3 ] && grep -qx "$all" "$T/out" && ok "since=1970-01-01: all $all" ||
    { not_ok "since=1970-01-01: all ($all)"; diag "$T/out"; }
rg decisions --db "$T/decisions.db" --until 1970-01-01T00:00:00 --format json
expect "revguard decisions --until the epoch runs" 0
[ "$(grep -c '"seq"' "$T/out")" = 0 ] && ok "... and lists nothing" ||
    { not_ok "... and lists nothing"; diag "$T/out"; }

if kill -0 "$(cat d.pid)" 2>/dev/null; then ok "revguardd is still running"
else not_ok "revguardd died"; diag d.log; fi
finish
