/*
 * certauthz test fault injection, preloaded into the test nginx
 * (Certauthz::Test::fault()).
 *
 *     CERTAUTHZ_FAULT="ASN1_STRING_to_UTF8:1 EVP_PKEY_CTX_new:2"
 *
 * fails the first call of ASN1_STRING_to_UTF8() and the second call of
 * EVP_PKEY_CTX_new() made from a certauthz module, the way these calls
 * fail when memory runs out: NULL or -1, with ERR_R_MALLOC_FAILURE in
 * OpenSSL's error queue.  "malloc:N" fails the Nth OpenSSL allocation
 * made during any call of these functions from the module, and every
 * later one until that call returns (memory that ran out stays out; a
 * single failure is often absorbed by a fallback inside OpenSSL).  Calls made
 * from anywhere else (nginx, OpenSSL itself) pass through and are not
 * counted.  The specification is read once, when nginx starts: its
 * workers are forked and keep it (nginx clears their environment).
 */

#define _GNU_SOURCE

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>


enum {
    FAULT_UTF8 = 0,
    FAULT_PKEY_CTX,
    FAULT_MALLOC,
    FAULT_N
};


static const char  *fault_names[FAULT_N] = {
    "ASN1_STRING_to_UTF8",
    "EVP_PKEY_CTX_new",
    "malloc"
};

static long  fault_at[FAULT_N];
static long  fault_calls[FAULT_N];
static int   fault_inside;
static int   fault_oom;


static void *fault_malloc(size_t n, const char *file, int line);


__attribute__((constructor))
static void
fault_init(void)
{
    int          i;
    long         n;
    char        *tok, *colon, *save;
    const char  *env;
    static char  spec[256];

    /* no heap here: this runs before the sanitizers' runtime is ready */

    env = getenv("CERTAUTHZ_FAULT");
    if (env == NULL || *env == '\0') {
        return;
    }

    if (strlen(env) >= sizeof(spec)) {
        fprintf(stderr, "certauthz fault: specification too long\n");
        abort();
    }

    strcpy(spec, env);

    for (tok = strtok_r(spec, " ,", &save); tok;
         tok = strtok_r(NULL, " ,", &save))
    {
        colon = strchr(tok, ':');
        n = colon ? atol(colon + 1) : 0;

        if (colon == NULL || n <= 0) {
            fprintf(stderr, "certauthz fault: bad \"%s\"\n", tok);
            abort();
        }

        *colon = '\0';

        for (i = 0; i < FAULT_N; i++) {
            if (strcmp(tok, fault_names[i]) == 0) {
                fault_at[i] = n;
                break;
            }
        }

        if (i == FAULT_N) {
            fprintf(stderr, "certauthz fault: unknown \"%s\"\n", tok);
            abort();
        }
    }

    if (fault_at[FAULT_MALLOC]
        && !CRYPTO_set_mem_functions(fault_malloc, NULL, NULL))
    {
        fprintf(stderr, "certauthz fault: CRYPTO_set_mem_functions()\n");
        abort();
    }
}


/* the caller is code of a certauthz module */

static int
fault_from_module(void *caller)
{
    Dl_info  info;

    return dladdr(caller, &info) && info.dli_fname
           && strstr(info.dli_fname, "certauthz_module") != NULL;
}


static int
fault_now(int f)
{
    return fault_at[f] && ++fault_calls[f] == fault_at[f];
}


static void *
fault_malloc(size_t n, const char *file, int line)
{
    (void) file;
    (void) line;

    if (fault_inside && (fault_oom || fault_now(FAULT_MALLOC))) {
        /* no ERR_raise() here: it may allocate; the caller reports it */
        fault_oom = 1;
        return NULL;
    }

    return malloc(n);
}


int
ASN1_STRING_to_UTF8(unsigned char **out, const ASN1_STRING *in)
{
    int         rc;
    static int  (*real)(unsigned char **, const ASN1_STRING *);

    if (real == NULL) {
        real = (int (*)(unsigned char **, const ASN1_STRING *))
                   dlsym(RTLD_NEXT, "ASN1_STRING_to_UTF8");
    }

    if (!fault_from_module(__builtin_return_address(0))) {
        return real(out, in);
    }

    if (fault_now(FAULT_UTF8)) {
        ERR_raise(ERR_LIB_ASN1, ERR_R_MALLOC_FAILURE);
        return -1;
    }

    fault_inside++;
    rc = real(out, in);
    fault_inside--;
    fault_oom = 0;

    return rc;
}


EVP_PKEY_CTX *
EVP_PKEY_CTX_new(EVP_PKEY *pkey, ENGINE *e)
{
    EVP_PKEY_CTX         *ctx;
    static EVP_PKEY_CTX  *(*real)(EVP_PKEY *, ENGINE *);

    if (real == NULL) {
        real = (EVP_PKEY_CTX *(*)(EVP_PKEY *, ENGINE *))
                   dlsym(RTLD_NEXT, "EVP_PKEY_CTX_new");
    }

    if (!fault_from_module(__builtin_return_address(0))) {
        return real(pkey, e);
    }

    if (fault_now(FAULT_PKEY_CTX)) {
        ERR_raise(ERR_LIB_EVP, ERR_R_MALLOC_FAILURE);
        return NULL;
    }

    fault_inside++;
    ctx = real(pkey, e);
    fault_inside--;
    fault_oom = 0;

    return ctx;
}
