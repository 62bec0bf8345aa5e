/* Reading what was typed: the scheme, the size bound and the token alphabet,
 * checked once for the module and bearer-token alike. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "credential.h"

/* Anything shorter that starts like a token is only a password. */
#define CUT_MIN 64

/* Strip an optional "Bearer " scheme (RFC 6750 2.1; the scheme name is
 * case-insensitive). */
static const char *
strip_scheme(const char *text, size_t *len)
{
    if (*len > 7 && strncasecmp(text, "bearer", 6) == 0 && text[6] == ' ') {
        size_t skip = 7;
        while (skip < *len && text[skip] == ' ')
            skip++;
        *len -= skip;
        return text + skip;
    }
    return text;
}

int
pb_credential_is_token_text(const char *s, size_t len)
{
    static const char alphabet[] = PB_TOKEN_ALPHABET;
    size_t i = 0;

    while (i < len && s[i] != '\0' && memchr(alphabet, s[i], sizeof(alphabet) - 1) != NULL)
        i++;
    return i == len;
}

int
pb_credential_token_prefix(const char *s, size_t len)
{
    return len >= 3 && strncmp(s, "eyJ", 3) == 0 && pb_credential_is_token_text(s, len);
}

/* Characters a token (or a mangled one: base64 padding and the standard
 * alphabet included) is made of; '.' separates its parts. */
static const unsigned char token_chars[256] = {
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
    ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1,
    ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1,
    ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['-'] = 1, ['_'] = 1,
    ['='] = 1, ['+'] = 1, ['/'] = 1, ['.'] = 2,
};

static int
shaped(const char *text, size_t len, int empty_payload)
{
    size_t dots = 0, first = 0, second = 0;

    /* Anything made of base64 characters with two non-empty parts before a
     * second dot is treated as a token, so a mangled token is refused as one,
     * never tried as a password. */
    for (size_t i = 0; i < len; i++) {
        unsigned char kind = token_chars[(unsigned char) text[i]];
        if (kind == 0)
            return 0;
        if (kind == 2) {
            if (++dots == 1)
                first = i;
            else if (dots == 2)
                second = i;
        }
    }
    return dots >= 2 && first > 0 && (second > first + 1 || (empty_payload && second == first + 1));
}

int
pb_credential_is_token_shaped(const char *text, size_t len)
{
    return shaped(text, len, 0);
}

int
pb_credential_is_jose_shaped(const char *text, size_t len)
{
    return shaped(text, len, 1);
}

void
pb_credential_read(const char *typed, size_t len, struct pb_credential *out)
{
    out->typed = typed;
    out->typed_len = len;
    out->len = len;
    out->text = strip_scheme(typed, &out->len);
    if (out->len > PB_JWS_MAX_TOKEN)
        out->kind = PB_CRED_TOO_LARGE;
    else if (pb_credential_is_token_shaped(out->text, out->len))
        out->kind = PB_CRED_TOKEN;
    else if (out->len >= CUT_MIN && pb_credential_token_prefix(out->text, out->len))
        out->kind = PB_CRED_CUT;
    else
        out->kind = PB_CRED_PASSWORD;
}
