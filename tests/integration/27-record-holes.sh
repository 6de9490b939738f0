#!/bin/sh
# What the decision log records, under attack (red-team findings 4, 5, 7):
# - the hook's spool (mode 1733, any local user writes there) cannot be
#   jammed by another user's files, and when the hook cannot spool, the
#   pusher hears that the push is not in the log;
# - a spooled record's time is its file's ctime (link(2) sets it; touch
#   cannot), never a forged future, and its source names the uid that
#   wrote it;
# - an unchecked push in an observed ref, let through, is logged as
#   fail-open, not fail-closed;
# - with bypass.identity_var the log's pusher is that identity, not the
#   shared account in USER.
# Real pushes through revguardd and the hook.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv spool
chmod 1733 spool
uid=$(id -u)
other=65534			# another local user (nobody)
[ "$uid" = "$other" ] && other=65533

# dec ARGS...: revguard decisions as JSON, in $T/out.
dec() { rg decisions --db "$T/d.db" --format json --limit 1000 "$@"; }
# py EXPR: a Python expression over that JSON (as j).
py() { "$PYTHON" -c "import json,time; j=json.load(open('$T/out')); print($1)"; }

cat >d.yaml <<YAML
hook:
  socket: $T/d.sock
  timeout: 20s
  on_unavailable: ${ON_UNAVAILABLE:-accept}
decisions:
  path: $T/d.db
  spool: $T/spool
observe_refs: [refs/heads/team-a/*]
bypass:
  allow: [alice]
  identity_var: REVGUARD_PUSHER
YAML
start_daemon d -f "$T/d.yaml"
bare_repo srv/app.git --config "$T/d.yaml"
gen repo app --count 3 --seed 27 >/dev/null
git_quiet -C app remote add origin "$T/srv/app.git"
USER=git REVGUARD_PUSHER=alice push app origin main
expect "a push is accepted" 0 "main -> main"

# --- 3: the identity bypass.identity_var names is the pusher ------------
dec --pusher alice
[ "$(py "len(j['decisions'])")" = 1 ] &&
	ok "identity_var: ?pusher=alice finds the push" ||
	{ not_ok "identity_var: pusher=alice finds nothing"; diag "$T/out"; }
grep -q "srv/app.git by alice (REVGUARD_PUSHER) accepted" d.log &&
	ok "the log line names alice by REVGUARD_PUSHER" ||
	{ not_ok "the log line's pusher"; diag d.log; }
git_quiet -C app commit --allow-empty -m two
env -u REMOTE_USER USER=git git -C app push origin main >out 2>err
grep -q "srv/app.git by git (USER, an account) accepted" d.log &&
	ok "USER, the last resort, is marked as an account" ||
	{ not_ok "USER not marked as an account"; diag d.log; }

# --- 2: observe lets an unanswered push through: logged fail-open --------
cat >strict.yaml <<YAML
hook: {socket: $T/d.sock, on_unavailable: reject}
observe_refs: [refs/heads/team-a/*]
YAML
git init -q --bare outside.git	# outside repo_roots: the daemon errs
"$REVGUARD" install-hook --repo outside.git -- --config "$T/strict.yaml" \
    >/dev/null
push app "$T/outside.git" main:refs/heads/team-a/x
expect "observed ref, daemon error: accepted" 0 "mode: observe never rejects"
push app "$T/outside.git" main:refs/heads/enforced
expect "enforced ref, daemon error: rejected" 1
dec --repo "$T/outside.git" --ref refs/heads/team-a/x
v=$(py "','.join(d['verdict'] for d in j['decisions'])")
[ "$v" = fail-open ] && ok "the observed push is logged fail-open" ||
	not_ok "the observed push is logged $v, the pusher got accepted"
dec --repo "$T/outside.git" --ref refs/heads/enforced
v=$(py "','.join(d['verdict'] for d in j['decisions'])")
[ "$v" = fail-closed ] && ok "the enforced one fail-closed" ||
	not_ok "the enforced one is logged $v"

# --- 1a: jamming the spool while revguardd is down ----------------------
stop_daemon d
i=0; while [ $i -lt 1024 ]; do
	printf x >"spool/d-$(printf %04d $i).json"; i=$((i + 1)); done
chown "$other" spool/d-*.json
git_quiet -C app commit --allow-empty -m three
USER=git REVGUARD_PUSHER=alice push app origin HEAD:refs/heads/jam1
expect "daemon down, old slots jammed: accepted unchecked" 0 "NOT checked"
refute "... and not said to be missing from the log" "NOT in the decision log"
# Another user takes every one of our uid's places too (jam1 took one).
"$PYTHON" - "$T/spool" "$uid" "$other" <<'PY'
import os, sys
spool, uid, other = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for k in range(1024):
    p = os.path.join(spool, 'd-%d-%04d.json' % (uid, k))
    if not os.path.exists(p):
        with open(p, 'w') as f:
            f.write('x')
        os.chown(p, other, -1)
PY
git_quiet -C app commit --allow-empty -m four
push app origin HEAD:refs/heads/jam2
expect "every place jammed: still accepted (on_unavailable: accept)" 0 \
    "NOT checked"
expect "... and the pusher hears it is not in the decision log" 0 \
    "NOT in the decision log" "jammed"

# --- 1b: a forged record dated 2036 ------------------------------------
"$PYTHON" - "$T" "$other" <<'PY'
import json, os, sys
t, other = sys.argv[1], int(sys.argv[2])
rec = {'v': 1, 'time_ms': 2082758400000, 'repository': t + '/srv/app.git',
       'pusher': ['GL_USERNAME=alice'], 'nupdates': 1,
       'updates': [{'ref': 'refs/heads/main', 'old': '0' * 40,
                    'new': '1' * 40}],
       'verdict': 'fail-open', 'error': 'forged', 'version': '0.1.0'}
for name in ('d-%d-0000.json' % other, 'd-0000.json'):
    p = os.path.join(t, 'spool', name)
    if os.path.exists(p):
        os.unlink(p)
    with open(p, 'w') as f:
        json.dump(rec, f)
    os.chown(p, other, -1)
    os.utime(p, (2082758400, 2082758400))	# touch -d 2036-01-01
PY
before=$(date +%s)
start_daemon d -f "$T/d.yaml"
i=0; while [ -n "$(ls spool)" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
dec --ref refs/heads/jam1
v=$(py "','.join(d['verdict'] + ' ' + d['source'] for d in j['decisions'])")
[ "$v" = "fail-open hook uid $uid" ] &&
	ok "the push made while the spool was jammed is in the log" ||
	not_ok "jam1 in the log: '$v'"
dec --ref refs/heads/jam1 --pusher alice
[ "$(py "len(j['decisions'])")" = 1 ] &&
	ok "... its pusher is REVGUARD_PUSHER's alice, as the hook spooled it" ||
	{ not_ok "jam1's pusher"; diag "$T/out"; }
grep -q "d-$uid-[0-9]*.json: written by uid $other into a place of uid $uid; removed" d.log &&
	ok "another user's files in our places are removed with a log line" ||
	{ not_ok "squatted places"; diag d.log; }
dec --ref refs/heads/main --verdict fail-open
now=$(($(date +%s) + 1))	# whole seconds: the next one
n=$(py "len(j['decisions'])")
late=$(py "sum(d['time_ms'] > $now * 1000 for d in j['decisions'])")
early=$(py "sum(d['time_ms'] < $before * 1000 - 120000 for d in j['decisions'])")
[ "$n" = 2 ] && [ "$late" = 0 ] && [ "$early" = 0 ] &&
	ok "forged records dated 2036 get the time they were filed, not 2036" ||
	{ not_ok "forged time: $n records, $late in the future, $early early"; diag "$T/out"; }
src=$(py "','.join(sorted(set(d['source'] for d in j['decisions'])))")
[ "$src" = "hook uid $other" ] &&
	ok "their source names the uid that wrote them" ||
	not_ok "forged records' source: $src"
# Nothing dated after now tops the repositories' last decisions.
dec
late=$(py "sum(d['time_ms'] > $now * 1000 for d in j['decisions'])")
[ "$late" = 0 ] && ok "no decision in the log lies in the future" ||
	{ not_ok "$late decisions in the future"; diag "$T/out"; }
stop_daemon d
finish
