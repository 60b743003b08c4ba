/*
 * clock: milliseconds, the one unit of time runbox measures in.
 */
#ifndef RUNBOX_CLOCK_H
#define RUNBOX_CLOCK_H

/* A monotonic clock, for durations and deadlines (never goes back). */
long long clock_mono_ms(void);
/* Unix time in milliseconds, for what is stored or shown (the run log's times). */
long long clock_wall_ms(void);

#endif
