#!/usr/bin/python3
"""Exact probability that a uniformly random 12-hex-digit revision ID falls
in each placeholder-id family (src/core/placeholder.c), and their sum (the
union bound).  docs/adr/0001-revision-id-policy.md quotes this output.

    python3 bench/placeholder-families.py
"""
from collections import Counter
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


def main():
    fams = [("progression, stride 2 (4 directions)", stride2()),
            ("progression, stride 1 (2 directions)", stride1()),
            ("alternation", alternation()),
            ("class-steps", class_steps()),
            ("few-runs", few_runs()),
            ("few-chars", few_chars())]
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
