/* Natural order; see natcmp.h. */
#include "util/common.h"
#include "util/natcmp.h"

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

int natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (digit(*a) && digit(*b)) {
			const char *x = a, *y = b;
			while (*x == '0')
				x++;
			while (*y == '0')
				y++;
			size_t nx = 0, ny = 0;
			while (digit(x[nx]))
				nx++;
			while (digit(y[ny]))
				ny++;
			/* Without leading zeros, the longer number is the larger;
			 * numbers of one length compare digit by digit. Compared
			 * as text, so no length of number overflows. */
			if (nx != ny)
				return nx < ny ? -1 : 1;
			int c = strncmp(x, y, nx);
			if (c)
				return c < 0 ? -1 : 1;
			size_t za = (size_t)(x - a), zb = (size_t)(y - b);
			if (za != zb)
				return za < zb ? -1 : 1;
			a = x + nx;
			b = y + ny;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}
