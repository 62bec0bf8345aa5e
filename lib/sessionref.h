/* References to a user's live login sessions: one empty file per session in
 * a directory only root can enter (SESSION_CACHE_DIR/sessions/UID), so that
 * the tokens the sessions share are revoked when the last one closes.
 *
 * A name carries everything that says whether its session still lives, so
 * creating a reference is one atomic openat (nothing half-written exists):
 *   aSID.PID.START   a session with an audit session of its own (pam_loginuid);
 *   pPID.START.N     a session without one (N random: one process may hold
 *                    several sessions);
 *   lPID.START       a login between authentication and its session.
 * PID and START are the pid and start time (clock ticks after boot, field 22
 * of /proc/PID/stat) of the process that took the reference: a reused pid
 * has another start time, and /run empties at reboot. */
#ifndef PB_SESSIONREF_H
#define PB_SESSIONREF_H

#include <stddef.h>
#include <sys/types.h>

/* "p" + 10 + "." + 20 + "." + 20 digits, and the NUL. */
#define PB_SREF_NAME_MAX 56

enum pb_sref_kind {
    PB_SREF_SESSION,            /* open_session to close_session */
    PB_SREF_LOGIN               /* a successful authentication, until its session opens */
};

/* The name of a reference of KIND for the calling process, which works for
 * UID.  A session is named by its audit session id only when that id is its
 * own: set for UID (loginuid is UID) and not inherited (the parent's differs).
 * A session's name without one differs at each call.  0, or -1 with err set. */
int pb_sref_self_name(enum pb_sref_kind kind, uid_t uid, char *out, size_t cap, char *err, size_t errlen);

/* Non-zero when NAME is a well-formed reference name (of KIND, unless kind is
 * negative). */
int pb_sref_valid_name(const char *name, int kind);

/* Open BASE/sessions/UID, creating each level 0700 when create.  BASE must
 * be a directory already checked by the caller; each level must be a
 * directory of the caller's effective uid with mode 0700, not a link.
 * Returns the descriptor, -1 with err set, or -2 when absent (and !create). */
int pb_sref_open(const char *base, uid_t uid, int create, char *err, size_t errlen);

/* Lock the directory (flock; only its owner can open it) by polling for at
 * most timeout_ms: no signal, no handler, safe in a threaded host.  The lock
 * is released when the descriptor is closed.  0, or -1 with err set. */
int pb_sref_lock(int dirfd, long timeout_ms, char *err, size_t errlen);

/* Create the reference (an existing one of the same name, a regular file of
 * ours, is fine); refuse anything else in its place.  0 or -1 (err). */
int pb_sref_add(int dirfd, const char *name, char *err, size_t errlen);

/* Remove the reference; absent is fine.  0 or -1 (err). */
int pb_sref_drop(int dirfd, const char *name, char *err, size_t errlen);

/* Remove the references whose session is gone and count the live ones.  A
 * login reference lives while its process does, or for grace seconds after
 * it was made (now is the current time).  Entries that are not references
 * of ours (another name, a link, another owner, a loose mode) are neither
 * counted nor touched; *refused (if not NULL) says how many.  The count, or -1 (err). */
int pb_sref_prune(int dirfd, long long now, long grace, int *refused, char *err, size_t errlen);

#endif
