/*
 * placeholder: recognises hand-picked revision IDs such as a1b2c3d4e5f6,
 * f9a8b7c6d5e4, e1a2b3c4d5f6, 6c0e5f8a9b1d or k5e6f7g8h9i0.  An ID is
 * flagged when it belongs to one of a few families of shapes people type
 * (docs/adr/0001-revision-id-policy.md), each so rare among uniformly
 * random IDs that all of them together flag a genuine 12-hex-digit ID
 * with probability below 7e-7 (union bound; 1e-6 is the budget).
 *
 *   progression  each character equals, or is one step after or before,
 *                the character one (stride 1) or two (stride 2) places
 *                earlier; at stride 2 the even and the odd places may
 *                count in different directions; scored against
 *                Binomial(links, 1/8) with a 1e-7 budget per direction
 *   alternation  letters and digits strictly alternate, no letter and no
 *                digit repeats, and at least two letters are followed by
 *                their alphabetical successor (12 characters or more)
 *   class-steps  the letters alone and the digits alone each count up or
 *                down in single steps (at least two of each class)
 *   few-runs     at most three runs of one repeated character
 *   few-chars    at most two distinct characters
 *   periodic     repeats its first p characters, p at most half the
 *                length (abcabcabcabc, beefbeefbeef, a1b2c3a1b2c3)
 *   doubled      every character typed twice (aa11bb22cc33)
 *   counter      blocks of 2, 3 or 4 characters counting by 1 or 2 as
 *                hex or decimal numbers (000100020003, 010203040506)
 *   interleaved  the even and the odd places each follow one step rule
 *                (a2b4c6d8e0f2: letters by 1, digits by 2)
 *   shuffled-alternation  letters and digits alternate, each class a
 *                shuffled run of consecutive characters (a1c3e5b2d4f6)
 *   word         contains an 8-character hex word (deadbeef, feedface)
 *   pieces       two or three pieces, each at least 3 characters and
 *                counting by one step rule, a hex word of 4 or 6 or 8
 *                characters, or a number 00NN (1234abcd1234,
 *                13579bdf2468, cafe01234567, c0ffee123456)
 *   date         YYYYMMDD (2000-2039) with a time HHMM (minutes a
 *                multiple of 5) or a 4-character piece (20240601abcd)
 *
 * A step rule goes from each character to the next: the same character,
 * or 1 or 2 steps up or down within its class (digits wrap 9->0, letters
 * z->a), or 1 or 2 steps up or down along 0-9a-f (wrapping f->0).
 *
 * Alternation to date apply to IDs of 12 characters or more only, where
 * their probability is at most its 12-character value; word, pieces and
 * date to IDs of exactly 12 characters (Alembic's), where their count is
 * derived.  Pure: no state, no allocation.
 */
#ifndef REVGUARD_PLACEHOLDER_H
#define REVGUARD_PLACEHOLDER_H

#include <stddef.h>

/* Per-progression false-positive budget; six progressions are tested. */
#define PLACEHOLDER_FP_BUDGET	1e-7
/* Upper bound on one link following a progression in random hex. */
#define PLACEHOLDER_LINK_P	(2.0 / 16.0)
#define PLACEHOLDER_MAX_LEN	128
/* Families other than progressions need this many characters. */
#define PLACEHOLDER_SHAPE_LEN	12

/*
 * Exact probability that a uniformly random 12-hex-digit ID falls in
 * each family (docs/adr/0001-revision-id-policy.md derives them).
 */
#define PLACEHOLDER_P_ALTERNATION	1.5685e-7
#define PLACEHOLDER_P_CLASS_STEPS	7.394e-10
#define PLACEHOLDER_P_FEW_RUNS		7.129e-10
#define PLACEHOLDER_P_FEW_CHARS		1.745e-9
#define PLACEHOLDER_P_PERIODIC		6.356e-8
#define PLACEHOLDER_P_DOUBLED		5.961e-8
#define PLACEHOLDER_P_COUNTER		1.043e-9
#define PLACEHOLDER_P_INTERLEAVED	4.299e-11
#define PLACEHOLDER_P_SHUFFLED		1.842e-8
#define PLACEHOLDER_P_WORD		1.048e-8
#define PLACEHOLDER_P_PIECES		8.900e-8
#define PLACEHOLDER_P_DATE		3.639e-8
/* All families together (union bound; progressions exact at 12). */
#define PLACEHOLDER_P_BOUND		6.354e-7

enum placeholder_family {
	PLACEHOLDER_PROGRESSION,
	PLACEHOLDER_ALTERNATION,
	PLACEHOLDER_CLASS_STEPS,
	PLACEHOLDER_FEW_RUNS,
	PLACEHOLDER_FEW_CHARS,
	PLACEHOLDER_PERIODIC,
	PLACEHOLDER_DOUBLED,
	PLACEHOLDER_COUNTER,
	PLACEHOLDER_INTERLEAVED,
	PLACEHOLDER_SHUFFLED,
	PLACEHOLDER_WORD,
	PLACEHOLDER_PIECES,
	PLACEHOLDER_DATE
};
#define PLACEHOLDER_FAMILIES	13

/* What one piece of a pieces or date ID is. */
enum placeholder_piece_kind {
	PLACEHOLDER_PIECE_STEPS,	/* counts by one step rule */
	PLACEHOLDER_PIECE_WORD,		/* a hex word */
	PLACEHOLDER_PIECE_NUMBER,	/* 00NN */
	PLACEHOLDER_PIECE_DATE,		/* YYYYMMDD */
	PLACEHOLDER_PIECE_TIME		/* HHMM */
};

/* A step rule: step within the character's class, or along 0-9a-f. */
struct placeholder_rule {
	int	 hex;		/* 1 along 0-9a-f, 0 within the class */
	int	 step;		/* -2 .. 2 */
};

struct placeholder_piece {
	enum placeholder_piece_kind kind;
	int	 start, len;
	struct placeholder_rule rule;	/* steps pieces */
};

struct placeholder_match {
	enum placeholder_family	 family;
	int	 stride;	/* progression: 1 neighbours, 2 two apart */
	/* progression: +1 counting up, -1 down; at stride 2 direction is
	 * the even places', direction_odd the odd places'. */
	int	 direction;
	int	 direction_odd;
	int	 links;		/* progression: links that follow it */
	int	 total;		/* progression: links examined */
	int	 count;		/* few-runs: runs; few-chars: characters;
				 * alternation: letter successions;
				 * periodic: period; counter: block width;
				 * pieces, date: pieces; word: its offset */
	double	 probability;	/* bound on a random ID being flagged so */
	/* periodic, counter, pieces, date, shuffled, word: the ID (the
	 * word for word), so the explanation can quote it. */
	char	 text[PLACEHOLDER_MAX_LEN + 1];
	struct placeholder_rule rule[2];	/* interleaved: even, odd;
						 * counter: rule[0] */
	struct placeholder_piece piece[3];	/* pieces, date */
};

/* Returns 1 and fills *why (may be NULL) when id looks hand-picked. */
int	 placeholder_check(const char *id, struct placeholder_match *why);
/* P(X >= k) for X ~ Binomial(n, p). */
double	 placeholder_binomial_tail(int n, int k, double p);
/* Smallest score that flags an ID with n links. */
int	 placeholder_threshold(int n);
/* Short name of a family ("periodic"), for reports and benchmarks. */
const char	*placeholder_family_name(enum placeholder_family);
/* One sentence saying why a flagged ID looks hand-picked, into buf. */
void	 placeholder_explain(const struct placeholder_match *, char *buf,
	    size_t len);

#endif
