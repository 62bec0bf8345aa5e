/* JWS structure and header rules, before any key is involved. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "jws.h"
#include "tap.h"
#include "testkeys.h"

static enum pb_reason
parse_reason(const char *token)
{
    struct pb_jws jws;
    struct pb_verdict verdict = { PB_R_NONE, "" };
    enum pb_status status = pb_jws_parse(token, strlen(token), &jws, &verdict);

    pb_jws_clear(&jws);
    return status == PB_OK ? PB_R_NONE : verdict.reason;
}

/* A token with this header JSON, a fixed payload and a dummy signature. */
static char *
with_header(const char *header_json)
{
    char *h = tk_b64url_str(header_json), *out = malloc(strlen(h) + 64);

    sprintf(out, "%s.eyJzdWIiOiJhIn0.c2ln", h);
    free(h);
    return out;
}

static void
header_case(const char *header_json, enum pb_reason want, const char *name)
{
    char *token = with_header(header_json);
    tap_is_int(parse_reason(token), want, "%s", name);
    free(token);
}

int
main(void)
{
    struct pb_jws jws;
    struct pb_verdict verdict;
    char *big;

    header_case("{\"alg\":\"RS256\",\"kid\":\"k1\"}", PB_R_NONE, "plain RS256 header parses");
    {
        char *token = with_header("{\"alg\":\"ES256\",\"kid\":\"abc\"}");
        tap_is_int(pb_jws_parse(token, strlen(token), &jws, &verdict), PB_OK, "parse ok");
        tap_is_str(jws.kid, "abc", "kid read");
        tap_is_str(jws.alg ? jws.alg->name : NULL, "ES256", "alg found");
        tap_is_int(jws.sig_len, 3, "signature decoded");
        tap_is_int(jws.signing_len, strchr(strchr(token, '.') + 1, '.') - token, "signing input length");
        tap_ok(jws.claims == NULL, "claims not parsed before the signature is checked");
        pb_jws_clear(&jws);
        free(token);
    }
    header_case("{\"alg\":\"none\"}", PB_R_NONE, "alg none parses (refused later by the allow-list)");
    {
        char *token = with_header("{\"alg\":\"none\"}");
        pb_jws_parse(token, strlen(token), &jws, &verdict);
        tap_ok(jws.alg == NULL, "alg none is not a known algorithm");
        pb_jws_clear(&jws);
        free(token);
    }
    header_case("{\"typ\":\"JWT\"}", PB_R_MALFORMED, "missing alg");
    header_case("{\"alg\":256}", PB_R_MALFORMED, "alg not a string");
    header_case("{\"alg\":\"RS256\",\"kid\":7}", PB_R_MALFORMED, "kid not a string");
    header_case("{\"alg\":\"RS256\",\"jwk\":{\"kty\":\"RSA\"}}", PB_R_HEADER_KEY, "embedded jwk");
    header_case("{\"alg\":\"RS256\",\"jku\":\"https://evil/\"}", PB_R_HEADER_KEY, "jku");
    header_case("{\"alg\":\"RS256\",\"x5u\":\"https://evil/\"}", PB_R_HEADER_KEY, "x5u");
    header_case("{\"alg\":\"RS256\",\"x5c\":[\"MIIB\"]}", PB_R_HEADER_KEY, "x5c");
    header_case("{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1}", PB_R_CRIT, "crit with any name");
    header_case("{\"alg\":\"RS256\",\"crit\":[]}", PB_R_CRIT, "empty crit");
    header_case("{\"alg\":\"RS256\",\"alg\":\"none\"}", PB_R_MALFORMED, "duplicate header names");
    header_case("[\"alg\",\"RS256\"]", PB_R_MALFORMED, "header is an array");
    header_case("\"RS256\"", PB_R_MALFORMED, "header is a string");
    header_case("42", PB_R_MALFORMED, "header is a number");
    header_case("{\"alg\":\"RS256\"", PB_R_MALFORMED, "truncated JSON");
    /* Nothing up to 64 levels (the header object counting as one) is refused for depth. */
    tap_is_int(PB_JSON_MAX_DEPTH, 64, "the depth bound is 64 levels");
    for (int levels = 16; levels <= 66; levels++) {
        char json[256];
        int n = snprintf(json, sizeof(json), "{\"alg\":\"RS256\",\"x\":");
        for (int i = 1; i < levels; i++)
            json[n++] = '[';
        json[n++] = '1';
        for (int i = 1; i < levels; i++)
            json[n++] = ']';
        json[n++] = '}';
        json[n] = '\0';
        if (levels == 16 || levels == 17 || levels >= 63) {
            char name[64], err[128];
            json_t *root;
            snprintf(name, sizeof(name), "header nested %d levels deep", levels);
            header_case(json, levels <= 64 ? PB_R_NONE : PB_R_MALFORMED, name);
            root = pb_json_parse_object((const unsigned char *) json, (size_t) n, err, sizeof(err));
            tap_ok((root != NULL) == (levels <= 64), "a JSON object nested %d levels deep is %s", levels,
                   levels <= 64 ? "parsed" : "refused");
            json_decref(root);
        }
    }
    header_case("{\"alg\":\"RS256\",\"x\":\"[[[[[[[[[[[[[[[[[[[[[[[[\"}", PB_R_NONE,
                "brackets inside strings do not count as nesting");
    header_case("{\"alg\":\"RS\\u0000256\"}", PB_R_MALFORMED, "NUL escape refused");

    tap_is_int(parse_reason("a.b"), PB_R_MALFORMED, "2 segments");
    tap_is_int(parse_reason("a.b.c.d"), PB_R_MALFORMED, "4 segments");
    tap_is_int(parse_reason("a.b.c.d.e"), PB_R_MALFORMED, "5 segments (JWE shape)");
    tap_is_int(parse_reason(".eyJ9.c2ln"), PB_R_MALFORMED, "empty header");
    tap_is_int(parse_reason("eyJhbGciOiJSUzI1NiJ9..c2ln"), PB_R_MALFORMED, "empty payload");
    {
        /* RFC 7515 allows an empty payload: JOSE-only parsing takes it, the token parser does not. */
        static const char empty[] = "eyJhbGciOiJSUzI1NiJ9..c2ln";
        tap_ok(!pb_credential_is_token_shaped(empty, strlen(empty)), "empty payload: not token-shaped");
        tap_ok(pb_credential_is_jose_shaped(empty, strlen(empty)), "empty payload: JOSE-shaped");
        tap_ok(!pb_credential_is_jose_shaped(".eyJ9.c2ln", 10) && !pb_credential_is_jose_shaped("eyJ9.c2ln", 9),
               "empty header or two parts: not JOSE-shaped");
        verdict.reason = PB_R_NONE;
        tap_is_int(pb_jws_parse_jose(empty, strlen(empty), &jws, &verdict), PB_OK, "empty payload: JOSE parse");
        tap_ok(jws.payload_b64_len == 0 && jws.signing_len == 21, "empty payload: signing input is \"header.\"");
        pb_jws_clear(&jws);
        tap_is_int(pb_jws_parse_jose(".eyJ9.c2ln", 10, &jws, &verdict), PB_REJECTED, "empty header: JOSE parse refuses");
        pb_jws_clear(&jws);
    }
    tap_is_int(parse_reason("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0=.c2ln"), PB_R_MALFORMED, "padded payload");
    tap_is_int(parse_reason("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln=="), PB_R_MALFORMED, "padded signature");
    tap_is_int(parse_reason("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2+n"), PB_R_MALFORMED, "'+' in signature");
    tap_is_int(parse_reason("eyJhbGciOiJSUzI1NiJ9.eyJzdWIi/OiJhIn0.c2ln"), PB_R_MALFORMED, "'/' in payload");
    tap_is_int(parse_reason("eyJhbGciOiJSUzI1NiJ9 .eyJzdWIiOiJhIn0.c2ln"), PB_R_MALFORMED, "space in header");

    /* The size bound is pb_credential_read's (credential-t); the parser
     * itself takes any length its caller hands it, without a fixed buffer. */
    big = malloc(PB_JWS_MAX_TOKEN + 2);
    memset(big, 'A', PB_JWS_MAX_TOKEN + 1);
    big[10] = '.';
    big[20] = '.';
    big[PB_JWS_MAX_TOKEN + 1] = '\0';
    tap_is_int(parse_reason(big), PB_R_MALFORMED, "a 64 KiB + 1 token of 'A's: parsed, refused as malformed");
    free(big);

    tap_ok(pb_credential_is_token_shaped("a.b.c", 5), "a.b.c is token-shaped");
    tap_ok(pb_credential_is_token_shaped("a.b.", 4), "empty signature is still token-shaped");
    tap_ok(pb_credential_is_token_shaped("a.b=.c", 6), "mangled base64 is still token-shaped");
    tap_ok(!pb_credential_is_token_shaped("hunter2", 7), "a password is not token-shaped");
    tap_ok(!pb_credential_is_token_shaped("my.pass word.x", 14), "a password with dots and a space is not");
    tap_ok(!pb_credential_is_token_shaped("a.b", 3), "one dot is not token-shaped");
    tap_ok(!pb_credential_is_token_shaped("", 0), "empty input is not token-shaped");
    return tap_done();
}
