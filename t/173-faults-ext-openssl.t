# As t/172-faults-ext.t, but the memory runs out inside OpenSSL (as
# t/171-faults-openssl.t is to t/170): every allocation that the call
# makes fails, so that OpenSSL itself must report it.  OBJ_txt2obj() is
# called once per ext:OID of a rule when nginx reads its configuration,
# so its call 2 is the first one for a request.
#
# X509_digest() runs out of memory from its first allocation on: then
# OpenSSL 3.0 answers with the certificate's cached SHA-1 digest and no
# error (EVP_MD_is_a() takes two failed name lookups for equal), which
# certauthz refuses as a digest of the wrong length (500).
# X509_verify_cert() runs out from its first allocation: from about the
# tenth on OpenSSL 3.0 reports a lookup that ran out of memory as "no
# issuer" (error 20, nothing in its error queue), so a resumed session's
# chain is then unknown and the request denied "unverified", not 500.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

Certauthz::Test::fault('OBJ_txt2obj/malloc:2 d2i_ASN1_TYPE/malloc:1 '
                       . 'X509_STORE_CTX_new/malloc:1 X509_verify_cert/malloc:1 '
                       . 'X509_digest/malloc:1.1');

sub fill {
    my ($text, %values) = @_;

    for my $name (keys %values) {
        $text =~ s/\@\Q$name\E\@/$values{$name}/g
            or die "fill: no \@$name\@ in text\n";
    }

    return $text;
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: ext:OID: OBJ_txt2obj(), then d2i_ASN1_TYPE(), out of memory do not let a certificate skip a deny rule
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_deny ext:1.3.6.1.4.1.311.20.2=User;
            certauthz_allow all;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /adcs-user/ok.txt", "GET /adcs-user/ok.txt", "GET /adcs-user/ok.txt",
 "GET /adcs-machine/ok.txt"]
--- error_code eval
[500, 500, 403, 200]
--- response_headers eval
["X-Reason: ", "X-Reason: ", "X-Reason: deny", "X-Reason: allow"]



=== TEST 2: OBJ_txt2obj() out of memory is logged, with OpenSSL's reason
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_deny ext:1.3.6.1.4.1.311.20.2;
            certauthz_allow all;
        }
    }
--- request
GET /adcs-user/ok.txt
--- error_code: 500
--- error_log eval
[qr/\[error\] .*certauthz: cannot read the extension 1\.3\.6\.1\.4\.1\.311\.20\.2 of the client certificate .*malloc failure/,
 qr/\[error\] .*certauthz: rule evaluation failed, request refused/]



=== TEST 3: ca_fingerprint: a digest of a CA certificate out of memory does not let a certificate skip a deny rule
--- http_config eval
main::fill(<<'_EOC_', INTFP => Certauthz::Test::expected('int', 'fingerprint'));
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_deny ca_fingerprint=@INTFP@;
            certauthz_allow all;
            add_header X-Reason $certauthz_reason always;
        }
    }
_EOC_
--- request eval
["GET /alice/ok.txt", "GET /alice/ok.txt", "GET /rootclient/ok.txt"]
--- error_code eval
[500, 403, 200]
--- response_headers eval
["X-Reason: ", "X-Reason: deny", "X-Reason: allow"]



=== TEST 4: a resumed session: the digest, then X509_STORE_CTX_new(), then X509_verify_cert() out of memory (500 each, never "unknown" or a verdict); then the chain is built again and decides
--- user_files
>>> page.html
<!--# include virtual="/resume/d/conn.html" wait="yes" -->
<!--# include virtual="/resume/d/conn.html" wait="yes" -->
<!--# include virtual="/resume/d/conn.html" wait="yes" -->
<!--# include virtual="/resume/d/conn.html" wait="yes" -->
<!--# include virtual="/resume/a/conn.html" wait="yes" -->
>>> conn.html
<!--# echo var="ssl_session_reused" -->:<!--# echo var="certauthz_depth" -->:<!--# echo var="certauthz_reason" -->
--- http_config eval
main::fill(<<'_EOC_', INTFP => Certauthz::Test::expected('int', 'fingerprint'));
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        ssl_session_cache shared:tls:1m;
        ssi on;
        certauthz on;

        location /d/ {
            alias $TEST_NGINX_SERVER_ROOT/html/;
            certauthz_deny ca_fingerprint=@INTFP@;
            certauthz_allow all;
        }
        location /a/ {
            alias $TEST_NGINX_SERVER_ROOT/html/;
            certauthz_allow ca_fingerprint=@INTFP@ depth=3;
        }
    }
_EOC_
--- config
    location = /page.html {
        root $TEST_NGINX_SERVER_ROOT/html;
        ssi on;
    }

    location /resume/ {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls.sock:/;
        proxy_ssl_session_reuse on;
        proxy_ssl_certificate $TEST_NGINX_PKI/alice.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/alice.key;
        proxy_intercept_errors on;
        error_page 403 = /denied;
        error_page 500 = /failed;
    }

    location = /denied {
        return 200 "403\n";
    }

    location = /failed {
        return 200 "500\n";
    }
--- request
GET /page.html
--- error_code: 200
--- response_body eval
"500\n\n500\n\n500\n\n403\n\nr:3:allow\n\n"
--- error_log eval
[qr/\[error\] .*certauthz: cannot read the verified chain of the client certificate .*malloc failure/]
--- no_error_log
reason: unverified
