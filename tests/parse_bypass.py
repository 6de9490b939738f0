#!/usr/bin/python3
"""Differential check of the migration parser against Python itself.

usage: parse_bypass.py REVGUARD SCRATCH_DIR

Each case is a migration module that binds revision, down_revision,
branch_labels or depends_on in a way other than a top-level
`name = literal` line (red-team findings), or a legal module.  For each,
Python runs the module (runpy, in a child process) and revguard reads it
(`revguard check` and `revguard graph --format json` on a work tree).
Passes when, for every case:
  - a bypass case really changes what Python sees, compared with the
    plain assignments at its top (else the case proves nothing);
  - revguard either reports a parse-error naming a line, or reads
    exactly what Python sees.
Alembic's own script.py.mako templates are rendered (a small stand-in for
Mako) and must be read without error, equal to Python's view.
Prints TAP.
"""
import glob
import json
import os
import re
import subprocess
import sys

REV = "3f9e2a7c1b4d"
HIDDEN = "0a1b2c3d4e5f"
HEAD = ('"""step\n\nRevision ID: %s\nRevises: \nCreate Date: 2024-06-01\n"""\n'
        "revision = '%s'\ndown_revision = None\n" % (REV, REV))
DECOY = {"revision": REV, "down_revision": [], "branch_labels": [],
         "depends_on": []}

# name -> module text after HEAD (bytes allowed for the encoding cases)
BYPASSES = {
    "tuple": "revision, down_revision = '%s', '%s'\n" % (REV, HIDDEN),
    "if": "if True:\n    down_revision = '%s'\n" % HIDDEN,
    "try": "try:\n    down_revision = '%s'\nexcept Exception:\n    pass\n"
           % HIDDEN,
    "for": "for _ in [1]:\n    down_revision = '%s'\n" % HIDDEN,
    "while": "while True:\n    down_revision = '%s'\n    break\n" % HIDDEN,
    "with": "import contextlib\nwith contextlib.suppress():\n"
            "    down_revision = '%s'\n" % HIDDEN,
    "walrus": "[down_revision := '%s']\n" % HIDDEN,
    "augmented": "down_revision = '%s'\ndown_revision += 'f'\n" % HIDDEN,
    "del": "del down_revision\n",
    "globals": "globals()['down_revision'] = '%s'\n" % HIDDEN,
    "globals_update": "globals().update(down_revision='%s')\n" % HIDDEN,
    "vars": "vars()['down_revision'] = '%s'\n" % HIDDEN,
    "locals": "locals()['down_revision'] = '%s'\n" % HIDDEN,
    "exec": "exec(\"down_revision = '%s'\")\n" % HIDDEN,
    "eval": "eval(compile(\"down_revision = '%s'\", 'x', 'exec'))\n" % HIDDEN,
    "setattr": "import sys\nsetattr(sys.modules[__name__], "
               "'down_revision', '%s')\n" % HIDDEN,
    "sys_modules": "import sys\nsys.modules[__name__].down_revision = '%s'\n"
                   % HIDDEN,
    "import_star": "from bypassmod import *\n",
    "import_as": "import bypassmod as depends_on\n",
    "from_import": "from bypassmod import down_revision\n",
    "for_target": "for down_revision in ['%s']:\n    pass\n" % HIDDEN,
    "with_as": "import contextlib\nwith contextlib.nullcontext('%s') as "
               "down_revision:\n    pass\n" % HIDDEN,
    "def": "def depends_on():\n    pass\n",
    "class": "class depends_on:\n    pass\n",
    "global_in_function": "def f():\n    global down_revision\n"
                          "    down_revision = '%s'\n\n\nf()\n" % HIDDEN,
    "semicolon_after_if": "down_revision = '%s'\nif False: pass; "
                          "down_revision = None\n" % HIDDEN,
    "list_mutated": "depends_on = ['%s']\n\n\ndef f():\n"
                    "    depends_on.append('%s')\n\n\nf()\n" % (HIDDEN, REV),
    "frame_globals": "import sys\nsys._getframe(0).f_globals"
                     "['down_revision'] = '%s'\n" % HIDDEN,
    "frame_locals": "import inspect\n_, _, _, ns = inspect.getargvalues("
                    "inspect.stack()[0][0])\nns['down_revision'] = '%s'\n"
                    % HIDDEN,
    "gc_referrers": "import gc\n\n\ndef f():\n    pass\n\n\n"
                    "[d for d in gc.get_referrers(f) if isinstance(d, dict)]"
                    "[0]['down_revision'] = '%s'\n" % HIDDEN,
    "fstring_walrus": "x = f\"{(down_revision := '%s')}\"\n" % HIDDEN,
    "named_escape": "down_revision = '%s\\N{DIGIT ONE}'\n" % HIDDEN[:-1],
    "fstring_double_brace": "down_revision = f'%s}}'\n" % HIDDEN,
    "nfkc_name": "\uff44own_revision = '%s'\n" % HIDDEN,
    "utf7_cookie": b"# -*- coding: utf-7 -*-\n" + HEAD.encode() +
                   ("# +AAo-down_revision = '%s'\n" % HIDDEN).encode(),
}

# Legal modules: revguard must read them, and read what Python sees.
LEGAL = {
    "function_locals": "def upgrade():\n    revision = 'x'\n"
                       "    for down_revision in []:\n        pass\n"
                       "    return dict(revision=revision)\n",
    "attribute_and_keyword": "import types\n"
                             "x = types.SimpleNamespace(revision=1)\n"
                             "y = x.revision\n",
    "one_line_def_body": "def f(): pass; down_revision = '%s'\n" % HIDDEN,
    "form_feed": "def f():\n    pass\n\fdown_revision = '%s'\n" % HIDDEN,
    "fstrings": "def upgrade():\n    return f\"{revision!r:>4}\"\n"
                "x = f\"{{down_revision}} {1 + 2:>4} caf\u00e9\"\n",
    "semicolons": "x = 1; depends_on = ('%s',)\n" % HIDDEN,
    "utf8_cookie": b"# -*- coding: utf-8 -*-\n" + HEAD.encode(),
    "globals_call_in_def": "def upgrade(engine_name: str) -> None:\n"
                           "    globals()['upgrade_%s' % engine_name]()\n",
}

PROBE = r"""
import json, runpy, sys
sys.path.insert(0, sys.argv[2])
g = runpy.run_path(sys.argv[1])
def norm(v):
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    if isinstance(v, (tuple, list)) and all(isinstance(x, str) for x in v):
        return list(v)
    return repr(v)
# Alembic reads branch_labels and depends_on with getattr(m, k, None).
out = {k: norm(g.get(k)) for k in ("branch_labels", "depends_on")}
out["down_revision"] = norm(g["down_revision"]) if "down_revision" in g \
    else "<unbound>"
r = g.get("revision")
out["revision"] = r if isinstance(r, str) else repr(r)
print(json.dumps(out))
"""

n = 0
failed = 0


def tap(good, what, why=""):
    global n, failed
    n += 1
    if not good:
        failed += 1
    print("%s %d - %s" % ("ok" if good else "not ok", n, what))
    if not good and why:
        for line in why.splitlines()[:20]:
            print("# " + line)


def python_view(path, scratch):
    python = os.environ.get("PYTHON", "/usr/bin/python3")
    p = subprocess.run([python, "-c", PROBE, path, scratch],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        return {"error": p.stderr.strip().splitlines()[-1:]}
    return json.loads(p.stdout)


def revguard_view(revguard, tree):
    p = subprocess.run([revguard, "check", "--worktree", tree],
                       capture_output=True, text=True, timeout=30)
    m = re.search(r"^(\S+?):(\d+): error\[parse-error\]: (.*)$", p.stdout,
                  re.M)
    if m:
        return {"parse-error": int(m.group(2)), "message": m.group(3)}
    p = subprocess.run([revguard, "graph", "--format", "json",
                        "--worktree", tree],
                       capture_output=True, text=True, timeout=30)
    revs = json.loads(p.stdout)["revisions"]
    if len(revs) != 1:
        return {"error": p.stdout + p.stderr}
    r = revs[0]
    return {k: r[k] for k in ("revision", "down_revisions", "branch_labels",
                              "depends_on")}


def tree_for(scratch, name, text):
    tree = os.path.join(scratch, name)
    vers = os.path.join(tree, "migrations", "versions")
    os.makedirs(vers, exist_ok=True)
    with open(os.path.join(tree, "alembic.ini"), "w") as f:
        f.write("[alembic]\nscript_location = %(here)s/migrations\n")
    path = os.path.join(vers, "%s_step.py" % REV)
    data = text if isinstance(text, bytes) else text.encode()
    with open(path, "wb") as f:
        f.write(data)
    return tree, path


def same(py, rg):
    return "error" not in py and "error" not in rg and \
        py["revision"] == rg["revision"] and \
        py["down_revision"] == rg["down_revisions"] and \
        py["branch_labels"] == rg["branch_labels"] and \
        py["depends_on"] == rg["depends_on"]


def render(template):
    """Enough of Mako for Alembic's script.py.mako files."""
    values = {
        "message": "add users", "up_revision": REV,
        "down_revision": ("1a2b3c4d5e6f", "2b3c4d5e6f7a"),
        "branch_labels": ("feature",), "depends_on": None,
        "create_date": "2024-06-01 00:00:00",
    }
    text = re.sub(r"<%!?.*?%>", "", open(template).read(), flags=re.S)
    out = []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("##") or s.startswith("%"):
            continue
        line = re.sub(r"\$\{repr\((\w+)\)\}",
                      lambda m: repr(values[m.group(1)]), line)
        line = re.sub(r"\$\{down_revision \| comma,n\}",
                      ", ".join(values["down_revision"]), line)
        line = line.replace("${db_name}", "engine1")
        line = re.sub(r"\$\{(\w+)\}", lambda m: str(values[m.group(1)]),
                      line)
        line = re.sub(r"\$\{[^}]*\}", "pass", line)
        out.append(line)
    return "\n".join(out) + "\n"


def main():
    revguard, scratch = sys.argv[1], sys.argv[2]
    os.makedirs(scratch, exist_ok=True)
    with open(os.path.join(scratch, "bypassmod.py"), "w") as f:
        f.write("down_revision = '%s'\n" % HIDDEN)
    for name, body in BYPASSES.items():
        text = body if isinstance(body, bytes) else HEAD + body
        tree, path = tree_for(scratch, name, text)
        py = python_view(path, scratch)
        rg = revguard_view(revguard, tree)
        tap("error" not in py and py != DECOY,
            "%s: Python sees another graph than the plain lines" % name,
            json.dumps(py))
        tap("parse-error" in rg or same(py, rg),
            "%s: revguard rejects it or reads what Python sees" % name,
            "python:   %s\nrevguard: %s" % (json.dumps(py), json.dumps(rg)))
    for name, body in LEGAL.items():
        text = body if isinstance(body, bytes) else HEAD + body
        tree, path = tree_for(scratch, name, text)
        py = python_view(path, scratch)
        rg = revguard_view(revguard, tree)
        tap(same(py, rg), "%s: legal module read as Python sees it" % name,
            "python:   %s\nrevguard: %s" % (json.dumps(py), json.dumps(rg)))
    for template in sorted(glob.glob(
            "/usr/lib/python3/dist-packages/alembic/templates/*/"
            "script.py.mako")):
        kind = template.split("/")[-2]
        tree, path = tree_for(scratch, "template-" + kind, render(template))
        py = python_view(path, scratch)
        rg = revguard_view(revguard, tree)
        tap(same(py, rg), "alembic template %s read as Python sees it" % kind,
            "python:   %s\nrevguard: %s" % (json.dumps(py), json.dumps(rg)))
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
