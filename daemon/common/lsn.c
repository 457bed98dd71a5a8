#include "lsn.h"

#include <errno.h>

/* one half: 1 to 8 hex digits, ended by stop */
static int parse_half(const char **p, char stop, uint32_t *out)
{
	uint32_t v = 0;
	int n = 0;

	for (; **p && **p != stop; (*p)++, n++) {
		char c = **p;
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
		if (n == 8)
			return -EINVAL;
		v = v << 4 | d;
	}
	if (n == 0 || **p != stop)
		return -EINVAL;
	*out = v;
	return 0;
}

int lsn_parse(const char *text, uint64_t *out)
{
	const char *p = text;
	uint32_t hi, lo;

	if (!p || parse_half(&p, '/', &hi))
		return -EINVAL;
	p++;
	if (parse_half(&p, '\0', &lo))
		return -EINVAL;
	*out = (uint64_t)hi << 32 | lo;
	return 0;
}

/* one half as %X would write it (upper case, no leading zeros); where it
 * ends */
static char *format_half(uint32_t v, char *p)
{
	int shift = 28;

	while (shift > 0 && !(v >> shift & 0xf))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = "0123456789ABCDEF"[v >> shift & 0xf];
	return p;
}

/* by hand: every reply's header carries one, and snprintf cost about 3 %
 * of answering a small request */
char *lsn_format(uint64_t lsn, char buf[LSN_TEXT_MAX])
{
	char *p = buf;

	if (lsn) {
		p = format_half((uint32_t)(lsn >> 32), p);
		*p++ = '/';
		p = format_half((uint32_t)lsn, p);
	}
	*p = '\0';
	return buf;
}

uint64_t lsn_record_end(uint64_t insert_pos, uint64_t block_size,
			uint64_t seg_size)
{
	/* SizeOfXLogLongPHD and SizeOfXLogShortPHD on 64-bit builds */
	if (seg_size && insert_pos % seg_size <= 40)
		return insert_pos % seg_size == 40 ? insert_pos - 40
						   : insert_pos;
	if (block_size && insert_pos % block_size == 24)
		return insert_pos - 24;
	return insert_pos;
}

uint64_t lsn_behind(uint64_t have, uint64_t want)
{
	return have >= want ? 0 : want - have;
}
