/* SHA-256: FIPS 180-4 vectors, padding edges and split-independence of updates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sha256.h"

/* Hex digest of data[0..n) fed to sha256_update in pieces of at most chunk bytes. */
static void hex_chunked(const void *data, size_t n, size_t chunk, char hex[SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = data;
	struct sha256 c;
	unsigned char d[SHA256_DIGEST];
	size_t i, take;

	sha256_init(&c);
	for (i = 0; i < n; i += take) {
		take = n - i < chunk ? n - i : chunk;
		sha256_update(&c, p + i, take);
	}
	sha256_final(&c, d);
	for (i = 0; i < SHA256_DIGEST; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 0x0f];
	}
	hex[2 * SHA256_DIGEST] = '\0';
}

static void test_empty(void **state)
{
	char hex[SHA256_HEX];

	(void)state;
	sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex(NULL, 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_abc(void **state)
{
	char hex[SHA256_HEX];

	(void)state;
	sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* The 448-bit message of FIPS 180-4's examples: 56 bytes, so the padding needs a second
 * block. */
static void test_448_bits(void **state)
{
	static const char m[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[SHA256_HEX];

	(void)state;
	assert_int_equal(sizeof m - 1, 56);
	sha256_hex(m, sizeof m - 1, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* One million 'a', in 997-byte pieces: a prime, so pieces start at every offset within a
 * block and often straddle two blocks. */
static void test_million_a(void **state)
{
	static const char want[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	static unsigned char m[1000000];
	char hex[SHA256_HEX];

	(void)state;
	memset(m, 'a', sizeof m);
	hex_chunked(m, sizeof m, 997, hex);
	assert_string_equal(hex, want);
	sha256_hex(m, sizeof m, hex);
	assert_string_equal(hex, want);
}

/* Lengths around the block and padding boundaries, 'a' repeated; digests from sha256sum.
 * 55 is the longest message whose padding fits in its block, 56 the shortest that needs
 * another, 64 exactly one block. */
static void test_padding_edges(void **state)
{
	static const struct {
		size_t n;
		const char *hex;
	} v[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
	};
	unsigned char m[65];
	char hex[SHA256_HEX];
	size_t i;

	(void)state;
	memset(m, 'a', sizeof m);
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		sha256_hex(m, v[i].n, hex);
		assert_string_equal(hex, v[i].hex);
		hex_chunked(m, v[i].n, 1, hex);
		assert_string_equal(hex, v[i].hex);
	}
}

/* For every length 0..200, byte-by-byte updates (and a few other piece sizes) give the
 * same digest as one call. The bytes are distinct (151 is odd), the first one NUL. */
static void test_split_independent(void **state)
{
	static const size_t chunks[] = { 1, 3, 63, 64, 65 };
	unsigned char m[200];
	char one[SHA256_HEX], split[SHA256_HEX];
	size_t n, i;

	(void)state;
	for (i = 0; i < sizeof m; i++)
		m[i] = (unsigned char)(i * 151);
	for (n = 0; n <= sizeof m; n++) {
		sha256_hex(m, n, one);
		for (i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
			hex_chunked(m, n, chunks[i], split);
			assert_string_equal(split, one);
		}
	}
}

/* Empty updates anywhere change nothing. */
static void test_empty_updates(void **state)
{
	struct sha256 c;
	unsigned char d[SHA256_DIGEST], want[SHA256_DIGEST];

	(void)state;
	sha256_init(&c);
	sha256_update(&c, "abc", 3);
	sha256_final(&c, want);
	sha256_init(&c);
	sha256_update(&c, NULL, 0);
	sha256_update(&c, "a", 1);
	sha256_update(&c, "", 0);
	sha256_update(&c, "bc", 2);
	sha256_update(&c, NULL, 0);
	sha256_final(&c, d);
	assert_memory_equal(d, want, sizeof d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_abc),
		cmocka_unit_test(test_448_bits),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_padding_edges),
		cmocka_unit_test(test_split_independent),
		cmocka_unit_test(test_empty_updates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
