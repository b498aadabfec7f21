# An internal failure while a live connection is decided again (memory
# running out in an OpenSSL call, injected by t/lib/fault.c) is no
# verdict and lets nobody stay: the connection is closed and the failure
# logged, never kept open as if the CRL change had allowed it.
#
# The server trusts only the root, so the intermediate's CRLs are checked
# per connection with the key from the client's chain (a trusted issuer's
# are checked when the file is loaded): the first EVP_PKEY_CTX_new() from
# certauthz checks the CRL in force when the connection is admitted, the
# second the changed CRL when the live connection is decided again.  The
# same block without the fault closes it with reason "revoked"
# (t/191-stream-live.t TEST 2).

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket::Lua::Stream 'no_plan';

Certauthz::Test::fault('EVP_PKEY_CTX_new:2');

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a failure while a live connection is decided again closes it, logged
--- user_files eval
">>> door.crl\n" . Certauthz::Test::crl('int-empty.crl')
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/sink.sock;
        ssl_preread on;
        preread_timeout 4s;
        return "never reached\n";    # preread_timeout ends the session
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        ssl_certificate $TEST_NGINX_PKI/server.crt;
        ssl_certificate_key $TEST_NGINX_PKI/server.key;
        ssl_client_certificate $TEST_NGINX_PKI/root.crt;
        ssl_verify_depth 3;
        ssl_verify_client on;

        certauthz on;
        certauthz_crl $TEST_NGINX_SERVER_ROOT/html/door.crl;
        certauthz_crl_refresh 1s;
        certauthz_allow ou=doors;

        proxy_pass unix:$TEST_NGINX_SERVER_ROOT/sink.sock;
    }
--- init
Certauthz::Test::swap_crl_later('door.crl', 'int-door-1.crl', 1);
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/door-1.conf;
--- stream_response
--- timeout: 10
--- error_log eval
[qr/\[alert\] .*certauthz: cannot check the signature of a CRL in "\S+door\.crl" \(SSL: .*malloc failure/,
 qr/\[error\] .*certauthz: rule evaluation failed, connection closed/]
--- no_error_log
reason: revoked
