
/*
 * certauthz: the fields of a TLS client certificate, extracted once per
 * TLS connection and kept with it.
 *
 * This file knows OpenSSL and nginx core only (no HTTP), so that an http
 * and a stream face can share it.
 */


#ifndef _NGX_CERTAUTHZ_CERT_H_INCLUDED_
#define _NGX_CERTAUTHZ_CERT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>


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
} ngx_certauthz_values_t;


typedef struct {
    /* the peer presented a certificate */
    unsigned                  present:1;
    /* and nginx verified it: SSL_get_verify_result() == X509_V_OK */
    unsigned                  verified:1;

    ngx_str_t                 verify;     /* SUCCESS, NONE, FAILED:... */

    /* the validity period, checked per request */
    time_t                    not_before;
    time_t                    not_after;

    /*
     * fields built so far, a bit per field: the DN strings and the
     * fingerprint cost more than the rest and are built when first asked
     * for, through ngx_certauthz_cert_field()
     */
    ngx_uint_t                ready;

    ngx_certauthz_values_t    fields[NGX_CERTAUTHZ_NFIELDS];

    ngx_str_t                 der;        /* built on first use */
} ngx_certauthz_cert_t;


ngx_int_t ngx_certauthz_cert_parse(ngx_certauthz_cert_t *cert, SSL *ssl,
    X509 *x509, ngx_pool_t *pool);
ngx_pool_t *ngx_certauthz_cert_pool(ngx_connection_t *c);
ngx_certauthz_values_t *ngx_certauthz_cert_field(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert, ngx_uint_t field);
ngx_uint_t ngx_certauthz_cert_ctl(u_char c);
ngx_int_t ngx_certauthz_cert_text(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert, ngx_uint_t field, ngx_str_t *out);

ngx_int_t ngx_certauthz_asn1_time(const ASN1_TIME *t, time_t *out);
ngx_uint_t ngx_certauthz_ssl_oom(void);
ngx_int_t ngx_certauthz_cert_der(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert, ngx_str_t *der);
ngx_int_t ngx_certauthz_field_normalise(ngx_pool_t *pool, ngx_uint_t field,
    ngx_str_t *v, const char **err);
const char *ngx_certauthz_field_hint(ngx_uint_t field);
ngx_int_t ngx_certauthz_field_by_name(ngx_str_t *name);
ngx_str_t *ngx_certauthz_field_name(ngx_uint_t field);
ngx_uint_t ngx_certauthz_field_multi(ngx_uint_t field);


#endif /* _NGX_CERTAUTHZ_CERT_H_INCLUDED_ */
