
/*
 * certauthz: the values of the $certauthz_* variables: certificate fields
 * from the per-connection parse, the verify result as this server sees
 * it, RFC 9440 and XFCC forms, and the decision.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_variable.h"


static ngx_int_t ngx_certauthz_variable_verify(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert, SSL_CTX *trusted, ngx_str_t *value);
static ngx_int_t ngx_certauthz_variable_client_cert(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert, ngx_pool_t *pool, ngx_str_t *value);
static ngx_int_t ngx_certauthz_variable_xfcc(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert, ngx_pool_t *pool, ngx_str_t *value);
static ngx_uint_t ngx_certauthz_variable_xfcc_writable(ngx_str_t *value);
static u_char *ngx_certauthz_variable_xfcc_pair(u_char *p, char *key,
    ngx_str_t *value, ngx_uint_t quote, size_t *len);
static ngx_int_t ngx_certauthz_variable_decision(ngx_uint_t index,
    ngx_certauthz_decision_t *d, ngx_str_t *value);


static ngx_certauthz_variable_t  ngx_certauthz_variables[] = {
    { ngx_string("certauthz_cn"), NGX_CERTAUTHZ_FIELD_CN, 0, 0 },
    { ngx_string("certauthz_subject"), NGX_CERTAUTHZ_FIELD_SUBJECT, 0, 0 },
    { ngx_string("certauthz_issuer"), NGX_CERTAUTHZ_FIELD_ISSUER, 0, 0 },
    { ngx_string("certauthz_serial"), NGX_CERTAUTHZ_FIELD_SERIAL, 0, 0 },
    { ngx_string("certauthz_fingerprint"),
      NGX_CERTAUTHZ_FIELD_FINGERPRINT, 0, 0 },
    { ngx_string("certauthz_email"), NGX_CERTAUTHZ_FIELD_EMAIL, 0, 0 },
    { ngx_string("certauthz_dns"), NGX_CERTAUTHZ_FIELD_DNS, 0, 0 },
    { ngx_string("certauthz_uri"), NGX_CERTAUTHZ_FIELD_URI, 0, 0 },
    { ngx_string("certauthz_ip"), NGX_CERTAUTHZ_FIELD_IP, 0, 0 },
    { ngx_string("certauthz_eku"), NGX_CERTAUTHZ_FIELD_EKU, 0, 0 },
    { ngx_string("certauthz_key_usage"),
      NGX_CERTAUTHZ_FIELD_KEY_USAGE, 0, 0 },
    { ngx_string("certauthz_policy"), NGX_CERTAUTHZ_FIELD_POLICY, 0, 0 },
    { ngx_string("certauthz_key"), NGX_CERTAUTHZ_FIELD_KEY, 0, 0 },
    { ngx_string("certauthz_sig"), NGX_CERTAUTHZ_FIELD_SIG, 0, 0 },
    { ngx_string("certauthz_ca"), NGX_CERTAUTHZ_FIELD_CA, 0, 0 },
    { ngx_string("certauthz_ca_fingerprint"),
      NGX_CERTAUTHZ_FIELD_CA_FINGERPRINT, 0, 0 },
    { ngx_string("certauthz_depth"), NGX_CERTAUTHZ_FIELD_DEPTH, 0, 0 },
    { ngx_string("certauthz_lifetime"), NGX_CERTAUTHZ_FIELD_LIFETIME, 0, 0 },
    { ngx_string("certauthz_ext_"), NGX_CERTAUTHZ_FIELD_EXT, 0, 1 },
    { ngx_string("certauthz_client_cert"),
      NGX_CERTAUTHZ_VAR_CLIENT_CERT, 0, 0 },
    { ngx_string("certauthz_xfcc"), NGX_CERTAUTHZ_VAR_XFCC, 0, 0 },
    { ngx_string("certauthz_verify"), NGX_CERTAUTHZ_VAR_VERIFY, 0, 0 },
    { ngx_string("certauthz_result"), NGX_CERTAUTHZ_VAR_RESULT, 1, 0 },
    { ngx_string("certauthz_reason"), NGX_CERTAUTHZ_VAR_REASON, 1, 0 },
    { ngx_string("certauthz_rule"), NGX_CERTAUTHZ_VAR_RULE, 1, 0 },
    { ngx_null_string, 0, 0, 0 }
};


ngx_certauthz_variable_t *
ngx_certauthz_variable_list(void)
{
    return ngx_certauthz_variables;
}


ngx_int_t
ngx_certauthz_variable(ngx_uint_t index, ngx_connection_t *c,
    SSL_CTX *trusted, ngx_certauthz_decision_t *d, ngx_pool_t *pool,
    ngx_str_t *value)
{
    ngx_certauthz_conn_t  *conn;

    if (index >= NGX_CERTAUTHZ_VAR_RESULT) {
        return ngx_certauthz_variable_decision(index, d, value);
    }

    conn = ngx_certauthz_conn_get(c);
    if (conn == NULL) {
        return NGX_ERROR;
    }

    if (index == NGX_CERTAUTHZ_VAR_VERIFY) {
        return ngx_certauthz_variable_verify(c, &conn->cert, trusted, value);
    }

    if (!conn->cert.present) {
        return NGX_DECLINED;
    }

    switch (index) {

    case NGX_CERTAUTHZ_VAR_CLIENT_CERT:
        return ngx_certauthz_variable_client_cert(c, &conn->cert, pool,
                                                  value);

    case NGX_CERTAUTHZ_VAR_XFCC:
        return ngx_certauthz_variable_xfcc(c, &conn->cert, pool, value);

    default:
        return ngx_certauthz_cert_text(c, &conn->cert, index, value);
    }
}


/*
 * The extension of $certauthz_ext_1_3_6_1_4_1_311_20_2: the OID is the
 * rest of the name with "." for "_"
 */

ngx_int_t
ngx_certauthz_variable_ext(ngx_str_t *name, ngx_connection_t *c,
    ngx_variable_value_t *v)
{
    u_char                 oid[256], *p;
    ngx_str_t              dotted, value;
    ngx_certauthz_conn_t  *conn;

    conn = ngx_certauthz_conn_get(c);
    if (conn == NULL) {
        return NGX_ERROR;
    }

    v->not_found = 1;

    dotted.len = name->len - (sizeof("certauthz_ext_") - 1);

    if (!conn->cert.present || dotted.len == 0 || dotted.len > sizeof(oid)) {
        return NGX_OK;
    }

    dotted.data = oid;
    ngx_memcpy(oid, name->data + sizeof("certauthz_ext_") - 1, dotted.len);

    for (p = oid; p < oid + dotted.len; p++) {
        if (*p == '_') {
            *p = '.';

        } else if (*p < '0' || *p > '9') {
            return NGX_OK;
        }
    }

    if (ngx_certauthz_cert_ext_text(c, &conn->cert, &dotted, &value)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    v->len = value.len;
    v->data = value.data;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * As $ssl_client_verify, but a certificate verified with the CAs of
 * another server (no SNI, then the Host of this one) is not SUCCESS here,
 * so that an upstream that trusts this header is not misled either
 */

static ngx_int_t
ngx_certauthz_variable_verify(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert, SSL_CTX *trusted, ngx_str_t *value)
{
    if (cert->verified
        && SSL_get_SSL_CTX(c->ssl->connection) != trusted)
    {
        ngx_str_set(value, "FAILED:verified with the CAs of another server");
        return NGX_OK;
    }

    *value = cert->verify;

    return NGX_OK;
}


/* RFC 9440 Client-Cert: ":" base64(DER) ":" */

static ngx_int_t
ngx_certauthz_variable_client_cert(ngx_connection_t *c,
    ngx_certauthz_cert_t *cert, ngx_pool_t *pool, ngx_str_t *value)
{
    u_char     *p;
    ngx_str_t   der, b64;

    if (ngx_certauthz_cert_der(c, cert, &der) != NGX_OK) {
        return NGX_ERROR;
    }

    p = ngx_pnalloc(pool, ngx_base64_encoded_length(der.len) + 2);
    if (p == NULL) {
        return NGX_ERROR;
    }

    b64.data = p + 1;
    ngx_encode_base64(&b64, &der);

    p[0] = ':';
    p[b64.len + 1] = ':';

    value->data = p;
    value->len = b64.len + 2;

    return NGX_OK;
}


/*
 * One element of an Envoy-style X-Forwarded-Client-Cert header:
 * Hash=...;Subject="...", then ;URI=... and ;DNS=... per SAN entry.
 * A poisoned value is written only if it is what the certificate says
 * with control characters as %XX; one with a NUL byte (the truncation
 * trick) or with bytes that are not text is left out.
 */

static ngx_int_t
ngx_certauthz_variable_xfcc(ngx_connection_t *c, ngx_certauthz_cert_t *cert,
    ngx_pool_t *pool, ngx_str_t *value)
{
    u_char                  *p, *start;
    size_t                   len;
    ngx_uint_t               pass, i, f;
    ngx_certauthz_value_t   *val;
    ngx_certauthz_values_t  *vals;

    static ngx_uint_t        san[] = { NGX_CERTAUTHZ_FIELD_URI,
                                       NGX_CERTAUTHZ_FIELD_DNS };
    static char             *names[] = { ";URI=", ";DNS=" };

    if (ngx_certauthz_cert_field(c, cert, NGX_CERTAUTHZ_FIELD_FINGERPRINT)
        == NULL
        || ngx_certauthz_cert_field(c, cert, NGX_CERTAUTHZ_FIELD_SUBJECT)
           == NULL
        || ngx_certauthz_cert_field(c, cert, san[0]) == NULL
        || ngx_certauthz_cert_field(c, cert, san[1]) == NULL)
    {
        return NGX_ERROR;
    }

    start = NULL;
    len = 0;

    /* the first pass measures, the second writes */

    for (pass = 0; pass < 2; pass++) {

        p = start;

        p = ngx_certauthz_variable_xfcc_pair(p, "Hash=",
                &cert->fields[NGX_CERTAUTHZ_FIELD_FINGERPRINT].elts[0].str,
                0, &len);
        p = ngx_certauthz_variable_xfcc_pair(p, ";Subject=",
                &cert->fields[NGX_CERTAUTHZ_FIELD_SUBJECT].elts[0].str,
                1, &len);

        for (f = 0; f < 2; f++) {
            vals = &cert->fields[san[f]];
            val = vals->elts;

            for (i = 0; i < vals->nelts; i++) {
                if (!val[i].poisoned
                    || ngx_certauthz_variable_xfcc_writable(&val[i].str))
                {
                    p = ngx_certauthz_variable_xfcc_pair(p, names[f],
                                                         &val[i].str, 0,
                                                         &len);
                }
            }
        }

        if (pass == 0) {
            start = ngx_pnalloc(pool, len);
            if (start == NULL) {
                return NGX_ERROR;
            }
        }
    }

    value->data = start;
    value->len = len;

    return NGX_OK;
}


static ngx_uint_t
ngx_certauthz_variable_xfcc_writable(ngx_str_t *value)
{
    u_char  *p;

    for (p = value->data; p < value->data + value->len; p++) {
        if (*p == '\0' || *p >= 0x80) {
            return 0;
        }
    }

    return 1;
}


/*
 * KEY=VALUE; VALUE quoted if asked or if it holds one of ,;=" and then
 * with " and \ escaped by \; control characters are written %XX, so
 * that no certificate can split the header.  With p == NULL only adds to
 * *len.
 */

static u_char *
ngx_certauthz_variable_xfcc_pair(u_char *p, char *key, ngx_str_t *value,
    ngx_uint_t quote, size_t *len)
{
    u_char  *s, *end;
    size_t   n;

    end = value->data + value->len;

    for (s = value->data; !quote && s < end; s++) {
        if (*s == ',' || *s == ';' || *s == '=' || *s == '"') {
            quote = 1;
        }
    }

    if (p == NULL) {
        n = ngx_strlen(key) + value->len + (quote ? 2 : 0);

        for (s = value->data; s < end; s++) {
            if (ngx_certauthz_field_ctl(*s)) {
                n += 2;

            } else if (quote && (*s == '"' || *s == '\\')) {
                n++;
            }
        }

        *len += n;
        return NULL;
    }

    p = ngx_cpymem(p, key, ngx_strlen(key));

    if (quote) {
        *p++ = '"';
    }

    for (s = value->data; s < end; s++) {

        if (ngx_certauthz_field_ctl(*s)) {
            p = ngx_sprintf(p, "%%%02XD", *s);
            continue;
        }

        if (quote && (*s == '"' || *s == '\\')) {
            *p++ = '\\';
        }

        *p++ = *s;
    }

    if (quote) {
        *p++ = '"';
    }

    return p;
}


static ngx_int_t
ngx_certauthz_variable_decision(ngx_uint_t index,
    ngx_certauthz_decision_t *d, ngx_str_t *value)
{
    if (d == NULL) {
        return NGX_DECLINED;
    }

    switch (index) {

    case NGX_CERTAUTHZ_VAR_RESULT:
        if (d->allow) {
            ngx_str_set(value, "allow");

        } else {
            ngx_str_set(value, "deny");
        }

        return NGX_OK;

    case NGX_CERTAUTHZ_VAR_REASON:
        *value = *ngx_certauthz_reason_name(d->reason);
        return NGX_OK;

    default: /* NGX_CERTAUTHZ_VAR_RULE */
        if (d->rule == NULL) {
            return NGX_DECLINED;
        }

        *value = d->rule->where;
        return NGX_OK;
    }
}
