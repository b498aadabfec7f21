
/*
 * certauthz: parse "FIELD OP VALUE" conditions at configuration time and
 * decide on a certificate with the first rule whose conditions all hold.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_certauthz_rule.h"


typedef struct {
    ngx_str_t                 text;
    ngx_uint_t                match;
    ngx_uint_t                negate;
    ngx_uint_t                caseless;
} ngx_certauthz_op_t;


static ngx_int_t ngx_certauthz_cond_normalise(ngx_conf_t *cf,
    ngx_certauthz_cond_t *cond);
static ngx_uint_t ngx_certauthz_has_op(ngx_str_t *token);
static ngx_uint_t ngx_certauthz_field_char(u_char c);
static ngx_str_t *ngx_certauthz_join(ngx_conf_t *cf, ngx_str_t *a,
    const char *sep, ngx_str_t *b, ngx_str_t *c);


/* longest first, so that "!~*" is not taken for "!~" */
static ngx_certauthz_op_t  ngx_certauthz_ops[] = {
    { ngx_string("!=@"), NGX_CERTAUTHZ_MATCH_LIST, 1, 0 },
    { ngx_string("!~*"), NGX_CERTAUTHZ_MATCH_REGEX, 1, 1 },
    { ngx_string("!~"), NGX_CERTAUTHZ_MATCH_REGEX, 1, 0 },
    { ngx_string("!="), NGX_CERTAUTHZ_MATCH_EQ, 1, 0 },
    { ngx_string("=@"), NGX_CERTAUTHZ_MATCH_LIST, 0, 0 },
    { ngx_string("~*"), NGX_CERTAUTHZ_MATCH_REGEX, 0, 1 },
    { ngx_string("~"), NGX_CERTAUTHZ_MATCH_REGEX, 0, 0 },
    { ngx_string("="), NGX_CERTAUTHZ_MATCH_EQ, 0, 0 },
    { ngx_null_string, 0, 0, 0 }
};


static ngx_str_t  ngx_certauthz_reasons[] = {
    ngx_null_string,
    ngx_string("allow"),
    ngx_string("deny"),
    ngx_string("no-match"),
    ngx_string("no-cert"),
    ngx_string("unverified"),
    ngx_string("expired"),
    ngx_string("revoked"),
    ngx_string("crl-missing"),
    ngx_string("crl-stale")
};


ngx_int_t
ngx_certauthz_cond_parse(ngx_conf_t *cf, ngx_str_t *token,
    ngx_certauthz_cond_t *cond, ngx_array_t *lists)
{
    u_char              *p, *end;
    ngx_int_t            field;
    ngx_str_t            name, rest;
    ngx_certauthz_op_t  *op;

    ngx_memzero(cond, sizeof(ngx_certauthz_cond_t));

    cond->token = *token;

    p = token->data;
    end = p + token->len;

    while (p < end && ngx_certauthz_field_char(*p)) {
        p++;
    }

    name.data = token->data;
    name.len = p - token->data;

    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid condition \"%V\", expected "
                           "FIELD, an operator and a value, "
                           "e.g. \"cn=alice\"", token);
        return NGX_ERROR;
    }

    field = ngx_certauthz_field_by_name(&name);

    if (field == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown field \"%V\" in \"%V\", expected "
                           "cn, subject, issuer, o, ou, email, dns, uri, "
                           "ip, serial, fingerprint, eku, key_usage, policy, "
                           "key or sig", &name, token);
        return NGX_ERROR;
    }

    cond->field = field;

    rest.data = p;
    rest.len = end - p;

    for (op = ngx_certauthz_ops; op->text.len; op++) {
        if (rest.len >= op->text.len
            && ngx_strncmp(rest.data, op->text.data, op->text.len) == 0)
        {
            break;
        }
    }

    if (op->text.len == 0) {
        goto bad_op;
    }

    cond->match = op->match;
    cond->negate = op->negate;
    cond->caseless = op->caseless;

    cond->value.data = rest.data + op->text.len;
    cond->value.len = rest.len - op->text.len;

    /* "cn==alice" would compare with "=alice", "cn=~^a" with "~^a" */

    if (op->match == NGX_CERTAUTHZ_MATCH_EQ && !op->negate
        && cond->value.len
        && (cond->value.data[0] == '=' || cond->value.data[0] == '~'))
    {
        rest.data = cond->value.data + 1;
        rest.len = cond->value.len - 1;

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown operator \"=%c\" in \"%V\": use "
                           "\"%s\" (%s), \"%V%s%V\"",
                           cond->value.data[0], token,
                           cond->value.data[0] == '=' ? "=" : "~",
                           cond->value.data[0] == '=' ? "exact match"
                                                      : "regex match",
                           &name, cond->value.data[0] == '=' ? "=" : "~",
                           &rest);
        return NGX_ERROR;
    }

    if (cond->value.len == 0 && cond->match == NGX_CERTAUTHZ_MATCH_EQ) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "empty value in \"%V\": a condition needs a "
                           "value after its operator; a field whose value "
                           "is empty is matched by \"%V%s\"", token,
                           &name, cond->negate ? "!~^$" : "~^$");
        return NGX_ERROR;
    }

    if (cond->match == NGX_CERTAUTHZ_MATCH_LIST) {

        if (cond->value.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "no list file in \"%V\"", token);
            return NGX_ERROR;
        }

        cond->list = ngx_certauthz_list_get(cf, lists, &cond->value,
                                            cond->field);

        return cond->list ? NGX_OK : NGX_ERROR;
    }

    return ngx_certauthz_cond_normalise(cf, cond);

bad_op:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "unknown operator in \"%V\" after \"%V\", expected "
                       "=, !=, ~, ~*, !~, !~*, =@ or !=@", token, &name);
    return NGX_ERROR;
}


/*
 * The natural mistakes that a condition alone cannot tell: the args of a
 * rule directive (args[0] its name), args[i] the condition to check.
 * NGX_ERROR (logged) where args[i] is one of them, else NGX_OK: then
 * ngx_certauthz_cond_parse() says what is wrong, if anything
 */

ngx_int_t
ngx_certauthz_cond_check(ngx_conf_t *cf, ngx_str_t *args, ngx_uint_t nargs,
    ngx_uint_t i)
{
    u_char     *p, *end;
    ngx_str_t   name, op, *fix, *written;

    p = args[i].data;
    end = p + args[i].len;

    while (p < end && ngx_certauthz_field_char(*p)) {
        p++;
    }

    name.data = args[i].data;
    name.len = p - args[i].data;

    /* "cn == alice", "cn =alice": spaces around the operator */

    if (p == end
        && ngx_certauthz_field_by_name(&name) != NGX_ERROR
        && i + 1 < nargs
        && args[i + 1].len
        && ngx_strchr("=!~", args[i + 1].data[0]) != NULL)
    {
        op = args[i + 1];

        if (i + 2 < nargs && !ngx_certauthz_has_op(&args[i + 2])) {
            written = ngx_certauthz_join(cf, &args[i], " ", &op,
                                         &args[i + 2]);

            if (op.len == 2 && op.data[0] == '=' && op.data[1] == '=') {
                op.len = 1;
            }

            fix = ngx_certauthz_join(cf, &args[i], "", &op, &args[i + 2]);

        } else {
            written = ngx_certauthz_join(cf, &args[i], " ", &op, NULL);
            fix = ngx_certauthz_join(cf, &args[i], "", &op, NULL);
        }

        if (written == NULL || fix == NULL) {
            return NGX_ERROR;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "spaces around the operator in \"%V\": a "
                           "condition is one token, FIELD, an operator "
                           "and a value without spaces, e.g. \"%V\"",
                           written, fix);
        return NGX_ERROR;
    }

    if (i < 2 || ngx_strcmp(args[i - 1].data, "all") == 0) {
        return NGX_OK;
    }

    /* "subject=CN=alice,O=Example Corp" unquoted: "Corp" after it */

    if (ngx_certauthz_has_op(&args[i])
        && ngx_certauthz_field_by_name(&name) != NGX_ERROR)
    {
        return NGX_OK;
    }

    fix = ngx_certauthz_join(cf, &args[i - 1], " ", &args[i], NULL);
    if (fix == NULL) {
        return NGX_ERROR;
    }

    if (!ngx_certauthz_has_op(&args[i])) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is not a condition: a condition with "
                           "spaces must be quoted as one token, e.g. "
                           "\"%V\"", &args[i], fix);
        return NGX_ERROR;
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "unknown field \"%V\" in \"%V\"; if it is part "
                       "of the value before it, quote the condition as "
                       "one token: \"%V\"", &name, &args[i], fix);
    return NGX_ERROR;
}


/* what a field's name is made of: letters and "_" (key_usage) */

static ngx_uint_t
ngx_certauthz_field_char(u_char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}


static ngx_uint_t
ngx_certauthz_has_op(ngx_str_t *token)
{
    u_char  *p;

    for (p = token->data; p < token->data + token->len; p++) {
        if (*p == '=' || *p == '~') {
            return 1;
        }
    }

    return 0;
}


/* a, sep, b and c (if any) in one string, for messages */

static ngx_str_t *
ngx_certauthz_join(ngx_conf_t *cf, ngx_str_t *a, const char *sep,
    ngx_str_t *b, ngx_str_t *c)
{
    u_char     *p;
    size_t      len, seplen;
    ngx_str_t  *s;

    seplen = ngx_strlen(sep);
    len = a->len + seplen + b->len + (c ? seplen + c->len : 0);

    s = ngx_palloc(cf->temp_pool, sizeof(ngx_str_t) + len);
    if (s == NULL) {
        return NULL;
    }

    s->data = (u_char *) (s + 1);

    p = ngx_cpymem(s->data, a->data, a->len);
    p = ngx_cpymem(p, sep, seplen);
    p = ngx_cpymem(p, b->data, b->len);

    if (c) {
        p = ngx_cpymem(p, sep, seplen);
        p = ngx_cpymem(p, c->data, c->len);
    }

    s->len = p - s->data;

    return s;
}


static ngx_int_t
ngx_certauthz_cond_normalise(ngx_conf_t *cf, ngx_certauthz_cond_t *cond)
{
    ngx_int_t    rc;
    const char  *err;

    if (cond->match == NGX_CERTAUTHZ_MATCH_REGEX) {
        if (cond->value.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "empty regex in \"%V\"", &cond->token);
            return NGX_ERROR;
        }

        return NGX_OK;
    }

    rc = ngx_certauthz_field_normalise(cf->pool, cond->field, &cond->value,
                                       &err);

    if (rc == NGX_DECLINED) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s in \"%V\"%s", err,
                           &cond->token,
                           ngx_certauthz_field_hint(cond->field));
    }

    return rc;
}


ngx_int_t
ngx_certauthz_rule_where(ngx_conf_t *cf, ngx_str_t *where)
{
    u_char  *p;

    p = ngx_pnalloc(cf->pool, cf->conf_file->file.name.len
                              + 1 + NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    where->data = p;
    where->len = ngx_sprintf(p, "%V:%ui", &cf->conf_file->file.name,
                             cf->conf_file->line)
                 - p;

    return NGX_OK;
}


/*
 * A positive condition holds if any value of the field matches, a negative
 * one if none does.  On a poisoned field (its extension does not parse)
 * no condition lets the certificate through: in an allow rule it fails,
 * in a deny rule it holds.
 */

ngx_int_t
ngx_certauthz_cond_holds(ngx_certauthz_cond_t *cond, ngx_uint_t deny,
    ngx_connection_t *c, ngx_certauthz_cert_t *cert,
    ngx_certauthz_regex_exec_pt exec, void *data)
{
    ngx_int_t                rc;
    ngx_uint_t               i;
    ngx_certauthz_value_t   *v;
    ngx_certauthz_values_t  *vals;

    vals = ngx_certauthz_cert_field(c, cert, cond->field);
    if (vals == NULL) {
        return NGX_ERROR;
    }

    if (vals->poisoned) {
        return deny ? NGX_OK : NGX_DECLINED;
    }

    v = vals->elts;
    rc = NGX_DECLINED;

    for (i = 0; i < vals->nelts && rc == NGX_DECLINED; i++) {
        rc = ngx_certauthz_value_matches(cond, &v[i], exec, data);
    }

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    return ((rc == NGX_OK) ^ cond->negate) ? NGX_OK : NGX_DECLINED;
}


ngx_str_t *
ngx_certauthz_reason_name(ngx_uint_t reason)
{
    return &ngx_certauthz_reasons[reason];
}
