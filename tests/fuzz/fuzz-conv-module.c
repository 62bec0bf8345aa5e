/*
 * fuzz-conv-module: the one module of fuzz-conv's service file.
 *
 * libpam keeps PAM_AUTHTOK from applications (PAM_BAD_ITEM); only code that
 * libpam itself called as a module may prompt for it with pam_get_authtok or
 * set it.  So fuzz-conv calls pam_authenticate, libpam calls this module, and
 * the module calls back into the fuzz target (where pam_bearer's own code is
 * linked and instrumented) through the entry at the start of the
 * conversation's appdata.
 */
#include "config.h"

#include <stddef.h>

#include <security/pam_modules.h>

#include "fuzz-conv.h"

#define FUZZ_EXPORT __attribute__((visibility("default")))

FUZZ_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    const void *item = NULL;
    const struct pam_conv *conv;

    (void) argc, (void) argv;
    if (pam_get_item(pamh, PAM_CONV, &item) != PAM_SUCCESS || item == NULL)
        return PAM_SERVICE_ERR;
    conv = item;
    if (conv->appdata_ptr == NULL)
        return PAM_SERVICE_ERR;
    return ((struct fuzz_conv_call *) conv->appdata_ptr)->authenticate(pamh, flags, conv->appdata_ptr);
}

FUZZ_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void) pamh, (void) flags, (void) argc, (void) argv;
    return PAM_SUCCESS;
}
