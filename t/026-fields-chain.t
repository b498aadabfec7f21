# The chain a certificate was verified through (ca, ca_fingerprint, depth),
# any extension by OID (ext:OID), and the ordering of key and depth, with
# real certificates from t/lib/mkpki.sh: a chain of two intermediates
# (deep), two SPIFFE trust domains where A's CA mints an identity of B
# (spiffe-forged), AD CS template extensions (adcs-user, adcs-machine) and
# extensions of every shape (extmix); resumed sessions, whose chain is
# built again or is unknown; explain.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

sub fill {
    my ($text, %values) = @_;

    for my $name (keys %values) {
        (my $v = $values{$name}) =~ s/([\\"])/\\$1/g;
        $text =~ s/\@\Q$name\E\@/$v/g or die "fill: no \@$name\@ in text\n";
    }

    die "fill: $1 left unfilled\n" if $text =~ /(\@[A-Z_0-9]+\@)/;

    return $text;
}

sub ex { Certauthz::Test::expected(@_) }

no_shuffle();
run_tests();

__DATA__

=== TEST 1: ca, ca_fingerprint, depth on a full handshake: root -> int -> alice, root -> rootclient, root -> int-a -> int-a2 -> deep
--- http_config eval
main::fill(<<'_EOC_', INT => main::ex('int', 'subject'), ROOTFP => main::ex('root', 'fingerprint'), INTA2FP => main::ex('int-a2', 'fingerprint'), INTFPC => CORE::join(':', map { uc } (main::ex('int', 'fingerprint') =~ /(..)/g)));
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;
        add_header X-Depth $certauthz_depth always;

        location /ca-int/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "ca=@INT@"; }
        location /ca-re/    { alias $TEST_NGINX_PKI/www/; certauthz_allow "ca~^CN=certauthz Test Intermediate A2,"; }
        location /fp-root/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ca_fingerprint=@ROOTFP@; }
        location /fp-int/   { alias $TEST_NGINX_PKI/www/; certauthz_allow ca_fingerprint=@INTFPC@; }
        location /nfp/      { alias $TEST_NGINX_PKI/www/; certauthz_allow ca_fingerprint!=@INTA2FP@; }
        location /depth3/   { alias $TEST_NGINX_PKI/www/; certauthz_allow depth=3; }
        location /depthle3/ { alias $TEST_NGINX_PKI/www/; certauthz_allow depth<=3; }
        location /depthgt3/ { alias $TEST_NGINX_PKI/www/; certauthz_allow depth>3; }
        location /deny-a2/  {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny ca_fingerprint=@INTA2FP@;
            certauthz_allow all;
        }
    }
_EOC_
--- request eval
["GET /alice/ca-int/ok.txt", "GET /rootclient/ca-int/ok.txt", "GET /deep/ca-int/ok.txt",
 "GET /deep/ca-re/ok.txt", "GET /alice/ca-re/ok.txt",
 "GET /alice/fp-root/ok.txt", "GET /deep/fp-root/ok.txt", "GET /rootclient/fp-root/ok.txt",
 "GET /alice/fp-int/ok.txt", "GET /deep/fp-int/ok.txt",
 "GET /alice/nfp/ok.txt", "GET /deep/nfp/ok.txt",
 "GET /alice/depth3/ok.txt", "GET /deep/depth3/ok.txt", "GET /rootclient/depth3/ok.txt",
 "GET /alice/depthle3/ok.txt", "GET /rootclient/depthle3/ok.txt", "GET /deep/depthle3/ok.txt",
 "GET /deep/depthgt3/ok.txt", "GET /alice/depthgt3/ok.txt",
 "GET /deep/deny-a2/ok.txt", "GET /alice/deny-a2/ok.txt"]
--- error_code eval
[200, 403, 403,
 200, 403,
 200, 200, 200,
 200, 403,
 200, 403,
 200, 403, 403,
 200, 200, 403,
 200, 403,
 403, 200]
--- response_headers eval
["X-Depth: 3", "X-Depth: 2", "X-Depth: 4",
 "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: allow", "X-Reason: allow",
 "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: no-match", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: deny", "X-Reason: allow"]



=== TEST 2: the variables: the CAs from the leaf's issuer up to the root, a "," inside a DN written %2C
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            return 200 "$certauthz_depth|$certauthz_ca|$certauthz_ca_fingerprint\n";
        }
    }
--- request eval
["GET /deep/", "GET /rootclient/"]
--- response_body eval
[CORE::join('|', 4,
      CORE::join(',', map { (my $s = main::ex($_, 'subject')) =~ s/,/%2C/g; $s } qw(int-a2 int-a root)),
      CORE::join(',', map { main::ex($_, 'fingerprint') } qw(int-a2 int-a root))) . "\n",
 CORE::join('|', 2, map { my $v = main::ex('root', $_); $v =~ s/,/%2C/g; $v } qw(subject fingerprint)) . "\n"]



=== TEST 3: SPIFFE: each trust domain bound to its own root; A's CA minting a B identity is refused
--- http_config eval
main::fill(<<'_EOC_', A => main::ex('td-a', 'fingerprint'), B => main::ex('td-b', 'fingerprint'));
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        ssl_certificate $TEST_NGINX_PKI/server.crt;
        ssl_certificate_key $TEST_NGINX_PKI/server.key;
        ssl_client_certificate $TEST_NGINX_PKI/td-bundle.crt;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /bound/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "uri~^spiffe://a\.example/" ca_fingerprint=@A@;
            certauthz_allow "uri~^spiffe://b\.example/" ca_fingerprint=@B@;
        }

        # what a uri rule alone lets through
        location /unbound/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "uri~^spiffe://b\.example/";
        }
    }
_EOC_
--- request eval
["GET /spiffe-a/bound/ok.txt", "GET /spiffe-b/bound/ok.txt",
 "GET /spiffe-forged/bound/ok.txt", "GET /spiffe-forged/unbound/ok.txt"]
--- error_code eval
[200, 200, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: allow", "X-Reason: no-match", "X-Reason: allow"]



=== TEST 4: ext:OID: AD CS template name (BMPString) and template OID (DER hex), presence, deny, lists, captures
--- user_files
>>> templates.txt
# AD CS templates allowed
User
Smartcard User
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /user/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.311.20.2=User; }
        location /nuser/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.311.20.2!=User; }
        location /has/   { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.311.20.2; }
        location /hasnot/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny ext:1.3.6.1.4.1.311.20.2;
            certauthz_allow all;
        }
        location /tmpl/  {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "ext:1.3.6.1.4.1.311.21.7~^3013060b2b0601040182371508010102";
        }
        location /list/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.311.20.2=@$TEST_NGINX_SERVER_ROOT/html/templates.txt; }
        location /cap/   {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "ext:1.3.6.1.4.1.311.20.2~*^(?<tmpl>m.*)$";
            add_header X-Tmpl $tmpl always;
            add_header X-Reason $certauthz_reason always;
        }
        location /two/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow ext:1.3.6.1.4.1.311.20.2=User ext:1.3.6.1.4.1.311.21.7 cn=adcs-user;
        }
    }
--- request eval
["GET /adcs-user/user/ok.txt", "GET /adcs-machine/user/ok.txt", "GET /alice/user/ok.txt",
 "GET /adcs-machine/nuser/ok.txt", "GET /alice/nuser/ok.txt", "GET /adcs-user/nuser/ok.txt",
 "GET /adcs-user/has/ok.txt", "GET /adcs-machine/has/ok.txt", "GET /alice/has/ok.txt",
 "GET /alice/hasnot/ok.txt", "GET /adcs-user/hasnot/ok.txt",
 "GET /adcs-user/tmpl/ok.txt", "GET /adcs-machine/tmpl/ok.txt",
 "GET /adcs-user/list/ok.txt", "GET /adcs-machine/list/ok.txt",
 "GET /adcs-machine/cap/ok.txt", "GET /adcs-user/cap/ok.txt",
 "GET /adcs-user/two/ok.txt", "GET /adcs-machine/two/ok.txt"]
--- error_code eval
[200, 403, 403,
 200, 200, 403,
 200, 200, 403,
 200, 403,
 200, 403,
 200, 403,
 200, 403,
 200, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: deny",
 "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: no-match",
 "X-Tmpl: Machine", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: no-match"]



=== TEST 5: ext:OID of every shape: a string, DER hex, a control character (a poisoned value), a value that is not DER (a poisoned field)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /ia5/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.10=hello; }
        location /int/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.9=020105; }
        location /ctl/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "ext:1.3.6.1.4.1.55555.11~^a"; }
        location /nctl/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.11!=x; }
        location /hasctl/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.11; }
        location /bad/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.12; }
        location /nbad/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.12!=x; }
        location /bad-deny/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny ext:1.3.6.1.4.1.55555.12=zzz;
            certauthz_allow all;
        }
    }
--- request eval
["GET /extmix/ia5/ok.txt", "GET /alice/ia5/ok.txt",
 "GET /extmix/int/ok.txt",
 "GET /extmix/ctl/ok.txt", "GET /extmix/nctl/ok.txt", "GET /extmix/hasctl/ok.txt",
 "GET /extmix/bad/ok.txt", "GET /extmix/nbad/ok.txt", "GET /alice/nbad/ok.txt",
 "GET /extmix/bad-deny/ok.txt", "GET /alice/bad-deny/ok.txt"]
--- error_code eval
[200, 403, 200, 403, 200, 200, 403, 403, 200, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: allow", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: no-match", "X-Reason: allow",
 "X-Reason: deny", "X-Reason: allow"]



=== TEST 6: $certauthz_ext_*: the string, the hex, %XX for a control character, empty for a poisoned field or a missing extension
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            return 200 "[$certauthz_ext_1_3_6_1_4_1_311_20_2][$certauthz_ext_1_3_6_1_4_1_311_21_7][$certauthz_ext_1_3_6_1_4_1_55555_10][$certauthz_ext_1_3_6_1_4_1_55555_11][$certauthz_ext_1_3_6_1_4_1_55555_12][$certauthz_ext_1_3_6_1_4_1_55555_9]\n";
        }
    }
--- request eval
["GET /adcs-user/", "GET /extmix/", "GET /alice/"]
--- response_body eval
["[User][3013060b2b06010401823715080101020164020103][][][][]\n",
 "[][][hello][a%0Ab][][020105]\n",
 "[][][][][][]\n"]



=== TEST 7: key ordering: at least RSA 3072, at least P-384, only within the same algorithm
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /rsa3072/ { alias $TEST_NGINX_PKI/www/; certauthz_allow key>=rsa:3072; }
        location /ec384/   { alias $TEST_NGINX_PKI/www/; certauthz_allow key>=ec:P-384; }
        location /lt/      { alias $TEST_NGINX_PKI/www/; certauthz_allow key<rsa:3072; }
        location /gt/      { alias $TEST_NGINX_PKI/www/; certauthz_allow key>ec:P-256; }
        location /pss/     { alias $TEST_NGINX_PKI/www/; certauthz_allow key>=rsa-pss:2048; }
        location /le/      { alias $TEST_NGINX_PKI/www/; certauthz_allow key<=ec:prime256v1; }
        location /strong/  {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow key>=rsa:3072;
            certauthz_allow key>=ec:P-384;
            certauthz_allow key=ed25519;
            certauthz_allow key=ed448;
        }
    }
--- request eval
["GET /k-rsa3072/rsa3072/ok.txt", "GET /k-rsa2048/rsa3072/ok.txt", "GET /k-p384/rsa3072/ok.txt", "GET /k-pss/rsa3072/ok.txt",
 "GET /k-p384/ec384/ok.txt", "GET /alice/ec384/ok.txt", "GET /k-rsa3072/ec384/ok.txt",
 "GET /k-rsa2048/lt/ok.txt", "GET /k-rsa3072/lt/ok.txt",
 "GET /k-p384/gt/ok.txt", "GET /alice/gt/ok.txt",
 "GET /k-pss/pss/ok.txt",
 "GET /alice/le/ok.txt", "GET /k-p384/le/ok.txt",
 "GET /k-rsa2048/strong/ok.txt", "GET /alice/strong/ok.txt", "GET /k-rsa3072/strong/ok.txt",
 "GET /k-p384/strong/ok.txt", "GET /k-ed25519/strong/ok.txt", "GET /k-ed448/strong/ok.txt"]
--- error_code eval
[200, 403, 403, 403,
 200, 403, 403,
 200, 403,
 200, 403,
 200,
 200, 403,
 403, 403, 200,
 200, 200, 200]



=== TEST 8: lifetime: a short-lived-only policy refuses a certificate issued for ten years; the variable in seconds
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;
        add_header X-Lifetime $certauthz_lifetime always;

        location /short/ { alias $TEST_NGINX_PKI/www/; certauthz_allow lifetime<=24h; }
        location /long/  { alias $TEST_NGINX_PKI/www/; certauthz_allow lifetime>90d; }
        location /day/   { alias $TEST_NGINX_PKI/www/; certauthz_allow lifetime=1d; }
        location /nday/  { alias $TEST_NGINX_PKI/www/; certauthz_allow lifetime!=86400; }
    }
--- request eval
["GET /shortlived/short/ok.txt", "GET /alice/short/ok.txt",
 "GET /alice/long/ok.txt", "GET /shortlived/long/ok.txt",
 "GET /shortlived/day/ok.txt", "GET /alice/day/ok.txt",
 "GET /alice/nday/ok.txt", "GET /shortlived/nday/ok.txt"]
--- error_code eval
[200, 403, 200, 403, 200, 403, 200, 403]
--- response_headers eval
["X-Lifetime: 86400", "X-Lifetime: 315360000",
 "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: no-match"]



=== TEST 8b: eku, policy and sig values are brought to the certificate's form: a dotted OID of a named purpose, a long name, HAProxy's short name of a signature
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /dotted/ { alias $TEST_NGINX_PKI/www/; certauthz_allow eku=1.3.6.1.5.5.7.3.2; }
        location /long/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "eku=TLS Web Client Authentication"; }
        location /sc/     { alias $TEST_NGINX_PKI/www/; certauthz_allow eku=1.3.6.1.4.1.311.20.2.2; }
        location /nsc/    { alias $TEST_NGINX_PKI/www/; certauthz_allow eku!=1.3.6.1.4.1.311.20.2.2; }
        location /pol/    { alias $TEST_NGINX_PKI/www/; certauthz_allow policy=1.3.6.1.4.1.55555.1.2; }
        location /sigsn/  { alias $TEST_NGINX_PKI/www/; certauthz_allow sig=RSA-SHA256; }
        location /sigoid/ { alias $TEST_NGINX_PKI/www/; certauthz_allow sig=1.2.840.10045.4.3.2; }
    }
--- request eval
["GET /alice/dotted/ok.txt", "GET /alice/long/ok.txt",
 "GET /kagree/sc/ok.txt", "GET /alice/sc/ok.txt",
 "GET /alice/nsc/ok.txt", "GET /kagree/nsc/ok.txt",
 "GET /eid/pol/ok.txt",
 "GET /k-rsa2048/sigsn/ok.txt", "GET /alice/sigsn/ok.txt",
 "GET /alice/sigoid/ok.txt", "GET /k-rsa2048/sigoid/ok.txt"]
--- error_code eval
[200, 200, 200, 403, 200, 403, 200, 200, 403, 200, 403]



=== TEST 9: a resumed session: the chain is built again from the trusted CAs (alice: int is in ca.crt)
--- user_files
>>> page.html
<!--# include virtual="/resume/conn.html" wait="yes" -->
<!--# include virtual="/resume/conn.html" wait="yes" -->
>>> conn.html
<!--# echo var="ssl_session_reused" -->:<!--# echo var="certauthz_depth" -->:<!--# echo var="certauthz_reason" -->
--- http_config eval
main::fill(<<'_EOC_', INTFP => main::ex('int', 'fingerprint'));
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        ssl_session_cache shared:tls:1m;

        location / {
            root $TEST_NGINX_SERVER_ROOT/html;
            ssi on;
            certauthz on;
            certauthz_allow ca_fingerprint=@INTFP@ depth=3;
        }
    }
_EOC_
--- config
    location = /page.html {
        root $TEST_NGINX_SERVER_ROOT/html;
        ssi on;
    }

    location /resume/ {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls.sock:/;
        proxy_ssl_session_reuse on;
        proxy_ssl_certificate $TEST_NGINX_PKI/alice.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/alice.key;
    }
--- request
GET /page.html
--- error_code: 200
--- response_body eval
".:3:allow\n\nr:3:allow\n\n"



=== TEST 10: a resumed session whose chain went through intermediates only the client sent: unknown, decided "unverified"; rules without chain fields still decide
--- user_files
>>> page.html
<!--# include virtual="/resume/a/conn.html" wait="yes" -->
<!--# include virtual="/resume/b/conn.html" wait="yes" -->
<!--# include virtual="/resume/a/conn.html" wait="yes" -->
<!--# include virtual="/resume/c/conn.html" wait="yes" -->
>>> conn.html
<!--# echo var="ssl_session_reused" -->:<!--# echo var="certauthz_depth" default="" -->:<!--# echo var="certauthz_reason" -->
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        ssl_session_cache shared:tls:1m;
        ssi on;
        certauthz on;

        location /a/ { alias $TEST_NGINX_SERVER_ROOT/html/; certauthz_allow depth>=2; }
        location /b/ { alias $TEST_NGINX_SERVER_ROOT/html/; certauthz_allow cn=deep; }
        location /c/ {
            alias $TEST_NGINX_SERVER_ROOT/html/;
            certauthz_deny "ca~Intermediate A2";
            certauthz_allow all;
        }
    }
--- config
    location = /page.html {
        root $TEST_NGINX_SERVER_ROOT/html;
        ssi on;
    }

    location /resume/ {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls.sock:/;
        proxy_ssl_session_reuse on;
        proxy_ssl_certificate $TEST_NGINX_PKI/deep.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/deep.key;
        proxy_intercept_errors on;
        error_page 403 = /denied;
    }

    location = /denied {
        return 200 "403\n";
    }
--- request
GET /page.html
--- error_code: 200
--- response_body eval
".:4:allow\n\nr::allow\n\n403\n\n403\n\n"
--- error_log
access forbidden, reason: unverified



=== TEST 11: explain shows ca, ca_fingerprint, depth, lifetime and each ext:OID the rules name, and why an ordering did not hold
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location = /explain {
            certauthz_allow key>=rsa:3072;
            certauthz_allow ext:1.3.6.1.4.1.311.20.2=Machine;
            certauthz_allow "ext:1.3.6.1.4.1.311.20.2~^U" depth<=3;
            certauthz_explain;
        }
    }
--- request eval
["GET /adcs-user/explain", "GET /alice/explain"]
--- response_body_like eval
[qr/^result: allow\n.*\nca: "CN=certauthz Test Intermediate CA,O=certauthz tests", "CN=certauthz Test Root CA,O=certauthz tests"\nca_fingerprint: "[0-9a-f]{64}", "[0-9a-f]{64}"\ndepth: "3"\nlifetime: "315360000"\next:1\.3\.6\.1\.4\.1\.311\.20\.2: "User"\n\nrules:\n[^\n]*certauthz_allow key>=rsa:3072: did not hold: key>=rsa:3072: "ec:P-256" is not >=rsa:3072\n[^\n]*: did not hold: ext:1\.3\.6\.1\.4\.1\.311\.20\.2=Machine: "User" is not "Machine"\n[^\n]*: held \(decides\)\n$/s,
 qr/\next:1\.3\.6\.1\.4\.1\.311\.20\.2: \(none\)\n.*: did not hold: ext:1\.3\.6\.1\.4\.1\.311\.20\.2=Machine: the certificate has no ext:1\.3\.6\.1\.4\.1\.311\.20\.2\n/s]



=== TEST 12: over HTTP/2: the chain, an extension and an ordering decide and show as on HTTP/1.1
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl $TEST_NGINX_H2_LISTEN;
        $TEST_NGINX_H2
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Got "$certauthz_reason|$certauthz_depth|$certauthz_ext_1_3_6_1_4_1_311_20_2" always;

        location /adcs/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow ext:1.3.6.1.4.1.311.20.2=User depth<=3 "ca~^CN=certauthz Test Intermediate CA,";
        }

        location /deep/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow depth>3 lifetime>1y;
        }
    }
--- request eval
["GET /h2/adcs-user/adcs/ok.txt", "GET /h2/alice/adcs/ok.txt",
 "GET /h2/deep/deep/ok.txt", "GET /h2/alice/deep/ok.txt"]
--- error_code eval
[200, 403, 200, 403]
--- response_headers eval
["X-Got: allow|3|User", "X-Got: no-match|3|",
 "X-Got: allow|4|", "X-Got: no-match|3|"]
