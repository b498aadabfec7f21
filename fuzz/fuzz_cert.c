
/*
 * certauthz fuzzing: a DER certificate, as a TLS client would present it,
 * through field extraction (every field, the lazily built ones too, and
 * their text for variables) and the decision of a fixed rule set.
 *
 * Input: one DER certificate; a byte after it, if any, holds flags:
 * 0x01 the certificate failed verification, 0x02 the variables' text is
 * built before the rules are matched.
 *
 * Besides the sanitizers, it checks what the contract promises:
 *  - no field text holds a control character (headers cannot be split),
 *    and multi-valued fields join exactly their values with ",";
 *  - serials and fingerprints have their documented form;
 *  - a rule "FIELD=VALUE" written with a value of the certificate itself
 *    matches it (rule values are normalised as the certificate's are).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "fuzz_common.h"


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_cert_text(fuzz_conn_t *fc, ngx_certauthz_cert_t *cert);
static void fuzz_cert_decide(fuzz_conn_t *fc, ngx_certauthz_conn_t *conn,
    ngx_uint_t again);
static void fuzz_cert_exts(fuzz_ctx_t *ctx, fuzz_conn_t *fc,
    ngx_certauthz_conn_t *conn);
static void fuzz_cert_allows(fuzz_ctx_t *ctx, fuzz_conn_t *fc,
    ngx_certauthz_conn_t *conn, ngx_str_t *token);
static void fuzz_cert_self(fuzz_ctx_t *ctx, fuzz_conn_t *fc,
    ngx_certauthz_conn_t *conn);


#define FUZZ_NRULES  64

static char  *fuzz_cert_rules[] = {
    "cn=alice",
    "cn!=bob\tou=Admins",
    "uri~^spiffe://example\\.com/ns/prod/sa/(?<svc>[a-z-]+)$",
    "email~*@EXAMPLE\\.com$",
    "dns=@names",
    "dns!=@names\to=Example",
    "serial=@serials",
    "serial!=@serials",
    "fingerprint=@fps",
    "ip=@ips",
    "ip!=@ips",
    "cn=@names\tou!=@names",
    "subject~^CN=[^,]+,O=",
    "issuer!~*evil",
    "o!~*^$\tou~*^admins$",
    "serial=01:00",
    "serial!=0",
    "ip=10.0.0.1",
    "ip!=::1",
    "ip=2001:db8::1",
    "cn~(*UTF)^\\p{L}+$",
    "cn!~*(*UTF8)\\x{e9}",
    "fingerprint!=00112233445566778899aabbccddeeff"
                 "00112233445566778899aabbccddeeff",
    "email=alice@example.com\turi!=spiffe://example.com/",
    "subject=CN=alice,OU=Admins,O=Example",
    "issuer=CN=certauthz fuzz CA",
    "o=Soci\xc3\xa9t\xc3\xa9",
    "cn~^(a|aa)+$",
    NULL
};


static SSL_CTX                 *fuzz_ssl_ctx;
static ngx_certauthz_policy_t   fuzz_policies[FUZZ_NRULES];
static ngx_uint_t               fuzz_npolicies;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ngx_uint_t               i, n;
    ngx_certauthz_policy_t  *all;
    static fuzz_ctx_t        ctx;

    fuzz_init();
    fuzz_lists();

    fuzz_ssl_ctx = SSL_CTX_new(TLS_server_method());
    if (fuzz_ssl_ctx == NULL) {
        abort();
    }

    /* kept for good: the configuration that every input is matched with */
    fuzz_begin(&ctx);

    for (n = 0; fuzz_cert_rules[n]; n++) { /* void */ }

    all = &fuzz_policies[n];
    ngx_certauthz_policy_init(all);
    all->mode = NGX_CERTAUTHZ_ON;

    for (i = 0; i < n; i++) {
        ngx_certauthz_policy_init(&fuzz_policies[i]);
        fuzz_policies[i].mode = NGX_CERTAUTHZ_ON;

        if (fuzz_rules(&ctx.cf, &ctx.files, fuzz_cert_rules[i], 0,
                       &fuzz_policies[i])
            != NGX_OK
            || fuzz_rules(&ctx.cf, &ctx.files, fuzz_cert_rules[i], i & 1,
                          all)
               != NGX_OK)
        {
            fprintf(stderr, "fuzz_cert: rule \"%s\" refused\n",
                    fuzz_cert_rules[i]);
            abort();
        }
    }

    if (fuzz_rules(&ctx.cf, &ctx.files, "all", 1, all) != NGX_OK) {
        abort();
    }

    fuzz_npolicies = n + 1;

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                    tag, class, ret;
    long                   len;
    size_t                 n;
    ngx_uint_t             flags;
    const u_char          *p;
    fuzz_ctx_t             ctx;
    fuzz_conn_t            fc;
    ngx_certauthz_cert_t  *cert;
    ngx_certauthz_conn_t  *conn;

    /* the flags byte: the first one after the certificate's DER */

    flags = 0;
    p = data;
    ret = ASN1_get_object(&p, &len, &tag, &class, size);
    ERR_clear_error();

    if (!(ret & 0x81)) {
        n = (p - data) + len;

        if (n < size) {
            flags = data[n];
        }
    }

    fuzz_begin(&ctx);

    if (fuzz_conn_open(&fc, ctx.pool, fuzz_ssl_ctx, data, size,
                       (flags & 0x01) ? X509_V_ERR_CERT_UNTRUSTED
                                      : X509_V_OK)
        != NGX_OK)
    {
        fuzz_end(&ctx);
        return 0;
    }

    conn = ngx_certauthz_conn_get(&fc.c);
    cert = conn ? &conn->cert : NULL;

    if (cert != NULL) {
        if (!cert->present || cert->fields[NGX_CERTAUTHZ_FIELD_SERIAL].nelts
                              != 1)
        {
            abort();
        }

        if (flags & 0x02) {
            fuzz_cert_text(&fc, cert);
            fuzz_cert_decide(&fc, conn, 0);

        } else {
            fuzz_cert_decide(&fc, conn, 0);
            fuzz_cert_text(&fc, cert);
        }

        /* again: the outcomes kept with the connection, captures set again */
        fuzz_cert_decide(&fc, conn, 1);

        fuzz_cert_self(&ctx, &fc, conn);
    }

    fuzz_conn_close(&fc);
    fuzz_end(&ctx);

    return 0;
}


static void
fuzz_cert_text(fuzz_conn_t *fc, ngx_certauthz_cert_t *cert)
{
    u_char                  *p;
    ngx_str_t                text, der;
    ngx_uint_t               i, field, commas;
    ngx_certauthz_values_t  *vals;

    for (field = 0; field < NGX_CERTAUTHZ_NFIELDS; field++) {

        if (ngx_certauthz_cert_text(&fc->c, cert, field, &text) != NGX_OK) {
            continue;
        }

        vals = ngx_certauthz_cert_field(&fc->c, cert, field);
        if (vals == NULL) {
            abort();
        }

        /* a value with a control character is never matched */

        for (i = 0; i < vals->nelts; i++) {
            for (p = vals->elts[i].str.data;
                 !vals->elts[i].poisoned
                 && p < vals->elts[i].str.data + vals->elts[i].str.len;
                 p++)
            {
                if (*p < 0x20 || *p == 0x7f) {
                    fprintf(stderr, "fuzz_cert: control character in a "
                            "matchable %s\n",
                            ngx_certauthz_field_name(field)->data);
                    abort();
                }
            }
        }

        commas = 0;

        if (text.len == 0) {
            continue;
        }

        for (p = text.data; p < text.data + text.len; p++) {
            if (*p < 0x20 || *p == 0x7f) {
                fprintf(stderr, "fuzz_cert: control character in %s\n",
                        ngx_certauthz_field_name(field)->data);
                abort();
            }

            commas += (*p == ',');
        }

        if (ngx_certauthz_field_multi(field)
            && vals->nelts
            && commas != vals->nelts - 1)
        {
            fprintf(stderr, "fuzz_cert: %s joins %u values with %u commas\n",
                    ngx_certauthz_field_name(field)->data,
                    (unsigned) vals->nelts, (unsigned) commas);
            abort();
        }

        if (field == NGX_CERTAUTHZ_FIELD_FINGERPRINT) {
            if (text.len != 64) {
                abort();
            }

            for (p = text.data; p < text.data + text.len; p++) {
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) {
                    abort();
                }
            }
        }

        if (field == NGX_CERTAUTHZ_FIELD_SERIAL) {
            p = text.data;

            if (text.len > 1 && *p == '-') {
                p++;
            }

            if (p == text.data + text.len
                || (*p == '0' && text.len > 1))
            {
                abort();
            }

            for ( /* void */ ; p < text.data + text.len; p++) {
                if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F'))) {
                    abort();
                }
            }
        }

        /* again: the text is kept with the connection */

        if (ngx_certauthz_cert_text(&fc->c, cert, field, &der) != NGX_OK
            || der.data != text.data || der.len != text.len)
        {
            abort();
        }
    }

    if (ngx_certauthz_cert_der(&fc->c, cert, &der) != NGX_OK
        || der.len == 0)
    {
        abort();
    }
}


/* with "again", each decision must be the one the first pass made */

static void
fuzz_cert_decide(fuzz_conn_t *fc, ngx_certauthz_conn_t *conn,
    ngx_uint_t again)
{
    ngx_int_t                        rc;
    ngx_uint_t                       i;
    ngx_certauthz_decision_t         d;
    static ngx_int_t                 first_rc[FUZZ_NRULES];
    static ngx_certauthz_decision_t  first[FUZZ_NRULES];

    for (i = 0; i < fuzz_npolicies; i++) {
        rc = ngx_certauthz_decide(&fuzz_policies[i],
                                  SSL_get_SSL_CTX(fc->c.ssl->connection),
                                  &fc->c, conn, &fuzz_regex_ops, &d);

        if (rc == NGX_OK
            && (d.reason == NGX_CERTAUTHZ_REASON_NONE
                || (d.allow && d.reason != NGX_CERTAUTHZ_REASON_ALLOW)
                || (d.allow && !conn->cert.verified)))
        {
            abort();
        }

        if (!again) {
            first_rc[i] = rc;
            first[i] = d;
            continue;
        }

        if (rc == NGX_OK && first_rc[i] == NGX_OK
            && (d.allow != first[i].allow || d.reason != first[i].reason
                || d.rule != first[i].rule))
        {
            fprintf(stderr, "fuzz_cert: a kept outcome differs\n");
            abort();
        }
    }
}


/* a rule made of the certificate's own value must match it */

static void
fuzz_cert_self(fuzz_ctx_t *ctx, fuzz_conn_t *fc, ngx_certauthz_conn_t *conn)
{
    ngx_str_t                  token;
    ngx_uint_t                 field;
    ngx_certauthz_cert_t      *cert;
    ngx_certauthz_value_t     *v;
    ngx_certauthz_values_t    *vals;

    cert = &conn->cert;

    /* only a verified certificate within its dates can be allowed */

    if (!cert->verified
        || ngx_time() > cert->not_after || ngx_time() < cert->not_before)
    {
        return;
    }

    for (field = 0; field < NGX_CERTAUTHZ_NFIELDS; field++) {

        vals = ngx_certauthz_cert_field(&fc->c, cert, field);
        if (vals == NULL || vals->nelts == 0) {
            continue;
        }

        v = &vals->elts[vals->nelts - 1];

        if (v->poisoned
            || v->str.len == 0
            || v->str.len > 65536)
        {
            continue;
        }

        /* a negative serial cannot be written in a rule: see RESULTS.md */
        if (field == NGX_CERTAUTHZ_FIELD_SERIAL && v->str.data[0] == '-') {
            continue;
        }

        /*
         * "cn=@x" would name a list file, and "cn=~x" and "cn==x" are
         * refused as the likely slips of "cn~x" and "cn=x": such a value
         * needs a regex
         */
        if (v->str.data[0] == '@' || v->str.data[0] == '~'
            || v->str.data[0] == '=')
        {
            continue;
        }

        token.data = ngx_pnalloc(ctx->pool, v->str.len + 32);
        if (token.data == NULL) {
            abort();
        }

        token.len = ngx_sprintf(token.data, "%V=%V%Z",
                                ngx_certauthz_field_name(field), &v->str)
                    - token.data - 1;

        fuzz_cert_allows(ctx, fc, conn, &token);
    }

    fuzz_cert_exts(ctx, fc, conn);
}


/*
 * Every extension of the leaf by its OID: no control character in a value
 * that can match, and "ext:OID=VALUE" allows the certificate
 */

static void
fuzz_cert_exts(fuzz_ctx_t *ctx, fuzz_conn_t *fc, ngx_certauthz_conn_t *conn)
{
    int                      i, n, len;
    X509                    *x509;
    char                     oid[128];
    u_char                  *p;
    ngx_str_t                dotted, token;
    ngx_certauthz_value_t   *v;
    ngx_certauthz_values_t  *vals;

    x509 = SSL_get_peer_certificate(fc->c.ssl->connection);
    if (x509 == NULL) {
        return;
    }

    n = X509_get_ext_count(x509);

    for (i = 0; i < n; i++) {
        len = OBJ_obj2txt(oid, sizeof(oid),
                          X509_EXTENSION_get_object(X509_get_ext(x509, i)),
                          1);
        if (len <= 0 || (size_t) len >= sizeof(oid)) {
            continue;
        }

        dotted.data = (u_char *) oid;
        dotted.len = len;

        vals = ngx_certauthz_cert_ext(&fc->c, &conn->cert, &dotted);
        if (vals == NULL) {
            abort();
        }

        if (vals->poisoned) {
            if (vals->nelts) {
                abort();
            }

            continue;
        }

        if (vals->nelts != 1) {
            fprintf(stderr, "fuzz_cert: ext:%s present, %u values\n", oid,
                    (unsigned) vals->nelts);
            abort();
        }

        v = &vals->elts[0];

        if (v->poisoned) {
            continue;
        }

        for (p = v->str.data; p < v->str.data + v->str.len; p++) {
            if (*p < 0x20 || *p == 0x7f) {
                fprintf(stderr, "fuzz_cert: control character in a "
                        "matchable ext:%s\n", oid);
                abort();
            }
        }

        if (v->str.len == 0 || v->str.len > 65536
            || v->str.data[0] == '@' || v->str.data[0] == '~'
            || v->str.data[0] == '=')
        {
            continue;
        }

        token.data = ngx_pnalloc(ctx->pool, v->str.len + len + 32);
        if (token.data == NULL) {
            abort();
        }

        token.len = ngx_sprintf(token.data, "ext:%s=%V%Z", oid, &v->str)
                    - token.data - 1;

        fuzz_cert_allows(ctx, fc, conn, &token);
    }

    X509_free(x509);
}


/* the single rule "certauthz_allow TOKEN" allows the certificate */

static void
fuzz_cert_allows(fuzz_ctx_t *ctx, fuzz_conn_t *fc, ngx_certauthz_conn_t *conn,
    ngx_str_t *token)
{
    ngx_int_t                  rc;
    ngx_array_t               *rules;
    ngx_certauthz_cond_t      *cond;
    ngx_certauthz_rule_t      *rule;
    ngx_certauthz_policy_t     policy;
    ngx_certauthz_decision_t   d;

    rules = ngx_array_create(ctx->pool, 1, sizeof(ngx_certauthz_rule_t));
    rule = rules ? ngx_array_push(rules) : NULL;
    cond = ngx_pcalloc(ctx->pool, sizeof(ngx_certauthz_cond_t));

    if (rules == NULL || rule == NULL || cond == NULL) {
        abort();
    }

    ngx_memzero(rule, sizeof(ngx_certauthz_rule_t));
    rule->conds = cond;
    rule->nconds = 1;

    if (ngx_certauthz_cond_parse(&ctx->cf, token, cond, &ctx->files.lists)
        != NGX_OK)
    {
        fprintf(stderr, "fuzz_cert: condition \"%s\" refused\n",
                token->data);
        abort();
    }

    ngx_certauthz_policy_init(&policy);
    policy.mode = NGX_CERTAUTHZ_ON;
    policy.rules = rules;

    rc = ngx_certauthz_decide(&policy, SSL_get_SSL_CTX(fc->c.ssl->connection),
                              &fc->c, conn, &fuzz_regex_ops, &d);

    if (rc != NGX_OK || !d.allow) {
        fprintf(stderr, "fuzz_cert: \"%s\" does not match\n", token->data);
        abort();
    }
}
