/* fuzz-conv and the PAM module it has libpam load (fuzz-conv-module.c). */
#ifndef PB_FUZZ_CONV_H
#define PB_FUZZ_CONV_H

#include <security/pam_modules.h>

/* The conversation's appdata starts with this: the module calls back into
 * the fuzz target, which then runs as a module of the stack. */
struct fuzz_conv_call {
    int (*authenticate)(pam_handle_t *pamh, int flags, struct fuzz_conv_call *call);
};

#endif
