
/*
 * certauthz: the fields a rule can name, the syntax of their values in
 * rules and list files, and how their values are written for headers.
 * nginx core, and OpenSSL's names of objects (OIDs).
 */


#ifndef _NGX_CERTAUTHZ_FIELD_H_INCLUDED_
#define _NGX_CERTAUTHZ_FIELD_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


typedef enum {
    NGX_CERTAUTHZ_FIELD_CN = 0,
    NGX_CERTAUTHZ_FIELD_SUBJECT,
    NGX_CERTAUTHZ_FIELD_ISSUER,
    NGX_CERTAUTHZ_FIELD_O,
    NGX_CERTAUTHZ_FIELD_OU,
    NGX_CERTAUTHZ_FIELD_EMAIL,
    NGX_CERTAUTHZ_FIELD_DNS,
    NGX_CERTAUTHZ_FIELD_URI,
    NGX_CERTAUTHZ_FIELD_IP,
    NGX_CERTAUTHZ_FIELD_SERIAL,
    NGX_CERTAUTHZ_FIELD_FINGERPRINT,
    NGX_CERTAUTHZ_FIELD_EKU,
    NGX_CERTAUTHZ_FIELD_KEY_USAGE,
    NGX_CERTAUTHZ_FIELD_POLICY,
    NGX_CERTAUTHZ_FIELD_KEY,
    NGX_CERTAUTHZ_FIELD_SIG,
    NGX_CERTAUTHZ_FIELD_CA,
    NGX_CERTAUTHZ_FIELD_CA_FINGERPRINT,
    NGX_CERTAUTHZ_FIELD_DEPTH,
    NGX_CERTAUTHZ_FIELD_LIFETIME,
    /* "ext:OID": an extension by its OID, kept apart from the fields[] */
    NGX_CERTAUTHZ_FIELD_EXT,
    NGX_CERTAUTHZ_NFIELDS
} ngx_certauthz_field_e;


typedef struct {
    ngx_str_t                 str;
    /*
     * the certificate string held a control character (NUL, CR, LF, ...,
     * DEL) or could not be read as text: it never matches
     */
    unsigned                  poisoned:1;
} ngx_certauthz_value_t;


typedef struct {
    ngx_certauthz_value_t    *elts;
    ngx_uint_t                nelts;
    /* all values joined by ",", built on first use by a variable */
    ngx_str_t                 joined;
    unsigned                  joined_done:1;
    /*
     * the extension that holds the field does not parse: no values, and
     * no condition on the field lets a certificate through
     */
    unsigned                  poisoned:1;
    /*
     * the verified chain of a resumed session that cannot be built again:
     * not known, never empty; a rule on it decides "unverified"
     */
    unsigned                  unknown:1;
} ngx_certauthz_values_t;


ngx_int_t ngx_certauthz_field_by_name(ngx_str_t *name);
ngx_str_t *ngx_certauthz_field_name(ngx_uint_t field);
ngx_str_t *ngx_certauthz_field_key_usages(void);
ngx_uint_t ngx_certauthz_field_multi(ngx_uint_t field);
ngx_int_t ngx_certauthz_field_normalise(ngx_pool_t *pool, ngx_uint_t field,
    ngx_str_t *v, const char **err);
ngx_int_t ngx_certauthz_field_oid(ngx_pool_t *pool, ngx_str_t *oid);
const char *ngx_certauthz_field_hint(ngx_uint_t field);
ngx_uint_t ngx_certauthz_field_ctl(u_char c);
ngx_uint_t ngx_certauthz_field_escaped(u_char c, ngx_uint_t multi,
    ngx_uint_t poisoned);
ngx_int_t ngx_certauthz_field_join(ngx_pool_t *pool,
    ngx_certauthz_values_t *vals, ngx_uint_t multi, ngx_str_t *out);


#endif /* _NGX_CERTAUTHZ_FIELD_H_INCLUDED_ */
