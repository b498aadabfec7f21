
/*
 * certauthz: reading a list or CRL file whole.  A CRL file (tens of
 * megabytes) is read into memory mapped for it alone, whose pages the
 * loader gives back as soon as it is done with them.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_certauthz_file.h"

#if (NGX_LINUX)
#include <sys/xattr.h>
#endif


static ngx_int_t ngx_certauthz_file_read_in(ngx_str_t *path, ngx_log_t *log,
    ngx_str_t *out, ngx_certauthz_file_err_t *fe, ngx_uint_t mapped);
static u_char *ngx_certauthz_file_alloc(size_t size, ngx_log_t *log,
    ngx_uint_t mapped);
static void ngx_certauthz_file_free(u_char *buf, size_t size,
    ngx_uint_t mapped);
static ngx_int_t ngx_certauthz_file_walk(u_char *path,
    ngx_certauthz_file_user_t *user, u_char *why, size_t size,
    ngx_log_t *log);
static ngx_int_t ngx_certauthz_file_may(u_char *name,
    ngx_certauthz_file_user_t *user, ngx_uint_t perm);


/*
 * The file's bytes, NUL-terminated, in memory from ngx_alloc() that the
 * caller frees with ngx_free(); NGX_ERROR with *fe set on a failure
 */

ngx_int_t
ngx_certauthz_file_read(ngx_str_t *path, ngx_log_t *log, ngx_str_t *out,
    ngx_certauthz_file_err_t *fe)
{
    return ngx_certauthz_file_read_in(path, log, out, fe, 0);
}


/* the same in pages of its own, see ngx_certauthz_file_release() */

ngx_int_t
ngx_certauthz_file_read_mapped(ngx_str_t *path, ngx_log_t *log,
    ngx_str_t *out, ngx_certauthz_file_err_t *fe)
{
    return ngx_certauthz_file_read_in(path, log, out, fe, 1);
}


/*
 * The whole pages within [from, to) of a mapped file's bytes go back to
 * the system: they are not read again
 */

void
ngx_certauthz_file_release(u_char *from, u_char *to)
{
#if (NGX_LINUX)
    from = ngx_align_ptr(from, ngx_pagesize);
    to = (u_char *) ((uintptr_t) to & ~((uintptr_t) ngx_pagesize - 1));

    if (from < to) {
        (void) madvise(from, to - from, MADV_DONTNEED);
    }
#endif
}


void
ngx_certauthz_file_unmap(ngx_str_t *buf)
{
    ngx_certauthz_file_free(buf->data, buf->len + 1, 1);
}


static ngx_int_t
ngx_certauthz_file_read_in(ngx_str_t *path, ngx_log_t *log, ngx_str_t *out,
    ngx_certauthz_file_err_t *fe, ngx_uint_t mapped)
{
    u_char           *buf;
    off_t             size;
    ssize_t           n;
    ngx_fd_t          fd;
    ngx_file_info_t   fi;

    fe->call = NULL;
    fe->err = 0;

    fd = ngx_open_file(path->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        fe->call = ngx_open_file_n;
        fe->err = ngx_errno;
        return NGX_ERROR;
    }

    buf = NULL;
    size = 0;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        fe->call = ngx_fd_info_n;
        fe->err = ngx_errno;
        goto failed;
    }

    size = ngx_file_size(&fi);

    buf = ngx_certauthz_file_alloc(size + 1, log, mapped);
    if (buf == NULL) {
        goto failed;
    }

    n = ngx_read_fd(fd, buf, size);

    if (n != size) {
        /* a short read (no errno): the file changed while it was read */
        fe->call = ngx_read_fd_n;
        fe->err = (n == -1) ? ngx_errno : 0;
        goto failed;
    }

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", path);
    }

    buf[size] = '\0';

    out->data = buf;
    out->len = size;

    return NGX_OK;

failed:

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", path);
    }

    if (buf) {
        ngx_certauthz_file_free(buf, size + 1, mapped);
    }

    return NGX_ERROR;
}


static u_char *
ngx_certauthz_file_alloc(size_t size, ngx_log_t *log, ngx_uint_t mapped)
{
#if (NGX_HAVE_MAP_ANON)
    u_char  *p;

    if (mapped) {
        p = mmap(NULL, size, PROT_READ|PROT_WRITE, MAP_ANON|MAP_PRIVATE,
                 -1, 0);

        if (p == MAP_FAILED) {
            ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                          "certauthz: mmap(MAP_ANON|MAP_PRIVATE, %uz) failed",
                          size);
            return NULL;
        }

        return p;
    }
#endif

    return ngx_alloc(size, log);
}


static void
ngx_certauthz_file_free(u_char *buf, size_t size, ngx_uint_t mapped)
{
#if (NGX_HAVE_MAP_ANON)
    if (mapped) {
        (void) munmap(buf, size);
        return;
    }
#endif

    ngx_free(buf);
}


/*
 * The user that the worker processes become (nginx's "user" directive: a
 * worker calls setgid(), initgroups() and setuid()), for
 * ngx_certauthz_file_readable()
 */

ngx_int_t
ngx_certauthz_file_user(ngx_certauthz_file_user_t *user, const char *name,
    ngx_uid_t uid, ngx_gid_t gid, ngx_pool_t *pool)
{
    int         n, room;
    ngx_uint_t  tries;
    ngx_gid_t  *gids;

    user->uid = uid;

    room = 32;

    for (tries = 0; tries < 8; tries++) {
        gids = ngx_palloc(pool, room * sizeof(ngx_gid_t));
        if (gids == NULL) {
            return NGX_ERROR;
        }

        n = room;

#if (NGX_DARWIN)
        if (getgrouplist(name, (int) gid, (int *) gids, &n) != -1) {
#else
        if (getgrouplist(name, gid, gids, &n) != -1) {
#endif
            user->gids = gids;
            user->ngids = n;
            return NGX_OK;
        }

        /* glibc says how many it needs, others do not */
        room = (n > room) ? n : room * 2;
    }

    /* the primary group alone, as a worker whose initgroups() failed */

    gids = ngx_palloc(pool, sizeof(ngx_gid_t));
    if (gids == NULL) {
        return NGX_ERROR;
    }

    gids[0] = gid;

    user->gids = gids;
    user->ngids = 1;

    return NGX_OK;
}


/*
 * Whether the user can read the file at the absolute path, by the
 * permission bits of the file and of every directory on the way to it
 * (also on the way through a symbolic link): NGX_OK, or NGX_DECLINED with
 * why, a NUL-terminated reason, in "why".  Where a POSIX ACL could grant
 * what the bits do not, and where a file cannot be looked at, it is taken
 * to be readable: better no warning than a false one.
 */

ngx_int_t
ngx_certauthz_file_readable(u_char *path, ngx_certauthz_file_user_t *user,
    u_char *why, size_t size, ngx_log_t *log)
{
    u_char     *real;
    ngx_int_t   rc;

    if (path[0] != '/') {
        return NGX_OK;
    }

    rc = ngx_certauthz_file_walk(path, user, why, size, log);

    if (rc != NGX_OK) {
        return rc;
    }

    real = ngx_realpath(path, NULL);

    if (real == NULL) {
        return NGX_OK;
    }

    if (ngx_strcmp(real, path) != 0) {
        rc = ngx_certauthz_file_walk(real, user, why, size, log);
    }

    free(real);

    return rc;
}


static ngx_int_t
ngx_certauthz_file_walk(u_char *path, ngx_certauthz_file_user_t *user,
    u_char *why, size_t size, ngx_log_t *log)
{
    u_char     *name, *last, c;
    size_t      len, i, end;
    ngx_int_t   rc;

    len = ngx_strlen(path);

    name = ngx_alloc(len + 1, log);
    if (name == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(name, path, len + 1);

    rc = NGX_OK;

    /* each directory, "/" first, needs search permission */

    for (i = 0; i < len; i++) {
        if (name[i] != '/' || (i > 0 && name[i - 1] == '/')) {
            continue;
        }

        end = (i == 0) ? 1 : i;

        c = name[end];
        name[end] = '\0';

        rc = ngx_certauthz_file_may(name, user, 1);

        name[end] = c;

        if (rc != NGX_OK) {
            last = ngx_snprintf(why, size - 1,
                                "no search permission on \"%*s\"",
                                end, name);
            *last = '\0';
            goto done;
        }
    }

    rc = ngx_certauthz_file_may(name, user, 4);

    if (rc != NGX_OK) {
        last = ngx_snprintf(why, size - 1, "no read permission on the file");
        *last = '\0';
    }

done:

    ngx_free(name);

    return rc;
}


/* perm: 4 read, 1 search, as in the bits of each class */

static ngx_int_t
ngx_certauthz_file_may(u_char *name, ngx_certauthz_file_user_t *user,
    ngx_uint_t perm)
{
    ngx_uint_t       i, shift;
    ngx_file_info_t  fi;

    if (ngx_file_info(name, &fi) == NGX_FILE_ERROR) {
        return NGX_OK;
    }

    if (fi.st_uid == user->uid) {
        shift = 6;

    } else {
        shift = 0;

        for (i = 0; i < user->ngids; i++) {
            if (fi.st_gid == user->gids[i]) {
                shift = 3;
                break;
            }
        }
    }

    if ((fi.st_mode >> shift) & perm) {
        return NGX_OK;
    }

#if (NGX_LINUX)

    /*
     * With an access ACL, the group bits are its mask: when the mask has
     * the permission, an entry for the user or one of its groups may give
     * it
     */

    if (shift != 6
        && ((fi.st_mode >> 3) & perm)
        && getxattr((char *) name, "system.posix_acl_access", NULL, 0) > 0)
    {
        return NGX_OK;
    }

#endif

    return NGX_DECLINED;
}
