# The stream face: eku, key_usage, policy, key and sig in rules and
# variables, as in http (t/025-fields-ext.t), and a poisoned policy.
# Fronts as in t/190-stream.t: a denied connection is closed before any
# byte, so its answer is empty.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket::Lua::Stream 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: an eID-like certificate: custom EKU, policy and keyAgreement all required; the variables
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow eku=1.3.6.1.4.1.55555.7 policy=2.23.140.1.2.1 key_usage=keyAgreement;
        certauthz_deny all;

        return "$certauthz_cn $certauthz_eku|$certauthz_key_usage|$certauthz_policy|$certauthz_key|$certauthz_sig\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/eid.conf;
--- stream_response
eid clientAuth,1.3.6.1.4.1.55555.7|digitalSignature,keyAgreement|1.3.6.1.4.1.55555.1.2,2.23.140.1.2.1|ec:P-256|ecdsa-with-SHA256
--- no_error_log
[error]



=== TEST 2: the same rules refuse alice (clientAuth alone, no policy, digitalSignature only)
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow eku=1.3.6.1.4.1.55555.7 policy=2.23.140.1.2.1 key_usage=keyAgreement;
        certauthz_deny all;

        return "in\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/alice.conf;
--- stream_response
--- error_log eval
qr/certauthz: access forbidden, reason: deny, rule: \S+nginx\.conf:\d+, subject: "CN=alice,OU=Admins,OU=Engineering,O=Example Corp", serial: A1B2C while prereading client data/



=== TEST 3: key and sig in rules: an Ed448 key signed by an Ed448 CA passes, a capture from key
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow "key~^(?<kalg>ed[0-9]+)$" sig=ED448;
        certauthz_deny all;

        return "$kalg $certauthz_key $certauthz_sig\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/k-ed448.conf;
--- stream_response
ed448 ed448 ED448



=== TEST 4: the same rules refuse an Ed25519 key
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow "key~^(?<kalg>ed[0-9]+)$" sig=ED448;
        certauthz_deny all;

        return "in\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/k-ed25519.conf;
--- stream_response
--- error_log
certauthz: access forbidden, reason: deny



=== TEST 5: RSA and RSA-PSS keys
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow "key~^rsa(-pss)?:(2048|3072)$";
        certauthz_deny all;

        return "$certauthz_key $certauthz_sig\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/k-pss.conf;
--- stream_server_config2
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/k-rsa2048.conf;
--- stream_response
rsa-pss:3072 rsassaPss
rsa:2048 sha256WithRSAEncryption



=== TEST 6: a certificatePolicies extension that does not parse: policy!=x does not let it through
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow policy!=1.2.3;

        return "in\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/badpolicy.conf;
--- stream_response
--- error_log
certauthz: access forbidden, reason: no-match



=== TEST 7: a certificatePolicies extension that does not parse: a deny rule on policy denies
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_deny policy=1.2.3;
        certauthz_allow all;

        return "in\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/badpolicy.conf;
--- stream_response
--- error_log
certauthz: access forbidden, reason: deny



=== TEST 8: the same rules let a certificate with a good policy through
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_deny policy=1.2.3;
        certauthz_allow all;

        return "in $certauthz_policy\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/eid.conf;
--- stream_response
in 1.3.6.1.4.1.55555.1.2,2.23.140.1.2.1
