/*
 * strvec.c: owned string vectors, byte buffers and allocation helpers for
 * the pure core.  Nothing here performs I/O.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/hash.h"
#include "revguard/strvec.h"

int
xgrow(void *arrayp, size_t *cap, size_t need, size_t size)
{
	void	*old, *new;
	size_t	 ncap;

	if (need <= *cap)
		return 0;
	/* No object may exceed PTRDIFF_MAX bytes (pointer differences). */
	if (size == 0 || need > PTRDIFF_MAX / size) {
		errno = EOVERFLOW;
		return -1;
	}
	ncap = *cap > 0 ? *cap : 8;
	while (ncap < need)
		ncap = ncap > PTRDIFF_MAX / 2 ? need : ncap * 2;
	if (ncap > PTRDIFF_MAX / size)
		ncap = need;		/* doubling would overflow; need fits */
	/* T ** and void ** may not alias: copy the pointer's bytes. */
	memcpy(&old, arrayp, sizeof(old));
	if ((new = realloc(old, ncap * size)) == NULL)
		return -1;
	memcpy(arrayp, &new, sizeof(new));
	*cap = ncap;
	return 0;
}

static int
strvec_grow(struct strvec *v)
{
	return xgrow(&v->items, &v->cap, v->len + 1, sizeof(*v->items));
}

int
strvec_push_owned(struct strvec *v, char *s)
{
	if (s == NULL || strvec_grow(v) == -1) {
		free(s);
		return -1;
	}
	v->items[v->len++] = s;
	return 0;
}

int
strvec_pushn(struct strvec *v, const char *s, size_t n)
{
	return strvec_push_owned(v, xstrndup(s, n));
}

int
strvec_push(struct strvec *v, const char *s)
{
	return strvec_pushn(v, s, strlen(s));
}

int
strvec_contains(const struct strvec *v, const char *s)
{
	size_t	 i;

	for (i = 0; i < v->len; i++)
		if (strcmp(v->items[i], s) == 0)
			return 1;
	return 0;
}

int
strvec_copy(struct strvec *dst, const struct strvec *src)
{
	size_t	 i;

	for (i = 0; i < src->len; i++)
		if (strvec_push(dst, src->items[i]) == -1)
			return -1;
	return 0;
}

int
strvec_same_set(const struct strvec *a, const struct strvec *b)
{
	size_t	 i;

	for (i = 0; i < a->len; i++)
		if (!strvec_contains(b, a->items[i]))
			return 0;
	for (i = 0; i < b->len; i++)
		if (!strvec_contains(a, b->items[i]))
			return 0;
	return 1;
}

char *
strvec_join(const struct strvec *v, const char *sep)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	if (buf_append(&b, "", 0) == -1)
		return NULL;
	for (i = 0; i < v->len; i++) {
		if ((i > 0 && buf_append(&b, sep, strlen(sep)) == -1) ||
		    buf_append(&b, v->items[i], strlen(v->items[i])) == -1) {
			buf_clear(&b);
			return NULL;
		}
	}
	return b.data;
}

void
strvec_clear(struct strvec *v)
{
	size_t	 i;

	for (i = 0; i < v->len; i++)
		free(v->items[i]);
	free(v->items);
	v->items = NULL;
	v->len = v->cap = 0;
}

int
strset_init(struct strset *set, size_t n)
{
	size_t	 size;

	memset(set, 0, sizeof(*set));
	/* At most half full, so probes stay short. */
	for (size = 16; size < 2 * n; size *= 2)
		if (size > ((size_t)-1 >> 2) / sizeof(*set->slots))
			return -1;
	if ((set->slots = calloc(size, sizeof(*set->slots))) == NULL)
		return -1;
	set->mask = size - 1;
	set->room = n;
	return 0;
}

static size_t
strset_slot(const struct strset *set, const char *s)
{
	size_t	 i;

	for (i = (size_t)hash_str(s) & set->mask; set->slots[i] != NULL &&
	    strcmp(set->slots[i], s) != 0; i = (i + 1) & set->mask)
		;
	return i;
}

int
strset_add(struct strset *set, const char *s)
{
	size_t	 i;

	if (set->slots == NULL)
		return -1;
	i = strset_slot(set, s);
	if (set->slots[i] != NULL)
		return 0;
	if (set->len == set->room)
		return -1;
	set->slots[i] = s;
	set->len++;
	return 0;
}

int
strset_add_all(struct strset *set, const struct strvec *v)
{
	size_t	 i;

	for (i = 0; v != NULL && i < v->len; i++)
		if (strset_add(set, v->items[i]) == -1)
			return -1;
	return 0;
}

int
strset_has(const struct strset *set, const char *s)
{
	return set->slots != NULL && set->len > 0 &&
	    set->slots[strset_slot(set, s)] != NULL;
}

void
strset_clear(struct strset *set)
{
	free(set->slots);
	memset(set, 0, sizeof(*set));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char	*s;

	if (vasprintf(&s, fmt, ap) == -1)
		return NULL;
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

int
buf_append(struct buf *b, const char *s, size_t n)
{
	if (n > SIZE_MAX - b->len - 1) {
		errno = EOVERFLOW;
		return -1;
	}
	if (xgrow(&b->data, &b->cap, b->len + n + 1, 1) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 rv;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	if (s == NULL)
		return -1;
	rv = buf_append(b, s, strlen(s));
	free(s);
	return rv;
}

void
buf_clear(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
