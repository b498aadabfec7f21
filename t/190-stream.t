# The stream face: the same rules for TCP + TLS.  Each block's TLS server
# with certauthz listens on unix:$TEST_NGINX_SERVER_ROOT/stream.sock (in
# --- stream_config); the test's stream servers are plain TCP fronts that
# proxy to it presenting a client certificate (include as/NAME.conf, made
# by t/lib/mkpki.sh), so that the test client speaks plain TCP.  A denied
# connection is closed before any byte: the answer is empty.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket::Lua::Stream 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a door is allowed, a person (another OU) is refused before any byte
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow ou=doors "cn~^door-[0-9]+$";
        certauthz_deny all;

        return "hello $certauthz_cn\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/door-1.conf;
--- stream_server_config2
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/bob.conf;
--- stream_response
hello door-1
--- error_log eval
qr/certauthz: access forbidden, reason: deny, rule: \S+nginx\.conf:\d+, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01 while prereading client data/
--- no_error_log
[alert]



=== TEST 2: the variables, as in http
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow ou=Admins;

        return "$certauthz_cn|$certauthz_serial|$certauthz_verify|$certauthz_result|$certauthz_reason|$certauthz_email|$certauthz_xfcc\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/alice.conf;
--- stream_response eval
"alice|A1B2C|SUCCESS|allow|allow|alice\@example.com,alice.smith\@example.org|Hash="
. Certauthz::Test::expected('alice', 'fingerprint')
. ';Subject="' . Certauthz::Test::expected('alice', 'subject')
. '";URI=spiffe://example.com/ns/prod/sa/alice;DNS=alice.example.com;DNS=*.alice.example.com' . "\n"
--- no_error_log
[error]



=== TEST 3: $certauthz_rule names the rule, FILE:LINE
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_deny cn=bob;
        certauthz_allow all;

        return "$certauthz_rule\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/alice.conf;
--- stream_response_like chomp
^\S+/conf/nginx\.conf:\d+$



=== TEST 4: named captures become stream variables
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow "cn~^door-(?<door>[0-9]+)$";

        return "door $door\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/door-2.conf;
--- stream_response
door 2



=== TEST 5: no certificate under "ssl_verify_client optional": no-cert
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client optional;

        certauthz on;
        certauthz_allow all;

        return "in\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    proxy_ssl on;
--- stream_response
--- error_log
certauthz: access forbidden, reason: no-cert while prereading client data



=== TEST 6: a listener without TLS has no certificate: denied
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
        certauthz on;
        certauthz_allow all;
        return "in\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
--- stream_response
--- error_log
certauthz: access forbidden, reason: no-cert



=== TEST 7: audit mode logs what it would deny and lets the connection through
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz audit;
        certauthz_allow ou=doors;

        return "$certauthz_result $certauthz_reason\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/bob.conf;
--- stream_response
deny no-match
--- error_log
certauthz: audit: would deny, reason: no-match
--- no_error_log
access forbidden



=== TEST 8: rules at stream level are inherited; a server's own replace them
--- stream_config
    certauthz on;
    certauthz_allow cn=bob;

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        return "inherited $certauthz_cn\n";
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream2.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        certauthz_allow cn=alice;
        return "own $certauthz_cn\n";
    }
--- stream_server_config
    certauthz off;    # the fronts are in the same stream block
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/bob.conf;
--- stream_server_config2
    certauthz off;
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream2.sock;
    include $TEST_NGINX_PKI/as/bob.conf;
--- stream_server_config3
    certauthz off;
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream2.sock;
    include $TEST_NGINX_PKI/as/alice.conf;
--- stream_response
inherited bob
own alice



=== TEST 9: "certauthz off" in a server under a stream-level "on"
--- stream_config
    certauthz on;
    certauthz_deny all;

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        certauthz off;
        return "open $certauthz_cn [$certauthz_result]\n";
    }
--- stream_server_config
    certauthz off;    # the fronts are in the same stream block
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/bob.conf;
--- stream_response
open bob []



=== TEST 10: a CRL: the revoked door is refused, the other one is not
--- user_files eval
">>> door.crl\n" . Certauthz::Test::crl('int-door-1.crl')
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_crl $TEST_NGINX_SERVER_ROOT/html/door.crl;
        certauthz_allow ou=doors;

        return "hello $certauthz_cn\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/door-1.conf;
--- stream_server_config2
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/door-2.conf;
--- stream_response
hello door-2
--- error_log
certauthz: access forbidden, reason: revoked
subject: "CN=door-1,OU=doors,O=Example Corp", serial: 5020



=== TEST 11: a bad rule in stream is refused with file, line and token
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        certauthz on;
        certauthz_allow org=doors;
        return "x";
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*unknown field "org" in "org=doors".* in \S+nginx\.conf:\d+/



=== TEST 12: certauthz_deny_status is http only
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        certauthz on;
        certauthz_deny_status 401;
        return "x";
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"certauthz_deny_status" directive is not allowed here/



=== TEST 13: the certificate of another server's CAs does not count here
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        ssl_certificate $TEST_NGINX_PKI/server.crt;
        ssl_certificate_key $TEST_NGINX_PKI/server.key;
        ssl_verify_client optional_no_ca;

        certauthz on;
        certauthz_allow all;

        return "in\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/alice.conf;
--- stream_response
--- error_log
certauthz: access forbidden, reason: unverified
