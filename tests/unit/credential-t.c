/* Reading what was typed (lib/credential.c): the scheme, the size bound, and
 * which input is a token, a cut token or a password. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "tap.h"

/* A token-shaped text of exactly len bytes: "eyJ" header, payload, signature. */
static char *
token_of(size_t len)
{
    char *t = malloc(len + 1);

    if (t == NULL || len < 8)
        abort();
    memset(t, 'A', len);
    memcpy(t, "eyJ", 3);
    t[len / 3] = '.';
    t[2 * len / 3] = '.';
    t[len] = '\0';
    return t;
}

static const char *
kind_name(enum pb_credential_kind k)
{
    switch (k) {
    case PB_CRED_PASSWORD: return "password";
    case PB_CRED_TOKEN: return "token";
    case PB_CRED_TOO_LARGE: return "too-large";
    case PB_CRED_CUT: return "cut";
    }
    return "?";
}

static void
expect_kind(const char *typed, size_t len, enum pb_credential_kind want, const char *name)
{
    struct pb_credential c;

    if (len == (size_t) -1)     /* -1: the whole string */
        len = strlen(typed);
    memset(&c, 0x5a, sizeof(c));
    pb_credential_read(typed, len, &c);
    tap_ok(c.kind == want, "%s: %s", name, kind_name(want));
    if (c.kind != want)
        printf("#   got %s\n", kind_name(c.kind));
}

int
main(void)
{
    struct pb_credential c;
    char *t, *big, *typed;
    const char *tok = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln";
    size_t toklen = strlen(tok);

    /* --- tokens within the bound */
    pb_credential_read(tok, toklen, &c);
    tap_is_int(c.kind, PB_CRED_TOKEN, "a small token is a token");
    tap_ok(c.typed == tok && c.typed_len == toklen, "... typed is what was given");
    tap_ok(c.text == tok && c.len == toklen, "... and with no scheme, text is all of it");

    t = token_of(PB_JWS_MAX_TOKEN);
    pb_credential_read(t, PB_JWS_MAX_TOKEN, &c);
    tap_is_int(c.kind, PB_CRED_TOKEN, "exactly PB_JWS_MAX_TOKEN bytes is a token");
    tap_is_int(c.len, PB_JWS_MAX_TOKEN, "... of that length");
    free(t);

    t = token_of(PB_JWS_MAX_TOKEN + 1);
    pb_credential_read(t, PB_JWS_MAX_TOKEN + 1, &c);
    tap_is_int(c.kind, PB_CRED_TOO_LARGE, "one byte more is too large");
    tap_is_int(c.len, PB_JWS_MAX_TOKEN + 1, "... and its length is kept for the log");
    free(t);

    /* Over the bound is too large whatever it is made of: never a password. */
    big = malloc(PB_JWS_MAX_TOKEN + 2);
    memset(big, 'x', PB_JWS_MAX_TOKEN + 1);
    big[PB_JWS_MAX_TOKEN + 1] = '\0';
    expect_kind(big, PB_JWS_MAX_TOKEN + 1, PB_CRED_TOO_LARGE, "an oversized password-like text");
    expect_kind(big, PB_JWS_MAX_TOKEN, PB_CRED_PASSWORD, "the same at the bound");
    free(big);

    /* The scheme does not count towards the bound. */
    t = token_of(PB_JWS_MAX_TOKEN);
    typed = malloc(PB_JWS_MAX_TOKEN + 8);
    memcpy(typed, "Bearer ", 7);
    memcpy(typed + 7, t, PB_JWS_MAX_TOKEN);
    pb_credential_read(typed, PB_JWS_MAX_TOKEN + 7, &c);
    tap_is_int(c.kind, PB_CRED_TOKEN, "\"Bearer \" + a token at the bound is a token");
    tap_ok(c.typed_len == PB_JWS_MAX_TOKEN + 7 && c.len == PB_JWS_MAX_TOKEN && c.text == typed + 7,
           "... text is after the scheme, typed is all of it");
    free(typed);
    free(t);

    /* --- the "Bearer " scheme */
    {
        static const char *const schemes[] = { "Bearer ", "bearer ", "BEARER ", "bEaReR ", "Bearer    " };
        char buf[256];
        for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
            size_t slen = strlen(schemes[i]);
            snprintf(buf, sizeof(buf), "%s%s", schemes[i], tok);
            pb_credential_read(buf, strlen(buf), &c);
            tap_ok(c.kind == PB_CRED_TOKEN && c.text == buf + slen && c.len == toklen
                       && memcmp(c.text, tok, toklen) == 0,
                   "scheme \"%s\" is stripped", schemes[i]);
            tap_ok(c.typed == buf && c.typed_len == strlen(buf), "... typed keeps it");
        }
    }
    pb_credential_read("Bearer", 6, &c);
    tap_ok(c.kind == PB_CRED_PASSWORD && c.len == 6 && c.text[0] == 'B', "\"Bearer\" alone is a password");
    pb_credential_read("Bearer ", 7, &c);
    tap_ok(c.kind == PB_CRED_PASSWORD && c.len == 7, "\"Bearer \" alone is a password, nothing stripped");
    pb_credential_read("Bearer  ", 8, &c);
    tap_ok(c.kind == PB_CRED_PASSWORD && c.len == 0, "\"Bearer  \": the scheme and spaces stripped, empty");
    {
        char buf[256];
        snprintf(buf, sizeof(buf), "Bearer\t%s", tok);
        pb_credential_read(buf, strlen(buf), &c);
        tap_ok(c.kind == PB_CRED_PASSWORD && c.text == buf, "\"Bearer<TAB>token\" is not the scheme: a password");
        snprintf(buf, sizeof(buf), "Bearerx %s", tok);
        pb_credential_read(buf, strlen(buf), &c);
        tap_ok(c.kind == PB_CRED_PASSWORD && c.text == buf, "\"Bearerx token\" is a password");
        snprintf(buf, sizeof(buf), " Bearer %s", tok);
        pb_credential_read(buf, strlen(buf), &c);
        tap_ok(c.kind == PB_CRED_PASSWORD && c.text == buf, "a leading space: a password");
    }

    /* --- passwords and the empty string */
    pb_credential_read("correct horse battery staple", 28, &c);
    tap_ok(c.kind == PB_CRED_PASSWORD && c.len == 28 && c.text == c.typed, "a password is a password, whole");
    expect_kind("hunter2", 7, PB_CRED_PASSWORD, "a short password");
    expect_kind("a.b.c", 5, PB_CRED_TOKEN, "a.b.c (three parts of the alphabet)");
    expect_kind("p@ss.w.rd", 9, PB_CRED_PASSWORD, "a password with two dots and an '@'");
    expect_kind("a.b.c d", 7, PB_CRED_PASSWORD, "three parts and a space");
    pb_credential_read("", 0, &c);
    tap_ok(c.kind == PB_CRED_PASSWORD && c.len == 0 && c.typed_len == 0, "the empty string is an (empty) password");

    /* --- a cut token: "eyJ", 64 bytes or more, no second dot */
    {
        char buf[200];
        memset(buf, 'A', sizeof(buf));
        memcpy(buf, "eyJ", 3);
        expect_kind(buf, 64, PB_CRED_CUT, "64 bytes of eyJ... with no dot");
        expect_kind(buf, 63, PB_CRED_PASSWORD, "63 bytes of the same");
        buf[30] = '.';
        expect_kind(buf, 100, PB_CRED_CUT, "100 bytes of eyJ... with one dot");
        expect_kind(buf, 40, PB_CRED_PASSWORD, "40 bytes of eyJ... with one dot");
        buf[60] = '.';
        expect_kind(buf, 100, PB_CRED_TOKEN, "... with its second dot it is whole: a token");
        buf[60] = '!';
        expect_kind(buf, 100, PB_CRED_PASSWORD, "eyJ... with a character outside the alphabet");
        buf[60] = 'A';
        buf[0] = 'x';
        expect_kind(buf, 100, PB_CRED_PASSWORD, "not starting \"eyJ\"");
        buf[0] = 'e';
        memcpy(buf + 100, "Bearer ", 7);
        memcpy(buf + 107, buf, 64);
        expect_kind(buf + 100, 7 + 64, PB_CRED_CUT, "a cut token after the scheme");
    }

    /* --- mangled tokens are tokens, never passwords */
    expect_kind("eyJhbGciOiJFUzI1NiJ9==.eyJzdWIiOiJhbGljZSJ9.c2ln", (size_t) -1, PB_CRED_TOKEN, "base64 padding");
    expect_kind("eyJhbGci+/JFUzI1NiJ9.eyJzdWIi+/JhbGljZSJ9.c2l+/=", (size_t) -1, PB_CRED_TOKEN,
                "the standard alphabet");
    expect_kind("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.", (size_t) -1, PB_CRED_TOKEN, "an empty signature");
    expect_kind("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln.more", (size_t) -1, PB_CRED_TOKEN, "four parts");
    expect_kind(".eyJzdWIiOiJhbGljZSJ9.c2ln", (size_t) -1, PB_CRED_PASSWORD, "an empty header");

    /* --- an empty payload: JOSE-shaped, not token-shaped */
    {
        const char *nopayload = "eyJhbGciOiJFUzI1NiJ9..c2ln";
        size_t n = strlen(nopayload);
        tap_ok(!pb_credential_is_token_shaped(nopayload, n), "an empty payload is not token-shaped");
        tap_ok(pb_credential_is_jose_shaped(nopayload, n), "... but is JOSE-shaped");
        expect_kind(nopayload, n, PB_CRED_PASSWORD, "a payload-less token (short)");
        tap_ok(pb_credential_is_jose_shaped(tok, toklen), "a whole token is JOSE-shaped too");
        tap_ok(!pb_credential_is_jose_shaped("..c2ln", 6), "an empty header is not JOSE-shaped");
        tap_ok(!pb_credential_is_jose_shaped("eyJhbGci.c2ln", 13), "one dot is not JOSE-shaped");
        tap_ok(!pb_credential_is_token_shaped("", 0), "the empty string is not token-shaped");
    }

    /* --- a NUL inside the length */
    {
        const char withnul[] = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIi\0iJhbGljZSJ9.c2ln";
        size_t n = sizeof(withnul) - 1;
        tap_ok(!pb_credential_is_token_shaped(withnul, n), "a NUL within the length is not token-shaped");
        expect_kind(withnul, n, PB_CRED_PASSWORD, "a token with a NUL inside");
        expect_kind(withnul, 29, PB_CRED_PASSWORD, "... cut at the NUL (one dot, short)");
        tap_ok(!pb_credential_is_token_text(withnul, n), "... nor token text");
        tap_ok(pb_credential_is_token_text(withnul, 29), "... though the part before the NUL is");
        tap_ok(!pb_credential_token_prefix(withnul, n), "... nor a token prefix");
    }

    /* --- pb_credential_is_token_text */
    tap_ok(pb_credential_is_token_text("", 0), "token text: the empty string");
    tap_ok(pb_credential_is_token_text(PB_TOKEN_ALPHABET, strlen(PB_TOKEN_ALPHABET)), "token text: the alphabet");
    tap_ok(!pb_credential_is_token_text("abc=", 4), "token text: no padding");
    tap_ok(!pb_credential_is_token_text("ab+c", 4), "token text: no '+'");
    tap_ok(!pb_credential_is_token_text("ab/c", 4), "token text: no '/'");
    tap_ok(!pb_credential_is_token_text("ab c", 4), "token text: no space");
    tap_ok(!pb_credential_is_token_text("ab\xc3\xa9", 4), "token text: no non-ASCII");
    tap_ok(pb_credential_is_token_text("abc!", 3), "token text: only len bytes are read");
    tap_ok(!pb_credential_is_token_text("abc!", 4), "token text: ... and all of them are");

    /* --- pb_credential_token_prefix */
    tap_ok(pb_credential_token_prefix("eyJ", 3), "prefix: \"eyJ\" alone");
    tap_ok(!pb_credential_token_prefix("eyJ", 2), "prefix: \"ey\" is too short");
    tap_ok(!pb_credential_token_prefix("", 0), "prefix: the empty string");
    tap_ok(!pb_credential_token_prefix("eyj", 3), "prefix: case matters (\"eyj\")");
    tap_ok(!pb_credential_token_prefix("EYJ", 3), "prefix: case matters (\"EYJ\")");
    tap_ok(pb_credential_token_prefix("eyJhbGci.eyJ", 12), "prefix: \"eyJ\" then the alphabet");
    tap_ok(!pb_credential_token_prefix("eyJhb=ci", 8), "prefix: padding is outside the alphabet");
    tap_ok(!pb_credential_token_prefix("xeyJ", 4), "prefix: must start the text");
    tap_ok(pb_credential_token_prefix("eyJ!!", 3), "prefix: only len bytes are read");
    return tap_done();
}
