#include "number.h"

#include <errno.h>
#include <locale.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

static bool number_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int number_parse_int(const char *s, long long *out)
{
	long long v = 0;
	bool neg = false;
	size_t n = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (; number_is_digit(*s); s++, n++) {
		if (n >= 18)
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	if (!n || *s)
		return -EINVAL;
	*out = neg ? -v : v;
	return 0;
}

int number_parse_double(const char *s, double *out)
{
	const char *p = s;
	size_t digits = 0;
	locale_t loc;
	char *end;
	double v;

	if (*p == '+' || *p == '-')
		p++;
	for (; number_is_digit(*p); p++)
		digits++;
	if (*p == '.')
		for (p++; number_is_digit(*p); p++)
			digits++;
	if (!digits)
		return -EINVAL;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!number_is_digit(*p))
			return -EINVAL;
		while (number_is_digit(*p))
			p++;
	}
	if (*p)
		return -EINVAL;
	/* strtod follows LC_NUMERIC, which a CLI may have set from the
	 * environment; our decimal point is always '.'. */
	loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (!loc)
		return -ENOMEM;
	errno = 0;
	v = strtod_l(s, &end, loc);
	freelocale(loc);
	if (*end || errno == ERANGE || v != v || v > 1e308 || v < -1e308)
		return -EINVAL;
	*out = v;
	return 0;
}
