# Every configuration mistake fails "nginx -t" with a message that names
# the file, the line and the offending token.
#
# Each block's "conf" goes on line 10 of a location of an otherwise valid
# nginx.conf; "error" is a regex the output of nginx -t must match, and the
# message must end with "in <conf>:10".  A block with "warn" instead must
# pass nginx -t and print that warning.  (Test::Nginx's must_die looks only
# in the error log file, where nginx does not write start-up errors when it
# was built with --error-log-path=stderr, as Debian's is; so this file runs
# nginx -t itself, with Test::Base's block format.)

use strict;
use warnings;

use lib 't/lib';
use Certauthz::Test ();
use Test::Base;
use File::Temp qw(tempdir);

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my @modules = grep { $_ } split /\s+/, $ENV{TEST_NGINX_LOAD_MODULES};

plan tests => 2 * blocks();

my $dir = tempdir(CLEANUP => 1);
mkdir "$dir/logs";

# CRL files for the blocks below, relative to the prefix
{
    open my $in, '<', "$ENV{TEST_NGINX_PKI}/crl/int-alice.crl" or die $!;
    my $pem = do { local $/; <$in> };
    open my $long, '<', "$ENV{TEST_NGINX_PKI}/crl/int-longserial.crl" or die $!;
    my %crl = ('garbage.crl' => "this is not a CRL\n",
               'longserial.crl' => do { local $/; <$long> },
               'truncated.crl' => substr($pem, 0, length($pem) / 2),
               'empty.crl' => '',
               'good.crl' => $pem);
    for my $name (keys %crl) {
        open my $out, '>', "$dir/$name" or die "$dir/$name: $!";
        print $out $crl{$name};
        close $out;
    }
}

# list files for the blocks below, relative to the prefix
for (['bad-serials.txt', "# comment\nff01\nxyz\n"],
     ['bad-ips.txt', "10.0.0.1\n\n2001:db8::zz\n"])
{
    open my $f, '>', "$dir/$_->[0]" or die "$dir/$_->[0]: $!";
    print $f $_->[1];
    close $f;
}

sub nginx_t {
    my ($conf) = @_;

    # one line, however many modules
    my $loads = join(' ', map { "load_module $_;" } @modules) . "\n";
    my @head = split /\n/, <<"_EOC_";
${loads}error_log $dir/logs/error.log;
pid $dir/logs/nginx.pid;
events { }
http {
    server {
        listen 127.0.0.1:1;
        include $ENV{TEST_NGINX_PKI}/tls.conf;
        location / {
_EOC_

    # pad so that the block's first line is line 10
    push @head, '' while @head < 9;

    open my $out, '>', "$dir/nginx.conf" or die "$dir/nginx.conf: $!";
    print $out join("\n", @head), "\n", $conf, "\n        }\n    }\n}\n";
    close $out;

    my $output = `$nginx -t -p $dir/ -c $dir/nginx.conf 2>&1`;
    return ($? >> 8, $output);
}

run {
    my $block = shift;
    my ($status, $output) = nginx_t($block->conf);
    my $name = $block->name;

    if (defined $block->warn) {
        is $status, 0, "$name: nginx -t passes";
        my $re = $block->warn;
        like $output, qr/\[warn\] .*$re/, "$name: warning";
        return;
    }

    isnt $status, 0, "$name: nginx -t fails";

    my $re = $block->error;
    like $output, qr/\[emerg\] .*$re.* in \Q$dir\E\/nginx\.conf:10$/m,
         "$name: message names token, file and line";
};

__DATA__

=== unknown field
--- conf
certauthz_allow foo=bar;
--- error chomp
unknown field "foo" in "foo=bar"

=== unknown field: the message names every field
--- conf
certauthz_allow key_usages=digitalSignature;
--- error chomp
unknown field "key_usages" in "key_usages=digitalSignature", expected cn, subject, issuer, o, ou, email, dns, uri, ip, serial, fingerprint, eku, key_usage, policy, key, sig, ca, ca_fingerprint, depth, lifetime or ext:OID

=== spaces around the operator after a field with "_"
--- conf
certauthz_allow key_usage = keyAgreement;
--- error chomp
spaces around the operator in "key_usage = keyAgreement": a condition is one token, FIELD, an operator and a value without spaces, e.g. "key_usage=keyAgreement"

=== ext without an OID is not a field
--- conf
certauthz_allow ext=User;
--- error chomp
unknown field "ext" in "ext=User", expected cn

=== ext: with a name, not a dotted OID
--- conf
certauthz_allow ext:subjectAltName;
--- error chomp
invalid OID "" in "ext:subjectAltName", expected ext: and a dotted OID, e.g. "ext:1.3.6.1.4.1.311.20.2"

=== ext: with an OID that is not one
--- conf
certauthz_allow ext:1..2=x;
--- error chomp
invalid OID "1..2" in "ext:1..2=x"

=== an ordering operator on another field
--- conf
certauthz_allow cn>=alice;
--- error chomp
">=" in "cn>=alice" compares key, depth and lifetime only

=== an ordering of lifetime needs a time
--- conf
certauthz_allow lifetime<=soon;
--- error chomp
invalid lifetime in "lifetime<=soon", expected a time, e.g. "24h" or "90d"

=== lifetime = needs a time too
--- conf
certauthz_allow lifetime=1x;
--- error chomp
invalid lifetime in "lifetime=1x", expected a time, e.g. "24h" or "90d"

=== an ordering of depth needs a number
--- conf
certauthz_allow depth<=three;
--- error chomp
invalid depth in "depth<=three", expected a number

=== depth = needs a number too
--- conf
certauthz_allow depth=-1;
--- error chomp
invalid depth in "depth=-1", expected a number

=== an ordering of key without a size
--- conf
certauthz_allow key>=rsa;
--- error chomp
invalid key in "key>=rsa", expected ALGORITHM:SIZE, e.g. "key>=rsa:3072" or "key>=ec:P-384"

=== an ordering of a key that has no size
--- conf
certauthz_allow key>=ed25519;
--- error chomp
invalid key in "key>=ed25519"

=== an ordering of an EC key on a curve OpenSSL does not know
--- conf
certauthz_allow key>=ec:P-999;
--- error chomp
invalid key in "key>=ec:P-999"

=== spaces around an ordering operator
--- conf
certauthz_allow key >= rsa:3072;
--- error chomp
spaces around the operator in "key >= rsa:3072": a condition is one token, FIELD, an operator and a value without spaces, e.g. "key>=rsa:3072"

=== an extended key usage OpenSSL does not know (names are case-sensitive)
--- conf
certauthz_allow eku=clientauth;
--- error chomp
unknown extended key usage in "eku=clientauth", expected OpenSSL's name \(clientAuth, \.\.\.\) or a dotted OID

=== a policy that is no OID
--- conf
certauthz_allow policy=eidAuthentication;
--- error chomp
unknown policy in "policy=eidAuthentication", expected a dotted OID

=== a signature algorithm OpenSSL does not know
--- conf
certauthz_allow sig=sha256withRSA;
--- error chomp
unknown signature algorithm in "sig=sha256withRSA", expected OpenSSL's name

=== a key usage that is not one of the nine
--- conf
certauthz_allow key_usage=digitalsignature;
--- error chomp
unknown key usage in "key_usage=digitalsignature", expected digitalSignature, nonRepudiation

=== a ca_fingerprint that is not 64 hex digits
--- conf
certauthz_allow ca_fingerprint=abcd;
--- error chomp
invalid fingerprint in "ca_fingerprint=abcd", expected the SHA-256 digest as 64 hex digits

=== field names are lowercase
--- conf
certauthz_deny CN=alice;
--- error chomp
unknown field "CN" in "CN=alice"

=== unknown operator
--- conf
certauthz_allow cn^alice;
--- error chomp
unknown operator in "cn\^alice" after "cn", expected =, !=, ~, ~\*, !~, !~\*, =@, !=@, <, <=, > or >=

=== a field alone is no condition
--- conf
certauthz_allow cn;
--- error chomp
unknown operator in "cn"

=== "==" is not an operator: "=" is
--- conf
certauthz_allow cn==alice;
--- error chomp
unknown operator "==" in "cn==alice": use "=" \(exact match\), "cn=alice"

=== "=~" is not an operator: "~" is
--- conf
certauthz_allow "cn=~^adm";
--- error chomp
unknown operator "=~" in "cn=~\^adm": use "~" \(regex match\), "cn~\^adm"

=== spaces around the operator
--- conf
certauthz_allow cn == alice;
--- error chomp
spaces around the operator in "cn == alice": a condition is one token, FIELD, an operator and a value without spaces, e.g. "cn=alice"

=== a space before the value's operator
--- conf
certauthz_deny ou=Sales cn !=bob;
--- error chomp
spaces around the operator in "cn !=bob": a condition is one token, FIELD, an operator and a value without spaces, e.g. "cn!=bob"

=== a value with spaces, unquoted
--- conf
certauthz_allow subject=CN=alice,O=Example Corp;
--- error chomp
"Corp" is not a condition: a condition with spaces must be quoted as one token, e.g. "subject=CN=alice,O=Example Corp"

=== a value with spaces and "=" after them, unquoted
--- conf
certauthz_allow subject=CN=alice,O=Example Corp,OU=Ops;
--- error chomp
unknown field "Corp" in "Corp,OU=Ops"; if it is part of the value before it, quote the condition as one token: "subject=CN=alice,O=Example Corp,OU=Ops"

=== an empty value
--- conf
certauthz_allow ou=;
--- error chomp
empty value in "ou=": a condition needs a value after its operator; a field whose value is empty is matched by "ou~\^\$"

=== an empty value, negated
--- conf
certauthz_deny cn!=;
--- error chomp
empty value in "cn!=": a condition needs a value after its operator; a field whose value is empty is matched by "cn!~\^\$"

=== no field
--- conf
certauthz_allow =alice;
--- error chomp
invalid condition "=alice"

=== a regex that does not compile
--- conf
certauthz_allow "cn~^(alice";
--- error chomp
invalid regex in condition "cn~\^\(alice"

=== a case-insensitive regex that does not compile
--- conf
certauthz_deny "email!~*[a-";
--- error chomp
invalid regex in condition "email!~\*\[a-"

=== an empty regex
--- conf
certauthz_allow cn~;
--- error chomp
empty regex in "cn~"

=== a serial that is not hex
--- conf
certauthz_allow serial=12:xz;
--- error chomp
invalid serial in "serial=12:xz"

=== an empty serial
--- conf
certauthz_allow serial=;
--- error chomp
empty value in "serial=": a condition needs a value after its operator

=== a fingerprint that is too short
--- conf
certauthz_allow fingerprint=ab:cd;
--- error chomp
invalid fingerprint in "fingerprint=ab:cd"

=== an IP address that is none
--- conf
certauthz_allow ip=10.0.0.300;
--- error chomp
invalid IP address in "ip=10.0.0.300"

=== "all" with conditions
--- conf
certauthz_allow all cn=alice;
--- error chomp
"all" cannot be combined with conditions in "certauthz_allow"

=== a rule with no condition
--- conf
certauthz_deny;
--- error chomp
invalid number of arguments in "certauthz_deny" directive

=== an unknown mode
--- conf
certauthz yes;
--- error chomp
invalid value "yes" in "certauthz" directive, it must be "off", "on" or "audit"

=== a deny status that is no error status
--- conf
certauthz_deny_status 200;
--- error chomp
invalid status code "200"

=== a deny status that is no number
--- conf
certauthz_deny_status forbidden;
--- error chomp
invalid status code "forbidden"

=== a duplicate deny status
--- conf
certauthz_deny_status 404; certauthz_deny_status 403;
--- error chomp
"certauthz_deny_status" directive is duplicate

=== a deny status other than 401/403 under satisfy any is warned about
--- conf
certauthz on; satisfy any; certauthz_deny_status 404;
--- warn chomp
"certauthz_deny_status 404" in \S+nginx\.conf:10 is used with "satisfy any"

=== a duplicate mode
--- conf
certauthz on; certauthz audit;
--- error chomp
"certauthz" directive is duplicate

=== a list file that does not exist
--- conf
certauthz_allow cn=@no-such-list.txt;
--- error chomp
open\(\) list file "\S+/no-such-list.txt" failed \(2: No such file or directory\)

=== a list operator without a file
--- conf
certauthz_allow cn=@;
--- error chomp
no list file in "cn=@"

=== a list file with a bad serial names its line
--- conf
certauthz_allow serial=@bad-serials.txt;
--- error chomp
invalid serial "xyz" in list file "\S+/bad-serials.txt" line 3, expected hex digits

=== a list file with a bad IP address names its line
--- conf
certauthz_deny ip!=@bad-ips.txt;
--- error chomp
invalid IP address "2001:db8::zz" in list file "\S+/bad-ips.txt" line 3

=== a CRL file that does not exist
--- conf
certauthz_crl no-such.crl;
--- error chomp
stat\(\) CRL file "\S+/no-such.crl" failed \(2: No such file or directory\)

=== a CRL file that holds no CRL
--- conf
certauthz_crl garbage.crl;
--- error chomp
cannot load CRL file "\S+/garbage.crl": it is neither a PEM nor a valid DER CRL

=== a CRL revoking a serial longer than 1024 bytes is refused, not skipped
--- conf
certauthz_crl longserial.crl;
--- error chomp
cannot load CRL file "\S+/longserial.crl": a revoked serial in it is longer than 1024 bytes

=== a truncated PEM CRL file
--- conf
certauthz_crl truncated.crl;
--- error chomp
cannot load CRL file "\S+/truncated.crl": a PEM CRL in it is damaged

=== an empty CRL file
--- conf
certauthz_crl empty.crl;
--- error chomp
cannot load CRL file "\S+/empty.crl": no CRL in it

=== the same CRL file twice in one location
--- conf
certauthz_crl good.crl; certauthz_crl good.crl;
--- error chomp
CRL file "\S+/good.crl" is named twice here

=== a refresh interval that is no time
--- conf
certauthz_crl_refresh often;
--- error chomp
"certauthz_crl_refresh" directive invalid value

=== an unknown staleness policy
--- conf
certauthz_crl_stale maybe;
--- error chomp
invalid value "maybe"

=== certauthz_live takes on or off
--- conf
certauthz_live always;
--- error chomp
invalid value "always" in "certauthz_live" directive, it must be "on" or "off"

=== certauthz_live twice
--- conf
certauthz_live on; certauthz_live off;
--- error chomp
"certauthz_live" directive is duplicate

=== certauthz_explain takes no argument
--- conf
certauthz_explain on;
--- error chomp
invalid number of arguments in "certauthz_explain" directive

=== certauthz_explain twice in a location
--- conf
certauthz_explain; certauthz_explain;
--- error chomp
"certauthz_explain" directive is duplicate

=== certauthz_explain where another handler answers
--- conf
certauthz_metrics; certauthz_explain;
--- error chomp
"certauthz_explain" directive conflicts with another handler of this location

=== certauthz_metrics where another handler answers
--- conf
proxy_pass http://127.0.0.1:1; certauthz_metrics;
--- error chomp
"certauthz_metrics" directive conflicts with another handler of this location

=== certauthz_metrics where a directive after it sets another handler
--- conf
certauthz_metrics; proxy_pass http://127.0.0.1:1;
--- error chomp
"certauthz_metrics" directive conflicts with another handler of this location, set after it

=== certauthz_explain where a directive after it sets another handler
--- conf
certauthz_explain; fastcgi_pass 127.0.0.1:1;
--- error chomp
"certauthz_explain" directive conflicts with another handler of this location, set after it
