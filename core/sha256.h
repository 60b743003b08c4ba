/*
 * sha256: SHA-256 as specified in FIPS 180-4, portable C with no external library.
 *
 * Pure (no I/O, no allocation): the context is a small value type the caller embeds.
 * The digest is the same on every platform whatever its endianness or alignment.
 *
 *     struct sha256 c;
 *     unsigned char d[32];
 *
 *     sha256_init(&c);
 *     sha256_update(&c, p, n);     (any number of times, any sizes)
 *     sha256_final(&c, d);
 */
#ifndef RUNBOX_SHA256_H
#define RUNBOX_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST 32 /* bytes in a digest */
#define SHA256_HEX 65    /* chars in its lowercase hex form, NUL included */

struct sha256 {
	uint32_t h[8];            /* chaining state */
	uint64_t len;             /* bytes hashed so far */
	unsigned char block[64];  /* the partial block not yet compressed */
	size_t used;              /* bytes in block, always < 64 between calls */
};

/* Start a new digest. No allocation: there is nothing to release. */
void sha256_init(struct sha256 *c);

/* Hash data[0..n). n may be 0 (data may then be NULL). Splitting a message across calls
 * at any points gives the same digest as one call. Messages of 2^61 bytes or more are not
 * supported (the bit length would wrap). */
void sha256_update(struct sha256 *c, const void *data, size_t n);

/* Pad and write the 32-byte digest to out. The context is spent afterwards: to hash
 * another message, call sha256_init again. */
void sha256_final(struct sha256 *c, unsigned char out[SHA256_DIGEST]);

/* One shot: the lowercase hex digest of data[0..n) into hex, NUL-terminated (65 bytes). */
void sha256_hex(const void *data, size_t n, char hex[SHA256_HEX]);

#endif
