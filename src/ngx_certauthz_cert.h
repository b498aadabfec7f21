
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

#include "ngx_certauthz_field.h"


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
ngx_int_t ngx_certauthz_cert_text(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert, ngx_uint_t field, ngx_str_t *out);

ngx_int_t ngx_certauthz_asn1_time(const ASN1_TIME *t, time_t *out);
ngx_uint_t ngx_certauthz_ssl_oom(void);
ngx_int_t ngx_certauthz_cert_der(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert, ngx_str_t *der);
ngx_int_t ngx_certauthz_name_text(X509_NAME *name, ngx_pool_t *pool,
    ngx_str_t *s);


#endif /* _NGX_CERTAUTHZ_CERT_H_INCLUDED_ */
