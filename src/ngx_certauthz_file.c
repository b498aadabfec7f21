
/*
 * certauthz: reading a list or CRL file whole.  A CRL file (tens of
 * megabytes) is read into memory mapped for it alone, whose pages the
 * loader gives back as soon as it is done with them.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_certauthz_file.h"


static ngx_int_t ngx_certauthz_file_read_in(ngx_str_t *path, ngx_log_t *log,
    ngx_str_t *out, ngx_certauthz_file_err_t *fe, ngx_uint_t mapped);
static u_char *ngx_certauthz_file_alloc(size_t size, ngx_log_t *log,
    ngx_uint_t mapped);
static void ngx_certauthz_file_free(u_char *buf, size_t size,
    ngx_uint_t mapped);


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
