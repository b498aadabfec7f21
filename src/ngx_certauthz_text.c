
/*
 * certauthz: a text answer written into a chain of pool buffers.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_certauthz_text.h"


static ngx_int_t ngx_certauthz_text_link(ngx_certauthz_text_t *t,
    ngx_buf_t *b);


void
ngx_certauthz_text_init(ngx_certauthz_text_t *t, ngx_pool_t *pool)
{
    ngx_memzero(t, sizeof(ngx_certauthz_text_t));

    t->pool = pool;
    t->last = &t->first;
}


/* at least size bytes free at the end of the last buffer */

u_char *
ngx_certauthz_text_room(ngx_certauthz_text_t *t, size_t size)
{
    ngx_buf_t  *b;

    b = t->buf;

    if (b != NULL && (size_t) (b->end - b->last) >= size) {
        return b->last;
    }

    b = ngx_create_temp_buf(t->pool, ngx_max(size, 16384));
    if (b == NULL || ngx_certauthz_text_link(t, b) != NGX_OK) {
        return NULL;
    }

    return b->last;
}


static ngx_int_t
ngx_certauthz_text_link(ngx_certauthz_text_t *t, ngx_buf_t *b)
{
    ngx_chain_t  *cl;

    cl = ngx_alloc_chain_link(t->pool);
    if (cl == NULL) {
        return NGX_ERROR;
    }

    cl->buf = b;
    cl->next = NULL;

    *t->last = cl;
    t->last = &cl->next;

    t->buf = b;

    return NGX_OK;
}


/* what was written into the room, up to end */

void
ngx_certauthz_text_wrote(ngx_certauthz_text_t *t, u_char *end)
{
    t->size += end - t->buf->last;
    t->buf->last = end;
}


/* max: what the format can write at most */

ngx_int_t
ngx_certauthz_text_printf(ngx_certauthz_text_t *t, size_t max,
    const char *fmt, ...)
{
    u_char   *p;
    va_list   args;

    p = ngx_certauthz_text_room(t, max);
    if (p == NULL) {
        return NGX_ERROR;
    }

    va_start(args, fmt);
    p = ngx_vslprintf(p, p + max, fmt, args);
    va_end(args);

    ngx_certauthz_text_wrote(t, p);

    return NGX_OK;
}


/* the chain to send, its last buffer marked so; NULL on an error */

ngx_chain_t *
ngx_certauthz_text_done(ngx_certauthz_text_t *t, off_t *size)
{
    ngx_buf_t  *b;

    if (t->size == 0) {
        /* an empty answer: one buffer with no memory, only its end */

        t->first = NULL;
        t->last = &t->first;

        b = ngx_calloc_buf(t->pool);
        if (b == NULL || ngx_certauthz_text_link(t, b) != NGX_OK) {
            return NULL;
        }
    }

    t->buf->last_buf = 1;
    t->buf->last_in_chain = 1;

    *size = t->size;

    return t->first;
}
