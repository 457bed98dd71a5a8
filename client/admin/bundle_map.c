/* bundle_map: the import's string arena, its hash map from keys to ids or
 * lines, and its int vector (see bundle_private.h).
 *
 * The map is open addressing with linear probing, at most 3/4 full, its
 * keys copied into an arena: an import holds a map entry per key of every
 * table, up to millions of employees, and one allocation per key would
 * cost more than the lookups.
 */
#include "bundle_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

#define IMP_CHUNK ((size_t)1 << 20)

char *imp_arena_dup(struct imp_arena *a, const char *s, size_t n)
{
	struct imp_chunk *ch = a->head;
	char *p;

	if (!ch || ch->cap - ch->used < n + 1) {
		size_t cap = n + 1 > IMP_CHUNK ? n + 1 : IMP_CHUNK;

		ch = malloc(sizeof(*ch) + cap);
		if (!ch)
			return NULL;
		ch->used = 0;
		ch->cap = cap;
		ch->next = a->head;
		a->head = ch;
	}
	p = ch->data + ch->used;
	memcpy(p, s, n);
	p[n] = '\0';
	ch->used += n + 1;
	return p;
}

void imp_arena_free(struct imp_arena *a)
{
	while (a->head) {
		struct imp_chunk *next = a->head->next;

		free(a->head);
		a->head = next;
	}
}

/* FNV-1a, then a finalizer: linear probing wants the low bits mixed. */
static uint64_t imp_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

/* KEY's slot, or the free slot where it would go; NULL when M has none. */
static struct imp_slot *imp_map_find(const struct imp_map *m, const char *key,
				     uint64_t h)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct imp_slot *s = &m->slots[i];

		if (!s->key || (s->hash == h && !strcmp(s->key, key)))
			return s;
	}
}

static int imp_map_grow(struct imp_map *m)
{
	size_t cap = m->cap ? 2 * m->cap : 64;
	struct imp_slot *old = m->slots, *slots;

	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	m->slots = slots;
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!old[i].key)
			continue;
		for (j = old[i].hash & (cap - 1); slots[j].key;
		     j = (j + 1) & (cap - 1))
			;
		slots[j] = old[i];
	}
	m->cap = cap;
	free(old);
	return 0;
}

int imp_map_put(struct imp_map *m, const char *key, int64_t val,
		struct imp_slot **out, bool *existed)
{
	uint64_t h = imp_hash(key);
	struct imp_slot *s;

	if ((m->n + 1) * 4 > m->cap * 3 && imp_map_grow(m) < 0)
		return -ENOMEM;
	s = imp_map_find(m, key, h);
	if (s->key) {
		*existed = true;
		*out = s;
		return 0;
	}
	s->key = imp_arena_dup(&m->arena, key, strlen(key));
	if (!s->key)
		return -ENOMEM;
	s->hash = h;
	s->val = val;
	m->n++;
	*existed = false;
	*out = s;
	return 0;
}

int64_t *imp_map_get(const struct imp_map *m, const char *key)
{
	struct imp_slot *s = imp_map_find(m, key, imp_hash(key));

	return s && s->key ? &s->val : NULL;
}

void imp_map_free(struct imp_map *m)
{
	free(m->slots);
	imp_arena_free(&m->arena);
	memset(m, 0, sizeof(*m));
}

int imp_ivec_push(struct imp_ivec *iv, int32_t x)
{
	if (array_grow((void **)&iv->v, &iv->cap, iv->n + 1, sizeof(*iv->v),
		       256) < 0)
		return -ENOMEM;
	iv->v[iv->n++] = x;
	return 0;
}
