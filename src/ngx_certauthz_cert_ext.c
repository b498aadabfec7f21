
/*
 * certauthz: the fields read from a certificate's extensions, key and
 * signature: eku, key_usage, policy, key, sig, and any extension by OID
 * ("ext:OID").  Each is decoded on a connection's first use of it, as the
 * fields of ngx_certauthz_cert.c are.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_cert.h"


static ngx_int_t ngx_certauthz_cert_ext_d2i(X509 *x509, int nid, void **ext,
    ngx_certauthz_values_t *vals);
static ngx_int_t ngx_certauthz_cert_oid(const ASN1_OBJECT *obj,
    ngx_uint_t how, ngx_pool_t *pool, ngx_certauthz_value_t *v);
static ngx_int_t ngx_certauthz_cert_ext_value(X509_EXTENSION *ext,
    ngx_pool_t *pool, ngx_certauthz_values_t *vals);


/* how ngx_certauthz_cert_oid() writes an OID */
#define NGX_CERTAUTHZ_OID_SHORT      0     /* short name, else dotted */
#define NGX_CERTAUTHZ_OID_LONG       1     /* long name, else dotted */
#define NGX_CERTAUTHZ_OID_DOTTED     2


static ngx_certauthz_values_t  ngx_certauthz_cert_ext_none;


/*
 * The extension NID decoded, in *ext (to be freed by the caller), or NULL
 * where the certificate has none.  One that does not decode, or that the
 * certificate has twice, poisons the field (NULL too); NGX_ERROR where
 * OpenSSL ran out of memory, which must not pass for a malformed one.
 */

static ngx_int_t
ngx_certauthz_cert_ext_d2i(X509 *x509, int nid, void **ext,
    ngx_certauthz_values_t *vals)
{
    int  crit;

    ERR_clear_error();

    *ext = X509_get_ext_d2i(x509, nid, &crit, NULL);

    if (*ext != NULL || crit == -1) {
        return NGX_OK;
    }

    /* crit -2: twice; else present, but it does not decode */

    if (crit != -2 && ngx_certauthz_ssl_oom()) {
        return NGX_ERROR;
    }

    ERR_clear_error();

    vals->poisoned = 1;

    return NGX_OK;
}


/* extendedKeyUsage: OpenSSL's short names, dotted OIDs where it has none */

ngx_int_t
ngx_certauthz_cert_eku(X509 *x509, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals)
{
    int                      i, n;
    ngx_int_t                rc;
    EXTENDED_KEY_USAGE      *eku;
    ngx_certauthz_value_t   *v;

    if (ngx_certauthz_cert_ext_d2i(x509, NID_ext_key_usage, (void **) &eku,
                                   vals)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (eku == NULL) {
        return NGX_OK;
    }

    rc = NGX_OK;
    n = sk_ASN1_OBJECT_num(eku);

    if (n > 0) {
        v = ngx_certauthz_cert_values(pool, vals, n);

        for (i = 0; i < n; i++) {
            if (v == NULL
                || ngx_certauthz_cert_oid(sk_ASN1_OBJECT_value(eku, i),
                                          NGX_CERTAUTHZ_OID_SHORT, pool,
                                          &v[i])
                   != NGX_OK)
            {
                rc = NGX_ERROR;
                break;
            }
        }
    }

    EXTENDED_KEY_USAGE_free(eku);

    return rc;
}


/* keyUsage: the names of the bits set, in bit order */

ngx_int_t
ngx_certauthz_cert_key_usage(X509 *x509, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals)
{
    ngx_str_t              *names;
    ngx_uint_t              i, n;
    ASN1_BIT_STRING        *ku;
    ngx_certauthz_value_t  *v;

    if (ngx_certauthz_cert_ext_d2i(x509, NID_key_usage, (void **) &ku, vals)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ku == NULL) {
        return NGX_OK;
    }

    names = ngx_certauthz_field_key_usages();
    n = 0;

    for (i = 0; names[i].len; i++) {
        n += (ASN1_BIT_STRING_get_bit(ku, i) != 0);
    }

    if (n) {
        v = ngx_certauthz_cert_values(pool, vals, n);
        if (v == NULL) {
            ASN1_BIT_STRING_free(ku);
            return NGX_ERROR;
        }

        for (i = 0; names[i].len; i++) {
            if (ASN1_BIT_STRING_get_bit(ku, i)) {
                (v++)->str = names[i];
            }
        }
    }

    ASN1_BIT_STRING_free(ku);

    return NGX_OK;
}


/* certificatePolicies: the policy identifiers, dotted */

ngx_int_t
ngx_certauthz_cert_policy(X509 *x509, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals)
{
    int                      i, n;
    ngx_int_t                rc;
    CERTIFICATEPOLICIES     *pol;
    ngx_certauthz_value_t   *v;

    if (ngx_certauthz_cert_ext_d2i(x509, NID_certificate_policies,
                               (void **) &pol, vals)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (pol == NULL) {
        return NGX_OK;
    }

    rc = NGX_OK;
    n = sk_POLICYINFO_num(pol);

    if (n > 0) {
        v = ngx_certauthz_cert_values(pool, vals, n);

        for (i = 0; i < n; i++) {
            if (v == NULL
                || ngx_certauthz_cert_oid(sk_POLICYINFO_value(pol, i)->policyid,
                                          NGX_CERTAUTHZ_OID_DOTTED, pool,
                                          &v[i])
                   != NGX_OK)
            {
                rc = NGX_ERROR;
                break;
            }
        }
    }

    CERTIFICATEPOLICIES_free(pol);

    return rc;
}


/*
 * The public key: "rsa:2048", "rsa-pss:3072", "dsa:2048", "ec:P-256" (the
 * NIST name of the curve, else OpenSSL's), "ed25519", "ed448", else
 * OpenSSL's name of the kind of key in lowercase.  A key that OpenSSL
 * cannot read, or an EC key on a curve without a name, poisons the field.
 */

ngx_int_t
ngx_certauthz_cert_key(X509 *x509, ngx_pool_t *pool,
    ngx_certauthz_cert_t *cert)
{
    int                      id, nid;
    u_char                   text[96], *p;
    EVP_PKEY                *pkey;
    const char              *kind, *curve;
    ngx_certauthz_values_t  *vals;
#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
    size_t                   len;
    char                     group[64];
#else
    EC_KEY                  *ec;
#endif

    vals = ngx_certauthz_cert_slot(cert, NGX_CERTAUTHZ_FIELD_KEY);

    ERR_clear_error();

    pkey = X509_get0_pubkey(x509);

    if (pkey == NULL) {
        if (ngx_certauthz_ssl_oom()) {
            return NGX_ERROR;
        }

        ERR_clear_error();
        vals->poisoned = 1;
        return NGX_OK;
    }

#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
    id = EVP_PKEY_get_base_id(pkey);
    cert->more->key_bits = EVP_PKEY_get_bits(pkey);
#else
    id = EVP_PKEY_base_id(pkey);
    cert->more->key_bits = EVP_PKEY_bits(pkey);
#endif

    kind = NULL;

    switch (id) {

    case EVP_PKEY_RSA:
        kind = "rsa";
        break;

    case EVP_PKEY_RSA_PSS:
        kind = "rsa-pss";
        break;

    case EVP_PKEY_DSA:
        kind = "dsa";
        break;

    case EVP_PKEY_EC:

#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
        if (!EVP_PKEY_get_group_name(pkey, group, sizeof(group), &len)) {
            ERR_clear_error();
            vals->poisoned = 1;
            return NGX_OK;
        }

        nid = OBJ_sn2nid(group);
        curve = group;
#else
        ec = EVP_PKEY_get0_EC_KEY(pkey);
        nid = (ec && EC_KEY_get0_group(ec))
              ? EC_GROUP_get_curve_name(EC_KEY_get0_group(ec)) : NID_undef;
        curve = (nid != NID_undef) ? OBJ_nid2sn(nid) : NULL;

        if (curve == NULL) {
            vals->poisoned = 1;
            return NGX_OK;
        }
#endif

        if (nid != NID_undef && EC_curve_nid2nist(nid) != NULL) {
            curve = EC_curve_nid2nist(nid);
        }

        p = ngx_snprintf(text, sizeof(text) - 1, "ec:%s", curve);
        *p = '\0';

        return ngx_certauthz_cert_copy((char *) text, 0, pool, vals);

    default:

#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
        kind = EVP_PKEY_get0_type_name(pkey);
#endif

        if (kind == NULL && id != NID_undef) {
            kind = OBJ_nid2sn(id);
        }

        if (kind == NULL) {
            vals->poisoned = 1;
            return NGX_OK;
        }

        return ngx_certauthz_cert_copy(kind, 1, pool, vals);
    }

    p = ngx_snprintf(text, sizeof(text) - 1, "%s:%ui", kind,
                     cert->more->key_bits);
    *p = '\0';

    return ngx_certauthz_cert_copy((char *) text, 0, pool, vals);
}


/*
 * The signature algorithm as "openssl x509 -text" prints it: OpenSSL's
 * long name of it, else the dotted OID
 */

ngx_int_t
ngx_certauthz_cert_sig(X509 *x509, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals)
{
    const X509_ALGOR       *alg;
    const ASN1_OBJECT      *obj;
    ngx_certauthz_value_t  *v;

    X509_get0_signature(NULL, &alg, x509);
    X509_ALGOR_get0(&obj, NULL, NULL, alg);

    v = ngx_certauthz_cert_values(pool, vals, 1);
    if (v == NULL) {
        return NGX_ERROR;
    }

    return ngx_certauthz_cert_oid(obj, NGX_CERTAUTHZ_OID_LONG, pool, v);
}


/*
 * An OID as text (see NGX_CERTAUTHZ_OID_*); one that OpenSSL cannot write
 * is a poisoned, empty value
 */

static ngx_int_t
ngx_certauthz_cert_oid(const ASN1_OBJECT *obj, ngx_uint_t how,
    ngx_pool_t *pool, ngx_certauthz_value_t *v)
{
    int          nid, len;
    char         buf[128];
    const char  *name;

    nid = (how == NGX_CERTAUTHZ_OID_DOTTED) ? NID_undef : OBJ_obj2nid(obj);
    name = NULL;

    if (nid != NID_undef) {
        name = (how == NGX_CERTAUTHZ_OID_LONG) ? OBJ_nid2ln(nid) : NULL;

        if (name == NULL) {
            name = OBJ_nid2sn(nid);
        }
    }

    if (name != NULL) {
        v->str.len = ngx_strlen(name);
        v->str.data = ngx_pnalloc(pool, v->str.len);
        if (v->str.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(v->str.data, name, v->str.len);
        return NGX_OK;
    }

    ERR_clear_error();

    len = OBJ_obj2txt(buf, sizeof(buf), obj, 1);

    if (len <= 0) {
        if (ngx_certauthz_ssl_oom()) {
            return NGX_ERROR;
        }

        ERR_clear_error();

        v->poisoned = 1;
        v->str.len = 0;
        v->str.data = (u_char *) "";
        return NGX_OK;
    }

    v->str.len = len;
    v->str.data = ngx_pnalloc(pool, len + 1);
    if (v->str.data == NULL) {
        return NGX_ERROR;
    }

    if ((size_t) len < sizeof(buf)) {
        ngx_memcpy(v->str.data, buf, len);
        return NGX_OK;
    }

    /* a long OID: again, into room for all of it */

    if (OBJ_obj2txt((char *) v->str.data, len + 1, obj, 1) != len) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * What the certificate has of the extension OID (dotted), decoded on the
 * connection's first use of that OID and kept with the connection; NULL
 * on an internal failure (logged).
 */

ngx_certauthz_values_t *
ngx_certauthz_cert_ext(ngx_connection_t *c, ngx_certauthz_cert_t *cert,
    ngx_str_t *oid)
{
    X509                       *x509;
    ngx_int_t                   rc;
    ngx_uint_t                  i;
    ngx_pool_t                 *pool;
    ngx_certauthz_ext_t        *e;
    ngx_certauthz_cert_more_t  *more;

    if (!cert->present) {
        return &ngx_certauthz_cert_ext_none;
    }

    more = ngx_certauthz_cert_more(c, cert);
    if (more == NULL) {
        return NULL;
    }

    for (i = 0; i < more->nexts; i++) {
        if (more->exts[i].oid.len == oid->len
            && ngx_memcmp(more->exts[i].oid.data, oid->data, oid->len) == 0)
        {
            return &more->exts[i].vals;
        }
    }

    pool = ngx_certauthz_cert_pool(c);

    if (more->nexts == more->exts_room) {
        e = ngx_palloc(pool, (2 * more->exts_room + 2)
                             * sizeof(ngx_certauthz_ext_t));
        if (e == NULL) {
            return NULL;
        }

        if (more->nexts) {
            ngx_memcpy(e, more->exts,
                       more->nexts * sizeof(ngx_certauthz_ext_t));
        }

        more->exts = e;
        more->exts_room = 2 * more->exts_room + 2;
    }

    e = &more->exts[more->nexts];
    ngx_memzero(e, sizeof(ngx_certauthz_ext_t));

    e->oid.data = ngx_pnalloc(pool, oid->len);
    if (e->oid.data == NULL) {
        return NULL;
    }

    ngx_memcpy(e->oid.data, oid->data, oid->len);
    e->oid.len = oid->len;

    x509 = SSL_get_peer_certificate(c->ssl->connection);
    if (x509 == NULL) {
        return NULL;
    }

    rc = ngx_certauthz_cert_ext_values(x509, oid, pool, &e->vals);

    X509_free(x509);

    if (rc != NGX_OK) {
        ngx_ssl_error(NGX_LOG_ERR, c->log, 0,
                      "certauthz: cannot read the extension %V of the "
                      "client certificate", oid);
        return NULL;
    }

    /* kept only once built: a failure is tried again by the next use */

    more->nexts++;

    return &e->vals;
}


ngx_int_t
ngx_certauthz_cert_ext_text(ngx_connection_t *c, ngx_certauthz_cert_t *cert,
    ngx_str_t *oid, ngx_str_t *out)
{
    ngx_certauthz_values_t  *vals;

    vals = ngx_certauthz_cert_ext(c, cert, oid);
    if (vals == NULL) {
        return NGX_ERROR;
    }

    return ngx_certauthz_cert_joined(c, vals, 0, out);
}


/*
 * The extension OID of x509: no value where the certificate has none; one
 * that it has twice poisons the field, as does one whose value is not
 * exactly one DER encoding
 */

ngx_int_t
ngx_certauthz_cert_ext_values(X509 *x509, ngx_str_t *oid, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals)
{
    int           i;
    char          text[256];
    ngx_int_t     rc;
    ASN1_OBJECT  *obj;

    if (oid->len >= sizeof(text)) {
        return NGX_OK;
    }

    ngx_memcpy(text, oid->data, oid->len);
    text[oid->len] = '\0';

    ERR_clear_error();

    obj = OBJ_txt2obj(text, 1);

    if (obj == NULL) {
        if (ngx_certauthz_ssl_oom()) {
            return NGX_ERROR;
        }

        /* not an OID (the name of a variable): nothing has it */

        ERR_clear_error();
        return NGX_OK;
    }

    i = X509_get_ext_by_OBJ(x509, obj, -1);

    if (i < 0) {
        ASN1_OBJECT_free(obj);
        return NGX_OK;
    }

    if (X509_get_ext_by_OBJ(x509, obj, i) >= 0) {
        ASN1_OBJECT_free(obj);
        vals->poisoned = 1;
        return NGX_OK;
    }

    ASN1_OBJECT_free(obj);

    rc = ngx_certauthz_cert_ext_value(X509_get_ext(x509, i), pool, vals);

    /* an internal failure keeps OpenSSL's reason, for the log */

    if (rc == NGX_OK) {
        ERR_clear_error();
    }

    return rc;
}


/*
 * An extension's value: the text of one ASN.1 string, in UTF-8 (a control
 * character inside poisons the value, as in the other fields), else the
 * whole DER in lowercase hex
 */

static ngx_int_t
ngx_certauthz_cert_ext_value(X509_EXTENSION *ext, ngx_pool_t *pool,
    ngx_certauthz_values_t *vals)
{
    long                    len;
    ngx_int_t               rc;
    ASN1_TYPE              *t;
    const u_char           *p, *q;
    ASN1_OCTET_STRING      *data;
    ngx_certauthz_value_t  *v;

    data = X509_EXTENSION_get_data(ext);
    p = ASN1_STRING_get0_data(data);
    len = ASN1_STRING_length(data);

    q = p;
    t = (len > 0) ? d2i_ASN1_TYPE(NULL, &q, len) : NULL;

    if (t == NULL || q != p + len) {
        if (t == NULL && len > 0 && ngx_certauthz_ssl_oom()) {
            return NGX_ERROR;
        }

        ASN1_TYPE_free(t);
        vals->poisoned = 1;
        return NGX_OK;
    }

    v = ngx_certauthz_cert_values(pool, vals, 1);
    if (v == NULL) {
        ASN1_TYPE_free(t);
        return NGX_ERROR;
    }

    switch (t->type) {

    case V_ASN1_UTF8STRING:
    case V_ASN1_BMPSTRING:
    case V_ASN1_UNIVERSALSTRING:
    case V_ASN1_IA5STRING:
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_VISIBLESTRING:
    case V_ASN1_NUMERICSTRING:
    case V_ASN1_T61STRING:
        rc = ngx_certauthz_cert_utf8(t->value.asn1_string, pool, v);
        break;

    default:
        v->str.data = ngx_pnalloc(pool, 2 * len);
        if (v->str.data == NULL) {
            rc = NGX_ERROR;
            break;
        }

        v->str.len = ngx_hex_dump(v->str.data, (u_char *) p, len)
                     - v->str.data;
        rc = NGX_OK;
        break;
    }

    ASN1_TYPE_free(t);

    return rc;
}
