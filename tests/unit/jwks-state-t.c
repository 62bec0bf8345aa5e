/* Unit tests for lib/jwks-state.c: the key cache's state file round-trips,
 * is written 0600 through a rename, and is refused whole (and logged) when
 * it is a link, open to others, not the caller's, too large, or anything
 * but its exact format. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jwks-state.h"
#include "log-capture.h"
#include "tap.h"

static char dir[] = "/tmp/jwks-state-t.XXXXXX";
static const struct pb_log log_capture = { capture, NULL, 0 };

#define log_capture_reset capture_reset
static int
log_capture_has(const char *text)
{
    return log_lines > 0 && strstr(last_line, text) != NULL;
}

static void
put(const char *path, const char *text, mode_t mode)
{
    int fd;

    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text) || fchmod(fd, mode) != 0 || close(fd) != 0)
        abort();
}

#define HEAD "pam_bearer-jwks-state 1\nfresh_until 1700003600\nfetched 1700000000\nlifetime 3600\n" \
             "failures 2\nnext_attempt 1700000120\nretry_until 0\n"

/* A file of this text is refused as a whole. */
static void
refused(const char *text, mode_t mode, const char *what)
{
    char path[600];
    struct pb_jwks_saved s;

    snprintf(path, sizeof(path), "%s/bad.state", dir);
    put(path, text, mode);
    log_capture_reset();
    tap_ok(pb_jwks_state_read(path, &s, &log_capture) == -1 && s.st.fresh_until == 0 && s.etag[0] == '\0'
               && log_capture_has("ignoring the key cache state"),
           "refused and logged: %s", what);
}

int
main(void)
{
    char path[600], link_path[600], big[PB_JWKS_STATE_MAX_BYTES + 200];
    struct pb_jwks_saved in, out;
    struct stat st;

    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(path, sizeof(path), "%s/jwks-x.state", dir);

    memset(&in, 0, sizeof(in));
    in.st.fresh_until = 1700003000;
    in.st.fetched = 1700000000;
    in.st.lifetime = 3600;
    in.st.failures = 3;
    in.st.next_attempt = 1700000240;
    in.st.retry_until = 1700000300;
    strcpy(in.etag, "W/\"v1-abc\"");
    strcpy(in.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
    tap_is_int(pb_jwks_state_write(path, &in, &log_capture), 0, "state written");
    tap_ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_uid == geteuid(), "... 0600, ours");
    tap_is_int(pb_jwks_state_read(path, &out, &log_capture), 0, "... and read back");
    tap_ok(memcmp(&in.st, &out.st, sizeof(in.st)) == 0, "... every number as written");
    tap_is_str(out.etag, in.etag, "... the ETag");
    tap_is_str(out.last_modified, in.last_modified, "... the Last-Modified");
    in.etag[0] = in.last_modified[0] = '\0';
    pb_jwks_state_write(path, &in, &log_capture);
    tap_ok(pb_jwks_state_read(path, &out, &log_capture) == 0 && out.etag[0] == '\0' && out.last_modified[0] == '\0',
           "without validators: read back without them");
    {
        char leftover[700];
        snprintf(leftover, sizeof(leftover), "ls %s | grep -v '^jwks-x.state$' | grep -q .", dir);
        tap_ok(system(leftover) != 0, "no temporary file left behind");
    }
    snprintf(path, sizeof(path), "%s/missing.state", dir);
    log_capture_reset();
    tap_ok(pb_jwks_state_read(path, &out, &log_capture) == -1 && !log_capture_has("ignoring"),
           "an absent file: nothing known, nothing logged");

    snprintf(path, sizeof(path), "%s/jwks-x.state", dir);
    snprintf(link_path, sizeof(link_path), "%s/link.state", dir);
    if (symlink(path, link_path) != 0)
        abort();
    log_capture_reset();
    tap_ok(pb_jwks_state_read(link_path, &out, &log_capture) == -1 && log_capture_has("ignoring"),
           "a symbolic link is not followed");

    refused(HEAD, 0644, "a file others may read");
    refused(HEAD, 0620, "a file others may write");
    refused("pam_bearer-jwks-state 2\n", 0600, "another version");
    refused("", 0600, "an empty file");
    refused("pam_bearer-jwks-state 1\nfresh_until 1\n", 0600, "fields missing");
    refused(HEAD "etag \"a\"", 0600, "a last line cut short");
    refused("pam_bearer-jwks-state 1\nfetched 1700000000\nfresh_until 1700003600\nlifetime 3600\n"
            "failures 2\nnext_attempt 1700000120\nretry_until 0\n", 0600, "fields out of order");
    refused("pam_bearer-jwks-state 1\nfresh_until -1\nfetched 1700000000\nlifetime 3600\n"
            "failures 2\nnext_attempt 1700000120\nretry_until 0\n", 0600, "a negative number");
    refused("pam_bearer-jwks-state 1\nfresh_until 999999999999\nfetched 1700000000\nlifetime 3600\n"
            "failures 2\nnext_attempt 1700000120\nretry_until 0\n", 0600, "a number of 12 digits");
    refused(HEAD "etag abc\n", 0600, "an unquoted ETag");
    refused(HEAD "etag \"a b\"\n", 0600, "an ETag with a space");
    refused(HEAD "last_modified Sun; 06 Nov\n", 0600, "a date with a semicolon");
    refused(HEAD "last_modified Sun, 06 Nov 1994 08:49:37 GMT\netag \"a\"\n", 0600, "validators out of order");
    refused(HEAD "colour blue\n", 0600, "an unknown field");
    refused(HEAD "etag \"a\"\netag \"b\"\n", 0600, "a field twice");
    /* A well-formed file but for its size: a long run of etag lines. */
    memset(big, 0, sizeof(big));
    strcpy(big, HEAD);
    while (strlen(big) + 12 < sizeof(big) - 1)
        strcat(big, "etag \"abc\"\n");
    refused(big, 0600, "a file larger than PB_JWKS_STATE_MAX_BYTES");
    tap_ok(log_capture_has("too large"), "... as too large, unread");

    if (geteuid() == 0) {
        snprintf(path, sizeof(path), "%s/other.state", dir);
        put(path, HEAD, 0600);
        if (chown(path, 10001, 10001) != 0)
            abort();
        log_capture_reset();
        tap_ok(pb_jwks_state_read(path, &out, &log_capture) == -1 && log_capture_has("not a 0600 file of this user"),
               "a file of another user is refused");
    } else {
        tap_ok(1, "# SKIP a file of another user: needs root");
    }
    snprintf(path, sizeof(path), "%s/nodir/x.state", dir);
    log_capture_reset();
    tap_ok(pb_jwks_state_write(path, &in, &log_capture) == -1 && log_capture_has("cannot write the key cache state"),
           "a write that cannot happen is logged and fails");

    snprintf(big, sizeof(big), "rm -rf '%s'", dir);
    if (system(big) != 0)
        tap_ok(0, "cleaning up");
    return tap_done();
}
