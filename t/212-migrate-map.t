# docs/migrating.md, "From stock nginx": the whole configuration before
# ("nginx policy=map-old": map + if, no certauthz) and after ("nginx
# policy=map-new": certauthz) each run in an nginx of their own, with the
# document's list and map files (file=/etc/nginx/certauthz/...), their
# fingerprints those of the test PKI; every certificate of
# Certauthz::Migrate::@CERTS is sent to every location of both: the
# decisions must agree.  The SHA-1 map and the SHA-256 list pin the same
# certificates.
#
# Not a Test::Nginx file: it starts the three nginx (old, new, the
# application stand-in) itself, on TEST_NGINX_SERVER_PORT + 17 ... + 19,
# and stops them at the end.

use strict;
use warnings;

use lib 't/lib';
use Certauthz::Test ();
use Certauthz::Migrate;

use Test::More;

# what both allow, per location of the two configurations
my %expect = (
    '/admin/'       => 'alice bob',
    '/services/'    => 'svc-billing door-1 door-2',
    '/ops/'         => 'alice multiou',
    '/root-issued/' => 'rootclient',
    '/serials/'     => 'alice bob highbit',
    '/pinned/'      => 'alice door-1',
);

my $old = Certauthz::Migrate::policy('nginx', 'map-old');
my $new = Certauthz::Migrate::policy('nginx', 'map-new');

my @old_paths = $old =~ m{^\s*location\s+(/\S*)\s*\{}mg;
my @new_paths = $new =~ m{^\s*location\s+(/\S*)\s*\{}mg;
is("@old_paths", "@new_paths", 'the same locations before and after');
is(join(' ', sort @new_paths), join(' ', sort keys %expect),
   'a test expectation for each location');
unlike($old, qr/^\s*certauthz/m, 'the configuration before has no certauthz directive');

my $m = Certauthz::Migrate->new(offset => 17);
my $old_port = $m->next_port;
my $new_port = $m->next_port;

# the pinned certificates' fingerprints, as the document's files name them
$m->write_doc_files(sub {
    my ($name, $text) = @_;
    return $name =~ /^pinned\./ ? Certauthz::Migrate::refresh_fingerprints($text) : $text;
});
my $sha1 = Certauthz::Migrate::slurp($m->dir . '/certauthz/pinned.sha1');
my $sha256 = Certauthz::Migrate::slurp($m->dir . '/certauthz/pinned.sha256');
is(join(' ', $sha1 =~ /^#\s*(\S+)/mg), join(' ', $sha256 =~ /^#\s*(\S+)/mg),
   'the SHA-1 map and the SHA-256 list pin the same certificates');

$m->nginx('app', "events { }\nhttp {\n" . $m->app_conf . "}\n", $m->{app});
$m->nginx('old', $m->localize($old, $old_port), $old_port);
$m->nginx('new', $m->localize($new, $new_port), $new_port);

my $d = $m->decide_all(map { ([$old_port, $_], [$new_port, $_]) } @new_paths);

# documented differences ("Case."): a map compares without regard to case,
# so its "alice" takes capcn's CN "ALICE"; cn=alice does not
my %differ = (
    '/admin/' => { capcn => ['allow', 'deny'] },
);

for my $path (@new_paths) {
    Certauthz::Migrate::check_policy(
        name => $path,
        what => 'map + if',
        old => $d->{"$old_port$path"},
        new => $d->{"$new_port$path"},
        allow => $expect{$path},
        differ => $differ{$path});
}

done_testing();
