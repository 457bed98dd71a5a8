/* The HTTP door's pure pieces: grpc-gateway's statuses and xAPI's
 * timestamps. The door itself is tested over sockets in
 * tests/integration/test_http.py. */
#include <criterion/criterion.h>
#include <errno.h>

#include "http_private.h"

Test(http, statuses_follow_grpc_gateway)
{
	cr_assert_eq(http_status_of(0), 200);
	cr_assert_eq(http_status_of(3), 400);
	cr_assert_eq(http_status_of(4), 504);
	cr_assert_eq(http_status_of(5), 404);
	cr_assert_eq(http_status_of(7), 403);
	cr_assert_eq(http_status_of(8), 429);
	cr_assert_eq(http_status_of(12), 501);
	cr_assert_eq(http_status_of(13), 500);
	cr_assert_eq(http_status_of(14), 503);
	cr_assert_eq(http_status_of(16), 401);
	cr_assert_eq(http_status_of(99), 500);
	cr_assert_eq(http_status_of(-1), 500);
}

Test(http, xapi_timestamps_with_zones_and_fractions)
{
	int64_t ms;

	cr_assert_eq(http_xapi_time("2024-05-01T10:00:00Z", &ms), 0);
	cr_assert_eq(ms, 1714557600000LL);
	cr_assert_eq(http_xapi_time("2024-05-01T10:00:00.5Z", &ms), 0);
	cr_assert_eq(ms, 1714557600500LL);
	cr_assert_eq(http_xapi_time("2024-05-01T10:00:00.123456Z", &ms), 0);
	cr_assert_eq(ms, 1714557600123LL);
	cr_assert_eq(http_xapi_time("2024-05-01T12:00:00+02:00", &ms), 0);
	cr_assert_eq(ms, 1714557600000LL);
	cr_assert_eq(http_xapi_time("2024-05-01T05:30:00-0430", &ms), 0);
	cr_assert_eq(ms, 1714557600000LL);
}

Test(http, xapi_timestamps_need_a_zone)
{
	int64_t ms = 7;

	cr_assert_eq(http_xapi_time("2024-05-01T10:00:00", &ms), -EINVAL);
	cr_assert_eq(http_xapi_time("2024-05-01", &ms), -EINVAL);
	cr_assert_eq(http_xapi_time("2024-05-01T10:00:00.Z", &ms), -EINVAL);
	cr_assert_eq(http_xapi_time("2024-05-01T10:00:00Zjunk", &ms), -EINVAL);
	cr_assert_eq(ms, 7);
}
