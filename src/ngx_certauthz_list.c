
/*
 * certauthz: list files.  A file named by several rules (of the same field
 * normalisation) is read once per configuration; its values go into a
 * hash set (ngx_certauthz_set), so a lookup costs the same for 100,000
 * entries as for one.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_certauthz_cert.h"
#include "ngx_certauthz_file.h"
#include "ngx_certauthz_list.h"


static ngx_int_t ngx_certauthz_list_read(ngx_conf_t *cf,
    ngx_certauthz_list_t *list);
static ngx_int_t ngx_certauthz_list_add(ngx_conf_t *cf,
    ngx_certauthz_list_t *list, ngx_array_t *values, ngx_str_t *value,
    ngx_uint_t line);
static ngx_int_t ngx_certauthz_list_hash(ngx_conf_t *cf,
    ngx_certauthz_list_t *list, ngx_array_t *values);



/* fields whose values are normalised the same way share a loaded list */

static ngx_uint_t
ngx_certauthz_list_kind(ngx_uint_t field)
{
    switch (field) {
    case NGX_CERTAUTHZ_FIELD_SERIAL:
    case NGX_CERTAUTHZ_FIELD_FINGERPRINT:
    case NGX_CERTAUTHZ_FIELD_IP:
        return field;
    default:
        return NGX_CERTAUTHZ_FIELD_CN;
    }
}


ngx_certauthz_list_t *
ngx_certauthz_list_get(ngx_conf_t *cf, ngx_array_t *loaded, ngx_str_t *path,
    ngx_uint_t field)
{
    ngx_str_t               full;
    ngx_uint_t              i, kind;
    ngx_certauthz_list_t  **lists, *list;

    full = *path;

    if (ngx_conf_full_name(cf->cycle, &full, 1) != NGX_OK) {
        return NULL;
    }

    kind = ngx_certauthz_list_kind(field);
    lists = loaded->elts;

    for (i = 0; i < loaded->nelts; i++) {
        if (lists[i]->field == kind
            && lists[i]->path.len == full.len
            && ngx_strncmp(lists[i]->path.data, full.data, full.len) == 0)
        {
            return lists[i];
        }
    }

    list = ngx_pcalloc(cf->pool, sizeof(ngx_certauthz_list_t));
    if (list == NULL) {
        return NULL;
    }

    list->path = full;
    list->field = kind;

    if (ngx_certauthz_list_read(cf, list) != NGX_OK) {
        return NULL;
    }

    lists = ngx_array_push(loaded);
    if (lists == NULL) {
        return NULL;
    }

    *lists = list;

    return list;
}


ngx_uint_t
ngx_certauthz_list_has(ngx_certauthz_list_t *list, ngx_str_t *value)
{
    return ngx_certauthz_set_has(&list->values, value->data, value->len);
}


/*
 * One value a line; surrounding white space and a trailing CR are trimmed;
 * blank lines and lines whose first non-blank character is "#" are
 * comments; a "#" anywhere else is part of the value.
 */

static ngx_int_t
ngx_certauthz_list_read(ngx_conf_t *cf, ngx_certauthz_list_t *list)
{
    u_char                    *buf, *p, *last, *eol;
    ngx_int_t                  rc;
    ngx_str_t                  value, file;
    ngx_uint_t                 line;
    ngx_pool_t                *temp;
    ngx_array_t                values;
    ngx_certauthz_file_err_t   fe;

    if (ngx_certauthz_file_read(&list->path, cf->log, &file, &fe) != NGX_OK) {
        if (fe.call) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, fe.err,
                               "%s list file \"%V\" failed",
                               fe.call, &list->path);
        }

        return NGX_ERROR;
    }

    rc = NGX_ERROR;
    buf = file.data;

    temp = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, cf->log);
    if (temp == NULL) {
        goto done;
    }

    if (ngx_array_init(&values, temp, 1024, sizeof(ngx_str_t)) != NGX_OK) {
        goto hash_done;
    }

    last = buf + file.len;
    line = 0;

    for (p = buf; p < last; p = eol + 1) {
        line++;

        eol = ngx_strlchr(p, last, '\n');
        if (eol == NULL) {
            eol = last;
        }

        value.data = p;
        value.len = eol - p;

        while (value.len && (value.data[value.len - 1] == '\r'
                             || value.data[value.len - 1] == ' '
                             || value.data[value.len - 1] == '\t'))
        {
            value.len--;
        }

        while (value.len && (value.data[0] == ' ' || value.data[0] == '\t'))
        {
            value.data++;
            value.len--;
        }

        if (value.len == 0 || value.data[0] == '#') {
            continue;
        }

        if (ngx_certauthz_list_add(cf, list, &values, &value, line)
            != NGX_OK)
        {
            goto hash_done;
        }
    }

    rc = ngx_certauthz_list_hash(cf, list, &values);

hash_done:

    ngx_destroy_pool(temp);

done:

    ngx_free(buf);

    return rc;
}


static ngx_int_t
ngx_certauthz_list_add(ngx_conf_t *cf, ngx_certauthz_list_t *list,
    ngx_array_t *values, ngx_str_t *value, ngx_uint_t line)
{
    ngx_int_t    rc;
    ngx_str_t   *key;
    const char  *err;

    key = ngx_array_push(values);
    if (key == NULL) {
        return NGX_ERROR;
    }

    *key = *value;

    rc = ngx_certauthz_field_normalise(values->pool, list->field, key, &err);

    if (rc == NGX_DECLINED) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s \"%V\" in list file \"%V\" line %ui%s",
                           err, value, &list->path, line,
                           ngx_certauthz_field_hint(list->field));
        return NGX_ERROR;
    }

    if (rc == NGX_OK && key->len > NGX_CERTAUTHZ_SET_MAX_VALUE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "value too long in list file \"%V\" line %ui",
                           &list->path, line);
        return NGX_ERROR;
    }

    return rc;
}


static ngx_int_t
ngx_certauthz_list_hash(ngx_conf_t *cf, ngx_certauthz_list_t *list,
    ngx_array_t *values)
{
    ngx_int_t  rc;

    rc = ngx_certauthz_set_build(&list->values, values, cf->pool);

    if (rc == NGX_DECLINED) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "list file \"%V\" is too large", &list->path);
        return NGX_ERROR;
    }

    return rc;
}
