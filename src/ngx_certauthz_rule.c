
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
    ngx_uint_t                order;
} ngx_certauthz_op_t;


static ngx_int_t ngx_certauthz_cond_normalise(ngx_conf_t *cf,
    ngx_certauthz_cond_t *cond);
static ngx_int_t ngx_certauthz_cond_ordered(ngx_conf_t *cf,
    ngx_certauthz_cond_t *cond, ngx_str_t *op);
static ngx_int_t ngx_certauthz_cond_key_size(ngx_certauthz_cond_t *cond);
static ngx_uint_t ngx_certauthz_has_op(ngx_str_t *token);
static ngx_uint_t ngx_certauthz_field_char(u_char c);
static ngx_str_t *ngx_certauthz_join(ngx_conf_t *cf, ngx_str_t *a,
    const char *sep, ngx_str_t *b, ngx_str_t *c);


/* longest first, so that "!~*" is not taken for "!~" */
static ngx_certauthz_op_t  ngx_certauthz_ops[] = {
    { ngx_string("!=@"), NGX_CERTAUTHZ_MATCH_LIST, 1, 0, 0 },
    { ngx_string("!~*"), NGX_CERTAUTHZ_MATCH_REGEX, 1, 1, 0 },
    { ngx_string("!~"), NGX_CERTAUTHZ_MATCH_REGEX, 1, 0, 0 },
    { ngx_string("!="), NGX_CERTAUTHZ_MATCH_EQ, 1, 0, 0 },
    { ngx_string("=@"), NGX_CERTAUTHZ_MATCH_LIST, 0, 0, 0 },
    { ngx_string("~*"), NGX_CERTAUTHZ_MATCH_REGEX, 0, 1, 0 },
    { ngx_string(">="), NGX_CERTAUTHZ_MATCH_ORDER, 0, 0,
      NGX_CERTAUTHZ_ORDER_GT|NGX_CERTAUTHZ_ORDER_EQ },
    { ngx_string("<="), NGX_CERTAUTHZ_MATCH_ORDER, 0, 0,
      NGX_CERTAUTHZ_ORDER_LT|NGX_CERTAUTHZ_ORDER_EQ },
    { ngx_string("~"), NGX_CERTAUTHZ_MATCH_REGEX, 0, 0, 0 },
    { ngx_string("="), NGX_CERTAUTHZ_MATCH_EQ, 0, 0, 0 },
    { ngx_string(">"), NGX_CERTAUTHZ_MATCH_ORDER, 0, 0,
      NGX_CERTAUTHZ_ORDER_GT },
    { ngx_string("<"), NGX_CERTAUTHZ_MATCH_ORDER, 0, 0,
      NGX_CERTAUTHZ_ORDER_LT },
    { ngx_null_string, 0, 0, 0, 0 }
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

    /* "ext:OID" is a field; "ext" alone is not */

    if (field == NGX_CERTAUTHZ_FIELD_EXT && p < end && *p == ':') {
        cond->oid.data = ++p;

        while (p < end && ((*p >= '0' && *p <= '9') || *p == '.')) {
            p++;
        }

        cond->oid.len = p - cond->oid.data;

        name.len = p - token->data;

        if (ngx_certauthz_field_oid(cf->pool, &cond->oid) != NGX_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid OID \"%*s\" in \"%V\", expected "
                               "ext: and a dotted OID, e.g. "
                               "\"ext:1.3.6.1.4.1.311.20.2\"",
                               name.len - 4, name.data + 4, token);
            return NGX_ERROR;
        }

    } else if (field == NGX_CERTAUTHZ_FIELD_EXT) {
        field = NGX_ERROR;
    }

    if (field == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown field \"%V\" in \"%V\", expected "
                           "cn, subject, issuer, o, ou, email, dns, uri, "
                           "ip, serial, fingerprint, eku, key_usage, policy, "
                           "key, sig, ca, ca_fingerprint, depth, lifetime "
                           "or ext:OID",
                           &name, token);
        return NGX_ERROR;
    }

    cond->field = field;
    cond->name = name;

    rest.data = p;
    rest.len = end - p;

    if (field == NGX_CERTAUTHZ_FIELD_EXT && rest.len == 0) {
        cond->match = NGX_CERTAUTHZ_MATCH_HAS;
        return NGX_OK;
    }

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
    cond->order = op->order;

    cond->value.data = rest.data + op->text.len;
    cond->value.len = rest.len - op->text.len;

    if (op->match == NGX_CERTAUTHZ_MATCH_ORDER) {
        return ngx_certauthz_cond_ordered(cf, cond, &op->text);
    }

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
                       "=, !=, ~, ~*, !~, !~*, =@, !=@, <, <=, > or >=",
                       token, &name);
    return NGX_ERROR;
}


/* "depth<=3", "key>=rsa:3072", "key>=ec:P-384" */

static ngx_int_t
ngx_certauthz_cond_ordered(ngx_conf_t *cf, ngx_certauthz_cond_t *cond,
    ngx_str_t *op)
{
    ngx_int_t  n;

    switch (cond->field) {

    case NGX_CERTAUTHZ_FIELD_DEPTH:
        n = ngx_atoi(cond->value.data, cond->value.len);

        if (n == NGX_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid depth in \"%V\", expected a number",
                               &cond->token);
            return NGX_ERROR;
        }

        cond->number = n;
        return NGX_OK;

    case NGX_CERTAUTHZ_FIELD_LIFETIME:
        n = ngx_parse_time(&cond->value, 1);

        if (n == NGX_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid lifetime in \"%V\", expected a "
                               "time, e.g. \"24h\" or \"90d\"",
                               &cond->token);
            return NGX_ERROR;
        }

        cond->number = n;
        return NGX_OK;

    case NGX_CERTAUTHZ_FIELD_KEY:

        if (ngx_certauthz_cond_key_size(cond) != NGX_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid key in \"%V\", expected "
                               "ALGORITHM:SIZE, e.g. \"key>=rsa:3072\" or "
                               "\"key>=ec:P-384\"", &cond->token);
            return NGX_ERROR;
        }

        return NGX_OK;

    default:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" in \"%V\" compares key, depth and "
                           "lifetime only",
                           op, &cond->token);
        return NGX_ERROR;
    }
}


/*
 * ALG:SIZE of a key condition: the algorithm in cond->value, the size in
 * bits in cond->number; of "ec", the size of the named curve's order
 */

static ngx_int_t
ngx_certauthz_cond_key_size(ngx_certauthz_cond_t *cond)
{
    int        nid;
    u_char    *colon;
    char       curve[64];
    ngx_int_t  n;
    ngx_str_t  alg, size;
    EC_GROUP  *group;

    colon = ngx_strlchr(cond->value.data, cond->value.data + cond->value.len,
                        ':');
    if (colon == NULL) {
        return NGX_ERROR;
    }

    alg.data = cond->value.data;
    alg.len = colon - alg.data;
    size.data = colon + 1;
    size.len = cond->value.data + cond->value.len - size.data;

    if (size.len == 0) {
        return NGX_ERROR;
    }

    if (alg.len == 2 && ngx_strncmp(alg.data, "ec", 2) == 0) {

        if (size.len >= sizeof(curve)) {
            return NGX_ERROR;
        }

        ngx_memcpy(curve, size.data, size.len);
        curve[size.len] = '\0';

        nid = EC_curve_nist2nid(curve);

        if (nid == NID_undef) {
            nid = OBJ_sn2nid(curve);
        }

        group = (nid != NID_undef) ? EC_GROUP_new_by_curve_name(nid) : NULL;

        if (group == NULL) {
            ERR_clear_error();
            return NGX_ERROR;
        }

        cond->number = EC_GROUP_order_bits(group);
        EC_GROUP_free(group);

    } else if ((alg.len == 3 && ngx_strncmp(alg.data, "rsa", 3) == 0)
               || (alg.len == 7 && ngx_strncmp(alg.data, "rsa-pss", 7) == 0)
               || (alg.len == 3 && ngx_strncmp(alg.data, "dsa", 3) == 0))
    {
        n = ngx_atoi(size.data, size.len);

        if (n == NGX_ERROR || n == 0) {
            return NGX_ERROR;
        }

        cond->number = n;

    } else {
        return NGX_ERROR;
    }

    cond->value = alg;

    return NGX_OK;
}


/*
 * Whether the certificate's key or depth compares with an ordering
 * condition: a key only with one of the same algorithm
 */

ngx_int_t
ngx_certauthz_cond_order(ngx_certauthz_cond_t *cond,
    ngx_certauthz_cert_t *cert, ngx_certauthz_value_t *v)
{
    u_char      *colon;
    ngx_int_t    n;
    ngx_uint_t   cmp;

    if (v->poisoned) {
        return NGX_DECLINED;
    }

    if (cond->field != NGX_CERTAUTHZ_FIELD_KEY) {
        n = ngx_atoi(v->str.data, v->str.len);

        if (n == NGX_ERROR) {
            return NGX_DECLINED;
        }

    } else {
        colon = ngx_strlchr(v->str.data, v->str.data + v->str.len, ':');

        if (colon == NULL
            || (size_t) (colon - v->str.data) != cond->value.len
            || ngx_strncmp(v->str.data, cond->value.data, cond->value.len)
               != 0)
        {
            return NGX_DECLINED;
        }

        n = cert->more->key_bits;
    }

    cmp = ((ngx_uint_t) n < cond->number) ? NGX_CERTAUTHZ_ORDER_LT
          : ((ngx_uint_t) n == cond->number) ? NGX_CERTAUTHZ_ORDER_EQ
          : NGX_CERTAUTHZ_ORDER_GT;

    return (cmp & cond->order) ? NGX_OK : NGX_DECLINED;
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
        && ngx_strchr("=!~<>", args[i + 1].data[0]) != NULL)
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

    /* "ext:OID" alone is a condition */

    if (p < end && *p == ':'
        && ngx_certauthz_field_by_name(&name) == NGX_CERTAUTHZ_FIELD_EXT)
    {
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
        if (*p == '=' || *p == '~' || *p == '<' || *p == '>') {
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
 * in a deny rule it holds.  On a field that cannot be known: NGX_ABORT.
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

    vals = ngx_certauthz_cond_values(cond, c, cert);
    if (vals == NULL) {
        return NGX_ERROR;
    }

    if (vals->unknown) {
        return NGX_ABORT;
    }

    if (vals->poisoned) {
        return deny ? NGX_OK : NGX_DECLINED;
    }

    v = vals->elts;

    if (cond->match == NGX_CERTAUTHZ_MATCH_HAS) {
        return vals->nelts ? NGX_OK : NGX_DECLINED;
    }

    if (cond->match == NGX_CERTAUTHZ_MATCH_ORDER) {
        return vals->nelts ? ngx_certauthz_cond_order(cond, cert, &v[0])
                           : NGX_DECLINED;
    }

    rc = NGX_DECLINED;

    for (i = 0; i < vals->nelts && rc == NGX_DECLINED; i++) {
        rc = ngx_certauthz_value_matches(cond, &v[i], exec, data);
    }

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    return ((rc == NGX_OK) ^ cond->negate) ? NGX_OK : NGX_DECLINED;
}


/* the values a condition looks at; NULL on an internal failure (logged) */

ngx_certauthz_values_t *
ngx_certauthz_cond_values(ngx_certauthz_cond_t *cond, ngx_connection_t *c,
    ngx_certauthz_cert_t *cert)
{
    if (cond->field == NGX_CERTAUTHZ_FIELD_EXT) {
        return ngx_certauthz_cert_ext(c, cert, &cond->oid);
    }

    /* built already, by an earlier condition on the field */

    if (cond->field < NGX_CERTAUTHZ_FIELD_EKU
        && (cert->ready & (1 << cond->field)))
    {
        return &cert->fields[cond->field];
    }

    return ngx_certauthz_cert_field(c, cert, cond->field);
}


ngx_str_t *
ngx_certauthz_reason_name(ngx_uint_t reason)
{
    return &ngx_certauthz_reasons[reason];
}
