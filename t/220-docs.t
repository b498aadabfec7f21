# Every fenced code block of docs/cookbook.md and docs/migrating.md is
# exercised: nginx blocks with nginx -t, apache/haproxy with their own
# checks, yaml parsed, Dockerfiles looked at, sh recipes run for real
# against a sandboxed nginx, expected output compared.  The conventions are
# at the top of t/lib/Certauthz/Docs.pm.
#
# Not a Test::Nginx file: it runs nginx itself, in temporary sandboxes, on
# free loopback ports, and stops whatever it started.  TEST_NGINX_NO_CLEAN=1
# keeps the sandboxes (their path is printed).

use strict;
use warnings;

use lib 't/lib';
use Certauthz::Test ();
use Certauthz::Docs;
use Test::More;
use FindBin;

chdir "$FindBin::Bin/.." or die "chdir: $!";

my @docs = ('docs/cookbook.md', 'docs/migrating.md');
@docs = @ARGV if @ARGV;    # prove t/220-docs.t :: other.md

my $docs = Certauthz::Docs->new;

for my $doc (@docs) {
    if (!-e $doc) {
        SKIP: { skip "$doc does not exist (yet): nothing to check", 1; }
        next;
    }
    note "checking $doc";
    $docs->check_document($doc);
}

done_testing();
