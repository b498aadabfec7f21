# $certauthz_client_cert (RFC 9440 Client-Cert) and $certauthz_xfcc (Envoy-style X-Forwarded-Client-Cert element): exact values over HTTP/1.1 and HTTP/2, quoting, where certauthz is off, unverified and no certificate.
use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

# The Client-Cert value a certificate must give: ":" base64(DER) ":".  The
# DER is taken from t/pki/NAME.crt and base64-encoded here (standard
# alphabet, padded, one line).
sub main::client_cert {
    my $name = shift;

    require MIME::Base64;

    open my $in, '<', "$ENV{TEST_NGINX_PKI}/$name.crt"
        or die "$name.crt: $!\n";
    my $pem = do { local $/; <$in> };
    my ($body) = $pem =~ /-----BEGIN CERTIFICATE-----\s*(.*?)-----END CERTIFICATE-----/s
        or die "$name.crt: no PEM certificate\n";
    my $der = MIME::Base64::decode_base64($body);

    return ':' . MIME::Base64::encode_base64($der, '') . ':';
}

# Expected $certauthz_xfcc values, written literally with "Hash=NAME" for
# the fingerprint of NAME, which changes with every PKI build; returns
# them with the real fingerprints and a "\n" (the upstream's body).
sub main::xfcc {
    return map {
        my $v = $_;
        $v =~ s/^Hash=([^;]+);/'Hash=' . Certauthz::Test::expected($1, 'fingerprint') . ';'/e
            or die "xfcc: no Hash=NAME; in $v\n";
        "$v\n";
    } @_;
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: $certauthz_client_cert: ":" base64(DER) ":" of alice, bob, nosan, special, quoted over HTTP/1.1
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            add_header X-Client-Cert $certauthz_client_cert always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
[map { "GET /$_/ok.txt" } qw(alice bob nosan special quoted)]
--- error_code eval
[(200) x 5]
--- response_body eval
[("ok\n") x 5]
--- response_headers eval
[map { "X-Client-Cert: " . main::client_cert($_) . "\nX-Reason: allow" }
     qw(alice bob nosan special quoted)]
--- no_error_log
[error]



=== TEST 2: $certauthz_xfcc over HTTP/1.1, passed upstream: Hash, quoted Subject, URIs then DNS names; none where the certificate has none
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/up.sock;

        location / {
            return 200 "$http_x_forwarded_client_cert\n";
        }
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            proxy_set_header X-Forwarded-Client-Cert $certauthz_xfcc;
            proxy_pass http://unix:$TEST_NGINX_SERVER_ROOT/up.sock;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
[map { "GET /$_/x" } qw(alice bob nosan svc-billing)]
--- error_code eval
[(200) x 4]
--- response_headers eval
[("X-Reason: allow") x 4]
--- response_body eval
[main::xfcc(split /\n/, <<'_EOX_')]
Hash=alice;Subject="CN=alice,OU=Admins,OU=Engineering,O=Example Corp";URI=spiffe://example.com/ns/prod/sa/alice;DNS=alice.example.com;DNS=*.alice.example.com
Hash=bob;Subject="CN=bob,OU=Sales,O=Example Corp";DNS=bob.example.com
Hash=nosan;Subject="CN=nosan"
Hash=svc-billing;Subject="CN=svc-billing,OU=Services,O=Example Corp";URI=spiffe://example.com/ns/prod/sa/billing;DNS=billing.svc.example.com
_EOX_
--- no_error_log
[error]



=== TEST 3: $certauthz_xfcc quoting: subject always quoted, " and \ escaped; a URI with ,;=" quoted and escaped, plain entries not
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/up.sock;

        location / {
            return 200 "$http_x_forwarded_client_cert\n";
        }
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            proxy_set_header X-Forwarded-Client-Cert $certauthz_xfcc;
            proxy_pass http://unix:$TEST_NGINX_SERVER_ROOT/up.sock;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
[map { "GET /$_/x" } qw(special utf8 quoted)]
--- error_code eval
[(200) x 3]
--- response_headers eval
[("X-Reason: allow") x 3]
--- response_body eval
[main::xfcc(split /\n/, <<'_EOX_')]
Hash=special;Subject="CN=a\\\"b\\;c=d\\<e\\>f,OU=R\\+D,O=Smith\\, Jones & Co"
Hash=utf8;Subject="CN=J\\C3\\BCrgen M\\C3\\BCller,O=Example Corp"
Hash=quoted;Subject="CN=quoted,O=Example Corp";URI="spiffe://example.com/a,b;c=d\"e\\f";URI=spiffe://example.com/plain;DNS=plain.example.com
_EOX_
--- no_error_log
[error]



=== TEST 4: both variables over HTTP/2 (alice, quoted)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/up.sock;

        location / {
            return 200 "$http_x_forwarded_client_cert\n";
        }
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl $TEST_NGINX_H2_LISTEN;
        $TEST_NGINX_H2
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            proxy_set_header X-Forwarded-Client-Cert $certauthz_xfcc;
            proxy_pass http://unix:$TEST_NGINX_SERVER_ROOT/up.sock;
            add_header X-Client-Cert $certauthz_client_cert always;
            add_header X-Protocol $server_protocol always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /h2/alice/x", "GET /h2/quoted/x"]
--- error_code eval
[200, 200]
--- response_headers eval
[map { "X-Client-Cert: " . main::client_cert($_)
       . "\nX-Protocol: HTTP/2.0\nX-Reason: allow" } qw(alice quoted)]
--- response_body eval
[main::xfcc(split /\n/, <<'_EOX_')]
Hash=alice;Subject="CN=alice,OU=Admins,OU=Engineering,O=Example Corp";URI=spiffe://example.com/ns/prod/sa/alice;DNS=alice.example.com;DNS=*.alice.example.com
Hash=quoted;Subject="CN=quoted,O=Example Corp";URI="spiffe://example.com/a,b;c=d\"e\\f";URI=spiffe://example.com/plain;DNS=plain.example.com
_EOX_
--- no_error_log
[error]



=== TEST 5: where certauthz is off: set for a verified and for an unverified certificate (optional_no_ca), empty without one
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/up.sock;

        location / {
            return 200 "$http_x_forwarded_client_cert\n";
        }
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional_no_ca;

        location / {
            certauthz off;
            proxy_set_header X-Forwarded-Client-Cert $certauthz_xfcc;
            proxy_pass http://unix:$TEST_NGINX_SERVER_ROOT/up.sock;
            add_header X-Client-Cert $certauthz_client_cert always;
            add_header X-Verify $certauthz_verify always;
            add_header X-Result $certauthz_result always;
        }
    }
--- request eval
["GET /alice/x", "GET /eve/x", "GET /none/x"]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Client-Cert: " . main::client_cert('alice') . "\nX-Verify: SUCCESS\n!X-Result",
 "X-Client-Cert: " . main::client_cert('eve')
     . "\nX-Verify: FAILED:unable to verify the first certificate\n!X-Result",
 "!X-Client-Cert\nX-Verify: NONE\n!X-Result"]
--- response_body eval
[main::xfcc(split /\n/, <<'_EOX_'), "\n"]
Hash=alice;Subject="CN=alice,OU=Admins,OU=Engineering,O=Example Corp";URI=spiffe://example.com/ns/prod/sa/alice;DNS=alice.example.com;DNS=*.alice.example.com
Hash=eve;Subject="CN=eve,O=Other"
_EOX_
--- no_error_log
[error]



=== TEST 6: no certificate under certauthz audit: both variables empty, the request evaluated (no-cert) and passed
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/up.sock;

        location / {
            return 200 "[$http_x_forwarded_client_cert]\n";
        }
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl $TEST_NGINX_H2_LISTEN;
        $TEST_NGINX_H2
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;

        location / {
            certauthz audit;
            proxy_set_header X-Forwarded-Client-Cert $certauthz_xfcc;
            proxy_pass http://unix:$TEST_NGINX_SERVER_ROOT/up.sock;
            add_header X-Client-Cert $certauthz_client_cert always;
            add_header X-Verify $certauthz_verify always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /none/x", "GET /h2/none/x"]
--- error_code eval
[200, 200]
--- response_headers eval
[("!X-Client-Cert\nX-Verify: NONE\nX-Reason: no-cert") x 2]
--- response_body eval
[("[]\n") x 2]
--- error_log
certauthz: audit: would deny, reason: no-cert
--- no_error_log
[error]
