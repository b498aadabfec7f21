
/*
 * certauthz fuzzing: the rule-condition parser.  The input is one
 * configuration token ("FIELD OP VALUE"), NUL-terminated as nginx's
 * parser hands it over.  A token that parses is compiled as the http face
 * would (regexes through ngx_regex) and, where fuzz/mkcorpus.sh made a
 * PKI, matched against its client certificate, alone and negated.
 *
 * List files ("=@PATH") are those of the harness's own prefix directory;
 * tokens naming absolute paths or ".." are skipped, so that the fuzzer
 * opens no file of the machine's.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "fuzz_common.h"


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void fuzz_prefix(ngx_certauthz_cond_t *cond, ngx_str_t *token);


static SSL_CTX    *fuzz_ssl_ctx;
static ngx_str_t   fuzz_leaf;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    X509  *leaf;

    fuzz_init();
    fuzz_lists();

    fuzz_ssl_ctx = SSL_CTX_new(TLS_server_method());
    if (fuzz_ssl_ctx == NULL) {
        abort();
    }

    leaf = fuzz_pki_cert("leaf.crt");

    if (leaf == NULL) {
        fprintf(stderr, "fuzz_cond: no $CERTAUTHZ_FUZZ_PKI/leaf.crt, "
                "conditions are parsed, not matched\n");
        return 0;
    }

    if (fuzz_cert_der(leaf, &fuzz_leaf) != NGX_OK) {
        abort();
    }

    X509_free(leaf);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ngx_int_t                  rc;
    ngx_str_t                  token;
    fuzz_ctx_t                 ctx;
    fuzz_conn_t                fc;
    ngx_array_t                rules, nrules;
    ngx_certauthz_cond_t       cond, ncond;
    ngx_certauthz_rule_t      *rule, *nrule;
    ngx_certauthz_conn_t      *conn;
    ngx_certauthz_policy_t     policy, npolicy;
    ngx_certauthz_decision_t   d, nd;

    if (size > 4096
        || ngx_strlcasestrn((u_char *) data, (u_char *) data + size,
                            (u_char *) "@/", 2 - 1)
        || ngx_strlcasestrn((u_char *) data, (u_char *) data + size,
                            (u_char *) "..", 2 - 1))
    {
        return 0;
    }

    fuzz_begin(&ctx);

    token.len = size;
    token.data = ngx_pnalloc(ctx.pool, size + 1);
    if (token.data == NULL) {
        abort();
    }

    ngx_memcpy(token.data, data, size);
    token.data[size] = '\0';

    if (ngx_certauthz_cond_parse(&ctx.cf, &token, &cond, &ctx.files.lists)
        != NGX_OK)
    {
        goto done;
    }

    if (cond.token.data != token.data
        || cond.field >= NGX_CERTAUTHZ_NFIELDS
        || (cond.match == NGX_CERTAUTHZ_MATCH_LIST) != (cond.list != NULL))
    {
        abort();
    }

    if (cond.match == NGX_CERTAUTHZ_MATCH_REGEX
        && ngx_certauthz_cond_compile(&ctx.cf, &cond, fuzz_compile)
           != NGX_OK)
    {
        goto done;
    }

    if (cond.match == NGX_CERTAUTHZ_MATCH_REGEX) {
        fuzz_prefix(&cond, &token);
    }

    if (fuzz_leaf.len == 0) {
        goto done;
    }

    /* the condition, then its negation, must disagree on the certificate */

    if (fuzz_conn_open(&fc, ctx.pool, fuzz_ssl_ctx, fuzz_leaf.data,
                       fuzz_leaf.len, X509_V_OK)
        != NGX_OK)
    {
        abort();
    }

    conn = ngx_certauthz_conn_get(&fc.c);

    /* two policies: the outcome of each is kept with the connection */

    if (conn == NULL
        || ngx_array_init(&rules, ctx.pool, 1, sizeof(ngx_certauthz_rule_t))
           != NGX_OK
        || ngx_array_init(&nrules, ctx.pool, 1, sizeof(ngx_certauthz_rule_t))
           != NGX_OK
        || (rule = ngx_array_push(&rules)) == NULL
        || (nrule = ngx_array_push(&nrules)) == NULL)
    {
        abort();
    }

    ncond = cond;
    ncond.negate = !cond.negate;

    ngx_memzero(rule, sizeof(ngx_certauthz_rule_t));
    rule->conds = &cond;
    rule->nconds = 1;

    ngx_memzero(nrule, sizeof(ngx_certauthz_rule_t));
    nrule->conds = &ncond;
    nrule->nconds = 1;

    ngx_certauthz_policy_init(&policy);
    policy.mode = NGX_CERTAUTHZ_ON;
    policy.rules = &rules;

    npolicy = policy;
    npolicy.rules = &nrules;

    rc = ngx_certauthz_decide(&policy, fuzz_ssl_ctx, &fc.c, conn,
                              &fuzz_regex_ops, &d);

    /*
     * an ordering and "ext:OID" alone have no negation; a field that
     * cannot be known decides "unverified" either way
     */

    if (rc == NGX_OK
        && cond.match != NGX_CERTAUTHZ_MATCH_ORDER
        && cond.match != NGX_CERTAUTHZ_MATCH_HAS
        && d.reason != NGX_CERTAUTHZ_REASON_UNVERIFIED)
    {
        if (ngx_certauthz_decide(&npolicy, fuzz_ssl_ctx, &fc.c, conn,
                                 &fuzz_regex_ops, &nd)
            == NGX_OK
            && d.allow == nd.allow)
        {
            fprintf(stderr, "fuzz_cond: \"%s\" and its negation agree\n",
                    token.data);
            abort();
        }
    }

    fuzz_conn_close(&fc);

done:

    fuzz_end(&ctx);

    return 0;
}


/*
 * A regex's literal start (ngx_certauthz_prefix()), which values are
 * checked for before the regex runs: nothing the regex matches may lack
 * it.  The subjects: every tail of the token itself, so that the fuzzer
 * chooses them as it chooses the pattern.
 */

static void
fuzz_prefix(ngx_certauthz_cond_t *cond, ngx_str_t *token)
{
    size_t     i;
    ngx_str_t  s;

    if (cond->prefix.len == 0) {
        return;
    }

    for (i = 0; i <= token->len; i++) {
        s.data = token->data + i;
        s.len = token->len - i;

        if (fuzz_regex_ops.exec(NULL, cond->regex, &s) == NGX_OK
            && (s.len < cond->prefix.len
                || ngx_memcmp(s.data, cond->prefix.data, cond->prefix.len)
                   != 0))
        {
            fprintf(stderr, "fuzz_cond: \"%s\" matches \"%.*s\", which "
                    "does not begin with \"%.*s\"\n", token->data,
                    (int) s.len, s.data, (int) cond->prefix.len,
                    cond->prefix.data);
            abort();
        }
    }
}
