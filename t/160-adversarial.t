# Adversarial certificates (t/lib/mkpki.sh, "adversarial certificates"):
# NUL bytes, non-UTF-8 string types, RFC 2253 specials, 1,000 SAN
# entries, 64 KiB and 120 KiB certificates, an empty subject, odd serials,
# IDN and IPv6 SANs, several OUs, and certificates good for another
# purpose only.  Each block proves the decision (status and reason) and,
# where it matters, what the variables hold.  docs/adversarial.md says
# why each answer is the right one.
#
# Decisions are checked in locations with "certauthz on"; variables in a
# location with certauthz off that returns them in the body ("return"
# runs before the access phase, and a body keeps leading and trailing
# spaces and long values that a header would not).

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

# fill(TEXT, NAME => VALUE, ...): TEXT with every @NAME@ replaced by VALUE,
# escaped to stand inside a double-quoted nginx string.
sub fill {
    my ($text, %values) = @_;

    for my $name (keys %values) {
        (my $v = $values{$name}) =~ s/([\\"])/\\$1/g;
        $text =~ s/\@\Q$name\E\@/$v/g or die "fill: no \@$name\@ in text\n";
    }

    die "fill: $1 left unfilled\n" if $text =~ /(\@[A-Z_]+\@)/;

    return $text;
}

# ":" base64(DER) ":" of t/pki/NAME.crt (RFC 9440 Client-Cert)
sub client_cert {
    my $name = shift;

    require MIME::Base64;

    open my $in, '<', "$ENV{TEST_NGINX_PKI}/$name.crt"
        or die "$name.crt: $!\n";
    my $pem = do { local $/; <$in> };
    my ($body) = $pem =~ /-----BEGIN CERTIFICATE-----\s*(.*?)-----END CERTIFICATE-----/s
        or die "$name.crt: no PEM certificate\n";
    my $der = MIME::Base64::decode_base64($body);

    return (':' . MIME::Base64::encode_base64($der, '') . ':', length $der);
}

# a response_body_like pattern that matches exactly TEXT
sub exact {
    return '^' . quotemeta(shift) . '\z';
}

# the OIDs of 100 arcs of longoid (t/lib/mkpki.sh): 1.3.6.1.4.1.55555.3N
# and 92 arcs 1 to 9 over and over, 204 characters
sub long_oid {
    return "1.3.6.1.4.1.55555.3" . shift()
           . CORE::join('', map { '.' . ($_ % 9 + 1) } 0 .. 91);
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: NUL in CN ("admin" NUL ".evil"): no rule sees "admin"; other fields still match
--- user_files
>>> cns.txt
admin
admin.evil
--- http_config eval
main::fill(<<'_EOC_', S => Certauthz::Test::expected('nulcn', 'subject'));
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /eq/       { alias $TEST_NGINX_PKI/www/; certauthz_allow cn=admin; }
        location /re/       { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~^admin"; }
        location /re-tail/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~evil$"; }
        location /re-nul/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~\x00"; }
        location /re-any/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~*."; }
        location /list/     { alias $TEST_NGINX_PKI/www/; certauthz_allow cn=@$TEST_NGINX_SERVER_ROOT/html/cns.txt; }
        location /ne/       { alias $TEST_NGINX_PKI/www/; certauthz_allow cn!=admin; }
        location /deny-eq/  {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny cn=admin;
            certauthz_allow all;
        }
        location /subj-trunc/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "subject=CN=admin,O=Example Corp";
        }
        location /subj/     { alias $TEST_NGINX_PKI/www/; certauthz_allow "subject=@S@"; }
        location /o/        { alias $TEST_NGINX_PKI/www/; certauthz_allow "o=Example Corp"; }
    }
_EOC_
--- request eval
[map { "GET /nulcn/$_/ok.txt" }
 qw(eq re re-tail re-nul re-any list ne deny-eq subj-trunc subj o)]
--- error_code eval
[403, 403, 403, 403, 403, 403, 200, 200, 403, 200, 200]
--- response_headers eval
[(map { "X-Reason: no-match" } 1 .. 6), "X-Reason: allow", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: allow", "X-Reason: allow"]
--- no_error_log
reason: deny



=== TEST 2: NUL in CN: $certauthz_cn writes it %00, $certauthz_subject is $ssl_client_s_dn (\00)
--- config
    location = /vars {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls.sock:/vars;
        proxy_ssl_certificate $TEST_NGINX_PKI/nulcn.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/nulcn.key;
    }
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location /vars {
            return 200 "cn=[$certauthz_cn]\nsubject=[$certauthz_subject]\ns_dn=[$ssl_client_s_dn]\n";
        }
    }
--- request
GET /vars
--- response_body eval
my $s = Certauthz::Test::expected('nulcn', 'subject');
die "nulcn.subject has no \\00: $s\n" unless $s =~ /\\00/;
"cn=[admin%00.evil]\nsubject=[$s]\ns_dn=[$s]\n"



=== TEST 3: NUL in a SAN e-mail: no equality, list or regex sees the truncated or the tail; the variable writes it %00
--- user_files
>>> emails.txt
admin@example.com
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /list/     { alias $TEST_NGINX_PKI/www/; certauthz_allow email=@$TEST_NGINX_SERVER_ROOT/html/emails.txt; }
        location /re-tail/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "email~\.evil\.net$"; }
        location /re-nul/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "email~\x00"; }
        location /nlist/    { alias $TEST_NGINX_PKI/www/; certauthz_allow email!=@$TEST_NGINX_SERVER_ROOT/html/emails.txt; }
        location /vars/ {
            certauthz off;
            return 200 "email=[$certauthz_email]\ndns=[$certauthz_dns]\n";
        }
    }
--- request eval
["GET /nulemail/list/ok.txt", "GET /nulemail/re-tail/ok.txt",
 "GET /nulemail/re-nul/ok.txt", "GET /nulemail/nlist/ok.txt",
 "GET /nulemail/vars/"]
--- error_code eval
[403, 403, 403, 200, 200]
--- response_headers eval
["X-Reason: no-match", "X-Reason: no-match", "X-Reason: no-match",
 "X-Reason: allow", "!X-Reason"]
--- response_body_like eval
["403 Forbidden", "403 Forbidden", "403 Forbidden", main::exact("ok\n"),
 main::exact("email=[admin\@example.com%00.evil.net]\ndns=[nul.example.com]\n")]



=== TEST 4: BMPString and UniversalString CNs: cn, list and variables in UTF-8; subject as $ssl_client_s_dn
--- user_files
>>> cns.txt
Jürgen
--- http_config eval
my %s = map { (uc $_ => Certauthz::Test::expected($_, 'subject')) } qw(bmp univ);
main::fill(<<'_EOC_', %s);
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /list/  { alias $TEST_NGINX_PKI/www/; certauthz_allow cn=@$TEST_NGINX_SERVER_ROOT/html/cns.txt; }
        location /bmp/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "subject=@BMP@"; }
        location /univ/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "subject=@UNIV@"; }
        location /raw/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "subject=CN=Jürgen"; }
        location /vars/ {
            certauthz off;
            return 200 "cn=[$certauthz_cn]\nsubject=[$certauthz_subject]\ns_dn=[$ssl_client_s_dn]\n";
        }
    }
_EOC_
--- request eval
["GET /bmp/list/ok.txt", "GET /univ/list/ok.txt", "GET /bmp/bmp/ok.txt",
 "GET /univ/univ/ok.txt", "GET /bmp/raw/ok.txt", "GET /univ/raw/ok.txt",
 "GET /bmp/vars/", "GET /univ/vars/"]
--- error_code eval
[200, 200, 200, 200, 403, 403, 200, 200]
--- response_body_like eval
my ($b, $u) = map { Certauthz::Test::expected($_, 'subject') } qw(bmp univ);
die "bmp and univ subjects should both be CN=J\\C3\\BCrgen: $b, $u\n"
    unless $b eq 'CN=J\C3\BCrgen' && $u eq $b;
my ($ok, $no) = (main::exact("ok\n"), "403 Forbidden");
[$ok, $ok, $ok, $ok, $no, $no,
 main::exact("cn=[Jürgen]\nsubject=[$b]\ns_dn=[$b]\n"),
 main::exact("cn=[Jürgen]\nsubject=[$u]\ns_dn=[$u]\n")]



=== TEST 5: RFC 2253 specials, leading '#' and spaces: subject escaped as nginx has it, cn/o/ou raw and untrimmed
--- http_config eval
my %v = (S => Certauthz::Test::expected('dnspecial', 'subject'),
         I => Certauthz::Test::expected('dnspecial', 'issuer'));
main::fill(<<'_EOC_', %v);
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /subj/       { alias $TEST_NGINX_PKI/www/; certauthz_allow "subject=@S@"; }
        location /subj-raw/   {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "subject=CN=#hash\\back,OU=trail ,OU= lead,O=x,y+z\"w\\v<u>t;s=r";
        }
        location /issuer/     { alias $TEST_NGINX_PKI/www/; certauthz_allow "issuer=@I@"; }
        location /cn/         { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn=#hash\\back"; }
        location /cn-esc/     { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn=\\#hash\\\\back"; }
        location /o/          { alias $TEST_NGINX_PKI/www/; certauthz_allow "o=x,y+z\"w\\v<u>t;s=r"; }
        location /o-part/     { alias $TEST_NGINX_PKI/www/; certauthz_allow "o=x"; }
        location /ou-lead/    { alias $TEST_NGINX_PKI/www/; certauthz_allow "ou= lead"; }
        location /ou-trail/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "ou=trail "; }
        location /ou-trimmed/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ou=lead; }
        location /ou-trimmed2/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ou=trail; }
        location /vars/ {
            certauthz off;
            return 200 "cn=[$certauthz_cn]\nsubject=[$certauthz_subject]\ns_dn=[$ssl_client_s_dn]\nissuer=[$certauthz_issuer]\n";
        }
    }
_EOC_
--- request eval
[map { "GET /dnspecial/$_" }
 qw(subj/ok.txt subj-raw/ok.txt issuer/ok.txt cn/ok.txt cn-esc/ok.txt o/ok.txt
    o-part/ok.txt ou-lead/ok.txt ou-trail/ok.txt ou-trimmed/ok.txt
    ou-trimmed2/ok.txt vars/)]
--- error_code eval
[200, 403, 200, 200, 403, 200, 403, 200, 200, 403, 403, 200]
--- response_body_like eval
my $s = Certauthz::Test::expected('dnspecial', 'subject');
my $i = Certauthz::Test::expected('dnspecial', 'issuer');
die "dnspecial.subject is not escaped as expected: $s\n"
    unless $s eq 'CN=\#hash\\\\back,OU=trail\ ,OU=\ lead,O=x\,y\+z\"w\\\\v\<u\>t\;s=r';
my ($ok, $no) = (main::exact("ok\n"), "403 Forbidden");
[$ok, $no, $ok, $ok, $no, $ok, $no, $ok, $ok, $no, $no,
 main::exact("cn=[#hash\\back]\nsubject=[$s]\ns_dn=[$s]\nissuer=[$i]\n")]



=== TEST 6: 1,000 SAN entries: the first and the last of each type match, others do not
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /dns-first/   { alias $TEST_NGINX_PKI/www/; certauthz_allow dns=host-1.many.example; }
        location /dns-last/    { alias $TEST_NGINX_PKI/www/; certauthz_allow dns=host-250.many.example; }
        location /email-last/  { alias $TEST_NGINX_PKI/www/; certauthz_allow email=user-250@many.example; }
        location /uri-last/    { alias $TEST_NGINX_PKI/www/; certauthz_allow uri=spiffe://many.example/w/250; }
        location /ip-last/     { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=10.9.0.250; }
        location /ip-none/     { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=10.9.0.251; }
        location /dns-none/    { alias $TEST_NGINX_PKI/www/; certauthz_allow dns=host-251.many.example; }
        location /dns-re-last/ { alias $TEST_NGINX_PKI/www/; certauthz_allow "dns~^host-250\."; }
        location /dns-ne-last/ { alias $TEST_NGINX_PKI/www/; certauthz_allow dns!=host-250.many.example; }
        location /ip-ne-none/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ip!=10.9.0.251; }
    }
--- request eval
[map { "GET /manysan/$_/ok.txt" }
 qw(dns-first dns-last email-last uri-last ip-last ip-none dns-none
    dns-re-last dns-ne-last ip-ne-none)]
--- error_code eval
[200, 200, 200, 200, 200, 403, 403, 200, 403, 200]
--- response_headers eval
[("X-Reason: allow") x 5, ("X-Reason: no-match") x 2, "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: allow"]



=== TEST 7: 1,000 SAN entries: each variable holds all 250 values in certificate order; XFCC all URIs then all DNS names
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            return 200 "dns=$certauthz_dns\nemail=$certauthz_email\nuri=$certauthz_uri\nip=$certauthz_ip\nxfcc=$certauthz_xfcc\n";
        }
    }
--- request
GET /manysan/
--- response_body eval
my @n = 1 .. 250;
my $fp = Certauthz::Test::expected('manysan', 'fingerprint');
"dns=" . CORE::join(',', map { "host-$_.many.example" } @n) . "\n"
. "email=" . CORE::join(',', map { "user-$_\@many.example" } @n) . "\n"
. "uri=" . CORE::join(',', map { "spiffe://many.example/w/$_" } @n) . "\n"
. "ip=" . CORE::join(',', map { "10.9.0.$_" } @n) . "\n"
. "xfcc=Hash=$fp;Subject=\"CN=manysan\""
. CORE::join('', map { ";URI=spiffe://many.example/w/$_" } @n)
. CORE::join('', map { ";DNS=host-$_.many.example" } @n) . "\n"



=== TEST 8: a 64 KiB certificate with nginx's defaults: the handshake fails (OpenSSL cannot fit the session with it into a session ticket)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        certauthz_allow all;
    }
--- request
GET /bigcert/ok.txt
--- error_code: 502
--- error_log
[crit]
SSL_do_handshake() failed (SSL: error:0A0C0103:SSL routines::internal error)
--- no_error_log
certauthz: access forbidden
certauthz: audit



=== TEST 9: a 64 KiB certificate with ssl_session_tickets off: accepted, fields match, fingerprint and Client-Cert are of the whole DER
--- http_config eval
main::fill(<<'_EOC_', FP => Certauthz::Test::expected('bigcert', 'fingerprint'));
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        ssl_session_tickets off;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /fields/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow cn=bigcert dns=bigcert.example.com "fingerprint=@FP@";
        }
        location /other/ { alias $TEST_NGINX_PKI/www/; certauthz_allow cn=hugecert; }
        location /cert/ {
            certauthz off;
            return 200 "$certauthz_client_cert";
        }
    }
_EOC_
--- request eval
["GET /bigcert/fields/ok.txt", "GET /bigcert/other/ok.txt", "GET /bigcert/cert/"]
--- error_code eval
[200, 403, 200]
--- response_body_like eval
my ($cc, $len) = main::client_cert('bigcert');
die "bigcert.crt is $len bytes, not 64 KiB\n" unless $len >= 65536;
[main::exact("ok\n"), "403 Forbidden", main::exact("$cc")]



=== TEST 10: a 120 KiB certificate: OpenSSL's limit for a Certificate message (100 KiB) refuses the handshake
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        ssl_session_tickets off;
        certauthz on;
        certauthz_allow all;
    }
--- request
GET /hugecert/ok.txt
--- error_code: 502
--- error_log
excessive message size
--- no_error_log
certauthz: access forbidden
certauthz: audit



=== TEST 11: empty subject (SAN only): cn has no value, so no cn rule holds, "cn~^$" neither; negations hold
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /cn-empty/    { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~*^$"; }
        location /cn-re-empty/ { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~^$"; }
        location /cn-re-any/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~*."; }
        location /o-re-any/    { alias $TEST_NGINX_PKI/www/; certauthz_allow "o~^"; }
        location /cn-ne/       { alias $TEST_NGINX_PKI/www/; certauthz_allow cn!=admin; }
        location /cn-ne-empty/ { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn!~^$"; }
        location /cn-nre/      { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn!~^"; }
        location /subj-empty/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "subject~^$"; }
        location /email/       { alias $TEST_NGINX_PKI/www/; certauthz_allow email=anon@example.com cn!=anon; }
        location /deny-cn/     {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny "cn~.";
            certauthz_allow uri=spiffe://example.com/anon;
        }
        location /vars/ {
            certauthz off;
            return 200 "cn=[$certauthz_cn]\nsubject=[$certauthz_subject]\ns_dn=[$ssl_client_s_dn]\nemail=[$certauthz_email]\n";
        }
    }
--- request eval
[map { "GET /nosubject/$_" }
 qw(cn-empty/ok.txt cn-re-empty/ok.txt cn-re-any/ok.txt o-re-any/ok.txt
    cn-ne/ok.txt cn-ne-empty/ok.txt cn-nre/ok.txt subj-empty/ok.txt
    email/ok.txt deny-cn/ok.txt vars/)]
--- error_code eval
[403, 403, 403, 403, 200, 200, 200, 200, 200, 200, 200]
--- response_body_like eval
my ($ok, $no) = (main::exact("ok\n"), "403 Forbidden");
[$no, $no, $no, $no, $ok, $ok, $ok, $ok, $ok, $ok,
 main::exact("cn=[]\nsubject=[]\ns_dn=[]\nemail=[anon\@example.com]\n")]



=== TEST 12: empty subject: the denial log line has an empty subject
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        certauthz_allow cn=anon;
    }
--- request
GET /nosubject/ok.txt
--- error_code: 403
--- error_log
certauthz: access forbidden, reason: no-match, subject: "", serial: 5016, client:



=== TEST 13: a 20-byte serial with the high bit (DER 21 bytes): exact, with colons and a leading zero, in a list, as variable
--- user_files
>>> serials.txt
# the same serial as a rule would write it
00:ff:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13
>>> others.txt
FF0102030405060708090A0B0C0D0E0F101112
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;
        add_header X-Serial $certauthz_serial always;

        location /eq/     { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=FF0102030405060708090A0B0C0D0E0F10111213; }
        location /zero/   { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=00ff0102030405060708090a0b0c0d0e0f10111213; }
        location /short/  { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=0102030405060708090A0B0C0D0E0F10111213; }
        location /list/   { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=@$TEST_NGINX_SERVER_ROOT/html/serials.txt; }
        location /others/ { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=@$TEST_NGINX_SERVER_ROOT/html/others.txt; }
        location /re/     { alias $TEST_NGINX_PKI/www/; certauthz_allow "serial~^FF01[0-9A-F]{36}$"; }
    }
--- request eval
[map { "GET /serial20/$_/ok.txt" } qw(eq zero short list others re)]
--- error_code eval
[200, 200, 403, 200, 403, 200]
--- response_headers eval
[map { "X-Reason: $_\nX-Serial: FF0102030405060708090A0B0C0D0E0F10111213" }
 qw(allow allow no-match allow no-match allow)]



=== TEST 14: a negative serial (-0x0A1B2C) is "-A1B2C": never alice's A1B2C, not by =, list or regex
--- user_files
>>> serials.txt
0A1B2C
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;
        add_header X-Serial $certauthz_serial always;

        location /eq/       { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=A1B2C; }
        location /list/     { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=@$TEST_NGINX_SERVER_ROOT/html/serials.txt; }
        location /re-pos/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "serial~^A1B2C$"; }
        location /re-neg/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "serial~^-A1B2C$"; }
        location /ne/       { alias $TEST_NGINX_PKI/www/; certauthz_allow serial!=A1B2C; }
        location /nlist/    { alias $TEST_NGINX_PKI/www/; certauthz_allow serial!=@$TEST_NGINX_SERVER_ROOT/html/serials.txt; }
    }
--- request eval
["GET /negserial/eq/ok.txt", "GET /negserial/list/ok.txt",
 "GET /negserial/re-pos/ok.txt", "GET /negserial/re-neg/ok.txt",
 "GET /negserial/ne/ok.txt", "GET /negserial/nlist/ok.txt",
 "GET /alice/eq/ok.txt", "GET /alice/list/ok.txt"]
--- error_code eval
[403, 403, 403, 200, 200, 200, 200, 200]
--- response_headers eval
[(map { "X-Reason: $_\nX-Serial: -A1B2C" }
  qw(no-match no-match no-match allow allow allow)),
 "X-Reason: allow\nX-Serial: A1B2C", "X-Reason: allow\nX-Serial: A1B2C"]



=== TEST 15: a negative serial in the denial log line
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        certauthz_allow serial=A1B2C;
    }
--- request
GET /negserial/ok.txt
--- error_code: 403
--- error_log
certauthz: access forbidden, reason: no-match, subject: "CN=negserial", serial: -A1B2C, client:



=== TEST 16: IDN: an A-label is matched as sent, never as its U-label; a U-label dNSName never equals the UTF-8 name
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /alabel/       { alias $TEST_NGINX_PKI/www/; certauthz_allow dns=xn--mnchen-3ya.example; }
        location /alabel-case/  { alias $TEST_NGINX_PKI/www/; certauthz_allow dns=XN--MNCHEN-3YA.example; }
        location /ulabel/       { alias $TEST_NGINX_PKI/www/; certauthz_allow dns=münchen.example; }
        location /email/        { alias $TEST_NGINX_PKI/www/; certauthz_allow email=user@xn--mnchen-3ya.example; }
        location /email-u/      { alias $TEST_NGINX_PKI/www/; certauthz_allow email=user@münchen.example; }
        location /ulabel-other/ { alias $TEST_NGINX_PKI/www/; certauthz_allow dns=xn--mnchen-3ya.example; }
    }
--- request eval
["GET /idn/alabel/ok.txt", "GET /idn/alabel-case/ok.txt", "GET /idn/ulabel/ok.txt",
 "GET /idn/email/ok.txt", "GET /idn/email-u/ok.txt", "GET /alice/ulabel-other/ok.txt"]
--- error_code eval
[200, 403, 403, 200, 403, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: no-match", "X-Reason: no-match"]



=== TEST 17: IPv6 SANs are RFC 5952 text as inet_ntop writes it; rule values are normalised; a v4-mapped address is not IPv4
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /a/        { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=2001:db8::1:0:0:1; }
        location /a-long/   { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=2001:0DB8:0000:0000:0001:0000:0000:0001; }
        location /a-other/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=2001:db8:0:0:1::1; }
        location /b/        { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=2001:db8::1:1:1:1:1; }
        location /mapped/   { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=::ffff:a01:203; }
        location /v4/       { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=10.1.2.3; }
        location /any/      { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=::; }
        location /lo/       { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=::1; }
        location /ll/       { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=FE80::202:B3FF:FE1E:8329; }
        location /re/       { alias $TEST_NGINX_PKI/www/; certauthz_allow "ip~^2001:db8::1:0:0:1$"; }
        location /re-upper/ { alias $TEST_NGINX_PKI/www/; certauthz_allow "ip~^FE80:"; }
        location /re-long/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "ip~^2001:db8:0:0:"; }
        location /vars/ {
            certauthz off;
            return 200 "ip=[$certauthz_ip]\n";
        }
    }
--- request eval
[map { "GET /ipv6/$_" }
 qw(a/ok.txt a-long/ok.txt a-other/ok.txt b/ok.txt mapped/ok.txt v4/ok.txt
    any/ok.txt lo/ok.txt ll/ok.txt re/ok.txt re-upper/ok.txt re-long/ok.txt
    vars/)]
--- error_code eval
[200, 200, 200, 200, 200, 403, 200, 200, 200, 200, 403, 403, 200]
--- response_body_like eval
my ($ok, $no) = (main::exact("ok\n"), "403 Forbidden");
[$ok, $ok, $ok, $ok, $ok, $no, $ok, $ok, $ok, $ok, $no, $no,
 main::exact("ip=[2001:db8::1:0:0:1,2001:db8:0:1:1:1:1:1,::ffff:10.1.2.3,::,::1,"
 . "fe80::202:b3ff:fe1e:8329,192.0.2.7]\n")]



=== TEST 18: iPAddress entries of 5 and 8 bytes never match anything; the good one beside them does
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /good/    { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=192.0.2.7; }
        location /ten/     { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=10.0.0.1; }
        location /ten-net/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ip=10.0.0.0; }
        location /re-ten/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "ip~^10\."; }
        location /re-empty/ { alias $TEST_NGINX_PKI/www/; certauthz_allow "ip~^$"; }
        location /ne-ten/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ip!=10.0.0.1; }
    }
--- request eval
[map { "GET /badip/$_/ok.txt" } qw(good ten ten-net re-ten re-empty ne-ten)]
--- error_code eval
[200, 403, 403, 403, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: no-match",
 "X-Reason: no-match", "X-Reason: no-match", "X-Reason: allow"]



=== TEST 19: no SAN extension (nosan): email/dns/uri/ip rules never hold, their negations do; variables empty; XFCC without URI/DNS
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /email/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "email~^"; }
        location /ip/     { alias $TEST_NGINX_PKI/www/; certauthz_allow "ip~^"; }
        location /uri-ne/ { alias $TEST_NGINX_PKI/www/; certauthz_allow "uri!~^"; }
        location /dns-deny/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny dns!=nosan.example.com;
            certauthz_allow all;
        }
        location /vars/ {
            certauthz off;
            return 200 "email=[$certauthz_email]\ndns=[$certauthz_dns]\nuri=[$certauthz_uri]\nip=[$certauthz_ip]\nxfcc=[$certauthz_xfcc]\n";
        }
    }
--- request eval
[map { "GET /nosan/$_" } qw(email/ok.txt ip/ok.txt uri-ne/ok.txt dns-deny/ok.txt vars/)]
--- error_code eval
[403, 403, 200, 403, 200]
--- response_body_like eval
my $fp = Certauthz::Test::expected('nosan', 'fingerprint');
["403 Forbidden", "403 Forbidden", main::exact("ok\n"), "403 Forbidden",
 main::exact("email=[]\ndns=[]\nuri=[]\nip=[]\nxfcc=[Hash=$fp;Subject=\"CN=nosan\"]\n")]



=== TEST 20: iPAddress entries of 5 and 8 bytes are not written as addresses in $certauthz_ip (empty elements), nor in XFCC
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            return 200 "ip=[$certauthz_ip]\nxfcc=[$certauthz_xfcc]\n";
        }
    }
--- request
GET /badip/
--- response_body eval
my $fp = Certauthz::Test::expected('badip', 'fingerprint');
"ip=[,,192.0.2.7]\nxfcc=[Hash=$fp;Subject=\"CN=badip\"]\n"



=== TEST 21: several OUs (one with a comma, two in one RDN): ou matches any one value, never the joined text
--- http_config eval
main::fill(<<'_EOC_', S => Certauthz::Test::expected('multiou', 'subject'));
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /alpha/    { alias $TEST_NGINX_PKI/www/; certauthz_allow ou=Alpha; }
        location /comma/    { alias $TEST_NGINX_PKI/www/; certauthz_allow "ou=Research, Dev"; }
        location /ops/      { alias $TEST_NGINX_PKI/www/; certauthz_allow ou=Ops; }
        location /lab/      { alias $TEST_NGINX_PKI/www/; certauthz_allow ou=Lab; }
        location /part/     { alias $TEST_NGINX_PKI/www/; certauthz_allow ou=Research; }
        location /rdn/      { alias $TEST_NGINX_PKI/www/; certauthz_allow "ou=Ops+OU=Lab"; }
        location /joined/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "ou=Alpha,Research%2C Dev,Lab,Ops"; }
        location /not-lab/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ou!=Lab; }
        location /not-beta/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ou!=Beta; }
        location /all-two/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ou=Alpha ou=Ops; }
        location /subj/     { alias $TEST_NGINX_PKI/www/; certauthz_allow "subject=@S@"; }
        location /vars/ {
            certauthz off;
            return 200 "cn=[$certauthz_cn]\nsubject=[$certauthz_subject]\n";
        }
    }
_EOC_
--- request eval
[map { "GET /multiou/$_" }
 qw(alpha/ok.txt comma/ok.txt ops/ok.txt lab/ok.txt part/ok.txt rdn/ok.txt
    joined/ok.txt not-lab/ok.txt not-beta/ok.txt all-two/ok.txt subj/ok.txt
    vars/)]
--- error_code eval
[200, 200, 200, 200, 403, 403, 403, 403, 200, 200, 200, 200]
--- response_body_like eval
my $s = Certauthz::Test::expected('multiou', 'subject');
my ($ok, $no) = (main::exact("ok\n"), "403 Forbidden");
[$ok, $ok, $ok, $ok, $no, $no, $no, $no, $ok, $ok, $ok,
 main::exact("cn=[multiou]\nsubject=[$s]\n")]



=== TEST 22: a client certificate with extendedKeyUsage serverAuth only: nginx refuses it (400) under "on", certauthz never runs
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        certauthz_allow all;
    }
--- request
GET /srvauth/ok.txt
--- error_code: 400
--- error_log
client SSL certificate verify error: (26:
--- no_error_log
certauthz: access forbidden
certauthz: audit



=== TEST 23: a client certificate from a CA restricted to serverAuth: nginx refuses it (400) under "on"
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        certauthz_allow all;
    }
--- request
GET /viasrvca/ok.txt
--- error_code: 400
--- error_log
client SSL certificate verify error: (26:
--- no_error_log
certauthz: access forbidden
certauthz: audit



=== TEST 24: wrong purpose under "optional" and "optional_no_ca": nginx still refuses (not a missing-CA error), also with certauthz audit
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;
        certauthz audit;
        certauthz_allow all;
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls2.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional_no_ca;
        certauthz on;
        certauthz_allow all;
    }
--- config
    location /nca-srvauth/ {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls2.sock:/;
        proxy_ssl_certificate $TEST_NGINX_PKI/srvauth.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/srvauth.key;
    }
    location /nca-viasrvca/ {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls2.sock:/;
        proxy_ssl_certificate $TEST_NGINX_PKI/viasrvca.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/viasrvca.key;
    }
--- request eval
["GET /srvauth/ok.txt", "GET /viasrvca/ok.txt", "GET /nca-srvauth/ok.txt",
 "GET /nca-viasrvca/ok.txt"]
--- error_code eval
[400, 400, 400, 400]
--- no_error_log
certauthz: access forbidden
certauthz: audit



=== TEST 25: a U-label in a dNSName (UTF-8 bytes in an IA5String) never matches, in no form, and is not forwarded
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /utf8/    { alias $TEST_NGINX_PKI/www/; certauthz_allow dns=münchen.example; }
        location /latin1/  { alias $TEST_NGINX_PKI/www/; certauthz_allow dns=mÃ¼nchen.example; }
        location /re/      { alias $TEST_NGINX_PKI/www/; certauthz_allow "dns~^m"; }
        location /nre/     { alias $TEST_NGINX_PKI/www/; certauthz_allow "dns!~^m"; }
        location /alabel/  { alias $TEST_NGINX_PKI/www/; certauthz_allow dns=xn--mnchen-3ya.example; }
        location /vars/ {
            certauthz off;
            return 200 "dns=[$certauthz_dns]\nxfcc=[$certauthz_xfcc]\n";
        }
    }
--- request eval
[map { "GET /idn/$_" } qw(utf8/ok.txt latin1/ok.txt re/ok.txt nre/ok.txt alabel/ok.txt vars/)]
--- error_code eval
[403, 403, 403, 200, 200, 200]
--- response_body_like eval
["403 Forbidden", "403 Forbidden", "403 Forbidden", "^ok", "^ok",
 "^dns=\\[xn--mnchen-3ya\\.example,m%C3%BCnchen\\.example\\]\nxfcc=\\[Hash=[0-9a-f]{64};Subject=\"CN=idn\";DNS=xn--mnchen-3ya\\.example\\]\n\$"]



=== TEST 26: a negative serial is named by "-" and its normalised magnitude, in a rule and in a list file
--- user_files
>>> serials.txt
-0a:1b:2c
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /eq/   { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=-A1B2C; }
        location /norm/ { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=-00:0a:1b:2c; }
        location /list/ { alias $TEST_NGINX_PKI/www/; certauthz_allow serial=@$TEST_NGINX_SERVER_ROOT/html/serials.txt; }
    }
--- request eval
["GET /negserial/eq/ok.txt", "GET /negserial/norm/ok.txt", "GET /negserial/list/ok.txt",
 "GET /alice/eq/ok.txt", "GET /alice/norm/ok.txt", "GET /alice/list/ok.txt"]
--- error_code eval
[200, 200, 200, 403, 403, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: allow", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: no-match", "X-Reason: no-match"]



=== TEST 27: extendedKeyUsage and keyUsage that do not parse: OpenSSL's verification refuses them (no issuer found), nginx answers 400, certauthz never runs
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        certauthz_deny eku!=clientAuth;
        certauthz_allow all;
    }
--- request eval
["GET /badeku/ok.txt", "GET /badku/ok.txt"]
--- error_code eval
[400, 400]
--- error_log
client SSL certificate verify error: (21:unable to verify the first certificate)
--- no_error_log
certauthz: access forbidden
certauthz: audit



=== TEST 28: the same under optional_no_ca, which lets "no issuer" through: certauthz denies them "unverified" whatever the rules; the field that does not parse is poisoned, never "(none)"
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional_no_ca;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /all/ { alias $TEST_NGINX_PKI/www/; certauthz_allow all; }
        location /explain {
            certauthz_deny eku!=clientAuth;
            certauthz_deny key_usage!=digitalSignature;
            certauthz_allow all;
            certauthz_explain;
        }
        location /vars/ {
            certauthz off;
            return 200 "eku=[$certauthz_eku]\nku=[$certauthz_key_usage]\n";
        }
    }
--- request eval
["GET /badeku/all/ok.txt", "GET /badku/all/ok.txt", "GET /badeku/explain",
 "GET /badku/explain", "GET /badeku/vars/", "GET /badku/vars/"]
--- error_code eval
[403, 403, 200, 200, 200, 200]
--- response_headers eval
["X-Reason: unverified", "X-Reason: unverified", "!X-Reason", "!X-Reason",
 "!X-Reason", "!X-Reason"]
--- response_body_like eval
["403 Forbidden", "403 Forbidden",
 qr{(?ms)
   \Aresult:\ deny\nreason:\ unverified\n
   (?=.*^verify:\ FAILED:)
   (?=.*^eku:\ \(does\ not\ parse:\ no\ condition\ on\ it\ lets\ the\ certificate\ through\)$)
   (?=.*^key_usage:\ "digitalSignature"$)
   (?=.*^\S+:\d+:\ certauthz_deny\ eku!=clientAuth:\ held\ \(not\ consulted:\ unverified\)$)
 }x,
 qr{(?ms)
   \Aresult:\ deny\nreason:\ unverified\n
   (?=.*^eku:\ "clientAuth"$)
   (?=.*^key_usage:\ \(does\ not\ parse:\ no\ condition\ on\ it\ lets\ the\ certificate\ through\)$)
   (?=.*^\S+:\d+:\ certauthz_deny\ key_usage!=digitalSignature:\ held\ \(not\ consulted:\ unverified\)$)
 }x,
 main::exact("eku=[]\nku=[digitalSignature]\n"),
 main::exact("eku=[clientAuth]\nku=[]\n")]



=== TEST 29: certificatePolicies cut short (polcut) or present twice (poldup: 1.2.3, then 1.2.4): poisoned; no allow rule on policy lets it through, a deny rule on it holds; other fields still match
--- user_files
>>> policies.txt
1.2.3
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /eq/    { alias $TEST_NGINX_PKI/www/; certauthz_allow policy=1.2.3; }
        location /ne/    { alias $TEST_NGINX_PKI/www/; certauthz_allow policy!=1.2.9; }
        location /nre/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "policy!~^2\."; }
        location /nlist/ { alias $TEST_NGINX_PKI/www/; certauthz_allow policy!=@$TEST_NGINX_SERVER_ROOT/html/policies.txt; }
        location /deny-second/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny policy=1.2.4;
            certauthz_allow all;
        }
        location /deny-ne/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny policy!=1.2.3;
            certauthz_allow all;
        }
        location /cn-any/ { alias $TEST_NGINX_PKI/www/; certauthz_allow "cn~^pol"; }
        location /vars/ {
            certauthz off;
            return 200 "policy=[$certauthz_policy]\n";
        }
    }
--- request eval
[(map { ("GET /polcut/$_/ok.txt", "GET /poldup/$_/ok.txt") }
  qw(eq ne nre nlist deny-second deny-ne cn-any)),
 "GET /alice/deny-second/ok.txt", "GET /alice/ne/ok.txt",
 "GET /polcut/vars/", "GET /poldup/vars/"]
--- error_code eval
[(403) x 12, 200, 200, 200, 200, 200, 200]
--- response_headers eval
[("X-Reason: no-match") x 8, ("X-Reason: deny") x 4, ("X-Reason: allow") x 4,
 "!X-Reason", "!X-Reason"]
--- response_body_like eval
[("403 Forbidden") x 12, ("^ok\n") x 4,
 main::exact("policy=[]\n"), main::exact("policy=[]\n")]



=== TEST 30: a byte after the DER of extendedKeyUsage, keyUsage, certificatePolicies: read as OpenSSL's verification reads them (the byte ignored); after an ext:OID's DER: poisoned
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /eku/    { alias $TEST_NGINX_PKI/www/; certauthz_allow eku=clientAuth; }
        location /ku/     { alias $TEST_NGINX_PKI/www/; certauthz_allow key_usage=digitalSignature; }
        location /policy/ { alias $TEST_NGINX_PKI/www/; certauthz_allow policy=1.2.3; }
        location /ext/    { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.25=hi; }
        location /ext-has/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.25; }
        location /ext-ne/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.25!=x; }
        location /ext-deny/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny ext:1.3.6.1.4.1.55555.25=x;
            certauthz_allow all;
        }
        location /vars/ {
            certauthz off;
            return 200 "eku=[$certauthz_eku]\nku=[$certauthz_key_usage]\npolicy=[$certauthz_policy]\next=[$certauthz_ext_1_3_6_1_4_1_55555_25]\n";
        }
    }
--- request eval
[map { "GET /trailing/$_" }
 qw(eku/ok.txt ku/ok.txt policy/ok.txt ext/ok.txt ext-has/ok.txt
    ext-ne/ok.txt ext-deny/ok.txt vars/)]
--- error_code eval
[200, 200, 200, 403, 403, 403, 403, 200]
--- response_headers eval
[("X-Reason: allow") x 3, ("X-Reason: no-match") x 3, "X-Reason: deny",
 "!X-Reason"]
--- response_body_like eval
[("^ok\n") x 3, ("403 Forbidden") x 4,
 main::exact("eku=[clientAuth]\nku=[digitalSignature]\npolicy=[1.2.3]\next=[]\n")]



=== TEST 31: ext:OID values that do not parse as one DER string: a BMPString of odd length, a UniversalString of 6 bytes, two encodings: poisoned fields (no allow rule holds, a deny rule holds, presence alone too)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /bmp-has/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.20; }
        location /bmp-ne/   { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.20!=x; }
        location /bmp-nre/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "ext:1.3.6.1.4.1.55555.20!~."; }
        location /bmp-deny/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny ext:1.3.6.1.4.1.55555.20=A;
            certauthz_allow all;
        }
        location /univ-has/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.23; }
        location /univ-ne/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.23!=x; }
        location /univ-deny/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny ext:1.3.6.1.4.1.55555.23;
            certauthz_allow all;
        }
        location /two-eq/   { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.24=hi; }
        location /two-ne/   { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.24!=x; }
        location /two-deny/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny ext:1.3.6.1.4.1.55555.24=hi;
            certauthz_allow all;
        }
        location /cn/       { alias $TEST_NGINX_PKI/www/; certauthz_allow cn=extbad; }
    }
--- request eval
[map { "GET /extbad/$_/ok.txt" }
 qw(bmp-has bmp-ne bmp-nre bmp-deny univ-has univ-ne univ-deny two-eq two-ne
    two-deny cn)]
--- error_code eval
[403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]
--- response_headers eval
[("X-Reason: no-match") x 3, "X-Reason: deny", ("X-Reason: no-match") x 2,
 "X-Reason: deny", ("X-Reason: no-match") x 2, "X-Reason: deny",
 "X-Reason: allow"]



=== TEST 32: ext:OID strings that parse but are no text: invalid UTF-8, a lone UTF-16 surrogate, a NUL: poisoned values (never match, negations and presence hold, a deny on the would-be value does not)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /utf8-re/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "ext:1.3.6.1.4.1.55555.21~^a"; }
        location /utf8-ne/  { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.21!=x; }
        location /utf8-has/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.21; }
        location /sur-re/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "ext:1.3.6.1.4.1.55555.26~A$"; }
        location /sur-ne/   { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.26!=A; }
        location /nul-eq/   { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.22=admin; }
        location /nul-re/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "ext:1.3.6.1.4.1.55555.22~^admin"; }
        location /nul-tail/ { alias $TEST_NGINX_PKI/www/; certauthz_allow "ext:1.3.6.1.4.1.55555.22~evil$"; }
        location /nul-ne/   { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.22!=admin; }
        location /nul-deny/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny ext:1.3.6.1.4.1.55555.22=admin;
            certauthz_allow all;
        }
        location /nul-deny-has/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny ext:1.3.6.1.4.1.55555.22;
            certauthz_allow all;
        }
        location /long-len/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.27=hi; }
    }
--- request eval
[map { "GET /extbad/$_/ok.txt" }
 qw(utf8-re utf8-ne utf8-has sur-re sur-ne nul-eq nul-re nul-tail nul-ne
    nul-deny nul-deny-has long-len)]
--- error_code eval
[403, 200, 200, 403, 200, 403, 403, 403, 200, 200, 403, 200]
--- response_headers eval
["X-Reason: no-match", "X-Reason: allow", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: allow", ("X-Reason: no-match") x 3,
 "X-Reason: allow", "X-Reason: allow", "X-Reason: deny", "X-Reason: allow"]



=== TEST 33: $certauthz_ext_* of these values: empty for a poisoned field and for a string that is no text, %00 for the NUL, the string of a non-minimal length; explain tells them apart
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location /vars/ {
            return 200 "[$certauthz_ext_1_3_6_1_4_1_55555_20][$certauthz_ext_1_3_6_1_4_1_55555_21][$certauthz_ext_1_3_6_1_4_1_55555_22][$certauthz_ext_1_3_6_1_4_1_55555_23][$certauthz_ext_1_3_6_1_4_1_55555_24][$certauthz_ext_1_3_6_1_4_1_55555_26][$certauthz_ext_1_3_6_1_4_1_55555_27]\n";
        }
        location /explain {
            certauthz_allow ext:1.3.6.1.4.1.55555.20 ext:1.3.6.1.4.1.55555.21
                            ext:1.3.6.1.4.1.55555.22 ext:1.3.6.1.4.1.55555.24
                            ext:1.3.6.1.4.1.55555.27;
            certauthz_explain;
        }
    }
--- request eval
["GET /extbad/vars/", "GET /extbad/explain"]
--- response_body_like eval
[main::exact("[][][admin%00.evil][][][][hi]\n"),
 qr{(?ms)
   \Aresult:\ deny\nreason:\ no-match\n
   (?=.*^ext:1\.3\.6\.1\.4\.1\.55555\.20:\ \(does\ not\ parse:\ no\ condition\ on\ it\ lets\ the\ certificate\ through\)$)
   (?=.*^ext:1\.3\.6\.1\.4\.1\.55555\.21:\ ""\ \(.*never\ matches\)$)
   (?=.*^ext:1\.3\.6\.1\.4\.1\.55555\.22:\ "admin%00\.evil"\ \(.*never\ matches\)$)
   (?=.*^ext:1\.3\.6\.1\.4\.1\.55555\.24:\ \(does\ not\ parse:\ no\ condition\ on\ it\ lets\ the\ certificate\ through\)$)
   (?=.*^ext:1\.3\.6\.1\.4\.1\.55555\.27:\ "hi"$)
 }x]



=== TEST 34: OIDs of 100 arcs (204 characters) in an extension, in extendedKeyUsage and in certificatePolicies: matched whole, never a prefix
--- http_config eval
my ($ext, $eku, $pol) = map { main::long_oid($_) } 0 .. 2;
die "long OID is not 204 characters\n" unless length $ext == 204;
my %v = (EXT => $ext, EKU => $eku, POL => $pol,
         EKU_CUT => substr($eku, 0, -2), POL_CUT => substr($pol, 0, 128));
main::fill(<<'_EOC_', %v);
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /eku/     { alias $TEST_NGINX_PKI/www/; certauthz_allow eku=@EKU@; }
        location /eku-cut/ { alias $TEST_NGINX_PKI/www/; certauthz_allow eku=@EKU_CUT@; }
        location /pol/     { alias $TEST_NGINX_PKI/www/; certauthz_allow policy=@POL@; }
        location /pol-cut/ { alias $TEST_NGINX_PKI/www/; certauthz_allow policy=@POL_CUT@; }
        location /pol-re/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "policy~\.8\.9\.1\.2$"; }
        location /ext/     { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:@EXT@=long; }
        location /ext-has/ { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:@EXT@; }
        location /ext-deny/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny ext:@EXT@;
            certauthz_allow all;
        }
        location /vars/ {
            certauthz off;
            return 200 "eku=[$certauthz_eku]\npolicy=[$certauthz_policy]\n";
        }
    }
_EOC_
--- request eval
[(map { "GET /longoid/$_/ok.txt" }
  qw(eku eku-cut pol pol-cut pol-re ext ext-has ext-deny)),
 "GET /alice/ext-has/ok.txt", "GET /alice/ext-deny/ok.txt", "GET /longoid/vars/"]
--- error_code eval
[200, 403, 200, 403, 200, 200, 200, 403, 403, 200, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: allow",
 "X-Reason: no-match", ("X-Reason: allow") x 3, "X-Reason: deny",
 "X-Reason: no-match", "X-Reason: allow", "!X-Reason"]
--- response_body_like eval
my ($eku, $pol) = map { main::long_oid($_) } 1, 2;
[("^ok\n", "403 Forbidden") x 2, ("^ok\n") x 3, ("403 Forbidden") x 2, "^ok\n",
 main::exact("eku=[clientAuth,$eku]\npolicy=[$pol]\n")]



=== TEST 35: 1,000 policies and 500 extended key usages: the first and the last match, one more does not, a negation of a present one does not hold
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /pol-first/ { alias $TEST_NGINX_PKI/www/; certauthz_allow policy=1.3.6.1.4.1.55555.40.1; }
        location /pol-last/  { alias $TEST_NGINX_PKI/www/; certauthz_allow policy=1.3.6.1.4.1.55555.40.1000; }
        location /pol-none/  { alias $TEST_NGINX_PKI/www/; certauthz_allow policy=1.3.6.1.4.1.55555.40.1001; }
        location /pol-re/    { alias $TEST_NGINX_PKI/www/; certauthz_allow "policy~\.40\.1000$"; }
        location /pol-deny/  {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny policy=1.3.6.1.4.1.55555.40.1000;
            certauthz_allow all;
        }
        location /pol-ne/    { alias $TEST_NGINX_PKI/www/; certauthz_allow policy!=1.3.6.1.4.1.55555.40.1000; }
        location /eku-first/ { alias $TEST_NGINX_PKI/www/; certauthz_allow eku=clientAuth; }
        location /eku-last/  { alias $TEST_NGINX_PKI/www/; certauthz_allow eku=1.3.6.1.4.1.55555.41.499; }
        location /eku-none/  { alias $TEST_NGINX_PKI/www/; certauthz_allow eku=1.3.6.1.4.1.55555.41.500; }
        location /eku-ne/    { alias $TEST_NGINX_PKI/www/; certauthz_allow eku!=1.3.6.1.4.1.55555.41.499; }
    }
--- request eval
[(map { "GET /manypol/$_/ok.txt" }
  qw(pol-first pol-last pol-none pol-re pol-deny pol-ne)),
 (map { "GET /manyeku/$_/ok.txt" } qw(eku-first eku-last eku-none eku-ne))]
--- error_code eval
[200, 200, 403, 200, 403, 403, 200, 200, 403, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: allow", "X-Reason: no-match", "X-Reason: allow",
 "X-Reason: deny", "X-Reason: no-match", "X-Reason: allow", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: no-match"]



=== TEST 36: 1,000 policies and 500 extended key usages: each variable holds all of them, in certificate order
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            return 200 "policy=$certauthz_policy\neku=$certauthz_eku\n";
        }
    }
--- request eval
["GET /manypol/", "GET /manyeku/"]
--- response_body eval
["policy=" . CORE::join(',', map { "1.3.6.1.4.1.55555.40.$_" } 1 .. 1000)
 . "\neku=clientAuth\n",
 "policy=\neku=clientAuth,"
 . CORE::join(',', map { "1.3.6.1.4.1.55555.41.$_" } 1 .. 499) . "\n"]



=== TEST 37: an extension of 60 KiB (certificate 61,936 bytes: a session ticket still holds it): matched; its variable is the whole DER in hex, 122,888 characters
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /has/   { alias $TEST_NGINX_PKI/www/; certauthz_allow ext:1.3.6.1.4.1.55555.50; }
        location /head/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "ext:1.3.6.1.4.1.55555.50~^0482f000015a5a"; }
        location /tail/  { alias $TEST_NGINX_PKI/www/; certauthz_allow "ext:1.3.6.1.4.1.55555.50~5a5aff$"; }
        location /deny/  {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny "ext:1.3.6.1.4.1.55555.50~ff$";
            certauthz_allow all;
        }
        location /vars/ {
            certauthz off;
            return 200 "$certauthz_ext_1_3_6_1_4_1_55555_50";
        }
    }
--- request eval
["GET /hugeext/has/ok.txt", "GET /hugeext/head/ok.txt", "GET /hugeext/tail/ok.txt",
 "GET /hugeext/deny/ok.txt", "GET /hugeext/vars/"]
--- error_code eval
[200, 200, 200, 403, 200]
--- response_body_like eval
my ($cc, $len) = main::client_cert('hugeext');
die "hugeext.crt is $len bytes, not 60 to 64 KiB\n"
    unless $len > 61440 && $len < 65280;
[("^ok\n") x 3, "403 Forbidden",
 main::exact("0482f00001" . ("5a" x 61438) . "ff")]
--- no_error_log
[crit]



=== TEST 38: a critical extension OpenSSL does not know: its verification refuses the certificate (34), nginx answers 400 under "on" and "optional_no_ca" alike, certauthz never runs
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        certauthz_allow ext:1.3.6.1.4.1.55555.60;
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls2.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional_no_ca;
        certauthz audit;
        certauthz_allow all;
    }
--- config
    location /nca-critext/ {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls2.sock:/;
        proxy_ssl_certificate $TEST_NGINX_PKI/critext.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/critext.key;
    }
--- request eval
["GET /critext/ok.txt", "GET /nca-critext/ok.txt"]
--- error_code eval
[400, 400]
--- error_log
client SSL certificate verify error: (34:unhandled critical extension)
--- no_error_log
certauthz: access forbidden
certauthz: audit
