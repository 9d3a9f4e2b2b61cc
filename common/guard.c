/* SPDX-License-Identifier: MIT */
/*
 * guard.c - the load-time guard against symbol interposition (issue 11).
 *
 * The plugins run inside other people's programs, and the dynamic loader
 * binds a plugin's calls to the first definition of each name in the
 * global scope: the host executable and what it linked come before the
 * plugin's own libraries. PostgreSQL exports its SQL function json_object,
 * so jansson's json_object() calls ran PostgreSQL's code and every token
 * login crashed the backend. The core no longer uses jansson, but any
 * library function the plugin calls could meet the same fate.
 *
 * Each plugin carries a table of the library functions it calls, made
 * when it is built (gen_guard_table.sh): for each, the address the loader
 * bound, taken through a relocation against the name, so resolved exactly
 * like the calls. Once per process we ask each library for its own
 * definition (dlvsym on the library's handle searches that library first)
 * and compare. Any difference, and the plugin refuses every request with
 * OIDC_E_SYMBOL_INTERPOSED instead of calling into the host's function.
 * About a hundred lookups, once; later calls read the cached verdict.
 *
 * Process-wide state: the verdict below (per plugin: each .so has its own
 * copy of the core), and a reference to each library taken and dropped
 * again (dlopen RTLD_NOLOAD of something already loaded, dlclose).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "guard_table.h"
#include "internal.h"

static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool guard_done;
static const struct oidc_guard_table *guard_table;
static enum oidc_status guard_status;
static struct oidc_error guard_err;
static uint32_t guard_bad_libs;        /* bit i: libs[i] has a function
					  bound elsewhere, or is not loaded */
static atomic_bool guard_reported;

/* The object addr is in, for the administrator. */
static const char *object_of(const void *addr)
{
	Dl_info info;

	if (!dladdr(addr, &info) || !info.dli_fname)
		return "an unknown object";
	/* glibc names the main program by argv[0], or not at all */
	return *info.dli_fname ? info.dli_fname : "the main program";
}

static void guard_run(const struct oidc_guard_table *t)
{
	void *lib[OIDC_GUARD_LIBS_MAX] = { 0 };
	const struct oidc_guard_sym *first = NULL;
	const char *missing = NULL;
	unsigned bad = 0;

	guard_status = OIDC_OK;
	if (!t || t->n_libs > OIDC_GUARD_LIBS_MAX || (t->n_syms && !t->syms)) {
		guard_status = oidc_err(&guard_err, OIDC_E_INTERNAL,
					"symbol guard: no usable table");
		guard_bad_libs = UINT32_MAX;
		return;
	}
	for (unsigned i = 0; i < t->n_libs; i++) {
		/* Already loaded (the plugin needs it): a handle, nothing new
		 * is mapped. */
		lib[i] = dlopen(t->libs[i], RTLD_LAZY | RTLD_NOLOAD);
		if (!lib[i]) {
			guard_bad_libs |= 1u << i;
			if (!missing)
				missing = t->libs[i];
		}
	}
	for (unsigned k = 0; k < t->n_syms; k++) {
		const struct oidc_guard_sym *s = &t->syms[k];
		void *own;

		if (s->lib >= t->n_libs || !lib[s->lib])
			continue;
		own = s->version ? dlvsym(lib[s->lib], s->name, s->version) :
				   dlsym(lib[s->lib], s->name);
		if (own == s->bound)
			continue;
		guard_bad_libs |= 1u << s->lib;
		bad++;
		if (!first)
			first = s;
	}
	if (first)
		guard_status = oidc_err(&guard_err, OIDC_E_SYMBOL_INTERPOSED,
					"%s (from %s) is bound to %s, not to %s%s; "
					"refusing to run in this process",
					first->name, t->libs[first->lib],
					object_of(first->bound), t->libs[first->lib],
					bad > 1 ? ", and others" : "");
	else if (missing)
		guard_status = oidc_err(&guard_err, OIDC_E_SYMBOL_INTERPOSED,
					"%s is not loaded, so the functions the plugin "
					"calls from it are someone else's; refusing to run",
					missing);
	for (unsigned i = 0; i < t->n_libs; i++)
		if (lib[i])
			dlclose(lib[i]);
}

static void guard_once(const struct oidc_guard_table *table)
{
	if (atomic_load_explicit(&guard_done, memory_order_acquire))
		return;
	pthread_mutex_lock(&guard_lock);
	if (!atomic_load_explicit(&guard_done, memory_order_relaxed)) {
		guard_table = table;
		guard_run(table);
		atomic_store_explicit(&guard_done, true, memory_order_release);
	}
	pthread_mutex_unlock(&guard_lock);
}

OIDC_EXPORT enum oidc_status oidc_guard_check(const struct oidc_guard_table *table,
					      int *report_out, struct oidc_error *err)
{
	guard_once(table);
	if (report_out)
		*report_out = 0;
	if (guard_table != table)
		return oidc_err(err, OIDC_E_INTERNAL,
				"symbol guard: called with another table");
	if (guard_status == OIDC_OK)
		return OIDC_OK;
	if (err)
		*err = guard_err;
	/* One log line per process: the first caller to see the refusal. */
	if (report_out && !atomic_exchange(&guard_reported, true))
		*report_out = 1;
	return guard_status;
}

OIDC_EXPORT int oidc_guard_library_ok(const struct oidc_guard_table *table,
				      const char *soname)
{
	guard_once(table);
	if (guard_table != table || !table || !soname)
		return 0;
	for (unsigned i = 0; i < table->n_libs; i++)
		if (strcmp(table->libs[i], soname) == 0)
			return !(guard_bad_libs & (1u << i));
	return 1;
}
