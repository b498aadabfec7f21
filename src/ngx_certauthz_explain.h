
/*
 * certauthz: "which rule would this certificate hit", in text: the fields
 * of a connection's certificate as the rules see them, each rule of a
 * policy in order, held or not and why not, and the decision.  No HTTP
 * here: a face sends the text.
 */


#ifndef _NGX_CERTAUTHZ_EXPLAIN_H_INCLUDED_
#define _NGX_CERTAUTHZ_EXPLAIN_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_policy.h"


/* NULL: an error, logged (a regex that failed) or out of memory */
ngx_chain_t *ngx_certauthz_explain(ngx_certauthz_policy_t *policy,
    SSL_CTX *trusted, ngx_connection_t *c, ngx_certauthz_regex_ops_t *ops,
    ngx_pool_t *pool, off_t *size);


#endif /* _NGX_CERTAUTHZ_EXPLAIN_H_INCLUDED_ */
