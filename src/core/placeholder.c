/*
 * placeholder.c: the hand-picked revision ID detector.  See placeholder.h
 * for the families and docs/adr/0001-revision-id-policy.md for their
 * probabilities.  The progression bound holds because, whatever came
 * before, a uniformly random hex digit equals one given character or its
 * single successor (or predecessor) with probability at most 2/16; so a
 * progression's score on a random ID is dominated by Binomial(links, 1/8),
 * whose tail gives the threshold.  At stride 2 the even and the odd
 * places are disjoint, so choosing a direction for each is four
 * progressions, each with that bound.  For 12-character IDs: 9 of 10
 * links at stride 2, 10 of 11 at stride 1.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "revguard/placeholder.h"

double
placeholder_binomial_tail(int n, int k, double p)
{
	double	 sum = 0.0, term;
	int	 j, i;

	if (k <= 0)
		return 1.0;
	for (j = k; j <= n; j++) {
		term = 1.0;
		/* C(n, j) p^j (1-p)^(n-j), built multiplicatively. */
		for (i = 1; i <= j; i++)
			term *= (double)(n - j + i) / (double)i * p;
		for (i = 0; i < n - j; i++)
			term *= 1.0 - p;
		sum += term;
	}
	return sum;
}

/*
 * Walks the tail down from P(X = n), adding one term at a time, so the
 * threshold costs O(n) on the per-ID path.
 */
int
placeholder_threshold(int n)
{
	const double	 p = PLACEHOLDER_LINK_P;
	double		 term = 1.0, sum;
	int		 j;

	for (j = 0; j < n; j++)
		term *= p;
	sum = term;
	if (n <= 0 || sum > PLACEHOLDER_FP_BUDGET)
		return n + 1;	/* too short to tell */
	for (j = n; j > 1; j--) {
		/* term(j-1) = term(j) * j / (n - j + 1) * (1 - p) / p */
		term *= (double)j / (double)(n - j + 1) * (1.0 - p) / p;
		if (sum + term > PLACEHOLDER_FP_BUDGET)
			return j;
		sum += term;
	}
	return 1;
}

/*
 * Since P(X >= k) >= p^k and (1/8)^7 > 1e-7, no threshold is below 8:
 * IDs with fewer progression links are settled without the tail sum.
 */
#define PLACEHOLDER_MIN_LINKS	8

/* Steps c by direction within its class (digit, lower, upper), wrapping. */
static int
step(int c, int direction)
{
	if (c >= '0' && c <= '9')
		return '0' + (c - '0' + 10 + direction) % 10;
	if (c >= 'a' && c <= 'z')
		return 'a' + (c - 'a' + 26 + direction) % 26;
	if (c >= 'A' && c <= 'Z')
		return 'A' + (c - 'A' + 26 + direction) % 26;
	return -1;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_letter(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Which directions a link from a to b follows: bit 0 up (b is a or one
 * step after it in its class), bit 1 down.  The same as comparing b with
 * step(a, 1) and step(a, -1), without the divisions: it runs on every
 * link of every ID.
 */
static int
link_dirs(int a, int b)
{
	int	 lo, size, d;

	if (a >= '0' && a <= '9')
		lo = '0', size = 10;
	else if (a >= 'a' && a <= 'z')
		lo = 'a', size = 26;
	else if (a >= 'A' && a <= 'Z')
		lo = 'A', size = 26;
	else
		return 0;
	/* Branch-free below: on random IDs these tests are coin flips. */
	d = b - a;
	d += (d < 0) * size;
	return ((b >= lo) & (b < lo + size)) *
	    ((d == 0) * 3 | (d == 1) | (d == size - 1) << 1);
}

/*
 * Progressions at one stride.  Stride 1 has one direction for the whole
 * ID; stride 2 takes the better direction for the even and for the odd
 * places separately (f9a8b7c6d5e4: letters up, digits down).
 */
static int
check_progression(const char *id, int len, int stride,
    struct placeholder_match *why)
{
	int	 up[2] = { 0, 0 }, down[2] = { 0, 0 }, dir[2], n, i, ph;
	int	 links, k, misses;

	n = len - stride;
	for (i = 0, misses = 0; i < n; i++) {
		ph = stride == 2 ? i % 2 : 0;
		k = link_dirs((unsigned char)id[i],
		    (unsigned char)id[i + stride]);
		up[ph] += k & 1;
		down[ph] += k >> 1;
		/* A link following neither direction misses in all of them;
		 * random IDs stop here after three or four links. */
		if (k == 0 && ++misses > n - PLACEHOLDER_MIN_LINKS)
			return 0;
	}
	for (ph = 0; ph < 2; ph++)
		dir[ph] = up[ph] >= down[ph] ? 1 : -1;
	links = (dir[0] > 0 ? up[0] : down[0]) + (dir[1] > 0 ? up[1] : down[1]);
	if (links < PLACEHOLDER_MIN_LINKS || links < placeholder_threshold(n))
		return 0;
	if (why != NULL) {
		why->family = PLACEHOLDER_PROGRESSION;
		why->stride = stride;
		why->direction = dir[0];
		why->direction_odd = stride == 2 ? dir[1] : dir[0];
		why->links = links;
		why->total = n;
		why->probability = placeholder_binomial_tail(n, links,
		    PLACEHOLDER_LINK_P);
	}
	return 1;
}

/*
 * Strict letter/digit alternation with no letter and no digit repeated,
 * and at least two letters followed by their alphabetical successor
 * (e1a2b3c4d5f6, a8f3b2c1d4e5, 6c0e5f8a9b1d).  In random 12-hex IDs the
 * letters of such a shape are a permutation of a-f, and only 146 of the
 * 720 permutations have two successions.
 */
static int
check_alternation(const char *id, int len, int *successions)
{
	unsigned long long	 seen[2] = { 0, 0 };
	int			 i, prev_letter = -1, c;

	*successions = 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)id[i];
		if (!is_digit(c) && !is_letter(c))
			return 0;
		if (i > 0 && is_digit(c) == is_digit((unsigned char)id[i - 1]))
			return 0;
		/* c is alphanumeric, below 128 */
		if (seen[c >> 6] & (1ULL << (c & 63)))
			return 0;
		seen[c >> 6] |= 1ULL << (c & 63);
		if (is_letter(c)) {
			if (prev_letter != -1 && c == step(prev_letter, 1))
				(*successions)++;
			prev_letter = c;
		}
	}
	return *successions >= 2;
}

/*
 * The letters alone and the digits alone each count in single steps
 * (one direction per class, no repeats): abc123def456, 12ab34cd56ef.
 */
static int
check_class_steps(const char *id, int len)
{
	int	 last[2] = { -1, -1 }, dir[2] = { 0, 0 }, count[2] = { 0, 0 };
	int	 i, c, k, d;

	for (i = 0; i < len; i++) {
		c = (unsigned char)id[i];
		if (!is_digit(c) && !is_letter(c))
			return 0;
		k = is_digit(c);
		if (last[k] != -1) {
			d = c == step(last[k], 1) ? 1 :
			    c == step(last[k], -1) ? -1 : 0;
			if (d == 0 || (dir[k] != 0 && d != dir[k]))
				return 0;
			dir[k] = d;
		}
		last[k] = c;
		count[k]++;
	}
	return count[0] >= 2 && count[1] >= 2;
}

/* Runs of one repeated character (aaaa1111bbbb has 3). */
static int
count_runs(const char *id, int len)
{
	int	 i, runs = len > 0;

	for (i = 1; i < len; i++)
		runs += id[i] != id[i - 1];
	return runs;
}

static int
count_distinct(const char *id, int len)
{
	unsigned long long	 seen[4] = { 0, 0, 0, 0 }, bit;
	int			 i, c, n = 0;

	for (i = 0; i < len; i++) {
		c = (unsigned char)id[i];
		bit = 1ULL << (c & 63);
		if (!(seen[c >> 6] & bit))
			n++;
		seen[c >> 6] |= bit;
	}
	return n;
}

/* Value + 1 of each lowercase hex digit, 0 for anything else. */
static const unsigned char hex_plus_one[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16
};

/* Value of a lowercase hex digit, -1 for anything else. */
static int
hex_value(int c)
{
	return (int)hex_plus_one[c & 255] - 1;
}

/*
 * The nine step rules, in the order of the bits of link_mask.  Each
 * sends a character to one next character, so a string of any length
 * counting by one rule is fixed by its first character: at most 16 x 9
 * hex strings (fewer, as rules coincide; placeholder-families.py counts
 * them).
 */
static const struct placeholder_rule rules[] = {
	{ 0, 0 }, { 0, 1 }, { 0, -1 }, { 0, 2 }, { 0, -2 },
	{ 1, 1 }, { 1, -1 }, { 1, 2 }, { 1, -2 }
};
#define RULE_COUNT	(int)(sizeof(rules) / sizeof(rules[0]))
#define RULE_ALL	((1u << RULE_COUNT) - 1)

/* Rule bits of a step within the class, by (b - a) mod 10 or 26, and
 * along 0-9a-f, by (b - a) mod 16. */
static const unsigned short digit_bits[10] = { 1u << 0, 1u << 1, 1u << 3,
	0, 0, 0, 0, 0, 1u << 4, 1u << 2 };
static const unsigned short letter_bits[26] = { 1u << 0, 1u << 1,
	1u << 3, [24] = 1u << 4, [25] = 1u << 2 };
static const unsigned short hex_bits[16] = { [1] = 1u << 5,
	[15] = 1u << 6, [2] = 1u << 7, [14] = 1u << 8 };

/* The rules that send a to b, as a bit mask over rules[]. */
static unsigned
link_mask(int a, int b)
{
	unsigned	 m = 0;
	int		 va = hex_value(a), vb = hex_value(b);

	if (is_digit(a) && is_digit(b))
		m = digit_bits[(b - a + 10) % 10];
	else if ((a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z') ||
	    (a >= 'A' && a <= 'Z' && b >= 'A' && b <= 'Z'))
		m = letter_bits[(b - a + 26) % 26];
	if (va >= 0 && vb >= 0)
		m |= hex_bits[(vb - va) & 15];
	return m;
}

/* Lowest rule in mask (non-zero). */
static struct placeholder_rule
first_rule(unsigned mask)
{
	int	 r = 0;

	while (!(mask & (1u << r)))
		r++;
	return rules[r];
}

/* Smallest p <= len / 2 such that id repeats every p characters, or 0. */
static int
check_periodic(const char *id, int len)
{
	int	 p, i;

	for (p = 1; p <= len / 2; p++) {
		for (i = p; i < len && id[i] == id[i - p]; i++)
			;
		if (i == len)
			return p;
	}
	return 0;
}

static int
check_doubled(const char *id, int len)
{
	int	 i;

	if (len % 2)
		return 0;
	for (i = 0; i < len; i += 2)
		if (id[i] != id[i + 1])
			return 0;
	return 1;
}

/* Value of id[0..w) as a hex (base 16) or decimal number, -1 if not. */
static long
block_value(const char *id, int w, int base)
{
	long	 v = 0;
	int	 i, d;

	for (i = 0; i < w; i++) {
		d = hex_value((unsigned char)id[i]);
		if (d < 0 || d >= base)
			return -1;
		v = v * base + d;
	}
	return v;
}

/*
 * Blocks of w characters (three or more) counting by 1 or 2 up or down,
 * as hex numbers modulo 16^w or as zero-padded decimal numbers: the
 * first block and the rule fix the ID, 8 x 16^w IDs at most per width.
 * Inlined with a constant w, so the divisions by w compile away.
 */
static inline int
check_counter_w(const char *id, int len, int w,
    struct placeholder_rule *rule)
{
	long	 v, prev, first, mask, step, base;
	int	 k;

	if (len % w || len / w < 3)
		return 0;
	/* The last characters of the first two blocks differ by 1 or 2
	 * (mod 10 or 16) in any counter: most IDs stop here. */
	if (!(link_mask((unsigned char)id[w - 1],
	    (unsigned char)id[2 * w - 1]) & 0x1fe))
		return 0;
	for (base = 10; base <= 16; base += 6) {
		mask = base == 16 ? (1L << (4 * w)) - 1 : -1;
		if ((first = block_value(id, w, (int)base)) < 0 ||
		    (v = block_value(id + w, w, (int)base)) < 0)
			continue;
		step = (v - first) & mask;
		if (base == 16 && step > 2)
			step -= mask + 1;
		if (step == 0 || step < -2 || step > 2)
			continue;
		for (k = 2, prev = v; k < len / w; k++, prev = v) {
			v = block_value(id + k * w, w, (int)base);
			if (v < 0 || ((v - prev - step) & mask) != 0)
				break;
		}
		if (k == len / w) {
			rule->hex = base == 16;
			rule->step = (int)step;
			return w;
		}
	}
	return 0;
}

static int
check_counter(const char *id, int len, struct placeholder_rule *rule)
{
	int	 w;

	if ((w = check_counter_w(id, len, 2, rule)) != 0 ||
	    (w = check_counter_w(id, len, 3, rule)) != 0 ||
	    (w = check_counter_w(id, len, 4, rule)) != 0)
		return w;
	return 0;
}

/* The even and the odd places each follow one step rule throughout. */
static int
check_interleaved(const char *id, int len, struct placeholder_rule *rule)
{
	unsigned	 m[2] = { RULE_ALL, RULE_ALL };
	int		 i;

	for (i = 0; i + 2 < len; i++)
		if ((m[i % 2] &= link_mask((unsigned char)id[i],
		    (unsigned char)id[i + 2])) == 0)
			return 0;
	rule[0] = first_rule(m[0]);
	rule[1] = first_rule(m[1]);
	return 1;
}

/*
 * Strict alternation whose letters are a shuffled run of consecutive
 * letters and whose digits a shuffled run of consecutive digits, each
 * once (a1c3e5b2d4f6: a-f and 1-6).  In 12 hex characters the letters
 * are then a permutation of a-f and the digits one of 0-5 ... 4-9.
 */
static int
check_shuffled(const char *id, int len, char range[4])
{
	unsigned long long	 seen[2] = { 0, 0 };
	int			 lo[2] = { 256, 256 }, hi[2] = { -1, -1 };
	int			 n[2] = { 0, 0 }, i, c, k;

	for (i = 0; i < len; i++) {
		c = (unsigned char)id[i];
		if (!is_digit(c) && !is_letter(c))
			return 0;
		k = is_digit(c);
		if (i > 0 && k == is_digit((unsigned char)id[i - 1]))
			return 0;
		/* c is alphanumeric, below 128 */
		if (seen[c >> 6] & (1ULL << (c & 63)))
			return 0;
		seen[c >> 6] |= 1ULL << (c & 63);
		lo[k] = c < lo[k] ? c : lo[k];
		hi[k] = c > hi[k] ? c : hi[k];
		n[k]++;
	}
	if (hi[0] - lo[0] != n[0] - 1 || hi[1] - lo[1] != n[1] - 1)
		return 0;
	if ((lo[0] >= 'a') != (hi[0] >= 'a'))
		return 0;	/* a run across cases, Z..a, is no run */
	range[0] = (char)lo[0];
	range[1] = (char)hi[0];
	range[2] = (char)lo[1];
	range[3] = (char)hi[1];
	return 1;
}

/*
 * Hex words people type.  The 8-character ones are caught anywhere in a
 * 12-character ID (5 offsets, 16^-8 each); the shorter ones only as
 * pieces (check_pieces), where the rest of the ID is constrained too.
 */
static const char words8[][8] = { "deadbeef", "cafebabe", "feedface",
	"deadc0de", "baadf00d", "cafed00d", "decafbad", "facefeed",
	"8badf00d" };
static const char words6[][8] = { "c0ffee", "decade", "facade",
	"deface", "efface", "accede", "beaded", "dec0de", "bada55",
	"0ff1ce" };
static const char words4[][8] = { "dead", "beef", "cafe", "babe",
	"face", "feed", "fade", "bead", "bade", "c0de", "f00d", "d00d",
	"1337", "ba5e", "5afe", "deed" };
#define COUNT(a)	(sizeof(a) / sizeof((a)[0]))

/* Compares whole words as 8-byte integers, the lists padded with NULs
 * to 8 bytes: no data-dependent branch until a word matches. */
#define WORD_IN(list, n, s) do {					\
	unsigned long long	 x_ = 0, w_;				\
	size_t			 i_;					\
									\
	memcpy(&x_, (s), (n));						\
	for (i_ = 0; i_ < COUNT(list); i_++) {				\
		memcpy(&w_, (list)[i_], 8);				\
		if (w_ == x_)						\
			return 1;					\
	}								\
	return 0;							\
} while (0)

static int
is_word(const char *s, int len)
{
	switch (len) {
	case 4:
		WORD_IN(words4, 4, s);
	case 6:
		WORD_IN(words6, 6, s);
	case 8:
		WORD_IN(words8, 8, s);
	}
	return 0;
}

static int
check_word(const char *id, int len)
{
	int	 i;

	for (i = 0; i + 8 <= len; i++)
		switch (id[i]) {
		case '8': case 'b': case 'c': case 'd': case 'f':
			/* the first characters of words8 */
			if (is_word(id + i, 8))
				return i;
		}
	return -1;
}

/*
 * Classifies id[start..start+len) as a piece: counting by one step rule
 * (3 characters or more), a hex word, or a number 00NN.  mask holds the
 * rules of each neighbouring link.
 */
static int
piece_at(const char *id, const unsigned *mask, int start, int len,
    struct placeholder_piece *p)
{
	unsigned	 m = RULE_ALL;
	int		 i;

	p->start = start;
	p->len = len;
	for (i = start; i < start + len - 1 && m != 0; i++)
		m &= mask[i];
	if (len >= 3 && m != 0) {
		p->kind = PLACEHOLDER_PIECE_STEPS;
		p->rule = first_rule(m);
		return 1;
	}
	if (is_word(id + start, len)) {
		p->kind = PLACEHOLDER_PIECE_WORD;
		return 1;
	}
	if (len == 4 && id[start] == '0' && id[start + 1] == '0' &&
	    is_digit((unsigned char)id[start + 2]) &&
	    is_digit((unsigned char)id[start + 3])) {
		p->kind = PLACEHOLDER_PIECE_NUMBER;
		return 1;
	}
	return 0;
}

/* Whether some piece (piece_at) could start at id[0]. */
static int
may_start_piece(const char *id)
{
	return (link_mask((unsigned char)id[0], (unsigned char)id[1]) &
	    link_mask((unsigned char)id[1], (unsigned char)id[2])) != 0 ||
	    (id[0] == '0' && id[1] == '0') || is_word(id, 4) ||
	    is_word(id, 6) || is_word(id, 8);
}

/*
 * Two or three pieces of 3 characters or more (12-character IDs), the
 * fewest pieces found first.  Every split starts with a piece at 0, so a
 * random ID, whose first characters rarely count by a rule or start a
 * word, costs seven prefix checks.
 */
static int
check_pieces(const char *id, const unsigned *mask,
    struct placeholder_piece *p)
{
	unsigned	 prefixes = 0;
	int		 a, b;

	for (a = 3; a <= 9; a++)
		if (piece_at(id, mask, 0, a, &p[0]))
			prefixes |= 1u << a;
	for (a = 9; a >= 3; a--)
		if ((prefixes & (1u << a)) &&
		    piece_at(id, mask, a, 12 - a, &p[1]))
			goto two;
	for (a = 6; a >= 3; a--)
		for (b = 9; b >= a + 3; b--)
			if ((prefixes & (1u << a)) &&
			    piece_at(id, mask, a, b - a, &p[1]) &&
			    piece_at(id, mask, b, 12 - b, &p[2])) {
				piece_at(id, mask, 0, a, &p[0]);
				return 3;
			}
	return 0;
two:
	piece_at(id, mask, 0, a, &p[0]);
	return 2;
}

/* YYYYMMDD with 2000 <= YYYY <= 2039 and a day of that month. */
static int
is_date(const char *s)
{
	static const int days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };
	int	 i, y, m, d;

	if (s[0] != '2' || s[1] != '0' || s[2] < '0' || s[2] > '3')
		return 0;
	for (i = 3; i < 8; i++)
		if (!is_digit((unsigned char)s[i]))
			return 0;
	y = 2000 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[4] - '0') * 10 + (s[5] - '0');
	d = (s[6] - '0') * 10 + (s[7] - '0');
	if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return 0;
	return m != 2 || d < 29 || y % 4 == 0;	/* 2000 is a leap year */
}

/* HHMM, minutes a multiple of 5. */
static int
is_time(const char *s)
{
	int	 i;

	for (i = 0; i < 4; i++)
		if (!is_digit((unsigned char)s[i]))
			return 0;
	return (s[0] - '0') * 10 + (s[1] - '0') < 24 && s[2] < '6' &&
	    (s[3] == '0' || s[3] == '5');
}

/* A date followed by a time or a piece, or a piece followed by a date. */
static int
check_date(const char *id, const unsigned *mask,
    struct placeholder_piece *p)
{
	if (is_date(id)) {
		p[0].kind = PLACEHOLDER_PIECE_DATE;
		p[0].start = 0;
		p[0].len = 8;
		if (is_time(id + 8)) {
			p[1].kind = PLACEHOLDER_PIECE_TIME;
			p[1].start = 8;
			p[1].len = 4;
			return 1;
		}
		if (piece_at(id, mask, 8, 4, &p[1]))
			return 1;
	}
	if (is_date(id + 4) && piece_at(id, mask, 0, 4, &p[0])) {
		p[1].kind = PLACEHOLDER_PIECE_DATE;
		p[1].start = 4;
		p[1].len = 8;
		return 1;
	}
	return 0;
}

static void
set_shape(struct placeholder_match *why, enum placeholder_family family,
    int count, double probability)
{
	if (why == NULL)
		return;
	memset(why, 0, sizeof(*why));
	why->family = family;
	why->count = count;
	why->probability = probability;
}

/* Families with a constant probability; their order decides which one
 * explains an ID that several catch. */
static int
check_shapes(const char *id, int len, struct placeholder_match *why)
{
	struct placeholder_rule	 rule[2] = { { 0, 0 }, { 0, 0 } };
	struct placeholder_piece piece[3];
	enum placeholder_family	 family;
	unsigned		 mask[PLACEHOLDER_SHAPE_LEN];
	const char		*text = id;
	char			 range[4];
	double			 p;
	int			 n, i, text_len = len;

	if (check_alternation(id, len, &n)) {
		set_shape(why, PLACEHOLDER_ALTERNATION, n,
		    PLACEHOLDER_P_ALTERNATION);
		return 1;
	}
	if (check_class_steps(id, len)) {
		set_shape(why, PLACEHOLDER_CLASS_STEPS, 0,
		    PLACEHOLDER_P_CLASS_STEPS);
		return 1;
	}
	if ((n = count_runs(id, len)) <= 3) {
		set_shape(why, PLACEHOLDER_FEW_RUNS, n,
		    PLACEHOLDER_P_FEW_RUNS);
		return 1;
	}
	if ((n = count_distinct(id, len)) <= 2) {
		set_shape(why, PLACEHOLDER_FEW_CHARS, n,
		    PLACEHOLDER_P_FEW_CHARS);
		return 1;
	}
	memset(piece, 0, sizeof(piece));
	family = PLACEHOLDER_PERIODIC;
	p = PLACEHOLDER_P_PERIODIC;
	if ((n = check_periodic(id, len)) != 0)
		goto found;
	family = PLACEHOLDER_DOUBLED;
	p = PLACEHOLDER_P_DOUBLED;
	if (check_doubled(id, len))
		goto found;
	family = PLACEHOLDER_COUNTER;
	p = PLACEHOLDER_P_COUNTER;
	if ((n = check_counter(id, len, &rule[0])) != 0)
		goto found;
	family = PLACEHOLDER_INTERLEAVED;
	p = PLACEHOLDER_P_INTERLEAVED;
	if (check_interleaved(id, len, rule))
		goto found;
	family = PLACEHOLDER_SHUFFLED;
	p = PLACEHOLDER_P_SHUFFLED;
	text = range;
	text_len = 4;
	if (check_shuffled(id, len, range))
		goto found;
	if (len != PLACEHOLDER_SHAPE_LEN)
		return 0;
	family = PLACEHOLDER_WORD;
	p = PLACEHOLDER_P_WORD;
	if ((n = check_word(id, len)) >= 0) {
		text = id + n;
		text_len = 8;
		goto found;
	}
	text = id;
	text_len = len;
	/* Pieces start at 0, dates at 0 or 4: most IDs start with neither
	 * and skip the link masks. */
	if (!may_start_piece(id) && !(id[0] == '2' && id[1] == '0') &&
	    !(id[4] == '2' && id[5] == '0'))
		return 0;
	for (i = 0; i + 1 < len; i++)
		mask[i] = link_mask((unsigned char)id[i],
		    (unsigned char)id[i + 1]);
	family = PLACEHOLDER_PIECES;
	p = PLACEHOLDER_P_PIECES;
	if ((n = check_pieces(id, mask, piece)) != 0)
		goto found;
	family = PLACEHOLDER_DATE;
	p = PLACEHOLDER_P_DATE;
	n = 2;
	if (check_date(id, mask, piece))
		goto found;
	return 0;
found:
	if (why == NULL)
		return 1;
	set_shape(why, family, n, p);
	memcpy(why->text, text, (size_t)text_len);
	memcpy(why->rule, rule, sizeof(rule));
	memcpy(why->piece, piece, sizeof(piece));
	return 1;
}

int
placeholder_check(const char *id, struct placeholder_match *why)
{
	size_t	 len = strlen(id);

	if (len < 3 || len > PLACEHOLDER_MAX_LEN)
		return 0;
	if (check_progression(id, (int)len, 2, why) ||
	    check_progression(id, (int)len, 1, why))
		return 1;
	if (len < PLACEHOLDER_SHAPE_LEN)
		return 0;
	return check_shapes(id, (int)len, why);
}

const char *
placeholder_family_name(enum placeholder_family family)
{
	static const char *const names[PLACEHOLDER_FAMILIES] = {
		"progression", "alternation", "class-steps", "few-runs",
		"few-chars", "periodic", "doubled", "counter", "interleaved",
		"shuffled-alternation", "word", "pieces", "date" };

	if ((int)family < 0 || family >= PLACEHOLDER_FAMILIES)
		return "unknown";
	return names[family];
}

static const char *
direction_word(int direction)
{
	return direction > 0 ? "up" : "down";
}

/* Appends to buf[*off..len), keeping buf terminated when it fills. */
static void
append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off = *off + (size_t)n < len ? *off + (size_t)n : len;
}

/* "repeat one character", "count up by 2", "count down by 1 along
 * 0-9a-f"; with ing: "one character repeated", "counting up by 2". */
static void
append_rule(char *buf, size_t len, size_t *off,
    const struct placeholder_rule *r, int ing)
{
	if (r->step == 0)
		append(buf, len, off, ing ? "one character repeated" :
		    "repeat one character");
	else
		append(buf, len, off, "%s %s by %d%s", ing ? "counting" :
		    "count", direction_word(r->step),
		    r->step > 0 ? r->step : -r->step,
		    r->hex ? " along 0-9a-f" : "");
}

static void
explain_pieces(const struct placeholder_match *why, char *buf, size_t len)
{
	const struct placeholder_piece	*p;
	size_t				 off = 0;
	int				 i;

	append(buf, len, &off, "it is made of %d pieces people type:",
	    why->count);
	for (i = 0; i < why->count && i < 3; i++) {
		p = &why->piece[i];
		append(buf, len, &off, "%s %.*s (", i ? "," : "", p->len,
		    why->text + p->start);
		switch (p->kind) {
		case PLACEHOLDER_PIECE_STEPS:
			append_rule(buf, len, &off, &p->rule, 1);
			break;
		case PLACEHOLDER_PIECE_WORD:
			append(buf, len, &off, "a hex word");
			break;
		case PLACEHOLDER_PIECE_NUMBER:
			append(buf, len, &off, "a small number");
			break;
		case PLACEHOLDER_PIECE_DATE:
			append(buf, len, &off, "a date");
			break;
		case PLACEHOLDER_PIECE_TIME:
			append(buf, len, &off, "a time of day");
			break;
		}
		append(buf, len, &off, ")");
	}
}

static void
explain_counter(const struct placeholder_match *why, char *buf,
    size_t len)
{
	size_t	 off = 0;
	int	 w = why->count, k, n = (int)strlen(why->text) / w;
	int	 step = why->rule[0].step;

	append(buf, len, &off, "its blocks of %d characters count %s by %d "
	    "as %s numbers:", w, direction_word(step), step > 0 ? step : -step,
	    why->rule[0].hex ? "hex" : "decimal");
	for (k = 0; k < n && k < 6; k++)
		append(buf, len, &off, "%s %.*s", k ? "," : "", w,
		    why->text + k * w);
	if (k < n)
		append(buf, len, &off, ", ...");
}

void
placeholder_explain(const struct placeholder_match *why, char *buf,
    size_t len)
{
	size_t	 off = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	switch (why->family) {
	case PLACEHOLDER_PROGRESSION:
		if (why->stride == 1 || why->direction == why->direction_odd)
			snprintf(buf, len, "in %d of %d places, %s repeat or "
			    "count %s", why->links, why->total,
			    why->stride == 1 ? "neighbouring characters" :
			    "characters two apart",
			    direction_word(why->direction));
		else
			snprintf(buf, len, "in %d of %d places, characters "
			    "two apart repeat or count %s in the even places "
			    "and %s in the odd ones", why->links, why->total,
			    direction_word(why->direction),
			    direction_word(why->direction_odd));
		break;
	case PLACEHOLDER_ALTERNATION:
		snprintf(buf, len, "letters and digits alternate, none "
		    "repeats, and %d times a letter is followed by the next "
		    "letter of the alphabet", why->count);
		break;
	case PLACEHOLDER_CLASS_STEPS:
		snprintf(buf, len, "its letters and its digits each count in "
		    "single steps");
		break;
	case PLACEHOLDER_FEW_RUNS:
		snprintf(buf, len, "it is only %d run%s of one repeated "
		    "character", why->count, why->count == 1 ? "" : "s");
		break;
	case PLACEHOLDER_FEW_CHARS:
		snprintf(buf, len, "it uses only %d distinct characters",
		    why->count);
		break;
	case PLACEHOLDER_PERIODIC:
		snprintf(buf, len, "it repeats %.*s every %d character%s",
		    why->count, why->text, why->count,
		    why->count == 1 ? "" : "s");
		break;
	case PLACEHOLDER_DOUBLED:
		snprintf(buf, len, "every character is typed twice");
		break;
	case PLACEHOLDER_COUNTER:
		explain_counter(why, buf, len);
		break;
	case PLACEHOLDER_INTERLEAVED:
		append(buf, len, &off, "the characters in the even places ");
		append_rule(buf, len, &off, &why->rule[0], 0);
		append(buf, len, &off, " and those in the odd places ");
		append_rule(buf, len, &off, &why->rule[1], 0);
		break;
	case PLACEHOLDER_SHUFFLED:
		snprintf(buf, len, "letters and digits alternate, and the "
		    "letters (%c-%c) and the digits (%c-%c) are each a "
		    "shuffled run of consecutive characters", why->text[0],
		    why->text[1], why->text[2], why->text[3]);
		break;
	case PLACEHOLDER_WORD:
		snprintf(buf, len, "it contains the hex word %s", why->text);
		break;
	case PLACEHOLDER_PIECES:
	case PLACEHOLDER_DATE:
		explain_pieces(why, buf, len);
		break;
	}
}
