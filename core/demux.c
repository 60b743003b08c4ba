#include "demux.h"

#include <string.h>

void demux_init(struct demux *d)
{
	memset(d, 0, sizeof *d);
}

int demux_feed(struct demux *d, const unsigned char *p, size_t n, demux_cb cb, void *arg)
{
	size_t take;
	int rc;

	while (n > 0) {
		if (d->left == 0) {
			take = sizeof d->hdr - d->hdr_have;
			if (take > n)
				take = n;
			memcpy(d->hdr + d->hdr_have, p, take);
			d->hdr_have += take;
			p += take;
			n -= take;
			if (d->hdr_have < sizeof d->hdr)
				return 0;
			d->hdr_have = 0;
			if (d->hdr[0] > 2 || d->hdr[1] || d->hdr[2] || d->hdr[3])
				return -1;
			d->stream = d->hdr[0];
			d->left = (uint32_t)d->hdr[4] << 24 | (uint32_t)d->hdr[5] << 16 |
				  (uint32_t)d->hdr[6] << 8 | d->hdr[7];
			continue;
		}
		take = d->left < n ? d->left : n;
		if ((rc = cb(arg, d->stream, p, take)) != 0)
			return rc;
		d->left -= (uint32_t)take;
		p += take;
		n -= take;
	}
	return 0;
}
