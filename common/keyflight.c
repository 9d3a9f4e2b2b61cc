/* SPDX-License-Identifier: MIT */
/*
 * keyflight.c - one refresh at a time per issuer among the threads of a
 * context ("single flight"). slapd serves binds from worker threads that
 * share one context: without this, each thread that found no usable keys
 * made its own request after the previous one timed out, and the k-th
 * waited k x http_timeout. Now the first thread that needs the disk or the
 * network refreshes; the others sleep on a condition variable until it is
 * done or their own deadline (about one http_timeout) passes, and take its
 * outcome, a failure included. A refresh that left nothing usable is
 * remembered for a few seconds, so a burst against a dead provider does
 * not wait again at once. The lock of the source is held only to look at
 * and publish state, never across I/O, so readers of fresh keys and other
 * issuers never wait for a slow provider.
 *
 * fork: the plugins live in pre-forked hosts (Postfix, Dovecot). A child
 * inherits a copy of the state but not the thread that would clear an
 * in-flight mark or the threads waiting on the condition variable, so the
 * first slow-path call in a new process (getpid() differs from
 * flight_pid) drops the mark and re-initialises the condition variable.
 * The mutex needs no such care in practice: it is held only for a few
 * memory operations, never across a call out of the core, so a host that
 * forks from a single thread (all of them do; POSIX allows a child of a
 * multi-threaded process only async-signal-safe calls) never copies it
 * held. No pthread_atfork: that is process-wide state and not ours.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "discovery.h"

static enum oidc_status flight_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int rc;

	if (pthread_condattr_init(&attr) != 0)
		return OIDC_E_NOMEM;
	/* Deadlines on the monotonic clock: a wall-clock step must not
	 * stretch a wait inside someone else's daemon. */
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return rc == 0 ? OIDC_OK : OIDC_E_NOMEM;
}

enum oidc_status oidc_flight_init(struct oidc_keysource *src)
{
	src->flying = false;
	src->flight_pid = getpid();
	return flight_cond_init(&src->flight_done);
}

void oidc_flight_call_init(struct oidc_flight_call *call,
			   const struct oidc_http_opts *http, int64_t now,
			   const struct oidc_flight_rec *rec)
{
	long t = http && http->total_timeout_ms > 0 ? http->total_timeout_ms :
						      OIDC_HTTP_TIMEOUT_MS_DEFAULT;

	call->now = now;
	call->start_ms = oidc_mono_ms();
	call->deadline_ms = call->start_ms + t;
	call->seen = rec->seq;
}

int64_t oidc_flight_left_ms(const struct oidc_flight_call *call)
{
	return call->deadline_ms - oidc_mono_ms();
}

enum oidc_status oidc_flight_http(const struct oidc_flight_call *call,
				  const struct oidc_http_opts *http,
				  struct oidc_http_opts *out,
				  struct oidc_error *err)
{
	int64_t left = oidc_flight_left_ms(call);

	*out = *http;
	if (left <= 0)
		return oidc_err(err, OIDC_E_IDP_UNREACHABLE,
				"no time left within http_timeout (%lld ms spent)",
				(long long)(oidc_mono_ms() - call->start_ms));
	if (out->total_timeout_ms <= 0 || left < out->total_timeout_ms)
		out->total_timeout_ms = (long)left;
	if (out->connect_timeout_ms > out->total_timeout_ms)
		out->connect_timeout_ms = out->total_timeout_ms;
	return OIDC_OK;
}

enum oidc_flight_lock oidc_flight_lock_disk(const struct oidc_keysource *src,
					    const struct oidc_flight_call *call,
					    int *fd_out)
{
	int64_t refresh_ms = call->deadline_ms - call->start_ms + OIDC_FLIGHT_SLACK_MS;
	char name[64];
	bool waited = false, stuck = false;

	oidc_cache_name(src->ic->issuer, OIDC_KS_KIND_FETCH_LOCK, name);
	/* A lock file we cannot use costs requests, not logins. */
	if (oidc_cache_lock(src->ic->cache_dir, name, oidc_flight_left_ms(call),
			    refresh_ms, fd_out, &waited, &stuck, NULL) != OIDC_OK ||
	    stuck)
		return OIDC_FLIGHT_LOCK_FREE;
	if (*fd_out < 0)
		return OIDC_FLIGHT_LOCK_BUSY;
	return waited ? OIDC_FLIGHT_LOCK_AFTER_WAIT : OIDC_FLIGHT_LOCK_FREE;
}

/* A failure is remembered for the hold: min(fixed, jwks_refetch_interval),
 * so an administrator who wants faster retries has one knob for both. */
static int64_t flight_hold(const struct oidc_keysource *src)
{
	int64_t i = src->ic->jwks_refetch_interval;

	return i > 0 && i < OIDC_FLIGHT_FAIL_HOLD ? i : OIDC_FLIGHT_FAIL_HOLD;
}

static bool flight_failed_recently(const struct oidc_keysource *src,
				   const struct oidc_flight_rec *rec, int64_t now)
{
	/* now < failed_at: the clock went back; do not trust the hold. Only
	 * what the provider did is held: a cache_dir this process cannot use
	 * or a failed allocation is ours, and the next call, after the
	 * administrator's chmod, must see the fix at once. */
	return rec->seq > 0 && rec->status != OIDC_OK &&
	       rec->status != OIDC_E_CACHE_DIR && rec->status != OIDC_E_NOMEM &&
	       now >= rec->failed_at && now - rec->failed_at < flight_hold(src);
}

/* false when the deadline passed (or the wait failed: treated alike). */
static bool flight_wait(struct oidc_keysource *src, int64_t deadline_ms)
{
	struct timespec ts;
	int rc;

	if (deadline_ms <= oidc_mono_ms())
		return false;
	ts.tv_sec = (time_t)(deadline_ms / 1000);
	ts.tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
	rc = pthread_cond_timedwait(&src->flight_done, &src->lock, &ts);
	return rc == 0 || rc == EINTR;
}

enum oidc_flight_step oidc_flight_next(struct oidc_keysource *src,
				       struct oidc_flight_rec *rec,
				       struct oidc_flight_call *call)
{
	pid_t pid = getpid();

	if (src->flight_pid != pid) {
		/* A forked child: the refreshing thread and the waiters were
		 * the parent's. No destroy: it would wait for those waiters. */
		(void)flight_cond_init(&src->flight_done);
		src->flying = false;
		src->flight_pid = pid;
	}
	for (;;) {
		if (rec->seq != call->seen ||
		    flight_failed_recently(src, rec, call->now))
			return OIDC_FLIGHT_SHARED;
		if (!src->flying) {
			src->flying = true;
			return OIDC_FLIGHT_MINE;
		}
		if (!flight_wait(src, call->deadline_ms + OIDC_FLIGHT_SLACK_MS))
			return rec->seq != call->seen ? OIDC_FLIGHT_SHARED :
							OIDC_FLIGHT_TIMEOUT;
	}
}

void oidc_flight_end(struct oidc_keysource *src, struct oidc_flight_rec *rec,
		     const struct oidc_flight_call *call, enum oidc_status st,
		     const struct oidc_error *e)
{
	rec->seq++;
	rec->status = st;
	rec->failed_at = st == OIDC_OK ? 0 : call->now;
	if (st != OIDC_OK && e && e->status == st)
		memcpy(rec->detail, e->detail, sizeof(rec->detail));
	else
		rec->detail[0] = '\0';
	src->flying = false;
	pthread_cond_broadcast(&src->flight_done);
}

enum oidc_status oidc_flight_failure(const struct oidc_flight_rec *rec,
				     struct oidc_error *err)
{
	if (rec->detail[0])
		return oidc_err(err, rec->status, "%s", rec->detail);
	return oidc_err(err, rec->status, "the last refresh failed");
}
