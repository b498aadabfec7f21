# A CRL file is loaded once per host, not once per worker: one worker
# looks at the file and loads a changed one into memory that every worker
# maps (one copy for the host), and the others put it in force within a
# refresh.  Here with four workers: one "loaded CRL file" line per change,
# and every request, whichever worker takes it, sees the new CRL.  Three
# changes in a row reuse the memory of the first; a file that does not
# load leaves the last good CRL in force in every worker.  A worker that
# does not take the CRLs in force (here: stopped) holds nothing back: the
# memory it reads is kept for it, the others go on with other slots, and
# it catches up once it runs again.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

# for --- init: html/DEST becomes a copy of each CRL of t/pki/crl named in
# turn (written beside it and renamed), WAIT seconds after each
sub swaps {
    my ($dest, $wait, @names) = @_;
    my $root = Certauthz::Test::servroot();

    for my $name (@names) {
        select undef, undef, undef, 0.2;

        open my $out, '>', "$root/html/$dest.tmp" or die "$dest.tmp: $!\n";
        print $out ($name eq 'garbage' ? "not a CRL\n"
                                       : Certauthz::Test::crl($name));
        close $out or die "$dest.tmp: $!\n";
        rename "$root/html/$dest.tmp", "$root/html/$dest"
            or die "rename: $!\n";

        select undef, undef, undef, $wait;
    }
}

# for --- init: N requests of the client NAME, each a new connection
# straight to the TLS socket (whichever worker accepts it), all answered
# "WANT"
sub each_answers {
    my ($name, $n, $want) = @_;
    my $root = Certauthz::Test::servroot();
    my $pki = $ENV{TEST_NGINX_PKI};
    my @got;

    for (1 .. $n) {
        my $cmd = "curl -s -k -m 10 -o /dev/null --unix-socket $root/tls.sock"
                  . " --cert $pki/$name.pem --key $pki/$name.key"
                  . " -w '%{http_code} %header{x-reason}' https://localhost/";
        my $out = `$cmd`;
        push @got, $out;
    }

    Test::More::is(join(', ', @got), join(', ', ($want) x $n),
                   "$n requests of $name, each a new connection: $want");
}

# for --- init: SIGSTOP to a worker that has answered a request, so that it
# has started and taken the CRLs in force (a slow start, under ASan, could
# otherwise be stopped before), and that is not the one started first
# (worker 0); returns its pid
sub stop_a_worker {
    my $root = Certauthz::Test::servroot();
    my $pki = $ENV{TEST_NGINX_PKI};

    open my $p, '<', "$root/logs/nginx.pid" or die "nginx.pid: $!\n";
    my $master = <$p>;
    chomp $master;

    # the pid file is written before the workers are forked, which under
    # ASan can take a while: wait for all four
    my @workers;

    for (1 .. 100) {
        @workers = sort { $a <=> $b } split ' ', `pgrep -P $master`;
        last if @workers >= 4;
        select undef, undef, undef, 0.1;
    }

    die "fewer than two workers: @workers\n" if @workers < 2;

    my %later = map { $_ => 1 } @workers[1 .. $#workers];
    my $curl = "curl -s -k -m 10 -o /dev/null --unix-socket $root/tls.sock"
               . " --cert $pki/alice.pem --key $pki/alice.key"
               . " https://localhost/";

    for (1 .. 50) {
        system("for i in 1 2 3 4 5 6 7 8; do $curl & done; wait") == 0
            or die "curl: $?\n";

        my $log = Certauthz::Test::slurp("$root/logs/error.log");
        my ($stopped) = sort { $b <=> $a }
                        grep { $later{$_} } $log =~ /\] (\d+)#\d+: \*\d+ /g;

        if (defined $stopped) {
            kill 'STOP', $stopped or die "kill STOP $stopped: $!\n";
            return $stopped;
        }
    }

    die "no worker but the first answered a request\n";
}

master_on();
workers(4);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: four workers, one load of a changed CRL, every worker denies the revoked certificate
--- user_files eval
">>> current.crl\n" . Certauthz::Test::crl('int-empty.crl')
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_SERVER_ROOT/html/current.crl;
            certauthz_crl_refresh 500ms;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- init
main::swaps('current.crl', 2, 'int-alice.crl');
main::each_answers('alice', 16, '403 revoked');
--- request
GET /alice/ok.txt
--- error_code: 403
--- response_headers
X-Reason: revoked
--- grep_error_log eval
qr/loaded CRL file "[^"]+": \d+ CRLs, \d+ revoked/
--- grep_error_log_out eval
qr/\A[^\n]*current\.crl": 1 CRLs, 1 revoked\n\z/



=== TEST 2: three changes in a row: each loaded once, the last in force everywhere
--- user_files eval
">>> current.crl\n" . Certauthz::Test::crl('int-empty.crl')
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_SERVER_ROOT/html/current.crl;
            certauthz_crl_refresh 500ms;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- init
main::swaps('current.crl', 1.8, 'int-alice.crl', 'int-empty.crl',
            'int-alice.crl');
main::each_answers('alice', 16, '403 revoked');
--- request
GET /alice/ok.txt
--- error_code: 403
--- response_headers
X-Reason: revoked
--- grep_error_log eval
qr/loaded CRL file "[^"]+": \d+ CRLs, \d+ revoked/
--- grep_error_log_out eval
qr/\A[^\n]*: 1 CRLs, 1 revoked\n[^\n]*: 1 CRLs, 0 revoked\n[^\n]*: 1 CRLs, 1 revoked\n\z/



=== TEST 3: a file that does not load: said once, the last good CRL stays in force in every worker
--- user_files eval
">>> current.crl\n" . Certauthz::Test::crl('int-empty.crl')
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_SERVER_ROOT/html/current.crl;
            certauthz_crl_refresh 500ms;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- init
main::swaps('current.crl', 1.8, 'int-alice.crl', 'garbage');
main::each_answers('alice', 16, '403 revoked');
--- request
GET /alice/ok.txt
--- error_code: 403
--- response_headers
X-Reason: revoked
--- grep_error_log eval
qr/cannot load CRL file "[^"]+": [^,]+, the last good CRLs stay in force/
--- grep_error_log_out eval
qr/\A[^\n]*current\.crl": it is neither a PEM nor a valid DER CRL, the last good CRLs stay in force\n\z/



=== TEST 4: a new CRL that does not verify with its trusted issuer's key: said once for the host, when it is loaded; every worker then denies crl-missing
--- user_files eval
">>> current.crl\n" . Certauthz::Test::crl('int-empty.crl')
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_SERVER_ROOT/html/current.crl;
            certauthz_crl_refresh 500ms;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- init
main::swaps('current.crl', 2, 'int-wrongkey.crl');
main::each_answers('alice', 16, '403 crl-missing');
--- request
GET /alice/ok.txt
--- error_code: 403
--- response_headers
X-Reason: crl-missing
--- grep_error_log eval
qr/does not verify with the key of [^,:]+/
--- grep_error_log_out eval
qr/\A[^\n]*does not verify with the key of any trusted CA certificate of that name\n\z/



=== TEST 5: a worker that does not take the CRLs in force (stopped) holds nothing back: two changes in a row reach the others within the refresh + 1 s, the warning names it, and once it goes on it catches up by itself
--- user_files eval
">>> current.crl\n" . Certauthz::Test::crl('int-empty.crl')
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_SERVER_ROOT/html/current.crl;
            certauthz_crl_refresh 500ms;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- init
my $stopped = main::stop_a_worker();
main::swaps('current.crl', 1.5, 'int-door-1.crl');
main::swaps('current.crl', 1.5, 'int-alice.crl');
main::each_answers('alice', 20, '403 revoked');
select undef, undef, undef, 9;
Test::More::like(Certauthz::Test::slurp(Certauthz::Test::servroot()
                                       . '/logs/error.log'),
                 qr/worker process $stopped has not taken the CRLs of "[^"]+current\.crl" in force for \d+ s/,
                 "the warning names the stopped worker, $stopped");
kill 'CONT', $stopped;
select undef, undef, undef, 1.5;
main::each_answers('alice', 16, '403 revoked');
main::swaps('current.crl', 1.5, 'int-empty.crl');
main::each_answers('alice', 16, '200 allow');
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_headers
X-Reason: allow
--- grep_error_log eval
qr/loaded CRL file "[^"]+": \d+ CRLs, \d+ revoked/
--- grep_error_log_out eval
qr/\A[^\n]*current\.crl": 1 CRLs, 1 revoked\n[^\n]*current\.crl": 1 CRLs, 1 revoked\n[^\n]*current\.crl": 1 CRLs, 0 revoked\n\z/
