/* The schema migrations, compiled in from sql/migrations/ by sql/embed.sh. */
#ifndef RUNBOX_MIGRATIONS_H
#define RUNBOX_MIGRATIONS_H

struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration store_migrations[];
extern const int store_migrations_count;

#endif
