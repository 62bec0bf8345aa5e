/* Unit tests for lib/tokencache.c: where the cache lives, the private
 * directory and files it insists on, a round trip through a cache file,
 * damaged files, the lock, and the names it refuses. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "tokencache.h"

static char dir[] = "/tmp/tokencache-t.XXXXXX";

static void
put(const char *name, const char *text, mode_t mode)
{
    char path[600];
    int fd;

    snprintf(path, sizeof(path), "%s/cache/%s", dir, name);
    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text) || fchmod(fd, mode) != 0)
        abort();
    close(fd);
}

static enum pb_cache_result
get(int fd, const char *authority, struct pb_tokens *t, char *err, size_t errlen)
{
    pb_tokens_clear(t);
    err[0] = '\0';
    return pb_cache_read(fd, authority, t, err, errlen);
}

int
main(void)
{
    char path[600], out[600], err[256];
    struct pb_tokens t = { 0 }, in = { 0 };
    int fd = -1, fd2 = -1, lock, lock2;
    struct stat st;

    if (mkdtemp(dir) == NULL)
        abort();

    /* --- where */
    setenv(PB_CACHE_ENV, "/somewhere/cache", 1);
    tap_is_int(pb_cache_dir_path(out, sizeof(out), err, sizeof(err)), 0, "$%s names the directory", PB_CACHE_ENV);
    tap_is_str(out, "/somewhere/cache", "... as it is");
    setenv(PB_CACHE_ENV, "relative/cache", 1);
    tap_is_int(pb_cache_dir_path(out, sizeof(out), err, sizeof(err)), -1, "a relative $%s is refused", PB_CACHE_ENV);
    tap_ok(strstr(err, "absolute") != NULL, "... saying it must be absolute");
    unsetenv(PB_CACHE_ENV);
    setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
    pb_cache_dir_path(out, sizeof(out), err, sizeof(err));
    tap_is_str(out, "/run/user/1000/bearer-token", "else $XDG_RUNTIME_DIR/bearer-token");
    unsetenv("XDG_RUNTIME_DIR");
    setenv("HOME", "/home/alice", 1);
    pb_cache_dir_path(out, sizeof(out), err, sizeof(err));
    tap_is_str(out, "/home/alice/.cache/bearer-token", "else ~/.cache/bearer-token");
    setenv("HOME", "/", 1);
    pb_cache_dir_path(out, sizeof(out), err, sizeof(err));
    tap_is_str(out, "/.cache/bearer-token", "a home of / gives no double slash");
    tap_is_int(pb_cache_dir_path(out, 8, err, sizeof(err)), -1, "a path longer than the buffer is refused");

    /* --- the directory */
    snprintf(path, sizeof(path), "%s/cache", dir);
    tap_is_int(pb_cache_open_dir(path, 0, &fd, err, sizeof(err)), PB_CACHE_ABSENT,
               "a missing directory without create: absent");
    tap_is_int(pb_cache_open_dir(path, 1, &fd, err, sizeof(err)), PB_CACHE_OK, "with create: made and opened");
    tap_ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0700, "... mode 0700");
    tap_is_int(pb_cache_open_dir(path, 0, &fd2, err, sizeof(err)), PB_CACHE_OK, "an existing private directory opens");
    close(fd2);
    tap_is_int(pb_cache_open_dir_of(path, getuid() + 4242, 0, &fd2, err, sizeof(err)), PB_CACHE_UNSAFE,
               "another owner expected: unsafe");
    tap_ok(strstr(err, "belongs to uid") != NULL, "... saying whose it is");
    chmod(path, 0750);
    tap_is_int(pb_cache_open_dir(path, 0, &fd2, err, sizeof(err)), PB_CACHE_UNSAFE, "a directory of mode 0750: unsafe");
    tap_ok(strstr(err, "0750") != NULL, "... naming the mode");
    chmod(path, 0700);
    snprintf(out, sizeof(out), "%s/link", dir);
    symlink(path, out);
    tap_is_int(pb_cache_open_dir(out, 0, &fd2, err, sizeof(err)), PB_CACHE_UNSAFE,
               "a symbolic link to the directory: unsafe");
    unlink(out);

    /* --- a round trip */
    tap_is_int(get(fd, "corp", &t, err, sizeof(err)), PB_CACHE_ABSENT, "no file for the authority: absent");
    in.user = "alice";
    in.access = "access.token.value";
    in.refresh = "refresh-value";
    in.scope = "openid sudo";
    in.obtained = 1700000000;
    in.expires = 1700003600;
    tap_is_int(pb_cache_write(fd, "corp", &in, err, sizeof(err)), PB_CACHE_OK, "the tokens are written");
    snprintf(path, sizeof(path), "%s/cache/corp.json", dir);
    tap_ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "... to corp.json, mode 0600");
    tap_is_int(get(fd, "corp", &t, err, sizeof(err)), PB_CACHE_OK, "and read back");
    tap_is_str(t.user, "alice", "user");
    tap_is_str(t.access, "access.token.value", "access token");
    tap_is_str(t.refresh, "refresh-value", "refresh token");
    tap_is_str(t.scope, "openid sudo", "scope");
    tap_is_int(t.obtained, 1700000000, "obtained");
    tap_is_int(t.expires, 1700003600, "expires");
    in.refresh = NULL;
    in.scope = NULL;
    pb_cache_write(fd, "corp", &in, err, sizeof(err));
    tap_is_int(get(fd, "corp", &t, err, sizeof(err)), PB_CACHE_OK, "tokens without refresh token or scope");
    tap_ok(t.refresh == NULL && t.scope == NULL, "... read back without them");
    pb_tokens_clear(&t);   /* a read starts from an empty struct: the caller frees what it held */
    tap_is_int(pb_cache_read_of(fd, "corp", getuid() + 4242, &t, err, sizeof(err)), PB_CACHE_UNSAFE,
               "a file expected to be another user's: unsafe");
    pb_tokens_clear(&t);

    /* --- damaged and hostile files */
    put("corp.json", "{\"version\":1,\"user\":\"alice\"}", 0600);
    tap_is_int(get(fd, "corp", &t, err, sizeof(err)), PB_CACHE_CORRUPT, "a file without tokens: corrupt");
    tap_ok(t.user == NULL, "... and nothing of it is kept");
    put("corp.json", "not json at all", 0600);
    tap_is_int(get(fd, "corp", &t, err, sizeof(err)), PB_CACHE_CORRUPT, "not JSON: corrupt");
    put("corp.json", "{\"version\":99,\"user\":\"alice\",\"access_token\":\"a\",\"obtained\":1,\"expires\":2}", 0600);
    tap_is_int(get(fd, "corp", &t, err, sizeof(err)), PB_CACHE_CORRUPT, "another version: corrupt");
    pb_cache_write(fd, "corp", &in, err, sizeof(err));
    chmod(path, 0644);
    tap_is_int(get(fd, "corp", &t, err, sizeof(err)), PB_CACHE_UNSAFE, "a cache file others may read: unsafe");
    unlink(path);
    snprintf(out, sizeof(out), "%s/elsewhere", dir);
    put("../elsewhere", "x", 0600);
    symlink(out, path);
    tap_is_int(get(fd, "corp", &t, err, sizeof(err)), PB_CACHE_UNSAFE, "a cache file that is a symbolic link: unsafe");
    tap_is_int(pb_cache_remove(fd, "corp", err, sizeof(err)), PB_CACHE_OK, "remove takes the link away");
    tap_ok(access(out, F_OK) == 0, "... not what it points to");
    unlink(out);
    tap_is_int(pb_cache_remove(fd, "corp", err, sizeof(err)), PB_CACHE_OK, "removing an absent file is fine");

    /* --- names */
    tap_is_int(pb_cache_write(fd, "../escape", &in, err, sizeof(err)), PB_CACHE_ERROR,
               "an authority name with a slash is refused");
    tap_is_int(get(fd, ".hidden", &t, err, sizeof(err)), PB_CACHE_ERROR, "a name starting with a dot is refused");
    tap_ok(strstr(err, "bad authority name") != NULL, "... as a bad authority name");

    /* --- the lock */
    lock = pb_cache_lock(fd, "corp", 2, err, sizeof(err));
    tap_ok(lock >= 0, "the lock is taken");
    lock2 = pb_cache_lock(fd, "corp", 1, err, sizeof(err));
    tap_is_int(lock2, -1, "a second holder gives up after the timeout");
    tap_ok(strstr(err, "locked too long") != NULL, "... saying so");
    close(lock);
    lock2 = pb_cache_lock(fd, "corp", 1, err, sizeof(err));
    tap_ok(lock2 >= 0, "released, it can be taken again");
    close(lock2);
    snprintf(path, sizeof(path), "%s/cache/corp.lock", dir);
    unlink(path);

    tap_is_str(pb_cache_result_name(PB_CACHE_OK), "ok", "result name: ok");
    tap_is_str(pb_cache_result_name(PB_CACHE_UNSAFE), "unsafe", "result name: unsafe");
    tap_is_str(pb_cache_result_name(PB_CACHE_ERROR), "error", "result name: error");

    close(fd);
    snprintf(path, sizeof(path), "%s/cache", dir);
    rmdir(path);
    rmdir(dir);
    return tap_done();
}
