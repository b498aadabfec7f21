
/*
 * certauthz fuzzing: the list-file parser.  The first byte of the input
 * chooses the field whose normalisation applies (names, serials,
 * fingerprints, IP addresses), the rest is the file.  A file that loads
 * must then hold every value it lists: each line is split and trimmed
 * here as the contract says, normalised, and looked up.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "fuzz_common.h"


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_list_check(fuzz_ctx_t *ctx, ngx_certauthz_list_t *list,
    const u_char *data, size_t size);


static ngx_uint_t  fuzz_list_fields[] = {
    NGX_CERTAUTHZ_FIELD_CN,
    NGX_CERTAUTHZ_FIELD_SERIAL,
    NGX_CERTAUTHZ_FIELD_FINGERPRINT,
    NGX_CERTAUTHZ_FIELD_IP
};

static u_char      fuzz_path_buf[512];
static ngx_str_t   fuzz_path;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init();

    fuzz_path.data = fuzz_path_buf;
    fuzz_path.len = ngx_snprintf(fuzz_path_buf, sizeof(fuzz_path_buf) - 1,
                                 "%Vlist%Z", &fuzz_dir)
                    - fuzz_path_buf - 1;

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ngx_str_t              name;
    ngx_uint_t             field;
    fuzz_ctx_t             ctx;
    ngx_certauthz_list_t  *list;

    if (size < 1) {
        return 0;
    }

    field = fuzz_list_fields[data[0] % 4];

    if (fuzz_write_file(&fuzz_path, data + 1, size - 1) != NGX_OK) {
        abort();
    }

    fuzz_begin(&ctx);

    /* relative to the prefix, as a configuration would name it */
    ngx_str_set(&name, "list");

    list = ngx_certauthz_list_get(&ctx.cf, &ctx.files.lists, &name, field);

    if (list != NULL) {
        if (ngx_certauthz_list_get(&ctx.cf, &ctx.files.lists, &name, field)
            != list)
        {
            abort();
        }

        fuzz_list_check(&ctx, list, data + 1, size - 1);
    }

    fuzz_end(&ctx);

    return 0;
}


static void
fuzz_list_check(fuzz_ctx_t *ctx, ngx_certauthz_list_t *list,
    const u_char *data, size_t size)
{
    u_char        *copy;
    ngx_str_t      v;
    ngx_uint_t     n;
    const char    *err;
    const u_char  *p, *eol, *last;

    last = data + size;
    n = 0;

    for (p = data; p < last; p = eol + 1) {
        eol = ngx_strlchr((u_char *) p, (u_char *) last, '\n');
        if (eol == NULL) {
            eol = last;
        }

        v.data = (u_char *) p;
        v.len = eol - p;

        if (v.len && v.data[v.len - 1] == '\r') {
            v.len--;
        }

        while (v.len
               && (v.data[v.len - 1] == ' ' || v.data[v.len - 1] == '\t'
                   || v.data[v.len - 1] == '\r'))
        {
            v.len--;
        }

        while (v.len && (v.data[0] == ' ' || v.data[0] == '\t')) {
            v.data++;
            v.len--;
        }

        if (v.len == 0 || v.data[0] == '#') {
            continue;
        }

        n++;

        copy = ngx_pnalloc(ctx->pool, v.len);
        if (copy == NULL) {
            abort();
        }

        ngx_memcpy(copy, v.data, v.len);
        v.data = copy;

        if (ngx_certauthz_field_normalise(ctx->pool, list->field, &v, &err)
            != NGX_OK)
        {
            fprintf(stderr, "fuzz_list: a value of a loaded list does not "
                    "normalise\n");
            abort();
        }

        if (!ngx_certauthz_list_has(list, &v)) {
            fprintf(stderr, "fuzz_list: \"%.*s\" is not in the list\n",
                    (int) v.len, v.data);
            abort();
        }
    }

    if (list->values.nelts > n) {
        abort();
    }
}
