/* JWS compact parsing, header rules and signature verification. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "b64url.h"
#include "jwk.h"
#include "jws.h"

/* Refuse nesting deeper than the cap before jansson recurses into it. */
static int
depth_ok(const unsigned char *data, size_t len)
{
    int depth = 0, in_string = 0, escaped = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = data[i];
        if (in_string) {
            if (escaped)
                escaped = 0;
            else if (c == '\\')
                escaped = 1;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > PB_JSON_MAX_DEPTH)
                return 0;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return 1;
}

json_t *
pb_json_parse_object(const unsigned char *data, size_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root;

    if (!depth_ok(data, len)) {
        snprintf(err, errlen, "JSON nested deeper than %d", PB_JSON_MAX_DEPTH);
        return NULL;
    }
    /* Duplicate names are ambiguous (RFC 7515 5.2 says reject or take the last;
     * we reject); NUL in strings is refused by jansson by default. */
    root = json_loadb((const char *) data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        /* jansson quotes the offending bytes ("near '...'"): token content
         * stays out of logs, so keep only the description and the offset. */
        char *near = strstr(jerr.text, " near ");
        if (near != NULL)
            *near = '\0';
        snprintf(err, errlen, "bad JSON at byte %d: %s", jerr.position, jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "JSON is not an object");
        json_decref(root);
        return NULL;
    }
    return root;
}

/* Header members whose values would let the token pick its own key. */
static const char *const key_bearing_headers[] = { "jwk", "jku", "x5u", "x5c" };

static enum pb_status
check_header(struct pb_jws *jws, struct pb_verdict *verdict)
{
    json_t *alg = json_object_get(jws->header, "alg");
    json_t *kid = json_object_get(jws->header, "kid");

    if (!json_is_string(alg)) {
        pb_verdict_set(verdict, PB_R_MALFORMED, "header has no \"alg\" string");
        return PB_REJECTED;
    }
    jws->alg_name = json_string_value(alg);
    jws->alg = pb_alg_find(jws->alg_name, json_string_length(alg));
    for (size_t i = 0; i < sizeof(key_bearing_headers) / sizeof(key_bearing_headers[0]); i++) {
        if (json_object_get(jws->header, key_bearing_headers[i]) != NULL) {
            pb_verdict_set(verdict, PB_R_HEADER_KEY, "header carries \"%s\"; keys in tokens are never trusted",
                           key_bearing_headers[i]);
            return PB_REJECTED;
        }
    }
    /* RFC 7515 4.1.11: we implement no extension, so any "crit" is unmet. */
    if (json_object_get(jws->header, "crit") != NULL) {
        pb_verdict_set(verdict, PB_R_CRIT, "header marks extensions critical that are not supported");
        return PB_REJECTED;
    }
    if (kid != NULL) {
        if (!json_is_string(kid)) {
            pb_verdict_set(verdict, PB_R_MALFORMED, "header \"kid\" is not a string");
            return PB_REJECTED;
        }
        jws->kid = json_string_value(kid);
    }
    return PB_OK;
}

static enum pb_status
parse(const char *token, size_t len, int empty_payload, struct pb_jws *jws, struct pb_verdict *verdict)
{
    const char *dot1, *dot2, *sig_b64;
    size_t header_len, sig_b64_len;
    unsigned char header_buf[2048 + 2], *header_heap = NULL, *header_data;
    size_t header_data_len;
    char err[160];
    enum pb_status status = PB_REJECTED;

    memset(jws, 0, sizeof(*jws));
    jws->token = token;
    dot1 = memchr(token, '.', len);
    dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t) (dot1 + 1 - token)) : NULL;
    if (dot1 == NULL || dot2 == NULL || memchr(dot2 + 1, '.', len - (size_t) (dot2 + 1 - token)) != NULL) {
        size_t dots = 0;
        for (size_t i = 0; i < len; i++)
            dots += token[i] == '.';
        pb_verdict_set(verdict, PB_R_MALFORMED, "%zu segments, a JWS has 3", dots + 1);
        goto done;
    }
    header_len = (size_t) (dot1 - token);
    jws->payload_b64 = dot1 + 1;
    jws->payload_b64_len = (size_t) (dot2 - jws->payload_b64);
    jws->signing_len = (size_t) (dot2 - token);
    sig_b64 = dot2 + 1;
    sig_b64_len = len - (size_t) (sig_b64 - token);
    if (header_len == 0 || (jws->payload_b64_len == 0 && !empty_payload)) {
        pb_verdict_set(verdict, PB_R_MALFORMED, "empty header or payload");
        goto done;
    }
    if (!pb_b64url_is_alphabet(jws->payload_b64, jws->payload_b64_len)) {
        pb_verdict_set(verdict, PB_R_MALFORMED, "payload is not strict base64url");
        goto done;
    }
    /* Most headers are tiny: decode on the stack. */
    header_data = header_buf;
    if (PB_B64URL_DECODED_MAX(header_len) + 1 > sizeof(header_buf)) {
        header_heap = malloc(PB_B64URL_DECODED_MAX(header_len) + 1);
        if (header_heap == NULL) {
            status = PB_NOMEM;
            goto done;
        }
        header_data = header_heap;
    }
    if (pb_b64url_decode(token, header_len, header_data, &header_data_len) < 0) {
        pb_verdict_set(verdict, PB_R_MALFORMED, "header is not strict base64url");
        goto done;
    }
    jws->header = pb_json_parse_object(header_data, header_data_len, err, sizeof(err));
    if (jws->header == NULL) {
        pb_verdict_set(verdict, PB_R_MALFORMED, "header: %s", err);
        goto done;
    }
    jws->sig = jws->sig_buf;
    if (PB_B64URL_DECODED_MAX(sig_b64_len) > sizeof(jws->sig_buf)) {
        jws->sig = malloc(PB_B64URL_DECODED_MAX(sig_b64_len) + 1);
        if (jws->sig == NULL) {
            status = PB_NOMEM;
            goto done;
        }
    }
    if (pb_b64url_decode(sig_b64, sig_b64_len, jws->sig, &jws->sig_len) < 0) {
        pb_verdict_set(verdict, PB_R_MALFORMED, "signature is not strict base64url");
        goto done;
    }
    status = check_header(jws, verdict);
done:
    free(header_heap);
    return status;
}

enum pb_status
pb_jws_parse(const char *token, size_t len, struct pb_jws *jws, struct pb_verdict *verdict)
{
    return parse(token, len, 0, jws, verdict);
}

enum pb_status
pb_jws_parse_jose(const char *token, size_t len, struct pb_jws *jws, struct pb_verdict *verdict)
{
    return parse(token, len, 1, jws, verdict);
}

enum pb_status
pb_jws_parse_claims(struct pb_jws *jws, struct pb_verdict *verdict)
{
    unsigned char stack[4096], *data = stack;
    size_t data_len;
    char err[160];
    enum pb_status status = PB_REJECTED;

    /* Typical claims sets fit on the stack; large ones go to the heap. */
    if (PB_B64URL_DECODED_MAX(jws->payload_b64_len) + 1 > sizeof(stack)) {
        data = malloc(PB_B64URL_DECODED_MAX(jws->payload_b64_len) + 1);
        if (data == NULL) {
            status = PB_NOMEM;
            goto done;
        }
    }
    if (pb_b64url_decode(jws->payload_b64, jws->payload_b64_len, data, &data_len) < 0) {
        pb_verdict_set(verdict, PB_R_MALFORMED, "payload is not strict base64url");
        goto done;
    }
    jws->claims = pb_json_parse_object(data, data_len, err, sizeof(err));
    if (jws->claims == NULL) {
        pb_verdict_set(verdict, PB_R_MALFORMED, "claims: %s", err);
        goto done;
    }
    status = PB_OK;
done:
    if (data != stack)
        free(data);
    return status;
}

/* Append one DER INTEGER holding the unsigned big-endian value v[0..len). */
static size_t
der_integer(unsigned char *out, const unsigned char *v, size_t len)
{
    size_t n = 0;

    while (len > 1 && v[0] == 0) {
        v++;
        len--;
    }
    out[n++] = 0x02;
    out[n++] = (unsigned char) (len + (v[0] & 0x80 ? 1 : 0));
    if (v[0] & 0x80)
        out[n++] = 0x00;
    memcpy(out + n, v, len);
    return n + len;
}

static int
all_zero(const unsigned char *v, size_t len)
{
    unsigned char acc = 0;

    for (size_t i = 0; i < len; i++)
        acc |= v[i];
    return acc == 0;
}

/* JWS ECDSA signatures are r||s, each exactly the curve's size (RFC 7518 3.4);
 * OpenSSL wants DER.  Zero halves are refused outright.  out holds at least
 * PB_ECDSA_DER_MAX bytes; returns the DER length or 0. */
#define PB_ECDSA_DER_MAX (3 + 2 * (3 + 66))
static size_t
ecdsa_raw_to_der(const unsigned char *sig, size_t sig_len, unsigned char *out)
{
    size_t half = sig_len / 2, body;
    unsigned char ints[2 * (3 + 66)];

    if (half > 66 || all_zero(sig, half) || all_zero(sig + half, half))
        return 0;
    body = der_integer(ints, sig, half);
    body += der_integer(ints + body, sig + half, half);
    out[0] = 0x30;
    /* P-521 signatures need the long form of the length. */
    if (body < 0x80) {
        out[1] = (unsigned char) body;
        memcpy(out + 2, ints, body);
        return body + 2;
    }
    out[1] = 0x81;
    out[2] = (unsigned char) body;
    memcpy(out + 3, ints, body);
    return body + 3;
}

static enum pb_status
verify_hmac(const struct pb_jws *jws, const struct pb_alg *alg,
            const unsigned char *secret, size_t secret_len)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;

    /* RFC 7518 3.2: the key must be at least as long as the hash output. */
    if (secret == NULL || secret_len < alg->sig_len || jws->sig_len != alg->sig_len)
        return PB_REJECTED;
    if (EVP_Q_mac(NULL, "HMAC", NULL, alg->digest, NULL, secret, secret_len,
                  (const unsigned char *) jws->token, jws->signing_len, mac, sizeof(mac), &mac_len) == NULL)
        return PB_REJECTED;
    if (mac_len != jws->sig_len || CRYPTO_memcmp(mac, jws->sig, mac_len) != 0) {
        OPENSSL_cleanse(mac, sizeof(mac));
        return PB_REJECTED;
    }
    OPENSSL_cleanse(mac, sizeof(mac));
    return PB_OK;
}

enum pb_status
pb_jws_verify(const struct pb_jws *jws, const struct pb_key *key,
              const unsigned char *hmac_secret, size_t hmac_secret_len)
{
    const struct pb_alg *alg = jws->alg;
    const unsigned char *sig = jws->sig;
    size_t sig_len = jws->sig_len;
    unsigned char der[PB_ECDSA_DER_MAX];
    EVP_MD_CTX *ctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    size_t slot;
    enum pb_status status = PB_REJECTED;

    if (alg == NULL)
        goto done;
    if (alg->family == PB_FAM_HMAC) {
        /* Only the configured secret: never a JWKS key, never public-key bytes. */
        status = verify_hmac(jws, alg, hmac_secret, hmac_secret_len);
        goto done;
    }
    if (key == NULL || key->pkey == NULL || !pb_key_fits(key, alg))
        goto done;
    switch (alg->family) {
    case PB_FAM_ECDSA:
        if (sig_len != alg->sig_len)
            goto done;
        sig_len = ecdsa_raw_to_der(sig, sig_len, der);
        if (sig_len == 0)
            goto done;
        sig = der;
        break;
    case PB_FAM_RSA_PKCS1:
    case PB_FAM_RSA_PSS:
        if (sig_len != (size_t) EVP_PKEY_get_size(key->pkey))
            goto done;
        break;
    case PB_FAM_EDDSA:
        if (sig_len != (strcmp(key->curve, "Ed25519") == 0 ? 64u : 114u))
            goto done;
        break;
    default:
        goto done;
    }
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        status = PB_NOMEM;
        goto done;
    }
    slot = pb_alg_index(alg);
    if (slot < PB_ALG_SLOTS && key->proto[slot] != NULL) {
        if (EVP_MD_CTX_copy_ex(ctx, key->proto[slot]) != 1)
            goto done;
    } else {
        if (EVP_DigestVerifyInit_ex(ctx, &pctx, alg->digest, NULL, NULL, key->pkey, NULL) != 1)
            goto done;
        if (alg->family == PB_FAM_RSA_PSS
            && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1
                || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
            goto done;
    }
    if (EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *) jws->token, jws->signing_len) == 1)
        status = PB_OK;
done:
    EVP_MD_CTX_free(ctx);
    return status;
}

void
pb_jws_clear(struct pb_jws *jws)
{
    json_decref(jws->header);
    json_decref(jws->claims);
    if (jws->sig != jws->sig_buf)
        free(jws->sig);
    jws->header = jws->claims = NULL;
    jws->sig = NULL;
    jws->sig_len = 0;
}
