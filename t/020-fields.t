# Every certificate FIELD of certauthz_allow/certauthz_deny conditions, each
# with cases that hold and cases that do not, proven by status and reason.
#
# Most blocks send several requests, one location per condition; the reason
# of each is checked in its X-Reason header, since error_log patterns are
# checked after every request of a block (against what that request logged).

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

# fill(TEXT, NAME => VALUE, ...): TEXT with every @NAME@ replaced by VALUE,
# escaped to stand inside a double-quoted nginx string (\ and " escaped;
# nginx knows no escape for $ and does not expand it in these tokens).
# For "--- http_config eval" blocks whose rules need values from
# t/pki/expected.txt (Certauthz::Test::expected).
sub fill {
    my ($text, %values) = @_;

    for my $name (keys %values) {
        (my $v = $values{$name}) =~ s/([\\"])/\\$1/g;
        $text =~ s/\@\Q$name\E\@/$v/g or die "fill: no \@$name\@ in text\n";
    }

    die "fill: $1 left unfilled\n" if $text =~ /(\@[A-Z_]+\@)/;

    return $text;
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: cn = is exact and byte-for-byte (no prefix, no case folding)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /eq/     { alias $TEST_NGINX_PKI/www/; certauthz_allow cn=alice; }
        location /prefix/ { alias $TEST_NGINX_PKI/www/; certauthz_allow cn=alic; }
        location /case/   { alias $TEST_NGINX_PKI/www/; certauthz_allow cn=ALICE; }
        location /ne/     { alias $TEST_NGINX_PKI/www/; certauthz_allow cn!=alice; }
        location /ne-bob/ { alias $TEST_NGINX_PKI/www/; certauthz_allow cn!=bob; }
    }
--- request eval
["GET /alice/eq/ok.txt", "GET /bob/eq/ok.txt", "GET /alice/prefix/ok.txt",
 "GET /alice/case/ok.txt", "GET /alice/ne/ok.txt", "GET /alice/ne-bob/ok.txt"]
--- error_code eval
[200, 403, 403, 403, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: no-match",
 "X-Reason: no-match", "X-Reason: no-match", "X-Reason: allow"]



=== TEST 2: cn of a certificate with two CNs is the last one encoded ("second")
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /second/ { alias $TEST_NGINX_PKI/www/; certauthz_allow cn=second; }
        location /first/  { alias $TEST_NGINX_PKI/www/; certauthz_allow cn=first; }

        location /deny-first/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny cn=first;
            certauthz_allow all;
        }

        location /deny-second/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny cn=second;
            certauthz_allow all;
        }
    }
--- request eval
["GET /multicn/second/ok.txt", "GET /multicn/first/ok.txt",
 "GET /multicn/deny-first/ok.txt", "GET /multicn/deny-second/ok.txt"]
--- error_code eval
[200, 403, 200, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: allow", "X-Reason: deny"]



=== TEST 3: subject is byte for byte $ssl_client_s_dn (alice): whole DN, RFC 2253 order
--- http_config eval
main::fill(<<'_EOC_', S => Certauthz::Test::expected('alice', 'subject'));
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;
        add_header X-Subject $certauthz_subject always;
        add_header X-S-DN $ssl_client_s_dn always;

        location /full/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "subject=@S@";
        }

        location /cn-only/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "subject=CN=alice";
        }

        location /oneline-order/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "subject=O=Example Corp,OU=Engineering,OU=Admins,CN=alice";
        }
    }
_EOC_
--- request eval
["GET /alice/full/ok.txt", "GET /alice/cn-only/ok.txt",
 "GET /alice/oneline-order/ok.txt", "GET /bob/full/ok.txt"]
--- error_code eval
[200, 403, 403, 403]
--- response_headers eval
my $alice = Certauthz::Test::expected('alice', 'subject');
my $bob = Certauthz::Test::expected('bob', 'subject');
["X-Reason: allow\nX-Subject: $alice\nX-S-DN: $alice",
 "X-Reason: no-match\nX-Subject: $alice\nX-S-DN: $alice",
 "X-Reason: no-match\nX-Subject: $alice\nX-S-DN: $alice",
 "X-Reason: no-match\nX-Subject: $bob\nX-S-DN: $bob"]



=== TEST 4: subject with RFC 2253 escapes (special) is $ssl_client_s_dn, not the raw values
--- http_config eval
main::fill(<<'_EOC_', S => Certauthz::Test::expected('special', 'subject'));
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;
        add_header X-Subject $certauthz_subject always;
        add_header X-S-DN $ssl_client_s_dn always;

        location /escaped/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "subject=@S@";
        }

        location /raw/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "subject=CN=a\"b;c=d<e>f,OU=R+D,O=Smith, Jones & Co";
        }
    }
_EOC_
--- request eval
["GET /special/escaped/ok.txt", "GET /special/raw/ok.txt"]
--- error_code eval
[200, 403]
--- response_headers eval
my $s = Certauthz::Test::expected('special', 'subject');
["X-Reason: allow\nX-Subject: $s\nX-S-DN: $s",
 "X-Reason: no-match\nX-Subject: $s\nX-S-DN: $s"]



=== TEST 5: cn, o, ou of special are the raw UTF-8 values, without RFC 2253 escapes
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /cn/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn=a\"b;c=d<e>f"; }
        location /o/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "o=Smith, Jones & Co"; }
        location /ou/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "ou=R+D"; }
        location /cn-escaped/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "cn=a\\\"b\\;c=d\\<e\\>f";
        }
        location /o-escaped/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "o=Smith\\, Jones & Co";
        }
    }
--- request eval
["GET /special/cn/ok.txt", "GET /special/o/ok.txt", "GET /special/ou/ok.txt",
 "GET /special/cn-escaped/ok.txt", "GET /special/o-escaped/ok.txt"]
--- error_code eval
[200, 200, 200, 403, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: allow", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: no-match"]



=== TEST 6: subject of a UTF-8 CN is $ssl_client_s_dn with \XX escapes, not raw UTF-8
--- http_config eval
main::fill(<<'_EOC_', S => Certauthz::Test::expected('utf8', 'subject'));
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;
        add_header X-Subject $certauthz_subject always;
        add_header X-S-DN $ssl_client_s_dn always;

        location /escaped/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "subject=@S@";
        }

        location /raw/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "subject=CN=Jürgen Müller,O=Example Corp";
        }
    }
_EOC_
--- request eval
["GET /utf8/escaped/ok.txt", "GET /utf8/raw/ok.txt"]
--- error_code eval
[200, 403]
--- response_headers eval
my $s = Certauthz::Test::expected('utf8', 'subject');
die "utf8.subject has no \\C3\\BC escape: $s\n" unless $s =~ /\\C3\\BC/;
["X-Reason: allow\nX-Subject: $s\nX-S-DN: $s",
 "X-Reason: no-match\nX-Subject: $s\nX-S-DN: $s"]



=== TEST 7: issuer is byte for byte $ssl_client_i_dn
--- http_config eval
my $int = Certauthz::Test::expected('alice', 'issuer');
my $root = Certauthz::Test::expected('rootclient', 'issuer');
main::fill(<<'_EOC_', INT => $int, ROOT => $root);
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;
        add_header X-Issuer $certauthz_issuer always;
        add_header X-I-DN $ssl_client_i_dn always;

        location /int/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "issuer=@INT@";
        }

        location /root/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "issuer=@ROOT@";
        }

        location /cn-only/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "issuer=CN=certauthz Test Intermediate CA";
        }
    }
_EOC_
--- request eval
["GET /alice/int/ok.txt", "GET /rootclient/int/ok.txt",
 "GET /rootclient/root/ok.txt", "GET /alice/root/ok.txt",
 "GET /alice/cn-only/ok.txt"]
--- error_code eval
[200, 403, 200, 403, 403]
--- response_headers eval
my $i = Certauthz::Test::expected('alice', 'issuer');
my $r = Certauthz::Test::expected('rootclient', 'issuer');
die "the two issuers should differ\n" if $i eq $r;
["X-Reason: allow\nX-Issuer: $i\nX-I-DN: $i",
 "X-Reason: no-match\nX-Issuer: $r\nX-I-DN: $r",
 "X-Reason: allow\nX-Issuer: $r\nX-I-DN: $r",
 "X-Reason: no-match\nX-Issuer: $i\nX-I-DN: $i",
 "X-Reason: no-match\nX-Issuer: $i\nX-I-DN: $i"]



=== TEST 8: o is the organizationName, exact; a certificate without O has no value
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /eq/      { alias $TEST_NGINX_PKI/www/; certauthz_allow "o=Example Corp"; }
        location /partial/ { alias $TEST_NGINX_PKI/www/; certauthz_allow o=Example; }
        location /ne/      { alias $TEST_NGINX_PKI/www/; certauthz_allow "o!=Example Corp"; }
    }
--- request eval
["GET /alice/eq/ok.txt", "GET /alice/partial/ok.txt", "GET /alice/ne/ok.txt",
 "GET /nosan/eq/ok.txt", "GET /nosan/ne/ok.txt"]
--- error_code eval
[200, 403, 403, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: no-match",
 "X-Reason: no-match", "X-Reason: allow"]



=== TEST 9: ou is multi-valued: = holds if any OU matches, != if none does
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /admins/     { alias $TEST_NGINX_PKI/www/; certauthz_allow ou=Admins; }
        location /eng/        { alias $TEST_NGINX_PKI/www/; certauthz_allow ou=Engineering; }
        location /not-admins/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ou!=Admins; }
        location /not-sales/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ou!=Sales; }
    }
--- request eval
["GET /alice/admins/ok.txt", "GET /alice/eng/ok.txt",
 "GET /alice/not-admins/ok.txt", "GET /alice/not-sales/ok.txt",
 "GET /bob/admins/ok.txt", "GET /bob/not-sales/ok.txt", "GET /bob/not-admins/ok.txt"]
--- error_code eval
[200, 200, 403, 200, 403, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: allow", "X-Reason: no-match", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: no-match", "X-Reason: allow"]



=== TEST 10: email (SAN rfc822Name) is multi-valued: any-of for =, none-of for !=
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /first/   { alias $TEST_NGINX_PKI/www/; certauthz_allow email=alice@example.com; }
        location /second/  { alias $TEST_NGINX_PKI/www/; certauthz_allow email=alice.smith@example.org; }
        location /other/   { alias $TEST_NGINX_PKI/www/; certauthz_allow email=bob@example.com; }
        location /ne-mine/ { alias $TEST_NGINX_PKI/www/; certauthz_allow email!=alice.smith@example.org; }
        location /ne-bob/  { alias $TEST_NGINX_PKI/www/; certauthz_allow email!=bob@example.com; }
        location /re/      { alias $TEST_NGINX_PKI/www/; certauthz_allow "email~@example\.org$"; }
    }
--- request eval
["GET /alice/first/ok.txt", "GET /alice/second/ok.txt", "GET /alice/other/ok.txt",
 "GET /alice/ne-mine/ok.txt", "GET /alice/ne-bob/ok.txt", "GET /alice/re/ok.txt",
 "GET /bob/re/ok.txt", "GET /bob/other/ok.txt"]
--- error_code eval
[200, 200, 403, 403, 200, 200, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: no-match", "X-Reason: allow", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: allow"]



=== TEST 11: dns (SAN dNSName) is multi-valued; a wildcard entry is a literal string
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /plain/    { alias $TEST_NGINX_PKI/www/; certauthz_allow dns=alice.example.com; }
        location /wildcard/ { alias $TEST_NGINX_PKI/www/; certauthz_allow dns=*.alice.example.com; }
        location /www/      { alias $TEST_NGINX_PKI/www/; certauthz_allow dns=www.alice.example.com; }
        location /ne/       { alias $TEST_NGINX_PKI/www/; certauthz_allow dns!=alice.example.com; }
        location /ne-bob/   { alias $TEST_NGINX_PKI/www/; certauthz_allow dns!=bob.example.com; }
    }
--- request eval
["GET /alice/plain/ok.txt", "GET /alice/wildcard/ok.txt", "GET /alice/www/ok.txt",
 "GET /alice/ne/ok.txt", "GET /alice/ne-bob/ok.txt", "GET /bob/plain/ok.txt",
 "GET /bob/ne-bob/ok.txt"]
--- error_code eval
[200, 200, 403, 403, 200, 403, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: no-match", "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: no-match"]



=== TEST 12: uri (SAN URI, a SPIFFE ID) is multi-valued, exact and by regex
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /alice/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow uri=spiffe://example.com/ns/prod/sa/alice;
        }
        location /prefix/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow uri=spiffe://example.com/ns/prod;
        }
        location /ns-prod/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "uri~^spiffe://example\.com/ns/prod/sa/[a-z]+$";
        }
        location /not-alice/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow uri!=spiffe://example.com/ns/prod/sa/alice;
        }
    }
--- request eval
["GET /alice/alice/ok.txt", "GET /svc-billing/alice/ok.txt",
 "GET /alice/prefix/ok.txt", "GET /alice/ns-prod/ok.txt",
 "GET /svc-billing/ns-prod/ok.txt", "GET /bob/ns-prod/ok.txt",
 "GET /alice/not-alice/ok.txt", "GET /svc-billing/not-alice/ok.txt"]
--- error_code eval
[200, 403, 403, 200, 200, 403, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: no-match", "X-Reason: allow"]



=== TEST 13: ip (SAN iPAddress): IPv4, IPv6, a non-canonical IPv6 rule value is normalised
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /v4/       { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=10.1.2.3; }
        location /v4-other/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=10.1.2.4; }
        location /v6/       { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=2001:db8::1; }
        location /v6-upper/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=2001:DB8:0::1; }
        location /v6-full/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=2001:0db8:0000:0000:0000:0000:0000:0001; }
        location /v6-other/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=2001:db8::2; }
        location /ne-v4/    { alias $TEST_NGINX_PKI/www/; certauthz_allow ip!=10.1.2.3; }
        location /ne-v6/    { alias $TEST_NGINX_PKI/www/; certauthz_allow ip!=2001:DB8::1; }
        location /ne-other/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ip!=192.0.2.1; }
    }
--- request eval
["GET /alice/v4/ok.txt", "GET /alice/v4-other/ok.txt", "GET /alice/v6/ok.txt",
 "GET /alice/v6-upper/ok.txt", "GET /alice/v6-full/ok.txt",
 "GET /alice/v6-other/ok.txt", "GET /alice/ne-v4/ok.txt",
 "GET /alice/ne-v6/ok.txt", "GET /alice/ne-other/ok.txt", "GET /bob/v4/ok.txt"]
--- error_code eval
[200, 403, 200, 200, 200, 403, 403, 403, 200, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: allow",
 "X-Reason: allow", "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: no-match", "X-Reason: no-match", "X-Reason: allow",
 "X-Reason: no-match"]



=== TEST 14: a certificate without subjectAltName: email/dns/uri/ip have no values
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /email/    { alias $TEST_NGINX_PKI/www/; certauthz_allow "email~."; }
        location /email-ne/ { alias $TEST_NGINX_PKI/www/; certauthz_allow email!=alice@example.com; }
        location /dns/      { alias $TEST_NGINX_PKI/www/; certauthz_allow "dns~."; }
        location /dns-ne/   { alias $TEST_NGINX_PKI/www/; certauthz_allow dns!=alice.example.com; }
        location /uri/      { alias $TEST_NGINX_PKI/www/; certauthz_allow "uri~."; }
        location /uri-ne/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "uri!~."; }
        location /ip/       { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=10.1.2.3; }
        location /ip-ne/    { alias $TEST_NGINX_PKI/www/; certauthz_allow ip!=10.1.2.3; }
    }
--- request eval
["GET /nosan/email/ok.txt", "GET /nosan/email-ne/ok.txt",
 "GET /nosan/dns/ok.txt", "GET /nosan/dns-ne/ok.txt",
 "GET /nosan/uri/ok.txt", "GET /nosan/uri-ne/ok.txt",
 "GET /nosan/ip/ok.txt", "GET /nosan/ip-ne/ok.txt"]
--- error_code eval
[403, 200, 403, 200, 403, 200, 403, 200]
--- response_headers eval
["X-Reason: no-match", "X-Reason: allow", "X-Reason: no-match", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: allow", "X-Reason: no-match", "X-Reason: allow"]



=== TEST 15: serial: case, colons and leading zeros in rule values are ignored (alice 0x0A1B2C)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /upper/        { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=A1B2C; }
        location /lower-zero/   { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=0a1b2c; }
        location /colons/       { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=0A:1B:2C; }
        location /colons-zero/  { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=00:0a:1b:2c; }
        location /other/        { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=A1B2D; }
        location /ne/           { alias $TEST_NGINX_PKI/www/; certauthz_allow serial!=0a:1b:2c; }
    }
--- request eval
["GET /alice/upper/ok.txt", "GET /alice/lower-zero/ok.txt",
 "GET /alice/colons/ok.txt", "GET /alice/colons-zero/ok.txt",
 "GET /alice/other/ok.txt", "GET /alice/ne/ok.txt", "GET /bob/upper/ok.txt",
 "GET /bob/ne/ok.txt"]
--- error_code eval
[200, 200, 200, 200, 403, 403, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: allow", "X-Reason: allow", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: no-match", "X-Reason: no-match",
 "X-Reason: allow"]



=== TEST 16: serial: bob 0x00FF01, highbit 0x8A (DER 00 8A), a 20-byte serial
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /ff01/     { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=ff01; }
        location /008a/     { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=008a; }
        location /8A/       { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=8A; }
        location /big/      { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=7F0102030405060708090A0B0C0D0E0F10111213; }
        location /big-col/  { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=7f:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13; }
        location /big-head/ { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=7F0102030405060708090A0B0C0D0E0F101112; }
    }
--- request eval
["GET /bob/ff01/ok.txt", "GET /alice/ff01/ok.txt",
 "GET /highbit/008a/ok.txt", "GET /highbit/8A/ok.txt",
 "GET /big-serial/big/ok.txt", "GET /big-serial/big-col/ok.txt",
 "GET /big-serial/big-head/ok.txt"]
--- error_code eval
[200, 403, 200, 200, 200, 200, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: allow", "X-Reason: allow",
 "X-Reason: allow", "X-Reason: allow", "X-Reason: no-match"]



=== TEST 17: a regex on serial sees the normalised form: uppercase, no leading zero
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /norm/     { alias $TEST_NGINX_PKI/www/; certauthz_allow "serial~^A1B2C$"; }
        location /zero/     { alias $TEST_NGINX_PKI/www/; certauthz_allow "serial~^0A1B2C$"; }
        location /lower/    { alias $TEST_NGINX_PKI/www/; certauthz_allow "serial~^a1b2c$"; }
        location /caseless/ { alias $TEST_NGINX_PKI/www/; certauthz_allow "serial~*^a1b2c$"; }
        location /colons/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "serial~:"; }
        location /highbit/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "serial~^8A$"; }
    }
--- request eval
["GET /alice/norm/ok.txt", "GET /alice/zero/ok.txt", "GET /alice/lower/ok.txt",
 "GET /alice/caseless/ok.txt", "GET /alice/colons/ok.txt",
 "GET /highbit/highbit/ok.txt"]
--- error_code eval
[200, 403, 403, 200, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: no-match", "X-Reason: allow"]



=== TEST 18: fingerprint: SHA-256 lowercase hex; uppercase and colon-separated rule values match too
--- http_config eval
my $fp = Certauthz::Test::expected('alice', 'fingerprint');
my $colons = CORE::join ':', uc($fp) =~ /(..)/g;
main::fill(<<'_EOC_', LOWER => $fp, UPPER => uc $fp, COLONS => $colons);
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /lower/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "fingerprint=@LOWER@"; }
        location /upper/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "fingerprint=@UPPER@"; }
        location /colons/ { alias $TEST_NGINX_PKI/www/; certauthz_allow "fingerprint=@COLONS@"; }
        location /ne/     { alias $TEST_NGINX_PKI/www/; certauthz_allow "fingerprint!=@COLONS@"; }
        location /re/     { alias $TEST_NGINX_PKI/www/; certauthz_allow "fingerprint~^[0-9a-f]{64}$"; }
    }
_EOC_
--- request eval
["GET /alice/lower/ok.txt", "GET /alice/upper/ok.txt", "GET /alice/colons/ok.txt",
 "GET /alice/ne/ok.txt", "GET /bob/lower/ok.txt", "GET /bob/ne/ok.txt",
 "GET /bob/re/ok.txt"]
--- error_code eval
[200, 200, 200, 403, 403, 200, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: allow", "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: no-match", "X-Reason: allow", "X-Reason: allow"]



=== TEST 19: an email with a NUL byte never equals or matches; the DNS name beside it still does
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /eq/        { alias $TEST_NGINX_PKI/www/; certauthz_allow email=admin@example.com; }
        location /re/        { alias $TEST_NGINX_PKI/www/; certauthz_allow "email~^admin@example\.com"; }
        location /re-any/    { alias $TEST_NGINX_PKI/www/; certauthz_allow "email~*evil"; }
        location /ne/        { alias $TEST_NGINX_PKI/www/; certauthz_allow email!=admin@example.com; }
        location /nre/       { alias $TEST_NGINX_PKI/www/; certauthz_allow "email!~^admin"; }
        location /deny-eq/   {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny email=admin@example.com;
            certauthz_allow all;
        }
        location /dns/       { alias $TEST_NGINX_PKI/www/; certauthz_allow dns=nul.example.com; }
    }
--- request eval
["GET /nulemail/eq/ok.txt", "GET /nulemail/re/ok.txt", "GET /nulemail/re-any/ok.txt",
 "GET /nulemail/ne/ok.txt", "GET /nulemail/nre/ok.txt",
 "GET /nulemail/deny-eq/ok.txt", "GET /nulemail/dns/ok.txt"]
--- error_code eval
[403, 403, 403, 200, 200, 200, 200]
--- response_headers eval
["X-Reason: no-match", "X-Reason: no-match", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: allow", "X-Reason: allow", "X-Reason: allow"]
--- no_error_log
reason: deny



=== TEST 20: cn of a UTF8String CN is UTF-8, not the \XX escapes of the subject
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /utf8/    { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn=Jürgen Müller"; }
        location /escaped/ { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn=J\C3\BCrgen M\C3\BCller"; }
        location /ascii/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn=Jurgen Muller"; }
    }
--- request eval
["GET /utf8/utf8/ok.txt", "GET /utf8/escaped/ok.txt", "GET /utf8/ascii/ok.txt"]
--- error_code eval
[200, 403, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: no-match"]



=== TEST 21: BMPString and UniversalString CNs are converted to UTF-8
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /utf8/   { alias $TEST_NGINX_PKI/www/; certauthz_allow cn=Jürgen; }
        location /latin1/ { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~^J\xFCrgen$"; }
        location /ucs/    { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~\x00"; }
    }
--- request eval
["GET /bmp/utf8/ok.txt", "GET /univ/utf8/ok.txt", "GET /bmp/latin1/ok.txt",
 "GET /univ/latin1/ok.txt", "GET /bmp/ucs/ok.txt", "GET /univ/ucs/ok.txt",
 "GET /utf8/utf8/ok.txt"]
--- error_code eval
[200, 200, 403, 403, 403, 403, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: no-match", "X-Reason: no-match", "X-Reason: no-match",
 "X-Reason: no-match"]



=== TEST 22: regexes match bytes; a pattern starting with (*UTF) matches characters
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /bytes/      { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~^J.rgen$"; }
        location /two-bytes/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~^J..rgen$"; }
        location /utf/        { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~(*UTF)^J.rgen$"; }
        location /utf-full/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~(*UTF)^J.rgen M.ller$"; }
    }
--- request eval
["GET /bmp/bytes/ok.txt", "GET /bmp/two-bytes/ok.txt", "GET /bmp/utf/ok.txt",
 "GET /univ/bytes/ok.txt", "GET /univ/utf/ok.txt", "GET /utf8/utf-full/ok.txt",
 "GET /utf8/utf/ok.txt"]
--- error_code eval
[403, 200, 200, 403, 200, 200, 403]
--- response_headers eval
["X-Reason: no-match", "X-Reason: allow", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: allow", "X-Reason: allow",
 "X-Reason: no-match"]



=== TEST 23: the six operators: = != ~ ~* !~ !~*; ~ and !~ are case-sensitive, ~* and !~* not
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /eq/      { alias $TEST_NGINX_PKI/www/; certauthz_allow cn=alice; }
        location /ne/      { alias $TEST_NGINX_PKI/www/; certauthz_allow cn!=alice; }
        location /re/      { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~^ali"; }
        location /re-uc/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~^ALI"; }
        location /rei-uc/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~*^ALI"; }
        location /nre/     { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn!~^ali"; }
        location /nre-uc/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn!~^ALI"; }
        location /nrei-uc/ { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn!~*^ALI"; }
        location /nrei-bob/ { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn!~*^BOB"; }
    }
--- request eval
["GET /alice/eq/ok.txt", "GET /alice/ne/ok.txt", "GET /alice/re/ok.txt",
 "GET /alice/re-uc/ok.txt", "GET /alice/rei-uc/ok.txt", "GET /alice/nre/ok.txt",
 "GET /alice/nre-uc/ok.txt", "GET /alice/nrei-uc/ok.txt",
 "GET /alice/nrei-bob/ok.txt", "GET /bob/nrei-bob/ok.txt"]
--- error_code eval
[200, 403, 200, 403, 200, 403, 200, 403, 200, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: no-match", "X-Reason: allow",
 "X-Reason: no-match"]



=== TEST 24: several conditions in one rule must all hold (AND), in allow and in deny rules
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /allow/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "o=Example Corp" ou=Admins;
        }

        location /deny/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny "o=Example Corp" ou=Sales email=bob@example.com;
            certauthz_allow all;
        }
    }
--- request eval
["GET /alice/allow/ok.txt", "GET /bob/allow/ok.txt", "GET /nosan/allow/ok.txt",
 "GET /bob/deny/ok.txt", "GET /alice/deny/ok.txt", "GET /svc-billing/deny/ok.txt"]
--- error_code eval
[200, 403, 403, 403, 200, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: no-match",
 "X-Reason: deny", "X-Reason: allow", "X-Reason: allow"]



=== TEST 25: the denial log line gives the reason, the subject and the serial as the field has it
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow serial=A1B2C;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /highbit/ok.txt
--- error_code: 403
--- response_headers
X-Reason: no-match
--- error_log
certauthz: access forbidden, reason: no-match, subject: "CN=highbit", serial: 8A, client:
--- no_error_log
serial: 008A
