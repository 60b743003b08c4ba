/*
 * demux: the Docker attach stream demultiplexer (Tty=false).
 *
 * The daemon interleaves the container's stdout and stderr as records:
 *     stream (1 byte: 0 stdin, 1 stdout, 2 stderr) | 0 0 0 | size (4 bytes, big-endian) | data
 * Pure: feed bytes in any split; payload pieces are passed on as they arrive, without
 * buffering whole records.
 */
#ifndef RUNBOX_DEMUX_H
#define RUNBOX_DEMUX_H

#include <stddef.h>
#include <stdint.h>

typedef int (*demux_cb)(void *arg, int stream, const unsigned char *p, size_t n);

struct demux {
	unsigned char hdr[8];
	size_t hdr_have;
	uint32_t left; /* payload bytes still to come in the current record */
	int stream;
};

void demux_init(struct demux *d);

/* Consume n bytes, calling cb for each payload piece (never with n == 0). Returns 0,
 * -1 on a malformed header (unknown stream or non-zero padding), or the first non-zero
 * value cb returned (processing stops there). */
int demux_feed(struct demux *d, const unsigned char *p, size_t n, demux_cb cb, void *arg);

#endif
