
/*
 * certauthz: a text answer (the metrics exposition, explain) written into
 * a chain of pool buffers, grown as it goes.  nginx core only.
 */


#ifndef _NGX_CERTAUTHZ_TEXT_H_INCLUDED_
#define _NGX_CERTAUTHZ_TEXT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


typedef struct {
    ngx_pool_t               *pool;
    ngx_chain_t              *first;
    ngx_chain_t             **last;
    ngx_buf_t                *buf;
    off_t                     size;
} ngx_certauthz_text_t;


void ngx_certauthz_text_init(ngx_certauthz_text_t *t, ngx_pool_t *pool);
u_char *ngx_certauthz_text_room(ngx_certauthz_text_t *t, size_t size);
void ngx_certauthz_text_wrote(ngx_certauthz_text_t *t, u_char *end);
ngx_int_t ngx_certauthz_text_printf(ngx_certauthz_text_t *t, size_t max,
    const char *fmt, ...);
ngx_chain_t *ngx_certauthz_text_done(ngx_certauthz_text_t *t, off_t *size);


#endif /* _NGX_CERTAUTHZ_TEXT_H_INCLUDED_ */
