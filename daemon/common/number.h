/* number: the one grammar of numbers in text we are given (bundle files,
 * framework settings), shared by the importer and the daemon so both
 * accept exactly the same values. Nothing here depends on locale. */
#ifndef PATHWAYS_NUMBER_H
#define PATHWAYS_NUMBER_H

/* [+-]digits, at most 18 digits (so it never overflows), nothing else:
 * no blanks, no hex. 0 or -EINVAL; *out untouched on error. */
int number_parse_int(const char *s, long long *out)
	__attribute__((warn_unused_result));

/* [+-]digits[.digits][(e|E)[+-]digits] with at least one digit before the
 * exponent, read with '.' as the decimal point whatever LC_NUMERIC says;
 * finite values only. 0, -EINVAL, or -ENOMEM (no C locale object); *out
 * untouched on error. */
int number_parse_double(const char *s, double *out)
	__attribute__((warn_unused_result));

#endif
