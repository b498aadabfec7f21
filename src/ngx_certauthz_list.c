
/*
 * certauthz: list files.  A file named by several rules (of the same field
 * normalisation) is read once per configuration; its values go into a
 * hash set (ngx_certauthz_set), so a lookup costs the same for 100,000
 * entries as for one.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_certauthz_cert.h"
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
    u_char                 *buf, *p, *last, *eol;
    off_t                   size;
    ssize_t                 n;
    ngx_fd_t                fd;
    ngx_int_t               rc;
    ngx_str_t               value;
    ngx_uint_t              line;
    ngx_pool_t             *temp;
    ngx_array_t             values;
    ngx_file_info_t         fi;

    fd = ngx_open_file(list->path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " list file \"%V\" failed",
                           &list->path);
        return NGX_ERROR;
    }

    rc = NGX_ERROR;
    buf = NULL;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " list file \"%V\" failed",
                           &list->path);
        goto done;
    }

    size = ngx_file_size(&fi);

    buf = ngx_alloc(size + 1, cf->log);
    if (buf == NULL) {
        goto done;
    }

    n = ngx_read_fd(fd, buf, size);

    if (n != size) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, (n == -1) ? ngx_errno : 0,
                           ngx_read_fd_n " list file \"%V\" failed, "
                           "read %z of %O bytes", &list->path, n, size);
        goto done;
    }

    temp = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, cf->log);
    if (temp == NULL) {
        goto done;
    }

    if (ngx_array_init(&values, temp, 1024, sizeof(ngx_str_t)) != NGX_OK) {
        goto hash_done;
    }

    last = buf + size;
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

    if (buf) {
        ngx_free(buf);
    }

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, cf->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", &list->path);
    }

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
