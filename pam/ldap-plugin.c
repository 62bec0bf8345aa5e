/* pam_bearer-ldap.so: the one symbol the module looks up. */
#include "config.h"

#include "ldap-auth.h"
#include "ldap-passwd.h"

__attribute__((visibility("default"))) const struct pb_ldap_ops pb_ldap_ops_v1 = {
    PB_LDAP_OPS_VERSION,
    pb_ldap_authenticate,
    pb_ldap_check_group,
    pb_ldap_change_password,
};
