# A reload reads the CRL files again; each worker of the new configuration
# then watches them as before.  The set of CRLs that the reload read was
# once freed with the log nginx parses a configuration with, which belongs
# to the previous cycle and is freed by the reload: freeing that set at the
# next CRL change wrote to freed memory (make test-valgrind shows it every
# time; make soak crashed workers and the master with it).  nginx reloads
# only with a master process.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

master_on();
no_shuffle();
run_tests();

__DATA__

=== TEST 1: after a reload, a changed CRL is taken, and the CRLs the reload read are freed safely
--- user_files eval
">>> crl/int-alice.crl\n" . Certauthz::Test::crl('int-alice.crl')
. ">>> crl/current.crl\n" . Certauthz::Test::crl('int-empty.crl')
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            alias $TEST_NGINX_PKI/www/;
            certauthz on;
            certauthz_crl $TEST_NGINX_SERVER_ROOT/html/crl/current.crl;
            certauthz_crl_refresh 500ms;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- init
Certauthz::Test::reload_then_replace('crl/current.crl', 'crl/int-alice.crl', 1);
--- request
GET /alice/ok.txt
--- error_code: 403
--- response_headers
X-Reason: revoked
--- error_log eval
[qr/\[notice\] .*reconfiguring/,
 qr/\[notice\] .*certauthz: loaded CRL file "\S+current\.crl": 1 CRLs, 1 revoked certificates?/]
--- no_error_log
[alert]
[crit]
