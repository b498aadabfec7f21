# A certificate string holding a control character (C0 or DEL) never
# equals, matches or captures anything: no CR LF smuggled into an upstream
# header through a regex capture, no "admin" LF passing "^admin$".  In the
# joined SAN variables a "%" is written "%25", so that one value "a%2Cb"
# and one value "a,b" read differently upstream.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a capture cannot carry CR LF into an upstream header
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow "uri~^spiffe://example\.com/ns/prod/sa/(?<svc>[^/]+)$";
            certauthz_allow cn=injsan;
            proxy_pass http://unix:$TEST_NGINX_SERVER_ROOT/up.sock:/;
            proxy_set_header X-Svc $svc;
        }
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/up.sock;

        location / {
            return 200 "svc=[$http_x_svc] role=[$http_x_role]\n";
        }
    }
--- request eval
["GET /injsan/ok.txt", "GET /alice/ok.txt"]
--- error_code eval
[200, 200]
--- response_body eval
["svc=[] role=[]\n", "svc=[alice] role=[]\n"]



=== TEST 2: the URI with CR LF is what the second rule let in, not the regex
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow "uri~^spiffe://example\.com/ns/prod/sa/(?<svc>[^/]+)$";
            add_header X-Reason $certauthz_reason always;
            add_header X-URI $certauthz_uri always;
        }
    }
--- request
GET /injsan/ok.txt
--- error_code: 403
--- response_headers
X-Reason: no-match
X-URI: spiffe://example.com/ns/prod/sa/web%0D%0AX-Role: admin



=== TEST 3: a CN "admin" LF does not pass "^admin$", nor any other test
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location /anchored/ {
            certauthz on;
            certauthz_allow "cn~^admin$";
            add_header X-Reason $certauthz_reason always;
            add_header X-CN $certauthz_cn always;
            alias $TEST_NGINX_PKI/www/;
        }

        location /loose/ {
            certauthz on;
            certauthz_allow "cn~admin";
            certauthz_allow "cn~*^ADMIN\s*$";
            certauthz_allow "cn=admin";
            add_header X-Reason $certauthz_reason always;
            alias $TEST_NGINX_PKI/www/;
        }

        location /negated/ {
            certauthz on;
            certauthz_deny "cn=admin";
            certauthz_deny "cn!~^[a-z]+$";
            certauthz_allow all;
            add_header X-Reason $certauthz_reason always;
            alias $TEST_NGINX_PKI/www/;
        }
    }
--- request eval
["GET /ctlcn/anchored/ok.txt", "GET /ctlcn/loose/ok.txt",
 "GET /ctlcn/negated/ok.txt", "GET /bob/negated/ok.txt"]
--- error_code eval
[403, 403, 403, 200]
--- response_headers eval
["X-Reason: no-match\nX-CN: admin%0A", "X-Reason: no-match",
 "X-Reason: deny", "X-Reason: allow"]



=== TEST 4: "%" in a joined SAN variable is written %25
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow "uri=spiffe://example.com/a%2Cb" "uri=spiffe://example.com/a,b";
            add_header X-URI $certauthz_uri always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /pct/ok.txt
--- error_code: 200
--- response_headers
X-URI: spiffe://example.com/a%252Cb,spiffe://example.com/a%2Cb
X-Reason: allow
