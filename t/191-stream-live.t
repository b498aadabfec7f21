# The stream face watches live connections: a connection whose
# certificate a CRL change revokes is closed within certauthz_crl_refresh
# (+ 1 s), one whose certificate expires is closed then; each is logged
# as a denial.  The TLS server with certauthz proxies to a sink that holds
# a connection for some seconds (ssl_preread waits that long for a TLS
# ClientHello that never comes) and then closes it without a byte; the
# error log tells who closed it.  Requests run one after the other: the
# end-to-end test with mosquitto (t/195-mqtt.t) has two doors connected
# at once.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket::Lua::Stream 'no_plan';

use File::Temp qw(tempdir);

my $dir = tempdir(CLEANUP => 1);

# valid for 6 more seconds from now, then expired while its connection
# lives (the first block)
system('bash', 't/lib/mkshort.sh', $ENV{TEST_NGINX_PKI}, $dir, 'short', 6)
    == 0 or die "t/lib/mkshort.sh failed\n";

$ENV{TEST_NGINX_SHORT} = $dir;


no_shuffle();
run_tests();

__DATA__

=== TEST 1: a connection whose certificate expires is closed then, reason "expired"
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/sink.sock;
        ssl_preread on;
        preread_timeout 10s;
        return "never reached\n";    # preread_timeout ends the session
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow cn=short;

        proxy_pass unix:$TEST_NGINX_SERVER_ROOT/sink.sock;
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    proxy_ssl on;
    proxy_ssl_certificate $TEST_NGINX_SHORT/short.pem;
    proxy_ssl_certificate_key $TEST_NGINX_SHORT/short.key;
--- stream_response
--- timeout: 12
--- error_log
certauthz: access forbidden, connection closed, reason: expired, subject: "CN=short"



=== TEST 2: a CRL change closes the live connection of the door it revokes, and logs it
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
        include $TEST_NGINX_PKI/stream-tls.conf;
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
--- stream_server_config2
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/door-2.conf;
--- stream_response
--- timeout: 10
--- error_log
certauthz: access forbidden, connection closed, reason: revoked, subject: "CN=door-1,OU=doors,O=Example Corp"
--- no_error_log
door-2,OU=doors



=== TEST 3: in audit mode a CRL change closes nothing: the would-be close is logged at notice
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
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz audit;
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
--- error_log
certauthz: audit: would close the connection, reason: revoked, subject: "CN=door-1,OU=doors,O=Example Corp"
--- no_error_log
connection closed



=== TEST 4: with certauthz_live off a CRL change leaves the live connection alone
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
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_live off;
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
qr/certauthz: loaded CRL file "[^"]*door\.crl": 1 CRLs?, 1 revoked/
--- no_error_log
certauthz: access forbidden
