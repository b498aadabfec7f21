
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


/* what the certificate has of an extension named by "ext:OID" */
typedef struct {
    ngx_str_t                 oid;        /* dotted */
    ngx_certauthz_values_t    vals;
} ngx_certauthz_ext_t;


/*
 * The fields from eku on, with what they need: kept apart, and allocated
 * on a connection's first use of one, so that a connection whose policies
 * do not name them does not carry their room
 */
typedef struct {
    ngx_certauthz_values_t    fields[NGX_CERTAUTHZ_FIELD_EXT
                                     - NGX_CERTAUTHZ_FIELD_EKU];

    /* the size of the key in bits, for "key>=...", with the field key */
    ngx_uint_t                key_bits;

    /* the extensions asked for by OID so far */
    ngx_certauthz_ext_t      *exts;
    ngx_uint_t                nexts;
    ngx_uint_t                exts_room;
} ngx_certauthz_cert_more_t;


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

    ngx_certauthz_values_t    fields[NGX_CERTAUTHZ_FIELD_EKU];
    ngx_certauthz_cert_more_t *more;       /* NULL until first needed */

    ngx_str_t                 der;        /* built on first use */
} ngx_certauthz_cert_t;


ngx_int_t ngx_certauthz_cert_parse(ngx_certauthz_cert_t *cert, SSL *ssl,
    X509 *x509, ngx_pool_t *pool);
ngx_certauthz_cert_more_t *ngx_certauthz_cert_more(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert);
ngx_connection_t *ngx_certauthz_cert_connection(ngx_connection_t *c);
ngx_pool_t *ngx_certauthz_cert_pool(ngx_connection_t *c);
ngx_certauthz_values_t *ngx_certauthz_cert_field(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert, ngx_uint_t field);
ngx_int_t ngx_certauthz_cert_text(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert, ngx_uint_t field, ngx_str_t *out);
ngx_certauthz_values_t *ngx_certauthz_cert_ext(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert, ngx_str_t *oid);
ngx_int_t ngx_certauthz_cert_ext_text(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert, ngx_str_t *oid, ngx_str_t *out);
ngx_int_t ngx_certauthz_cert_joined(ngx_connection_t *c,
    ngx_certauthz_values_t *vals, ngx_uint_t multi, ngx_str_t *out);

ngx_int_t ngx_certauthz_asn1_time(const ASN1_TIME *t, time_t *out);
ngx_uint_t ngx_certauthz_ssl_oom(void);
ngx_int_t ngx_certauthz_cert_der(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert, ngx_str_t *der);
ngx_int_t ngx_certauthz_name_text(X509_NAME *name, ngx_pool_t *pool,
    ngx_str_t *s);


/*
 * The decoders of ngx_certauthz_cert_ext.c (extensions, key, signature)
 * and ngx_certauthz_cert_chain.c (the verified chain), and what they share
 * with ngx_certauthz_cert.c.  Each fills the values of its field(s) in the
 * connection's pool: NGX_OK (a field that does not parse is poisoned),
 * NGX_ERROR on an internal failure.
 */
ngx_int_t ngx_certauthz_cert_eku(X509 *x509, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals);
ngx_int_t ngx_certauthz_cert_key_usage(X509 *x509, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals);
ngx_int_t ngx_certauthz_cert_policy(X509 *x509, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals);
ngx_int_t ngx_certauthz_cert_key(X509 *x509, ngx_pool_t *pool,
    ngx_certauthz_cert_t *cert);
ngx_int_t ngx_certauthz_cert_sig(X509 *x509, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals);
ngx_int_t ngx_certauthz_cert_ext_values(X509 *x509, ngx_str_t *oid,
    ngx_pool_t *pool, ngx_certauthz_values_t *vals);
ngx_int_t ngx_certauthz_cert_chain(SSL *ssl, X509 *leaf, ngx_pool_t *pool,
    ngx_certauthz_cert_t *cert);

ngx_certauthz_value_t *ngx_certauthz_cert_values(ngx_pool_t *pool,
    ngx_certauthz_values_t *vals, ngx_uint_t n);
ngx_int_t ngx_certauthz_cert_copy(const char *s, ngx_uint_t lower,
    ngx_pool_t *pool, ngx_certauthz_values_t *vals);
ngx_int_t ngx_certauthz_cert_utf8(ASN1_STRING *s, ngx_pool_t *pool,
    ngx_certauthz_value_t *v);
ngx_int_t ngx_certauthz_cert_digest(X509 *x509, ngx_pool_t *pool,
    ngx_str_t *hex);


/* where a field's values are kept: cert->more must exist for eku on */

static ngx_inline ngx_certauthz_values_t *
ngx_certauthz_cert_slot(ngx_certauthz_cert_t *cert, ngx_uint_t field)
{
    return (field < NGX_CERTAUTHZ_FIELD_EKU)
           ? &cert->fields[field]
           : &cert->more->fields[field - NGX_CERTAUTHZ_FIELD_EKU];
}


#endif /* _NGX_CERTAUTHZ_CERT_H_INCLUDED_ */
