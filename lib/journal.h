/* Structured decisions for journald: its native protocol over a datagram,
 * written here so that the module needs no libsystemd. */
#ifndef PB_JOURNAL_H
#define PB_JOURNAL_H

#include <stddef.h>

/* Where a program's decisions go besides (or instead of) its log. */
struct pb_journal {
    const char *socket;          /* journald's socket (journal_socket) */
    const char *identifier;      /* SYSLOG_IDENTIFIER: the program */
    const char *prefix;          /* put before MESSAGE, as syslog would: "pam_bearer(sshd)" */
};

/* One stable MESSAGE_ID per kind of event (32 hex digits). */
#define PB_JOURNAL_ID_ACCEPTED "efda3fae2e08472bb5112656bcc88b2f"
#define PB_JOURNAL_ID_REJECTED "35fef7c669fc422c9f94b7e9607eecaf"
#define PB_JOURNAL_ID_NOT_CHECKED "e123180b7ab0452b8edd6804fca6d3d8"

/* The facts of one decision; NULL or "" fields are left out.  Never a
 * secret: identifiers only. */
struct pb_journal_fields {
    const char *message_id;
    const char *result;          /* accepted, rejected, unavailable, ... */
    const char *reason;          /* the log's reason word */
    const char *path;            /* token, password, session_token, ... */
    const char *user;
    const char *issuer;
    const char *jti;
    const char *kid;
};

/* Longest value sent for a field (MESSAGE: PB_JOURNAL_MESSAGE_MAX);
 * control bytes become '?', a newline uses the protocol's length form. */
#define PB_JOURNAL_VALUE_MAX 256
#define PB_JOURNAL_MESSAGE_MAX 1024

/* Build the datagram for message at syslog priority into buf (cap bytes).
 * Returns its length, or 0 when it does not fit. */
size_t pb_journal_format(const struct pb_journal *j, int priority, const char *message,
                         const struct pb_journal_fields *f, char *buf, size_t cap);

/* Send it to j->socket.  0 when journald took it, -1 (errno) otherwise:
 * the caller logs the line the ordinary way instead. */
int pb_journal_send(const struct pb_journal *j, int priority, const char *message,
                    const struct pb_journal_fields *f);

#endif
