
/*
 * certauthz: field names, the syntax and normal form of values in rules
 * and list files, and the escaping of values for headers.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <arpa/inet.h>

#include "ngx_certauthz_field.h"


static ngx_int_t ngx_certauthz_field_serial(ngx_pool_t *pool, ngx_str_t *v);
static ngx_int_t ngx_certauthz_field_ip(ngx_pool_t *pool, ngx_str_t *v);
static ngx_int_t ngx_certauthz_field_object(ngx_pool_t *pool,
    ngx_uint_t field, ngx_str_t *v);
static ngx_int_t ngx_certauthz_field_key_usage(ngx_str_t *v);
static ngx_int_t ngx_certauthz_field_lifetime(ngx_pool_t *pool,
    ngx_str_t *v);
static ngx_int_t ngx_certauthz_hex_normalise(ngx_str_t *value,
    ngx_uint_t upper);


static ngx_str_t  ngx_certauthz_field_names[] = {
    ngx_string("cn"),
    ngx_string("subject"),
    ngx_string("issuer"),
    ngx_string("o"),
    ngx_string("ou"),
    ngx_string("email"),
    ngx_string("dns"),
    ngx_string("uri"),
    ngx_string("ip"),
    ngx_string("serial"),
    ngx_string("fingerprint"),
    ngx_string("eku"),
    ngx_string("key_usage"),
    ngx_string("policy"),
    ngx_string("key"),
    ngx_string("sig"),
    ngx_string("ca"),
    ngx_string("ca_fingerprint"),
    ngx_string("depth"),
    ngx_string("lifetime"),
    ngx_string("ext")
};


/* the keyUsage bits, in bit order, as the certificate's field names them */
static ngx_str_t  ngx_certauthz_key_usage_names[] = {
    ngx_string("digitalSignature"),
    ngx_string("nonRepudiation"),
    ngx_string("keyEncipherment"),
    ngx_string("dataEncipherment"),
    ngx_string("keyAgreement"),
    ngx_string("keyCertSign"),
    ngx_string("cRLSign"),
    ngx_string("encipherOnly"),
    ngx_string("decipherOnly"),
    ngx_null_string
};


ngx_uint_t
ngx_certauthz_field_ctl(u_char c)
{
    return c < 0x20 || c == 0x7f;
}


/*
 * written %XX: control bytes; "," and "%" inside a value of a multi-valued
 * field (so that "a,b" as one value and "a%2Cb" as one value read
 * differently once joined); and the bytes above ASCII of a poisoned value,
 * which need not be UTF-8
 */

ngx_uint_t
ngx_certauthz_field_escaped(u_char c, ngx_uint_t multi, ngx_uint_t poisoned)
{
    return ngx_certauthz_field_ctl(c) || (multi && (c == ',' || c == '%'))
           || (poisoned && c >= 0x80);
}


/*
 * The text of a field for variables: values joined by ",", with the
 * bytes above written "%XX", so that no certificate can split a header
 * that carries the variable.
 */

ngx_int_t
ngx_certauthz_field_join(ngx_pool_t *pool, ngx_certauthz_values_t *vals,
    ngx_uint_t multi, ngx_str_t *out)
{
    u_char                 *p, *q;
    size_t                  len;
    ngx_uint_t              i;
    ngx_certauthz_value_t  *v;

    v = vals->elts;
    len = vals->nelts - 1;

    for (i = 0; i < vals->nelts; i++) {
        for (p = v[i].str.data; p < v[i].str.data + v[i].str.len; p++) {
            len += ngx_certauthz_field_escaped(*p, multi, v[i].poisoned)
                   ? 3 : 1;
        }
    }

    p = ngx_pnalloc(pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    out->data = p;

    for (i = 0; i < vals->nelts; i++) {
        if (i) {
            *p++ = ',';
        }

        for (q = v[i].str.data; q < v[i].str.data + v[i].str.len; q++) {
            if (ngx_certauthz_field_escaped(*q, multi, v[i].poisoned)) {
                p = ngx_sprintf(p, "%%%02XD", *q);

            } else {
                *p++ = *q;
            }
        }
    }

    out->len = p - out->data;

    return NGX_OK;
}


ngx_int_t
ngx_certauthz_field_by_name(ngx_str_t *name)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_CERTAUTHZ_NFIELDS; i++) {
        if (name->len == ngx_certauthz_field_names[i].len
            && ngx_strncmp(name->data, ngx_certauthz_field_names[i].data,
                           name->len)
               == 0)
        {
            return i;
        }
    }

    return NGX_ERROR;
}


/* the names of the keyUsage bits in bit order, ending with an empty one */

ngx_str_t *
ngx_certauthz_field_key_usages(void)
{
    return ngx_certauthz_key_usage_names;
}


ngx_str_t *
ngx_certauthz_field_name(ngx_uint_t field)
{
    return &ngx_certauthz_field_names[field];
}


ngx_uint_t
ngx_certauthz_field_multi(ngx_uint_t field)
{
    switch (field) {
    case NGX_CERTAUTHZ_FIELD_O:
    case NGX_CERTAUTHZ_FIELD_OU:
    case NGX_CERTAUTHZ_FIELD_EMAIL:
    case NGX_CERTAUTHZ_FIELD_DNS:
    case NGX_CERTAUTHZ_FIELD_URI:
    case NGX_CERTAUTHZ_FIELD_IP:
    case NGX_CERTAUTHZ_FIELD_EKU:
    case NGX_CERTAUTHZ_FIELD_KEY_USAGE:
    case NGX_CERTAUTHZ_FIELD_POLICY:
    case NGX_CERTAUTHZ_FIELD_CA:
    case NGX_CERTAUTHZ_FIELD_CA_FINGERPRINT:
        return 1;
    default:
        return 0;
    }
}


/*
 * A value written in a rule or a list file, brought into the form the
 * certificate field has: serials as uppercase hex without colons or
 * leading zeros, fingerprints as 64 lowercase hex digits, IP addresses as
 * inet_ntop() writes them, extended key usages, signature algorithms and
 * policies as the certificate's field writes them, a depth as a number,
 * a lifetime in seconds; key usages must be one of the names; other
 * fields are compared byte for byte.
 * NGX_DECLINED with *err set when the value cannot be one of the field.
 */

ngx_int_t
ngx_certauthz_field_normalise(ngx_pool_t *pool, ngx_uint_t field,
    ngx_str_t *v, const char **err)
{
    switch (field) {

    case NGX_CERTAUTHZ_FIELD_SERIAL:
        *err = "invalid serial";
        return ngx_certauthz_field_serial(pool, v);

    case NGX_CERTAUTHZ_FIELD_FINGERPRINT:
    case NGX_CERTAUTHZ_FIELD_CA_FINGERPRINT:

        v->data = ngx_pstrdup(pool, v);
        if (v->data == NULL) {
            return NGX_ERROR;
        }

        if (ngx_certauthz_hex_normalise(v, 0) != NGX_OK || v->len != 64) {
            *err = "invalid fingerprint";
            return NGX_DECLINED;
        }

        return NGX_OK;

    case NGX_CERTAUTHZ_FIELD_IP:
        *err = "invalid IP address";
        return ngx_certauthz_field_ip(pool, v);

    case NGX_CERTAUTHZ_FIELD_EKU:
        *err = "unknown extended key usage";
        return ngx_certauthz_field_object(pool, field, v);

    case NGX_CERTAUTHZ_FIELD_POLICY:
        *err = "unknown policy";
        return ngx_certauthz_field_object(pool, field, v);

    case NGX_CERTAUTHZ_FIELD_SIG:
        *err = "unknown signature algorithm";
        return ngx_certauthz_field_object(pool, field, v);

    case NGX_CERTAUTHZ_FIELD_KEY_USAGE:
        *err = "unknown key usage";
        return ngx_certauthz_field_key_usage(v);

    case NGX_CERTAUTHZ_FIELD_LIFETIME:
        *err = "invalid lifetime";
        return ngx_certauthz_field_lifetime(pool, v);

    case NGX_CERTAUTHZ_FIELD_DEPTH:
        *err = "invalid depth";

        if (ngx_atoi(v->data, v->len) == NGX_ERROR || v->len > 3) {
            return NGX_DECLINED;
        }

        /* "03" is 3 */
        while (v->len > 1 && v->data[0] == '0') {
            v->data++;
            v->len--;
        }

        return NGX_OK;

    default:
        return NGX_OK;
    }
}


/*
 * uppercase hex without colons or leading zeros; a negative serial (not
 * valid, but seen) is "-" and its magnitude
 */

static ngx_int_t
ngx_certauthz_field_serial(ngx_pool_t *pool, ngx_str_t *v)
{
    u_char      *p;
    ngx_str_t    mag;
    ngx_uint_t   neg;

    neg = (v->len > 1 && v->data[0] == '-');

    /* one byte in front of the magnitude, for the "-" */

    p = ngx_pnalloc(pool, v->len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    mag.len = v->len - neg;
    mag.data = p + 1;

    ngx_memcpy(mag.data, v->data + neg, mag.len);

    if (ngx_certauthz_hex_normalise(&mag, 1) != NGX_OK) {
        return NGX_DECLINED;
    }

    /* no leading zeros, but "0" stays */
    for (p = mag.data; mag.len > 1 && *p == '0'; p++) {
        mag.len--;
    }

    if (neg && mag.len == 1 && *p == '0') {
        neg = 0;     /* "-0" is 0, as the certificate's is */
    }

    if (neg) {
        *--p = '-';
        mag.len++;
    }

    v->data = p;
    v->len = mag.len;

    return NGX_OK;
}


/*
 * An extended key usage as the certificate's field writes it: OpenSSL's
 * short name where it has one, else the dotted OID; a signature algorithm
 * by its long name, else dotted; a policy dotted.  Written as a dotted
 * OID, or by OpenSSL's short or long name.
 */

static ngx_int_t
ngx_certauthz_field_object(ngx_pool_t *pool, ngx_uint_t field, ngx_str_t *v)
{
    int           nid, len;
    char          buf[256];
    const char   *sn;
    ASN1_OBJECT  *obj;

    if (v->len == 0 || v->len >= sizeof(buf)) {
        return NGX_DECLINED;
    }

    ngx_memcpy(buf, v->data, v->len);
    buf[v->len] = '\0';

    obj = OBJ_txt2obj(buf, 0);

    if (obj == NULL) {
        ERR_clear_error();
        return NGX_DECLINED;
    }

    nid = OBJ_obj2nid(obj);
    sn = NULL;

    if (nid != NID_undef) {
        if (field == NGX_CERTAUTHZ_FIELD_EKU) {
            sn = OBJ_nid2sn(nid);

        } else if (field == NGX_CERTAUTHZ_FIELD_SIG) {
            sn = OBJ_nid2ln(nid);

            if (sn == NULL) {
                sn = OBJ_nid2sn(nid);
            }
        }
    }

    if (sn != NULL) {
        len = ngx_strlen(sn);
        ngx_memcpy(buf, sn, len);

    } else {
        len = OBJ_obj2txt(buf, sizeof(buf), obj, 1);
    }

    ASN1_OBJECT_free(obj);

    if (len <= 0 || (size_t) len >= sizeof(buf)) {
        ERR_clear_error();
        return NGX_DECLINED;
    }

    v->data = ngx_pnalloc(pool, len);
    if (v->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(v->data, buf, len);
    v->len = len;

    return NGX_OK;
}


/*
 * The OID of "ext:OID", dotted as OpenSSL writes it (no leading zeros):
 * NGX_DECLINED where it is not a dotted OID
 */

ngx_int_t
ngx_certauthz_field_oid(ngx_pool_t *pool, ngx_str_t *oid)
{
    u_char  *p;

    if (oid->len == 0) {
        return NGX_DECLINED;
    }

    /* digits, one "." between each two arcs */

    if (oid->data[0] == '.' || oid->data[oid->len - 1] == '.') {
        return NGX_DECLINED;
    }

    for (p = oid->data; p < oid->data + oid->len; p++) {
        if ((*p < '0' || *p > '9')
            && (*p != '.' || p[1] == '.'))
        {
            return NGX_DECLINED;
        }
    }

    return ngx_certauthz_field_object(pool, NGX_CERTAUTHZ_FIELD_POLICY, oid);
}


static ngx_int_t
ngx_certauthz_field_key_usage(ngx_str_t *v)
{
    ngx_str_t  *ku;

    for (ku = ngx_certauthz_key_usage_names; ku->len; ku++) {
        if (v->len == ku->len && ngx_strncmp(v->data, ku->data, v->len) == 0)
        {
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


/* a lifetime in nginx's time units ("90d", "24h", "3600"), as seconds */

static ngx_int_t
ngx_certauthz_field_lifetime(ngx_pool_t *pool, ngx_str_t *v)
{
    u_char     *p;
    ngx_int_t   sec;

    sec = ngx_parse_time(v, 1);

    if (sec == NGX_ERROR) {
        return NGX_DECLINED;
    }

    p = ngx_pnalloc(pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;
    v->len = ngx_sprintf(p, "%i", sec) - p;

    return NGX_OK;
}


/* an IP address as inet_ntop() writes it */

static ngx_int_t
ngx_certauthz_field_ip(ngx_pool_t *pool, ngx_str_t *v)
{
    int     af;
    u_char  addr[16];
    char    text[INET6_ADDRSTRLEN];

    if (v->len == 0 || v->len >= INET6_ADDRSTRLEN) {
        return NGX_DECLINED;
    }

    ngx_memcpy(text, v->data, v->len);
    text[v->len] = '\0';

    af = ngx_strlchr(v->data, v->data + v->len, ':') ? AF_INET6 : AF_INET;

    if (inet_pton(af, text, addr) != 1
        || inet_ntop(af, addr, text, sizeof(text)) == NULL)
    {
        return NGX_DECLINED;
    }

    v->len = ngx_strlen(text);
    v->data = ngx_pnalloc(pool, v->len);
    if (v->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(v->data, text, v->len);

    return NGX_OK;
}


/* what to add to the message of ngx_certauthz_field_normalise() */

const char *
ngx_certauthz_field_hint(ngx_uint_t field)
{
    switch (field) {
    case NGX_CERTAUTHZ_FIELD_SERIAL:
        return ", expected hex digits, optionally with colons";
    case NGX_CERTAUTHZ_FIELD_FINGERPRINT:
    case NGX_CERTAUTHZ_FIELD_CA_FINGERPRINT:
        return ", expected the SHA-256 digest as 64 hex digits, "
               "optionally with colons";
    case NGX_CERTAUTHZ_FIELD_EKU:
        return ", expected OpenSSL's name (clientAuth, ...) or a dotted OID";
    case NGX_CERTAUTHZ_FIELD_POLICY:
        return ", expected a dotted OID";
    case NGX_CERTAUTHZ_FIELD_SIG:
        return ", expected OpenSSL's name (sha256WithRSAEncryption, "
               "ecdsa-with-SHA256, ...) or a dotted OID";
    case NGX_CERTAUTHZ_FIELD_KEY_USAGE:
        return ", expected digitalSignature, nonRepudiation, "
               "keyEncipherment, dataEncipherment, keyAgreement, "
               "keyCertSign, cRLSign, encipherOnly or decipherOnly";
    case NGX_CERTAUTHZ_FIELD_DEPTH:
        return ", expected a number";
    case NGX_CERTAUTHZ_FIELD_LIFETIME:
        return ", expected a time, e.g. \"24h\" or \"90d\"";
    default:
        return "";
    }
}


/* drops colons and folds case in place; NGX_ERROR on a non-hex digit */

static ngx_int_t
ngx_certauthz_hex_normalise(ngx_str_t *value, ngx_uint_t upper)
{
    u_char  *s, *d, c;

    d = value->data;

    for (s = value->data; s < value->data + value->len; s++) {
        c = *s;

        if (c == ':') {
            continue;
        }

        if (c >= '0' && c <= '9') {
            *d++ = c;
            continue;
        }

        c |= 0x20;

        if (c < 'a' || c > 'f') {
            return NGX_ERROR;
        }

        *d++ = upper ? ngx_toupper(c) : c;
    }

    value->len = d - value->data;

    return value->len ? NGX_OK : NGX_ERROR;
}
