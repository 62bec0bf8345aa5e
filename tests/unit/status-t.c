/* status-t: the status names and the fixed vocabulary of rejection reasons (lib/status.c). */
#include <ctype.h>
#include <string.h>

#include "status.h"
#include "tap.h"

int
main(void)
{
    int r, s, bad = 0, dup = 0;

    tap_is_str(pb_status_name(PB_OK), "ok", "PB_OK is ok");
    tap_is_str(pb_status_name(PB_REJECTED), "rejected", "PB_REJECTED is rejected");
    tap_is_str(pb_status_name(PB_UNAVAILABLE), "unavailable", "PB_UNAVAILABLE is unavailable");
    tap_is_str(pb_status_name(PB_CONFIG), "config", "PB_CONFIG is config");
    tap_is_str(pb_status_name((enum pb_status) 1000), "unknown", "a status out of range is unknown");
    tap_is_str(pb_status_name((enum pb_status) -1), "unknown", "a negative status is unknown");

    tap_is_str(pb_reason_name(PB_R_EXPIRED), "expired", "PB_R_EXPIRED is expired");
    tap_is_str(pb_reason_name(PB_R_BAD_SIGNATURE), "bad-signature", "PB_R_BAD_SIGNATURE is bad-signature");
    tap_is_str(pb_reason_name(PB_R_ALG_NOT_ALLOWED), "alg-not-allowed", "PB_R_ALG_NOT_ALLOWED is alg-not-allowed");
    tap_is_str(pb_reason_name(PB_R_COUNT), "unknown", "PB_R_COUNT is no reason");
    tap_is_str(pb_reason_name((enum pb_reason) -5), "unknown", "a negative reason is unknown");

    /* Every reason has one name, lower-case words joined by '-', used once:
     * the logs and the man page rely on them. */
    for (r = 0; r < PB_R_COUNT; r++) {
        const char *name = pb_reason_name((enum pb_reason) r);
        if (strcmp(name, "unknown") == 0 || name[0] == '\0' || name[0] == '-')
            bad++;
        for (const char *p = name; *p; p++)
            if (!(islower((unsigned char) *p) || *p == '-'))
                bad++;
        for (s = 0; s < r; s++)
            if (strcmp(name, pb_reason_name((enum pb_reason) s)) == 0)
                dup++;
    }
    tap_is_int(bad, 0, "every reason has a name of lower-case words joined by '-'");
    tap_is_int(dup, 0, "no two reasons share a name");
    return tap_done();
}
