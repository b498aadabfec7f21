# Which CRLs cover a certificate, and which one is in force (RFC 5280, 5.2
# and 6.3): a table of crafted CRL sets of the test intermediate CA, made
# when the test runs (t/lib/mkscope.py, python3-cryptography), each judged
# twice for the same client certificate:
#   - by "openssl verify -crl_check -use_deltas" (the leaf only, as
#     certauthz checks it), whose answer must be the row's openssl verdict;
#   - by certauthz, through nginx, whose $certauthz_reason and status must
#     be the row's verdict.
# A row without an openssl verdict of its own expects the same of both, so
# the two must agree; a row with one is a documented difference (see
# docs/security.md, "CRLs"), where the rule of RFC 5280 that certauthz
# follows is stricter than OpenSSL's choice of a CRL.
#
# A row with a delta CRL runs openssl verify with -extended_crl too: without
# it, OpenSSL 3.0's get_crl_score() takes a delta CRL for a complete one (a
# dangling "else" there sets deltas aside only under extended CRL support;
# later OpenSSL sets them aside always), and no row here needs the rest of
# what -extended_crl does (indirect CRLs, onlySomeReasons).
#
# Verdicts: revoked, missing (crl-missing), stale (crl-stale), ok (allow).
# openssl's errors map to them: 23 certificate revoked; 3 unable to get
# certificate CRL, 44 different CRL scope, 36 unhandled critical CRL
# extension: missing; 12 CRL has expired: stale (openssl verify goes on
# after it, so a revocation still shows).

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

use JSON::PP ();

my $pki = $ENV{TEST_NGINX_PKI};
my $dir = "$pki/scope";

# the CRLs (days from now: this = thisUpdate, next = nextUpdate)

my @crls = (
    { name => 'full', number => 10, this => -30, next => 3000 },
    { name => 'full-bob', number => 10, this => -30, next => 3000,
      entries => [['bob', 'key_compromise', 0]] },
    { name => 'full-stale', number => 10, this => -30, next => -1 },
    { name => 'arl', number => 10, this => -30, next => 3000,
      idp => { only_ca => 1 } },
    { name => 'arl-bob', number => 10, this => -30, next => 3000,
      idp => { only_ca => 1 }, entries => [['bob', undef, 0]] },
    { name => 'user-bob', number => 10, this => -30, next => 3000,
      idp => { only_user => 1 }, entries => [['bob', undef, 0]] },
    { name => 'user', number => 10, this => -30, next => 3000,
      idp => { only_user => 1 } },
    { name => 'attr', number => 10, this => -30, next => 3000,
      idp => { only_attr => 1 } },
    { name => 'reasons-bob', number => 10, this => -30, next => 3000,
      idp => { reasons => ['key_compromise'] },
      entries => [['bob', 'key_compromise', 0]] },
    { name => 'indirect', number => 10, this => -30, next => 3000,
      idp => { indirect => 1 } },
    { name => 'crit', number => 11, this => -20, next => 3000, crit => 1 },
    { name => 'noncrit-bob', number => 10, this => -30, next => 3000,
      noncrit => 1, entries => [['bob', undef, 0]] },
    { name => 'entry-crit', number => 11, this => -20, next => 3000,
      entries => [['0DEAD1', undef, 1]] },
    { name => 'part-a', number => 10, this => -30, next => 3000,
      idp => { uri => 'http://crl.example/part-a.crl' } },
    { name => 'part-a-dpa', number => 10, this => -30, next => 3000,
      idp => { uri => 'http://crl.example/part-a.crl' },
      entries => [['dpa', undef, 0]] },
    { name => 'part-b', number => 10, this => -30, next => 3000,
      idp => { uri => 'http://crl.example/part-b.crl' } },

    # delta CRLs on top of base 10 (with a FreshestCRL, as AD CS has)
    { name => 'base', number => 10, this => -8, next => 3000,
      freshest => 1 },
    { name => 'base-stale', number => 10, this => -8, next => -1,
      freshest => 1 },
    { name => 'base-hold', number => 10, this => -8, next => 3000,
      freshest => 1, entries => [['bob', 'certificate_hold', 0]] },
    { name => 'base-kc', number => 10, this => -8, next => 3000,
      freshest => 1, entries => [['bob', 'key_compromise', 0]] },
    { name => 'base-nofresh', number => 10, this => -8, next => 3000 },
    { name => 'delta-bob', number => 11, base => 10, this => -1,
      next => 3000, entries => [['bob', 'key_compromise', 0]] },
    { name => 'delta', number => 11, base => 10, this => -1, next => 3000 },
    { name => 'delta-stale', number => 11, base => 10, this => -2,
      next => -1 },
    { name => 'delta-remove', number => 11, base => 10, this => -1,
      next => 3000, entries => [['bob', 'remove_from_crl', 0]] },
    { name => 'delta-12-bob', number => 13, base => 12, this => -1,
      next => 3000, entries => [['bob', 'key_compromise', 0]] },
    { name => 'delta-crit', number => 11, base => 10, this => -1,
      next => 3000, crit => 1 },

    # which complete CRL is in force
    { name => 'old-long', number => 10, this => -400, next => 3000 },
    { name => 'new-stale', number => 11, this => -200, next => -100 },
    { name => 'new-fresh', number => 11, this => -10, next => 3000 },
    { name => 'old-stale', number => 10, this => -400, next => -300 },
    { name => 'old-hold', number => 10, this => -400, next => 3000,
      entries => [['bob', 'certificate_hold', 0]] },
    { name => 'old-kc', number => 10, this => -400, next => 3000,
      entries => [['bob', 'key_compromise', 0]] },
    { name => 'nonum-old-long', this => -400, next => 3000 },
    { name => 'nonum-new-stale', this => -200, next => -100 },
);

# the rows: id, leaf, CRLs (one file), certauthz's verdict, and where
# OpenSSL differs, its verdict and why

my @rows = (
    [ 'complete',       'bob', ['full'],               'ok' ],
    [ 'complete-bob',   'bob', ['full-bob'],           'revoked' ],
    [ 'complete-stale', 'bob', ['full-stale'],         'stale' ],
    [ 'arl',            'bob', ['arl'],                'missing' ],
    [ 'arl-bob',        'bob', ['arl-bob'],            'missing' ],
    [ 'arl-and-full',   'bob', ['arl-bob', 'full'],    'ok' ],
    [ 'user-bob',       'bob', ['user-bob'],           'revoked' ],
    [ 'user',           'bob', ['user'],               'ok' ],
    [ 'attr',           'bob', ['attr'],               'missing' ],
    [ 'reasons-bob',    'bob', ['reasons-bob'],        'missing' ],
    [ 'indirect',       'bob', ['indirect'],           'missing' ],
    [ 'crit',           'bob', ['crit'],               'missing' ],
    [ 'crit-and-full',  'bob', ['crit', 'full'],       'ok' ],
    [ 'noncrit-bob',    'bob', ['noncrit-bob'],        'revoked' ],
    [ 'entry-crit',     'bob', ['entry-crit'],         'missing' ],
    [ 'part-a-dpa',     'dpa', ['part-a-dpa'],         'revoked' ],
    [ 'part-a',         'dpa', ['part-a'],             'ok' ],
    [ 'part-b',         'dpa', ['part-b'],             'missing' ],
    [ 'part-a-nodp',    'bob', ['part-a'],             'missing' ],
    [ 'full-dpa',       'dpa', ['full'],               'ok' ],
    [ 'delta-alone',    'bob', ['delta-bob'],          'missing' ],
    [ 'delta-bob',      'bob', ['base', 'delta-bob'],  'revoked' ],
    [ 'delta',          'bob', ['base', 'delta'],      'ok' ],
    [ 'hold',           'bob', ['base-hold'],          'revoked' ],
    [ 'hold-delta',     'bob', ['base-hold', 'delta'], 'revoked' ],
    [ 'hold-removed',   'bob', ['base-hold', 'delta-remove'], 'ok' ],
    [ 'base-stale-delta', 'bob', ['base-stale', 'delta'], 'ok' ],
    [ 'delta-too-new',  'bob', ['base', 'delta-12-bob'], 'ok' ],
    [ 'delta-crit',     'bob', ['base', 'delta-crit'], 'missing' ],
    [ 'old-stale-new-fresh', 'bob', ['old-stale', 'new-fresh'], 'ok' ],
    [ 'hold-released',  'bob', ['old-hold', 'new-fresh'], 'ok' ],
    [ 'old-kc-new-stale', 'bob', ['old-kc', 'new-stale'], 'revoked' ],

    # documented differences: the issue's rules over OpenSSL's choice
    [ 'old-long-new-stale', 'bob', ['old-long', 'new-stale'], 'stale',
      'ok', 'OpenSSL prefers a CRL within its nextUpdate to a newer '
            . 'stale one; the newest CRL (CRLNumber) is in force' ],
    [ 'nonum-new-stale', 'bob', ['nonum-old-long', 'nonum-new-stale'],
      'stale', 'ok', 'the same without CRLNumber: thisUpdate decides' ],
    [ 'delta-stale',    'bob', ['base', 'delta-stale'], 'stale',
      'ok', 'OpenSSL does not check the time of a delta CRL on top of a '
            . 'base within its nextUpdate; the delta in force decides' ],
    [ 'kc-removed',     'bob', ['base-kc', 'delta-remove'], 'revoked',
      'ok', 'removeFromCRL lifts a certificateHold only; OpenSSL lifts '
            . 'any revocation of the base' ],
    [ 'delta-nofresh',  'bob', ['base-nofresh', 'delta-bob'], 'revoked',
      'ok', 'OpenSSL applies a delta only where the base CRL or the '
            . 'certificate has a FreshestCRL extension' ],
);

make_crls();

our (@requests, @codes, @headers, $http_config, $front);

my %reason = (ok => 'allow', revoked => 'revoked', missing => 'crl-missing',
              stale => 'crl-stale');

$http_config = <<"_EOC_";
    server {
        listen unix:\$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $pki/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason \$certauthz_reason always;
_EOC_

for my $row (@rows) {
    my ($id, $leaf, $files, $verdict, $openssl, $why) = @$row;
    my $file = "$dir/row-$id.crl";

    # the oracle
    my $said = openssl_verdict($leaf, $file, $files);
    is($said, $openssl // $verdict,
       "openssl verify: $id" . ($openssl ? " (differs: $why)" : ""));

    $http_config .= <<"_EOC_";

        location /$id/ {
            certauthz_crl $file;
            alias $pki/www/;
        }
_EOC_

    push @requests, "GET /$leaf/$id/ok.txt";
    push @codes, $verdict eq 'ok' ? 200 : 403;
    push @headers, "X-Reason: $reason{$verdict}";
}

$http_config .= "    }\n";

# dpa is not one of mkpki.sh's clients: the front presents it here
$front = <<"_EOC_";
        location /dpa/ {
            proxy_pass https://unix:\$TEST_NGINX_SERVER_ROOT/tls.sock:/;
            proxy_ssl_certificate $dir/dpa.pem;
            proxy_ssl_certificate_key $dir/dpa.key;
        }
_EOC_


sub make_crls {
    system('mkdir', '-p', $dir) == 0 or die "mkdir $dir failed\n";

    open my $py, '|-', '/usr/bin/python3', "$pki/../lib/mkscope.py", $pki,
                       $dir
        or die "mkscope.py: $!\n";
    print $py JSON::PP->new->encode(\@crls);
    close $py or die "t/lib/mkscope.py failed (python3-cryptography?)\n";

    for my $row (@rows) {
        my ($id, undef, $files) = @$row;
        open my $out, '>', "$dir/row-$id.crl" or die "row-$id.crl: $!\n";
        for my $f (@$files) {
            print $out Certauthz::Test::slurp_or_die("$dir/$f.crl");
        }
        close $out or die "row-$id.crl: $!\n";
    }
}


sub openssl_verdict {
    my ($leaf, $file, $files) = @_;

    # see the top of the file: a row with a delta CRL, -extended_crl
    my %in = map { $_ => 1 } @$files;
    my $extended = (grep { $in{$_->{name}} && defined $_->{base} } @crls)
                   ? '-extended_crl' : '';
    my $crt = -e "$dir/$leaf.crt" ? "$dir/$leaf.crt" : "$pki/$leaf.crt";

    my $out = `openssl verify -crl_check -use_deltas $extended -CAfile $pki/ca.crt -CRLfile $file $crt 2>&1`;
    my %err = map { $_ => 1 } $out =~ /^error (\d+) at 0 depth/mg;

    return 'revoked' if $err{23};
    return 'missing' if $err{3} || $err{44} || $err{36};
    return 'stale' if $err{12} && keys %err == 1;
    return 'ok' if !%err && $? == 0 && $out =~ /: OK$/m;

    return "other: $out";
}


no_shuffle();
run_tests();

__DATA__

=== TEST 1: each row of the table: certauthz's verdict (the oracle, openssl verify, is checked as the file loads)
--- http_config eval: $::http_config
--- config eval: $::front
--- request eval: \@::requests
--- error_code eval: \@::codes
--- response_headers eval: \@::headers



=== TEST 2: a CRL that is never used is said once, when it is loaded, with its file and why
--- http_config eval
my $d = "$ENV{TEST_NGINX_PKI}/scope";
<<"_EOC_";
    server {
        listen unix:\$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $ENV{TEST_NGINX_PKI}/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason \$certauthz_reason always;
        certauthz_crl $d/crit.crl;
        certauthz_crl $d/entry-crit.crl;
        certauthz_crl $d/indirect.crl;
        certauthz_crl $d/reasons-bob.crl;
        certauthz_crl $d/arl.crl;
    }
_EOC_
--- request
GET /bob/ok.txt
--- error_code: 403
--- response_headers
X-Reason: crl-missing
--- grep_error_log eval
qr{certauthz: the CRL of "[^"]+" in "\S+/scope/\S+\.crl" .*}
--- grep_error_log_out eval
my $d = "$ENV{TEST_NGINX_PKI}/scope";
my $i = 'certauthz: the CRL of "CN=certauthz Test Intermediate CA,O=certauthz tests" in';
CORE::join '', map { "$i \"$d/$_\n" } (
 'crit.crl" has an unknown critical extension 1.3.6.1.4.1.55555.1, not used',
 'entry-crit.crl" has an entry with an unknown critical extension 1.3.6.1.4.1.55555.3, not used',
 'indirect.crl" is an indirect CRL (issuingDistributionPoint indirectCRL), not used',
 'reasons-bob.crl" covers only some reasons (issuingDistributionPoint onlySomeReasons), not used',
 'arl.crl" covers CA certificates only (issuingDistributionPoint onlyContainsCACerts), not used for other certificates')
--- error_log eval
[qr{\[warn\] .*certauthz: the CRL of "[^"]+" in "\S+/scope/crit\.crl"},
 qr{\[notice\] .*certauthz: the CRL of "[^"]+" in "\S+/scope/arl\.crl"}]
