#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "array.h"

Test(array, grows_to_the_first_power_of_two_step_that_fits)
{
	int *v = NULL;
	size_t cap = 0;

	cr_assert_eq(array_grow((void **)&v, &cap, 1, sizeof(*v), 0), 0);
	cr_assert_eq(cap, 16);
	cr_assert_eq(array_grow((void **)&v, &cap, 17, sizeof(*v), 0), 0);
	cr_assert_eq(cap, 32);
	cr_assert_eq(array_grow((void **)&v, &cap, 200, sizeof(*v), 0), 0);
	cr_assert_eq(cap, 256);
	v[199] = 7;
	free(v);
}

Test(array, honours_the_first_capacity_and_leaves_a_large_enough_array_alone)
{
	char *v = NULL;
	size_t cap = 0;

	cr_assert_eq(array_grow((void **)&v, &cap, 3, 1, 1024), 0);
	cr_assert_eq(cap, 1024);
	char *before = v;
	cr_assert_eq(array_grow((void **)&v, &cap, 1024, 1, 1024), 0);
	cr_assert_eq(v, before);
	cr_assert_eq(cap, 1024);
	free(v);
}

Test(array, refuses_a_size_that_would_overflow_and_keeps_the_old_array)
{
	uint64_t *v = NULL;
	size_t cap = 0;

	cr_assert_eq(array_grow((void **)&v, &cap, 4, sizeof(*v), 0), 0);
	uint64_t *before = v;
	cr_assert_eq(array_grow((void **)&v, &cap, SIZE_MAX / 4, sizeof(*v), 0),
		     -ENOMEM);
	cr_assert_eq(v, before);
	cr_assert_eq(cap, 16);
	free(v);
}

Test(array, push_appends_in_order)
{
	ARRAY(int) vec = { 0 };

	for (int i = 0; i < 100; i++)
		cr_assert_eq(ARRAY_PUSH(vec, i * 3), 0);
	cr_assert_eq(vec.n, 100);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(vec.v[i], i * 3);
	free(vec.v);
}
