#ifndef PATHWAYS_ARRAY_H
#define PATHWAYS_ARRAY_H

#include <stddef.h>

/*
 * Growing arrays, one helper for the whole tree (daemon, admin tools).
 *
 * array_grow() makes *p, an array of *cap elements of size sz, hold at least
 * need elements: the capacity doubles from first_cap (16 when 0) until it
 * fits, and every size is checked before it is multiplied. Returns 0, or
 * -ENOMEM (allocation failed or the size would overflow); on error *p and
 * *cap are untouched and the old array stays valid.
 */
int array_grow(void **p, size_t *cap, size_t need, size_t sz,
	       size_t first_cap) __attribute__((warn_unused_result));

/* A typed vector and a push that grows it: 0 or -ENOMEM. */
#define ARRAY(type) struct { type *v; size_t n, cap; }
#define ARRAY_PUSH(vec, item)                                               \
	(array_grow((void **)&(vec).v, &(vec).cap, (vec).n + 1,             \
		    sizeof(*(vec).v), 0)                                        \
		 ? -ENOMEM                                                  \
		 : ((vec).v[(vec).n++] = (item), 0))

#endif
