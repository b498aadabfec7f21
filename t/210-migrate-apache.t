# docs/migrating.md, "From Apache httpd": each "apache policy=NAME" block
# runs in Apache httpd 2.4 (mod_ssl, Require expr), the "nginx policy=NAME"
# block of the same name in nginx with certauthz, and every certificate of
# Certauthz::Migrate::@CERTS (21 of the test PKI, two untrusted ones, none),
# or of the policy's own list (AD CS templates; keys and signatures of every
# kind), is sent to both: the decisions must agree, but for the differences the
# guide documents, which must show as documented.
#
# Not a Test::Nginx file: it starts Apache and nginx itself, on
# TEST_NGINX_SERVER_PORT + 11 ... + 13, and stops them at the end.

use strict;
use warnings;

use lib 't/lib';
use Certauthz::Test ();
use Certauthz::Migrate;

use Test::More;

plan skip_all => 'apache2 not found (Debian: apache2)'
    unless grep { -x "$_/apache2" } split(/:/, $ENV{PATH}), '/usr/sbin';

my $modules = '/usr/lib/apache2/modules';

# the policies on AD CS template names and on algorithms are tried with
# certificates made for them (t/lib/mkpki.sh), and with those that every
# server must refuse
my @ADCS_CERTS = qw(alice bob adcs-user adcs-machine adcs-fi adcs-print
                    eve mallory none);
my @ALG_CERTS = qw(alice k-rsa2048 k-rsa3072 k-pss k-p384 k-ed25519 k-ed448
                   client-pss client-ed25519 client-ed448 eve mallory none);

# what certauthz allows under each policy; where Apache decides otherwise;
# certs: other certificates than Certauthz::Migrate::@CERTS
my %expect = (
    'apache-admin'       => { allow => 'alice bob' },
    'apache-services'    => { allow => 'svc-billing door-1 door-2' },
    'apache-first-ou'    => { allow => 'alice',
                              differ => { alice => ['deny', 'allow'] } },
    'apache-ops'         => { allow => 'alice multiou' },
    'apache-root-issued' => { allow => 'rootclient' },
    'apache-subject'     => { allow => 'bob utf8' },
    'apache-serials'     => { allow => 'alice bob highbit' },
    'apache-san'         => { allow => 'alice nosubject' },
    # a PrintableString is no DisplayText: not in Apache's PeerExtList()
    'apache-template'    => { certs => \@ADCS_CERTS,
                              allow => 'adcs-user adcs-fi adcs-print',
                              differ => { 'adcs-print' => ['deny', 'allow'] } },
    'apache-algs'        => { certs => \@ALG_CERTS,
                              allow => 'k-pss k-p384 client-pss' },
);

Certauthz::Migrate::check_policy_names('apache', qr/^apache-(?!vhost$)/, \%expect);

my $m = Certauthz::Migrate->new(offset => 11);
my $dir = $m->dir;
my $pki = $Certauthz::Migrate::PKI;
my $apache_port = $m->next_port;
my $nginx_port = $m->next_port;

my (@apache, @nginx, %path);

for my $name (sort keys %expect) {
    my $old = Certauthz::Migrate::policy('apache', $name);
    my $new = Certauthz::Migrate::policy('nginx', $name);
    my $p = Certauthz::Migrate::block_path($old);

    is(Certauthz::Migrate::block_path($new), $p, "$name: the same path in both");
    $path{$name} = $p;
    $m->page($p);
    push @apache, $old;
    push @nginx, $new;
}

# --- Apache: the document's <VirtualHost> (SSLVerifyClient require) with
# the document's <Location> blocks in it ------------------------------------------
my $vhost = $m->localize(Certauthz::Migrate::policy('apache', 'apache-vhost'),
                         $apache_port);
my $locations = join "\n", map { $m->localize($_) } @apache;
$vhost =~ s{^(?=</VirtualHost>)}{$locations\n}m
    or die "no </VirtualHost> in the document's apache-vhost block\n";

$m->apache(<<"EOF" . $vhost, $apache_port);
ServerRoot $dir
ServerName localhost
DefaultRuntimeDir $dir/logs
PidFile $dir/logs/apache.pid
ErrorLog $dir/logs/apache-error.log
LogLevel warn
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule dir_module $modules/mod_dir.so
LoadModule socache_shmcb_module $modules/mod_socache_shmcb.so
LoadModule ssl_module $modules/mod_ssl.so
Listen 127.0.0.1:$apache_port
DocumentRoot $dir/www
DirectoryIndex index.html
EOF

# --- nginx + certauthz ---------------------------------------------------------
$m->write_doc_files;
$m->nginx('certauthz', $m->certauthz_conf($nginx_port, @nginx), $nginx_port);

# --- the decisions ---------------------------------------------------------------
# each policy with its certificates (Certauthz::Migrate's @CERTS, or certs)
for my $name (sort keys %expect) {
    local @Certauthz::Migrate::CERTS = @{ $expect{$name}{certs} }
        if $expect{$name}{certs};

    my $d = $m->decide_all([$apache_port, $path{$name}], [$nginx_port, $path{$name}]);

    Certauthz::Migrate::check_policy(
        name => $name,
        what => 'Apache',
        old => $d->{"$apache_port$path{$name}"},
        new => $d->{"$nginx_port$path{$name}"},
        %{ $expect{$name} });
}

# Apache did decide, by the rules (not for want of a page)
like(Certauthz::Migrate::slurp("$dir/logs/apache-error.log"),
     qr/AH01630: client denied by server configuration/,
     'Apache logged its denials');

done_testing();
