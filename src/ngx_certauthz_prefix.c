
/*
 * certauthz: the text a value must begin with for a regex to match it,
 * where the pattern says so plainly, so that a value it cannot match is
 * told so by a comparison rather than a PCRE2 call (most values of most
 * rules, which are anchored: cn~^svc-, uri~^spiffe://a\.example/).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_certauthz_rule.h"


static ngx_uint_t ngx_certauthz_prefix_literal(u_char c);
static ngx_uint_t ngx_certauthz_prefix_punct(u_char c);


/*
 * A pattern of the form "^" and characters that stand for themselves:
 * those characters, up to the first that does not (a metacharacter, an
 * escape other than of punctuation) or that a quantifier follows (it
 * may be absent).  None for a pattern with "|" anywhere (an alternative
 * need not begin so) or not beginning with "^"; the caller gives no
 * prefix to a caseless regex.  prefix->data: room for pattern->len bytes.
 */

void
ngx_certauthz_prefix(ngx_str_t *pattern, ngx_str_t *prefix)
{
    u_char  *p, *last, c;

    prefix->len = 0;

    if (pattern->len < 2 || pattern->data[0] != '^'
        || ngx_strlchr(pattern->data, pattern->data + pattern->len, '|'))
    {
        return;
    }

    p = pattern->data + 1;
    last = pattern->data + pattern->len;

    while (p < last) {

        if (*p == '\\') {

            /* a backslash before punctuation makes it stand for itself */

            if (p + 1 == last || !ngx_certauthz_prefix_punct(p[1])) {
                return;
            }

            c = p[1];
            p += 2;

        } else if (ngx_certauthz_prefix_literal(*p)) {
            c = *p++;

        } else {
            return;
        }

        if (p < last && (*p == '?' || *p == '*' || *p == '+' || *p == '{')) {
            return;
        }

        prefix->data[prefix->len++] = c;
    }
}


/* a character that stands for itself in a pattern, outside a class */

static ngx_uint_t
ngx_certauthz_prefix_literal(u_char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9'))
    {
        return 1;
    }

    return c >= 0x20 && c < 0x7f && ngx_strchr("\\^$.[]|()?*+{}", c) == NULL;
}


/* printable ASCII punctuation */

static ngx_uint_t
ngx_certauthz_prefix_punct(u_char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9'))
    {
        return 0;
    }

    return c > 0x20 && c < 0x7f;
}
