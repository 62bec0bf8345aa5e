/* Claims at a dotted path and the group allow-lists. */
#include "config.h"

#include <string.h>

#include "claim-path.h"
#include "tap.h"

static json_t *
parse(const char *text)
{
    json_error_t jerr;
    return json_loads(text, 0, &jerr);
}

static enum pb_reason
groups(const struct pb_config *issuer, const struct pb_config *service, const char *claims_json, char *detail,
       size_t cap)
{
    json_t *claims = parse(claims_json);
    struct pb_verdict verdict = { PB_R_NONE, "" };
    enum pb_status status = pb_claims_groups(issuer, service, claims, NULL, &verdict);

    json_decref(claims);
    if (detail != NULL)
        snprintf(detail, cap, "%s", verdict.detail);
    return status == PB_OK ? PB_R_NONE : verdict.reason;
}

static void
set(struct pb_config *cfg, const char *word)
{
    char err[256];
    if (pb_config_apply(cfg, word, PB_W_FILE, err, sizeof(err)) != PB_OK)
        printf("# cannot set %s: %s\n", word, err);
}

int
main(void)
{
    json_t *c = parse("{\"realm_access\":{\"roles\":[\"a\",\"b\"]},\"resource_access\":{\"app\":{\"roles\":"
                      "[\"deploy\"]}},\"https://x.example/roles\":[\"r\"],\"s\":\"v\",\"n\":{\"s\":1}}");
    struct pb_config issuer, service;
    char detail[256];

    tap_ok(json_is_array(pb_claim_path_get(c, "realm_access.roles")), "realm_access.roles");
    tap_ok(json_is_array(pb_claim_path_get(c, "resource_access.app.roles")), "resource_access.app.roles");
    tap_ok(json_is_array(pb_claim_path_get(c, "https://x.example/roles")), "a name with dots, as it is");
    tap_ok(json_is_string(pb_claim_path_get(c, "s")), "a plain name");
    tap_ok(pb_claim_path_get(c, "s.x") == NULL, "a step into a string is absent");
    tap_ok(pb_claim_path_get(c, "n.s.t") == NULL, "a step into a number is absent");
    tap_ok(pb_claim_path_get(c, "realm_access.nothing") == NULL, "a missing name is absent");
    tap_ok(pb_claim_path_get(c, "realm_access.") == NULL, "a trailing dot is absent");
    tap_ok(pb_claim_path_get(c, ".s") == NULL, "a leading dot is absent");
    tap_is_int(pb_claim_path_check("a.b.c"), 0, "path a.b.c is usable");
    tap_is_int(pb_claim_path_check("a..c"), -1, "an empty name is not");
    tap_is_int(pb_claim_path_check("a.b.c.d.e.f.g.h"), 0, "%d deep is usable", PB_CLAIM_PATH_MAX_DEPTH);
    tap_is_int(pb_claim_path_check("a.b.c.d.e.f.g.h.i"), -1, "deeper is not");
    json_decref(c);

    pb_config_init(&issuer);
    pb_config_init(&service);
    tap_is_int(groups(&issuer, &service, "{}", NULL, 0), PB_R_NONE, "no allow-list: nothing checked");
    set(&issuer, "allow_groups=staff,ops");
    set(&issuer, "groups_claim=realm_access.roles");
    tap_is_int(groups(&issuer, &service, "{\"realm_access\":{\"roles\":[\"x\",\"ops\"]}}", NULL, 0), PB_R_NONE,
               "one allowed group is enough");
    tap_is_int(groups(&issuer, &service, "{\"realm_access\":{\"roles\":[\"x\"]}}", detail, sizeof(detail)),
               PB_R_NOT_IN_GROUP, "no allowed group refused");
    tap_ok(strstr(detail, "this issuer allows (staff, ...)") != NULL, "the reason names the groups: %s", detail);
    tap_is_int(groups(&issuer, &service, "{}", NULL, 0), PB_R_NOT_IN_GROUP, "no groups claim refused");
    tap_is_int(groups(&issuer, &service, "{\"realm_access\":{\"roles\":\"staff\"}}", detail, sizeof(detail)),
               PB_R_NOT_IN_GROUP, "a string instead of a list refused");
    tap_ok(strstr(detail, "not a list of groups") != NULL, "... saying so: %s", detail);
    tap_is_int(groups(&issuer, &service, "{\"realm_access\":{\"roles\":{\"staff\":1}}}", NULL, 0),
               PB_R_NOT_IN_GROUP, "an object refused");
    tap_is_int(groups(&issuer, &service, "{\"realm_access\":{\"roles\":[\"staff\",1]}}", NULL, 0),
               PB_R_NOT_IN_GROUP, "a list holding a number refused, even beside an allowed group");
    tap_is_int(groups(&issuer, &service, "{\"realm_access\":{\"roles\":[\"STAFF\"]}}", NULL, 0),
               PB_R_NOT_IN_GROUP, "group names compare exactly");
    tap_is_int(groups(&issuer, &service, "{\"groups\":[\"staff\"]}", NULL, 0), PB_R_NOT_IN_GROUP,
               "the issuer's groups_claim, not another");
    set(&service, "allow_groups=admins");
    tap_is_int(groups(&issuer, &service, "{\"realm_access\":{\"roles\":[\"staff\"]}}", detail, sizeof(detail)),
               PB_R_NOT_IN_GROUP, "the service's list applies too");
    tap_ok(strstr(detail, "this service allows (admins)") != NULL, "... and is named: %s", detail);
    tap_is_int(groups(&issuer, &service, "{\"realm_access\":{\"roles\":[\"staff\",\"admins\"]}}", NULL, 0),
               PB_R_NONE, "both lists met");
    tap_is_int(groups(&service, &service, "{\"groups\":[\"admins\"]}", NULL, 0), PB_R_NONE,
               "one configuration as issuer and service");
    pb_config_free(&issuer);
    pb_config_free(&service);
    return tap_done();
}
