
/*
 * certauthz: the values of the $certauthz_* variables, the same in every
 * face (http, stream).  A face registers each name of
 * ngx_certauthz_variable_list() with its own variable table and asks for
 * the value with ngx_certauthz_variable().
 */


#ifndef _NGX_CERTAUTHZ_VARIABLE_H_INCLUDED_
#define _NGX_CERTAUTHZ_VARIABLE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_policy.h"


/* after the certificate fields, which are indexed by their field number */
#define NGX_CERTAUTHZ_VAR_CLIENT_CERT  (NGX_CERTAUTHZ_NFIELDS + 0)
#define NGX_CERTAUTHZ_VAR_XFCC         (NGX_CERTAUTHZ_NFIELDS + 1)
#define NGX_CERTAUTHZ_VAR_VERIFY       (NGX_CERTAUTHZ_NFIELDS + 2)
#define NGX_CERTAUTHZ_VAR_RESULT       (NGX_CERTAUTHZ_NFIELDS + 3)
#define NGX_CERTAUTHZ_VAR_REASON       (NGX_CERTAUTHZ_NFIELDS + 4)
#define NGX_CERTAUTHZ_VAR_RULE         (NGX_CERTAUTHZ_NFIELDS + 5)


typedef struct {
    ngx_str_t                 name;
    ngx_uint_t                index;
    /* a decision variable: changes within a connection, not cacheable */
    ngx_uint_t                decision;
    /*
     * a prefix ($certauthz_ext_1_2_3): the face registers it as one and
     * asks for the value with ngx_certauthz_variable_ext() and the name
     */
    ngx_uint_t                prefix;
} ngx_certauthz_variable_t;


/* the variables, ending with an empty name */
ngx_certauthz_variable_t *ngx_certauthz_variable_list(void);


/*
 * The value of variable INDEX for connection c: trusted is the SSL_CTX of
 * the server the connection is for (see ngx_certauthz_decide()); d the
 * decision made, NULL if none was.  NGX_OK, NGX_DECLINED: no value (not
 * found), NGX_ERROR.  The value lives in pool or with the connection.
 */
ngx_int_t ngx_certauthz_variable(ngx_uint_t index, ngx_connection_t *c,
    SSL_CTX *trusted, ngx_certauthz_decision_t *d, ngx_pool_t *pool,
    ngx_str_t *value);


/*
 * $certauthz_ext_OID into v (either face's variable value is nginx's
 * ngx_variable_value_t): name is the variable's whole name
 */
ngx_int_t ngx_certauthz_variable_ext(ngx_str_t *name, ngx_connection_t *c,
    ngx_variable_value_t *v);


#endif /* _NGX_CERTAUTHZ_VARIABLE_H_INCLUDED_ */
