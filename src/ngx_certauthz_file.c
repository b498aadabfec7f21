
/*
 * certauthz: reading a list or CRL file whole.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_certauthz_file.h"


/*
 * The file's bytes, NUL-terminated, in memory from ngx_alloc() that the
 * caller frees with ngx_free(); NGX_ERROR with *fe set on a failure
 */

ngx_int_t
ngx_certauthz_file_read(ngx_str_t *path, ngx_log_t *log, ngx_str_t *out,
    ngx_certauthz_file_err_t *fe)
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

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        fe->call = ngx_fd_info_n;
        fe->err = ngx_errno;
        goto failed;
    }

    size = ngx_file_size(&fi);

    buf = ngx_alloc(size + 1, log);
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
        ngx_free(buf);
    }

    return NGX_ERROR;
}
