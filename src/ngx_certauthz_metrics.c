
/*
 * certauthz: host-wide counters and their Prometheus text exposition.
 * Every policy that decides (on, audit) has a counter per reason, every
 * rule one of the decisions it made, every CRL file its loads.  They are
 * in one shared mapping that the master makes once the configuration is
 * read (init_module: every policy and rule is known then, so there is no
 * zone for the user to size), new with each configuration: counters start
 * at zero at each start and reload, and the old workers of a reload never
 * write into the new layout.  Workers add to them atomically, each
 * policy's and each rule's on a cache line of their own (as nginx's
 * stub_status counters are), so that a worker that dies leaves them whole.
 * Series of the same labels (a rules file included in two locations, a
 * limit_except within its location) share one counter.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_certauthz_metrics.h"
#include "ngx_certauthz_text.h"


/* a policy's 14 counters (10 reasons, 4 of them again for closes) fit */
#define NGX_CERTAUTHZ_METRICS_LINE     128
#define NGX_CERTAUTHZ_METRICS_REASONS  NGX_CERTAUTHZ_COUNT_CLOSED

#define NGX_CERTAUTHZ_METRICS_POLICY   0
#define NGX_CERTAUTHZ_METRICS_RULE     1


/* a counter pointer of a policy or rule, and the line it gets */
typedef struct {
    ngx_atomic_t            **at;
    ngx_uint_t                kind;
    ngx_uint_t                index;
} ngx_certauthz_metrics_bind_t;


/* the exposition being written: text lines, or JSON samples */
typedef struct {
    ngx_certauthz_text_t      text;
    ngx_uint_t                json;
    ngx_uint_t                samples;
} ngx_certauthz_metrics_out_t;


static ngx_int_t ngx_certauthz_metrics_copy(ngx_pool_t *pool, ngx_str_t *dst,
    ngx_str_t *src);
static ngx_int_t ngx_certauthz_metrics_bind(ngx_array_t *binds,
    ngx_atomic_t **at, ngx_uint_t kind, ngx_uint_t index);
static void ngx_certauthz_metrics_free(void *data);
static ngx_int_t ngx_certauthz_metrics_line(ngx_certauthz_metrics_out_t *out,
    const char *name, ngx_str_t *labels, ngx_uint_t n, ngx_str_t *values,
    off_t value);
static ngx_int_t ngx_certauthz_metrics_json(ngx_certauthz_metrics_out_t *out,
    const char *name, ngx_str_t *labels, ngx_uint_t n, ngx_str_t *values,
    off_t value);
static u_char *ngx_certauthz_metrics_json_str(u_char *p, ngx_str_t *s);
static ngx_int_t ngx_certauthz_metrics_head(ngx_certauthz_metrics_out_t *out,
    const char *name, const char *type, const char *help);
static ngx_int_t ngx_certauthz_metrics_decisions(
    ngx_certauthz_metrics_out_t *out, ngx_certauthz_files_t *files);
static ngx_int_t ngx_certauthz_metrics_crls(ngx_certauthz_metrics_out_t *out,
    ngx_certauthz_files_t *files);
static ngx_int_t ngx_certauthz_metrics_fetches(
    ngx_certauthz_metrics_out_t *out, ngx_certauthz_files_t *files);
static ngx_int_t ngx_certauthz_metrics_fetch(ngx_certauthz_metrics_out_t *out,
    ngx_certauthz_files_t *files, const char *name, const char *type,
    const char *help, const char *label, ngx_str_t *names, ngx_uint_t n,
    size_t offset);
static ngx_int_t ngx_certauthz_metrics_next_update(
    ngx_certauthz_metrics_out_t *out, ngx_certauthz_crl_file_t *file,
    ngx_str_t *labels);


/*
 * At configuration, for each policy of a face once it is merged: counted
 * if it decides, under its server and location (copied), with its rules
 */

ngx_int_t
ngx_certauthz_metrics_policy(ngx_conf_t *cf, ngx_certauthz_policy_t *policy,
    ngx_str_t *server, ngx_str_t *location)
{
    ngx_uint_t                       i, j;
    ngx_str_t                       *where;
    ngx_certauthz_rule_t            *rule;
    ngx_certauthz_files_t           *files;
    ngx_certauthz_metrics_policy_t  *mp;

    if (policy->mode == NGX_CERTAUTHZ_OFF || policy->counted) {
        return NGX_OK;
    }

    policy->counted = 1;

    files = ngx_certauthz_files(cf);
    if (files == NULL) {
        return NGX_ERROR;
    }

    if (files->binds == NULL) {
        files->binds = ngx_array_create(cf->pool, 16,
                                        sizeof(ngx_certauthz_metrics_bind_t));
        if (files->binds == NULL) {
            return NGX_ERROR;
        }
    }

    mp = files->policies.elts;

    for (i = 0; i < files->policies.nelts; i++) {
        if (mp[i].policy->mode == policy->mode
            && mp[i].server.len == server->len
            && mp[i].location.len == location->len
            && ngx_strncmp(mp[i].server.data, server->data, server->len) == 0
            && ngx_strncmp(mp[i].location.data, location->data,
                           location->len) == 0)
        {
            break;
        }
    }

    if (i == files->policies.nelts) {
        mp = ngx_array_push(&files->policies);
        if (mp == NULL) {
            return NGX_ERROR;
        }

        mp->policy = policy;

        if (ngx_certauthz_metrics_copy(cf->pool, &mp->server, server)
            != NGX_OK
            || ngx_certauthz_metrics_copy(cf->pool, &mp->location, location)
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    /* the label names the policy in the log of a connection it closes */
    mp = files->policies.elts;
    policy->location = mp[i].location;

    if (ngx_certauthz_metrics_bind(files->binds,
                                   &policy->counters,
                                   NGX_CERTAUTHZ_METRICS_POLICY, i)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (policy->rules == NULL) {
        return NGX_OK;
    }

    rule = policy->rules->elts;

    for (i = 0; i < policy->rules->nelts; i++) {

        if (rule[i].counted) {
            continue;
        }

        rule[i].counted = 1;

        where = files->rules.elts;

        for (j = 0; j < files->rules.nelts; j++) {
            if (where[j].len == rule[i].where.len
                && ngx_strncmp(where[j].data, rule[i].where.data,
                               where[j].len) == 0)
            {
                break;
            }
        }

        if (j == files->rules.nelts) {
            where = ngx_array_push(&files->rules);
            if (where == NULL) {
                return NGX_ERROR;
            }

            *where = rule[i].where;
        }

        if (ngx_certauthz_metrics_bind(files->binds,
                                       &rule[i].hits,
                                       NGX_CERTAUTHZ_METRICS_RULE, j)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* a label value of the configuration's, kept (an empty one too) */

static ngx_int_t
ngx_certauthz_metrics_copy(ngx_pool_t *pool, ngx_str_t *dst, ngx_str_t *src)
{
    dst->len = src->len;
    dst->data = ngx_pnalloc(pool, src->len + 1);

    if (dst->data == NULL) {
        return NGX_ERROR;
    }

    if (src->len) {
        ngx_memcpy(dst->data, src->data, src->len);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_certauthz_metrics_bind(ngx_array_t *binds, ngx_atomic_t **at,
    ngx_uint_t kind, ngx_uint_t index)
{
    ngx_certauthz_metrics_bind_t  *b;

    b = ngx_array_push(binds);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->at = at;
    b->kind = kind;
    b->index = index;

    return NGX_OK;
}


/*
 * In the master, once the configuration is read (each face's
 * init_module: the first makes them): the counters, zero, and where each
 * policy, rule and CRL file finds its own
 */

ngx_int_t
ngx_certauthz_metrics_init(ngx_cycle_t *cycle)
{
    u_char                         *base;
    size_t                          line;
    ngx_uint_t                      i, npolicies, nrules, ncrls;
    ngx_pool_cleanup_t             *cln;
    ngx_certauthz_files_t          *files;
    ngx_certauthz_crl_file_t      **crl;
    ngx_certauthz_metrics_bind_t   *b;

    files = ngx_certauthz_files_of(cycle);

    if (files == NULL || files->counters.addr != NULL) {
        return NGX_OK;
    }

    npolicies = files->policies.nelts;
    nrules = files->rules.nelts;
    ncrls = files->crls.nelts;

    if (npolicies + nrules + ncrls == 0) {
        return NGX_OK;
    }

    line = NGX_CERTAUTHZ_METRICS_LINE;

    files->counters.size = (npolicies + nrules + ncrls) * line;
    ngx_str_set(&files->counters.name, "certauthz counters");
    files->counters.log = cycle->log;
    files->counters.exists = 0;

    cln = ngx_pool_cleanup_add(cycle->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    if (ngx_shm_alloc(&files->counters) != NGX_OK) {
        return NGX_ERROR;
    }

    cln->handler = ngx_certauthz_metrics_free;
    cln->data = &files->counters;

    base = files->counters.addr;

    if (files->binds != NULL) {
        b = files->binds->elts;

        for (i = 0; i < files->binds->nelts; i++) {
            *b[i].at = (ngx_atomic_t *)
                (base + line * ((b[i].kind == NGX_CERTAUTHZ_METRICS_POLICY)
                                ? b[i].index : npolicies + b[i].index));
        }
    }

    /* the load with the configuration counts as one (none for a URL
     * whose cached copy was missing or bad: nothing was loaded) */

    crl = files->crls.elts;

    for (i = 0; i < ncrls; i++) {
        crl[i]->loads = (ngx_atomic_t *) (base + line * (npolicies + nrules
                                                         + i));
        crl[i]->loads[0] = (crl[i]->loaded != 0);
        crl[i]->loads[2] = crl[i]->loaded;
    }

    return NGX_OK;
}


static void
ngx_certauthz_metrics_free(void *data)
{
    ngx_shm_t  *shm = data;

    ngx_shm_free(shm);
    shm->addr = NULL;
}


/*
 * The exposition of the counters and the files, Prometheus text format
 * 0.0.4, or (json) the same samples as a JSON array of
 * {"name":..,"labels":{..},"value":N}; *size its length.  NULL: out of
 * memory.
 */

ngx_chain_t *
ngx_certauthz_metrics_text(ngx_pool_t *pool, ngx_uint_t json, off_t *size)
{
    ngx_uint_t                    i;
    ngx_str_t                     label, value;
    ngx_certauthz_list_t        **list;
    ngx_certauthz_files_t        *files;
    ngx_certauthz_metrics_out_t   out;

    ngx_certauthz_text_init(&out.text, pool);
    out.json = json;
    out.samples = 0;

    if (json && ngx_certauthz_text_printf(&out.text, 1, "[") != NGX_OK) {
        return NULL;
    }

    files = ngx_certauthz_files_of((ngx_cycle_t *) ngx_cycle);

    if (files != NULL && files->counters.addr != NULL) {

        if (ngx_certauthz_metrics_decisions(&out, files) != NGX_OK
            || ngx_certauthz_metrics_crls(&out, files) != NGX_OK)
        {
            return NULL;
        }

        if (files->lists.nelts
            && ngx_certauthz_metrics_head(&out, "certauthz_list_entries",
                   "gauge", "Values in each list file (=@, !=@).")
               != NGX_OK)
        {
            return NULL;
        }

        list = files->lists.elts;
        ngx_str_set(&label, "file");

        for (i = 0; i < files->lists.nelts; i++) {
            value = list[i]->path;

            if (ngx_certauthz_metrics_line(&out, "certauthz_list_entries",
                                           &label, 1, &value,
                                           list[i]->values.nelts)
                != NGX_OK)
            {
                return NULL;
            }
        }
    }

    if (json && ngx_certauthz_text_printf(&out.text, 3, "\n]\n") != NGX_OK) {
        return NULL;
    }

    /* an empty exposition is a valid one */

    return ngx_certauthz_text_done(&out.text, size);
}


static ngx_int_t
ngx_certauthz_metrics_decisions(ngx_certauthz_metrics_out_t *out,
    ngx_certauthz_files_t *files)
{
    size_t                           line;
    ngx_str_t                        labels[5], values[5], *where;
    ngx_uint_t                       i, r, npolicies;
    ngx_atomic_t                    *c;
    ngx_certauthz_metrics_policy_t  *mp;

    static ngx_str_t  modes[] = {
        ngx_string("off"), ngx_string("on"), ngx_string("audit")
    };

    line = NGX_CERTAUTHZ_METRICS_LINE;
    npolicies = files->policies.nelts;

    ngx_str_set(&labels[0], "server");
    ngx_str_set(&labels[1], "location");
    ngx_str_set(&labels[2], "mode");
    ngx_str_set(&labels[3], "result");
    ngx_str_set(&labels[4], "reason");

    if (npolicies
        && ngx_certauthz_metrics_head(out, "certauthz_decisions_total",
               "counter", "Decisions, by server, location, mode, result "
               "and reason, since the last start or reload.")
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    mp = files->policies.elts;

    for (i = 0; i < npolicies; i++) {

        c = (ngx_atomic_t *) ((u_char *) files->counters.addr + line * i);

        values[0] = mp[i].server;
        values[1] = mp[i].location;
        values[2] = modes[mp[i].policy->mode % 3];

        for (r = NGX_CERTAUTHZ_REASON_ALLOW;
             r < NGX_CERTAUTHZ_METRICS_REASONS;
             r++)
        {
            if (r == NGX_CERTAUTHZ_REASON_ALLOW) {
                ngx_str_set(&values[3], "allow");

            } else {
                ngx_str_set(&values[3], "deny");
            }

            values[4] = *ngx_certauthz_reason_name(r);

            if (ngx_certauthz_metrics_line(out, "certauthz_decisions_total",
                                           labels, 5, values, c[r])
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    if (npolicies
        && ngx_certauthz_metrics_head(out,
               "certauthz_connections_closed_total", "counter",
               "Live connections closed after the policy admitted them "
               "(audit: that would have been), by server, location, mode "
               "and reason, since the last start or reload.")
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_str_set(&labels[3], "reason");

    for (i = 0; i < npolicies; i++) {

        c = (ngx_atomic_t *) ((u_char *) files->counters.addr + line * i);

        values[0] = mp[i].server;
        values[1] = mp[i].location;
        values[2] = modes[mp[i].policy->mode % 3];

        for (r = NGX_CERTAUTHZ_REASON_EXPIRED;
             r <= NGX_CERTAUTHZ_REASON_CRL_STALE;
             r++)
        {
            values[3] = *ngx_certauthz_reason_name(r);

            if (ngx_certauthz_metrics_line(out,
                    "certauthz_connections_closed_total", labels, 4, values,
                    c[NGX_CERTAUTHZ_COUNT_CLOSED + r
                      - NGX_CERTAUTHZ_REASON_EXPIRED])
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    if (files->rules.nelts
        && ngx_certauthz_metrics_head(out, "certauthz_rule_hits_total",
               "counter", "Decisions made by each rule (FILE:LINE), since "
               "the last start or reload.")
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    where = files->rules.elts;
    ngx_str_set(&labels[0], "rule");

    for (i = 0; i < files->rules.nelts; i++) {

        c = (ngx_atomic_t *) ((u_char *) files->counters.addr
                              + line * (npolicies + i));

        if (ngx_certauthz_metrics_line(out, "certauthz_rule_hits_total",
                                       labels, 1, &where[i], c[0])
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_certauthz_metrics_crls(ngx_certauthz_metrics_out_t *out,
    ngx_certauthz_files_t *files)
{
    ngx_str_t                   labels[2], values[2];
    ngx_uint_t                  i, j;
    ngx_certauthz_crl_file_t  **file;

    if (files->crls.nelts == 0) {
        return NGX_OK;
    }

    file = files->crls.elts;

    /* this worker puts in force what the host loaded last */

    for (i = 0; i < files->crls.nelts; i++) {
        if (file[i]->shm) {
            ngx_certauthz_crl_shm_follow(file[i], ngx_cycle->log);
        }

        /* a slot of "cdp" is counted once a certificate named its URL */
        if (file[i]->remote) {
            (void) ngx_certauthz_crl_remote_adopt(file[i]);
        }
    }

    ngx_str_set(&labels[0], "file");
    ngx_str_set(&labels[1], "issuer");

    if (ngx_certauthz_metrics_head(out, "certauthz_crl_entries", "gauge",
            "Revoked certificates in the CRLs in force of each file.")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < files->crls.nelts; i++) {
        if (file[i]->name.len == 0) {
            continue;
        }

        if (ngx_certauthz_metrics_line(out, "certauthz_crl_entries", labels,
                                       1, &file[i]->name,
                                       file[i]->set->nentries)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (ngx_certauthz_metrics_head(out, "certauthz_crl_next_update_seconds",
            "gauge", "When the CRLs in force of each issuer in each file go "
            "stale (Unix time): of those whose nextUpdate decides it (the "
            "delta CRL in force, else the complete one), the earliest; "
            "none if none has a nextUpdate.")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < files->crls.nelts; i++) {
        if (file[i]->name.len == 0) {
            continue;
        }

        if (ngx_certauthz_metrics_next_update(out, file[i], labels)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (ngx_certauthz_metrics_head(out, "certauthz_crl_last_load_seconds",
            "gauge", "When each file was last loaded well (Unix time).")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < files->crls.nelts; i++) {
        if (file[i]->name.len == 0) {
            continue;
        }

        if (ngx_certauthz_metrics_line(out, "certauthz_crl_last_load_seconds",
                                       labels, 1, &file[i]->name,
                                       file[i]->loads ? file[i]->loads[2] : 0)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (ngx_certauthz_metrics_head(out, "certauthz_crl_loads_total",
            "counter", "Loads of each file, by outcome (the load with the "
            "configuration included), since the last start or reload.")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_str_set(&labels[1], "outcome");

    for (i = 0; i < files->crls.nelts; i++) {
        if (file[i]->name.len == 0) {
            continue;
        }

        values[0] = file[i]->name;

        for (j = 0; j < 2; j++) {
            if (j == 0) {
                ngx_str_set(&values[1], "ok");

            } else {
                ngx_str_set(&values[1], "error");
            }

            if (ngx_certauthz_metrics_line(out, "certauthz_crl_loads_total",
                                           labels, 2, values,
                                           file[i]->loads ? file[i]->loads[j]
                                                          : 0)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    return ngx_certauthz_metrics_fetches(out, files);
}


static ngx_str_t  ngx_certauthz_metrics_outcomes[] = {
    ngx_string("updated"),
    ngx_string("not_modified"),
    ngx_string("error")
};


static ngx_str_t  ngx_certauthz_metrics_causes[] = {
    ngx_string("connect"),
    ngx_string("timeout"),
    ngx_string("tls"),
    ngx_string("status"),
    ngx_string("redirect"),
    ngx_string("too_large"),
    ngx_string("truncated"),
    ngx_string("not_a_crl"),
    ngx_string("signature"),
    ngx_string("cache"),
    ngx_string("older")
};


/* the host's fetches of each CRL from a URL */

static ngx_int_t
ngx_certauthz_metrics_fetches(ngx_certauthz_metrics_out_t *out,
    ngx_certauthz_files_t *files)
{
    ngx_uint_t                  i, n;
    ngx_certauthz_crl_file_t  **file;

    file = files->crls.elts;
    n = 0;

    for (i = 0; i < files->crls.nelts; i++) {
        n += (file[i]->name.len && ngx_certauthz_crl_remote_state(file[i]));
    }

    if (n == 0) {
        return NGX_OK;
    }

    if (ngx_certauthz_metrics_fetch(out, files,
            "certauthz_crl_fetches_total", "counter",
            "Fetches of each CRL URL by the host, by outcome, since the "
            "last start or reload.", "outcome",
            ngx_certauthz_metrics_outcomes, NGX_CERTAUTHZ_CRL_FETCH_OUTCOMES,
            offsetof(ngx_certauthz_crl_remote_state_t, fetches))
        != NGX_OK
        || ngx_certauthz_metrics_fetch(out, files,
            "certauthz_crl_fetch_errors_total", "counter",
            "Failed fetches of each CRL URL by the host, by cause, since "
            "the last start or reload.", "cause",
            ngx_certauthz_metrics_causes, NGX_CERTAUTHZ_CRL_CAUSES,
            offsetof(ngx_certauthz_crl_remote_state_t, errors))
           != NGX_OK
        || ngx_certauthz_metrics_fetch(out, files,
            "certauthz_crl_fetch_bytes_total", "counter",
            "Bytes of the answers of each CRL URL (200 answers), since the "
            "last start or reload.", NULL, NULL, 1,
            offsetof(ngx_certauthz_crl_remote_state_t, bytes))
           != NGX_OK
        || ngx_certauthz_metrics_fetch(out, files,
            "certauthz_crl_fetch_last_success_seconds", "gauge",
            "When a fetch of each CRL URL last went well, 200 or 304 (Unix "
            "time; 0: never since the last start or reload).", NULL, NULL,
            1, offsetof(ngx_certauthz_crl_remote_state_t, success))
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * One series of the fetches: per URL, n counters of the host's state from
 * "offset" on, each with its value of "label" (none where n is 1)
 */

static ngx_int_t
ngx_certauthz_metrics_fetch(ngx_certauthz_metrics_out_t *out,
    ngx_certauthz_files_t *files, const char *name, const char *type,
    const char *help, const char *label, ngx_str_t *names, ngx_uint_t n,
    size_t offset)
{
    ngx_str_t                           labels[2], values[2];
    ngx_uint_t                          i, j;
    ngx_atomic_t                       *counter;
    ngx_certauthz_crl_file_t          **file;
    ngx_certauthz_crl_remote_state_t   *state;

    if (ngx_certauthz_metrics_head(out, name, type, help) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_str_set(&labels[0], "file");

    if (label != NULL) {
        labels[1].data = (u_char *) label;
        labels[1].len = ngx_strlen(label);
    }

    file = files->crls.elts;

    for (i = 0; i < files->crls.nelts; i++) {
        state = ngx_certauthz_crl_remote_state(file[i]);

        if (state == NULL || file[i]->name.len == 0) {
            continue;
        }

        values[0] = file[i]->name;
        counter = (ngx_atomic_t *) ((u_char *) state + offset);

        for (j = 0; j < n; j++) {
            if (label != NULL) {
                values[1] = names[j];
            }

            if (ngx_certauthz_metrics_line(out, name, labels,
                                           label ? 2 : 1, values,
                                           counter[j])
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


/*
 * One sample per issuer of a file, so that no two have the same labels
 * (a base and a delta CRL, an older and a newer one, partitions): the
 * earliest nextUpdate of the CRLs in force that decides crl-stale
 */

static ngx_int_t
ngx_certauthz_metrics_next_update(ngx_certauthz_metrics_out_t *out,
    ngx_certauthz_crl_file_t *file, ngx_str_t *labels)
{
    time_t                next;
    u_char               *decides;
    ngx_str_t             values[2];
    ngx_uint_t            i, j, n;
    ngx_certauthz_crl_t  *crl;

    n = file->set->crls.nelts;

    if (n == 0) {
        return NGX_OK;
    }

    decides = ngx_pnalloc(out->text.pool, n);
    if (decides == NULL) {
        return NGX_ERROR;
    }

    crl = file->set->crls.elts;

    for (i = 0; i < n; i++) {
        decides[i] = crl[i].has_next_update
                     && (ngx_certauthz_crl_in_force(file->set, &crl[i])
                         & NGX_CERTAUTHZ_CRL_DECIDES);
    }

    values[0] = file->name;

    for (i = 0; i < n; i++) {

        if (!decides[i]) {
            continue;
        }

        next = crl[i].next_update;

        /* the first CRL of its issuer speaks for the others */

        for (j = i + 1; j < n; j++) {
            if (decides[j]
                && X509_NAME_cmp(crl[j].issuer, crl[i].issuer) == 0)
            {
                decides[j] = 0;
                next = ngx_min(next, crl[j].next_update);
            }
        }

        if (ngx_certauthz_name_text(crl[i].issuer, out->text.pool,
                                    &values[1])
            != NGX_OK
            || ngx_certauthz_metrics_line(out,
                   "certauthz_crl_next_update_seconds", labels, 2, values,
                   next)
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    ERR_clear_error();

    return NGX_OK;
}


static ngx_int_t
ngx_certauthz_metrics_head(ngx_certauthz_metrics_out_t *out,
    const char *name, const char *type, const char *help)
{
    u_char  *p;
    size_t   len;

    if (out->json) {
        return NGX_OK;
    }

    len = sizeof("# HELP  \n# TYPE  \n") - 1 + 2 * ngx_strlen(name)
          + ngx_strlen(type) + ngx_strlen(help);

    p = ngx_certauthz_text_room(&out->text, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(p, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);

    ngx_certauthz_text_wrote(&out->text, p);

    return NGX_OK;
}


/*
 * NAME{LABEL="VALUE",...} N: label values escaped as the format says
 * (backslash, double quote, line feed)
 */

static ngx_int_t
ngx_certauthz_metrics_line(ngx_certauthz_metrics_out_t *out,
    const char *name, ngx_str_t *labels, ngx_uint_t n, ngx_str_t *values,
    off_t value)
{
    u_char      *p, c;
    size_t       len;
    ngx_uint_t   i, j;

    if (out->json) {
        return ngx_certauthz_metrics_json(out, name, labels, n, values,
                                          value);
    }

    len = ngx_strlen(name) + sizeof("{} \n") - 1 + NGX_OFF_T_LEN;

    for (i = 0; i < n; i++) {
        len += labels[i].len + sizeof("=\"\",") - 1 + 2 * values[i].len;
    }

    p = ngx_certauthz_text_room(&out->text, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(p, "%s{", name);

    for (i = 0; i < n; i++) {
        p = ngx_sprintf(p, "%s%V=\"", i ? "," : "", &labels[i]);

        for (j = 0; j < values[i].len; j++) {
            c = values[i].data[j];

            if (c == '\\' || c == '"') {
                *p++ = '\\';
                *p++ = c;

            } else if (c == '\n') {
                *p++ = '\\';
                *p++ = 'n';

            } else {
                *p++ = c;
            }
        }

        *p++ = '"';
    }

    p = ngx_sprintf(p, "} %O\n", value);

    ngx_certauthz_text_wrote(&out->text, p);

    return NGX_OK;
}


/* {"name":"NAME","labels":{"LABEL":"VALUE",...},"value":N} */

static ngx_int_t
ngx_certauthz_metrics_json(ngx_certauthz_metrics_out_t *out,
    const char *name, ngx_str_t *labels, ngx_uint_t n, ngx_str_t *values,
    off_t value)
{
    u_char      *p;
    size_t       len;
    ngx_uint_t   i;

    len = sizeof(",\n{\"name\":\"\",\"labels\":{},\"value\":}")
          + ngx_strlen(name) + NGX_OFF_T_LEN;

    for (i = 0; i < n; i++) {
        len += sizeof("\"\":\"\",") + 6 * (labels[i].len + values[i].len);
    }

    p = ngx_certauthz_text_room(&out->text, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(p, "%s\n{\"name\":\"%s\",\"labels\":{",
                    out->samples++ ? "," : "", name);

    for (i = 0; i < n; i++) {
        if (i) {
            *p++ = ',';
        }

        p = ngx_certauthz_metrics_json_str(p, &labels[i]);
        *p++ = ':';
        p = ngx_certauthz_metrics_json_str(p, &values[i]);
    }

    p = ngx_sprintf(p, "},\"value\":%O}", value);

    ngx_certauthz_text_wrote(&out->text, p);

    return NGX_OK;
}


/*
 * A JSON string: " and \ escaped, control bytes \u00XX; the rest as it is
 * (file paths, server names and locations from the configuration, issuer
 * names in RFC 2253 with their bytes above ASCII escaped)
 */

static u_char *
ngx_certauthz_metrics_json_str(u_char *p, ngx_str_t *s)
{
    u_char      c;
    ngx_uint_t  i;

    *p++ = '"';

    for (i = 0; i < s->len; i++) {
        c = s->data[i];

        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = c;

        } else if (c < 0x20 || c == 0x7f) {
            p = ngx_sprintf(p, "\\u%04xD", c);

        } else {
            *p++ = c;
        }
    }

    *p++ = '"';

    return p;
}
