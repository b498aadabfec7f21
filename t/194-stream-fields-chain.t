# The stream face: ca, ca_fingerprint, depth, ext:OID and the ordering of
# key in rules and variables, as in http (t/026-fields-chain.t): SPIFFE
# trust domains bound to their roots, AD CS templates, a chain of two
# intermediates.  A denied connection is closed before any byte.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket::Lua::Stream 'no_plan';

sub fill {
    my ($text, %values) = @_;

    for my $name (keys %values) {
        $text =~ s/\@\Q$name\E\@/$values{$name}/g
            or die "fill: no \@$name\@ in text\n";
    }

    return $text;
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: SPIFFE: B's identity minted by B's root passes; the variables of the chain
--- stream_config eval
main::fill(<<'_EOC_', A => Certauthz::Test::expected('td-a', 'fingerprint'), B => Certauthz::Test::expected('td-b', 'fingerprint'));
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        ssl_certificate $TEST_NGINX_PKI/server.crt;
        ssl_certificate_key $TEST_NGINX_PKI/server.key;
        ssl_client_certificate $TEST_NGINX_PKI/td-bundle.crt;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow "uri~^spiffe://a\.example/" ca_fingerprint=@A@;
        certauthz_allow "uri~^spiffe://b\.example/" ca_fingerprint=@B@;

        return "$certauthz_uri $certauthz_depth $certauthz_ca $certauthz_ca_fingerprint\n";
    }
_EOC_
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/spiffe-b.conf;
--- stream_response eval
"spiffe://b.example/ns/prod/sa/db 2 CN=trust domain b.example%2CO=SPIFFE "
. Certauthz::Test::expected('td-b', 'fingerprint') . "\n"
--- no_error_log
[error]



=== TEST 2: SPIFFE: A's CA minting a B identity is refused
--- stream_config eval
main::fill(<<'_EOC_', A => Certauthz::Test::expected('td-a', 'fingerprint'), B => Certauthz::Test::expected('td-b', 'fingerprint'));
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        ssl_certificate $TEST_NGINX_PKI/server.crt;
        ssl_certificate_key $TEST_NGINX_PKI/server.key;
        ssl_client_certificate $TEST_NGINX_PKI/td-bundle.crt;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow "uri~^spiffe://a\.example/" ca_fingerprint=@A@;
        certauthz_allow "uri~^spiffe://b\.example/" ca_fingerprint=@B@;

        return "in\n";
    }
_EOC_
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/spiffe-forged.conf;
--- stream_response
--- error_log eval
qr/certauthz: access forbidden, reason: no-match, subject: "CN=db,O=SPIFFE"/



=== TEST 3: AD CS: by template name, with the template OID's hex in a variable
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow ext:1.3.6.1.4.1.311.20.2=Machine ext:1.3.6.1.4.1.311.21.7;

        return "$certauthz_ext_1_3_6_1_4_1_311_20_2 $certauthz_ext_1_3_6_1_4_1_311_21_7\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/adcs-machine.conf;
--- stream_response
Machine 3013060b2b06010401823715080102020164020103
--- no_error_log
[error]



=== TEST 4: AD CS: the User template is refused where Machine is required
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow ext:1.3.6.1.4.1.311.20.2=Machine;

        return "in\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/adcs-user.conf;
--- stream_response
--- error_log eval
qr/certauthz: access forbidden, reason: no-match, subject: "CN=adcs-user,O=Example Corp"/



=== TEST 5: depth and key ordering: two intermediates are one too many, an RSA key under 3072 bits is refused
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_deny depth>3;
        certauthz_allow key>=ec:P-256;
        certauthz_allow key>=rsa:3072;

        return "in $certauthz_depth\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/deep.conf;
--- stream_response
--- error_log eval
qr/certauthz: access forbidden, reason: deny, rule: \S+nginx\.conf:\d+, subject: "CN=deep,O=Example Corp"/



=== TEST 6: the same rules let alice (depth 3, P-256) in
--- stream_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_deny depth>3;
        certauthz_allow key>=ec:P-256;
        certauthz_allow key>=rsa:3072;

        return "in $certauthz_depth\n";
    }
--- stream_server_config
    proxy_pass unix:$TEST_NGINX_SERVER_ROOT/stream.sock;
    include $TEST_NGINX_PKI/as/alice.conf;
--- stream_response
in 3
--- no_error_log
[error]
