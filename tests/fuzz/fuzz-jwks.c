/*
 * fuzz-jwks: libFuzzer target for key files.
 *
 * Each input is the content of a jwks= file: it goes through pb_keyset_parse
 * (a JWKS document or PEM public keys, keys only described), and every key
 * that comes out is asked which algorithms it fits, converted through
 * pb_keyset_key (the lazy conversion a token triggers) and tried against a
 * fixed token of each such algorithm (signatures of the right length but
 * wrong, so conversion, key-size checks and the verify call itself run).
 * When the input is a JSON object it is also handed to pb_jwk_to_key directly
 * (as a single JWK), and so is each member of its "keys" array, followed by
 * pb_key_prepare for every algorithm.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>

#include "alg.h"
#include "b64url.h"
#include "jwk.h"
#include "jws.h"
#include "keyset.h"
#include "log.h"
#include "fuzz-util.h"

/* Keys of a JWKS beyond this are not tried one by one (the set caps at 64 anyway). */
#define MAX_DIRECT_KEYS 16

/* One parsed token per algorithm; the token text must outlive the struct. */
struct fixed_token {
    const struct pb_alg *alg;
    char *text;
    struct pb_jws jws;
};

static struct fixed_token *tokens;
static size_t token_count;

/* Signature length to forge for alg: RSA and EdDSA depend on the key, so pick
 * the common case (2048-bit RSA, Ed25519). */
static size_t
fake_sig_len(const struct pb_alg *alg)
{
    switch (alg->family) {
    case PB_FAM_RSA_PKCS1:
    case PB_FAM_RSA_PSS: return 256;
    case PB_FAM_EDDSA: return 64;
    default: return alg->sig_len;
    }
}

static void
cleanup(void)
{
    for (size_t i = 0; i < token_count; i++) {
        pb_jws_clear(&tokens[i].jws);
        free(tokens[i].text);
    }
    free(tokens);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const struct pb_alg *algs = pb_alg_all(&token_count);
    unsigned char sig[512];

    (void) argc;
    (void) argv;
    tokens = calloc(token_count, sizeof(*tokens));
    if (tokens == NULL)
        abort();
    memset(sig, 0x5a, sizeof(sig));   /* non-zero halves: ECDSA conversion goes through */
    for (size_t i = 0; i < token_count; i++) {
        char header[64], *h, *p, *s;
        const char *payload = "{\"sub\":\"alice\",\"exp\":4102444800}";
        struct pb_verdict verdict;
        size_t len;

        snprintf(header, sizeof(header), "{\"alg\":\"%s\"}", algs[i].name);
        h = pb_b64url_encode((const unsigned char *) header, strlen(header));
        p = pb_b64url_encode((const unsigned char *) payload, strlen(payload));
        s = pb_b64url_encode(sig, fake_sig_len(&algs[i]));
        if (h == NULL || p == NULL || s == NULL)
            abort();
        len = strlen(h) + strlen(p) + strlen(s) + 3;
        tokens[i].alg = &algs[i];
        tokens[i].text = malloc(len);
        if (tokens[i].text == NULL)
            abort();
        snprintf(tokens[i].text, len, "%s.%s.%s", h, p, s);
        free(h);
        free(p);
        free(s);
        if (pb_jws_parse(tokens[i].text, strlen(tokens[i].text), &tokens[i].jws, &verdict) != PB_OK) {
            fprintf(stderr, "fuzz-jwks: init: cannot parse our own %s token: %s\n", algs[i].name,
                    verdict.detail);
            abort();
        }
    }
    atexit(cleanup);
    return 0;
}

/* What a converted key is used for: fits, then a verification attempt. */
static void
use_key(const struct pb_key *key)
{
    for (size_t i = 0; i < token_count; i++) {
        if (!pb_key_fits(key, tokens[i].alg))
            continue;
        if (tokens[i].alg->family == PB_FAM_HMAC)
            (void) pb_jws_verify(&tokens[i].jws, key, key->secret, key->secret_len);
        else if (pb_jws_verify(&tokens[i].jws, key, NULL, 0) == PB_OK)
            abort();   /* a made-up signature verified */
    }
}

/* The same through the key set, which converts a described key on first use
 * and prepares a context for the algorithm asked for. */
static void
use_set_key(struct pb_keyset *set, size_t index)
{
    for (size_t i = 0; i < token_count; i++) {
        const struct pb_key *key;
        if (!pb_key_fits(&set->keys[index], tokens[i].alg))
            continue;
        key = pb_keyset_key(set, index, tokens[i].alg, &fuzz_log);
        if (key == NULL)
            return;   /* unusable: conversion failed */
        if (tokens[i].alg->family == PB_FAM_HMAC)
            (void) pb_jws_verify(&tokens[i].jws, key, key->secret, key->secret_len);
        else if (pb_jws_verify(&tokens[i].jws, key, NULL, 0) == PB_OK)
            abort();   /* a made-up signature verified */
    }
}

static void
direct_jwk(json_t *jwk)
{
    struct pb_key key;
    char err[160];

    if (pb_jwk_to_key(jwk, &key, err, sizeof(err)) == PB_OK) {
        if (pb_key_prepare(&key) == PB_OK)
            use_key(&key);
    }
    pb_key_clear(&key);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pb_keyset *set = NULL;
    json_t *root, *keys, *jwk;
    char err[160];
    size_t i;

    if (pb_keyset_parse(data, size, &set, &fuzz_log, "fuzz") == PB_OK) {
        if (set == NULL || set->count == 0 || set->count > PB_KEYSET_MAX_KEYS)
            abort();
        for (i = 0; i < set->count; i++) {
            /* Odd keys among the first few are converted by direct_jwk below
             * anyway: leave them described, so freeing unconverted keys runs too. */
            if (i % 2 == 1 && i < MAX_DIRECT_KEYS)
                continue;
            use_set_key(set, i);
        }
        pb_keyset_free(set);
    }
    ERR_clear_error();

    root = pb_json_parse_object(data, size, err, sizeof(err));
    if (root != NULL) {
        direct_jwk(root);
        keys = json_object_get(root, "keys");
        if (json_is_array(keys)) {
            json_array_foreach(keys, i, jwk) {
                if (i >= MAX_DIRECT_KEYS)
                    break;
                direct_jwk(jwk);
            }
        }
        json_decref(root);
    }
    ERR_clear_error();
    return 0;
}
