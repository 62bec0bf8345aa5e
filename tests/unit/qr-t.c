/* Unit tests for lib/qr.c: a QR code drawn with half blocks has the size
 * the symbol's version gives, only the four cells, a light quiet zone, and
 * the three finder patterns where the standard puts them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qr.h"
#include "tap.h"

#define FULL "\xe2\x96\x88"
#define UPPER "\xe2\x96\x80"
#define LOWER "\xe2\x96\x84"

/* The drawing back into modules: grid[y][x] is 1 for dark. */
static int grid[200][200], side, lines;

static int
read_back(const char *text)
{
    int x = 0, y = 0, width = -1;

    memset(grid, 0, sizeof(grid));
    lines = 0;
    for (const char *p = text; *p != '\0';) {
        int top, bottom;
        if (*p == '\n') {
            if (width >= 0 && x != width)
                return -1;
            width = x;
            x = 0;
            y += 2;
            lines++;
            p++;
            continue;
        }
        if (strncmp(p, FULL, 3) == 0)
            top = 0, bottom = 0, p += 3;
        else if (strncmp(p, UPPER, 3) == 0)
            top = 0, bottom = 1, p += 3;
        else if (strncmp(p, LOWER, 3) == 0)
            top = 1, bottom = 0, p += 3;
        else if (*p == ' ')
            top = 1, bottom = 1, p++;
        else
            return -1;
        if (x >= 200 || y + 1 >= 200)
            return -1;
        grid[y][x] = top;
        grid[y + 1][x] = bottom;
        x++;
    }
    side = width;
    return 0;
}

/* The 7x7 finder pattern with its top-left corner at (x, y). */
static int
finder_at(int x, int y)
{
    for (int j = 0; j < 7; j++)
        for (int i = 0; i < 7; i++) {
            int ring = i == 0 || j == 0 || i == 6 || j == 6, core = i >= 2 && i <= 4 && j >= 2 && j <= 4;
            if (grid[y + j][x + i] != (ring || core))
                return 0;
        }
    return 1;
}

int
main(void)
{
    char *t = pb_qr_text("https://idp.example/device?user_code=WDJB-MJHT");
    char big[PB_QR_MAX_TEXT + 2];
    int quiet_light = 1, version;

    tap_ok(t != NULL, "a URL is drawn");
    tap_is_int(read_back(t), 0, "  only full, upper, lower half blocks and blanks, lines of one width");
    version = (side - 4 - 17) / 4;
    tap_ok(side - 4 == 17 + 4 * version && version >= 1 && version <= 10,
           "  width is a QR symbol's (17 + 4 * version) plus the quiet zone (%d, version %d)", side, version);
    tap_is_int(lines, (side + 1) / 2, "  two module rows per line");
    for (int i = 0; i < side; i++)
        if (grid[0][i] || grid[1][i] || grid[i][0] || grid[i][1] || grid[side - 1][i] || grid[side - 2][i]
            || grid[i][side - 1] || grid[i][side - 2])
            quiet_light = 0;
    tap_ok(quiet_light, "  a light quiet zone of two modules");
    tap_ok(finder_at(2, 2), "  finder pattern top left");
    tap_ok(finder_at(side - 2 - 7, 2), "  finder pattern top right");
    tap_ok(finder_at(2, side - 2 - 7), "  finder pattern bottom left");
    tap_ok(!finder_at(side - 2 - 7, side - 2 - 7), "  none bottom right");
    free(t);

    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    tap_ok(pb_qr_text(big) == NULL, "one byte over the bound: nothing drawn");
    big[PB_QR_MAX_TEXT] = '\0';
    t = pb_qr_text(big);
    tap_ok(t != NULL, "at the bound: drawn");
    free(t);
    tap_ok(pb_qr_text("") == NULL, "empty: nothing drawn");
    tap_ok(pb_qr_text(NULL) == NULL, "NULL: nothing drawn");
    return tap_done();
}
