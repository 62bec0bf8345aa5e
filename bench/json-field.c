/* json-field FILE FIELD: print one string field of a small JSON file.  The
 * floor for `bearer-token get`: the least a program can do to hand out a
 * cached token (start, read, parse with the same parser, print). */
#include <stdio.h>

#include <jansson.h>

int
main(int argc, char **argv)
{
    json_t *root;
    const char *value;

    if (argc != 3)
        return 64;
    root = json_load_file(argv[1], 0, NULL);
    value = json_string_value(json_object_get(root, argv[2]));
    if (value == NULL)
        return 1;
    puts(value);
    json_decref(root);
    return 0;
}
