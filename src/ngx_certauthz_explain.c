
/*
 * certauthz: explain a policy's decision on a connection's certificate.
 *
 * The decision shown is the engine's own (ngx_certauthz_decide()); the
 * walk through the rules that follows it matches each value with the
 * engine's matcher (ngx_certauthz_value_matches()), so that the two
 * cannot tell different stories.  Only this connection's certificate is
 * shown, and of a list file or a CRL only its path: no client can read
 * another's data here.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_explain.h"
#include "ngx_certauthz_text.h"
#include "ngx_certauthz_variable.h"


typedef struct {
    ngx_certauthz_text_t          text;
    ngx_connection_t             *c;
    ngx_certauthz_conn_t         *conn;
    ngx_certauthz_regex_ops_t    *ops;
} ngx_certauthz_explain_t;


static ngx_int_t ngx_certauthz_explain_head(ngx_certauthz_explain_t *e,
    ngx_certauthz_policy_t *policy, SSL_CTX *trusted,
    ngx_certauthz_decision_t *d);
static ngx_int_t ngx_certauthz_explain_crl(ngx_certauthz_explain_t *e,
    ngx_certauthz_policy_t *policy, ngx_certauthz_decision_t *d);
static ngx_int_t ngx_certauthz_explain_fields(ngx_certauthz_explain_t *e,
    ngx_certauthz_policy_t *policy);
static ngx_int_t ngx_certauthz_explain_field(ngx_certauthz_explain_t *e,
    ngx_str_t *name, ngx_certauthz_values_t *vals);
static ngx_int_t ngx_certauthz_explain_exts(ngx_certauthz_explain_t *e,
    ngx_certauthz_policy_t *policy);
static ngx_uint_t ngx_certauthz_explain_named(ngx_certauthz_rule_t *rule,
    ngx_uint_t i, ngx_uint_t j);
static ngx_int_t ngx_certauthz_explain_rules(ngx_certauthz_explain_t *e,
    ngx_certauthz_policy_t *policy, ngx_certauthz_decision_t *d);
static ngx_int_t ngx_certauthz_explain_rule(ngx_certauthz_explain_t *e,
    ngx_certauthz_rule_t *rule, ngx_certauthz_cond_t **failed);
static ngx_int_t ngx_certauthz_explain_cond(ngx_certauthz_explain_t *e,
    ngx_certauthz_cond_t *cond);
static ngx_int_t ngx_certauthz_explain_values(ngx_certauthz_explain_t *e,
    ngx_certauthz_value_t *v, ngx_uint_t n);
static ngx_int_t ngx_certauthz_explain_value(ngx_certauthz_explain_t *e,
    ngx_certauthz_value_t *v);
static ngx_int_t ngx_certauthz_explain_str(ngx_certauthz_explain_t *e,
    const char *s);
static u_char *ngx_certauthz_explain_time(u_char *p, time_t t);


static ngx_str_t  ngx_certauthz_explain_modes[] = {
    ngx_string("off"),
    ngx_string("on"),
    ngx_string("audit")
};

static ngx_str_t  ngx_certauthz_explain_none = ngx_string("(none)");


ngx_chain_t *
ngx_certauthz_explain(ngx_certauthz_policy_t *policy, SSL_CTX *trusted,
    ngx_connection_t *c, ngx_certauthz_regex_ops_t *ops, ngx_pool_t *pool,
    off_t *size)
{
    ngx_certauthz_explain_t   e;
    ngx_certauthz_decision_t  d;

    ngx_certauthz_text_init(&e.text, pool);
    e.c = c;
    e.ops = ops;

    e.conn = ngx_certauthz_conn_get(c);
    if (e.conn == NULL) {
        return NULL;
    }

    /* NGX_AGAIN: a distribution point's CRL is on its way; explain does
     * not wait, and shows crl-missing */

    if (ngx_certauthz_decide(policy, trusted, c, e.conn, ops, &d)
        == NGX_ERROR)
    {
        return NULL;
    }

    if (ngx_certauthz_explain_head(&e, policy, trusted, &d) != NGX_OK
        || ngx_certauthz_explain_fields(&e, policy) != NGX_OK
        || ngx_certauthz_explain_rules(&e, policy, &d) != NGX_OK)
    {
        return NULL;
    }

    return ngx_certauthz_text_done(&e.text, size);
}


/* the decision, as the $certauthz_* variables would carry it; the checks
 * made before any rule */

static ngx_int_t
ngx_certauthz_explain_head(ngx_certauthz_explain_t *e,
    ngx_certauthz_policy_t *policy, SSL_CTX *trusted,
    ngx_certauthz_decision_t *d)
{
    u_char                *p;
    time_t                 now;
    ngx_str_t              verify;
    ngx_certauthz_cert_t  *cert;

    cert = &e->conn->cert;

    if (ngx_certauthz_text_printf(&e->text,
            128 + (d->rule ? d->rule->where.len : 0),
            "result: %s\nreason: %V\nrule: %V\nmode: %V\n\n",
            d->allow ? "allow" : "deny", ngx_certauthz_reason_name(d->reason),
            d->rule ? &d->rule->where : &ngx_certauthz_explain_none,
            &ngx_certauthz_explain_modes[policy->mode])
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (!cert->present) {
        return ngx_certauthz_explain_str(e,
                   "certificate: none presented\ncrl: not checked\n");
    }

    if (ngx_certauthz_variable(NGX_CERTAUTHZ_VAR_VERIFY, e->c, trusted, NULL,
                               e->text.pool, &verify)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    p = ngx_certauthz_text_room(&e->text, sizeof("verify: \nvalid: from  to "
                                                 " (not yet valid)\n")
                                          + verify.len + 2 * 20);
    if (p == NULL) {
        return NGX_ERROR;
    }

    /* the verify result is nginx's (OpenSSL's) text, not the client's */

    p = ngx_sprintf(p, "verify: %V\nvalid: from ", &verify);
    p = ngx_certauthz_explain_time(p, cert->not_before);
    p = ngx_cpymem(p, " to ", 4);
    p = ngx_certauthz_explain_time(p, cert->not_after);

    now = ngx_time();

    if (now > cert->not_after) {
        p = ngx_cpymem(p, " (expired)", 10);

    } else if (now < cert->not_before) {
        p = ngx_cpymem(p, " (not yet valid)", 16);
    }

    *p++ = '\n';

    ngx_certauthz_text_wrote(&e->text, p);

    return ngx_certauthz_explain_crl(e, policy, d);
}


static ngx_int_t
ngx_certauthz_explain_crl(ngx_certauthz_explain_t *e,
    ngx_certauthz_policy_t *policy, ngx_certauthz_decision_t *d)
{
    ngx_uint_t                  i, result;
    const char                 *verdict;
    ngx_certauthz_crl_file_t  **file;

    if (policy->crl.files == NULL) {
        return ngx_certauthz_explain_str(e,
                   "crl: none here (no certauthz_crl)\n");
    }

    switch (d->reason) {

    case NGX_CERTAUTHZ_REASON_NO_CERT:
    case NGX_CERTAUTHZ_REASON_UNVERIFIED:
    case NGX_CERTAUTHZ_REASON_EXPIRED:
        return ngx_certauthz_explain_str(e,
                   "crl: not checked (the certificate did not pass)\n");

    case NGX_CERTAUTHZ_REASON_REVOKED:
        verdict = "revoked";
        break;

    case NGX_CERTAUTHZ_REASON_CRL_MISSING:
        verdict = "missing (no CRL of the issuer loaded)";
        break;

    case NGX_CERTAUTHZ_REASON_CRL_STALE:
        verdict = "stale (past its nextUpdate)";
        break;

    default:
        /* the check the decision made, kept with the connection */

        if (ngx_certauthz_crl_check(&policy->crl, e->c, &e->conn->crl,
                                    &result)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        verdict = (result == NGX_CERTAUTHZ_CRL_STALE)
                  ? "stale, allowed (certauthz_crl_stale allow)"
                  : "not revoked";
    }

    if (ngx_certauthz_text_printf(&e->text, 64, "crl: %s, in", verdict)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    file = policy->crl.files->elts;

    for (i = 0; i < policy->crl.files->nelts; i++) {
        if (ngx_certauthz_text_printf(&e->text, file[i]->path.len + 2,
                                      " %V", &file[i]->path)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return ngx_certauthz_explain_str(e, "\n");
}


/* every field, "(none)" where the certificate has no value */

static ngx_int_t
ngx_certauthz_explain_fields(ngx_certauthz_explain_t *e,
    ngx_certauthz_policy_t *policy)
{
    ngx_uint_t               field;
    ngx_certauthz_values_t  *vals;

    if (!e->conn->cert.present) {
        return NGX_OK;
    }

    if (ngx_certauthz_explain_str(e, "\n") != NGX_OK) {
        return NGX_ERROR;
    }

    /* "ext:OID", the last, is shown for the OIDs that the rules name */

    for (field = 0; field < NGX_CERTAUTHZ_FIELD_EXT; field++) {

        vals = ngx_certauthz_cert_field(e->c, &e->conn->cert, field);
        if (vals == NULL) {
            return NGX_ERROR;
        }

        if (ngx_certauthz_explain_field(e, ngx_certauthz_field_name(field),
                                        vals)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return ngx_certauthz_explain_exts(e, policy);
}


/* each "ext:OID" that the rules name, once */

static ngx_int_t
ngx_certauthz_explain_exts(ngx_certauthz_explain_t *e,
    ngx_certauthz_policy_t *policy)
{
    ngx_uint_t               i, j;
    ngx_certauthz_cond_t    *cond;
    ngx_certauthz_rule_t    *rule;
    ngx_certauthz_values_t  *vals;

    if (policy->rules == NULL) {
        return NGX_OK;
    }

    rule = policy->rules->elts;

    for (i = 0; i < policy->rules->nelts; i++) {
        for (j = 0; j < rule[i].nconds; j++) {
            cond = &rule[i].conds[j];

            if (cond->field != NGX_CERTAUTHZ_FIELD_EXT
                || ngx_certauthz_explain_named(rule, i, j))
            {
                continue;
            }

            vals = ngx_certauthz_cert_ext(e->c, &e->conn->cert, &cond->oid);
            if (vals == NULL
                || ngx_certauthz_explain_field(e, &cond->name, vals)
                   != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


/* whether a condition before rule[i].conds[j] names the same ext:OID */

static ngx_uint_t
ngx_certauthz_explain_named(ngx_certauthz_rule_t *rule, ngx_uint_t i,
    ngx_uint_t j)
{
    ngx_uint_t             k, l, n;
    ngx_str_t             *oid;
    ngx_certauthz_cond_t  *c;

    oid = &rule[i].conds[j].oid;

    for (k = 0; k <= i; k++) {
        n = (k == i) ? j : rule[k].nconds;

        for (l = 0; l < n; l++) {
            c = &rule[k].conds[l];

            if (c->field == NGX_CERTAUTHZ_FIELD_EXT
                && c->oid.len == oid->len
                && ngx_memcmp(c->oid.data, oid->data, oid->len) == 0)
            {
                return 1;
            }
        }
    }

    return 0;
}


/* NAME: "value", ... | (none) | (does not parse ...) | (unknown ...) */

static ngx_int_t
ngx_certauthz_explain_field(ngx_certauthz_explain_t *e, ngx_str_t *name,
    ngx_certauthz_values_t *vals)
{
    if (ngx_certauthz_text_printf(&e->text, name->len + 2, "%V:", name)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (vals->unknown) {
        if (ngx_certauthz_explain_str(e, " (unknown: a resumed session "
                                         "whose chain cannot be built "
                                         "again from the trusted CA "
                                         "certificates)")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

    } else if (vals->poisoned) {
        if (ngx_certauthz_explain_str(e, " (does not parse: no "
                                         "condition on it lets the "
                                         "certificate through)")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

    } else if (vals->nelts == 0) {
        if (ngx_certauthz_explain_str(e, " (none)") != NGX_OK) {
            return NGX_ERROR;
        }

    } else if (ngx_certauthz_explain_str(e, " ") != NGX_OK
               || ngx_certauthz_explain_values(e, vals->elts, vals->nelts)
                  != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_certauthz_explain_str(e, "\n");
}


/*
 * FILE:LINE: DIRECTIVE CONDITIONS: held | did not hold: WHY, and whether
 * the rule decided, came after the one that did, or was not consulted
 */

static ngx_int_t
ngx_certauthz_explain_rules(ngx_certauthz_explain_t *e,
    ngx_certauthz_policy_t *policy, ngx_certauthz_decision_t *d)
{
    ngx_int_t               rc;
    ngx_str_t              *reason;
    ngx_uint_t              i, j, consulted, decided;
    ngx_certauthz_cond_t   *failed;
    ngx_certauthz_rule_t   *rule;

    if (policy->rules == NULL || policy->rules->nelts == 0) {
        return ngx_certauthz_explain_str(e,
                   "\nrules: none (a certificate that passes the checks "
                   "above is allowed)\n");
    }

    if (ngx_certauthz_explain_str(e, "\nrules:\n") != NGX_OK) {
        return NGX_ERROR;
    }

    consulted = (d->reason == NGX_CERTAUTHZ_REASON_ALLOW
                 || d->reason == NGX_CERTAUTHZ_REASON_DENY
                 || d->reason == NGX_CERTAUTHZ_REASON_NO_MATCH
                 || (d->reason == NGX_CERTAUTHZ_REASON_UNVERIFIED
                     && d->rule != NULL));
    decided = 0;
    reason = ngx_certauthz_reason_name(d->reason);

    rule = policy->rules->elts;

    for (i = 0; i < policy->rules->nelts; i++) {

        if (ngx_certauthz_text_printf(&e->text,
                rule[i].where.len + sizeof(": certauthz_allow"),
                "%V: certauthz_%s", &rule[i].where,
                rule[i].deny ? "deny" : "allow")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (rule[i].nconds == 0
            && ngx_certauthz_explain_str(e, " all") != NGX_OK)
        {
            return NGX_ERROR;
        }

        for (j = 0; j < rule[i].nconds; j++) {
            if (ngx_certauthz_text_printf(&e->text,
                    rule[i].conds[j].token.len + 1, " %V",
                    &rule[i].conds[j].token)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        if (!e->conn->cert.present) {
            rc = ngx_certauthz_explain_str(e,
                     ": not consulted (no certificate)\n");

            if (rc != NGX_OK) {
                return NGX_ERROR;
            }

            continue;
        }

        rc = ngx_certauthz_explain_rule(e, &rule[i], &failed);
        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_OK) {
            rc = ngx_certauthz_explain_str(e, ": held");

        } else if (rc == NGX_ABORT) {
            rc = ngx_certauthz_text_printf(&e->text,
                     failed->token.len + 128,
                     ": cannot be decided: %V: the verified chain is "
                     "unknown (a resumed session whose chain cannot be "
                     "built again)", &failed->token);

        } else {
            rc = ngx_certauthz_explain_str(e, ": did not hold: ");

            if (rc == NGX_OK) {
                rc = ngx_certauthz_explain_cond(e, failed);
            }
        }

        if (rc != NGX_OK) {
            return NGX_ERROR;
        }

        if (!consulted) {
            rc = ngx_certauthz_text_printf(&e->text, reason->len + 32,
                                           " (not consulted: %V)", reason);

        } else if (&rule[i] == d->rule) {
            decided = 1;
            rc = ngx_certauthz_explain_str(e, " (decides)");

        } else if (decided) {
            rc = ngx_certauthz_explain_str(e, " (after the rule that "
                                              "decided)");
        }

        if (rc != NGX_OK || ngx_certauthz_explain_str(e, "\n") != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * NGX_OK: the rule holds; NGX_DECLINED: *failed did not; NGX_ABORT: *failed
 * is on a chain that cannot be known
 */

static ngx_int_t
ngx_certauthz_explain_rule(ngx_certauthz_explain_t *e,
    ngx_certauthz_rule_t *rule, ngx_certauthz_cond_t **failed)
{
    ngx_int_t   rc;
    ngx_uint_t  j;

    for (j = 0; j < rule->nconds; j++) {
        rc = ngx_certauthz_cond_holds(&rule->conds[j], rule->deny, e->c,
                                      &e->conn->cert, e->ops->exec,
                                      e->ops->data);
        if (rc != NGX_OK) {
            *failed = &rule->conds[j];
            return rc;
        }
    }

    return NGX_OK;
}


/*
 * Why a condition did not hold: for a positive one, the values that did
 * not match (or that the certificate has none); for a negative one, the
 * value that did
 */

static ngx_int_t
ngx_certauthz_explain_cond(ngx_certauthz_explain_t *e,
    ngx_certauthz_cond_t *cond)
{
    ngx_int_t                rc;
    ngx_str_t               *name, op;
    ngx_uint_t               i;
    const char              *what;
    ngx_certauthz_value_t   *v;
    ngx_certauthz_values_t  *vals;

    vals = ngx_certauthz_cond_values(cond, e->c, &e->conn->cert);
    if (vals == NULL) {
        return NGX_ERROR;
    }

    if (ngx_certauthz_text_printf(&e->text, cond->token.len + 3, "%V: ",
                                  &cond->token)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    v = vals->elts;

    name = &cond->name;

    if (vals->poisoned) {
        return ngx_certauthz_text_printf(&e->text, name->len + 40,
                                         "the certificate's %V does not "
                                         "parse", name);
    }

    if (vals->nelts && cond->match == NGX_CERTAUTHZ_MATCH_ORDER) {
        op.data = cond->token.data + name->len;
        op.len = cond->token.len - name->len;

        return ngx_certauthz_explain_value(e, &v[0]) != NGX_OK
               ? NGX_ERROR
               : ngx_certauthz_text_printf(&e->text, op.len + 10,
                                           " is not %V", &op);
    }

    if (cond->negate) {

        for (i = 0; i < vals->nelts; i++) {
            rc = ngx_certauthz_value_matches(cond, &v[i], e->ops->exec,
                                             e->ops->data);
            if (rc == NGX_ERROR) {
                return NGX_ERROR;
            }

            if (rc == NGX_OK) {
                break;
            }
        }

        if (i == vals->nelts) {
            /* cannot be: the condition held after all */
            return ngx_certauthz_explain_str(e, "?");
        }

        what = (cond->match == NGX_CERTAUTHZ_MATCH_EQ) ? " is "
               : (cond->match == NGX_CERTAUTHZ_MATCH_LIST) ? " is in "
               : " matches";

        if (ngx_certauthz_explain_value(e, &v[i]) != NGX_OK
            || ngx_certauthz_explain_str(e, what) != NGX_OK)
        {
            return NGX_ERROR;
        }

    } else if (vals->nelts == 0) {
        return ngx_certauthz_text_printf(&e->text, name->len + 32,
                                         "the certificate has no %V", name);

    } else {
        if (vals->nelts > 1) {
            what = (cond->match == NGX_CERTAUTHZ_MATCH_EQ) ? " is "
                   : (cond->match == NGX_CERTAUTHZ_MATCH_LIST) ? " is in "
                   : " matches";

        } else {
            what = (cond->match == NGX_CERTAUTHZ_MATCH_EQ) ? " is not "
                   : (cond->match == NGX_CERTAUTHZ_MATCH_LIST) ? " is not in "
                   : " does not match";
        }

        if ((vals->nelts > 1
             && ngx_certauthz_explain_str(e, "none of ") != NGX_OK)
            || ngx_certauthz_explain_values(e, v, vals->nelts) != NGX_OK
            || ngx_certauthz_explain_str(e, what) != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    switch (cond->match) {

    case NGX_CERTAUTHZ_MATCH_EQ:
        return ngx_certauthz_text_printf(&e->text, cond->value.len + 2,
                                         "\"%V\"", &cond->value);

    case NGX_CERTAUTHZ_MATCH_LIST:
        return ngx_certauthz_text_printf(&e->text,
                                         cond->list->path.len
                                         + NGX_INT_T_LEN
                                         + sizeof(" (a list of )"),
                                         "%V (a list of %ui)",
                                         &cond->list->path,
                                         cond->list->values.nelts);

    default:
        return NGX_OK;
    }
}


/* "a", "b", "c"; a value with a control character inside is marked */

static ngx_int_t
ngx_certauthz_explain_values(ngx_certauthz_explain_t *e,
    ngx_certauthz_value_t *v, ngx_uint_t n)
{
    ngx_uint_t  i;

    for (i = 0; i < n; i++) {
        if ((i && ngx_certauthz_explain_str(e, ", ") != NGX_OK)
            || ngx_certauthz_explain_value(e, &v[i]) != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (v[i].poisoned
            && ngx_certauthz_explain_str(e, " (a control character "
                                            "inside: never matches)")
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * A certificate's value in double quotes: " and \ escaped by \, and
 * written %XX what the variables write so of a single value (control
 * bytes, and the bytes above ASCII of a poisoned value), so that no
 * certificate can write lines of its own into the answer
 */

static ngx_int_t
ngx_certauthz_explain_value(ngx_certauthz_explain_t *e,
    ngx_certauthz_value_t *v)
{
    u_char  *p, *s, *end;
    size_t   len;

    len = 2;
    end = v->str.data + v->str.len;

    for (s = v->str.data; s < end; s++) {
        len += ngx_certauthz_field_escaped(*s, 0, v->poisoned)
               ? 3 : (*s == '"' || *s == '\\') ? 2 : 1;
    }

    p = ngx_certauthz_text_room(&e->text, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    *p++ = '"';

    for (s = v->str.data; s < end; s++) {

        if (ngx_certauthz_field_escaped(*s, 0, v->poisoned)) {
            p = ngx_sprintf(p, "%%%02XD", *s);

        } else {
            if (*s == '"' || *s == '\\') {
                *p++ = '\\';
            }

            *p++ = *s;
        }
    }

    *p++ = '"';

    ngx_certauthz_text_wrote(&e->text, p);

    return NGX_OK;
}


static ngx_int_t
ngx_certauthz_explain_str(ngx_certauthz_explain_t *e, const char *s)
{
    u_char  *p;
    size_t   len;

    len = ngx_strlen(s);

    p = ngx_certauthz_text_room(&e->text, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_certauthz_text_wrote(&e->text, ngx_cpymem(p, s, len));

    return NGX_OK;
}


/* 2026-12-06T23:53:52Z: 20 bytes */

static u_char *
ngx_certauthz_explain_time(u_char *p, time_t t)
{
    ngx_tm_t  tm;

    ngx_gmtime(t, &tm);

    return ngx_sprintf(p, "%4d-%02d-%02dT%02d:%02d:%02dZ",
                       tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                       tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);
}
