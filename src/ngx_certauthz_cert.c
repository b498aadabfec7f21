
/*
 * certauthz: X509 -> UTF-8 fields, once per TLS connection.
 *
 * The parsed fields live in the pool of the TCP connection, with the rest
 * of the connection's state (ngx_certauthz_conn_get()), so every request
 * on a keep-alive connection and every HTTP/2 stream reuses them.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <arpa/inet.h>

#include "ngx_certauthz_cert.h"


static ngx_int_t ngx_certauthz_cert_dn(X509_NAME *name, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals);
static ngx_int_t ngx_certauthz_cert_name_entries(X509_NAME *name, int nid,
    ngx_uint_t last_only, ngx_pool_t *pool, ngx_certauthz_values_t *vals);
static ngx_int_t ngx_certauthz_cert_san(X509 *x509, ngx_pool_t *pool,
    ngx_certauthz_cert_t *cert, ngx_uint_t field);
static ngx_uint_t ngx_certauthz_cert_san_field(int tag);
static ngx_int_t ngx_certauthz_cert_san_value(ngx_uint_t field,
    const u_char *p, long len, ngx_pool_t *pool, ngx_certauthz_value_t *v);
static ngx_uint_t ngx_certauthz_cert_malformed(void);
static ngx_uint_t ngx_certauthz_cert_ascii(ASN1_STRING *s);
static void ngx_certauthz_cert_ip(ASN1_OCTET_STRING *s, ngx_pool_t *pool,
    ngx_certauthz_value_t *v);
static ngx_int_t ngx_certauthz_cert_serial(X509 *x509, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals);
static ngx_int_t ngx_certauthz_cert_fingerprint(X509 *x509,
    ngx_pool_t *pool, ngx_certauthz_values_t *vals);
static ngx_int_t ngx_certauthz_cert_time(const ASN1_TIME *t,
    ngx_uint_t which, time_t *out);
static ngx_int_t ngx_certauthz_cert_lifetime(ngx_certauthz_cert_t *cert,
    ngx_pool_t *pool);


/* the names of a kind whose place one walk of subjectAltName keeps */
#define NGX_CERTAUTHZ_SAN_KEEP       8

#define NGX_CERTAUTHZ_STR_CONVERT    0
#define NGX_CERTAUTHZ_STR_ASCII      1
#define NGX_CERTAUTHZ_STR_NOT_ASCII  2


/*
 * The certificate's record: verification, dates and serial now, every
 * other field on first use.  NGX_ERROR on an internal failure.
 */

ngx_int_t
ngx_certauthz_cert_parse(ngx_certauthz_cert_t *cert, SSL *ssl, X509 *x509,
    ngx_pool_t *pool)
{
    long         rc;
    u_char      *p;
    size_t       len;
    const char  *err;

    cert->present = 1;

    /* dates that cannot be read (OpenSSL refuses them too): never valid */

    if (ngx_certauthz_cert_time(X509_get0_notBefore(x509), 0,
                                &cert->not_before)
        != NGX_OK
        || ngx_certauthz_cert_time(X509_get0_notAfter(x509), 1,
                                   &cert->not_after)
           != NGX_OK)
    {
        ERR_clear_error();
        cert->not_before = 1;
        cert->not_after = 0;
    }

    rc = SSL_get_verify_result(ssl);

    if (rc == X509_V_OK) {
        cert->verified = 1;
        ngx_str_set(&cert->verify, "SUCCESS");

    } else {
        err = X509_verify_cert_error_string(rc);
        len = sizeof("FAILED:") - 1 + ngx_strlen(err);

        p = ngx_pnalloc(pool, len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        cert->verify.data = p;
        cert->verify.len = ngx_sprintf(p, "FAILED:%s", err) - p;
    }

    if (ngx_certauthz_cert_serial(x509, pool,
                                  &cert->fields[NGX_CERTAUTHZ_FIELD_SERIAL])
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /*
     * The serial is cheap and names the certificate in log lines; every
     * other field is built when a rule, a variable or a log line first
     * asks for it, so that a connection pays only for what the location
     * uses.
     */
    cert->ready = 1 << NGX_CERTAUTHZ_FIELD_SERIAL;

    return NGX_OK;
}


/*
 * A field of the connection's certificate, built on first use; NULL on an
 * internal failure (logged).
 */

ngx_certauthz_values_t *
ngx_certauthz_cert_field(ngx_connection_t *c, ngx_certauthz_cert_t *cert,
    ngx_uint_t field)
{
    X509                    *x509;
    ngx_int_t                rc;
    ngx_uint_t               built;
    ngx_pool_t              *pool;
    X509_NAME               *name;
    ngx_certauthz_values_t  *vals;

    static ngx_certauthz_values_t  none;

    /* "ext:OID" is asked for by ngx_certauthz_cert_ext() */

    if (field == NGX_CERTAUTHZ_FIELD_EXT) {
        return &none;
    }

    if (field >= NGX_CERTAUTHZ_FIELD_EKU && cert->more == NULL) {
        if (!cert->present) {
            return &none;
        }

        if (ngx_certauthz_cert_more(c, cert) == NULL) {
            return NULL;
        }
    }

    vals = ngx_certauthz_cert_slot(cert, field);

    if (!cert->present || (cert->ready & (1 << field))) {
        return vals;
    }

    x509 = SSL_get_peer_certificate(c->ssl->connection);
    if (x509 == NULL) {
        return NULL;
    }

    pool = ngx_certauthz_cert_pool(c);
    built = 1 << field;

    switch (field) {

    case NGX_CERTAUTHZ_FIELD_CN:
    case NGX_CERTAUTHZ_FIELD_O:
    case NGX_CERTAUTHZ_FIELD_OU:
        name = X509_get_subject_name(x509);
        rc = ngx_certauthz_cert_name_entries(name,
                 (field == NGX_CERTAUTHZ_FIELD_CN) ? NID_commonName
                 : (field == NGX_CERTAUTHZ_FIELD_O) ? NID_organizationName
                 : NID_organizationalUnitName,
                 field == NGX_CERTAUTHZ_FIELD_CN, pool, vals);
        break;

    case NGX_CERTAUTHZ_FIELD_SUBJECT:
        rc = ngx_certauthz_cert_dn(X509_get_subject_name(x509), pool,
                                   vals);
        break;

    case NGX_CERTAUTHZ_FIELD_ISSUER:
        rc = ngx_certauthz_cert_dn(X509_get_issuer_name(x509), pool,
                                   vals);
        break;

    case NGX_CERTAUTHZ_FIELD_EMAIL:
    case NGX_CERTAUTHZ_FIELD_DNS:
    case NGX_CERTAUTHZ_FIELD_URI:
    case NGX_CERTAUTHZ_FIELD_IP:

        /*
         * only the names of this kind: the others cost as much again
         * (an address's text most), and a location seldom asks for all
         */

        rc = ngx_certauthz_cert_san(x509, pool, cert, field);
        break;

    case NGX_CERTAUTHZ_FIELD_EKU:
        rc = ngx_certauthz_cert_eku(x509, pool, vals);
        break;

    case NGX_CERTAUTHZ_FIELD_KEY_USAGE:
        rc = ngx_certauthz_cert_key_usage(x509, pool, vals);
        break;

    case NGX_CERTAUTHZ_FIELD_POLICY:
        rc = ngx_certauthz_cert_policy(x509, pool, vals);
        break;

    case NGX_CERTAUTHZ_FIELD_KEY:
        rc = ngx_certauthz_cert_key(x509, pool, cert);
        break;

    case NGX_CERTAUTHZ_FIELD_SIG:
        rc = ngx_certauthz_cert_sig(x509, pool, vals);
        break;

    case NGX_CERTAUTHZ_FIELD_LIFETIME:
        rc = ngx_certauthz_cert_lifetime(cert, pool);
        break;

    case NGX_CERTAUTHZ_FIELD_CA:
    case NGX_CERTAUTHZ_FIELD_CA_FINGERPRINT:
    case NGX_CERTAUTHZ_FIELD_DEPTH:

        /* one look at the chain gives all three */

        rc = ngx_certauthz_cert_chain(c->ssl->connection, x509, pool, cert);
        built = (1 << NGX_CERTAUTHZ_FIELD_CA)
                | (1 << NGX_CERTAUTHZ_FIELD_CA_FINGERPRINT)
                | (1 << NGX_CERTAUTHZ_FIELD_DEPTH);
        break;

    default: /* NGX_CERTAUTHZ_FIELD_FINGERPRINT */
        rc = ngx_certauthz_cert_fingerprint(x509, pool, vals);
        break;
    }

    X509_free(x509);

    if (rc != NGX_OK) {
        if (built != (1U << field)) {
            ngx_ssl_error(NGX_LOG_ERR, c->log, 0,
                          "certauthz: cannot read the verified chain of "
                          "the client certificate");

        } else if (field >= NGX_CERTAUTHZ_FIELD_EMAIL
                   && field <= NGX_CERTAUTHZ_FIELD_IP)
        {
            ngx_ssl_error(NGX_LOG_ERR, c->log, 0,
                          "certauthz: cannot decode the subjectAltName "
                          "extension of the client certificate");

        } else {
            ngx_ssl_error(NGX_LOG_ERR, c->log, 0,
                          "certauthz: cannot build the %V of the client "
                          "certificate", ngx_certauthz_field_name(field));
        }

        return NULL;
    }

    cert->ready |= built;

    return vals;
}


/* the room for the fields from eku on, allocated on first use */

ngx_certauthz_cert_more_t *
ngx_certauthz_cert_more(ngx_connection_t *c, ngx_certauthz_cert_t *cert)
{
    if (cert->more == NULL) {
        cert->more = ngx_pcalloc(ngx_certauthz_cert_pool(c),
                                 sizeof(ngx_certauthz_cert_more_t));
    }

    return cert->more;
}


/*
 * The TCP connection that owns the SSL object: c may be an HTTP/2 stream's
 * fake connection
 */

ngx_connection_t *
ngx_certauthz_cert_connection(ngx_connection_t *c)
{
    ngx_connection_t  *tc;

    tc = ngx_ssl_get_connection(c->ssl->connection);

    return tc ? tc : c;
}


/* what the certificate's data is kept in: that connection's pool */

ngx_pool_t *
ngx_certauthz_cert_pool(ngx_connection_t *c)
{
    return ngx_certauthz_cert_connection(c)->pool;
}


static ngx_int_t
ngx_certauthz_cert_dn(X509_NAME *name, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals)
{
    ngx_certauthz_value_t  *v;

    v = ngx_certauthz_cert_values(pool, vals, 1);
    if (v == NULL) {
        return NGX_ERROR;
    }

    if (name == NULL) {
        return NGX_OK;
    }

    return ngx_certauthz_name_text(name, pool, &v->str);
}


/*
 * A name in RFC 2253, the way nginx prints $ssl_client_s_dn and
 * $ssl_client_i_dn (the fields, CRL issuers in logs and metrics)
 */

ngx_int_t
ngx_certauthz_name_text(X509_NAME *name, ngx_pool_t *pool, ngx_str_t *s)
{
    BIO     *bio;
    size_t   len;

    bio = BIO_new(BIO_s_mem());
    if (bio == NULL) {
        return NGX_ERROR;
    }

    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) < 0) {
        BIO_free(bio);
        return NGX_ERROR;
    }

    len = BIO_pending(bio);

    s->data = ngx_pnalloc(pool, len + 1);
    if (s->data == NULL) {
        BIO_free(bio);
        return NGX_ERROR;
    }

    if (len && BIO_read(bio, s->data, len) != (int) len) {
        BIO_free(bio);
        return NGX_ERROR;
    }

    BIO_free(bio);

    s->len = len;

    return NGX_OK;
}


/*
 * All entries of one attribute in encoding order, or, with last_only,
 * the last one (the CN that the RFC 2253 string shows first).
 */

static ngx_int_t
ngx_certauthz_cert_name_entries(X509_NAME *name, int nid,
    ngx_uint_t last_only, ngx_pool_t *pool, ngx_certauthz_values_t *vals)
{
    int                     i, last;
    ngx_uint_t              n;
    ngx_certauthz_value_t  *v;

    n = 0;
    last = -1;

    for (i = X509_NAME_get_index_by_NID(name, nid, -1);
         i >= 0;
         i = X509_NAME_get_index_by_NID(name, nid, i))
    {
        last = i;
        n++;
    }

    if (n == 0) {
        return NGX_OK;
    }

    if (last_only) {
        v = ngx_certauthz_cert_values(pool, vals, 1);
        if (v == NULL) {
            return NGX_ERROR;
        }

        return ngx_certauthz_cert_utf8(
                   X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last)),
                   pool, v);
    }

    v = ngx_certauthz_cert_values(pool, vals, n);
    if (v == NULL) {
        return NGX_ERROR;
    }

    for (i = X509_NAME_get_index_by_NID(name, nid, -1);
         i >= 0;
         i = X509_NAME_get_index_by_NID(name, nid, i))
    {
        if (ngx_certauthz_cert_utf8(
                X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)),
                pool, v)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        v++;
    }

    return NGX_OK;
}


/*
 * The names of the subjectAltName extension that certauthz reads, walked
 * with OpenSSL's DER reader (ASN1_get_object) instead of decoded into
 * GENERAL_NAMES: allocating, decoding and freeing every name cost more
 * than all the rest of a connection's certificate work (about 1 % of a
 * resumed TLS handshake).  GeneralNames is a SEQUENCE of context-tagged
 * names; rfc822Name [1], dNSName [2] and uniformResourceIdentifier [6] are
 * IMPLICIT IA5Strings, iPAddress [7] an IMPLICIT OCTET STRING, all
 * primitive; the other kinds are skipped.  OpenSSL decodes the extension
 * when it verifies the chain and refuses a certificate whose extension is
 * malformed, so anything unexpected here is an error, as it is for
 * X509_get_ext_d2i() (which, like this, ignores bytes after the SEQUENCE).
 */

static ngx_int_t
ngx_certauthz_cert_san(X509 *x509, ngx_pool_t *pool,
    ngx_certauthz_cert_t *cert, ngx_uint_t field)
{
    int                     idx, tag, xclass, ret;
    long                    len;
    ngx_uint_t              pass, count, i;
    const u_char           *p, *end;
    X509_EXTENSION         *ext;
    ASN1_OCTET_STRING      *der;
    ngx_certauthz_value_t  *next;
    struct {
        const u_char       *data;
        long                len;
    }                       found[NGX_CERTAUTHZ_SAN_KEEP];

    idx = X509_get_ext_by_NID(x509, NID_subject_alt_name, -1);

    if (idx < 0) {
        return NGX_OK;
    }

    /* two subjectAltName extensions: ambiguous */

    if (X509_get_ext_by_NID(x509, NID_subject_alt_name, idx) >= 0) {
        return NGX_ERROR;
    }

    ext = X509_get_ext(x509, idx);
    der = X509_EXTENSION_get_data(ext);

    count = 0;
    next = NULL;

    /*
     * The first pass counts the names of the kind and notes where the
     * first few are; a second copies them only if there are more.
     * Every name is checked, whatever its kind, so that a malformed
     * extension fails whichever kind is asked for first.
     */

    for (pass = 0; pass < 2; pass++) {

        p = ASN1_STRING_get0_data(der);
        len = ASN1_STRING_length(der);

        ret = ASN1_get_object(&p, &len, &tag, &xclass, len);

        /* 0x80: error; 0x21: constructed, indefinite length (not DER) */

        if ((ret & 0x80) || ret != V_ASN1_CONSTRUCTED
            || xclass != V_ASN1_UNIVERSAL || tag != V_ASN1_SEQUENCE)
        {
            return NGX_ERROR;
        }

        end = p + len;

        while (p < end) {

            ret = ASN1_get_object(&p, &len, &tag, &xclass, end - p);

            if ((ret & 0x80) || ret == 0x21
                || xclass != V_ASN1_CONTEXT_SPECIFIC)
            {
                return NGX_ERROR;
            }

            idx = ngx_certauthz_cert_san_field(tag);

            if ((ngx_uint_t) idx != NGX_CERTAUTHZ_NFIELDS && ret != 0) {
                return NGX_ERROR;     /* these are primitive */
            }

            if ((ngx_uint_t) idx == field) {

                if (pass == 0) {
                    if (count < NGX_CERTAUTHZ_SAN_KEEP) {
                        found[count].data = p;
                        found[count].len = len;
                    }

                    count++;

                } else {
                    if (ngx_certauthz_cert_san_value(field, p, len, pool,
                                                     next)
                        != NGX_OK)
                    {
                        return NGX_ERROR;
                    }

                    next++;
                }
            }

            p += len;
        }

        if (pass == 1 || count == 0) {
            break;
        }

        next = ngx_certauthz_cert_values(pool, &cert->fields[field], count);
        if (next == NULL) {
            return NGX_ERROR;
        }

        if (count <= NGX_CERTAUTHZ_SAN_KEEP) {

            for (i = 0; i < count; i++) {
                if (ngx_certauthz_cert_san_value(field, found[i].data,
                                                 found[i].len, pool, &next[i])
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }
            }

            break;
        }
    }

    return NGX_OK;
}


/* the field of a GeneralName's tag, NGX_CERTAUTHZ_NFIELDS: none */

static ngx_uint_t
ngx_certauthz_cert_san_field(int tag)
{
    switch (tag) {
    case GEN_EMAIL:
        return NGX_CERTAUTHZ_FIELD_EMAIL;
    case GEN_DNS:
        return NGX_CERTAUTHZ_FIELD_DNS;
    case GEN_URI:
        return NGX_CERTAUTHZ_FIELD_URI;
    case GEN_IPADD:
        return NGX_CERTAUTHZ_FIELD_IP;
    default:
        return NGX_CERTAUTHZ_NFIELDS;
    }
}


/* one name's value: an address, or an IA5String's text */

static ngx_int_t
ngx_certauthz_cert_san_value(ngx_uint_t field, const u_char *p, long len,
    ngx_pool_t *pool, ngx_certauthz_value_t *v)
{
    ASN1_STRING  name;

    ngx_memzero(&name, sizeof(ASN1_STRING));
    name.length = len;
    name.data = (u_char *) p;

    if (field == NGX_CERTAUTHZ_FIELD_IP) {
        name.type = V_ASN1_OCTET_STRING;
        ngx_certauthz_cert_ip(&name, pool, v);

        return v->str.data ? NGX_OK : NGX_ERROR;
    }

    name.type = V_ASN1_IA5STRING;

    return ngx_certauthz_cert_utf8(&name, pool, v);
}


/*
 * Any ASN.1 string type to UTF-8.  A string that holds a control
 * character (NUL, CR, LF, ... DEL) once converted, or that is malformed
 * for its type, is kept "poisoned": it never matches a rule.  NGX_ERROR
 * on an internal failure (allocation, OpenSSL), which must not be taken
 * for a value that matches nothing: the request is refused, and the
 * field is built again for the next one.
 */

ngx_int_t
ngx_certauthz_cert_utf8(ASN1_STRING *s, ngx_pool_t *pool,
    ngx_certauthz_value_t *v)
{
    int             len;
    u_char         *p;
    ngx_uint_t      kind;
    unsigned char  *utf8;

    if (s == NULL) {
        v->poisoned = 1;
        v->str.len = 0;
        v->str.data = (u_char *) "";
        return NGX_OK;
    }

    kind = ngx_certauthz_cert_ascii(s);

    if (kind != NGX_CERTAUTHZ_STR_CONVERT) {

        /* its bytes as they are: see ngx_certauthz_cert_ascii() */

        len = ASN1_STRING_length(s);

        v->str.data = ngx_pnalloc(pool, len + 1);
        if (v->str.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(v->str.data, ASN1_STRING_get0_data(s), len);
        v->str.data[len] = '\0';
        v->str.len = len;
        v->poisoned = (kind != NGX_CERTAUTHZ_STR_ASCII);

        return NGX_OK;
    }

    utf8 = NULL;

    ERR_clear_error();

    len = ASN1_STRING_to_UTF8(&utf8, s);

    if (len < 0) {
        if (!ngx_certauthz_cert_malformed()) {
            return NGX_ERROR;
        }

        ERR_clear_error();

        v->poisoned = 1;
        v->str.len = 0;
        v->str.data = (u_char *) "";
        return NGX_OK;
    }

    v->str.data = ngx_pnalloc(pool, len + 1);
    if (v->str.data == NULL) {
        OPENSSL_free(utf8);
        return NGX_ERROR;
    }

    ngx_memcpy(v->str.data, utf8, len);
    v->str.data[len] = '\0';
    v->str.len = len;

    OPENSSL_free(utf8);

    for (p = v->str.data; p < v->str.data + len; p++) {
        if (ngx_certauthz_field_ctl(*p)) {
            v->poisoned = 1;
            break;
        }
    }

    return NGX_OK;
}


/*
 * Why ASN1_STRING_to_UTF8() failed: the string is malformed for its type
 * (a BMPString of odd length, bad UTF-8, a type that is no string), or
 * anything else, an allocation failure first of all.  Only the errors
 * that name the string's content count as malformed; what OpenSSL does
 * not explain is an internal failure, so that it can never let a
 * certificate skip a rule.
 */

static ngx_uint_t
ngx_certauthz_cert_malformed(void)
{
    unsigned long  e;

    e = ERR_peek_last_error();

    if (ERR_GET_LIB(e) != ERR_LIB_ASN1) {
        return 0;
    }

    switch (ERR_GET_REASON(e)) {
    case ASN1_R_INVALID_BMPSTRING_LENGTH:
    case ASN1_R_INVALID_UNIVERSALSTRING_LENGTH:
    case ASN1_R_INVALID_UTF8STRING:
    case ASN1_R_ILLEGAL_CHARACTERS:
        return 1;
    default:
        return 0;
    }
}


/*
 * What a string's type and bytes call for:
 *   NGX_CERTAUTHZ_STR_ASCII: a type that OpenSSL reads as ASCII or UTF-8
 *     (UTF8String, PrintableString, IA5String, VisibleString) holding only
 *     printable ASCII and spaces: its bytes are its UTF-8, copied without
 *     OpenSSL's general conversion (most of the cost of parsing a
 *     certificate);
 *   NGX_CERTAUTHZ_STR_NOT_ASCII: a type that allows only ASCII (those but
 *     UTF8String, and NumericString) with a byte above it, a UTF-8 U-label
 *     in a dNSName, say: OpenSSL would read it as Latin-1 and give a
 *     string the certificate never meant, so it is kept as it is and
 *     poisoned (never matched, written %XX by variables); and any of
 *     these types with a control character, which is poisoned whatever
 *     else it holds; and a type that is no text at all (an OCTET STRING
 *     where a name belongs), which ASN1_STRING_to_UTF8() fails on without
 *     saying why;
 *   NGX_CERTAUTHZ_STR_CONVERT: anything else, for ASN1_STRING_to_UTF8().
 */

static ngx_uint_t
ngx_certauthz_cert_ascii(ASN1_STRING *s)
{
    int            type;
    uint64_t       w, del;
    ngx_uint_t     printable, high;
    const u_char  *p, *last;

    type = ASN1_STRING_type(s);

    switch (type) {

    case V_ASN1_UTF8STRING:
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_IA5STRING:
    case V_ASN1_VISIBLESTRING:
    case V_ASN1_NUMERICSTRING:
        break;

    /* the other types that ASN1_STRING_to_UTF8() reads */
    case V_ASN1_T61STRING:
    case V_ASN1_UTCTIME:
    case V_ASN1_GENERALIZEDTIME:
    case V_ASN1_UNIVERSALSTRING:
    case V_ASN1_BMPSTRING:
        return NGX_CERTAUTHZ_STR_CONVERT;

    default:
        return NGX_CERTAUTHZ_STR_NOT_ASCII;
    }

    printable = 1;
    high = 0;

    p = ASN1_STRING_get0_data(s);
    last = p + ASN1_STRING_length(s);

    /*
     * Eight bytes at a time while they are printable ASCII, as most are: a
     * word with a byte of 0x80 or more, below 0x20 or 0x7f (tested as
     * in "Bit Twiddling Hacks", which may also stop at a word without
     * one, never pass one) is left to the loop byte by byte
     */

    while (last - p >= 8) {
        ngx_memcpy(&w, p, 8);
        del = w ^ 0x7f7f7f7f7f7f7f7fULL;

        if ((w & 0x8080808080808080ULL)
            || ((w - 0x2020202020202020ULL) & ~w & 0x8080808080808080ULL)
            || ((del - 0x0101010101010101ULL) & ~del
                & 0x8080808080808080ULL))
        {
            break;
        }

        p += 8;
    }

    for ( /* void */ ; p < last; p++) {
        if (*p >= 0x80) {
            high = 1;

        } else if (*p < 0x20 || *p == 0x7f) {
            printable = 0;
        }
    }

    if (!printable) {
        return NGX_CERTAUTHZ_STR_NOT_ASCII;
    }

    if (high) {
        return (type == V_ASN1_UTF8STRING) ? NGX_CERTAUTHZ_STR_CONVERT
                                           : NGX_CERTAUTHZ_STR_NOT_ASCII;
    }

    return NGX_CERTAUTHZ_STR_ASCII;
}


/* dotted IPv4, or IPv6 in RFC 5952 form as inet_ntop() writes it */

static void
ngx_certauthz_cert_ip(ASN1_OCTET_STRING *s, ngx_pool_t *pool,
    ngx_certauthz_value_t *v)
{
    int            len;
    char           text[INET6_ADDRSTRLEN];
    const u_char  *a;

    len = ASN1_STRING_length(s);
    a = ASN1_STRING_get0_data(s);

    if (len == 4) {
        /* what inet_ntop() writes, without its sprintf() */
        *ngx_sprintf((u_char *) text, "%ud.%ud.%ud.%ud",
                     a[0], a[1], a[2], a[3]) = '\0';

    } else if (len != 16 || inet_ntop(AF_INET6, a, text, sizeof(text)) == NULL)
    {
        v->poisoned = 1;
        v->str.len = 0;
        v->str.data = (u_char *) "";
        return;
    }

    v->str.len = ngx_strlen(text);
    v->str.data = ngx_pstrdup(pool, &(ngx_str_t) { v->str.len,
                                                   (u_char *) text });
}


/* uppercase hex, no colons, no leading zeros; "-" for a negative one */

static ngx_int_t
ngx_certauthz_cert_serial(X509 *x509, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals)
{
    int                     len;
    u_char                 *p;
    const u_char           *data;
    ASN1_INTEGER const     *serial;
    ngx_certauthz_value_t  *v;
    static u_char           hex[] = "0123456789ABCDEF";

    serial = X509_get0_serialNumber(x509);
    data = ASN1_STRING_get0_data(serial);
    len = ASN1_STRING_length(serial);

    while (len > 0 && *data == 0) {
        data++;
        len--;
    }

    v = ngx_certauthz_cert_values(pool, vals, 1);
    if (v == NULL) {
        return NGX_ERROR;
    }

    p = ngx_pnalloc(pool, 2 * len + 2);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->str.data = p;

    if (len == 0) {
        *p++ = '0';

    } else {
        if (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER) {
            *p++ = '-';
        }

        if (*data >> 4) {
            *p++ = hex[*data >> 4];
        }

        *p++ = hex[*data++ & 0xf];

        while (--len) {
            *p++ = hex[*data >> 4];
            *p++ = hex[*data++ & 0xf];
        }
    }

    v->str.len = p - v->str.data;

    return NGX_OK;
}


static ngx_int_t
ngx_certauthz_cert_fingerprint(X509 *x509, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals)
{
    ngx_certauthz_value_t  *v;

    v = ngx_certauthz_cert_values(pool, vals, 1);
    if (v == NULL) {
        return NGX_ERROR;
    }

    return ngx_certauthz_cert_digest(x509, pool, &v->str);
}


/*
 * The validity period's length in seconds (notAfter - notBefore); none
 * where the dates cannot be read (such a certificate is never valid)
 */

static ngx_int_t
ngx_certauthz_cert_lifetime(ngx_certauthz_cert_t *cert, ngx_pool_t *pool)
{
    u_char                 *p;
    ngx_certauthz_value_t  *v;

    if (cert->not_after < cert->not_before) {
        return NGX_OK;
    }

    v = ngx_certauthz_cert_values(pool,
                    ngx_certauthz_cert_slot(cert, NGX_CERTAUTHZ_FIELD_LIFETIME),
                    1);
    if (v == NULL) {
        return NGX_ERROR;
    }

    p = ngx_pnalloc(pool, NGX_TIME_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->str.data = p;
    v->str.len = ngx_sprintf(p, "%T", cert->not_after - cert->not_before) - p;

    return NGX_OK;
}


/*
 * The SHA-256 digest of a certificate's DER, in lowercase hex.  Of any
 * other length it is not one: OpenSSL 3.0, out of memory in its first
 * allocation there, answers with the cached SHA-1 digest and no error.
 */

ngx_int_t
ngx_certauthz_cert_digest(X509 *x509, ngx_pool_t *pool, ngx_str_t *hex)
{
    unsigned int  len;
    u_char        md[EVP_MAX_MD_SIZE];

    if (X509_digest(x509, EVP_sha256(), md, &len) == 0
        || len != SHA256_DIGEST_LENGTH)
    {
        return NGX_ERROR;
    }

    hex->data = ngx_pnalloc(pool, 2 * len);
    if (hex->data == NULL) {
        return NGX_ERROR;
    }

    hex->len = ngx_hex_dump(hex->data, md, len) - hex->data;

    return NGX_OK;
}


/* a single value, a copy of s, in lowercase with lower */

ngx_int_t
ngx_certauthz_cert_copy(const char *s, ngx_uint_t lower, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals)
{
    size_t                  len;
    ngx_certauthz_value_t  *v;

    v = ngx_certauthz_cert_values(pool, vals, 1);
    if (v == NULL) {
        return NGX_ERROR;
    }

    len = ngx_strlen(s);

    v->str.data = ngx_pnalloc(pool, len);
    if (v->str.data == NULL) {
        return NGX_ERROR;
    }

    v->str.len = len;

    if (lower) {
        ngx_strlow(v->str.data, (u_char *) s, len);

    } else {
        ngx_memcpy(v->str.data, s, len);
    }

    return NGX_OK;
}


ngx_certauthz_value_t *
ngx_certauthz_cert_values(ngx_pool_t *pool,
    ngx_certauthz_values_t *vals, ngx_uint_t n)
{
    vals->elts = ngx_pcalloc(pool, n * sizeof(ngx_certauthz_value_t));
    if (vals->elts == NULL) {
        return NULL;
    }

    vals->nelts = n;

    return vals->elts;
}


/* a field's text for variables, built once per connection */

ngx_int_t
ngx_certauthz_cert_text(ngx_connection_t *c, ngx_certauthz_cert_t *cert,
    ngx_uint_t field, ngx_str_t *out)
{
    ngx_certauthz_values_t  *vals;

    vals = ngx_certauthz_cert_field(c, cert, field);
    if (vals == NULL) {
        return NGX_ERROR;
    }

    return ngx_certauthz_cert_joined(c, vals,
                                     ngx_certauthz_field_multi(field), out);
}


/* the values of a field joined for variables, once per connection */

ngx_int_t
ngx_certauthz_cert_joined(ngx_connection_t *c, ngx_certauthz_values_t *vals,
    ngx_uint_t multi, ngx_str_t *out)
{
    if (!vals->joined_done && vals->nelts) {
        if (ngx_certauthz_field_join(ngx_certauthz_cert_pool(c), vals, multi,
                                     &vals->joined)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        vals->joined_done = 1;
    }

    *out = vals->joined;

    return NGX_OK;
}


/*
 * A certificate's date (0: notBefore, 1: notAfter) as a time_t, the last
 * one of each kept by its text: a worker mostly sees certificates it has
 * seen just before (a client reconnecting, resuming its session), and
 * converting the dates was most of what a new connection cost.  Only the
 * event loop calls this; the CRL loads in threads convert theirs.
 */

static ngx_int_t
ngx_certauthz_cert_time(const ASN1_TIME *t, ngx_uint_t which, time_t *out)
{
    int            len, type;
    const u_char  *data;

    static struct {
        int        type;
        int        len;
        u_char     data[32];
        time_t     time;
    }  last[2];

    if (t == NULL) {
        return NGX_ERROR;
    }

    len = ASN1_STRING_length(t);
    type = ASN1_STRING_type(t);
    data = ASN1_STRING_get0_data(t);

    if (last[which].len == len && last[which].type == type
        && ngx_memcmp(last[which].data, data, len) == 0)
    {
        *out = last[which].time;
        return NGX_OK;
    }

    if (ngx_certauthz_asn1_time(t, out) != NGX_OK) {
        return NGX_ERROR;
    }

    if ((size_t) len <= sizeof(last[which].data)) {
        ngx_memcpy(last[which].data, data, len);
        last[which].len = len;
        last[which].type = type;
        last[which].time = *out;
    }

    return NGX_OK;
}


/*
 * An ASN1_TIME as a time_t (before 1970 too): the whole seconds from the
 * epoch, as OpenSSL counts them
 */

ngx_int_t
ngx_certauthz_asn1_time(const ASN1_TIME *t, time_t *out)
{
    int        day, sec;
    struct tm  tm;

    /* 1970-01-01 00:00:00 UTC */
    static const struct tm  epoch = { .tm_mday = 1, .tm_year = 70 };

    /*
     * One conversion of the string, then arithmetic: ASN1_TIME_diff()
     * would convert the epoch's string too (half the cost of parsing a
     * certificate's dates)
     */

    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1
        || OPENSSL_gmtime_diff(&day, &sec, &epoch, &tm) != 1)
    {
        return NGX_ERROR;
    }

    *out = (time_t) day * 86400 + sec;

    return NGX_OK;
}


/*
 * Whether the OpenSSL call that just failed ran out of memory (an
 * internal failure, to be answered with 500 and tried again), as opposed
 * to finding its input bad (an answer about the input, to be kept).
 */

ngx_uint_t
ngx_certauthz_ssl_oom(void)
{
    /* the allocator's own report comes first, the callers' after it */

    return ERR_GET_REASON(ERR_peek_error()) == ERR_R_MALLOC_FAILURE
           || ERR_GET_REASON(ERR_peek_last_error()) == ERR_R_MALLOC_FAILURE;
}


/* the certificate's DER, kept with the connection once asked for */

ngx_int_t
ngx_certauthz_cert_der(ngx_connection_t *c, ngx_certauthz_cert_t *cert,
    ngx_str_t *der)
{
    int      len;
    X509    *x509;
    u_char  *p;

    if (cert->der.len || !cert->present) {
        *der = cert->der;
        return NGX_OK;
    }

    x509 = SSL_get_peer_certificate(c->ssl->connection);
    if (x509 == NULL) {
        return NGX_ERROR;
    }

    len = i2d_X509(x509, NULL);

    if (len <= 0) {
        X509_free(x509);
        return NGX_ERROR;
    }

    p = ngx_pnalloc(ngx_certauthz_cert_pool(c), len);
    if (p == NULL) {
        X509_free(x509);
        return NGX_ERROR;
    }

    cert->der.data = p;

    if (i2d_X509(x509, &p) != len) {
        X509_free(x509);
        return NGX_ERROR;
    }

    X509_free(x509);

    cert->der.len = len;
    *der = cert->der;

    return NGX_OK;
}


