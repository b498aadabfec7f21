
/*
 * certauthz: rule conditions parsed at configuration time and matched
 * against a certificate's fields.  No HTTP here: regexes are compiled and
 * run by the face through callbacks, so that named captures become the
 * face's variables.
 */


#ifndef _NGX_CERTAUTHZ_RULE_H_INCLUDED_
#define _NGX_CERTAUTHZ_RULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_certauthz_cert.h"
#include "ngx_certauthz_list.h"
#include "ngx_certauthz_crl.h"


#define NGX_CERTAUTHZ_MATCH_EQ      0
#define NGX_CERTAUTHZ_MATCH_REGEX   1
#define NGX_CERTAUTHZ_MATCH_LIST    2
#define NGX_CERTAUTHZ_MATCH_ORDER   3     /* < <= > >=: key, depth, lifetime */
#define NGX_CERTAUTHZ_MATCH_HAS     4     /* "ext:OID" alone */

/* the ordering operators, as bits: less, equal, greater */
#define NGX_CERTAUTHZ_ORDER_LT      1
#define NGX_CERTAUTHZ_ORDER_EQ      2
#define NGX_CERTAUTHZ_ORDER_GT      4


typedef enum {
    NGX_CERTAUTHZ_REASON_NONE = 0,
    NGX_CERTAUTHZ_REASON_ALLOW,
    NGX_CERTAUTHZ_REASON_DENY,
    NGX_CERTAUTHZ_REASON_NO_MATCH,
    NGX_CERTAUTHZ_REASON_NO_CERT,
    NGX_CERTAUTHZ_REASON_UNVERIFIED,
    NGX_CERTAUTHZ_REASON_EXPIRED,
    NGX_CERTAUTHZ_REASON_REVOKED,
    NGX_CERTAUTHZ_REASON_CRL_MISSING,
    NGX_CERTAUTHZ_REASON_CRL_STALE
} ngx_certauthz_reason_e;


typedef struct {
    ngx_uint_t                field;      /* NGX_CERTAUTHZ_FIELD_* */
    ngx_uint_t                match;      /* NGX_CERTAUTHZ_MATCH_* */
    unsigned                  negate:1;   /* != !~ !~* */
    unsigned                  caseless:1; /* ~* !~* */
    unsigned                  order:3;    /* NGX_CERTAUTHZ_ORDER_* bits */
    ngx_str_t                 value;      /* normalised, or the pattern;
                                             of key OP ALG:SIZE, ALG */
    ngx_uint_t                number;     /* SIZE of key, or the depth */
    ngx_str_t                 oid;        /* of "ext:OID", dotted */
    ngx_str_t                 name;       /* the field as written */
    void                     *regex;      /* compiled by the face */
    ngx_str_t                 prefix;     /* what a value that the regex
                                             matches begins with */
    unsigned                  captures:1; /* the regex has groups */
    ngx_certauthz_list_t     *list;
    ngx_str_t                 token;      /* as written, for messages */
} ngx_certauthz_cond_t;


typedef struct {
    ngx_certauthz_cond_t     *conds;
    ngx_uint_t                nconds;     /* 0: "all" */
    ngx_uint_t                deny;
    ngx_str_t                 where;      /* "FILE:LINE" */
    ngx_atomic_t             *hits;       /* host-wide; NULL: not counted */
    unsigned                  counted:1;  /* registered for counters */
} ngx_certauthz_rule_t;


typedef struct {
    ngx_uint_t                allow;
    ngx_uint_t                reason;     /* NGX_CERTAUTHZ_REASON_* */
    ngx_certauthz_rule_t     *rule;       /* the rule that decided */
} ngx_certauthz_decision_t;


/*
 * NGX_OK: matches, NGX_DECLINED: does not, NGX_ERROR: failed; and of a
 * condition, NGX_ABORT: on a field that cannot be known (the chain of a
 * resumed session), which decides "unverified"
 */
typedef ngx_int_t (*ngx_certauthz_regex_exec_pt)(void *data, void *regex,
    ngx_str_t *s);


ngx_int_t ngx_certauthz_cond_parse(ngx_conf_t *cf, ngx_str_t *token,
    ngx_certauthz_cond_t *cond, ngx_array_t *lists);
ngx_int_t ngx_certauthz_cond_check(ngx_conf_t *cf, ngx_str_t *args,
    ngx_uint_t nargs, ngx_uint_t i);
ngx_int_t ngx_certauthz_rule_where(ngx_conf_t *cf, ngx_str_t *where);
ngx_int_t ngx_certauthz_cond_holds(ngx_certauthz_cond_t *cond,
    ngx_uint_t deny, ngx_connection_t *c, ngx_certauthz_cert_t *cert,
    ngx_certauthz_regex_exec_pt exec, void *data);
ngx_str_t *ngx_certauthz_reason_name(ngx_uint_t reason);
void ngx_certauthz_prefix(ngx_str_t *pattern, ngx_str_t *prefix);
ngx_certauthz_values_t *ngx_certauthz_cond_values(
    ngx_certauthz_cond_t *cond, ngx_connection_t *c,
    ngx_certauthz_cert_t *cert);
ngx_int_t ngx_certauthz_cond_order(ngx_certauthz_cond_t *cond,
    ngx_certauthz_cert_t *cert, ngx_certauthz_value_t *v);


/*
 * Whether one value of a field matches a condition's operator, its
 * negation aside (NGX_OK, NGX_DECLINED, NGX_ERROR); a poisoned value
 * (a control character inside) never matches, and no regex is run on it
 */

static ngx_inline ngx_int_t
ngx_certauthz_value_matches(ngx_certauthz_cond_t *cond,
    ngx_certauthz_value_t *v, ngx_certauthz_regex_exec_pt exec, void *data)
{
    if (v->poisoned) {
        return NGX_DECLINED;
    }

    switch (cond->match) {

    case NGX_CERTAUTHZ_MATCH_EQ:
        return (v->str.len == cond->value.len
                && ngx_memcmp(v->str.data, cond->value.data, cond->value.len)
                   == 0)
               ? NGX_OK : NGX_DECLINED;

    case NGX_CERTAUTHZ_MATCH_LIST:
        return ngx_certauthz_list_has(cond->list, &v->str)
               ? NGX_OK : NGX_DECLINED;

    case NGX_CERTAUTHZ_MATCH_HAS:
        return NGX_OK;

    default: /* NGX_CERTAUTHZ_MATCH_REGEX */

        /* a value without the regex's literal start cannot match */

        if (cond->prefix.len
            && (v->str.len < cond->prefix.len
                || ngx_memcmp(v->str.data, cond->prefix.data,
                              cond->prefix.len)
                   != 0))
        {
            return NGX_DECLINED;
        }

        return exec(data, cond->regex, &v->str);
    }
}


#endif /* _NGX_CERTAUTHZ_RULE_H_INCLUDED_ */
