# The certificate is parsed once per TLS connection and reused by every
# request on it: HTTP/1.1 keep-alive, HTTP/2 streams, and a resumed TLS
# session (which carries the certificate but no chain).
#
# One test request to the front makes several sequential SSI subrequests
# that reach the TLS server over one upstream connection; each answer shows
# the TLS server's connection number, session reuse and the CN, and the
# debug log must show one parse per TLS connection.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: HTTP/1.1 keep-alive: three requests, one connection, one parse
--- user_files
>>> page.html
<!--# include virtual="/ka/conn.html" wait="yes" -->
<!--# include virtual="/ka/conn.html" wait="yes" -->
<!--# include virtual="/ka/conn.html" wait="yes" -->
>>> conn.html
<!--# echo var="connection_requests" -->:<!--# echo var="certauthz_cn" -->:<!--# echo var="certauthz_result" -->
--- http_config
    upstream tls_keepalive {
        server unix:$TEST_NGINX_SERVER_ROOT/tls.sock;
        keepalive 2;
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            root $TEST_NGINX_SERVER_ROOT/html;
            ssi on;
            certauthz on;
            certauthz_allow cn=alice;
        }
    }
--- config
    location = /page.html {
        root $TEST_NGINX_SERVER_ROOT/html;
        ssi on;
    }

    location /ka/ {
        proxy_pass https://tls_keepalive/;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_ssl_certificate $TEST_NGINX_PKI/alice.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/alice.key;
    }
--- request
GET /page.html
--- error_code: 200
--- response_body eval
"1:alice:allow\n\n2:alice:allow\n\n3:alice:allow\n\n"
--- grep_error_log: certauthz: parsed client certificate
--- grep_error_log_out
certauthz: parsed client certificate



=== TEST 2: HTTP/2: three streams on one connection, one parse
--- user_files
>>> page.html
<!--# include virtual="/h2ka/conn.html" wait="yes" -->
<!--# include virtual="/h2ka/conn.html" wait="yes" -->
<!--# include virtual="/h2ka/conn.html" wait="yes" -->
>>> conn.html
<!--# echo var="server_protocol" -->:<!--# echo var="connection" -->:<!--# echo var="certauthz_cn" -->:<!--# echo var="certauthz_result" -->
--- http_config
    upstream tls_h2 {
        server unix:$TEST_NGINX_SERVER_ROOT/tls.sock;
        keepalive 2;
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl $TEST_NGINX_H2_LISTEN;
        $TEST_NGINX_H2
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            root $TEST_NGINX_SERVER_ROOT/html;
            ssi on;
            certauthz on;
            certauthz_allow cn=alice;
        }
    }
--- config
    location = /page.html {
        root $TEST_NGINX_SERVER_ROOT/html;
        ssi on;
    }

    location /h2ka/ {
        rewrite ^/h2ka(/.*)$ $1 break;
        grpc_pass grpcs://tls_h2;
        grpc_ssl_certificate $TEST_NGINX_PKI/alice.pem;
        grpc_ssl_certificate_key $TEST_NGINX_PKI/alice.key;
    }
--- request
GET /page.html
--- error_code: 200
--- response_body_like chomp
^HTTP/2\.0:(\d+):alice:allow\n\n(HTTP/2\.0:\1:alice:allow\n\n){2}$
--- grep_error_log: certauthz: parsed client certificate
--- grep_error_log_out
certauthz: parsed client certificate



=== TEST 3: a resumed TLS session: the certificate still counts
--- user_files
>>> page.html
<!--# include virtual="/resume/conn.html" wait="yes" -->
<!--# include virtual="/resume/conn.html" wait="yes" -->
>>> conn.html
<!--# echo var="ssl_session_reused" -->:<!--# echo var="certauthz_cn" -->:<!--# echo var="certauthz_serial" -->:<!--# echo var="certauthz_result" -->
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        ssl_session_cache shared:tls:1m;

        location / {
            root $TEST_NGINX_SERVER_ROOT/html;
            ssi on;
            certauthz on;
            certauthz_allow cn=alice;
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
        proxy_ssl_certificate $TEST_NGINX_PKI/alice.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/alice.key;
    }
--- request
GET /page.html
--- error_code: 200
--- response_body eval
".:alice:A1B2C:allow\n\nr:alice:A1B2C:allow\n\n"
--- grep_error_log: certauthz: parsed client certificate
--- grep_error_log_out
certauthz: parsed client certificate
certauthz: parsed client certificate



=== TEST 4: a resumed TLS session of a certificate the rules refuse
--- user_files
>>> page.html
<!--# include virtual="/resume/ok.txt" wait="yes" -->
<!--# include virtual="/resume/ok.txt" wait="yes" -->
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        ssl_session_cache shared:tls:1m;

        location / {
            certauthz on;
            certauthz_allow cn=alice;
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
--- request
GET /page.html
--- error_code: 200
--- grep_error_log eval
qr/certauthz: access forbidden, reason: no-match, subject: "CN=bob[^"]*"/
--- grep_error_log_out
certauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp"
certauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp"



=== TEST 5: each location's rules are matched once per connection, also when requests alternate between locations
--- user_files
>>> page.html
<!--# include virtual="/ka/a/conn.html" wait="yes" -->
<!--# include virtual="/ka/a/conn.html" wait="yes" -->
<!--# include virtual="/ka/b/conn.html" wait="yes" -->
<!--# include virtual="/ka/a/conn.html" wait="yes" -->
>>> conn.html
<!--# echo var="connection" -->:<!--# echo var="certauthz_reason" -->
--- http_config
    upstream tls_keepalive {
        server unix:$TEST_NGINX_SERVER_ROOT/tls.sock;
        keepalive 2;
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        ssi on;
        certauthz audit;

        location /a/ {
            alias $TEST_NGINX_SERVER_ROOT/html/;
            certauthz_allow "cn~^al(?:ice|an)$" ou=Admins;
        }

        location /b/ {
            alias $TEST_NGINX_SERVER_ROOT/html/;
            certauthz_deny cn=alice;
        }
    }
--- config
    location = /page.html {
        root $TEST_NGINX_SERVER_ROOT/html;
        ssi on;
    }

    location /ka/ {
        proxy_pass https://tls_keepalive/;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_ssl_certificate $TEST_NGINX_PKI/alice.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/alice.key;
    }
--- request
GET /page.html
--- error_code: 200
--- response_body_like
^(\d+):allow\n+\1:allow\n+\1:deny\n+\1:allow\n+$
--- grep_error_log: certauthz: rule outcome of the connection reused
--- grep_error_log_out
certauthz: rule outcome of the connection reused
certauthz: rule outcome of the connection reused



=== TEST 6: rules with captures are matched once per connection too, and their captures set again for every request
--- user_files
>>> page.html
<!--# include virtual="/ka/conn.html" wait="yes" -->
<!--# include virtual="/ka/conn.html" wait="yes" -->
<!--# include virtual="/ka/conn.html" wait="yes" -->
>>> conn.html
<!--# echo var="connection" -->:<!--# echo var="certauthz_reason" -->:<!--# echo var="sa" -->
--- http_config
    upstream tls_keepalive {
        server unix:$TEST_NGINX_SERVER_ROOT/tls.sock;
        keepalive 2;
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            root $TEST_NGINX_SERVER_ROOT/html;
            ssi on;
            certauthz on;
            certauthz_allow "uri~/sa/(?<sa>[a-z]+)$";
        }
    }
--- config
    location = /page.html {
        root $TEST_NGINX_SERVER_ROOT/html;
        ssi on;
    }

    location /ka/ {
        proxy_pass https://tls_keepalive/;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_ssl_certificate $TEST_NGINX_PKI/alice.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/alice.key;
    }
--- request
GET /page.html
--- error_code: 200
--- response_body_like
^(\d+):allow:alice\n+\1:allow:alice\n+\1:allow:alice\n+$
--- grep_error_log: certauthz: rule outcome of the connection reused
--- grep_error_log_out
certauthz: rule outcome of the connection reused
certauthz: rule outcome of the connection reused



=== TEST 7: named captures kept with the connection, per location, also from a rule that did not decide
--- user_files
>>> page.html
<!--# include virtual="/ka/a/conn.html" wait="yes" -->
<!--# include virtual="/ka/b/conn.html" wait="yes" -->
<!--# include virtual="/ka/a/conn.html" wait="yes" -->
<!--# include virtual="/ka/b/conn.html" wait="yes" -->
>>> conn.html
<!--# echo var="connection" -->:<!--# echo var="certauthz_reason" -->:<!--# echo var="who" -->:<!--# echo var="x" -->
--- http_config
    upstream tls_keepalive {
        server unix:$TEST_NGINX_SERVER_ROOT/tls.sock;
        keepalive 2;
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        ssi on;

        # $who comes from the first rule, which does not hold (ou=Nope)
        location /a/ {
            alias $TEST_NGINX_SERVER_ROOT/html/;
            certauthz on;
            certauthz_allow "cn~^(?<who>ali)ce$" ou=Nope;
            certauthz_allow "uri~^spiffe://example\.com/ns/(?<x>[a-z]+)/";
        }

        location /b/ {
            alias $TEST_NGINX_SERVER_ROOT/html/;
            certauthz on;
            certauthz_allow "email~^([a-z]+)\.smith@(?<x>[a-z.]+)$";
        }
    }
--- config
    location = /page.html {
        root $TEST_NGINX_SERVER_ROOT/html;
        ssi on;
    }

    location /ka/ {
        proxy_pass https://tls_keepalive/;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_ssl_certificate $TEST_NGINX_PKI/alice.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/alice.key;
    }
--- request
GET /page.html
--- error_code: 200
--- response_body_like
^(\d+):allow:ali:prod\n+\1:allow:\(none\):example\.org\n+\1:allow:ali:prod\n+\1:allow:\(none\):example\.org\n+$
--- grep_error_log: certauthz: rule outcome of the connection reused
--- grep_error_log_out
certauthz: rule outcome of the connection reused
certauthz: rule outcome of the connection reused



=== TEST 8: numbered captures kept with the connection ($1 after the access phase)
--- http_config
    upstream tls_keepalive {
        server unix:$TEST_NGINX_SERVER_ROOT/tls.sock;
        keepalive 2;
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow "cn~^(al)(ice)$";
            add_header X-Caps "$1-$2" always;
            add_header X-Requests $connection_requests always;
        }
    }
--- config
    location /ka/ {
        proxy_pass https://tls_keepalive/;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_ssl_certificate $TEST_NGINX_PKI/alice.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/alice.key;
    }
--- request eval
["GET /ka/ok.txt", "GET /ka/ok.txt", "GET /ka/ok.txt"]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Caps: al-ice\nX-Requests: 1", "X-Caps: al-ice\nX-Requests: 2",
 "X-Caps: al-ice\nX-Requests: 3"]



=== TEST 9: captures set again after a later regex of the same request overwrote them (a map's, in a response header)
--- http_config
    upstream tls_keepalive {
        server unix:$TEST_NGINX_SERVER_ROOT/tls.sock;
        keepalive 2;
    }

    # a regex with captures that runs after the access phase: it writes
    # $1... where certauthz set them for this request
    map $uri $later {
        ~^/(?<page>[a-z]+)\.txt$ "$page";
        default                  none;
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow "cn~^(al)(ice)$";
            add_header X-Caps "$1-$2" always;
            add_header X-Later "$later $1" always;
            add_header X-Requests $connection_requests always;
        }
    }
--- config
    location /ka/ {
        proxy_pass https://tls_keepalive/;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_ssl_certificate $TEST_NGINX_PKI/alice.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/alice.key;
    }
--- request eval
["GET /ka/ok.txt", "GET /ka/ok.txt", "GET /ka/ok.txt"]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Caps: al-ice\nX-Later: ok ok\nX-Requests: 1",
 "X-Caps: al-ice\nX-Later: ok ok\nX-Requests: 2",
 "X-Caps: al-ice\nX-Later: ok ok\nX-Requests: 3"]
