/* libFuzzer harness: the agent protocol's frame reader and its key=value payloads, and
 * Docker's multiplexed stream reader (core/frame.c, core/demux.c), fed in chunks whose
 * sizes the input chooses. */
#include <stddef.h>
#include <stdint.h>

#include "demux.h"
#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_frame(void *arg, int type, const unsigned char *p, size_t n)
{
	static const char *const keys[] = { "exit", "signal", "wall_ms", "mem_bytes", "stage" };
	uint64_t v;

	(void)arg, (void)type;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		(void)frame_kv_u64(p, n, keys[i], UINT64_MAX, &v);
	return 0;
}

static int on_stream(void *arg, int stream, const unsigned char *p, size_t n)
{
	return frame_reader_feed(arg, p, n, on_frame, NULL) < 0 && stream == 1 ? 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_reader fr;
	struct demux dm;
	size_t chunk, off;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] % 17 + 1;
	frame_reader_init(&fr, 1 << 16);
	for (off = 1; off < size; off += chunk)
		if (frame_reader_feed(&fr, data + off, off + chunk <= size ? chunk : size - off,
				      on_frame, NULL) != 0)
			break;
	frame_reader_release(&fr);

	frame_reader_init(&fr, 1 << 16);
	demux_init(&dm);
	for (off = 1; off < size; off += chunk)
		if (demux_feed(&dm, data + off, off + chunk <= size ? chunk : size - off,
			       on_stream, &fr) != 0)
			break;
	frame_reader_release(&fr);
	return 0;
}
