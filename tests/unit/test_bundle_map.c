/* The import's string arena, hash map and int vector (bundle_map.c). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_private.h"

Test(bundle_map, arena_copies_strings_and_terminates_them)
{
	struct imp_arena a = { 0 };
	const char src[] = "role-keyXYZ";
	char *p = imp_arena_dup(&a, src, 8);
	char *q = imp_arena_dup(&a, "", 0);

	cr_assert_not_null(p);
	cr_assert_not_null(q);
	cr_assert_str_eq(p, "role-key");
	cr_assert_str_eq(q, "");
	cr_assert_neq(p, src);
	imp_arena_free(&a);
	cr_assert_null(a.head);
}

Test(bundle_map, arena_gives_a_string_longer_than_a_chunk_its_own)
{
	struct imp_arena a = { 0 };
	size_t n = ((size_t)1 << 20) + 100;
	char *big = malloc(n + 1), *small, *copy, *after;

	cr_assert_not_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	small = imp_arena_dup(&a, "before", 6);
	copy = imp_arena_dup(&a, big, n);
	after = imp_arena_dup(&a, "after", 5);
	cr_assert_not_null(copy);
	cr_assert_eq(strlen(copy), n);
	/* the earlier and later strings are intact */
	cr_assert_str_eq(small, "before");
	cr_assert_str_eq(after, "after");
	imp_arena_free(&a);
	free(big);
}

Test(bundle_map, put_adds_once_and_get_finds_what_was_put)
{
	struct imp_map m = { 0 };
	struct imp_slot *s;
	bool existed;

	cr_assert_null(imp_map_get(&m, "absent"));
	cr_assert_eq(imp_map_put(&m, "eng-1", 7, &s, &existed), 0);
	cr_assert_not(existed);
	cr_assert_eq(s->val, 7);
	cr_assert_eq(imp_map_put(&m, "eng-1", 9, &s, &existed), 0);
	cr_assert(existed);
	/* an existing key keeps its value: the caller decides */
	cr_assert_eq(s->val, 7);
	cr_assert_eq(m.n, 1);
	cr_assert_eq(*imp_map_get(&m, "eng-1"), 7);
	cr_assert_null(imp_map_get(&m, "eng-2"));
	imp_map_free(&m);
	cr_assert_eq(m.n, 0);
	cr_assert_null(imp_map_get(&m, "eng-1"));
}

Test(bundle_map, keeps_its_keys_as_copies)
{
	struct imp_map m = { 0 };
	struct imp_slot *s;
	char key[16] = "mutable";
	bool existed;

	cr_assert_eq(imp_map_put(&m, key, 1, &s, &existed), 0);
	strcpy(key, "changed");
	cr_assert_not_null(imp_map_get(&m, "mutable"));
	cr_assert_null(imp_map_get(&m, "changed"));
	imp_map_free(&m);
}

Test(bundle_map, finds_every_key_after_many_rehashes)
{
	struct imp_map m = { 0 };
	struct imp_slot *s;
	char key[32];
	bool existed;
	int n = 100000;

	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "emp-%d", i);
		cr_assert_eq(imp_map_put(&m, key, i, &s, &existed), 0);
		cr_assert_not(existed);
	}
	cr_assert_eq(m.n, (size_t)n);
	/* at most 3/4 full, a power of two */
	cr_assert_geq(m.cap * 3, m.n * 4);
	cr_assert_eq(m.cap & (m.cap - 1), 0);
	for (int i = 0; i < n; i++) {
		int64_t *v;

		snprintf(key, sizeof(key), "emp-%d", i);
		v = imp_map_get(&m, key);
		cr_assert_not_null(v, "%s lost", key);
		cr_assert_eq(*v, i);
	}
	cr_assert_null(imp_map_get(&m, "emp-100000"));
	imp_map_free(&m);
}

Test(bundle_map, get_returns_a_value_the_caller_may_change)
{
	struct imp_map m = { 0 };
	struct imp_slot *s;
	bool existed;

	cr_assert_eq(imp_map_put(&m, "role", 1, &s, &existed), 0);
	*imp_map_get(&m, "role") = 42;
	cr_assert_eq(*imp_map_get(&m, "role"), 42);
	imp_map_free(&m);
}

Test(bundle_map, ivec_keeps_every_value_in_order)
{
	struct imp_ivec iv = { 0 };

	for (int32_t i = 0; i < 5000; i++)
		cr_assert_eq(imp_ivec_push(&iv, i * 3), 0);
	cr_assert_eq(iv.n, 5000);
	cr_assert_geq(iv.cap, iv.n);
	for (int32_t i = 0; i < 5000; i++)
		cr_assert_eq(iv.v[i], i * 3);
	free(iv.v);
}
