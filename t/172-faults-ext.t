# As t/170-faults.t, for the decoders of issue 23: ext:OID (OBJ_txt2obj(),
# d2i_ASN1_TYPE()), the chain of a resumed session, built again
# (X509_STORE_CTX_new(), X509_verify_cert()), and the digests of
# ca_fingerprint (X509_digest()).  Each call fails as when memory runs out
# (t/lib/fault.c); the request is answered 500, never decided as if the
# extension or the chain were absent or unknown, and the next one is
# decided as usual.  A file of its own: the CRL tests of t/170 call
# X509_STORE_CTX_new() too.
#
# The counts, in each block's fresh nginx: OBJ_txt2obj() is called once
# per ext:OID of a rule when nginx reads its configuration (each block
# here names one), so call 2 is the first one made for a request;
# X509_STORE_CTX_new() and X509_verify_cert() are called for a resumed
# session only; X509_digest() for each CA of the chain, from the leaf's
# issuer up.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

Certauthz::Test::fault('OBJ_txt2obj:2 d2i_ASN1_TYPE:1 X509_STORE_CTX_new:1 '
                       . 'X509_verify_cert:1 X509_digest:1');

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

=== TEST 1: ext:OID: a failed OBJ_txt2obj(), then a failed d2i_ASN1_TYPE(), do not let a certificate skip a deny rule
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



=== TEST 2: the failed OBJ_txt2obj() is logged, with OpenSSL's reason
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



=== TEST 3: $certauthz_ext_* (no rule names an ext:OID): a failed d2i_ASN1_TYPE(), then a failed OBJ_txt2obj(), are logged; nginx makes a variable whose handler fails empty, for that request only
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            return 200 "[$certauthz_ext_1_3_6_1_4_1_311_20_2]\n";
        }
    }
--- request eval
["GET /adcs-user/", "GET /adcs-user/"]
--- response_body eval
["[]\n", "[]\n"]
--- error_log eval
qr/\[error\] .*certauthz: cannot read the extension 1\.3\.6\.1\.4\.1\.311\.20\.2 of the client certificate/



=== TEST 4: the same, then the next request has the value
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            return 200 "[$certauthz_ext_1_3_6_1_4_1_311_20_2]\n";
        }
    }
--- request eval
["GET /adcs-user/", "GET /adcs-user/", "GET /adcs-user/"]
--- response_body eval
["[]\n", "[]\n", "[User]\n"]



=== TEST 5: ca_fingerprint: a failed digest of a CA certificate does not let a certificate skip a deny rule
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



=== TEST 6: the failed digest is logged, with OpenSSL's reason
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_deny "ca~Intermediate";
            certauthz_allow all;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 500
--- error_log eval
[qr/\[error\] .*certauthz: cannot read the verified chain of the client certificate .*malloc failure/,
 qr/\[error\] .*certauthz: rule evaluation failed, request refused/]
--- no_error_log
access forbidden



=== TEST 7: a resumed session: the digest, then X509_STORE_CTX_new(), then X509_verify_cert() fail (500 each, never "unknown" or a verdict); then the chain is built again and decides, for a deny and an allow rule
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
