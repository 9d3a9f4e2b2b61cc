/* SPDX-License-Identifier: MIT */
/*
 * guard_table.h - the layout of a plugin's symbol guard table (oidc.h,
 * oidc_guard_check), shared by guard.c and the file gen_guard_table.sh
 * writes for each plugin. Includes nothing: the generated file declares
 * every library function it lists as "extern char" under an asm label,
 * which must not meet the libraries' own prototypes.
 */
#ifndef OIDC_GUARD_TABLE_H
#define OIDC_GUARD_TABLE_H

#define OIDC_GUARD_LIBS_MAX 16

/* One function the plugin calls, as the dynamic loader bound it. */
struct oidc_guard_sym {
	const char *name;
	const char *version;   /* the version the plugin was linked against,
				  or 0 for an unversioned library */
	const void *bound;     /* the address the loader bound (a relocation
				  against the name, resolved like the calls) */
	unsigned lib;          /* index into libs */
};

struct oidc_guard_table {
	const char *const *libs;   /* sonames, as in the plugin's DT_NEEDED */
	unsigned n_libs;           /* at most OIDC_GUARD_LIBS_MAX */
	const struct oidc_guard_sym *syms;
	unsigned n_syms;
};

#endif /* OIDC_GUARD_TABLE_H */
