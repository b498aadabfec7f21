
/*
 * certauthz: $certauthz_* variables.  Certificate fields come from the
 * per-connection parse; decision variables from the access phase of the
 * main request.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_certauthz_module.h"
#include "ngx_http_certauthz_variables.h"


#define NGX_HTTP_CERTAUTHZ_VAR_RESULT  0
#define NGX_HTTP_CERTAUTHZ_VAR_REASON  1
#define NGX_HTTP_CERTAUTHZ_VAR_RULE    2


static ngx_int_t ngx_http_certauthz_field_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_certauthz_verify_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_certauthz_client_cert_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_certauthz_xfcc_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_uint_t ngx_http_certauthz_xfcc_writable(ngx_str_t *value);
static u_char *ngx_http_certauthz_xfcc_pair(u_char *p, char *key,
    ngx_str_t *value, ngx_uint_t quote, size_t *len);
static ngx_int_t ngx_http_certauthz_decision_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static void ngx_http_certauthz_value(ngx_http_variable_value_t *v,
    u_char *data, size_t len, ngx_uint_t no_cacheable);
static ngx_certauthz_cert_t *ngx_http_certauthz_cert(ngx_http_request_t *r);
static void ngx_http_certauthz_cleanup(void *data);


static ngx_http_variable_t  ngx_http_certauthz_vars[] = {

    { ngx_string("certauthz_cn"), NULL,
      ngx_http_certauthz_field_variable,
      NGX_CERTAUTHZ_FIELD_CN, 0, 0 },

    { ngx_string("certauthz_subject"), NULL,
      ngx_http_certauthz_field_variable,
      NGX_CERTAUTHZ_FIELD_SUBJECT, 0, 0 },

    { ngx_string("certauthz_issuer"), NULL,
      ngx_http_certauthz_field_variable,
      NGX_CERTAUTHZ_FIELD_ISSUER, 0, 0 },

    { ngx_string("certauthz_serial"), NULL,
      ngx_http_certauthz_field_variable,
      NGX_CERTAUTHZ_FIELD_SERIAL, 0, 0 },

    { ngx_string("certauthz_fingerprint"), NULL,
      ngx_http_certauthz_field_variable,
      NGX_CERTAUTHZ_FIELD_FINGERPRINT, 0, 0 },

    { ngx_string("certauthz_email"), NULL,
      ngx_http_certauthz_field_variable,
      NGX_CERTAUTHZ_FIELD_EMAIL, 0, 0 },

    { ngx_string("certauthz_dns"), NULL,
      ngx_http_certauthz_field_variable,
      NGX_CERTAUTHZ_FIELD_DNS, 0, 0 },

    { ngx_string("certauthz_uri"), NULL,
      ngx_http_certauthz_field_variable,
      NGX_CERTAUTHZ_FIELD_URI, 0, 0 },

    { ngx_string("certauthz_ip"), NULL,
      ngx_http_certauthz_field_variable,
      NGX_CERTAUTHZ_FIELD_IP, 0, 0 },

    { ngx_string("certauthz_client_cert"), NULL,
      ngx_http_certauthz_client_cert_variable, 0, 0, 0 },

    { ngx_string("certauthz_xfcc"), NULL,
      ngx_http_certauthz_xfcc_variable, 0, 0, 0 },

    { ngx_string("certauthz_verify"), NULL,
      ngx_http_certauthz_verify_variable, 0, 0, 0 },

    { ngx_string("certauthz_result"), NULL,
      ngx_http_certauthz_decision_variable,
      NGX_HTTP_CERTAUTHZ_VAR_RESULT, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("certauthz_reason"), NULL,
      ngx_http_certauthz_decision_variable,
      NGX_HTTP_CERTAUTHZ_VAR_REASON, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("certauthz_rule"), NULL,
      ngx_http_certauthz_decision_variable,
      NGX_HTTP_CERTAUTHZ_VAR_RULE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_certauthz_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_certauthz_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_certauthz_field_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t              s;
    ngx_certauthz_cert_t  *cert;

    cert = ngx_http_certauthz_cert(r);
    if (cert == NULL) {
        return NGX_ERROR;
    }

    if (!cert->present) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (ngx_certauthz_cert_text(r->connection, cert, data, &s) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_certauthz_value(v, s.data, s.len, 0);

    return NGX_OK;
}


/*
 * As $ssl_client_verify, but a certificate verified with the CAs of
 * another server (no SNI, then the Host of this one) is not SUCCESS here,
 * so that an upstream that trusts this header is not misled either
 */

static ngx_int_t
ngx_http_certauthz_verify_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_certauthz_cert_t  *cert;

    static ngx_str_t       other =
        ngx_string("FAILED:verified with the CAs of another server");

    cert = ngx_http_certauthz_cert(r);
    if (cert == NULL) {
        return NGX_ERROR;
    }

    if (cert->verified
        && SSL_get_SSL_CTX(r->connection->ssl->connection)
           != ngx_http_certauthz_trusted(r))
    {
        ngx_http_certauthz_value(v, other.data, other.len, 0);
        return NGX_OK;
    }

    ngx_http_certauthz_value(v, cert->verify.data, cert->verify.len, 0);

    return NGX_OK;
}


/* RFC 9440 Client-Cert: ":" base64(DER) ":" */

static ngx_int_t
ngx_http_certauthz_client_cert_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                *p;
    ngx_str_t              der, b64;
    ngx_certauthz_cert_t  *cert;

    cert = ngx_http_certauthz_cert(r);
    if (cert == NULL) {
        return NGX_ERROR;
    }

    if (!cert->present) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (ngx_certauthz_cert_der(r->connection, cert, &der) != NGX_OK) {
        return NGX_ERROR;
    }

    p = ngx_pnalloc(r->pool, ngx_base64_encoded_length(der.len) + 2);
    if (p == NULL) {
        return NGX_ERROR;
    }

    b64.data = p + 1;
    ngx_encode_base64(&b64, &der);

    p[0] = ':';
    p[b64.len + 1] = ':';

    ngx_http_certauthz_value(v, p, b64.len + 2, 0);

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
ngx_http_certauthz_xfcc_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                  *p, *start;
    size_t                   len;
    ngx_uint_t               pass, i, f;
    ngx_certauthz_cert_t    *cert;
    ngx_certauthz_value_t   *val;
    ngx_certauthz_values_t  *vals;

    static ngx_uint_t        san[] = { NGX_CERTAUTHZ_FIELD_URI,
                                       NGX_CERTAUTHZ_FIELD_DNS };
    static char             *names[] = { ";URI=", ";DNS=" };

    cert = ngx_http_certauthz_cert(r);
    if (cert == NULL) {
        return NGX_ERROR;
    }

    if (!cert->present) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (ngx_certauthz_cert_field(r->connection, cert,
                                 NGX_CERTAUTHZ_FIELD_FINGERPRINT)
        == NULL
        || ngx_certauthz_cert_field(r->connection, cert,
                                    NGX_CERTAUTHZ_FIELD_SUBJECT)
           == NULL
        || ngx_certauthz_cert_field(r->connection, cert, san[0]) == NULL
        || ngx_certauthz_cert_field(r->connection, cert, san[1]) == NULL)
    {
        return NGX_ERROR;
    }

    start = NULL;
    len = 0;

    /* the first pass measures, the second writes */

    for (pass = 0; pass < 2; pass++) {

        p = start;

        p = ngx_http_certauthz_xfcc_pair(p, "Hash=",
                &cert->fields[NGX_CERTAUTHZ_FIELD_FINGERPRINT].elts[0].str,
                0, &len);
        p = ngx_http_certauthz_xfcc_pair(p, ";Subject=",
                &cert->fields[NGX_CERTAUTHZ_FIELD_SUBJECT].elts[0].str,
                1, &len);

        for (f = 0; f < 2; f++) {
            vals = &cert->fields[san[f]];
            val = vals->elts;

            for (i = 0; i < vals->nelts; i++) {
                if (!val[i].poisoned
                    || ngx_http_certauthz_xfcc_writable(&val[i].str))
                {
                    p = ngx_http_certauthz_xfcc_pair(p, names[f],
                                                     &val[i].str, 0, &len);
                }
            }
        }

        if (pass == 0) {
            start = ngx_pnalloc(r->pool, len);
            if (start == NULL) {
                return NGX_ERROR;
            }
        }
    }

    ngx_http_certauthz_value(v, start, len, 0);

    return NGX_OK;
}


static ngx_uint_t
ngx_http_certauthz_xfcc_writable(ngx_str_t *value)
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
ngx_http_certauthz_xfcc_pair(u_char *p, char *key, ngx_str_t *value,
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
ngx_http_certauthz_decision_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                  s;
    ngx_http_certauthz_ctx_t  *ctx;

    /* subrequests run no access phase: they report the main decision */
    ctx = ngx_http_certauthz_get_ctx(r->main);

    if (ctx == NULL || !ctx->evaluated) {
        v->not_found = 1;
        return NGX_OK;
    }

    switch (data) {

    case NGX_HTTP_CERTAUTHZ_VAR_RESULT:
        if (ctx->decision.allow) {
            ngx_str_set(&s, "allow");

        } else {
            ngx_str_set(&s, "deny");
        }
        break;

    case NGX_HTTP_CERTAUTHZ_VAR_REASON:
        s = *ngx_certauthz_reason_name(ctx->decision.reason);
        break;

    default: /* NGX_HTTP_CERTAUTHZ_VAR_RULE */
        if (ctx->decision.rule == NULL) {
            v->not_found = 1;
            return NGX_OK;
        }

        s = ctx->decision.rule->where;
        break;
    }

    ngx_http_certauthz_value(v, s.data, s.len, 1);

    return NGX_OK;
}


static void
ngx_http_certauthz_value(ngx_http_variable_value_t *v, u_char *data,
    size_t len, ngx_uint_t no_cacheable)
{
    v->len = len;
    v->data = data;
    v->valid = 1;
    v->no_cacheable = no_cacheable;
    v->not_found = 0;
}


/* the certificate of the request's connection; NULL on a failure */

static ngx_certauthz_cert_t *
ngx_http_certauthz_cert(ngx_http_request_t *r)
{
    ngx_certauthz_conn_t  *conn;

    conn = ngx_certauthz_conn_get(r->connection);

    return conn ? &conn->cert : NULL;
}


/*
 * The request's ctx is wiped by an internal redirect; anchoring it in a
 * pool cleanup (as the realip module does) lets us find it again, so that
 * a denial is logged once per request and the decision variables keep
 * the request's decision.
 */

ngx_http_certauthz_ctx_t *
ngx_http_certauthz_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t        *cln;
    ngx_http_certauthz_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_certauthz_module);

    if (ctx == NULL && (r->internal || r->filter_finalize)) {

        for (cln = r->pool->cleanup; cln; cln = cln->next) {
            if (cln->handler == ngx_http_certauthz_cleanup) {
                ctx = cln->data;
                ngx_http_set_ctx(r, ctx, ngx_http_certauthz_module);
                break;
            }
        }
    }

    return ctx;
}


ngx_http_certauthz_ctx_t *
ngx_http_certauthz_create_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t        *cln;
    ngx_http_certauthz_ctx_t  *ctx;

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_certauthz_ctx_t));
    if (cln == NULL) {
        return NULL;
    }

    ctx = cln->data;
    ngx_memzero(ctx, sizeof(ngx_http_certauthz_ctx_t));

    cln->handler = ngx_http_certauthz_cleanup;

    ngx_http_set_ctx(r, ctx, ngx_http_certauthz_module);

    return ctx;
}


static void
ngx_http_certauthz_cleanup(void *data)
{
    /* nothing to free: the handler only marks our ctx in the list */
}


/*
 * The SSL_CTX of the request's server: only its trusted CAs count, see
 * ngx_certauthz_decide()
 */

SSL_CTX *
ngx_http_certauthz_trusted(ngx_http_request_t *r)
{
    ngx_http_ssl_srv_conf_t  *sscf;

    sscf = ngx_http_get_module_srv_conf(r, ngx_http_ssl_module);

    return sscf->ssl.ctx;
}
