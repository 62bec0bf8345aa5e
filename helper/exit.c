/* Every exit status bearer-token gives for an outcome, in one table per
 * kind of outcome; the codes themselves are in lib/exit-codes.h (the module
 * reads them too) and bearer-token(1). */
#include "config.h"

#include "commands.h"

static const struct {
    enum pb_helper_step step;
    enum pb_status status;
    int exit_status;
} exits[] = {
    { PB_STEP_VERIFY, PB_OK, PB_EXIT_OK },
    { PB_STEP_VERIFY, PB_REJECTED, PB_EXIT_REJECTED },
    { PB_STEP_LOGIN, PB_OK, PB_EXIT_OK },
    { PB_STEP_LOGIN, PB_REJECTED, PB_EXIT_REJECTED },
    { PB_STEP_LOGIN, PB_UNAVAILABLE, PB_EXIT_UNREACHABLE },
    { PB_STEP_RENEW, PB_OK, PB_EXIT_OK },
    /* A refused refresh token, or none: only a new login helps. */
    { PB_STEP_RENEW, PB_REJECTED, PB_EXIT_LOGIN_REQUIRED },
    { PB_STEP_RENEW, PB_UNAVAILABLE, PB_EXIT_UNREACHABLE },
    { PB_STEP_REVOKE, PB_OK, PB_EXIT_OK },
    { PB_STEP_REVOKE, PB_REJECTED, PB_EXIT_UNREACHABLE },
    { PB_STEP_REVOKE, PB_UNAVAILABLE, PB_EXIT_UNREACHABLE },
};

int
pb_helper_exit(enum pb_helper_step step, enum pb_status status)
{
    for (size_t i = 0; i < sizeof(exits) / sizeof(exits[0]); i++)
        if (exits[i].step == step && exits[i].status == status)
            return exits[i].exit_status;
    /* verify could not decide; anything else is ours to fix. */
    return step == PB_STEP_VERIFY ? PB_EXIT_UNDECIDED : PB_EXIT_CONFIG;
}

int
pb_helper_cache_exit(enum pb_cache_result r)
{
    static const int codes[] = {
        [PB_CACHE_OK] = PB_EXIT_OK,
        [PB_CACHE_ABSENT] = PB_EXIT_LOGIN_REQUIRED,
        [PB_CACHE_UNSAFE] = PB_EXIT_CACHE,
        [PB_CACHE_CORRUPT] = PB_EXIT_CACHE,
        [PB_CACHE_ERROR] = PB_EXIT_CACHE,
    };

    return (unsigned) r < sizeof(codes) / sizeof(codes[0]) ? codes[r] : PB_EXIT_CACHE;
}
