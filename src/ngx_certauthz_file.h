
/*
 * certauthz: a whole file read into memory, for list and CRL files, with
 * what failed and why for the caller's message (nginx's own form:
 * 'open() "FILE" failed (13: Permission denied)'); and whether another
 * user, the worker processes', can read a file.
 */


#ifndef _NGX_CERTAUTHZ_FILE_H_INCLUDED_
#define _NGX_CERTAUTHZ_FILE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


typedef struct {
    const char               *call;       /* "open()", ...; NULL: memory */
    ngx_err_t                 err;        /* errno, 0 if none */
} ngx_certauthz_file_err_t;


/* a user as a worker process is: its uid, primary and supplementary gids */
typedef struct {
    ngx_uid_t                 uid;
    ngx_gid_t                *gids;
    ngx_uint_t                ngids;
} ngx_certauthz_file_user_t;


ngx_int_t ngx_certauthz_file_read(ngx_str_t *path, ngx_log_t *log,
    ngx_str_t *out, ngx_certauthz_file_err_t *fe);
ngx_int_t ngx_certauthz_file_read_mapped(ngx_str_t *path, ngx_log_t *log,
    ngx_str_t *out, ngx_certauthz_file_err_t *fe);
void ngx_certauthz_file_release(u_char *from, u_char *to);
void ngx_certauthz_file_unmap(ngx_str_t *buf);
ngx_int_t ngx_certauthz_file_user(ngx_certauthz_file_user_t *user,
    const char *name, ngx_uid_t uid, ngx_gid_t gid, ngx_pool_t *pool);
ngx_int_t ngx_certauthz_file_readable(u_char *path,
    ngx_certauthz_file_user_t *user, u_char *why, size_t size,
    ngx_log_t *log);


#endif /* _NGX_CERTAUTHZ_FILE_H_INCLUDED_ */
