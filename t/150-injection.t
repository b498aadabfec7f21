# Certificate strings with control characters cannot split the headers
# that carry certauthz variables to an upstream: CR, LF (and any other
# control character) are written %XX.  Such a value never matches a rule
# (t/155-control-chars.t).

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: CR LF in SAN URI and DNS entries reach the upstream escaped
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow cn=crlf;
            proxy_pass http://unix:$TEST_NGINX_SERVER_ROOT/up.sock:/;
            proxy_set_header X-URI $certauthz_uri;
            proxy_set_header X-DNS $certauthz_dns;
            proxy_set_header X-Forwarded-Client-Cert $certauthz_xfcc;
        }
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/up.sock;

        location / {
            return 200 "uri=$http_x_uri\ndns=$http_x_dns\nxfcc=$http_x_forwarded_client_cert\ninjected=[$http_x_injected]\n";
        }
    }
--- request
GET /crlf/ok.txt
--- error_code: 200
--- response_body eval
"uri=spiffe://example.com/x%0D%0AX-Injected: yes\n"
. "dns=crlf.example.com%0D%0AX-Injected: yes\n"
. "xfcc=Hash=" . Certauthz::Test::expected('crlf', 'fingerprint')
. ";Subject=\"CN=crlf\";URI=spiffe://example.com/x%0D%0AX-Injected: yes"
. ";DNS=crlf.example.com%0D%0AX-Injected: yes\n"
. "injected=[]\n"
