
/*
 * certauthz: live connections.  Which connections of this worker hold
 * which certificate under which policy, when to look at them again (the
 * certificate's notAfter; a change of the CRLs a policy names), and, when
 * a policy that admitted a connection would deny it now, asking the face
 * to end it.  A face supplies only how to end one of its connections.
 */


#ifndef _NGX_CERTAUTHZ_LIVE_H_INCLUDED_
#define _NGX_CERTAUTHZ_LIVE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_policy.h"


/*
 * How a face ends one of its connections, with lc->decision saying why:
 * 0 when it is ended, or nginx is ending it (lc may be gone then); else
 * after how many milliseconds to be asked again (lc->tries counts asks)
 */
typedef ngx_msec_t (*ngx_certauthz_live_end_pt)(ngx_certauthz_live_conn_t *lc);


/* a policy that admitted a live connection */
typedef struct ngx_certauthz_live_s  ngx_certauthz_live_t;

struct ngx_certauthz_live_s {
    ngx_queue_t                   queue;      /* in the policy's list, if
                                                 it names CRLs */
    ngx_certauthz_policy_t       *policy;
    SSL_CTX                      *trusted;
    ngx_certauthz_live_conn_t    *lc;
    ngx_certauthz_live_t         *next;       /* of the connection */
    unsigned                      said:1;     /* audit: logged */
};


struct ngx_certauthz_live_conn_s {
    ngx_connection_t             *connection; /* the TCP connection */
    ngx_certauthz_conn_t         *conn;
    ngx_certauthz_live_end_pt     end;
    ngx_certauthz_live_t         *entries;
    ngx_certauthz_policy_t       *last;       /* the policy watched last */

    /* at the certificate's notAfter; once it is ending, the face's */
    ngx_event_t                   event;
    ngx_certauthz_decision_t      decision;   /* why it is ended */
    ngx_str_t                    *location;   /* and by which location */
    ngx_uint_t                    tries;

    /* the face's: what runs on the connection (requests), and what kind
     * of connection it is */
    ngx_queue_t                   users;
    ngx_uint_t                    kind;

    unsigned                      ending:1;
};


ngx_int_t ngx_certauthz_live_add(ngx_certauthz_policy_t *policy,
    SSL_CTX *trusted, ngx_connection_t *c, ngx_certauthz_conn_t *conn,
    ngx_certauthz_live_end_pt end);


/*
 * After a policy allowed a connection (on or audit): the connection is
 * watched for it from now on.  NGX_OK: watched (conn->live), NGX_DECLINED:
 * not (certauthz_live off, no certificate), NGX_ERROR.  A request of the
 * policy watched last costs a comparison.
 */

static ngx_inline ngx_int_t
ngx_certauthz_live_watch(ngx_certauthz_policy_t *policy, SSL_CTX *trusted,
    ngx_connection_t *c, ngx_certauthz_conn_t *conn,
    ngx_certauthz_live_end_pt end)
{
    if (conn->live != NULL && conn->live->last == policy) {
        return NGX_OK;
    }

    return ngx_certauthz_live_add(policy, trusted, c, conn, end);
}


#endif /* _NGX_CERTAUTHZ_LIVE_H_INCLUDED_ */
