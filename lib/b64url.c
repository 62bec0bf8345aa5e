/* Strict base64url decoding. */
#include "config.h"

#include <stdlib.h>

#include "b64url.h"

/* 0..63 for the alphabet, 0xff for everything else (padding included). */
static const unsigned char decode_table[256] = {
    ['A'] = 0,  ['B'] = 1,  ['C'] = 2,  ['D'] = 3,  ['E'] = 4,  ['F'] = 5,
    ['G'] = 6,  ['H'] = 7,  ['I'] = 8,  ['J'] = 9,  ['K'] = 10, ['L'] = 11,
    ['M'] = 12, ['N'] = 13, ['O'] = 14, ['P'] = 15, ['Q'] = 16, ['R'] = 17,
    ['S'] = 18, ['T'] = 19, ['U'] = 20, ['V'] = 21, ['W'] = 22, ['X'] = 23,
    ['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27, ['c'] = 28, ['d'] = 29,
    ['e'] = 30, ['f'] = 31, ['g'] = 32, ['h'] = 33, ['i'] = 34, ['j'] = 35,
    ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39, ['o'] = 40, ['p'] = 41,
    ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47,
    ['w'] = 48, ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53,
    ['2'] = 54, ['3'] = 55, ['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59,
    ['8'] = 60, ['9'] = 61, ['-'] = 62, ['_'] = 63,
};

static int
is_alphabet(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        || c == '-' || c == '_';
}

int
pb_b64url_is_alphabet(const char *in, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!is_alphabet((unsigned char) in[i]))
            return 0;
    return 1;
}

int
pb_b64url_decode(const char *in, size_t len, unsigned char *out, size_t *outlen)
{
    size_t i, n = 0;
    unsigned long acc = 0;
    unsigned bits = 0;

    /* One leftover character carries only 6 bits: never a whole byte. */
    if (len % 4 == 1)
        return -1;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) in[i];
        if (!is_alphabet(c))
            return -1;
        acc = (acc << 6) | decode_table[c];
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char) (acc >> bits);
            acc &= (1UL << bits) - 1;
        }
    }
    /* Canonical encodings leave the unused low bits zero (RFC 4648 3.5). */
    if (acc != 0)
        return -1;
    *outlen = n;
    return 0;
}

int
pb_b64url_decode_alloc(const char *in, size_t len, unsigned char **out, size_t *outlen)
{
    unsigned char *buf = malloc(PB_B64URL_DECODED_MAX(len) + 1);

    *out = NULL;
    if (buf == NULL)
        return -1;
    if (pb_b64url_decode(in, len, buf, outlen) < 0) {
        free(buf);
        return -1;
    }
    buf[*outlen] = '\0';
    *out = buf;
    return 0;
}

char *
pb_b64url_encode(const unsigned char *in, size_t len)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *out = malloc(len / 3 * 4 + 4), *p = out;
    unsigned long acc = 0;
    unsigned bits = 0;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            *p++ = alphabet[(acc >> bits) & 63];
        }
        acc &= (1UL << bits) - 1;
    }
    if (bits > 0)
        *p++ = alphabet[(acc << (6 - bits)) & 63];
    *p = '\0';
    return out;
}
