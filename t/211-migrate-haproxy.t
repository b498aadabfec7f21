# docs/migrating.md, "From HAProxy": each "haproxy policy=NAME" block (a
# backend) runs in HAProxy 2.6 behind an mTLS frontend that routes /NAME/
# to backend NAME, the "nginx policy=NAME" block of the same name in nginx
# with certauthz, and every certificate of Certauthz::Migrate::@CERTS (or
# of the policy's own list: keys and signatures of every kind) is sent to
# both: the decisions must agree, but for the differences the
# guide documents, which must show as documented.
#
# Not a Test::Nginx file: it starts HAProxy and nginx itself, on
# TEST_NGINX_SERVER_PORT + 14 ... + 16, and stops them at the end.

use strict;
use warnings;

use lib 't/lib';
use Certauthz::Test ();
use Certauthz::Migrate;

use Test::More;

plan skip_all => 'haproxy not found (Debian: haproxy)'
    unless grep { -x "$_/haproxy" } split(/:/, $ENV{PATH}), '/usr/sbin';

# the policies on key and signature algorithms are tried with certificates
# of every kind of key, signed by CAs of every kind (t/lib/mkpki.sh), and
# with those that every server must refuse
my @ALG_CERTS = qw(alice k-rsa2048 k-rsa3072 k-pss k-p384 k-ed25519 k-ed448
                   client-pss client-ed25519 client-ed448 eve mallory none);

# what certauthz allows under each policy; where HAProxy decides otherwise;
# certs: other certificates than Certauthz::Migrate::@CERTS
my %expect = (
    'haproxy-staff'       => { allow => 'alice bob' },
    'haproxy-first-cn'    => { allow => 'multicn bmp',
                               differ => { multicn => ['deny', 'allow'],
                                           bmp => ['deny', 'allow'] } },
    'haproxy-services'    => { allow => 'svc-billing door-1 door-2' },
    'haproxy-ops'         => { allow => 'alice multiou' },
    'haproxy-root-issued' => { allow => 'rootclient' },
    'haproxy-subject'     => { allow => 'bob utf8' },
    'haproxy-serials'     => { allow => 'bob highbit' },
    'haproxy-lost-laptop' => {
        allow => join(' ', grep { !/^(alice|eve|mallory|none)$/ }
                           @Certauthz::Migrate::CERTS),
        differ => { negserial => ['deny', 'allow'] } },
    'haproxy-keys'        => {
        certs => \@ALG_CERTS,
        allow => 'alice k-p384 k-ed25519 k-ed448 client-pss client-ed25519 client-ed448' },
    'haproxy-sigs'        => {
        certs => \@ALG_CERTS,
        allow => 'alice k-rsa3072 k-p384 k-ed25519 k-ed448 client-ed25519 client-ed448' },
);

Certauthz::Migrate::check_policy_names('haproxy', qr/^haproxy-(?!frontend$)/, \%expect);

my $m = Certauthz::Migrate->new(offset => 14);
my $haproxy_port = $m->next_port;
my $nginx_port = $m->next_port;

my (@haproxy, @nginx, %path);

for my $name (sort keys %expect) {
    my $old = Certauthz::Migrate::policy('haproxy', $name);
    my $new = Certauthz::Migrate::policy('nginx', $name);
    my $p = Certauthz::Migrate::block_path($old);

    is(Certauthz::Migrate::block_path($new), $p, "$name: the same path in both");
    $path{$name} = $p;
    push @haproxy, $old;
    push @nginx, $new;
}

# --- HAProxy: the document's frontend (verify required, /NAME/ routed to
# backend NAME) and backends; their "server app 127.0.0.1:8080" is the
# application stand-in of the nginx below ------------------------------------------
my $backends = join "\n", map { $m->localize($_) } @haproxy;

$m->nginx('certauthz', $m->certauthz_conf($nginx_port, @nginx), $nginx_port);

$m->haproxy(<<"EOF"
global
    log stderr local0 notice

defaults
    mode http
    log global
    option httplog
    timeout connect 5s
    timeout client 10s
    timeout server 10s

EOF
    . $m->localize(Certauthz::Migrate::policy('haproxy', 'haproxy-frontend'), $haproxy_port)
    . "\n$backends", $haproxy_port);

# --- the decisions ---------------------------------------------------------------
# each policy with its certificates (Certauthz::Migrate's @CERTS, or certs)
for my $name (sort keys %expect) {
    local @Certauthz::Migrate::CERTS = @{ $expect{$name}{certs} }
        if $expect{$name}{certs};

    my $d = $m->decide_all([$haproxy_port, $path{$name}], [$nginx_port, $path{$name}]);

    Certauthz::Migrate::check_policy(
        name => $name,
        what => 'HAProxy',
        old => $d->{"$haproxy_port$path{$name}"},
        new => $d->{"$nginx_port$path{$name}"},
        %{ $expect{$name} });
}

done_testing();
