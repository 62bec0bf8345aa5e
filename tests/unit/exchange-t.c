/* Unit tests for lib/exchange.c, its pure part: the exp claim read from a
 * token an authority handed out (pb_exchange_jwt_exp).  The HTTP exchanges
 * themselves are tested end to end against tests/fixtures/emulator.py by
 * tests/helper/tokens-t.sh and expiry-t.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange.h"
#include "tap.h"
#include "testkeys.h"

/* A token of header.PAYLOAD.signature with the payload's JSON text. */
static long long
exp_of(const char *payload_json)
{
    char *p = tk_b64url_str(payload_json), *token = malloc(strlen(p) + 64);
    long long exp;

    sprintf(token, "eyJhbGciOiJSUzI1NiJ9.%s.c2ln", p);
    exp = pb_exchange_jwt_exp(token);
    free(p);
    free(token);
    return exp;
}

int
main(void)
{
    tap_is_int(exp_of("{\"sub\":\"alice\",\"exp\":1700000000}"), 1700000000, "exp is read");
    tap_is_int(exp_of("{\"exp\":1}"), 1, "the smallest positive exp");
    tap_is_int(exp_of("{\"exp\":1700000000.75}"), 1700000000, "a fractional exp counts its whole seconds");
    tap_is_int(exp_of("{\"sub\":\"alice\"}"), -1, "no exp: -1");
    tap_is_int(exp_of("{\"exp\":0}"), -1, "exp 0: -1");
    tap_is_int(exp_of("{\"exp\":-5}"), -1, "a negative exp: -1");
    tap_is_int(exp_of("{\"exp\":\"1700000000\"}"), -1, "exp as a string: -1");
    tap_is_int(exp_of("{\"exp\":true}"), -1, "exp as a boolean: -1");
    tap_is_int(exp_of("{\"exp\":1e400}"), -1, "exp beyond any number: -1");
    tap_is_int(exp_of("[1700000000]"), -1, "a payload that is not an object: -1");
    tap_is_int(exp_of("{\"exp\":17"), -1, "a truncated payload: -1");
    tap_is_int(pb_exchange_jwt_exp("opaque-access-token"), -1, "an opaque token (no dots): -1");
    tap_is_int(pb_exchange_jwt_exp("one.dot"), -1, "one dot: -1");
    tap_is_int(pb_exchange_jwt_exp("a.!!!.c"), -1, "a payload that is not base64url: -1");
    tap_is_int(pb_exchange_jwt_exp(".."), -1, "empty parts: -1");
    return tap_done();
}
