/*
 * strvec: a growable array of owned C strings, and a few string helpers
 * used across the core.  A strvec owns every string it holds; strvec_free
 * releases them all.  Aborts are never used: allocation failure returns -1.
 */
#ifndef REVGUARD_STRVEC_H
#define REVGUARD_STRVEC_H

#include <stdarg.h>
#include <stddef.h>

struct strvec {
	char	**items;
	size_t	  len;
	size_t	  cap;
};

#define STRVEC_INIT { NULL, 0, 0 }

int	 strvec_push(struct strvec *, const char *);
int	 strvec_pushn(struct strvec *, const char *, size_t);
int	 strvec_push_owned(struct strvec *, char *);
int	 strvec_contains(const struct strvec *, const char *);
int	 strvec_copy(struct strvec *, const struct strvec *);
/* Same members, ignoring order and duplicates. */
int	 strvec_same_set(const struct strvec *, const struct strvec *);
/* Joins with sep into a new string; "" for an empty vector. */
char	*strvec_join(const struct strvec *, const char *sep);
void	 strvec_clear(struct strvec *);

/*
 * A set of strings for membership tests in constant time (open
 * addressing over hash_str), where a strvec would be searched once per
 * migration: a 100,000-migration push asks 100,000 times.  It borrows
 * the strings: they must outlive it.  Sized once for at most n adds.
 */
struct strset {
	const char	**slots;
	size_t		  mask;
	size_t		  len, room;
};

#define STRSET_INIT { NULL, 0, 0, 0 }

int	 strset_init(struct strset *, size_t n);
/* Adds s (borrowed); 0, or -1 when the set already holds n strings. */
int	 strset_add(struct strset *, const char *s);
int	 strset_add_all(struct strset *, const struct strvec *);
int	 strset_has(const struct strset *, const char *);
void	 strset_clear(struct strset *);

/*
 * Grows the array *arrayp (any T **, passed as void *) to hold at least
 * need elements of size bytes, doubling *cap so n appends cost O(n).
 * Checks need * size for overflow, as reallocarray(3) does, and keeps
 * it within PTRDIFF_MAX.  0, or -1 (ENOMEM, or EOVERFLOW) with the array
 * and *cap unchanged.
 */
int	 xgrow(void *arrayp, size_t *cap, size_t need, size_t size);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));

/* A growable byte buffer. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
#define BUF_INIT { NULL, 0, 0 }
int	 buf_append(struct buf *, const char *, size_t);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_clear(struct buf *);

#endif
