#!/usr/bin/python3
"""Differential test: revguard's alembic.ini reader against Alembic's own.

For generated and randomly mutated alembic.ini files (seeded), asks
Alembic 1.8.1 (Config + ScriptDirectory.from_config, through Python's
configparser) which versions directories it would use, and asks the C
core the same through tests/ini_probe.  They must agree:

- Alembic fails (configparser error, interpolation error, bad option):
  revguard reports an error; for configparser's structural errors
  (missing or repeated section header, repeated option, unparsable line)
  on the same line.
- Alembic works but revguard cannot follow it from the repository alone
  (package resource, absolute path or a path that leaves the repository,
  %(here)s in the middle of a path, NUL, non-ASCII option names):
  revguard reports an `unsupported` error.
- Otherwise both give the same directories, relative to the repository.

Alembic runs in the directory of the ini file, as revguard assumes.

usage: ini_differential.py --probe tests/ini_probe [--seed N] [--cases N]
       [--corpus DIR]... [--keep DIR]
"""

import argparse
import configparser
import locale
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import alembic.util
from alembic.config import Config
from alembic.script import ScriptDirectory

INI_REL = "backend/alembic.ini"


class Resource(Exception):
    """coerce_resource_to_filename would import a package."""


def fake_coerce(fname):
    if not os.path.isabs(fname) and ":" in fname:
        raise Resource(fname)
    return fname


CAPTURED = {}


def fake_init(self, dir, file_template=None, truncate_slug_length=None,
              sourceless=False, output_encoding="utf-8",
              version_locations=None, timezone=None, hook_config=None):
    CAPTURED["dir"] = dir
    CAPTURED["version_locations"] = version_locations


alembic.util.coerce_resource_to_filename = fake_coerce
ScriptDirectory.__init__ = fake_init

STRUCTURAL = (configparser.MissingSectionHeaderError,
              configparser.DuplicateSectionError,
              configparser.DuplicateOptionError)


def all_keys(cfg):
    fc = cfg.file_config
    keys = list(fc._defaults)
    for sect in fc._sections.values():
        keys.extend(sect)
    return keys


def reference(path, root):
    """Alembic's answer: ('ok', [dirs]) or (kind, line or None)."""
    inidir = os.path.dirname(path)
    CAPTURED.clear()
    cfg = Config(file_=path)
    try:
        ScriptDirectory.from_config(cfg)
    except STRUCTURAL as e:
        return ("syntax", e.lineno)
    except configparser.ParsingError as e:
        return ("syntax", e.errors[0][0])
    except UnicodeDecodeError:
        return ("syntax", None)
    except Resource:
        return ("unsupported", None)
    except (configparser.Error, alembic.util.CommandError, ValueError):
        return ("alembic", None)
    if any(not k.isascii() for k in all_keys(cfg)):
        return ("unsupported", None)
    # Compiled-only migrations, or sub-directories that Alembic 1.10+
    # reads: revguard refuses to guess.
    if (cfg.get_main_option("sourceless") == "true" or
            cfg.get_main_option("recursive_version_locations") == "true"):
        return ("unsupported", None)
    script = CAPTURED["dir"]
    if script == "" or "\0" in script:
        return ("alembic", None)          # os.access(dir) fails
    vl = CAPTURED["version_locations"]
    locs = vl if vl else [os.path.join(script, "versions")]
    out = []
    for loc in locs:
        if vl and not os.path.isabs(loc) and ":" in loc:
            return ("unsupported", None)    # _version_locations coerces
        if "\0" in loc:
            return ("unsupported", None)
        full = loc if os.path.isabs(loc) else inidir + "/" + loc
        # Where %(here)s lands decides; a checkout path inside the path
        # depends on where the repository lives.
        if full.count(root) != 1 or not (full == root or
                                         full.startswith(root + "/")):
            return ("unsupported", None)
        norm = os.path.normpath(full)
        if norm == root:
            rel = ""
        elif norm.startswith(root + "/"):
            rel = norm[len(root) + 1:]
        else:
            return ("unsupported", None)
        if rel not in out:
            out.append(rel)
    return ("ok", out)


def parse_probe(line):
    f = line.split(" ", 3)
    if f[0] not in ("ok", "error") or (f[0] == "error" and len(f) < 3):
        sys.exit("bad probe line %r" % line)
    if f[0] == "ok":
        f = line.split(" ")
        dirs = []
        for h in f[1:]:
            dirs.append("" if h == "-" else
                        bytes.fromhex(h).decode("utf-8", "surrogateescape"))
        return ("ok", dirs)
    return (f[1], int(f[2]), f[3] if len(f) > 3 else "")


def agree(ref, got):
    if ref[0] == "ok":
        return got[0] == "ok" and got[1] == ref[1]
    if got[0] in ("ok", "nomem"):
        return False
    if ref[0] == "unsupported":
        return got[0] == "unsupported"
    if ref[0] == "syntax" and ref[1] is not None and got[0] == "syntax":
        return got[1] == ref[1]
    return True


# --- generation ------------------------------------------------------

HEADERS = ["alembic", "alembic]x", "DEFAULT", "loggers", "post_write_hooks", " alembic", "ALEMBIC",
           "alembic ", "a]b", "]", "alembic][", "default"]
KEYS = ["script_location", "script_location", "version_locations",
        "version_locations", "version_path_separator", "here",
        "truncate_slug_length", "Script_Location", "SCRIPT_LOCATION ",
        "sqlalchemy.url", "base", "sub", "file_template", "timezone",
        "prepend_sys_path", "", "x", "Base", "\u212aey", "k\u00e9y",
        "VERSION_LOCATIONS"]
PIECES = ["migrations", "db", "db/alembic", "%(here)s", "%(here)s/db",
          "%(base)s", "%(sub)s/m", "%(Base)s", "%(key)s", "%(\u212aey)s",
          "..", "../x", "./m", "a b", "a,b", "a, b", "a ,b", "a:b", "a;b",
          "pkg:migrations", "/abs/m", "%%", "%", "%(", "%(x)", "%(nope)s",
          "v1", "v2", "space", "os", ":", ";", "newline", "colon", "10",
          "1_0", "ten", "%%(rev)s", "", " ", "\u00a0", "\u3000m",
          "%(here)s/../backend/m", "%(here)s%(here)s", "x%(here)s",
          "/%(here)s", "m/", "m//v", "a\u2028b", "\t"]
SEPS = [" = ", "=", ": ", ":", " =", "\t=\t", " : ", "\u00a0=\u00a0"]
INDENTS = ["", "", "", " ", "  ", "\t", "    ", "\u00a0", "\u3000", " \t"]
NEWLINES = ["\n", "\n", "\n", "\r\n", "\r"]
COMMENTS = ["# comment", "; comment", "  # indented", "\t;x", "#[alembic]"]


def gen_value(rng):
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 3)))


def generate(rng):
    lines = []
    if rng.random() < 0.1:
        lines.append(rng.choice(["x = 1", "  ", "# top"]))
    names = rng.sample(HEADERS, rng.randint(1, 4))
    if rng.random() < 0.15:
        names.append(rng.choice(names))     # a repeated section
    for h in names:
        trail = rng.choice(["", "", "", " junk", "]", " # c"])
        lines.append(rng.choice(INDENTS[:5]) + "[" + h + "]" + trail)
        last_option = False
        used = set()
        for _ in range(rng.randint(0, 6)):
            r = rng.random()
            if r < 0.65 or (r < 0.8 and not last_option and
                            rng.random() < 0.9):
                key = rng.choice(KEYS)
                if key == "" and rng.random() < 0.7:
                    key = "x"
                if key.strip().lower() in used and rng.random() < 0.9:
                    continue                # mostly no repeated option
                used.add(key.strip().lower())
                lines.append(rng.choice(INDENTS[:3] if rng.random() < 0.9
                                        else INDENTS) +
                             key + rng.choice(SEPS) + gen_value(rng))
                last_option = True
            elif r < 0.8:
                lines.append(rng.choice(INDENTS[3:]) + gen_value(rng))
            elif r < 0.9:
                lines.append(rng.choice(["", "", " ", "\t"]))
            else:
                lines.append(rng.choice(COMMENTS))
    if rng.random() < 0.7:
        # A well-formed tail makes most files reach the path logic.
        lines.append("[alembic]" if "alembic" not in names else
                     "[alembic]]")
        lines.append("script_location = " + rng.choice(
            ["%(here)s/db", "db", "migrations"]))
    nl = rng.choice(NEWLINES)
    text = nl.join(lines) + rng.choice([nl, ""])
    return text.encode("utf-8")


ALPHABET = (b"[]=:%()s \t\n\r#;,./\\\x00\xc2\xa0\xe2\x80\x83\xff"
            b"hereabc_ALEMBIC")


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.random()
        pos = rng.randint(0, len(data))
        if op < 0.35:
            data[pos:pos] = bytes([rng.choice(ALPHABET)])
        elif op < 0.6 and len(data) > 0:
            del data[min(pos, len(data) - 1)]
        elif op < 0.8 and len(data) > 0:
            data[min(pos, len(data) - 1)] = rng.choice(ALPHABET)
        else:
            lines = bytes(data).split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines.insert(j, lines[i])
            data = bytearray(b"\n".join(lines))
    return bytes(data)


FIXED = [
    # The bypass of issue 6: a second header `[alembic]x]` is another
    # section (SECTCRE is greedy), the first script_location counts.
    b"[alembic]\nscript_location = migrations\n[alembic]x]\n"
    b"script_location = elsewhere\n",
    b"[alembic]\nscript_location = a\n[alembic]\nscript_location = b\n",
    b"[alembic]\nscript_location = a\nSCRIPT_LOCATION = b\n",
    b"[DEFAULT]\nhere = /elsewhere\n[alembic]\nscript_location = %(here)s\n",
    b"[DEFAULT]\nbase = db\n[alembic]\nscript_location = %(base)s/m\n",
    b"[alembic]\nscript_location = m\nversion_locations = a  b,c ,d\n",
    b"[alembic]\nscript_location = m\nversion_locations = a: b\n"
    b"version_path_separator = os\n",
    b"[alembic]\nscript_location = m\nversion_locations = a\n  b\n\n  c\n",
    b"[alembic]\nscript_location = m # not a comment\n",
    b"[alembic]\nscript_location = m\n# c\n  more\n",
    b"[alembic]\r\nscript_location = m\rversion_locations = x\r\n",
    b"[alembic]\nscript_location = %(here)s/../m\n",
    b"[alembic]\nscript_location = 100%%\n",
    b"[alembic]\nscript_location = 100%\n",
    b"[alembic]\nscript_location = %(a)s\na = %(b)s\nb = %(a)s\n",
    b"[alembic]\nscript_location\n",
    b"  [alembic]\n  script_location = m\n",
    b"[alembic]\nscript_location = m\n[post_write_hooks]\nx = %(y)s\n",
    b"[alembic]\nscript_location = m\ntruncate_slug_length = x\n",
]


def cases(seed, n):
    rng = random.Random(seed)
    for data in FIXED:
        yield "fixed", data
    pool = []
    for i in range(n):
        if i % 2 == 0 or not pool:
            data = generate(rng)
            pool.append(data)
            yield "generated", data
        else:
            yield "mutated", mutate(rng, rng.choice(pool))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--probe", required=True)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--cases", type=int, default=3000)
    ap.add_argument("--corpus", action="append", default=[])
    ap.add_argument("--keep", help="copy disagreeing files here")
    args = ap.parse_args()
    enc = locale.getpreferredencoding(False).lower().replace("-", "")
    if enc != "utf8":
        sys.exit("run with PYTHONUTF8=1 (Alembic reads alembic.ini in the "
                 "locale's encoding; revguard assumes UTF-8)")
    start = time.time()
    tmp = tempfile.mkdtemp(prefix="ini-diff-")
    try:
        root = os.path.realpath(os.path.join(tmp, "repo"))
        work = os.path.join(root, os.path.dirname(INI_REL))
        os.makedirs(work)
        todo = list(cases(args.seed, args.cases))
        for d in args.corpus:
            for name in sorted(os.listdir(d)):
                with open(os.path.join(d, name), "rb") as f:
                    todo.append(("corpus", f.read()))
        files, refs = [], []
        for i, (origin, data) in enumerate(todo):
            path = os.path.join(work, "c%05d.ini" % i)
            with open(path, "wb") as f:
                f.write(data)
            files.append(path)
            refs.append(reference(path, root))
        got = []
        for i in range(0, len(files), 500):
            out = subprocess.run([args.probe, INI_REL] + files[i:i + 500],
                                 check=True, stdout=subprocess.PIPE).stdout
            got.extend(parse_probe(l) for l in
                       out.decode("utf-8", "surrogateescape").split("\n")[:-1])
        if len(got) != len(files):
            sys.exit("probe printed %d lines for %d files" %
                     (len(got), len(files)))
        bad = 0
        kinds = {}
        for (origin, data), path, ref, g in zip(todo, files, refs, got):
            kinds[ref[0]] = kinds.get(ref[0], 0) + 1
            if agree(ref, g):
                continue
            bad += 1
            if bad <= 10:
                print("DISAGREE (%s) %r\n  alembic: %r\n  revguard: %r" %
                      (origin, data, ref, g))
            if args.keep:
                os.makedirs(args.keep, exist_ok=True)
                shutil.copy(path, args.keep)
        print("%d files (%s), %d disagreements, %.1f s" %
              (len(files), ", ".join("%s %d" % kv for kv in
                                      sorted(kinds.items())),
               bad, time.time() - start))
        return 1 if bad else 0
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
