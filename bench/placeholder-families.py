#!/usr/bin/python3
"""Exact probability that a uniformly random 12-hex-digit revision ID falls
in each placeholder-id family (src/core/placeholder.c), and their sum (the
union bound).  Families marked (bound) are upper bounds: the number of
ways to write an ID in the family, not of distinct IDs.
docs/adr/0001-revision-id-policy.md quotes this output.

    python3 bench/placeholder-families.py
"""
from collections import Counter
from datetime import date, timedelta
from fractions import Fraction
from itertools import permutations
from math import comb, exp

HEX = "0123456789abcdef"
N = 12
TOTAL = 16 ** N


def step(c, d):
    """One step within the character's class, wrapping (as in C)."""
    if c.isdigit():
        return str((int(c) + d) % 10)
    return chr(97 + (ord(c) - 97 + d) % 26)


def progression_counts(length, strict):
    """Counts of strings of `length` chars by (up links, down links)."""
    alphabet = HEX
    states = Counter({(c, 0, 0): 1 for c in alphabet})
    for _ in range(length - 1):
        nxt = Counter()
        for (c, up, down), w in states.items():
            for b in alphabet:
                eq = 0 if strict else b == c
                nxt[(b, up + (eq or b == step(c, 1)),
                     down + (eq or b == step(c, -1)))] += w
        states = nxt
    out = Counter()
    for (_, up, down), w in states.items():
        out[max(up, down)] += w
    return out


def stride1():
    dist = progression_counts(N, False)
    return Fraction(sum(w for k, w in dist.items() if k >= 10), TOTAL)


def stride2():
    # Even and odd places are independent 6-character chains.
    ph = progression_counts(N // 2, False)
    return Fraction(sum(ph[a] * ph[b] for a in ph for b in ph
                        if a + b >= 9), TOTAL)


def alternation():
    perms = sum(1 for p in permutations(range(6))
                if sum(p[i + 1] == p[i] + 1 for i in range(5)) >= 2)
    digits = 10 * 9 * 8 * 7 * 6 * 5
    return Fraction(2 * perms * digits, TOTAL)


def chain_strict(alphabet, n):
    """Strings of n chars from alphabet counting in single steps, one way."""
    if n <= 1:
        return len(alphabet) ** n
    return sum(1 for c in alphabet for d in (1, -1)
               if all(step_n(c, d, k) in alphabet for k in range(n)))


def step_n(c, d, k):
    for _ in range(k):
        c = step(c, d)
    return c


def class_steps():
    total = 0
    for n_letters in range(2, N - 1):
        n_digits = N - n_letters
        total += (comb(N, n_letters) * chain_strict("abcdef", n_letters) *
                  chain_strict("0123456789", n_digits))
    return Fraction(total, TOTAL)


def few_runs():
    return Fraction(sum(16 * 15 ** (j - 1) * comb(N - 1, j - 1)
                        for j in range(1, 4)), TOTAL)


def few_chars():
    return Fraction(16 + comb(16, 2) * (2 ** N - 2), TOTAL)


def periodic():
    """Some period p <= 6.  With two periods p, q <= 6, p + q - gcd <= 12,
    so (Fine and Wilf) the ID also has period gcd(p, q): every ID with a
    period p has its smallest period m dividing p, 16^p = sum over m | p
    of primitive(m), and Moebius inversion gives primitive(m)."""
    def mu(n):
        res, k = 1, 2
        while k * k <= n:
            if n % k == 0:
                n //= k
                if n % k == 0:
                    return 0
                res = -res
            k += 1
        return -res if n > 1 else res
    prim = {m: sum(mu(m // d) * 16 ** d for d in range(1, m + 1)
                   if m % d == 0) for m in range(1, N // 2 + 1)}
    return Fraction(sum(prim.values()), TOTAL)


def doubled():
    return Fraction(16 ** (N // 2), TOTAL)


# The nine step rules of placeholder.c: within the class, or along 0-9a-f.
RULES = [("class", d) for d in (0, 1, -1, 2, -2)] + \
        [("hex", d) for d in (1, -1, 2, -2)]


def rule_next(c, rule):
    kind, d = rule
    return step(c, d) if kind == "class" else HEX[(HEX.index(c) + d) % 16]


def steps(m):
    """Hex strings of m characters counting by one rule throughout."""
    out = set()
    for c in HEX:
        for rule in RULES:
            s = c
            while len(s) < m and s[-1] in HEX:
                s += rule_next(s[-1], rule)
            if all(ch in HEX for ch in s):
                out.add(s)
    return out


def counter():
    ids = set()
    for w in (2, 3, 4):
        blocks = N // w
        for base, fmt in ((16, "%0*x"), (10, "%0*d")):
            for first in range(base ** w):
                for d in (1, -1, 2, -2):
                    vals = [first + k * d for k in range(blocks)]
                    if base == 16:
                        vals = [v % 16 ** w for v in vals]
                    elif min(vals) < 0 or max(vals) >= 10 ** w:
                        continue
                    ids.add("".join(fmt % (w, v) for v in vals))
    return Fraction(len(ids), TOTAL)


def interleaved():
    return Fraction(len(steps(N // 2)) ** 2, TOTAL)


def shuffled():
    # Per phase: letters a permutation of a-f, digits one of 5 runs.
    return Fraction(2 * 720 * 5 * 720, TOTAL)


WORDS8 = ("deadbeef cafebabe feedface deadc0de baadf00d cafed00d decafbad "
          "facefeed 8badf00d").split()
WORDS6 = ("c0ffee decade facade deface efface accede beaded dec0de bada55 "
          "0ff1ce").split()
WORDS4 = ("dead beef cafe babe face feed fade bead bade c0de f00d d00d 1337 "
          "ba5e 5afe deed").split()


def word():
    """Upper bound: 5 offsets x 9 words, each 16^-8."""
    return Fraction(5 * len(WORDS8) * 16 ** 4, TOTAL)


def pieces_of(m):
    out = steps(m) if m >= 3 else set()
    out |= set(w for w in WORDS4 + WORDS6 + WORDS8 if len(w) == m)
    if m == 4:
        out |= {"00%02d" % i for i in range(100)}
    return out


def pieces():
    """Upper bound: the number of ways to write an ID as 2 or 3 pieces
    (an ID written two ways is counted twice)."""
    size = {m: len(pieces_of(m)) for m in range(3, N)}
    total = sum(size[a] * size[N - a] for a in range(3, N - 2))
    total += sum(size[a] * size[b - a] * size[N - b]
                 for a in range(3, N - 5) for b in range(a + 3, N - 2))
    return Fraction(total, TOTAL)


def dates():
    d, out = date(2000, 1, 1), 0
    while d.year < 2040:
        out += 1
        d += timedelta(days=1)
    return out


def date_family():
    """Upper bound: date + (time or 4-character piece), piece + date."""
    times = {"%02d%02d" % (h, m) for h in range(24) for m in range(0, 60, 5)}
    four = pieces_of(4)
    return Fraction(dates() * (len(four | times) + len(four)), TOTAL)


def main():
    fams = [("progression, stride 2 (4 directions)", stride2()),
            ("progression, stride 1 (2 directions)", stride1()),
            ("alternation", alternation()),
            ("class-steps", class_steps()),
            ("few-runs", few_runs()),
            ("few-chars", few_chars()),
            ("periodic", periodic()),
            ("doubled", doubled()),
            ("counter", counter()),
            ("interleaved", interleaved()),
            ("shuffled-alternation", shuffled()),
            ("word (bound)", word()),
            ("pieces (bound)", pieces()),
            ("date (bound)", date_family())]
    for name, p in fams:
        print(f"{name:40s} {float(p):.4e}")
    union = sum(p for _, p in fams)
    print(f"{'union bound':40s} {float(union):.4e}")
    lam = float(union) * 1e7
    print(f"expected flags in 10,000,000 IDs: {lam:.2f}")
    # Poisson approximation of the measured count exceeding 10 (1e-6).
    term, below = exp(-lam), 0.0
    for k in range(11):
        below += term
        term *= lam / (k + 1)
    print(f"P(more than 10 flagged in 10,000,000): {1 - below:.1e}")


if __name__ == "__main__":
    main()
