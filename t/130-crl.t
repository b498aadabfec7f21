# certauthz_crl: revocation by (issuer, serial) from CRLs made with
# "openssl ca -gencrl" (t/lib/mkcrl.sh), signature checks, staleness,
# PEM with several CRLs and DER, resumed sessions.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a revoked certificate is denied before any allow rule
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-alice.crl;
            certauthz_allow cn=alice;
            certauthz_allow all;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt"]
--- error_code eval
[403, 200]
--- response_headers eval
["X-Reason: revoked", "X-Reason: allow"]



=== TEST 2: the denial of a revoked certificate is logged with its reason
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-alice.crl;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 403
--- error_log
certauthz: access forbidden, reason: revoked, subject: "CN=alice,OU=Admins,OU=Engineering,O=Example Corp", serial: A1B2C



=== TEST 3: the same serial revoked by another CA does not revoke alice
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/mixed-other.crl;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_headers
X-Reason: allow



=== TEST 4: no CRL for the issuer: crl-missing
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/root-empty.crl;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /rootclient/ok.txt"]
--- error_code eval
[403, 200]
--- response_headers eval
["X-Reason: crl-missing", "X-Reason: allow"]



=== TEST 5: a CRL signed by the wrong key is ignored, so crl-missing; said when it is loaded (its issuer is a trusted CA), not again per request
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-wrongkey.crl;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 403
--- response_headers
X-Reason: crl-missing
--- error_log eval
qr/\[warn\] .*certauthz: the CRL of "CN=certauthz Test Intermediate CA,O=certauthz tests" in "\S+int-wrongkey\.crl" does not verify with the key of any trusted CA certificate of that name, ignored: certificates of that issuer are denied \(crl-missing\) unless another CRL covers them$/
--- no_error_log eval
qr/does not verify with the key of its issuer/



=== TEST 6: a stale CRL denies (crl-stale) by default
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-stale.crl;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /bob/ok.txt
--- error_code: 403
--- response_headers
X-Reason: crl-stale



=== TEST 7: certauthz_crl_stale allow relaxes staleness, not revocation
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location /stale/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-stale.crl;
            certauthz_crl_stale allow;
            add_header X-Reason $certauthz_reason always;
        }

        location /stale-revoked/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-stale-alice.crl;
            certauthz_crl_stale allow;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /bob/stale/ok.txt", "GET /alice/stale-revoked/ok.txt",
 "GET /bob/stale-revoked/ok.txt"]
--- error_code eval
[200, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: revoked", "X-Reason: allow"]



=== TEST 8: a DER CRL
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-alice.der;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt"]
--- error_code eval
[403, 200]
--- response_headers eval
["X-Reason: revoked", "X-Reason: allow"]



=== TEST 9: one PEM file with the CRLs of the root and the intermediate
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/chain-alice.crl;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt", "GET /rootclient/ok.txt"]
--- error_code eval
[403, 200, 200]
--- response_headers eval
["X-Reason: revoked", "X-Reason: allow", "X-Reason: allow"]



=== TEST 10: CRLs per location; inherited from the server level
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_crl $TEST_NGINX_PKI/crl/int-alice.crl;

        location /other/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_crl $TEST_NGINX_PKI/crl/int-empty.crl;
            add_header X-Reason $certauthz_reason always;
        }

        location / {
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /alice/other/ok.txt"]
--- error_code eval
[403, 200]
--- response_headers eval
["X-Reason: revoked", "X-Reason: allow"]



=== TEST 11: a resumed TLS session: the issuer comes from the trusted CAs
--- user_files
>>> page.html
<!--# include virtual="/resume/conn.html" wait="yes" -->
<!--# include virtual="/resume/conn.html" wait="yes" -->
<!--# include virtual="/resume-alice/conn.html" wait="yes" -->
<!--# include virtual="/resume-alice/conn.html" wait="yes" -->
>>> conn.html
<!--# echo var="ssl_session_reused" -->:<!--# echo var="certauthz_cn" -->:<!--# echo var="certauthz_reason" -->
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        listen unix:$TEST_NGINX_SERVER_ROOT/tls2.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        ssl_session_cache shared:tls:1m;

        location / {
            root $TEST_NGINX_SERVER_ROOT/html;
            ssi on;
            certauthz audit;
            certauthz_crl $TEST_NGINX_PKI/crl/int-alice.crl;
        }
    }
--- config
    location = /page.html {
        root $TEST_NGINX_SERVER_ROOT/html;
        ssi on;
    }

    location /resume/ {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls.sock:/;
        proxy_ssl_session_reuse on;
        proxy_ssl_certificate $TEST_NGINX_PKI/bob.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/bob.key;
    }

    location /resume-alice/ {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls2.sock:/;
        proxy_ssl_session_reuse on;
        proxy_ssl_certificate $TEST_NGINX_PKI/alice.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/alice.key;
    }
--- request
GET /page.html
--- error_code: 200
--- response_body eval
".:bob:allow\n\nr:bob:allow\n\n.:alice:revoked\n\nr:alice:revoked\n\n"



=== TEST 12: a certificate whose serial is longer than 1024 bytes gets no CRL verdict (crl-missing), never passes unchecked
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        add_header X-Reason $certauthz_reason always;

        location /crl/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-empty.crl;
        }

        location /nocrl/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz on;
        }
    }
--- request eval
["GET /longserial/crl/ok.txt", "GET /longserial/nocrl/ok.txt", "GET /alice/crl/ok.txt"]
--- error_code eval
[403, 200, 200]
--- response_headers eval
["X-Reason: crl-missing", "X-Reason: allow", "X-Reason: allow"]



=== TEST 13: a CRL whose nextUpdate lies before 1970 is stale like any other past nextUpdate
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        add_header X-Reason $certauthz_reason always;

        location /1969/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-1969.crl;
        }

        location /2020/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-stale.crl;
        }

        location /1969-allow/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-1969.crl;
            certauthz_crl_stale allow;
        }
    }
--- request eval
["GET /alice/1969/ok.txt", "GET /alice/2020/ok.txt", "GET /alice/1969-allow/ok.txt"]
--- error_code eval
[403, 403, 200]
--- response_headers eval
["X-Reason: crl-stale", "X-Reason: crl-stale", "X-Reason: allow"]
