/* alg-t: the JWS algorithm table (lib/alg.c): exact names, families, key types. */
#include <string.h>

#include "alg.h"
#include "tap.h"

int
main(void)
{
    static const char *const known[] = { "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                         "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512" };
    const struct pb_alg *all, *a;
    unsigned bits = 0;
    size_t n, i;

    all = pb_alg_all(&n);
    tap_is_int(n, sizeof(known) / sizeof(known[0]), "the table holds the 13 algorithms of RFC 7518 and 8037");
    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        a = pb_alg_find(known[i], strlen(known[i]));
        tap_ok(a != NULL && strcmp(a->name, known[i]) == 0, "%s is found by its name", known[i]);
        if (a != NULL) {
            tap_ok(pb_alg_index(a) < n && &all[pb_alg_index(a)] == a, "%s: its index points back at it", known[i]);
            tap_ok((bits & a->bit) == 0 && a->bit != 0, "%s: its allow-list bit is its own", known[i]);
            bits |= a->bit;
        }
    }
    tap_ok(pb_alg_find("none", 4) == NULL, "none is unknown");
    tap_ok(pb_alg_find("None", 4) == NULL && pb_alg_find("NONE", 4) == NULL, "None and NONE are unknown");
    tap_ok(pb_alg_find("rs256", 5) == NULL, "names are case-sensitive (rs256)");
    tap_ok(pb_alg_find("RS2560", 5) != NULL, "the length bounds the name (RS2560 with length 5 is RS256)");
    tap_ok(pb_alg_find("RS25", 4) == NULL, "a prefix is not a name (RS25)");
    tap_ok(pb_alg_find("RS256", 6) == NULL, "a name with its NUL is not a name");
    tap_ok(pb_alg_find("", 0) == NULL, "the empty name is unknown");

    a = pb_alg_find("RS256", 5);
    tap_ok(a != NULL && a->family == PB_FAM_RSA_PKCS1 && a->kty == PB_KTY_RSA
               && strcmp(a->digest, "SHA256") == 0 && a->sig_len == 0,
           "RS256: PKCS#1 v1.5, RSA keys only, SHA-256, length from the key");
    a = pb_alg_find("PS384", 5);
    tap_ok(a != NULL && a->family == PB_FAM_RSA_PSS && a->kty == PB_KTY_RSA, "PS384: PSS, RSA keys only");
    a = pb_alg_find("ES256", 5);
    tap_ok(a != NULL && a->family == PB_FAM_ECDSA && a->kty == PB_KTY_EC && a->sig_len == 64,
           "ES256: ECDSA on EC keys, 64-byte signatures (R || S)");
    a = pb_alg_find("ES512", 5);
    tap_ok(a != NULL && a->sig_len == 132, "ES512: 132-byte signatures (P-521)");
    a = pb_alg_find("EdDSA", 5);
    tap_ok(a != NULL && a->family == PB_FAM_EDDSA && a->kty == PB_KTY_OKP && a->digest == NULL,
           "EdDSA: OKP keys, no separate digest");
    a = pb_alg_find("HS512", 5);
    tap_ok(a != NULL && a->family == PB_FAM_HMAC && a->kty == PB_KTY_OCT, "HS512: HMAC, oct keys only");
    for (i = 0; i < n; i++)
        if (all[i].family != PB_FAM_HMAC && all[i].kty == PB_KTY_OCT)
            break;
    tap_ok(i == n, "no asymmetric algorithm takes an oct key (an RSA/EC key is never an HMAC secret)");

    tap_is_str(pb_kty_name(PB_KTY_RSA), "RSA", "kty name RSA");
    tap_is_str(pb_kty_name(PB_KTY_EC), "EC", "kty name EC");
    tap_is_str(pb_kty_name(PB_KTY_OKP), "OKP", "kty name OKP");
    tap_is_str(pb_kty_name(PB_KTY_OCT), "oct", "kty name oct");
    return tap_done();
}
