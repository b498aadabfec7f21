# certauthz_metrics: host-wide counters in the Prometheus text format.
# With two workers, a known set of requests (each on a new connection, sent
# in parallel so that both workers take some) gives exactly those counts;
# a CRL file that fails to load shows as outcome="error"; and promtool
# (from Debian's prometheus package; make test puts it in build/tools)
# accepts a scrape.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

use File::Temp ();
use JSON::PP ();
use Time::Piece ();

# a TCP port of the TLS server of TEST 1, which listens with "reuseport":
# the kernel spreads its connections over both workers by their source
# ports, where on the unix socket one worker may take them all
sub tcp_port { ($ENV{TEST_NGINX_SERVER_PORT} || 1984) + 7 }

# for --- init: COUNT requests of each client NAME => COUNT, each a new
# connection straight to the TLS server (its unix socket, or with
# TCP => 1 its TCP port), eight at a time
sub send_all {
    my (%count) = @_;
    my $root = Certauthz::Test::servroot();
    my $pki = $ENV{TEST_NGINX_PKI};
    my $to = delete $count{TCP}
             ? "https://127.0.0.1:" . tcp_port() . "/ok.txt"
             : "--unix-socket $root/tls.sock https://localhost/ok.txt";
    my @cmds;

    for my $name (sort keys %count) {
        push @cmds, ("curl -s -k -m 10 -o /dev/null --cert $pki/$name.pem "
                     . "--key $pki/$name.key $to")
                    x $count{$name};
    }

    open my $x, '|-', 'xargs -P 8 -I{} sh -c {}' or die "xargs: $!\n";
    print $x "$_\n" for @cmds;
    close $x;
}

# for --- init: the workers that logged a denial, at least two of them
sub two_workers_decided {
    my $log = Certauthz::Test::slurp(Certauthz::Test::servroot()
                                     . '/logs/error.log');
    my %pids = map { $_ => 1 }
               $log =~ /\[error\] (\d+)#\d+: \*\d+ certauthz: access forbidden/g;

    Test::More::cmp_ok(scalar keys %pids, '>=', 2,
                       'both workers decided some of the requests');
}

# for --- init: a scrape through the TLS socket checked by promtool
sub promtool_accepts {
    my $root = Certauthz::Test::servroot();
    my $pki = $ENV{TEST_NGINX_PKI};
    my $promtool = $ENV{CERTAUTHZ_PROMTOOL}
                   || (grep { -x } map { "$_/promtool" } split /:/, $ENV{PATH})[0];

    SKIP: {
        Test::More::skip('no promtool (Debian package prometheus; make test '
                         . 'extracts it into build/tools): not checked', 1)
            unless $promtool;

        my (undef, $scrape) = File::Temp::tempfile(UNLINK => 1);
        system("curl -s -k -m 10 -o $scrape --unix-socket $root/tls.sock "
               . "--cert $pki/alice.pem --key $pki/alice.key "
               . "https://localhost/metrics") == 0 or die "scrape failed\n";

        my $out = `$promtool check metrics < $scrape 2>&1`;
        Test::More::is("exit $? $out", 'exit 0 ',
                       'promtool check metrics: no complaint');
    }
}

# the CRL files of TEST 6, made when this file runs (t/lib/mkscope.py),
# of the test intermediate CA (days from now): adcs.crl as Microsoft AD CS
# publishes them, a base CRL and its delta CRL, with an older complete CRL,
# an ARL and a CRL that is never used (an unknown critical extension)
# beside them, and a CRL of another CA; two-complete.crl an older and a
# newer complete CRL.  One sample per file and issuer: the nextUpdate of the
# delta in force (adcs.crl), of the newest CRL (two-complete.crl)
our $scope = File::Temp::tempdir(CLEANUP => 1);
our %next;

sub make_scope {
    my $pki = $ENV{TEST_NGINX_PKI};
    my @crls = (
        { name => 'old', number => 9, this => -60, next => 100 },
        { name => 'base', number => 10, this => -8, next => 30,
          freshest => 1 },
        { name => 'delta', number => 11, base => 10, this => -1, next => 2 },
        { name => 'arl', number => 10, this => -8, next => 1,
          idp => { only_ca => 1 } },
        { name => 'crit', number => 12, this => -1, next => 0.5, crit => 1 },
        { name => 'older', number => 10, this => -40, next => 5 },
        { name => 'newer', number => 11, this => -10, next => 20 },
    );

    open my $py, '|-', '/usr/bin/python3', "$pki/../lib/mkscope.py", $pki,
                       $scope
        or die "mkscope.py: $!\n";
    print $py JSON::PP->new->encode(\@crls);
    close $py or die "t/lib/mkscope.py failed (python3-cryptography?)\n";

    my %files = (adcs => [qw(old base delta arl crit)],
                 'two-complete' => [qw(older newer)]);

    for my $f (sort keys %files) {
        open my $out, '>', "$scope/$f.crl" or die "$f.crl: $!\n";
        print $out Certauthz::Test::slurp_or_die("$scope/$_.crl")
            for @{ $files{$f} };
        print $out Certauthz::Test::crl('pss-empty.crl') if $f eq 'adcs';
        close $out or die "$f.crl: $!\n";
    }

    for my $name (map { $_->{name} } @crls) {
        my $t = `openssl crl -in $scope/$name.crl -noout -nextupdate`;
        $t =~ /^nextUpdate=(\w+ +\d+ [\d:]+ \d+) GMT$/m
            or die "nextUpdate of $name.crl: $t\n";
        $next{$name} = Time::Piece->strptime($1, '%b %d %H:%M:%S %Y')->epoch;
    }
}

make_scope();

# for --- init: no two samples of a scrape have the same name and labels,
# which Prometheus refuses (duplicate samples of one timestamp), and which
# promtool 2.42's "check metrics" lets pass
sub no_duplicate_series {
    my $root = Certauthz::Test::servroot();
    my $pki = $ENV{TEST_NGINX_PKI};
    my $scrape = `curl -s -k -m 10 --unix-socket $root/tls.sock \\
                  --cert $pki/alice.pem --key $pki/alice.key \\
                  https://localhost/metrics`;
    my %seen;

    # a sample: its name and labels, a space, its value
    my @twice = grep { $seen{$_}++ == 1 }
                map { /^(.+) \S+$/ ? $1 : () }
                grep { !/^#/ } split /\n/, $scrape;

    Test::More::ok(length $scrape, 'a scrape');
    Test::More::is("@twice", '', 'no two samples with the same labels');
}

master_on();
workers(2);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: exact counts across two workers: per location, mode, result and reason, and per rule
--- http_config eval
"    server {
        listen unix:\$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        listen 127.0.0.1:" . main::tcp_port() . " ssl reuseport;"
. <<'_EOC_'

        server_name mtls.example;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_deny ou=Sales;
            certauthz_allow ou=Engineering;
        }

        location /audit/ {
            certauthz audit;
            certauthz_allow ou=Engineering;
        }
    }
_EOC_
--- config
    location = /metrics {
        certauthz_metrics;
    }
--- init
main::send_all(TCP => 1, alice => 12, bob => 7, 'svc-billing' => 5);
main::two_workers_decided();
--- request
GET /metrics
--- response_headers
Content-Type: text/plain; version=0.0.4; charset=utf-8
X-Content-Type-Options: nosniff
--- response_body_like eval
qr/(?ms)
  (?=.*^certauthz_decisions_total\{server="mtls\.example",location="\/",mode="on",result="allow",reason="allow"\}\ 12$)
  (?=.*^certauthz_decisions_total\{server="mtls\.example",location="\/",mode="on",result="deny",reason="deny"\}\ 7$)
  (?=.*^certauthz_decisions_total\{server="mtls\.example",location="\/",mode="on",result="deny",reason="no-match"\}\ 5$)
  (?=.*^certauthz_decisions_total\{server="mtls\.example",location="\/",mode="on",result="deny",reason="revoked"\}\ 0$)
  (?=.*^certauthz_decisions_total\{server="mtls\.example",location="\/audit\/",mode="audit",result="allow",reason="allow"\}\ 0$)
  (?=.*^\#\ TYPE\ certauthz_decisions_total\ counter$)
  (?=.*^\#\ TYPE\ certauthz_rule_hits_total\ counter$)
  (?=.*^certauthz_rule_hits_total\{rule="[^"]+nginx\.conf:\d+"\}\ 7$)
  (?=.*^certauthz_rule_hits_total\{rule="[^"]+nginx\.conf:\d+"\}\ 12$)
/x



=== TEST 2: a CRL file that fails to load: outcome="error" counted, the last good CRL's entries and nextUpdate still shown
--- user_files eval
">>> current.crl\n" . Certauthz::Test::crl('int-alice.crl')
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_SERVER_ROOT/html/current.crl;
            certauthz_crl_refresh 500ms;
        }
    }
--- config
    location = /metrics {
        certauthz_metrics;
    }
--- init
my $root = Certauthz::Test::servroot();
select undef, undef, undef, 0.2;
open my $out, '>', "$root/html/current.crl.tmp" or die "$!\n";
print $out "not a CRL\n";
close $out;
rename "$root/html/current.crl.tmp", "$root/html/current.crl" or die "$!\n";
select undef, undef, undef, 1.8;
main::send_all(alice => 3);
--- request
GET /metrics
--- response_body_like eval
qr/(?ms)
  (?=.*^certauthz_crl_loads_total\{file="[^"]+current\.crl",outcome="ok"\}\ 1$)
  (?=.*^certauthz_crl_loads_total\{file="[^"]+current\.crl",outcome="error"\}\ 1$)
  (?=.*^certauthz_crl_entries\{file="[^"]+current\.crl"\}\ 1$)
  (?=.*^certauthz_crl_next_update_seconds\{file="[^"]+current\.crl",issuer="CN=certauthz\ Test\ Intermediate\ CA,O=certauthz\ tests"\}\ \d{10}$)
  (?=.*^certauthz_crl_last_load_seconds\{file="[^"]+current\.crl"\}\ \d{10}$)
  (?=.*^certauthz_decisions_total\{server="",location="\/",mode="on",result="deny",reason="revoked"\}\ 3$)
/x
--- error_log eval
qr/cannot load CRL file "[^"]+current\.crl": it is neither a PEM nor a valid DER CRL/



=== TEST 3: promtool check metrics accepts a scrape with every kind of series, label values to escape among them
--- user_files eval
">>> admins.txt\nalice\n"
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        server_name "we\"ird\\name";
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-alice.crl;
            certauthz_allow cn=@$TEST_NGINX_SERVER_ROOT/html/admins.txt;
            certauthz_allow ou=Engineering;
        }

        location ~* \.php$ {
            certauthz audit;
            certauthz_deny "cn~^b\"o";
        }

        location = /metrics {
            certauthz_metrics;
        }
    }
--- init
main::send_all(alice => 2, bob => 2);
main::promtool_accepts();
--- request
GET /alice/metrics
--- response_body_like eval
qr/(?ms)
  (?=.*^certauthz_decisions_total\{server="we\\"ird\\\\name",location="~\*\ \\\\\.php\$",mode="audit",)
  (?=.*^certauthz_list_entries\{file="[^"]+admins\.txt"\}\ 1$)
/x



=== TEST 4: stream decisions, under the listen address and location=""
--- main_config
    stream {
        server {
            listen unix:$TEST_NGINX_SERVER_ROOT/stream.sock ssl;
            include $TEST_NGINX_PKI/stream-tls.conf;
            ssl_verify_client on;

            certauthz on;
            certauthz_deny ou=Sales;
            certauthz_allow all;

            return "ok\n";
        }
    }
--- config
    location = /metrics {
        certauthz_metrics;
    }
--- init
my $root = Certauthz::Test::servroot();
my $pki = $ENV{TEST_NGINX_PKI};
for my $name (qw(alice alice alice bob bob)) {
    system("openssl s_client -quiet -unix $root/stream.sock "
           . "-cert $pki/$name.pem -key $pki/$name.key "
           . "</dev/null >/dev/null 2>&1");
}
--- request
GET /metrics
--- response_body_like eval
qr/(?ms)
  (?=.*^certauthz_decisions_total\{server="unix:[^"]+stream\.sock",location="",mode="on",result="allow",reason="allow"\}\ 3$)
  (?=.*^certauthz_decisions_total\{server="unix:[^"]+stream\.sock",location="",mode="on",result="deny",reason="deny"\}\ 2$)
/x



=== TEST 5: ?format=json: the same samples as a JSON array that a JSON parser reads, label values escaped; an unknown format is a 400
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        server_name "we\"ird\\name";
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_deny ou=Sales;
            certauthz_allow all;
        }
    }
--- config
    location = /metrics {
        certauthz_metrics;
    }
--- init
main::send_all(alice => 3, bob => 2);
my $port = $ENV{TEST_NGINX_SERVER_PORT} || 1984;
my $body = `curl -s -m 10 'http://127.0.0.1:$port/metrics?format=json'`;
my $samples = eval { JSON::PP::decode_json($body) };
Test::More::ok(ref $samples eq 'ARRAY', 'a JSON array') or Test::More::diag($@);
my %got = map { my $l = $_->{labels};
                ("$_->{name} $l->{server} $l->{location} $l->{reason}"
                 => $_->{value}) }
          grep { $_->{name} eq 'certauthz_decisions_total' } @$samples;
Test::More::is_deeply(
    [@got{'certauthz_decisions_total we"ird\\name / allow',
          'certauthz_decisions_total we"ird\\name / deny',
          'certauthz_decisions_total we"ird\\name / revoked'}],
    [3, 2, 0], 'the decisions, by their labels');
--- request eval
["GET /metrics?format=json", "GET /metrics?format=xml"]
--- error_code eval
[200, 400]
--- response_headers eval
["Content-Type: application/json\nX-Content-Type-Options: nosniff", ""]



=== TEST 6: one next-update sample per file and issuer, that of the CRLs in force (a base and its delta, an older and a newer CRL in one file), and promtool accepts the scrape
--- http_config eval
<<"_EOC_";
    server {
        listen unix:\$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include \$TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $::scope/adcs.crl;
            certauthz_crl $::scope/two-complete.crl;
        }

        location = /metrics {
            certauthz_metrics;
        }
    }
_EOC_
--- init
main::no_duplicate_series();
main::promtool_accepts();
--- request
GET /alice/metrics
--- response_body_like eval
my $int = 'CN=certauthz\ Test\ Intermediate\ CA,O=certauthz\ tests';
my $l = 'certauthz_crl_next_update_seconds\{file="[^"]+';
qr/(?ms)
  (?=.*^$l\/adcs\.crl",issuer="$int"\}\ $::next{delta}$)
  (?=.*^$l\/adcs\.crl",issuer="CN=certauthz\ Test\ pss\ CA,O=certauthz\ tests"\}\ \d{10}$)
  (?=.*^$l\/two-complete\.crl",issuer="$int"\}\ $::next{newer}$)
  (?!(?:.*^$l\/adcs\.crl",issuer="$int"\}){2})
  (?!(?:.*^$l\/two-complete\.crl",issuer="$int"\}){2})
  (?!(?:.*^$l\/adcs\.crl",){3})
/x
