/* Strict base64url decoding. */
#include "config.h"

#include <stdlib.h>

#include "b64url.h"

/* 1 + the value (0..63) for the alphabet, 0 for everything else (padding
 * included), so that one lookup both checks and decodes a character. */
static const unsigned char decode_table[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,
    ['G'] = 7,  ['H'] = 8,  ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12,
    ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
    ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
    ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
    ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
    ['8'] = 61, ['9'] = 62, ['-'] = 63, ['_'] = 64,
};

int
pb_b64url_is_alphabet(const char *in, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (decode_table[(unsigned char) in[i]] == 0)
            return 0;
    return 1;
}

int
pb_b64url_decode(const char *in, size_t len, unsigned char *out, size_t *outlen)
{
    const unsigned char *p = (const unsigned char *) in;
    size_t i = 0, n = 0, rest = len % 4;
    unsigned long v;

    /* One leftover character carries only 6 bits: never a whole byte. */
    if (rest == 1)
        return -1;
    /* Four characters, three bytes, one lookup each: the hot path of every
     * token (header, payload and signature go through here once). */
    for (; i + 4 <= len; i += 4) {
        unsigned a = decode_table[p[i]], b = decode_table[p[i + 1]], c = decode_table[p[i + 2]],
                 d = decode_table[p[i + 3]];
        if (a == 0 || b == 0 || c == 0 || d == 0)
            return -1;
        v = (unsigned long) (a - 1) << 18 | (unsigned long) (b - 1) << 12 | (c - 1) << 6 | (d - 1);
        out[n] = (unsigned char) (v >> 16);
        out[n + 1] = (unsigned char) (v >> 8);
        out[n + 2] = (unsigned char) v;
        n += 3;
    }
    if (rest != 0) {
        unsigned a = decode_table[p[i]], b = decode_table[p[i + 1]], c = rest == 3 ? decode_table[p[i + 2]] : 1;
        if (a == 0 || b == 0 || c == 0)
            return -1;
        v = (unsigned long) (a - 1) << 12 | (b - 1) << 6 | (c - 1);
        /* Canonical encodings leave the unused low bits zero (RFC 4648 3.5):
         * 4 of them after two characters, 2 after three. */
        if (rest == 2) {
            if ((v >> 6) & 0xf)
                return -1;
            out[n++] = (unsigned char) (v >> 10);
        } else {
            if (v & 0x3)
                return -1;
            out[n] = (unsigned char) (v >> 10);
            out[n + 1] = (unsigned char) (v >> 2);
            n += 2;
        }
    }
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
