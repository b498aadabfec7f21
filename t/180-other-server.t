# A certificate counts as verified only by the trusted CAs of the server
# that serves the request.  Two servers on one address: a.test (the
# default) trusts the other CA, which issued eve; b.test trusts the test
# CA and lets eve and alice in.  A client that sends no SNI has its
# handshake in a.test's SSL context, so eve's certificate verifies there;
# asking for b.test with a Host header must not let it in.  The front
# sends no SNI unless a location says so (proxy_ssl_server_name).

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: no SNI, Host of the other server: unverified, and logged why
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        server_name a.test;
        ssl_certificate $TEST_NGINX_PKI/server.crt;
        ssl_certificate_key $TEST_NGINX_PKI/server.key;
        ssl_client_certificate $TEST_NGINX_PKI/other-root.crt;
        ssl_verify_client on;

        location / {
            root $TEST_NGINX_PKI/www;
            add_header X-Server a.test always;
        }
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        server_name b.test;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow "cn~^(eve|alice)$";
            certauthz_deny all;
            add_header X-Reason $certauthz_reason always;
            add_header X-Verify $certauthz_verify always;
            add_header X-Issuer $certauthz_issuer always;
        }
    }
--- config
    location /eve-to-b/ {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls.sock:/;
        proxy_set_header Host b.test;
        proxy_ssl_certificate $TEST_NGINX_PKI/eve.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/eve.key;
    }
--- request
GET /eve-to-b/ok.txt
--- error_code: 403
--- response_headers
X-Reason: unverified
X-Verify: FAILED:verified with the CAs of another server
X-Issuer: CN=Other Test CA,O=other
--- error_log
certauthz: the client certificate was verified with the trusted CAs of another server
certauthz: access forbidden, reason: unverified, subject: "CN=eve,O=Other"



=== TEST 2: the same servers: what still works
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        server_name a.test;
        ssl_certificate $TEST_NGINX_PKI/server.crt;
        ssl_certificate_key $TEST_NGINX_PKI/server.key;
        ssl_client_certificate $TEST_NGINX_PKI/other-root.crt;
        ssl_verify_client on;

        location / {
            root $TEST_NGINX_PKI/www;
            certauthz on;
            certauthz_allow cn=eve;
            add_header X-Server a.test always;
            add_header X-Reason $certauthz_reason always;
            add_header X-Verify $certauthz_verify always;
        }
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        server_name b.test;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow "cn~^(eve|alice)$";
            certauthz_deny all;
            add_header X-Reason $certauthz_reason always;
            add_header X-Verify $certauthz_verify always;
            add_header X-Server b.test always;
        }
    }
--- config
    # eve to her own server, without SNI: its default
    location /eve-to-a/ {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls.sock:/;
        proxy_set_header Host a.test;
        proxy_ssl_certificate $TEST_NGINX_PKI/eve.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/eve.key;
    }

    # alice to b.test with SNI: the handshake runs in b.test's context
    location /alice-sni-b/ {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls.sock:/;
        proxy_set_header Host b.test;
        proxy_ssl_server_name on;
        proxy_ssl_name b.test;
        proxy_ssl_certificate $TEST_NGINX_PKI/alice.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/alice.key;
    }

    # alice to b.test without SNI: verified by a.test's CAs, which do not
    # know her CA: nginx refuses her at the handshake's verification
    location /alice-to-b/ {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls.sock:/;
        proxy_set_header Host b.test;
        proxy_ssl_certificate $TEST_NGINX_PKI/alice.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/alice.key;
    }
--- request eval
["GET /eve-to-a/ok.txt", "GET /alice-sni-b/ok.txt", "GET /alice-to-b/ok.txt"]
--- error_code eval
[200, 200, 400]
--- response_headers eval
["X-Server: a.test\nX-Reason: allow\nX-Verify: SUCCESS",
 "X-Server: b.test\nX-Reason: allow\nX-Verify: SUCCESS", "X-Server: "]



=== TEST 3: audit mode reports it too; $certauthz_verify says it where certauthz is off
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        server_name a.test;
        ssl_certificate $TEST_NGINX_PKI/server.crt;
        ssl_certificate_key $TEST_NGINX_PKI/server.key;
        ssl_client_certificate $TEST_NGINX_PKI/other-root.crt;
        ssl_verify_client on;

        location / {
            root $TEST_NGINX_PKI/www;
            add_header X-Server a.test always;
        }
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        server_name b.test;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location /audit/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz audit;
            certauthz_allow all;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }

        location /off/ {
            add_header X-Verify $certauthz_verify always;
            add_header X-SSL-Verify $ssl_client_verify always;
            return 200 "b.test\n";
        }
    }
--- config
    location /eve-to-b/ {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls.sock:/;
        proxy_set_header Host b.test;
        proxy_ssl_certificate $TEST_NGINX_PKI/eve.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/eve.key;
    }
--- request eval
["GET /eve-to-b/audit/ok.txt", "GET /eve-to-b/off/x"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Result: deny\nX-Reason: unverified",
 "X-Verify: FAILED:verified with the CAs of another server\nX-SSL-Verify: SUCCESS"]



=== TEST 4: rules that both servers inherit: allowed on a.test, then the same connection asks for b.test: unverified (the outcome kept for the connection is not reused across servers)
--- http_config
    certauthz_allow "cn~^(eve|alice)$";
    certauthz_deny all;

    upstream tls_keepalive {
        server unix:$TEST_NGINX_SERVER_ROOT/tls.sock;
        keepalive 2;
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        server_name a.test;
        ssl_certificate $TEST_NGINX_PKI/server.crt;
        ssl_certificate_key $TEST_NGINX_PKI/server.key;
        ssl_client_certificate $TEST_NGINX_PKI/other-root.crt;
        ssl_verify_client on;

        location / {
            root $TEST_NGINX_SERVER_ROOT/html/a;
            ssi on;
            certauthz on;
        }
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        server_name b.test;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            root $TEST_NGINX_SERVER_ROOT/html/b;
            ssi on;
            certauthz on;
            error_page 403 = /denied.html;
        }

        location = /denied.html {
            root $TEST_NGINX_SERVER_ROOT/html/b;
            ssi on;
        }
    }
--- user_files
>>> page.html
<!--# include virtual="/eve-to-a/conn.html" wait="yes" -->
<!--# include virtual="/eve-to-b/conn.html" wait="yes" -->
<!--# include virtual="/eve-to-a/conn.html" wait="yes" -->
>>> a/conn.html
a:<!--# echo var="connection" -->:<!--# echo var="certauthz_reason" -->
>>> b/conn.html
b:<!--# echo var="connection" -->:<!--# echo var="certauthz_reason" -->
>>> b/denied.html
b-denied:<!--# echo var="connection" -->:<!--# echo var="certauthz_reason" -->
--- config
    location = /page.html {
        root $TEST_NGINX_SERVER_ROOT/html;
        ssi on;
    }

    location /eve-to-a/ {
        proxy_pass https://tls_keepalive/;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host a.test;
        proxy_ssl_certificate $TEST_NGINX_PKI/eve.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/eve.key;
    }

    location /eve-to-b/ {
        proxy_pass https://tls_keepalive/;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host b.test;
        proxy_ssl_certificate $TEST_NGINX_PKI/eve.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/eve.key;
    }
--- request
GET /page.html
--- error_code: 200
--- response_body_like
^a:(\d+):allow\n+b-denied:\1:unverified\n+a:\1:allow\n+$
